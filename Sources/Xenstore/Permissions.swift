// Xen: tools/include/xenstore_lib.h (`struct xs_permissions`, XS_PERM_*),
// tools/include/xen-tools/xenstore-common.h (the "<perm><domid>" strings) and
// tools/xenstored/core.c `perm_for_conn`. Node permissions as
// docs/misc/xenstore.txt describes them: the first entry names the owner,
// who has full access, and the access of every domain without its own entry.
import XenABI

/// Access bits of one permission entry.
///
/// Xen: `XS_PERM_*`, tools/include/xenstore_lib.h.
public struct XSPerm: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Xen: `XS_PERM_NONE`.
    public static let none: XSPerm = []
    /// Xen: `XS_PERM_READ`.
    public static let read = XSPerm(rawValue: 0x01)
    /// Xen: `XS_PERM_WRITE`.
    public static let write = XSPerm(rawValue: 0x02)
    /// Internal to xenstored. Xen: `XS_PERM_ENOENT_OK`.
    public static let enoentOK = XSPerm(rawValue: 0x04)
    /// Internal: what the owner (and privileged domains) get. Xen: `XS_PERM_OWNER`.
    public static let owner = XSPerm(rawValue: 0x08)
    /// Internal: an entry to skip. Xen: `XS_PERM_IGNORE`.
    public static let ignore = XSPerm(rawValue: 0x10)
}

/// One permission entry.
///
/// Xen: `struct xs_permissions`, tools/include/xenstore_lib.h.
public struct XSPermission: Hashable, Sendable {
    /// Xen: `id`; a domain id, or DOMID_ANY. Stored as xenstored does, as an
    /// `unsigned int`, because the string form is parsed with strtol.
    public var id: UInt32
    /// Xen: `perms`.
    public var perms: XSPerm

    public init(id: UInt32, perms: XSPerm) {
        self.id = id
        self.perms = perms
    }

    /// "Every domain" in a permission entry.
    ///
    /// Xen: `DOMID_ANY` (0x7FF5), public/xen.h; XenABI's DomID does not
    /// mirror it yet.
    public static let domidAny: UInt32 = 0x7FF5

    /// The "<perm><domid>" string: n, r, w or b, then the id as `%i`
    /// (xenstore_perm_to_string); nil for bit combinations without a letter.
    public var string: String? {
        let letter: String
        switch perms.subtracting(.ignore) {
        case .write: letter = "w"
        case .read: letter = "r"
        case [.read, .write]: letter = "b"
        case .none: letter = "n"
        default: return nil
        }
        return letter + String(Int32(bitPattern: id))
    }

    /// Parses "<perm><domid>" (xenstore_strings_to_perms): a letter n/r/w/b,
    /// then an integer in C `strtol(..., 0)` syntax using every byte.
    public init?(parsing bytes: ArraySlice<UInt8>) {
        guard let letter = bytes.first else { return nil }
        switch letter {
        case UInt8(ascii: "r"): perms = .read
        case UInt8(ascii: "w"): perms = .write
        case UInt8(ascii: "b"): perms = [.read, .write]
        case UInt8(ascii: "n"): perms = .none
        default: return nil
        }
        guard let id = XSPayload.permID(bytes.dropFirst()) else { return nil }
        self.id = id
    }
}

/// Who is asking, for permission checks.
struct XSAccessor: Equatable, Sendable {
    /// The caller's domain.
    var domid: UInt16
    /// The domain it acts for after XS_SET_TARGET (device models), if any.
    var target: UInt16?

    /// xenstored's privileged domain is `priv_domid`, domain 0 by default
    /// (`domid_is_unprivileged` in tools/xenstored/core.h).
    var isPrivileged: Bool { domid == 0 }

    /// Whether entry id `id` names this caller (`perm_allows_conn`): its own
    /// domain, its target, or DOMID_ANY.
    func matches(_ id: UInt32) -> Bool {
        id == UInt32(domid) || (target.map { id == UInt32($0) } ?? false) || id == XSPermission.domidAny
    }
}

/// The permission list of a node: the owner entry (whose `perms` are the
/// default for domains without an entry) and any further entries.
public struct XSNodePermissions: Hashable, Sendable {
    /// Entry 0: owner and default access.
    public var owner: XSPermission
    /// Entries 1...: access of particular domains.
    public var others: [XSPermission]

    public init(owner: XSPermission, others: [XSPermission] = []) {
        self.owner = owner
        self.others = others
    }

    /// All entries, owner first.
    public var entries: [XSPermission] { [owner] + others }

    /// Number of entries (xenstored `num_perms`).
    public var count: Int { 1 + others.count }

    /// Parses the `<perm-as-string>|+` of XS_SET_PERMS; nil if any entry is
    /// malformed or there is none.
    init?(parsing strings: [ArraySlice<UInt8>]) {
        guard let first = strings.first, let owner = XSPermission(parsing: first) else { return nil }
        var others: [XSPermission] = []
        for string in strings.dropFirst() {
            guard let entry = XSPermission(parsing: string) else { return nil }
            others.append(entry)
        }
        self.init(owner: owner, others: others)
    }

    /// The `<perm-as-string>|+` payload of XS_GET_PERMS.
    var payload: [UInt8] {
        var bytes: [UInt8] = []
        for entry in entries {
            // Every stored entry has a letter: they come from parsing or copying.
            bytes.append(contentsOf: (entry.string ?? "n\(Int32(bitPattern: entry.id))").utf8)
            bytes.append(0)
        }
        return bytes
    }

    /// The access `who` has (xenstored `perm_for_conn`): privileged callers and
    /// the owner get read, write and owner; otherwise the first entry after
    /// the owner's that names the caller and is not ignored; otherwise the
    /// owner entry's default.
    func access(for who: XSAccessor) -> XSPerm {
        let all: XSPerm = [.read, .write, .owner]
        if who.isPrivileged || who.matches(owner.id) { return all }
        for entry in others where !entry.perms.contains(.ignore) && who.matches(entry.id) {
            return entry.perms.intersection(all)
        }
        return owner.perms.intersection(all)
    }
}
