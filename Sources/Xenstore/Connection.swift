// Xen: tools/xenstored/core.h `struct connection` and tools/xenstored/domain.c
// `struct domain`. The daemon's records of its clients and of the domains it
// knows.

/// Identifies one client connection of the daemon (a guest's ring, or a
/// host-side client acting for domain 0).
public struct ConnectionID: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: ConnectionID, rhs: ConnectionID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// A client: the domain it speaks for, its watches and undelivered events.
///
/// Xen: `struct connection`, tools/xenstored/core.h.
struct Connection: Sendable {
    let domid: UInt16
    var watches: [Watch] = []
    /// Open transaction ids, oldest first.
    var transactionIDs: [UInt32] = []
    /// Next id to try; xenstored starts at 0 and skips it, so the first is 1.
    var nextTransactionID: UInt32 = 0
    /// XS_WATCH_EVENT messages not yet taken by the transport.
    var events: [XSMessage] = []
    /// Bytes (headers included) of `events`, charged against the memory quota.
    var eventBytes = 0
    /// Called, outside the lock, when `events` becomes non-empty.
    let onEvent: (@Sendable () -> Void)?
}

/// What xenstored knows of a domain.
///
/// Xen: `struct domain`, tools/xenstored/domain.c.
struct DomainRecord: Sendable {
    /// Between XS_INTRODUCE and XS_RELEASE.
    var introduced = false
    /// The ring's frame, as XS_INTRODUCE gave it (xenstored ignores it).
    var mfn: UInt64 = 0
    /// The guest's event channel for the ring.
    var port: UInt32 = 0
    /// Features offered on the ring page (XS_SET_FEATURE before introduction).
    var features: XSServerFeatures = .supported
    /// XS_RESUME clears it; we never set it (no domain state tracking yet).
    var shutdown = false
    /// XS_SET_TARGET: the domain whose permissions this one also has.
    var target: UInt16?
}
