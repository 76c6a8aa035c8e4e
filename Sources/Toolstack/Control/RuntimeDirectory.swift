// Where running domains are found: one directory per domain under a
// per-user base, holding the domain process's sockets and identity.
//
//   <base>/                     0700; /run/xenolith as root, otherwise
//                               $XDG_RUNTIME_DIR/xenolith or /tmp/xenolith-<uid>
//                               (the same rule as XenstoreSocketServer.defaultPath),
//                               or $XENOLITH_RUNTIME_DIR
//   <base>/~lock                flock held while a domain is claimed or the
//                               base is scanned (names and domids stay unique)
//   <base>/~logs/<name>.log     a detached domain's stdout and stderr; kept
//                               after it ends (xl: /var/log/xen/xl-<name>.log)
//   <base>/<name>/              0700, one per running domain:
//       pid                     "<pid> <start time>": the domain process
//       domid                   its domain id
//       control.sock            the control socket (ControlServer)
//       xenstore.sock           the domain's xenstore (XenstoreSocketServer)
//
// Names are unique per base: a domain is live while the process its pid
// file names (pid and start time, so a reused pid does not count) exists,
// or, without such a process, while one of its sockets still answers (a
// xenolith too old to write pid files). Any other directory is stale and
// removed; nothing in it is read but the pid and domid files, and nothing
// in it is trusted. `~` cannot occur
// in a domain name (DomainConfig.nameProblem), so the lock and the logs
// cannot collide with a domain's directory.
//
// Domain ids: the lowest id >= 1 no live domain holds (Xen allocates
// domids upwards from 1 and wraps, xen/common/domctl.c; lowest-free keeps
// `list` small and stable on a host where domains come and go). A
// rebooted domain (on_reboot="restart") keeps its id, as it keeps its
// process.
import Foundation
import Glibc

/// A failure to claim or scan the runtime directory, as a lower-case clause.
public enum RuntimeDirectoryError: Error, CustomStringConvertible, Equatable {
    case nameInUse(name: String, domid: UInt16?, pid: Int32)
    case noFreeDomid
    case untrusted(path: String)
    case system(path: String, failure: String)

    public var description: String {
        switch self {
        case .nameInUse(let name, let domid, let pid):
            let id = domid.map { "domid \($0), " } ?? ""
            return "a domain named '\(name)' is already running (\(id)pid \(pid)); names are unique"
        case .noFreeDomid:
            return "no free domain id (all of 1...\(RuntimeDirectory.maxDomid) are in use)"
        case .untrusted(let path):
            return "'\(path)' is not a directory of ours (owned by another user, or not a directory); remove it"
        case .system(let path, let failure):
            return "runtime directory '\(path)': \(failure)"
        }
    }
}

/// One running domain found in the runtime directory.
public struct LiveDomain: Sendable, Equatable {
    public var name: String
    public var domid: UInt16?
    /// The domain process, and its start time (the pair names it even if
    /// the pid is reused).
    public var pid: Int32
    public var startTime: UInt64
    public var directory: RuntimeDirectory

    /// Whether the domain process still runs.
    public var isAlive: Bool { ControlSys.processStartTime(pid) == startTime }
}

/// The runtime directory of domain `name`.
public struct RuntimeDirectory: Sendable, Equatable {
    /// The largest domid a domU may have (Xen: DOMID_FIRST_RESERVED - 1,
    /// public/xen.h).
    public static let maxDomid: UInt16 = 0x7FEF

    public let base: String
    public let name: String
    public var path: String { "\(base)/\(name)" }
    public var controlSocket: String { "\(path)/control.sock" }
    public var xenstoreSocket: String { "\(path)/xenstore.sock" }
    var pidFile: String { "\(path)/pid" }
    var domidFile: String { "\(path)/domid" }

    public init(base: String = RuntimeDirectory.defaultBase(), name: String) {
        self.base = base
        self.name = name
    }

    /// The detached domain's log, `<base>/~logs/<name>.log`.
    public var logFile: String { "\(base)/~logs/\(name).log" }

    /// The per-user base: /run/xenolith as root, otherwise
    /// $XDG_RUNTIME_DIR/xenolith (absolute values only, per the XDG Base
    /// Directory spec) or /tmp/xenolith-<uid>.
    public static func defaultBase() -> String {
        defaultBase(euid: ControlSys.effectiveUserID, environment: ProcessInfo.processInfo.environment)
    }

    /// `$XENOLITH_RUNTIME_DIR` (absolute) overrides the rule: a separate
    /// set of domains, e.g. for a test run.
    static func defaultBase(euid: UInt32, environment: [String: String]) -> String {
        if let explicit = environment["XENOLITH_RUNTIME_DIR"], explicit.hasPrefix("/") {
            return explicit.count > 1 && explicit.hasSuffix("/") ? String(explicit.dropLast()) : explicit
        }
        if euid == 0 { return "/run/xenolith" }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            let trimmed = runtime.hasSuffix("/") ? String(runtime.dropLast()) : runtime
            return "\(trimmed)/xenolith"
        }
        return "/tmp/xenolith-\(euid)"
    }

    // MARK: Claiming

    /// Claims `name` for this process: under the base's lock, removes stale
    /// directories, refuses a name a live domain holds, allocates the
    /// lowest free domid, and makes the directory with the pid and domid
    /// files. The caller releases the claim when the domain ends.
    public static func claim(name: String, base: String = defaultBase()) throws(RuntimeDirectoryError) -> DomainClaim {
        try prepare(base)
        let lock = try takeLock(base)
        defer { ControlSys.close(lock) }
        let live = try scanLocked(base)
        if let holder = live.first(where: { $0.name == name }) {
            throw .nameInUse(name: name, domid: holder.domid, pid: holder.pid)
        }
        let used = Set(live.compactMap(\.domid))
        guard let domid = (1...maxDomid).first(where: { !used.contains($0) }) else { throw .noFreeDomid }
        let directory = RuntimeDirectory(base: base, name: name)
        do {
            try ControlSys.mkdir(directory.path, 0o700)
            let pid = ControlSys.processID
            try write("\(pid) \(ControlSys.processStartTime(pid) ?? 0)\n", to: directory.pidFile)
            try write("\(domid)\n", to: directory.domidFile)
        } catch {
            remove(directory.path)
            throw .system(path: directory.path, failure: error.description)
        }
        return DomainClaim(directory: directory, domid: domid)
    }

    /// The live domains under `base`, sorted by domid; stale directories
    /// are removed on the way (`xenolith list` calls this).
    public static func liveDomains(base: String = defaultBase()) throws(RuntimeDirectoryError) -> [LiveDomain] {
        guard (try? ControlSys.status(base)) != nil else { return [] }
        try prepare(base)
        let lock = try takeLock(base)
        defer { ControlSys.close(lock) }
        return try scanLocked(base).sorted { ($0.domid ?? .max, $0.name) < ($1.domid ?? .max, $1.name) }
    }

    /// The live domain named `name`, or holding domid `id` when `name` is
    /// all digits (xl's rule: libxl_domain_qualifier_to_domid).
    public static func find(_ qualifier: String, base: String = defaultBase()) throws(RuntimeDirectoryError) -> LiveDomain? {
        match(qualifier, in: try liveDomains(base: base))
    }

    /// The domain `qualifier` names among `live`: by domid when it is all
    /// digits and such a domain runs, otherwise by name.
    static func match(_ qualifier: String, in live: [LiveDomain]) -> LiveDomain? {
        if !qualifier.isEmpty, qualifier.allSatisfy({ $0.isASCII && $0.isNumber }), let id = UInt16(qualifier),
           let byID = live.first(where: { $0.domid == id }) {
            return byID
        }
        return live.first { $0.name == qualifier }
    }

    /// Whether the process the pid file names still runs; the pid.
    func owner() -> (pid: Int32, startTime: UInt64, alive: Bool)? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let pid = Int32(fields[0]), let start = UInt64(fields[1]) else { return nil }
        return (pid, start, ControlSys.processStartTime(pid) == start)
    }

    /// The domid file's value, if it holds one.
    var recordedDomid: UInt16? {
        (try? String(contentsOfFile: domidFile, encoding: .utf8))
            .flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    // MARK: Internals

    /// Creates the missing components of `base` (0700) and checks that it
    /// is a directory owned by us or by root.
    static func prepare(_ base: String) throws(RuntimeDirectoryError) {
        var current = ""
        for component in base.split(separator: "/") {
            current += "/" + component
            if (try? ControlSys.status(current)) != nil { continue }
            do { try ControlSys.mkdir(current, 0o700) } catch where error.errno == EEXIST {
            } catch { throw .system(path: current, failure: error.description) }
        }
        let info: ControlSys.FileStatus
        do { info = try ControlSys.status(base) } catch { throw .system(path: base, failure: error.description) }
        guard info.isDirectory, info.uid == ControlSys.effectiveUserID || info.uid == 0 else {
            throw .untrusted(path: base)
        }
    }

    private static func takeLock(_ base: String) throws(RuntimeDirectoryError) -> Int32 {
        do { return try ControlSys.lockFile("\(base)/~lock") } catch {
            throw .system(path: "\(base)/~lock", failure: error.description)
        }
    }

    /// With the lock held: every domain directory whose process lives;
    /// the others are removed.
    static func scanLocked(_ base: String) throws(RuntimeDirectoryError) -> [LiveDomain] {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: base) } catch {
            throw .system(path: base, failure: "cannot list it")
        }
        var live: [LiveDomain] = []
        for entry in entries.sorted() where !entry.hasPrefix("~") {
            let directory = RuntimeDirectory(base: base, name: entry)
            guard let info = try? ControlSys.status(directory.path), info.isDirectory,
                  info.uid == ControlSys.effectiveUserID else { continue }
            guard let owner = directory.owner(), owner.alive else {
                // No live owner. A socket that still answers means a live
                // process we cannot name (a xenolith without pid files, or
                // one whose pid file was damaged): never take its name.
                if ControlSys.answers(directory.controlSocket) || ControlSys.answers(directory.xenstoreSocket) {
                    live.append(LiveDomain(name: entry, domid: directory.recordedDomid, pid: 0, startTime: 0,
                                           directory: directory))
                } else {
                    remove(directory.path)
                }
                continue
            }
            live.append(LiveDomain(name: entry, domid: directory.recordedDomid, pid: owner.pid,
                                   startTime: owner.startTime, directory: directory))
        }
        return live
    }

    static func write(_ text: String, to path: String) throws(ControlSys.Failure) {
        let fd = try ControlSys.openForWriting(path)
        defer { ControlSys.close(fd) }
        try ControlSys.writeAll(fd, Array(text.utf8), socket: false)
    }

    /// Removes a directory tree without following symbolic links.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A claimed runtime directory, held by the domain process.
public final class DomainClaim: @unchecked Sendable {
    // @unchecked: `released` is guarded by `lock`.
    public let directory: RuntimeDirectory
    public let domid: UInt16
    private let lock = NSLock()
    private var released = false

    init(directory: RuntimeDirectory, domid: UInt16) {
        self.directory = directory
        self.domid = domid
    }

    /// Removes the directory if the pid file still names this process.
    /// Idempotent.
    public func release() {
        lock.lock()
        defer { lock.unlock() }
        guard !released else { return }
        released = true
        guard let lockFD = try? ControlSys.lockFile("\(directory.base)/~lock") else { return }
        defer { ControlSys.close(lockFD) }
        if let owner = directory.owner(), owner.pid == ControlSys.processID {
            RuntimeDirectory.remove(directory.path)
        }
    }
}
