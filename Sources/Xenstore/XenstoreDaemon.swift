// Xenstore: the xenstore daemon core (Xen: tools/xenstored, protocol in
// docs/misc/xenstore.txt and public/io/xs_wire.h), independent of transport.
//
// What it is: the tree of nodes with permissions and generation counts
// (Store), transactions, watches and their events, domain introduction and
// release, per-domain quotas, the request table (OpTable), a framer that cuts
// byte streams into messages, and RingTransport, which serves a guest's
// xenstore ring page.
//
// May depend on: XenABI (xs_wire.h, errno.h, domid_t), swift-log, and
// swift-atomics for the ring indices. Must not: import KVM or know how guest
// memory is mapped; RingTransport sees only the interface page it is given.
// XenstoreSocketServer serves it over a Unix socket for Xen's xenstore tools.
//
// Error model (docs/misc/xenstore.txt, xen-error-handling.txt): a bad request
// gets an XS_ERROR reply carrying an `xsd_errors` name; a guest that breaks
// the ring protocol (bad indices, a header over XENSTORE_PAYLOAD_MAX) has its
// connection stopped with the ring's `error` field set, never a trap.
//
// Concurrency: XenstoreDaemon keeps all state in one Mutex; every public
// method takes it once. Callbacks (`XenstoreHooks`, a connection's
// `onEvent`) run after the lock is released, on the caller's thread; they
// must only schedule work (e.g. kick an eventfd), not call back into a
// RingTransport synchronously.
import Logging
import Synchronization
import XenABI

/// The xenstore daemon: one store shared by every connection.
public final class XenstoreDaemon: Sendable {
    private let state: Mutex<DaemonState>

    /// A daemon with xenstored's initial tree (`setup_structure`) and the
    /// given quotas. Domain 0 is the privileged domain and is introduced.
    public init(quota: XenstoreQuota = XenstoreQuota(),
                hooks: XenstoreHooks = XenstoreHooks(),
                logger: Logger = Logger(label: "xenolith.xenstore")) {
        state = Mutex(DaemonState(quota: quota, hooks: hooks, logger: logger))
    }

    /// The quotas in force.
    public var quota: XenstoreQuota {
        state.withLock { $0.quota }
    }

    /// Opens a connection for domain `domid`. `onEvent` is called (outside
    /// the lock) whenever the connection's event queue becomes non-empty.
    public func connect(domid: DomID, onEvent: (@Sendable () -> Void)? = nil) -> ConnectionID {
        state.withLock { $0.connect(domid: domid.rawValue, onEvent: onEvent) }
    }

    /// Closes a connection, dropping its watches, transactions and queued
    /// events (xenstored `destroy_conn`). Unknown ids are ignored.
    public func disconnect(_ connection: ConnectionID) {
        let callbacks = state.withLock { state in
            state.disconnect(connection)
            return state.drainDeferred()
        }
        for callback in callbacks { callback() }
    }

    /// Drops a connection's watches, transactions and queued events but
    /// keeps it open: a ring reset or a stopped ring (xenstored
    /// `domain_conn_reset`, `ignore_connection`).
    public func reset(_ connection: ConnectionID) {
        let callbacks = state.withLock { state in
            state.resetConnection(connection)
            return state.drainDeferred()
        }
        for callback in callbacks { callback() }
    }

    /// Whether `connection` is open (XS_RELEASE closes a domain's).
    public func isConnected(_ connection: ConnectionID) -> Bool {
        state.withLock { $0.connections[connection] != nil }
    }

    /// The domain a connection speaks for.
    public func domid(of connection: ConnectionID) -> DomID? {
        state.withLock { $0.connections[connection].map { DomID(rawValue: $0.domid) } }
    }

    /// Handles one request and returns its reply (the same type, or
    /// XS_ERROR), with `reqID` and `txID` echoed. Watch events it causes are
    /// queued, not returned. Nil if `connection` is not open.
    public func handle(_ message: XSMessage, from connection: ConnectionID) -> XSMessage? {
        let (reply, callbacks) = state.withLock { state in
            let reply = state.handle(message, from: connection)
            return (reply, state.drainDeferred())
        }
        for callback in callbacks { callback() }
        return reply
    }

    /// Removes and returns the connection's queued XS_WATCH_EVENT messages,
    /// oldest first (`req_id` and `tx_id` are 0).
    public func takeEvents(for connection: ConnectionID) -> [XSMessage] {
        state.withLock { $0.takeEvents(for: connection) }
    }

    /// Whether the connection has queued events.
    public func hasEvents(for connection: ConnectionID) -> Bool {
        state.withLock { !($0.connections[connection]?.events.isEmpty ?? true) }
    }

    /// Features offered to `domid` on its ring page (XS_SET_FEATURE can
    /// narrow them before introduction).
    public func features(for domid: DomID) -> XSServerFeatures {
        state.withLock { $0.features(of: domid.rawValue) }
    }

    /// Whether `domid` is introduced (between XS_INTRODUCE and XS_RELEASE).
    public func isIntroduced(_ domid: DomID) -> Bool {
        state.withLock { $0.domains[domid.rawValue]?.introduced == true }
    }

    /// The committed node at absolute `path`, ignoring permissions (for the
    /// host and for tests).
    public func node(at path: String) -> XenstoreNode? {
        state.withLock { $0.store[path] }
    }

    /// Nodes charged to `domid`.
    public func nodeCount(ownedBy domid: DomID) -> Int {
        state.withLock { $0.store.count(ownedBy: UInt32(domid.rawValue)) }
    }

    // MARK: Watches on a node, for the in-process backends

    /// Whether a connection of `domid` watches exactly the absolute `path`.
    public func isWatched(_ path: String, by domid: DomID) -> Bool {
        state.withLock { state in
            state.connections.values.contains { c in
                c.domid == domid.rawValue && c.watches.contains { $0.node == path }
            }
        }
    }

    /// From now on, calls `connection`'s `onEvent` (outside the lock, with no
    /// event queued) whenever any connection adds or removes a watch on
    /// exactly the absolute `path`, until `connection` is closed.
    ///
    /// xenstored has no such notice. The backends in this process use it to
    /// learn when a frontend driver binds to or unbinds from a device:
    /// Linux's xenbus core watches the backend's `state` node exactly while
    /// a driver is bound (`watch_otherend` in `xenbus_dev_probe`,
    /// `free_otherend_watch` in `xenbus_dev_remove`,
    /// drivers/xen/xenbus/xenbus_probe.c), and writes nothing else then.
    public func notifyWatchChanges(on path: String, to connection: ConnectionID) {
        state.withLock { state in
            guard state.connections[connection] != nil,
                  !(state.watchObservers[path] ?? []).contains(connection) else { return }
            state.watchObservers[path, default: []].append(connection)
        }
    }
}

/// Callbacks to the host, invoked outside the daemon's lock.
public struct XenstoreHooks: Sendable {
    /// After XS_INTRODUCE: the domain, its ring frame and event channel. The
    /// host attaches a `RingTransport` (re-introduction reports a new port).
    public var introduced: @Sendable (DomID, UInt64, EvtchnPort) -> Void
    /// After XS_RELEASE: the domain's connections are gone.
    public var released: @Sendable (DomID) -> Void

    public init(introduced: @escaping @Sendable (DomID, UInt64, EvtchnPort) -> Void = { _, _, _ in },
                released: @escaping @Sendable (DomID) -> Void = { _ in }) {
        self.introduced = introduced
        self.released = released
    }
}
