// Xen: docs/misc/xenstore.txt (path syntax) and tools/xenstored/core.c
// `canonicalize`, `valid_chars`, `get_parent`. Turns a request's path into
// the absolute name the store is keyed by.
import XenABI

/// Path rules of xenstore.
enum XenstorePath {
    static let root = "/"

    /// The special watch paths ("@<wspecial>" in docs/misc/xenstore.txt),
    /// which xenstored also keeps as nodes so that they carry permissions.
    static let introduceDomain = "@introduceDomain"
    static let releaseDomain = "@releaseDomain"

    /// "/local/domain/<domid>": a domain's home and the base of its relative
    /// paths (docs/misc/xenstore.txt `<path>`; `talloc_domain_path` in
    /// tools/xenstored/domain.c).
    static func domainPath(_ domid: UInt16) -> String {
        "/local/domain/\(domid)"
    }

    /// xenstore.txt: "ASCII alphanumerics and plus the four punctuation
    /// characters -/_@" (xenstored `valid_chars`).
    static func isValidByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "@"):
            return true
        default:
            return false
        }
    }

    /// The canonical absolute form of `raw` for a caller of domain `domid`.
    ///
    /// Rules, in xenstored's order (`canonicalize` in tools/xenstored/core.c):
    /// a missing argument, a byte outside `[A-Za-z0-9/_@-]`, or a leading '@'
    /// where no special path is allowed is EINVAL; a path not starting with
    /// '/' or '@' is relative to /local/domain/<domid>; a trailing '/' (other
    /// than the root) or a "//" is EINVAL; so is a path whose part after
    /// "/local/domain/<id>/" exceeds `pathQuota` (the ACC_PATHLEN quota, only
    /// passed for unprivileged callers). We also refuse absolute names longer
    /// than XENSTORE_ABS_PATH_MAX for every caller: xenstore.txt says "Paths
    /// longer than 3072 bytes are forbidden", while current xenstored only
    /// applies the quota.
    static func canonicalize(_ raw: ArraySlice<UInt8>?, domid: UInt16, allowSpecial: Bool,
                             pathQuota: Int?) throws(XenErrno) -> (path: String, relative: Bool) {
        guard let raw else { throw .EINVAL }
        guard raw.allSatisfy(isValidByte) else { throw .EINVAL }
        let first = raw.first
        if first == UInt8(ascii: "@") && !allowSpecial { throw .EINVAL }
        let relative = first != UInt8(ascii: "/") && first != UInt8(ascii: "@")
        // Every byte is ASCII now, so the String has one UTF-8 unit per byte.
        let given = String(decoding: raw, as: UTF8.self)
        let name = relative ? domainPath(domid) + "/" + given : given
        let bytes = Array(name.utf8)
        if name != root && bytes.last == UInt8(ascii: "/") { throw .EINVAL }
        if name.contains("//") { throw .EINVAL }
        if bytes.count > XenABI.Xenstore.absPathMax { throw .EINVAL }
        if let pathQuota, pathQuota != 0, bytes.count - localOffset(bytes) > pathQuota { throw .EINVAL }
        return (name, relative)
    }

    /// Length of a leading "/local/domain/<up to 5 digits>/", else 0: the part
    /// of a path that the path-length quota does not count (xenstored:
    /// `sscanf(name, "/local/domain/%5u/%n", &domid, &local_off)`).
    static func localOffset(_ bytes: [UInt8]) -> Int {
        let prefix = Array("/local/domain/".utf8)
        guard bytes.starts(with: prefix) else { return 0 }
        var index = prefix.count
        var digits = 0
        while index < bytes.count, digits < 5, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            index += 1
            digits += 1
        }
        guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: "/") else { return 0 }
        return index + 1
    }

    /// The parent of `path`: everything before the last '/' after the first
    /// byte, else the root; "@releaseDomain"'s parent is therefore "/"
    /// (xenstored `get_parent`).
    static func parent(of path: String) -> String {
        let bytes = Array(path.utf8)
        guard bytes.count > 1, let slash = bytes[1...].lastIndex(of: UInt8(ascii: "/")) else { return root }
        return String(decoding: bytes[..<slash], as: UTF8.self)
    }

    /// The last component of a non-root path (xenstored `basename`).
    static func baseName(of path: String) -> String {
        let bytes = Array(path.utf8)
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(decoding: bytes[(slash + 1)...], as: UTF8.self)
    }

    /// `parent`/`child` (xenstored `child_name`).
    static func child(_ name: String, of parent: String) -> String {
        parent == root ? "/" + name : parent + "/" + name
    }

    /// Whether `child` is `parent` or lies below it, no more than `depth`
    /// levels down when `depth` is not negative (xenstored `is_child` in
    /// tools/xenstored/watch.c; every path is a child of "/").
    static func isChild(_ child: String, of parent: String, depth: Int) -> Bool {
        let c = Array(child.utf8)
        let p = Array(parent.utf8)
        guard c.starts(with: p) else { return false }
        let len = p.count
        let next: UInt8? = len < c.count ? c[len] : nil
        if next != nil && next != UInt8(ascii: "/") && len > 1 { return false }
        if depth < 0 || next == nil { return true }
        var subLevels = len == 1 ? 1 : 0
        var index = len
        while subLevels <= depth {
            if index >= c.count { return true }
            if c[index] == UInt8(ascii: "/") { subLevels += 1 }
            index += 1
        }
        return false
    }
}
