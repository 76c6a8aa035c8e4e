// Xen: tools/xenstored/transaction.c. A transaction is the list of nodes it
// has accessed: a private copy of each, the generation each had when first
// read, and the watch events its changes will fire on commit.

/// The key of an open transaction: its connection and its id.
struct TransactionKey: Hashable, Sendable {
    var connection: ConnectionID
    var id: UInt32
}

/// One node accessed in a transaction.
///
/// Xen: `struct accessed_node`, tools/xenstored/transaction.c.
struct AccessedNode: Sendable {
    /// The transaction's view of the node; nil if absent or deleted.
    var node: XenstoreNode?
    /// The node's generation at first read, or `Store.noGeneration`.
    var generation: UInt64
    /// Whether commit compares `generation` with the store ("read type
    /// accesses"; a first access by writing needs no check).
    var checkGeneration: Bool
    /// Whether the transaction changed the node.
    var modified: Bool
    /// The permissions at first access, so that a watcher that loses read
    /// access still gets the event (xenstored passes them to `fire_watches`).
    var originalPerms: XSNodePermissions?
    /// The event to fire on commit, if any; a subtree match replaces an exact
    /// one, not the other way round (`queue_watches`).
    var fire: WatchMatch?
}

/// An open transaction.
///
/// Xen: `struct transaction`, tools/xenstored/transaction.c.
struct Transaction: Sendable {
    /// Connection-local id, never 0.
    var id: UInt32
    /// Global generation when it started.
    var generation: UInt64
    /// Accessed nodes by name, with their first-access order (commit writes
    /// and fires in that order, as xenstored walks its list).
    var accessed: [String: AccessedNode] = [:]
    var order: [String] = []
    /// Whether a node was created (commit then checks the node quota).
    var nodeCreated = false
    /// Set when a failure inside the transaction could not be undone; commit
    /// then fails with ENOMEM, as `do_transaction_end` does.
    var failed = false

    init(id: UInt32, generation: UInt64) {
        self.id = id
        self.generation = generation
    }

    /// Records a first access.
    mutating func record(_ name: String, _ entry: AccessedNode) {
        if accessed.updateValue(entry, forKey: name) == nil { order.append(name) }
    }
}
