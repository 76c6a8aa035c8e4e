// Xen: tools/xenstored/core.c (`process_message`, `read_node`, `write_node`,
// `fire_watches` in watch.c, `send_event`). Everything the daemon knows, as
// one value guarded by XenstoreDaemon's lock: the store, the connections with
// their watches and queued events, open transactions, and known domains.
import Logging
import XenABI

/// The caller of an operation and the view it works on.
struct Context: Sendable {
    var accessor: XSAccessor
    /// The transaction whose view is used, or nil for the store itself.
    var transaction: TransactionKey?

    var isPrivileged: Bool { accessor.isPrivileged }

    /// The daemon acting on its own (domain destruction): privileged, no
    /// transaction (xenstored passes `conn == NULL`).
    static let daemon = Context(accessor: XSAccessor(domid: 0, target: nil), transaction: nil)
}

/// One request being handled.
struct Request: Sendable {
    var context: Context
    var connection: ConnectionID
    var message: XSMessage

    var payload: [UInt8] { message.payload }
    var domid: UInt16 { context.accessor.domid }
}

/// The daemon's state and the operations on it. Not thread-safe by itself:
/// XenstoreDaemon holds it in a Mutex.
struct DaemonState: Sendable {
    var store = Store()
    let quota: XenstoreQuota
    let hooks: XenstoreHooks
    let logger: Logger

    var connections: [ConnectionID: Connection] = [:]
    /// Connections in creation order: watch events are generated in this
    /// order, as xenstored walks its `connections` list.
    var connectionOrder: [ConnectionID] = []
    var nextConnectionID: UInt64 = 1
    var transactions: [TransactionKey: Transaction] = [:]
    /// Domain 0 is introduced from the start, as xenstored introduces the
    /// privileged domain in `init_domains`.
    var domains: [UInt16: DomainRecord] = [0: DomainRecord(introduced: true)]

    /// Callbacks to run once the lock is released.
    var deferred: [@Sendable () -> Void] = []
    /// Connections to kick (`onEvent`) when a watch on one of these exact
    /// paths is added or removed (`XenstoreDaemon.notifyWatchChanges`).
    var watchObservers: [String: [ConnectionID]] = [:]
    /// Types already logged as unknown (log once per type).
    private var loggedUnknown: Set<UInt32> = []

    init(quota: XenstoreQuota, hooks: XenstoreHooks, logger: Logger) {
        self.quota = quota
        self.hooks = hooks
        self.logger = logger
    }

    // MARK: Connections

    mutating func connect(domid: UInt16, onEvent: (@Sendable () -> Void)?) -> ConnectionID {
        let id = ConnectionID(rawValue: nextConnectionID)
        nextConnectionID += 1
        connections[id] = Connection(domid: domid, onEvent: onEvent)
        connectionOrder.append(id)
        return id
    }

    /// Drops a connection with its watches, transactions and events
    /// (xenstored `destroy_conn`).
    mutating func disconnect(_ id: ConnectionID) {
        resetConnection(id)
        connections[id] = nil
        connectionOrder.removeAll { $0 == id }
        for path in watchObservers.keys {
            watchObservers[path]?.removeAll { $0 == id }
            if watchObservers[path]?.isEmpty == true { watchObservers[path] = nil }
        }
    }

    /// Drops watches, transactions and queued events but keeps the
    /// connection (xenstored `domain_conn_reset`, `ignore_connection`).
    mutating func resetConnection(_ id: ConnectionID) {
        deleteAllTransactions(of: id)
        removeAllWatches(of: id)
        connections[id]?.events = []
        connections[id]?.eventBytes = 0
    }

    mutating func deleteAllTransactions(of id: ConnectionID) {
        for txID in connections[id]?.transactionIDs ?? [] {
            transactions[TransactionKey(connection: id, id: txID)] = nil
        }
        connections[id]?.transactionIDs = []
    }

    mutating func takeEvents(for id: ConnectionID) -> [XSMessage] {
        guard let events = connections[id]?.events, !events.isEmpty else { return [] }
        connections[id]?.events = []
        connections[id]?.eventBytes = 0
        return events
    }

    mutating func drainDeferred() -> [@Sendable () -> Void] {
        let callbacks = deferred
        deferred = []
        return callbacks
    }

    func accessor(for domid: UInt16) -> XSAccessor {
        XSAccessor(domid: domid, target: domains[domid]?.target)
    }

    func features(of domid: UInt16) -> XSServerFeatures {
        domains[domid]?.features ?? .supported
    }

    // MARK: Dispatch

    /// Handles one request and returns its reply; nil if `id` is not (or no
    /// longer) connected. Mirrors `process_message`: unknown types are
    /// ENOSYS, privileged types from others EACCES, an unknown non-zero
    /// tx_id ENOENT (except for types flagged to ignore it); a reply over
    /// XENSTORE_PAYLOAD_MAX becomes E2BIG (`send_reply`).
    mutating func handle(_ message: XSMessage, from id: ConnectionID) -> XSMessage? {
        guard let connection = connections[id] else { return nil }
        guard let op = XSOpTable.op(for: message.type), let handler = op.handler else {
            if loggedUnknown.insert(message.type.rawValue).inserted {
                logger.info("unsupported xenstore request type, answering ENOSYS",
                            metadata: ["domid": "\(connection.domid)", "type": "\(message.type.rawValue)"])
            }
            return .error(.ENOSYS, replyingTo: message)
        }
        let accessor = accessor(for: connection.domid)
        if op.flags.contains(.privileged) && !accessor.isPrivileged {
            return .error(.EACCES, replyingTo: message)
        }
        var transaction: TransactionKey?
        if !op.flags.contains(.noTransaction) && message.txID != 0 {
            let key = TransactionKey(connection: id, id: message.txID)
            guard transactions[key] != nil else { return .error(.ENOENT, replyingTo: message) }
            transaction = key
        }
        let request = Request(context: Context(accessor: accessor, transaction: transaction),
                              connection: id, message: message)
        do {
            let payload = try handler(&self, request)
            guard payload.count <= XenABI.Xenstore.payloadMax else { return .error(.E2BIG, replyingTo: message) }
            return XSMessage(type: message.type, reqID: message.reqID, txID: message.txID, payload: payload)
        } catch {
            return .error(error, replyingTo: message)
        }
    }

    // MARK: Node access through the caller's view

    /// The node at `name` as `context` sees it. In a transaction the first
    /// access copies the node into the transaction and records its
    /// generation, also for a missing node (xenstored `read_node` and
    /// `access_node(NODE_ACCESS_READ)`); more than `transactionNodes` nodes
    /// fail the transaction with ENOSPC.
    mutating func readNode(_ name: String, _ context: Context) throws(XenErrno) -> XenstoreNode? {
        guard let key = context.transaction, let transaction = transactions[key] else { return store[name] }
        if let entry = transaction.accessed[name] { return entry.node }
        if !context.isPrivileged
            && XenstoreQuota.exceeds(transaction.accessed.count + 1, quota.transactionNodes) {
            transactions[key]?.failed = true
            throw .ENOSPC
        }
        let node = store[name]
        transactions[key]?.record(name, AccessedNode(
            node: node, generation: node?.generation ?? Store.noGeneration, checkGeneration: true,
            modified: false, originalPerms: node?.perms, fire: nil))
        return node
    }

    /// Stores `node` at `name` in `context`'s view with a new generation
    /// (xenstored `write_node`). Callers check quotas first and have read the
    /// node before, so nothing can fail here.
    mutating func writeNode(_ name: String, _ node: XenstoreNode, _ context: Context) {
        var node = node
        node.generation = store.nextGeneration()
        guard let key = context.transaction else {
            store.put(name, node)
            return
        }
        if transactions[key]?.accessed[name] != nil {
            transactions[key]?.accessed[name]?.node = node
            transactions[key]?.accessed[name]?.modified = true
        } else {
            transactions[key]?.record(name, AccessedNode(
                node: node, generation: Store.noGeneration, checkGeneration: false,
                modified: true, originalPerms: nil, fire: nil))
        }
    }

    /// Deletes `name` from `context`'s view (xenstored `db_delete` /
    /// `access_node(NODE_ACCESS_DELETE)`).
    mutating func deleteNode(_ name: String, _ context: Context) {
        guard let key = context.transaction else {
            store.remove(name)
            return
        }
        if transactions[key]?.accessed[name] != nil {
            transactions[key]?.accessed[name]?.node = nil
            transactions[key]?.accessed[name]?.modified = true
        } else {
            transactions[key]?.record(name, AccessedNode(
                node: nil, generation: Store.noGeneration, checkGeneration: false,
                modified: true, originalPerms: nil, fire: nil))
        }
    }

    /// Nodes `domid` owns in `context`'s view: the store's count plus what an
    /// open transaction has added or removed.
    func nodesOwned(by domid: UInt32, _ context: Context) -> Int {
        var count = store.count(ownedBy: domid)
        if let key = context.transaction, let transaction = transactions[key] {
            count += transaction.nodeDelta(for: domid, against: store)
        }
        return count
    }

    // MARK: Watch events

    /// Announces a change of `name`. In a transaction the event is queued on
    /// the accessed node and fired on commit (`queue_watches`); otherwise
    /// every connection allowed to see it gets one event per matching watch
    /// (`fire_watches`).
    mutating func fireWatches(_ name: String, node: XenstoreNode?, match: WatchMatch,
                              oldPerms: XSNodePermissions? = nil, _ context: Context) {
        if let key = context.transaction {
            guard let entry = transactions[key]?.accessed[name] else {
                transactions[key]?.failed = true
                return
            }
            if entry.fire == nil || match == .subtree { transactions[key]?.accessed[name]?.fire = match }
            return
        }
        for id in connectionOrder {
            guard let connection = connections[id] else { continue }
            let who = accessor(for: connection.domid)
            guard watchPermitted(who, name, node: node, oldPerms: oldPerms) else { continue }
            for watch in connection.watches where match.fires(watch, for: name) {
                sendEvent(to: id, path: watch.eventPath(name), token: watch.token)
            }
        }
    }

    /// xenstored `watch_permitted`: the watcher may read the node (with its
    /// old permissions, if they changed), or else its parent.
    func watchPermitted(_ who: XSAccessor, _ name: String, node: XenstoreNode?,
                        oldPerms: XSNodePermissions?) -> Bool {
        if let oldPerms, oldPerms.access(for: who).contains(.read) { return true }
        guard let node = node ?? store[name] else { return false }
        if node.perms.access(for: who).contains(.read) { return true }
        guard let parent = store[XenstorePath.parent(of: name)] else { return false }
        return parent.perms.access(for: who).contains(.read)
    }

    /// Queues "path\0token\0" for connection `id` (xenstored `send_event`):
    /// over-long events are not sent, an identical event still queued is not
    /// queued twice unless the path is special ('@'), and an unprivileged
    /// connection over its memory quota loses the event.
    mutating func sendEvent(to id: ConnectionID, path: [UInt8], token: [UInt8]) {
        guard let connection = connections[id] else { return }
        let payload = path + [0] + token + [0]
        guard payload.count <= XenABI.Xenstore.payloadMax else { return }
        if path.first != UInt8(ascii: "@"), connection.events.contains(where: { $0.payload == payload }) { return }
        let cost = XsdSockmsg.size + payload.count
        if connection.domid != 0 && XenstoreQuota.exceeds(connection.eventBytes + cost, quota.memory) { return }
        connections[id]?.events.append(XSMessage(type: .watchEvent, payload: payload))
        connections[id]?.eventBytes += cost
        // Kick only when the queue becomes non-empty; the transport drains it.
        if connection.events.isEmpty, let onEvent = connection.onEvent {
            deferred.append(onEvent)
        }
    }

    /// Kicks the observers of the watched paths `nodes` after a watch on
    /// one of them was added or removed.
    mutating func watchesChanged(_ nodes: some Sequence<String>) {
        var kicked = Set<ConnectionID>()
        for node in nodes {
            for id in watchObservers[node] ?? [] where kicked.insert(id).inserted {
                if let onEvent = connections[id]?.onEvent { deferred.append(onEvent) }
            }
        }
    }

    /// Drops every watch of connection `id`.
    mutating func removeAllWatches(of id: ConnectionID) {
        let nodes = connections[id]?.watches.map(\.node) ?? []
        connections[id]?.watches = []
        watchesChanged(nodes)
    }

    /// Fires the watches on a special path: "@name" for watches without depth
    /// and "@name/<domid>" for watches on it or with a depth
    /// (xenstored `fire_special_watches` with WATCH_BOTH).
    mutating func fireSpecialWatches(_ name: String, domid: UInt16) {
        guard let node = store[name] else { return }
        fireWatches(name, node: node, match: .noDepth, .daemon)
        fireWatches("\(name)/\(domid)", node: node, match: .depth, .daemon)
    }
}

extension Transaction {
    /// Change in the number of nodes `domid` owns if this transaction were
    /// committed now.
    func nodeDelta(for domid: UInt32, against store: Store) -> Int {
        var delta = 0
        for (name, entry) in accessed where entry.modified {
            if entry.node?.owner == domid { delta += 1 }
            if store[name]?.owner == domid { delta -= 1 }
        }
        return delta
    }
}
