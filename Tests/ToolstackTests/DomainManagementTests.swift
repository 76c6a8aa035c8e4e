import Foundation
import Testing
@testable import Toolstack

/// The pure parts of domain management: sizes, the wire format, the list
/// table, the console ring, and the runtime directory's claims (in a
/// private temporary base; no domain runs).
@Suite struct DomainManagementTests {
    // MARK: Sizes (xl's parse_mem_size_kb)

    @Test("mem-set sizes, in KiB", arguments: [
        ("512", 524_288), ("512m", 524_288), ("512M", 524_288), ("1g", 1_048_576), ("1G", 1_048_576),
        ("2t", 2_147_483_648), ("4096k", 4096), ("4096K", 4096), ("1048576b", 1024), ("1023b", 0), ("0", 0),
    ] as [(String, UInt64)])
    func memorySizes(text: String, kib: UInt64) {
        #expect(MemorySize.kibibytes(text) == kib)
    }

    @Test("malformed sizes", arguments: ["", "m", "12x", "-1", "1.5g", "1 g", "1gb", "0x10", "99999999999999999999"])
    func malformedSizes(text: String) {
        #expect(MemorySize.kibibytes(text) == nil)
    }

    // MARK: Wire

    @Test func requestsAreOneLineOfJSON() throws {
        let request = ControlRequest(op: .memSet, memoryKiB: 524_288)
        let bytes = ControlWire.encode(request)
        #expect(bytes.last == 0x0A)
        #expect(bytes.filter { $0 == 0x0A }.count == 1)
        #expect(String(decoding: bytes, as: UTF8.self) == "{\"memoryKiB\":524288,\"op\":\"mem-set\"}\n")
        let (line, rest) = try #require(ControlWire.splitLine(bytes + Array("console bytes".utf8)))
        #expect(ControlWire.decode(ControlRequest.self, from: line) == request)
        #expect(rest == Array("console bytes".utf8))
    }

    @Test func everyOpRoundTrips() {
        for op in ControlOp.allCases {
            let request = ControlRequest(op: op, reason: "reboot", memoryKiB: 1, vcpus: 2)
            let line = Array(ControlWire.encode(request).dropLast())
            #expect(ControlWire.decode(ControlRequest.self, from: line) == request)
        }
    }

    @Test func unknownOpsAndGarbageAreRejected() {
        #expect(ControlWire.decode(ControlRequest.self, from: Array("{\"op\":\"format-disk\"}".utf8)) == nil)
        #expect(ControlWire.decode(ControlRequest.self, from: Array("not json".utf8)) == nil)
        #expect(ControlWire.splitLine(Array("no newline yet".utf8)) == nil)
    }

    // MARK: list

    static func info(_ state: DomainInfo.State, name: String = "web", cpu: Double = 12.34) -> DomainInfo {
        DomainInfo(name: name, domid: 3, uuid: "u", pid: 1, state: state, memoryKiB: 524_288, targetKiB: 524_288,
                   maxMemoryKiB: 1_048_576, vcpus: 1, maxVcpus: 2, cpuTime: cpu, restarts: 0)
    }

    @Test("xl list's state letters", arguments: [
        (DomainInfo.State.running, "r-----"), (.blocked, "-b----"), (.paused, "--p---"),
        (.shutdown, "---s--"), (.dying, "-----d"), (.building, "------"),
    ])
    func stateLetters(state: DomainInfo.State, letters: String) {
        #expect(Self.info(state).stateLetters == letters)
    }

    @Test func listRowHasXlsColumns() {
        // %-40s %5d %5lu %5d     <6 letters>  %8.1f (tools/xl/xl_list.c).
        let row = ListCommand.row(Self.info(.blocked))
        #expect(row == "web" + String(repeating: " ", count: 37) + "     3   512     1     -b----      12.3")
        #expect(ListCommand.header.hasPrefix("Name") && ListCommand.header.hasSuffix("Time(s)"))
        let long = ListCommand.row(Self.info(.running, name: String(repeating: "n", count: 45), cpu: 1))
        #expect(long.hasPrefix(String(repeating: "n", count: 45) + "     3"))
    }

    // MARK: Console ring

    @Test func ringKeepsTheNewestBytes() {
        var ring = ConsoleRing(capacity: 8)
        ring.append(Array("abc".utf8))
        #expect(ring.bytes(from: 0) == Array("abc".utf8))
        #expect(ring.bytes(from: 1) == Array("bc".utf8))
        ring.append(Array("defghij".utf8))
        #expect(ring.total == 10 && ring.oldest == 2)
        #expect(ring.bytes(from: 0) == Array("cdefghij".utf8))
        #expect(ring.bytes(from: 7) == Array("hij".utf8))
        #expect(ring.bytes(from: 10).isEmpty)
        ring.append(Array("0123456789ABC".utf8))
        #expect(ring.total == 23)
        #expect(ring.bytes(from: 0) == Array("56789ABC".utf8))
        ring.discardAll()
        #expect(ring.oldest == 23 && ring.bytes(from: 0).isEmpty)
        ring.append(Array("xy".utf8))
        #expect(ring.bytes(from: 0) == Array("xy".utf8))
    }

    @Test func hubServesOneClientAtATime() {
        let hub = ConsoleHub(capacity: 64)
        hub.output(Array("boot\n".utf8))
        let first = hub.attach()
        #expect(first != nil)
        #expect(hub.attach() == nil)
        guard let (client, start) = first else { return }
        var cursor = start
        #expect(hub.next(client, cursor: &cursor) == Array("boot\n".utf8))
        hub.output(Array("more".utf8))
        #expect(hub.next(client, cursor: &cursor) == Array("more".utf8))
        hub.detach(client)
        #expect(hub.next(client, cursor: &cursor) == nil)
        #expect(hub.attach() != nil)
    }

    // MARK: Runtime directory

    /// A private base, removed afterwards.
    static func withBase(_ body: (String) throws -> Void) rethrows {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("xenolith-rt-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try body(base)
    }

    @Test func defaultBaseFollowsTheXenstoreSocketRule() {
        #expect(RuntimeDirectory.defaultBase(euid: 0, environment: [:]) == "/run/xenolith")
        #expect(RuntimeDirectory.defaultBase(euid: 1000, environment: ["XDG_RUNTIME_DIR": "/run/user/1000/"])
                == "/run/user/1000/xenolith")
        #expect(RuntimeDirectory.defaultBase(euid: 1000, environment: ["XDG_RUNTIME_DIR": "relative"])
                == "/tmp/xenolith-1000")
        #expect(RuntimeDirectory.defaultBase(euid: 0, environment: ["XENOLITH_RUNTIME_DIR": "/srv/x/"]) == "/srv/x")
        #expect(RuntimeDirectory.defaultBase(euid: 0, environment: ["XENOLITH_RUNTIME_DIR": "srv"]) == "/run/xenolith")
    }

    @Test func claimsAreUniqueAndTakeTheLowestFreeDomid() throws {
        try Self.withBase { base in
            let a = try RuntimeDirectory.claim(name: "a", base: base)
            let b = try RuntimeDirectory.claim(name: "b", base: base)
            #expect(a.domid == 1 && b.domid == 2)
            #expect(throws: RuntimeDirectoryError.nameInUse(name: "a", domid: 1, pid: getpid())) {
                try RuntimeDirectory.claim(name: "a", base: base)
            }
            let info = try #require(try? FileManager.default.attributesOfItem(atPath: a.directory.path))
            #expect((info[.posixPermissions] as? Int) == 0o700)
            #expect(try RuntimeDirectory.liveDomains(base: base).map(\.name) == ["a", "b"])
            #expect(try RuntimeDirectory.find("2", base: base)?.name == "b")
            #expect(try RuntimeDirectory.find("b", base: base)?.domid == 2)
            #expect(try RuntimeDirectory.find("c", base: base) == nil)
            a.release()
            #expect(!FileManager.default.fileExists(atPath: a.directory.path))
            let c = try RuntimeDirectory.claim(name: "c", base: base)
            #expect(c.domid == 1)
            b.release()
            c.release()
            #expect(try RuntimeDirectory.liveDomains(base: base).isEmpty)
        }
    }

    /// A directory whose process is gone (or that never had a pid file) is
    /// removed and its name reused; its contents are not trusted.
    @Test func staleDirectoriesAreRemoved() throws {
        try Self.withBase { base in
            let fm = FileManager.default
            let first = try RuntimeDirectory.claim(name: "seed", base: base)  // makes the base
            first.release()
            // A dead process (pid 2^22 + 1 is above Linux's pid_max), a
            // reused pid (ours, with another start time), no pid file.
            for (name, pid) in [("dead", "4194305 1"), ("reused", "\(getpid()) 1"), ("empty", nil)] {
                try fm.createDirectory(atPath: "\(base)/\(name)", withIntermediateDirectories: false)
                if let pid { try pid.write(toFile: "\(base)/\(name)/pid", atomically: false, encoding: .utf8) }
                try "1\n".write(toFile: "\(base)/\(name)/domid", atomically: false, encoding: .utf8)
                try fm.createSymbolicLink(atPath: "\(base)/\(name)/control.sock", withDestinationPath: "/etc/passwd")
            }
            #expect(try RuntimeDirectory.liveDomains(base: base).isEmpty)
            for name in ["dead", "reused", "empty"] { #expect(!fm.fileExists(atPath: "\(base)/\(name)")) }
            #expect(fm.fileExists(atPath: "/etc/passwd"))
            try fm.createDirectory(atPath: "\(base)/dead", withIntermediateDirectories: false)
            let claim = try RuntimeDirectory.claim(name: "dead", base: base)
            #expect(claim.domid == 1)
            claim.release()
        }
    }

    @Test func aBaseOwnedBySomeoneElseIsRefused() throws {
        guard getuid() == 0 else { return }  // only root can make a directory another user owns
        try Self.withBase { base in
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: false)
            chown(base, 65534, 65534)
            #expect(throws: RuntimeDirectoryError.untrusted(path: base)) {
                try RuntimeDirectory.claim(name: "a", base: base)
            }
        }
    }

    // MARK: Detached create

    @Test func theDetachedChildGetsTheSameArguments() {
        var options = CreateOptions()
        options.trace = ["traps", "hypercalls"]
        options.consoleLog = "c.log"
        options.attachConsole = true
        #expect(DetachedDomain.childArguments(["web.cfg", "memory=64", "--weird=1"], options: options)
                == ["create", "-F", "--detached-child", "--trace", "hypercalls,traps", "--console-log", "c.log",
                    "--", "web.cfg", "memory=64", "--weird=1"])
    }

    @Test("names that cannot be a directory", arguments: [".", "..", "a~b", "a/b"])
    func namesThatCannotBeDirectories(name: String) {
        #expect(DomainConfig.nameProblem(name) != nil)
    }
}
