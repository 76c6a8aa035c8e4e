// Xen: tools/xenstored/core.c `do_read`, `do_write`, `do_mkdir`, `do_rm`,
// `send_directory`, `send_directory_part`, `do_get_perms`, `do_set_perms`,
// with `get_node`, `errno_from_parents`, `construct_node`, `create_node` and
// `rm_node`. The database operations of docs/misc/xenstore.txt.
import XenABI

extension DaemonState {
    /// The canonical name of a request's path (see `XenstorePath.canonicalize`).
    func canonicalize(_ raw: ArraySlice<UInt8>?, _ context: Context,
                      allowSpecial: Bool) throws(XenErrno) -> (path: String, relative: Bool) {
        try XenstorePath.canonicalize(raw, domid: context.accessor.domid, allowSpecial: allowSpecial,
                                      pathQuota: context.isPrivileged ? nil : quota.pathLength)
    }

    /// The node a request names, if the caller has `perm` on it
    /// (xenstored `get_node` with `get_node_chk_perm`).
    ///
    /// ENOENT versus EACCES, as xenstored chooses (`errno_from_parents`:
    /// "If it's going to fail, however, we don't want the errno to indicate
    /// any information about the node"): a node that exists without `perm`
    /// is EACCES. A missing node is reported missing (nil here, ENOENT to
    /// readers) only if the nearest existing ancestor grants the caller some
    /// of `perm`; otherwise EACCES, so a domain cannot probe for nodes below
    /// a directory it may not read.
    mutating func getNode(_ raw: ArraySlice<UInt8>?, _ context: Context, perm: XSPerm,
                          allowSpecial: Bool) throws(XenErrno) -> (name: String, node: XenstoreNode?) {
        let name = try canonicalize(raw, context, allowSpecial: allowSpecial).path
        if let node = try readNode(name, context) {
            if node.perms.access(for: context.accessor).isSuperset(of: perm) { return (name, node) }
            // xenstored still asks the parents here (its errors propagate).
            _ = try parentAccess(name, context)
            throw .EACCES
        }
        if try parentAccess(name, context).isDisjoint(with: perm) { throw .EACCES }
        return (name, nil)
    }

    /// The caller's access to the nearest existing ancestor of `name`
    /// (xenstored `ask_parents`).
    mutating func parentAccess(_ name: String, _ context: Context) throws(XenErrno) -> XSPerm {
        var current = name
        repeat {
            current = XenstorePath.parent(of: current)
            if let node = try readNode(current, context) { return node.perms.access(for: context.accessor) }
        } while current != XenstorePath.root
        // The root always exists; xenstored reports corruption and uses none.
        return .none
    }

    // MARK: READ, DIRECTORY, DIRECTORY_PART, GET_PERMS

    /// READ <path>| -> <value|>
    mutating func doRead(_ request: Request) throws(XenErrno) -> [UInt8] {
        let found = try getNode(XSPayload.oneArg(request.payload), request.context, perm: .read, allowSpecial: false)
        guard let node = found.node else { throw .ENOENT }
        return node.value
    }

    /// DIRECTORY <path>| -> <child-leaf-name>|*
    mutating func doDirectory(_ request: Request) throws(XenErrno) -> [UInt8] {
        let found = try getNode(XSPayload.oneArg(request.payload), request.context, perm: .read, allowSpecial: false)
        guard let node = found.node else { throw .ENOENT }
        return node.childrenPayload
    }

    /// DIRECTORY_PART <path>|<offset> -> <gencnt>|<child-leaf-name>|*
    ///
    /// From byte `offset` of the child list, as many whole names as fit with
    /// the generation; an empty name ends the list (`send_directory_part`).
    mutating func doDirectoryPart(_ request: Request) throws(XenErrno) -> [UInt8] {
        let strings = XSPayload.strings(request.payload)
        guard strings.count == 2 else { throw .EINVAL }
        let found = try getNode(strings[0], request.context, perm: .read, allowSpecial: false)
        guard let node = found.node else { throw .ENOENT }
        let offset = Int(UInt32(bitPattern: XSPayload.atoi(strings[1])))
        let children = node.childrenPayload
        var reply = XSPayload.cString(String(node.generation))
        guard offset < children.count else {
            reply.append(0)
            return reply
        }
        let maxLength = XenABI.Xenstore.payloadMax - reply.count - 1
        var length = 0
        while true {
            let start = offset + length
            let nameLength = (children[start...].firstIndex(of: 0) ?? children.count) - start
            guard length + nameLength < maxLength else { break }
            length += nameLength + 1
            if offset + length == children.count { break }
        }
        reply.append(contentsOf: children[offset..<(offset + length)])
        if offset + length == children.count { reply.append(0) }
        return reply
    }

    /// GET_PERMS <path>| -> <perm-as-string>|+
    mutating func doGetPerms(_ request: Request) throws(XenErrno) -> [UInt8] {
        let found = try getNode(XSPayload.oneArg(request.payload), request.context, perm: .read, allowSpecial: true)
        guard let node = found.node else { throw .ENOENT }
        return node.perms.payload
    }

    // MARK: WRITE, MKDIR

    /// WRITE <path>|<value|>: replaces the value, creating the node and any
    /// missing parents.
    mutating func doWrite(_ request: Request) throws(XenErrno) -> [UInt8] {
        let payload = request.payload
        // "Extra 'strings' can be created by binary data": only the path
        // needs its NUL; the value is everything after it.
        guard let nul = payload.firstIndex(of: 0) else { throw .EINVAL }
        let value = Array(payload[(nul + 1)...])
        let context = request.context
        let found = try getNode(payload[..<nul], context, perm: .write, allowSpecial: false)
        let written: XenstoreNode
        if var node = found.node {
            node.value = value
            try checkNodeSize(node, context)
            writeNode(found.name, node, context)
            written = node
        } else {
            written = try createNode(found.name, value: value, context)
        }
        fireWatches(found.name, node: written, match: .subtree, context)
        return XSPayload.ok
    }

    /// MKDIR <path>|: creates the node (and parents) unless it exists; an
    /// existing node is left alone and fires no watch.
    mutating func doMkdir(_ request: Request) throws(XenErrno) -> [UInt8] {
        let context = request.context
        let found = try getNode(XSPayload.oneArg(request.payload), context, perm: .write, allowSpecial: false)
        if found.node == nil {
            let created = try createNode(found.name, value: [], context)
            fireWatches(found.name, node: created, match: .subtree, context)
        }
        return XSPayload.ok
    }

    /// ENOSPC if an unprivileged caller would store a node over the node
    /// size quota (`write_node_raw`).
    func checkNodeSize(_ node: XenstoreNode, _ context: Context) throws(XenErrno) {
        if !context.isPrivileged && XenstoreQuota.exceeds(node.accountedSize, quota.nodeSize) {
            throw .ENOSPC
        }
    }

    /// Creates `name` with `value` and every missing parent (xenstored
    /// `construct_node` + `create_node`). New nodes copy the permissions of
    /// their parent; an unprivileged creator becomes the owner ("Inherit
    /// permissions, unpriv domains own what they create"). Every quota is
    /// checked before anything changes, so a refused request leaves no
    /// partial path behind. Returns the new leaf.
    mutating func createNode(_ name: String, value: [UInt8], _ context: Context) throws(XenErrno) -> XenstoreNode {
        // Walk up to the nearest existing node, remembering the missing names
        // (leaf first).
        var missing = [name]
        var ancestorName = XenstorePath.parent(of: name)
        var ancestor: XenstoreNode
        while true {
            if let node = try readNode(ancestorName, context) {
                ancestor = node
                break
            }
            // The root always exists; xenstored gives up the same way.
            if ancestorName == XenstorePath.root { throw .ENOENT }
            missing.append(ancestorName)
            ancestorName = XenstorePath.parent(of: ancestorName)
        }
        var perms = ancestor.perms
        if !context.isPrivileged { perms.owner.id = UInt32(context.accessor.domid) }
        var created: [(name: String, node: XenstoreNode)] = []
        for (index, path) in missing.enumerated() {
            let children = index == 0 ? [] : [XenstorePath.baseName(of: missing[index - 1])]
            created.append((path, XenstoreNode(value: index == 0 ? value : [], children: children, perms: perms)))
        }
        ancestor.children.append(XenstorePath.baseName(of: missing[missing.count - 1]))

        if !context.isPrivileged {
            let owned = nodesOwned(by: UInt32(context.accessor.domid), context)
            if XenstoreQuota.exceeds(owned + created.count, quota.nodes) { throw .ENOSPC }
            for entry in created { try checkNodeSize(entry.node, context) }
            try checkNodeSize(ancestor, context)
        }
        if let key = context.transaction { transactions[key]?.nodeCreated = true }
        // Bottom up, as xenstored writes them.
        for entry in created { writeNode(entry.name, entry.node, context) }
        writeNode(ancestorName, ancestor, context)
        return created[0].node
    }

    // MARK: RM

    /// RM <path>|: deletes the node and its subtree. A missing node is fine
    /// if its parent exists; removing "/" is EINVAL (`do_rm`).
    mutating func doRm(_ request: Request) throws(XenErrno) -> [UInt8] {
        let context = request.context
        let found = try getNode(XSPayload.oneArg(request.payload), context, perm: .write, allowSpecial: false)
        guard let node = found.node else {
            guard try readNode(XenstorePath.parent(of: found.name), context) != nil else { throw .ENOENT }
            return XSPayload.ok
        }
        if found.name == XenstorePath.root { throw .EINVAL }
        try removeNode(found.name, node, context)
        return XSPayload.ok
    }

    /// Deletes `name` and everything below it, children first, then drops it
    /// from its parent's list (xenstored `rm_node`, `delnode_sub`). Each
    /// deleted node fires watches while its permissions are still known: the
    /// removed node as a subtree (its watchers and its ancestors'), each
    /// descendant only for watches on exactly that path.
    mutating func removeNode(_ name: String, _ node: XenstoreNode, _ context: Context) throws(XenErrno) {
        let parentName = XenstorePath.parent(of: name)
        guard var parent = try readNode(parentName, context) else { throw .EINVAL }
        // Read the whole subtree first (post-order), so that a transaction
        // quota failure happens before anything is deleted.
        var postOrder: [(name: String, node: XenstoreNode)] = []
        var stack: [(name: String, node: XenstoreNode, next: Int)] = [(name, node, 0)]
        while let top = stack.last {
            if top.next < top.node.children.count {
                stack[stack.count - 1].next += 1
                let childName = XenstorePath.child(top.node.children[top.next], of: top.name)
                if let child = try readNode(childName, context) { stack.append((childName, child, 0)) }
            } else {
                postOrder.append((top.name, top.node))
                stack.removeLast()
            }
        }
        for entry in postOrder {
            deleteNode(entry.name, context)
            fireWatches(entry.name, node: entry.node, match: entry.name == name ? .subtree : .exact, context)
        }
        if let index = parent.children.firstIndex(of: XenstorePath.baseName(of: name)) {
            parent.children.remove(at: index)
        }
        // Shrinking a node is never refused (`remove_child_entry` skips quotas).
        writeNode(parentName, parent, context)
    }

    // MARK: SET_PERMS

    /// SET_PERMS <path>|<perm-as-string>|+: only the owner (or a privileged
    /// domain) may, and only a privileged domain may change the owner (EPERM).
    mutating func doSetPerms(_ request: Request) throws(XenErrno) -> [UInt8] {
        let context = request.context
        let strings = XSPayload.strings(request.payload)
        guard strings.count >= 2 else { throw .EINVAL }
        if !context.isPrivileged && XenstoreQuota.exceeds(strings.count - 1, quota.permissions) { throw .ENOSPC }
        guard var perms = XSNodePermissions(parsing: Array(strings.dropFirst())) else { throw .EINVAL }
        // DOMID_ANY entries count only if the writer's domain has the feature
        // (`domain_alloc_permrefs`); an ignored owner entry is ENOENT.
        if !features(of: context.accessor.domid).contains(.domidAny) {
            if perms.owner.id == XSPermission.domidAny { throw .ENOENT }
            for index in perms.others.indices where perms.others[index].id == XSPermission.domidAny {
                perms.others[index].perms.insert(.ignore)
            }
        }
        let found = try getNode(strings[0], context, perm: [.write, .owner], allowSpecial: true)
        guard var node = found.node else { throw .ENOENT }
        if !context.isPrivileged && perms.owner.id != node.owner { throw .EPERM }
        let oldPerms = node.perms
        node.perms = perms
        try checkNodeSize(node, context)
        writeNode(found.name, node, context)
        fireWatches(found.name, node: node, match: .subtree, oldPerms: oldPerms, context)
        return XSPayload.ok
    }
}
