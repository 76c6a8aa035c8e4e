// Xen: tools/xenstored/watch.c `do_watch`, `do_unwatch`, and
// tools/xenstored/domain.c `do_reset_watches`.
import XenABI

extension DaemonState {
    /// WATCH <wpath>|<token>|[<depth>|]
    ///
    /// The depth is accepted only with the watch-depth feature; a duplicate
    /// (same path and token on this connection) is EEXIST; more than
    /// `watches` per unprivileged domain is ENOSPC. The new watch fires once
    /// straight away with its own path ("We fire once up front: simplifies
    /// clients and restart"), queued after the OK reply.
    mutating func doWatch(_ request: Request) throws(XenErrno) -> [UInt8] {
        let context = request.context
        let strings = XSPayload.strings(request.payload)
        var depth = -1
        if strings.count == 3 && features(of: context.accessor.domid).contains(.watchDepth) {
            depth = Int(XSPayload.atoi(strings[2]))
            if depth < 0 { throw .EINVAL }
        } else if strings.count != 2 {
            throw .EINVAL
        }
        let (name, relative) = try canonicalize(strings[0], context, allowSpecial: true)
        guard let connection = connections[request.connection] else { throw .EINVAL }
        let token = Array(strings[1])
        if connection.watches.contains(where: { $0.node == name && $0.token == token }) { throw .EEXIST }
        if !context.isPrivileged {
            let count = connections.values.filter { $0.domid == connection.domid }
                .reduce(0) { $0 + $1.watches.count }
            if XenstoreQuota.exceeds(count + 1, quota.watches) { throw .ENOSPC }
        }
        let prefix = relative ? XenstorePath.domainPath(connection.domid).utf8.count + 1 : 0
        let watch = Watch(node: name, token: token, depth: depth, prefixLength: prefix)
        connections[request.connection]?.watches.append(watch)
        sendEvent(to: request.connection, path: watch.eventPath(name), token: token)
        watchesChanged([name])
        return XSPayload.ok
    }

    /// UNWATCH <wpath>|<token>|: exactly two strings; ENOENT if no such watch.
    mutating func doUnwatch(_ request: Request) throws(XenErrno) -> [UInt8] {
        let strings = XSPayload.strings(request.payload)
        guard strings.count == 2 else { throw .EINVAL }
        let name = try canonicalize(strings[0], request.context, allowSpecial: true).path
        let token = Array(strings[1])
        guard let index = connections[request.connection]?.watches
            .firstIndex(where: { $0.node == name && $0.token == token }) else { throw .ENOENT }
        connections[request.connection]?.watches.remove(at: index)
        watchesChanged([name])
        return XSPayload.ok
    }

    /// RESET_WATCHES |: drops all watches and transactions of the caller.
    mutating func doResetWatches(_ request: Request) throws(XenErrno) -> [UInt8] {
        removeAllWatches(of: request.connection)
        deleteAllTransactions(of: request.connection)
        return XSPayload.ok
    }
}
