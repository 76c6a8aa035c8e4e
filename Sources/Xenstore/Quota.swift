// Xen: tools/xenstored/domain.c `quotas[]` (the defaults) and
// `domain_quota_val_exceeds`. Per-domain limits on what an unprivileged
// domain may hold in xenstore; the privileged domain (0) is exempt.

/// Per-domain limits. Exceeding one is ENOSPC, as in current xenstored
/// (commit 70fcc2531c changed the last E2BIG, for watches, to ENOSPC), except
/// `pathLength`, which makes the path invalid (EINVAL, from `canonicalize`),
/// `outstanding`, which only stops reading requests (`domain_can_read`), and
/// `memory`, which here drops watch events (`send_event`).
///
/// A value of 0 disables that check (docs/misc/xenstore.txt GET_QUOTA:
/// "0 having the special meaning of quota checks being disabled").
///
/// Semantics: a value is the largest amount allowed, so a domain may own
/// exactly `nodes` nodes. xenstored since 70fcc2531c refuses on reaching the
/// quota (`val >= quota`), one below; before it, and in the quota's documented
/// meaning, the quota itself is allowed. We keep the documented meaning.
public struct XenstoreQuota: Equatable, Sendable {
    /// Nodes a domain may own. Xen: `ACC_NODES`, default 1000.
    public var nodes: Int = 1000
    /// Watches a domain may have. Xen: `ACC_WATCH`, default 128.
    public var watches: Int = 128
    /// Replies a domain's ring may have queued before we stop reading its
    /// requests. Xen: `ACC_OUTST`, default 20.
    public var outstanding: Int = 20
    /// Bytes of queued watch events per connection before new ones are
    /// dropped. Xen: `ACC_MEM`, default 2.5 MiB (xenstored charges all of a
    /// domain's memory to it; we only queue events).
    public var memory: Int = 2 * 1024 * 1024 + 512 * 1024
    /// Open transactions per domain. Xen: `ACC_TRANS`, default 10.
    public var transactions: Int = 10
    /// Nodes one transaction may touch. Xen: `ACC_TRANSNODES`, default 1024.
    public var transactionNodes: Int = 1024
    /// Entries of one node's permission list. Xen: `ACC_NPERM`, default 5.
    public var permissions: Int = 5
    /// Bytes of a path after "/local/domain/<id>/". Xen: `ACC_PATHLEN`,
    /// default XENSTORE_REL_PATH_MAX (2048).
    public var pathLength: Int = 2048
    /// Accounted size of one node: 16 bytes of header, 8 per permission
    /// entry, the value, and the NUL-terminated child names
    /// (`calc_node_acc_size` in tools/xenstored/core.c). Xen: `ACC_NODESZ`,
    /// default 2048.
    public var nodeSize: Int = 2048

    public init() {}

    /// Whether `value` is over `quota` (0 = unlimited).
    static func exceeds(_ value: Int, _ quota: Int) -> Bool {
        quota != 0 && value > quota
    }
}
