// The secondary-console backend end to end on the host: a test guest's
// granted ring page on one side, a real Unix socket or pty on the other,
// the backend's loop on its own thread, kicks standing in for the event
// channel.
import Foundation
import Glibc
import GuestMemory
import Synchronization
import Testing
import XenABI
@testable import Backends

/// Counts the backend's notifications of the frontend.
final class NotifyCounter: Sendable {
    let count = Atomic<Int>(0)
    func callAsFunction() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// A backend with its loop running, attached to a granted page of a test guest.
final class ConsoleHarness {
    let fe: Frontend
    let frame: UInt64
    let ref: GrantRef
    let guest: GuestConsole
    let backend: ConsoleBackend
    let notified = NotifyCounter()
    private let done = DispatchSemaphore(value: 0)

    init(_ host: ConsoleBackend.HostConnection, options: ConsoleBackend.Options = ConsoleBackend.Options(),
         attach: Bool = true) throws {
        fe = try Frontend()
        (frame, ref) = try fe.grantedPage()
        guest = GuestConsole(memory: fe.memory, base: frame << 12)
        backend = try ConsoleBackend(hostConnection: host, options: options)
        let backend = self.backend, done = self.done
        Thread { backend.run(); done.signal() }.start()
        if attach { try self.attach() }
    }

    func attach() throws {
        let notified = self.notified
        try backend.attach(grants: fe.grants, ringRef: ref) { notified() }
    }

    /// The guest writes to its console and notifies.
    func guestWrites(_ text: String) throws {
        try guest.write(Array(text.utf8))
        backend.kick()
    }

    /// Stops the loop, waits for it, closes the host end.
    func finish() {
        backend.stop()
        done.wait()
        backend.detach()
        backend.close()
    }

    deinit { finish() }
}

/// Waits up to `seconds` for `condition`.
func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(2000)
    }
    return try condition()
}

/// A Unix socket client of a channel.
final class SocketClient {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HostErrno(errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw HostErrno(e) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `count` bytes came (or the 10 s timeout / end of stream).
    func receive(count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, count - out.count), 0) }
            guard n > 0 else { break }
            out += buffer[0..<n]
        }
        return out
    }
}

/// A fresh directory for socket files, removed at deinit.
final class SocketDirectory {
    let path: String
    init() throws {
        var template = Array("/tmp/xenolith-con-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw HostErrno(errno) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    func socket(_ name: String = "ch.sock") -> String { path + "/" + name }
    deinit { _ = try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct ConsoleBackendTests {
    @Test func socketCarriesBothDirections() throws {
        let dir = try SocketDirectory()
        let h = try ConsoleHarness(.socket(path: dir.socket()))
        let client = try SocketClient(path: dir.socket())
        try h.guestWrites("hello from the guest\n")
        #expect(client.receive(count: 21) == Array("hello from the guest\n".utf8))
        #expect(try eventually { try h.guest.index(XenconsInterface.Offset.outCons) == 21 })
        #expect(try eventually { h.notified.value >= 1 })

        client.send("hello from the host\n")
        var got: [UInt8] = []
        #expect(try eventually { got += try h.guest.read(); return got.count >= 20 })
        #expect(got == Array("hello from the host\n".utf8))
        let c = h.backend.counters
        #expect(c.bytesOut == 21 && c.bytesIn == 20 && c.clients == 1 && c.droppedOut == 0)
    }

    @Test func outputBeforeAClientConnectsWaitsForIt() throws {
        let dir = try SocketDirectory()
        let h = try ConsoleHarness(.socket(path: dir.socket()))
        try h.guestWrites("early\n")
        #expect(try eventually { try h.guest.index(XenconsInterface.Offset.outCons) == 6 })   // drained
        let client = try SocketClient(path: dir.socket())
        #expect(client.receive(count: 6) == Array("early\n".utf8))
    }

    @Test func outputBeyondTheBufferIsDroppedWhileNobodyReads() throws {
        let dir = try SocketDirectory()
        var options = ConsoleBackend.Options()
        options.bufferLimit = 16
        let h = try ConsoleHarness(.socket(path: dir.socket()), options: options)
        let text = String(repeating: "0123456789", count: 10)
        try h.guestWrites(text)
        // The guest is never stalled: the ring is drained all the same.
        #expect(try eventually { try h.guest.index(XenconsInterface.Offset.outCons) == 100 })
        #expect(try eventually { h.backend.counters.droppedOut == 84 })
        let client = try SocketClient(path: dir.socket())
        #expect(client.receive(count: 16) == Array(text.utf8.prefix(16)))
    }

    /// A connected client that does not read: once the socket and the
    /// buffer are full the ring is left full (the guest waits); nothing is
    /// dropped, and everything arrives in order when the client reads.
    @Test func aConnectedClientLosesNothingAndTheGuestWaits() throws {
        let dir = try SocketDirectory()
        var options = ConsoleBackend.Options()
        options.bufferLimit = 4096
        let h = try ConsoleHarness(.socket(path: dir.socket()), options: options)
        let client = try SocketClient(path: dir.socket())
        try h.guestWrites("!")
        #expect(client.receive(count: 1) == Array("!".utf8))    // accepted
        func pattern(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 31 &+ i >> 11) }
        var written = 0
        var stalled = false
        for _ in 0..<4000 {
            let pending = try h.guest.index(XenconsInterface.Offset.outProd) &- h.guest.index(XenconsInterface.Offset.outCons)
            if pending == 0 {
                try h.guest.write((written ..< written + 2048).map(pattern))
                written += 2048
                h.backend.kick()
                continue
            }
            // Still full after a while: the backend holds back.
            let drained = eventually(0.3) {
                (try? h.guest.index(XenconsInterface.Offset.outCons)) == (try? h.guest.index(XenconsInterface.Offset.outProd))
            }
            if !drained { stalled = true; break }
        }
        #expect(stalled, "wrote \(written) bytes without the backend holding back")
        #expect(h.backend.counters.droppedOut == 0)
        let got = client.receive(count: written)
        #expect(got.count == written)
        #expect(got == (0..<written).map(pattern))
        #expect(try h.guest.index(XenconsInterface.Offset.outCons) == UInt32(truncatingIfNeeded: 1 + written))
    }

    @Test func aSecondClientWaitsForTheFirstToLeave() throws {
        let dir = try SocketDirectory()
        let h = try ConsoleHarness(.socket(path: dir.socket()))
        var first: SocketClient? = try SocketClient(path: dir.socket())
        try h.guestWrites("one\n")
        #expect(first?.receive(count: 4) == Array("one\n".utf8))
        let second = try SocketClient(path: dir.socket())   // queued in the backlog
        try h.guestWrites("two\n")
        #expect(first?.receive(count: 4) == Array("two\n".utf8))
        first = nil                                           // hangs up
        try h.guestWrites("three\n")
        #expect(second.receive(count: 6) == Array("three\n".utf8))
        #expect(h.backend.counters.clients == 2)
    }

    @Test func hostInputWaitsForRoomInTheGuestRing() throws {
        let dir = try SocketDirectory()
        let h = try ConsoleHarness(.socket(path: dir.socket()))
        let client = try SocketClient(path: dir.socket())
        let text = (0..<3000).map { _ in "x" }.joined()
        client.send(text)
        #expect(try eventually { try h.guest.index(XenconsInterface.Offset.inProd) == 1024 })
        var got = try h.guest.read()                          // the guest consumes and notifies
        h.backend.kick()
        #expect(try eventually { got += try h.guest.read(); h.backend.kick(); return got.count == 3000 })
        #expect(got == Array(text.utf8))
    }

    @Test func ptyCarriesBothDirectionsAndNamesItsSlave() throws {
        let h = try ConsoleHarness(.pty)
        let path = try #require(h.backend.ttyPath)
        #expect(path.hasPrefix("/dev/pts/"))
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        try #require(fd >= 0)
        defer { close(fd) }
        try h.guestWrites("to the pty\n")
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        #expect(eventually {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { got += buffer[0..<n] }
            return got.count >= 11
        })
        #expect(got == Array("to the pty\n".utf8))          // raw: no \r added
        _ = Array("typed\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var input: [UInt8] = []
        #expect(try eventually { input += try h.guest.read(); return input.count >= 6 })
        #expect(input == Array("typed\n".utf8))
    }

    @Test func bogusRingIndicesAreCountedAndTheConsoleRecovers() throws {
        let dir = try SocketDirectory()
        let h = try ConsoleHarness(.socket(path: dir.socket()))
        let client = try SocketClient(path: dir.socket())
        try h.guest.setIndex(XenconsInterface.Offset.outProd, 0x7777_0000)
        h.backend.kick()
        #expect(try eventually { h.backend.counters.ringFaults == 1 })
        // Dropped and made consistent; the guest carries on from there.
        #expect(try h.guest.index(XenconsInterface.Offset.outCons) == 0x7777_0000)
        try h.guestWrites("after\n")
        #expect(client.receive(count: 6) == Array("after\n".utf8))
    }

    @Test func attachRefusesABadGrantAndDetachUnpins() throws {
        let dir = try SocketDirectory()
        let h = try ConsoleHarness(.socket(path: dir.socket()), attach: false)
        let (_, readOnly) = try h.fe.grantedPage(readonly: true)
        #expect(throws: ConsoleAttachError.ringGrant(.readOnly(readOnly))) {
            try h.backend.attach(grants: h.fe.grants, ringRef: readOnly) {}
        }
        try h.attach()
        #expect(throws: ConsoleAttachError.alreadyAttached) { try h.attach() }
        #expect(h.fe.grants.pinnedCount == 1)
        h.backend.detach()
        #expect(h.fe.grants.pinnedCount == 0)
        #expect(try h.fe.entry(h.ref).flags == GTF.permitAccess.rawValue)
        try h.attach()                                        // a reconnecting frontend
        #expect(h.backend.isAttached)
    }

    @Test func socketPathProblemsAreOneLineErrors() throws {
        let dir = try SocketDirectory()
        let long = "/tmp/" + String(repeating: "a", count: 120)
        #expect(throws: ConsoleBackendError.pathTooLong(path: long, limit: 107)) {
            try ConsoleBackend(hostConnection: .socket(path: long))
        }
        let file = dir.socket("file")
        FileManager.default.createFile(atPath: file, contents: Data())
        #expect(throws: ConsoleBackendError.notASocket(path: file)) {
            try ConsoleBackend(hostConnection: .socket(path: file))
        }
        let live = try ConsoleBackend(hostConnection: .socket(path: dir.socket()))
        defer { live.close() }
        #expect(throws: ConsoleBackendError.inUse(path: dir.socket())) {
            try ConsoleBackend(hostConnection: .socket(path: dir.socket()))
        }
        do {
            _ = try ConsoleBackend(hostConnection: .socket(path: dir.path + "/missing/ch.sock"))
            Issue.record("bound in a missing directory")
        } catch {
            #expect("\(error)".hasPrefix("socket path '\(dir.path)/missing/ch.sock': bind failed: "))
            #expect("\(error)".hasSuffix("does its directory exist?"))
        }
    }

    @Test func closeRemovesTheSocketAndAStaleOneIsReplaced() throws {
        let dir = try SocketDirectory()
        let path = dir.socket()
        let first = try ConsoleBackend(hostConnection: .socket(path: path))
        #expect(FileManager.default.fileExists(atPath: path))
        first.close()
        #expect(!FileManager.default.fileExists(atPath: path))
        // A socket file nobody listens on (a xenolith that died).
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(stale)
        #expect(FileManager.default.fileExists(atPath: path))
        let second = try ConsoleBackend(hostConnection: .socket(path: path))
        second.close()
    }
}
