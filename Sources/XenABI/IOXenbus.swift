// Xen: public/io/xenbus.h. The states of a split driver's two ends, as
// each writes to its `state` node in xenstore.

/// A xenbus device end's state. A struct, so a value a guest writes that
/// no state names survives to be ignored (STYLE.md §2).
///
/// Xen: `enum xenbus_state`, public/io/xenbus.h.
public struct XenbusState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Xen: `XenbusStateUnknown`.
    public static let unknown = XenbusState(rawValue: 0)
    /// Xen: `XenbusStateInitialising`.
    public static let initialising = XenbusState(rawValue: 1)
    /// Finished early initialisation, waiting for the other end's details.
    /// Xen: `XenbusStateInitWait`.
    public static let initWait = XenbusState(rawValue: 2)
    /// Xen: `XenbusStateInitialised`.
    public static let initialised = XenbusState(rawValue: 3)
    /// Xen: `XenbusStateConnected`.
    public static let connected = XenbusState(rawValue: 4)
    /// Being shut down. Xen: `XenbusStateClosing`.
    public static let closing = XenbusState(rawValue: 5)
    /// Xen: `XenbusStateClosed`.
    public static let closed = XenbusState(rawValue: 6)
    /// Xen: `XenbusStateReconfiguring`.
    public static let reconfiguring = XenbusState(rawValue: 7)
    /// Xen: `XenbusStateReconfigured`.
    public static let reconfigured = XenbusState(rawValue: 8)

    public var description: String { String(rawValue) }
}
