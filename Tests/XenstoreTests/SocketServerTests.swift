// XenstoreSocketServer against Debian's unmodified xenstore-utils (Xen
// 4.17's libxenstore, found through XENSTORED_PATH), plus a raw client for
// what the tools never do: over-long headers, vanishing mid-reply, ordering.
import Foundation
import Glibc
import Logging
import Testing
import XenABI
@testable import Xenstore

/// The tools are installed by scripts/setup (Debian package xenstore-utils).
private let toolsInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/xenstore-ls")
private let toolsMissing: Comment = "/usr/bin/xenstore-ls is absent: install xenstore-utils (scripts/setup does)"

/// The server's logger in tests: warnings only (a disconnected bad client
/// still shows), not a line per server started.
private let quietLogger: Logger = {
    var logger = Logger(label: "xenolith.xenstore.socket")
    logger.logLevel = .warning
    return logger
}()

/// A short scratch directory (socket paths must fit 107 bytes), removed at the end.
private final class ScratchDirectory {
    let path: String

    init() throws {
        path = "/tmp/xss-test-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A daemon with a few nodes, served on a socket in a scratch directory.
private final class Fixture {
    let scratch: ScratchDirectory
    let daemon: XenstoreDaemon
    let dom0: Client
    let server: XenstoreSocketServer
    var path: String { server.path }

    /// `subdirectory` makes the socket's directory one the server must create.
    init(subdirectory: String? = nil) throws {
        scratch = try ScratchDirectory()
        daemon = XenstoreDaemon()
        dom0 = Client(daemon, domid: 0)
        dom0.write("/vm/1234/name", "web")
        dom0.write("/local/domain/1/name", "web")
        dom0.write("/local/domain/1/memory/target", "65536")
        dom0.write("/local/domain/1/console/port", "2")
        let base = scratch.path
        let directory = subdirectory.map { "\(base)/\($0)" } ?? base
        server = try XenstoreSocketServer(daemon: daemon, path: "\(directory)/xs.sock", logger: quietLogger)
        server.start()
    }

    deinit { server.stop() }

    func value(_ path: String) -> String? {
        daemon.node(at: path).map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// What a tool printed and how it exited.
private struct ToolResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs /usr/bin/<tool> with XENSTORED_PATH set, under coreutils' timeout so
/// a server that never answers fails the test instead of hanging it.
private func run(_ tool: String, _ arguments: [String], socket: String) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["-k", "5", "20", "/usr/bin/\(tool)"] + arguments
    process.environment = ["XENSTORED_PATH": socket, "PATH": "/usr/bin:/bin"]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolResult(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
}

/// A client that speaks the wire protocol by hand, through the same funnel.
private final class RawClient {
    let fd: Int32
    private var framer = XSMessageFramer()
    private var received: [XSMessage] = []

    init(_ path: String) throws {
        fd = try SocketSys.unixStreamSocket()
        try SocketSys.connect(fd, path: path)
    }

    deinit { SocketSys.close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var rest = bytes[...]
        while !rest.isEmpty {
            guard wait(for: Int16(POLLOUT), seconds: 10) else { throw SocketSys.Failure(errno: ETIMEDOUT) }
            switch attempt({ () throws(SocketSys.Failure) in try SocketSys.send(fd, rest) }) {
            case .success(let sent): rest = rest.dropFirst(sent)
            case .failure(let error) where error.isWouldBlock: continue
            case .failure(let error): throw error
            }
        }
    }

    func send(_ message: XSMessage) throws {
        try send(message.encoded())
    }

    /// The next message, or nil at end of stream or after `seconds`.
    func receive(seconds: Double = 10) throws -> XSMessage? {
        let deadline = Date().addingTimeInterval(seconds)
        while received.isEmpty {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, wait(for: Int16(POLLIN), seconds: left) else { return nil }
            switch attempt({ () throws(SocketSys.Failure) in try SocketSys.receive(fd, maxCount: 4096) }) {
            case .success(let bytes) where bytes.isEmpty: return nil
            case .success(let bytes): received += try framer.feed(bytes)
            case .failure(let error) where error.isWouldBlock: continue
            case .failure(let error): throw error
            }
        }
        return received.removeFirst()
    }

    /// Whether the server closed the connection within `seconds` (anything
    /// it sent before is skipped).
    func closedByServer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            guard wait(for: Int16(POLLIN), seconds: deadline.timeIntervalSinceNow) else { return false }
            switch attempt({ () throws(SocketSys.Failure) in try SocketSys.receive(fd, maxCount: 4096) }) {
            case .success(let bytes) where bytes.isEmpty: return true
            case .success: continue
            case .failure(let error) where error.isWouldBlock: continue
            case .failure: return true      // ECONNRESET
            }
        }
        return false
    }

    private func attempt<T>(_ call: () throws(SocketSys.Failure) -> T) -> Result<T, SocketSys.Failure> {
        do {
            return .success(try call())
        } catch {
            return .failure(error)
        }
    }

    private func wait(for events: Int16, seconds: Double) -> Bool {
        var fds = [pollfd(fd: fd, events: events, revents: 0)]
        let ready = (try? SocketSys.poll(&fds, timeoutMilliseconds: Int32(max(1, seconds * 1000)))) ?? 0
        return ready > 0
    }
}

/// Reads a child's stdout as it is produced, line by line.
private final class LineReader: @unchecked Sendable {
    // @unchecked: `lines` and `partial` are only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""

    init(_ handle: FileHandle) {
        handle.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            self.lock.lock()
            defer { self.lock.unlock() }
            self.partial += String(decoding: data, as: UTF8.self)
            while let newline = self.partial.firstIndex(of: "\n") {
                self.lines.append(String(self.partial[..<newline]))
                self.partial = String(self.partial[self.partial.index(after: newline)...])
            }
        }
    }

    /// Waits until a line equal to `line` has been read (consuming the lines
    /// up to it); false after `seconds`.
    func waitFor(_ line: String, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            let found: Bool = lock.withLock {
                guard let index = lines.firstIndex(of: line) else { return false }
                lines.removeFirst(index + 1)
                return true
            }
            if found { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    var remaining: [String] {
        lock.withLock { lines }
    }
}

@Suite("xenstore socket server with xenstore-utils", .enabled(if: toolsInstalled, toolsMissing))
struct SocketServerToolTests {
    @Test("xenstore-write then xenstore-read round trip")
    func writeThenRead() throws {
        let fixture = try Fixture()
        let write = try run("xenstore-write", ["/data/a", "hello world", "/data/b", "2"], socket: fixture.path)
        #expect(write.status == 0, "\(write.stderr)")
        #expect(fixture.value("/data/a") == "hello world")
        #expect(fixture.value("/data/b") == "2")
        let read = try run("xenstore-read", ["/data/a", "/local/domain/1/name"], socket: fixture.path)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == "hello world\nweb\n")
    }

    @Test("xenstore-read of a missing node fails")
    func readMissing() throws {
        let fixture = try Fixture()
        let read = try run("xenstore-read", ["/no/such/node"], socket: fixture.path)
        #expect(read.status != 0)
        #expect(read.stdout.isEmpty)
    }

    @Test("xenstore-ls prints the tree with values, children indented")
    func listTree() throws {
        let fixture = try Fixture()
        let ls = try run("xenstore-ls", ["/local/domain/1"], socket: fixture.path)
        #expect(ls.status == 0, "\(ls.stderr)")
        #expect(ls.stdout == """
            name = "web"
            memory = ""
             target = "65536"
            console = ""
             port = "2"

            """)
        let all = try run("xenstore-ls", [], socket: fixture.path)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("vm = \"\"\n 1234 = \"\"\n  name = \"web\"\n"))
    }

    @Test("xenstore-list lists children; xenstore-rm removes a subtree")
    func listAndRemove() throws {
        let fixture = try Fixture()
        let list = try run("xenstore-list", ["/local/domain/1"], socket: fixture.path)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout == "name\nmemory\nconsole\n")
        let rm = try run("xenstore-rm", ["/local/domain/1/memory"], socket: fixture.path)
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(fixture.daemon.node(at: "/local/domain/1/memory") == nil)
        #expect(fixture.daemon.node(at: "/local/domain/1/memory/target") == nil)
        #expect(fixture.value("/local/domain/1/name") == "web")
    }

    @Test("xenstore-exists exits 0 for a node and 1 for a missing one",
          arguments: [("/local/domain/1/name", Int32(0)), ("/local/domain/1/nothing", Int32(1)), ("/", Int32(0))])
    func exists(path: String, status: Int32) throws {
        let fixture = try Fixture()
        let exists = try run("xenstore-exists", [path], socket: fixture.path)
        #expect(exists.status == status, "\(exists.stderr)")
    }

    @Test("xenstore-watch prints an event line as soon as a node changes")
    func watch() throws {
        let fixture = try Fixture()
        // Run directly and ended with SIGKILL: every wait below has its own
        // timeout, so a silent watcher fails the test without hanging it.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xenstore-watch")
        process.arguments = ["/data/w"]
        process.environment = ["XENSTORED_PATH": fixture.path, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let reader = LineReader(out.fileHandleForReading)
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        // Registering a watch fires it once (docs/misc/xenstore.txt WATCH).
        #expect(reader.waitFor("/data/w"), "no initial event; got \(reader.remaining)")
        fixture.dom0.write("/data/w/x", "1")
        #expect(reader.waitFor("/data/w/x"), "no event for a daemon-side write; got \(reader.remaining)")
        let write = try run("xenstore-write", ["/data/w/y", "2"], socket: fixture.path)
        #expect(write.status == 0)
        #expect(reader.waitFor("/data/w/y"), "no event for another client's write; got \(reader.remaining)")
        let rm = try run("xenstore-rm", ["/data/w"], socket: fixture.path)
        #expect(rm.status == 0)
        #expect(reader.waitFor("/data/w"), "no event for the removal; got \(reader.remaining)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The watcher's connection went with it; the server goes on serving.
        fixture.dom0.write("/data/w", "after")
        let read = try run("xenstore-read", ["/data/w"], socket: fixture.path)
        #expect(read.stdout == "after\n")
    }

    @Test("many tool processes at once are served independently")
    func concurrentClients() async throws {
        let fixture = try Fixture()
        let path = fixture.path
        let results = try await withThrowingTaskGroup(of: (Int, ToolResult, ToolResult).self) { group in
            for index in 0..<16 {
                group.addTask {
                    let write = try run("xenstore-write", ["/c/\(index)", "v\(index)"], socket: path)
                    let read = try run("xenstore-read", ["/c/\(index)"], socket: path)
                    return (index, write, read)
                }
            }
            var all: [(Int, ToolResult, ToolResult)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 16)
        for (index, write, read) in results {
            #expect(write.status == 0, "\(write.stderr)")
            #expect(read.stdout == "v\(index)\n", "\(read.stderr)")
        }
        let list = try run("xenstore-list", ["/c"], socket: path)
        let listed: Set<String> = Set(list.stdout.split(separator: "\n").map { String($0) })
        let written: Set<String> = Set((0..<16).map { String($0) })
        #expect(listed == written)
    }

    @Test("a client sending an over-long header is disconnected; others are still served")
    func oversizedHeader() throws {
        let fixture = try Fixture()
        let bystander = try RawClient(fixture.path)
        let garbage = try RawClient(fixture.path)
        // XS_READ announcing 100000 bytes, over XENSTORE_PAYLOAD_MAX (4096).
        try garbage.send(XsdSockmsg(type: XSType.read.rawValue, reqID: 1, txID: 0, len: 100_000).bytes)
        #expect(garbage.closedByServer(within: 10))
        try bystander.send(XSMessage(type: .read, reqID: 7, strings: ["/local/domain/1/name"]))
        #expect(try bystander.receive() == XSMessage(type: .read, reqID: 7, payload: b("web")))
        let read = try run("xenstore-read", ["/vm/1234/name"], socket: fixture.path)
        #expect(read.stdout == "web\n")
    }

    @Test("the socket file is 0600 in a created 0700 directory, and stop() removes it")
    func fileModesAndStop() throws {
        let fixture = try Fixture(subdirectory: "run/dom")
        let socket = try SocketSys.status(fixture.path, followLinks: false)
        #expect(socket.isSocket)
        #expect(socket.permissions == 0o600)
        for directory in ["run", "run/dom"] {
            let info = try SocketSys.status("\(fixture.scratch.path)/\(directory)", followLinks: false)
            #expect(info.isDirectory && info.permissions == 0o700)
        }
        fixture.server.stop()
        #expect(!FileManager.default.fileExists(atPath: fixture.path))
        #expect(throws: SocketSys.Failure.self) { _ = try RawClient(fixture.path) }
        fixture.server.stop()       // idempotent
    }
}

@Suite("xenstore socket server lifecycle and wire")
struct SocketServerTests {
    @Test("replies and watch events come back in order")
    func ordering() throws {
        let fixture = try Fixture()
        let client = try RawClient(fixture.path)
        // Pipelined: the server answers in order without waiting for reads.
        try client.send(XSMessage(type: .watch, reqID: 1, strings: ["/o", "tok"]).encoded()
            + XSMessage(type: .write, reqID: 2, payload: b("/o/a\0x")).encoded()
            + XSMessage(type: .read, reqID: 3, strings: ["/o/a"]).encoded())
        var got: [XSMessage] = []
        for _ in 0..<5 {
            if let message = try client.receive() { got.append(message) }
        }
        #expect(got == [
            XSMessage(type: .watch, reqID: 1, payload: b("OK\0")),
            XSMessage(type: .watchEvent, payload: b("/o\0tok\0")),
            XSMessage(type: .write, reqID: 2, payload: b("OK\0")),
            XSMessage(type: .watchEvent, payload: b("/o/a\0tok\0")),
            XSMessage(type: .read, reqID: 3, payload: b("x")),
        ])
        // A change made elsewhere is delivered without any request from us.
        fixture.dom0.write("/o/b", "y")
        #expect(try client.receive() == XSMessage(type: .watchEvent, payload: b("/o/b\0tok\0")))
    }

    @Test("socket clients are privileged domain-0 connections")
    func privileged() throws {
        let fixture = try Fixture()
        let client = try RawClient(fixture.path)
        try client.send(XSMessage(type: .isDomainIntroduced, reqID: 1, strings: ["0"]))
        #expect(try client.receive() == XSMessage(type: .isDomainIntroduced, reqID: 1, payload: b("T\0")))
        try client.send(XSMessage(type: .getDomainPath, reqID: 2, strings: ["7"]))
        #expect(try client.receive() == XSMessage(type: .getDomainPath, reqID: 2, payload: b("/local/domain/7\0")))
    }

    @Test("what xenstored answers to requests the tools may send first",
          arguments: [
            (XSType.control, [UInt8](b("print\0hello\0")), XSType.error, [UInt8](b("ENOSYS\0"))),
            (XSType.resetWatches, [UInt8](b("\0")), XSType.resetWatches, [UInt8](b("OK\0"))),
            (XSType.directoryPart, [UInt8](b("/vm\0" + "0\0")), XSType.directoryPart, [UInt8](b("1\0" + "1234\0\0"))),
          ])
    func firstRequests(type: XSType, payload: [UInt8], replyType: XSType, reply: [UInt8]) throws {
        let fixture = try Fixture()
        let client = try RawClient(fixture.path)
        try client.send(XSMessage(type: type, reqID: 9, payload: payload))
        let answer = try client.receive()
        #expect(answer?.type == replyType)
        #expect(answer?.reqID == 9)
        if replyType == .directoryPart {
            // The generation count differs; the children list must not.
            let strings = answer.map { XSPayload.strings($0.payload).map { String(decoding: $0, as: UTF8.self) } }
            #expect(strings?.dropFirst() == ["1234", ""])
        } else {
            #expect(answer?.payload == reply)
        }
    }

    @Test("a client that vanishes before reading its replies does not raise SIGPIPE")
    func vanishingClient() throws {
        let fixture = try Fixture()
        fixture.dom0.write("/big", String(repeating: "x", count: 4000))
        do {
            let client = try RawClient(fixture.path)
            // About 400 KiB of replies that are never read.
            var requests: [UInt8] = []
            for index in 0..<100 {
                requests += XSMessage(type: .read, reqID: UInt32(index), strings: ["/big"]).encoded()
            }
            try client.send(requests)
        }   // closed here, replies still being written
        Thread.sleep(forTimeInterval: 0.2)
        let other = try RawClient(fixture.path)
        try other.send(XSMessage(type: .read, reqID: 1, strings: ["/vm/1234/name"]))
        #expect(try other.receive() == XSMessage(type: .read, reqID: 1, payload: b("web")))
    }

    @Test("a stale socket file nobody listens on is replaced")
    func staleSocket() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/xs.sock"
        // Bound but never listening, then abandoned: what a killed process leaves.
        let stale = try SocketSys.unixStreamSocket()
        try SocketSys.bind(stale, path: path)
        SocketSys.close(stale)
        #expect(try SocketSys.status(path, followLinks: false).isSocket)
        let daemon = XenstoreDaemon()
        Client(daemon, domid: 0).write("/s", "1")
        let server = try XenstoreSocketServer(daemon: daemon, path: path, logger: quietLogger)
        server.start()
        defer { server.stop() }
        let client = try RawClient(path)
        try client.send(XSMessage(type: .read, reqID: 1, strings: ["/s"]))
        #expect(try client.receive() == XSMessage(type: .read, reqID: 1, payload: b("1")))
    }

    @Test("a socket a live server answers on is refused, and that server keeps working")
    func liveSocket() throws {
        let fixture = try Fixture()
        #expect(throws: XenstoreSocketError.inUse(path: fixture.path)) {
            _ = try XenstoreSocketServer(daemon: XenstoreDaemon(), path: fixture.path)
        }
        #expect(XenstoreSocketError.inUse(path: fixture.path).description == "another xenolith owns \(fixture.path)")
        let client = try RawClient(fixture.path)
        try client.send(XSMessage(type: .read, reqID: 1, strings: ["/vm/1234/name"]))
        #expect(try client.receive() == XSMessage(type: .read, reqID: 1, payload: b("web")))
    }

    @Test("a live socket is refused even before its server starts serving")
    func listeningNotStarted() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/xs.sock"
        let first = try XenstoreSocketServer(daemon: XenstoreDaemon(), path: path, logger: quietLogger)
        defer { first.stop() }
        #expect(throws: XenstoreSocketError.inUse(path: path)) {
            _ = try XenstoreSocketServer(daemon: XenstoreDaemon(), path: path)
        }
    }

    @Test("a file that is not a socket is left alone")
    func notASocket() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/xs.sock"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: XenstoreSocketError.notASocket(path: path)) {
            _ = try XenstoreSocketServer(daemon: XenstoreDaemon(), path: path)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
    }

    @Test("a path longer than sun_path allows is refused")
    func pathTooLong() throws {
        let path = "/tmp/" + String(repeating: "x", count: 120)
        #expect(throws: XenstoreSocketError.pathTooLong(path: path, limit: 107)) {
            _ = try XenstoreSocketServer(daemon: XenstoreDaemon(), path: path)
        }
    }

    @Test("stop() closes connected clients and the daemon forgets their watches")
    func stopClosesClients() throws {
        let fixture = try Fixture()
        let client = try RawClient(fixture.path)
        try client.send(XSMessage(type: .watch, reqID: 1, strings: ["/q", "t"]))
        #expect(try client.receive()?.type == .watch)
        fixture.server.stop()
        #expect(client.closedByServer(within: 10))
        // No connection is left to receive an event.
        fixture.dom0.write("/q", "1")
        #expect(fixture.dom0.events() == [])
    }

    @Test("default socket paths",
          arguments: [
            ("web", UInt32(0), [String: String](), "/run/xenolith/web/xenstore.sock"),
            ("web", UInt32(0), ["XDG_RUNTIME_DIR": "/run/user/0"], "/run/xenolith/web/xenstore.sock"),
            ("web", UInt32(1000), ["XDG_RUNTIME_DIR": "/run/user/1000"], "/run/user/1000/xenolith/web/xenstore.sock"),
            ("web", UInt32(1000), ["XDG_RUNTIME_DIR": "/run/user/1000/"], "/run/user/1000/xenolith/web/xenstore.sock"),
            ("web", UInt32(1000), [:], "/tmp/xenolith-1000/web/xenstore.sock"),
            ("web", UInt32(1000), ["XDG_RUNTIME_DIR": "relative"], "/tmp/xenolith-1000/web/xenstore.sock"),
            ("a/../b", UInt32(0), [:], "/run/xenolith/a_.._b/xenstore.sock"),
            ("..", UInt32(0), [:], "/run/xenolith/_../xenstore.sock"),
          ])
    func defaultPaths(name: String, euid: UInt32, environment: [String: String], expected: String) {
        #expect(XenstoreSocketServer.defaultPath(domainName: name, euid: euid, environment: environment) == expected)
    }
}

extension XsdSockmsg {
    /// The header's 16 little-endian bytes.
    fileprivate var bytes: [UInt8] {
        [type, reqID, txID, len].flatMap { word in
            (0..<4).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) }
        }
    }
}
