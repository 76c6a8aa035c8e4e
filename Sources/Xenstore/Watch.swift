// Xen: tools/xenstored/watch.c. A registered watch and the ways an event's
// path can match it.

/// One watch of a connection.
///
/// Xen: `struct watch`, tools/xenstored/watch.c.
struct Watch: Equatable, Sendable {
    /// The canonical absolute (or '@') path watched.
    var node: String
    /// Echoed in every event; any bytes without NUL.
    var token: [UInt8]
    /// Levels below `node` that still match; -1 for no limit.
    var depth: Int
    /// Bytes to strip from event paths: "/local/domain/<id>/" for a watch
    /// given as a relative path, so that its events are relative too
    /// (docs/misc/xenstore.txt WATCH_EVENT; `prefix_len` in watch.c).
    var prefixLength: Int

    /// The path to report for an event on `name`.
    func eventPath(_ name: String) -> [UInt8] {
        Array(Array(name.utf8).dropFirst(prefixLength))
    }
}

/// How an event's path is compared with a watch's.
///
/// Xen: `enum watch_match`, tools/xenstored/watch.h.
enum WatchMatch: Equatable, Sendable {
    /// The watch is on exactly this path (children removed with a parent).
    case exact
    /// The path is the watch's or below it, within the watch's depth.
    case subtree
    /// Special events with a "/<domid>" suffix: an exact match, or a watch
    /// with a positive depth above it.
    case depth
    /// Special events without suffix: exact match by a watch without depth.
    case noDepth

    /// Whether an event on `name` fires `watch` (xenstored `fire_watches`).
    func fires(_ watch: Watch, for name: String) -> Bool {
        switch self {
        case .exact:
            return name == watch.node
        case .subtree:
            return XenstorePath.isChild(name, of: watch.node, depth: watch.depth)
        case .depth:
            return name == watch.node
                || (watch.depth > 0 && XenstorePath.isChild(name, of: watch.node, depth: watch.depth))
        case .noDepth:
            return name == watch.node && watch.depth < 0
        }
    }
}
