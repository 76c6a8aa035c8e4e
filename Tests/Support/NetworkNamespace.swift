// A network namespace of the test's own (ip-netns(8)), so tests can make
// TAPs, bridges and addresses without touching the machine's network:
// created with `ip netns add`, deleted with `delete()` (always call it in a
// defer). Commands run inside it with `ip netns exec`; sockets are made
// inside it from a thread that entered it with setns(2) (a socket keeps
// the namespace it was made in, whichever thread uses it later).
import Foundation

public final class NetworkNamespace: @unchecked Sendable {
    // @unchecked: immutable.
    public let name: String

    /// ip(8), from iproute2 (scripts/setup installs it).
    public static let ipPath = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// True if this process can make namespaces and TAPs: root, ip(8) and
    /// /dev/net/tun.
    public static var available: Bool {
        getuid() == 0 && ipPath != nil && access("/dev/net/tun", R_OK | W_OK) == 0
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Makes `xenolith-test-<random>`.
    public init() throws {
        name = "xenolith-test-\(UInt32.random(in: 0 ... .max))"
        try Self.ip(["netns", "add", name])
    }

    /// Deletes the namespace (its devices go with it once no process is
    /// inside). Idempotent.
    public func delete() {
        _ = try? Self.ip(["netns", "del", name])
    }

    /// The arguments that run a program inside the namespace.
    public var execPrefix: [String] {
        [Self.ipPath ?? "ip", "netns", "exec", name]
    }

    /// Runs `ip ARGS` inside the namespace; its output.
    @discardableResult
    public func ip(_ arguments: [String]) throws -> String {
        try Self.ip(["netns", "exec", name, Self.ipPath ?? "ip"] + arguments)
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        guard let path = ipPath else { throw Failure("ip(8) not found (install iproute2: scripts/setup)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw Failure("ip \(arguments.joined(separator: " ")): \(text)") }
        return text
    }

    /// Runs `body` on a thread that has entered the namespace and returns
    /// its result. Devices and sockets it makes live in the namespace.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let fd = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open /run/netns/\(name): errno \(errno)") }
        defer { close(fd) }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            // setns(2) with CLONE_NEWNET (linux/sched.h); Swift's Glibc
            // module does not export setns (it needs _GNU_SOURCE).
            typealias SetNS = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(nil, "setns") else {
                box.set(.failure(Failure("setns not found")))
                return
            }
            let setns = unsafeBitCast(symbol, to: SetNS.self)
            guard setns(fd, 0x4000_0000) == 0 else {
                box.set(.failure(Failure("setns: errno \(errno)")))
                return
            }
            box.set(Result { try body() })
        }
        thread.start()
        done.wait()
        return try box.get()
    }

    /// A TCP socket made inside the namespace.
    public func tcpSocket() throws -> Int32 {
        try run { () throws -> Int32 in
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard s >= 0 else { throw Failure("socket: errno \(errno)") }
            return s
        }
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    // @unchecked: written once before the semaphore is signalled, read after.
    private var value: Result<T, Error>?
    func set(_ v: Result<T, Error>) { value = v }
    func get() throws -> T {
        guard let value else { throw NetworkNamespace.Failure("no result") }
        return try value.get()
    }
}
