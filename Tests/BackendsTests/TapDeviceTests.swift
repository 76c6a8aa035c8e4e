// The TAP device for real, inside a network namespace the test makes and
// deletes (nothing else on the machine is touched): it is created with its
// queues, up, bridged, carries frames both ways with their virtio header
// (an ARP request written as the guest would is answered by the kernel),
// and takes the offloads. Needs root and /dev/net/tun; skipped otherwise.
import Foundation
import Glibc
import Testing
@testable import Backends

private func canMakeTaps() -> Bool {
    getuid() == 0 && access("/dev/net/tun", R_OK | W_OK) == 0 && FileManager.default.isExecutableFile(atPath: TestNetns.ipPath)
}

/// A network namespace of its own; deleted by `delete`.
final class TestNetns: @unchecked Sendable {
    // @unchecked: immutable.
    let name = "xenolith-test-\(UInt32.random(in: 0 ... .max))"

    init() throws {
        try Self.ip(["netns", "add", name])
    }

    func delete() {
        _ = try? Self.ip(["netns", "del", name])
    }

    /// Runs `ip ARGS` inside the namespace.
    @discardableResult
    func ip(_ arguments: [String]) throws -> String {
        try Self.ip(["netns", "exec", name, Self.ipPath] + arguments)
    }

    static let ipPath = FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip"

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ipPath)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw TapTestFailure("ip \(arguments.joined(separator: " ")): \(text)") }
        return text
    }

    /// Runs `body` on a thread that has entered the namespace (setns is
    /// per thread), so devices and sockets it makes live there.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let fd = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TapTestFailure("open /run/netns/\(name): errno \(errno)") }
        defer { close(fd) }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            // setns(2) with CLONE_NEWNET (linux/sched.h); Glibc's module
            // does not export setns (it needs _GNU_SOURCE).
            typealias SetNS = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(nil, "setns") else {
                box.set(.failure(TapTestFailure("no setns")))
                done.signal()
                return
            }
            let setns = unsafeBitCast(symbol, to: SetNS.self)
            if setns(fd, 0x4000_0000) != 0 {
                box.set(.failure(TapTestFailure("setns: errno \(errno)")))
            } else {
                box.set(Result { try body() })
            }
            done.signal()
        }
        thread.start()
        done.wait()
        return try box.get()
    }
}

struct TapTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

private final class ResultBox<T>: @unchecked Sendable {
    // @unchecked: written once before the semaphore, read after.
    private var value: Result<T, Error>?
    func set(_ v: Result<T, Error>) { value = v }
    func get() throws -> T { try value!.get() }
}

@Suite(.enabled(if: canMakeTaps(), "needs root, /dev/net/tun and ip(8)"), .serialized)
struct TapDeviceTests {
    @Test func tapCarriesFramesBothWays() throws {
        let ns = try TestNetns()
        defer { ns.delete() }
        try ns.ip(["link", "add", "xnbr0", "type", "bridge"])
        let reply: [UInt8] = try ns.run {
            let tap = try TapDevice(name: "xntap9", bridge: "xnbr0", maxQueues: 2)
            #expect(tap.name == "xntap9" && tap.maxQueues == 2)
            let queues = try tap.openQueues(2)
            #expect(queues.count == 2 && queues[0].descriptor != queues[1].descriptor)
            try tap.setOffloads([.csum, .tso4, .tso6])
            tap.closeQueues(from: 1)
            // The bridge's port cannot take an address; answer ARP on a
            // second TAP that is not bridged.
            let plain = try TapDevice(name: "xntap8", bridge: nil, maxQueues: 1)
            try ns.ip(["addr", "add", "10.99.0.1/24", "dev", "xntap8"])
            let q = try plain.openQueues(1)[0]
            // An ARP request from 00:16:3e:00:00:02 (10.99.0.2) for 10.99.0.1.
            var frame: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x16, 0x3e, 0, 0, 2, 0x08, 0x06]
            frame += [0, 1, 0x08, 0x00, 6, 4, 0, 1, 0x00, 0x16, 0x3e, 0, 0, 2, 10, 99, 0, 2, 0, 0, 0, 0, 0, 0, 10, 99, 0, 1]
            let out = VirtioNetHdr().encoded() + frame
            let sent = try out.withUnsafeBytes { b -> Int in
                var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)
                return try q.send(&iov, count: 1)
            }
            #expect(sent == out.count)
            var buffer = [UInt8](repeating: 0, count: 70_000)
            for _ in 0..<200 {
                if let n = try q.receive(into: &buffer), n >= 24, buffer[22] == 0x08, buffer[23] == 0x06,
                   buffer[10 + 21] == 2 {
                    return Array(buffer[0..<n])
                }
                usleep(10_000)
            }
            throw TapTestFailure("no ARP reply from the kernel")
        }
        #expect(reply[10..<16] == [0x00, 0x16, 0x3e, 0, 0, 2], "addressed to the guest's MAC")
        #expect(reply[16..<22] == [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff][...], "from netback's backend MAC")
    }

    @Test func existingTapWithoutMultiQueueIsUsedWithOneQueue() throws {
        let ns = try TestNetns()
        defer { ns.delete() }
        try ns.ip(["tuntap", "add", "xntap7", "mode", "tap", "vnet_hdr"])
        let (name, max) = try ns.run {
            let tap = try TapDevice(name: "xntap7", bridge: nil, maxQueues: 4)
            return (tap.name, tap.maxQueues)
        }
        #expect(name == "xntap7" && max == 1)
        let link = try ns.ip(["link", "show", "xntap7"])
        #expect(link.contains("fe:ff:ff:ff:ff:ff") && link.contains("UP"), "\(link)")
    }

    @Test func errorsNameTheDeviceAndTheFix() throws {
        let ns = try TestNetns()
        defer { ns.delete() }
        let e = try ns.run { () -> String in
            do {
                _ = try TapDevice(name: "xntap6", bridge: "nosuchbr0", maxQueues: 1)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(e.hasPrefix("TAP 'xntap6': cannot add it to bridge 'nosuchbr0'"), "\(e)")
    }
}
