// Xen: tools/xenstored/core.c (the node data base: `db_fetch`, `db_write`,
// `db_delete`, `setup_structure`) and core.h `struct node`. The committed
// tree: every node by its absolute name, as xenstored keys its hashtable.

/// One node: value, child names, permissions and generation count.
///
/// Xen: `struct node` / `struct node_hdr`, tools/xenstored/core.h.
public struct XenstoreNode: Equatable, Sendable {
    /// The value: any bytes, no NUL added (docs/misc/xenstore.txt).
    public var value: [UInt8]
    /// Child leaf names in creation order (xenstored appends in `add_child`).
    public var children: [String]
    /// Owner, default and per-domain access.
    public var perms: XSNodePermissions
    /// Set from the global counter on every change; what transactions compare
    /// (tools/xenstored/transaction.c, "detection and handling of transaction
    /// conflicts").
    public var generation: UInt64

    public init(value: [UInt8] = [], children: [String] = [], perms: XSNodePermissions, generation: UInt64 = 0) {
        self.value = value
        self.children = children
        self.perms = perms
        self.generation = generation
    }

    /// The domain charged for this node (xenstored `get_node_owner`).
    var owner: UInt32 { perms.owner.id }

    /// The children as XS_DIRECTORY returns them: each name and a NUL.
    var childrenPayload: [UInt8] {
        var bytes: [UInt8] = []
        for child in children {
            bytes.append(contentsOf: child.utf8)
            bytes.append(0)
        }
        return bytes
    }

    /// xenstored `calc_node_acc_size`: `sizeof(struct node_hdr)` (16) + 8 per
    /// `struct xs_permissions` + value + children with their NULs.
    var accountedSize: Int {
        16 + 8 * perms.count + value.count + children.reduce(0) { $0 + $1.utf8.count + 1 }
    }
}

/// The committed tree with its generation counter and per-owner node counts.
struct Store {
    /// "No node": the generation recorded for a node that did not exist
    /// (Xen: `NO_GENERATION`, tools/xenstored/core.h).
    static let noGeneration = UInt64.max

    private(set) var nodes: [String: XenstoreNode] = [:]
    /// The global generation count; incremented before each use
    /// (tools/xenstored/transaction.c).
    private(set) var generation: UInt64 = 0
    /// Nodes owned per domain (Xen: `ACC_NODES` accounting).
    private(set) var nodeCount: [UInt32: Int] = [:]

    /// The initial tree of `setup_structure` (tools/xenstored/core.c): "/",
    /// "/tool", "/tool/xenstored" owned by domain 0 with no default access,
    /// "@releaseDomain" readable by every domain (DOMID_ANY), and
    /// "@introduceDomain" private to domain 0.
    init() {
        let privateToDom0 = XSNodePermissions(owner: XSPermission(id: 0, perms: .none))
        put("/", XenstoreNode(children: ["tool"], perms: privateToDom0, generation: nextGeneration()))
        put("/tool", XenstoreNode(children: ["xenstored"], perms: privateToDom0, generation: nextGeneration()))
        put("/tool/xenstored", XenstoreNode(perms: privateToDom0, generation: nextGeneration()))
        let releasePerms = XSNodePermissions(owner: XSPermission(id: 0, perms: .none),
                                             others: [XSPermission(id: XSPermission.domidAny, perms: .read)])
        put(XenstorePath.releaseDomain, XenstoreNode(perms: releasePerms, generation: nextGeneration()))
        put(XenstorePath.introduceDomain, XenstoreNode(perms: privateToDom0, generation: nextGeneration()))
    }

    subscript(path: String) -> XenstoreNode? {
        nodes[path]
    }

    /// The next generation value.
    mutating func nextGeneration() -> UInt64 {
        generation &+= 1
        return generation
    }

    /// Stores `node` at `path`, moving the node count to its owner.
    mutating func put(_ path: String, _ node: XenstoreNode) {
        if let old = nodes[path] { nodeCount[old.owner, default: 0] -= 1 }
        nodes[path] = node
        nodeCount[node.owner, default: 0] += 1
    }

    /// Deletes the node at `path`, if any.
    mutating func remove(_ path: String) {
        guard let old = nodes.removeValue(forKey: path) else { return }
        nodeCount[old.owner, default: 0] -= 1
    }

    /// Nodes owned by `domid`.
    func count(ownedBy domid: UInt32) -> Int {
        nodeCount[domid] ?? 0
    }

    /// The generation of the node at `path`, or `noGeneration`.
    func generation(of path: String) -> UInt64 {
        nodes[path]?.generation ?? Store.noGeneration
    }
}
