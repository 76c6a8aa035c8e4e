// Xen: public/io/xs_wire.h `XENSTORE_SERVER_FEATURE_*` and
// docs/misc/xenstore-ring.txt ("Server feature bitmap").

/// Feature bits of the ring page's `server_features` word and of
/// XS_GET_FEATURE / XS_SET_FEATURE.
///
/// Xen: `XENSTORE_SERVER_FEATURE_*`, public/io/xs_wire.h.
public struct XSServerFeatures: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The guest may ask for a ring reset through the `connection` field.
    ///
    /// Xen: `XENSTORE_SERVER_FEATURE_RECONNECTION`, public/io/xs_wire.h.
    public static let reconnection = XSServerFeatures(rawValue: 1)

    /// The server reports why it stopped serving in the `error` field.
    ///
    /// Xen: `XENSTORE_SERVER_FEATURE_ERROR`, public/io/xs_wire.h.
    public static let error = XSServerFeatures(rawValue: 2)

    /// XS_WATCH takes a third parameter, the depth.
    ///
    /// Xen: `XENSTORE_SERVER_FEATURE_WATCHDEPTH`, public/io/xs_wire.h.
    public static let watchDepth = XSServerFeatures(rawValue: 4)

    /// Node permissions may name DOMID_ANY.
    ///
    /// Xen: `XENSTORE_SERVER_FEATURE_DOMID_ANY`, public/io/xs_wire.h.
    public static let domidAny = XSServerFeatures(rawValue: 8)

    /// What this daemon offers: everything xenstored offers
    /// (`XENSTORE_FEATURES` in tools/xenstored/domain.c: error, watch depth,
    /// DOMID_ANY) plus reconnection, which `RingTransport` implements as
    /// docs/misc/xenstore-ring.txt "The ring reconnection feature" describes.
    public static let supported: XSServerFeatures = [.reconnection, .error, .watchDepth, .domidAny]
}
