// A private runtime directory for the domains one test starts
// (XENOLITH_RUNTIME_DIR, Toolstack RuntimeDirectory): its domains are
// invisible to every other xenolith on the host and theirs to it, and
// `cleanUp` makes sure no domain process outlives the test.
import Foundation

public final class RuntimeBase: @unchecked Sendable {
    // @unchecked: immutable after init.
    /// The base directory (0700), with `~owner`: the test process that made it.
    public let path: String

    /// The environment every xenolith of this test runs with.
    public var environment: [String: String] { ["XENOLITH_RUNTIME_DIR": path] }

    public init() {
        Self.reapOrphans
        // Short: the sockets below it must fit in sun_path (107 bytes).
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("xenolith-rt-\(UUID().uuidString.prefix(8).lowercased())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        // Which test process owns the base (see reapOrphans).
        let me = getpid()
        try? "\(me) \(Self.startTime(me) ?? 0)\n".write(toFile: "\(path)/~owner", atomically: false, encoding: .utf8)
    }

    /// Bases whose test process died without its cleanup (a crash, a
    /// signal): their domains are killed and the bases removed, once per
    /// test process, before the first base of this one.
    private static let reapOrphans: Void = {
        let temporary = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        where name.hasPrefix("xenolith-rt-") {
            let base = RuntimeBase(existing: temporary.appendingPathComponent(name).path)
            guard let owner = try? String(contentsOfFile: "\(base.path)/~owner", encoding: .utf8) else { continue }
            let fields = owner.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard fields.count == 2, let pid = Int32(fields[0]), let start = UInt64(fields[1]) else { continue }
            if startTime(pid) != start { base.cleanUp() }
        }
    }()

    private init(existing path: String) { self.path = path }

    /// Runs `xenolith <arguments>` with this base.
    public func xenolith(_ arguments: [String], timeout: TimeInterval = 120) throws -> XenolithProcess.Result {
        try XenolithProcess.run(arguments, timeout: timeout, environment: environment)
    }

    /// Attaches to domain `name`'s console with `xenolith console`.
    public func console(_ name: String) throws -> ConsoleSession {
        try ConsoleSession(command: ["console", name], environment: environment)
    }

    /// The domain process of `name`, from its pid file (none when the
    /// domain is not running or its directory is gone).
    /// The pid file holds "<pid> <start time>": only a running process
    /// with that start time is the domain's (pids are reused).
    public func pid(of name: String) -> Int32? {
        guard let text = try? String(contentsOfFile: "\(path)/\(name)/pid", encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let pid = Int32(fields[0]), let start = UInt64(fields[1]),
              Self.startTime(pid) == start else { return nil }
        return pid
    }

    /// Field 22 of /proc/<pid>/stat, nil unless the process runs (zombies do not).
    static func startTime(_ pid: Int32) -> UInt64? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// Whether `pid` names a process that has not ended (zombies have).
    public static func isRunning(_ pid: Int32) -> Bool { startTime(pid) != nil }

    /// VmRSS of process `pid` in KiB (/proc/<pid>/status).
    public static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// One row of `xenolith list`.
    public struct Listed: Sendable, Equatable {
        public var name: String
        public var domid: Int
        public var memoryMiB: Int
        public var vcpus: Int
        public var state: String
        public var cpuSeconds: Double
    }

    /// `xenolith list`, parsed (its header checked).
    public func list() throws -> [Listed] {
        let r = try xenolith(["list"], timeout: 60)
        let lines = r.stdout.split(separator: "\n")
        guard r.status == 0, let header = lines.first, header.hasPrefix("Name") else {
            throw XenolithProcess.Failure("xenolith list: status \(r.status)\n\(r.stdout)\(r.stderr)")
        }
        return lines.dropFirst().compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 6, let id = Int(f[1]), let mem = Int(f[2]), let vcpus = Int(f[3]),
                  let cpu = Double(f[5]) else { return nil }
            return Listed(name: String(f[0]), domid: id, memoryMiB: mem, vcpus: vcpus, state: String(f[4]),
                          cpuSeconds: cpu)
        }
    }

    /// Kills (SIGKILL) every domain process this base's pid files name
    /// and removes the base: what a failing test leaves behind goes.
    public func cleanUp() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in entries where !name.hasPrefix("~") {
            if let pid = pid(of: name) {
                kill(pid, SIGKILL)
                for _ in 0..<100 where Self.isRunning(pid) { usleep(50_000) }
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
