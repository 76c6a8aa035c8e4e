// Xen: tools/xenstored/transaction.c `do_transaction_start`,
// `do_transaction_end`, `finalize_transaction`. Optimistic transactions:
// commit succeeds only if no node the transaction read (or wrote, since every
// write reads first) changed generation in the meantime.
import XenABI

extension DaemonState {
    /// TRANSACTION_START | -> <transid>|
    ///
    /// A request already inside a transaction is EBUSY (no nesting); more
    /// than `transactions` open per unprivileged domain is ENOSPC. Ids are
    /// per connection, start at 1 and skip ids in use.
    mutating func doTransactionStart(_ request: Request) throws(XenErrno) -> [UInt8] {
        let context = request.context
        if context.transaction != nil { throw .EBUSY }
        guard let connection = connections[request.connection] else { throw .EINVAL }
        if !context.isPrivileged {
            let open = connections.values.filter { $0.domid == connection.domid }
                .reduce(0) { $0 + $1.transactionIDs.count }
            if XenstoreQuota.exceeds(open + 1, quota.transactions) { throw .ENOSPC }
        }
        var candidate = connection.nextTransactionID
        while candidate == 0 || connection.transactionIDs.contains(candidate) { candidate &+= 1 }
        connections[request.connection]?.nextTransactionID = candidate &+ 1
        connections[request.connection]?.transactionIDs.append(candidate)
        let key = TransactionKey(connection: request.connection, id: candidate)
        transactions[key] = Transaction(id: candidate, generation: store.nextGeneration())
        return XSPayload.cString(String(candidate))
    }

    /// TRANSACTION_END T| commits, F| aborts; the id is gone afterwards
    /// either way. Without a transaction (tx_id 0) it is ENOENT.
    mutating func doTransactionEnd(_ request: Request) throws(XenErrno) -> [UInt8] {
        guard let argument = XSPayload.oneArg(request.payload),
              argument.elementsEqual("T".utf8) || argument.elementsEqual("F".utf8) else { throw .EINVAL }
        guard let key = request.context.transaction, let transaction = transactions[key] else { throw .ENOENT }
        transactions[key] = nil
        connections[key.connection]?.transactionIDs.removeAll { $0 == key.id }
        if argument.elementsEqual("T".utf8) {
            try commit(transaction, request.context)
        }
        return XSPayload.ok
    }

    /// Applies `transaction` to the store (xenstored `do_transaction_end` and
    /// `finalize_transaction`): a transaction that hit an internal failure is
    /// ENOMEM; one that would push an unprivileged domain over its node quota
    /// is ENOSPC; one whose read nodes changed generation is EAGAIN. On
    /// success each changed node is stored with a fresh generation, in first
    /// access order, then the queued watch events fire.
    mutating func commit(_ transaction: Transaction, _ context: Context) throws(XenErrno) {
        if transaction.failed { throw .ENOMEM }
        if transaction.nodeCreated && !context.isPrivileged {
            var owners: Set<UInt32> = []
            for entry in transaction.accessed.values where entry.modified {
                if let owner = entry.node?.owner { owners.insert(owner) }
            }
            for owner in owners where owner != 0 {
                let delta = transaction.nodeDelta(for: owner, against: store)
                if delta > 0 && XenstoreQuota.exceeds(store.count(ownedBy: owner) + delta, quota.nodes) {
                    throw .ENOSPC
                }
            }
        }
        for name in transaction.order {
            guard let entry = transaction.accessed[name], entry.checkGeneration else { continue }
            if store.generation(of: name) != entry.generation { throw .EAGAIN }
        }
        for name in transaction.order {
            guard let entry = transaction.accessed[name], entry.modified else { continue }
            if var node = entry.node {
                node.generation = store.nextGeneration()
                store.put(name, node)
            } else {
                store.remove(name)
            }
        }
        for name in transaction.order {
            guard let entry = transaction.accessed[name], let match = entry.fire else { continue }
            fireWatches(name, node: store[name], match: match, oldPerms: entry.originalPerms, .daemon)
        }
    }
}
