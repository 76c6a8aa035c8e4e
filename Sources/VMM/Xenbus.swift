// What the toolstack and every xenbus backend (vbd, vif, console) share:
// xenstore requests made as dom0 on a connection of the domain's
// in-process daemon, and the threads that wait for watch events and ring
// kicks.
import Foundation
import Logging
import XenABI
import Xenstore

/// A dom0 connection to the domain's xenstore daemon, as the toolstack or a
/// backend uses it. A request that fails is logged under `role` and
/// otherwise ignored: a toolstack write that fails is a bug to see, not a
/// reason to stop the domain.
struct Dom0Xenstore: Sendable {
    let daemon: XenstoreDaemon
    let connection: ConnectionID
    /// Who is asking, for log lines ("toolstack", "vbd backend").
    let role: String
    let logger: Logger

    /// Connects as dom0; `onEvent` runs (on the daemon's caller's thread)
    /// whenever a watch event is queued for this connection.
    init(daemon: XenstoreDaemon, role: String, logger: Logger, onEvent: (@Sendable () -> Void)? = nil) {
        self.daemon = daemon
        self.role = role
        self.logger = logger
        connection = daemon.connect(domid: DomID(rawValue: 0), onEvent: onEvent)
    }

    func disconnect() { daemon.disconnect(connection) }

    /// Drops the queued watch events (the caller re-reads what it watches).
    func discardEvents() { _ = daemon.takeEvents(for: connection) }

    /// Takes the queued watch events (XS_WATCH_EVENT messages: path, token).
    func takeEvents() -> [XSMessage] { daemon.takeEvents(for: connection) }

    /// The node's value, or nil when it is missing or unreadable.
    func read(_ path: String) -> String? {
        guard let reply = daemon.handle(XSMessage(type: .read, strings: [path]), from: connection),
              reply.type == .read else { return nil }
        var bytes = reply.payload
        while bytes.last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    func write(_ path: String, _ value: String) {
        // XS_WRITE: path NUL value (the value is not NUL-terminated).
        var payload = Array(path.utf8) + [0]
        payload += Array(value.utf8)
        check(daemon.handle(XSMessage(type: .write, payload: payload), from: connection), "write \(path)")
    }

    /// Writes `path` and gives it permissions `perms` (libxl's
    /// `libxl__xs_writev_perms`): for a node that must not inherit its
    /// directory's.
    func write(_ path: String, _ value: String, perms: [String]) {
        write(path, value)
        request(.setPerms, [path] + perms)
    }

    /// Makes `path` with permissions `perms` (xs_wire.h's "n0", "r1", ...).
    func mkdir(_ path: String, perms: [String]) {
        request(.mkdir, [path])
        request(.setPerms, [path] + perms)
    }

    func request(_ type: XSType, _ strings: [String]) {
        check(daemon.handle(XSMessage(type: type, strings: strings), from: connection), "\(type) \(strings.first ?? "")")
    }

    private func check(_ reply: XSMessage?, _ what: String) {
        if let reply, reply.type == .error {
            logger.error("xenstore: \(role) \(what) failed: \(reply.errorName ?? "?")")
        }
    }
}

/// A flag and a condition: what a wakeup (watch event, ring kick) sets.
final class Wakeup: @unchecked Sendable {
    // @unchecked: `pending` and `stopping` are guarded by `condition`.
    private let condition = NSCondition()
    private var pending = false
    private var stopping = false

    func wake() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Waits for a wake; false once stopped.
    func wait() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !pending && !stopping { condition.wait() }
        pending = false
        return !stopping
    }
}

/// A thread that runs `body` until `body` returns; `join` waits for it.
final class WorkerThread: @unchecked Sendable {
    // @unchecked: `done` is guarded by `condition`.
    private let condition = NSCondition()
    private var done = false

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let t = Thread { [self] in
            body()
            condition.lock(); done = true; condition.broadcast(); condition.unlock()
        }
        t.name = name
        t.start()
    }

    func join() {
        condition.lock()
        while !done { condition.wait() }
        condition.unlock()
    }
}
