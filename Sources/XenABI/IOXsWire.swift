// Xen: public/io/xs_wire.h. The xenstore wire protocol and ring page.

/// The `type` of a xenstore message.
public struct XSType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Daemon control (was `XS_DEBUG`).
    ///
    /// Xen: `XS_CONTROL`, public/io/xs_wire.h.
    public static let control = XSType(rawValue: 0)

    /// Xen: `XS_DIRECTORY`, public/io/xs_wire.h.
    public static let directory = XSType(rawValue: 1)

    /// Xen: `XS_READ`, public/io/xs_wire.h.
    public static let read = XSType(rawValue: 2)

    /// Xen: `XS_GET_PERMS`, public/io/xs_wire.h.
    public static let getPerms = XSType(rawValue: 3)

    /// Xen: `XS_WATCH`, public/io/xs_wire.h.
    public static let watch = XSType(rawValue: 4)

    /// Xen: `XS_UNWATCH`, public/io/xs_wire.h.
    public static let unwatch = XSType(rawValue: 5)

    /// Xen: `XS_TRANSACTION_START`, public/io/xs_wire.h.
    public static let transactionStart = XSType(rawValue: 6)

    /// Xen: `XS_TRANSACTION_END`, public/io/xs_wire.h.
    public static let transactionEnd = XSType(rawValue: 7)

    /// Xen: `XS_INTRODUCE`, public/io/xs_wire.h.
    public static let introduce = XSType(rawValue: 8)

    /// Xen: `XS_RELEASE`, public/io/xs_wire.h.
    public static let release = XSType(rawValue: 9)

    /// Xen: `XS_GET_DOMAIN_PATH`, public/io/xs_wire.h.
    public static let getDomainPath = XSType(rawValue: 10)

    /// Xen: `XS_WRITE`, public/io/xs_wire.h.
    public static let write = XSType(rawValue: 11)

    /// Xen: `XS_MKDIR`, public/io/xs_wire.h.
    public static let mkdir = XSType(rawValue: 12)

    /// Xen: `XS_RM`, public/io/xs_wire.h.
    public static let rm = XSType(rawValue: 13)

    /// Xen: `XS_SET_PERMS`, public/io/xs_wire.h.
    public static let setPerms = XSType(rawValue: 14)

    /// Xen: `XS_WATCH_EVENT`, public/io/xs_wire.h.
    public static let watchEvent = XSType(rawValue: 15)

    /// Xen: `XS_ERROR`, public/io/xs_wire.h.
    public static let error = XSType(rawValue: 16)

    /// Xen: `XS_IS_DOMAIN_INTRODUCED`, public/io/xs_wire.h.
    public static let isDomainIntroduced = XSType(rawValue: 17)

    /// Xen: `XS_RESUME`, public/io/xs_wire.h.
    public static let resume = XSType(rawValue: 18)

    /// Xen: `XS_SET_TARGET`, public/io/xs_wire.h.
    public static let setTarget = XSType(rawValue: 19)

    /// Remove all of the connection's watches.
    ///
    /// Xen: `XS_RESET_WATCHES`, public/io/xs_wire.h.
    public static let resetWatches = XSType(rawValue: 21)

    /// A directory listing in pieces.
    ///
    /// Xen: `XS_DIRECTORY_PART`, public/io/xs_wire.h.
    public static let directoryPart = XSType(rawValue: 22)

    /// One more than the highest valid type.
    ///
    /// Xen: `XS_TYPE_COUNT`, public/io/xs_wire.h.
    public static let typeCount = XSType(rawValue: 23)

    /// A value guaranteed never to be a valid type.
    ///
    /// Xen: `XS_INVALID`, public/io/xs_wire.h.
    public static let invalid = XSType(rawValue: 0xffff)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "XS_CONTROL"
        case 1: return "XS_DIRECTORY"
        case 2: return "XS_READ"
        case 3: return "XS_GET_PERMS"
        case 4: return "XS_WATCH"
        case 5: return "XS_UNWATCH"
        case 6: return "XS_TRANSACTION_START"
        case 7: return "XS_TRANSACTION_END"
        case 8: return "XS_INTRODUCE"
        case 9: return "XS_RELEASE"
        case 10: return "XS_GET_DOMAIN_PATH"
        case 11: return "XS_WRITE"
        case 12: return "XS_MKDIR"
        case 13: return "XS_RM"
        case 14: return "XS_SET_PERMS"
        case 15: return "XS_WATCH_EVENT"
        case 16: return "XS_ERROR"
        case 17: return "XS_IS_DOMAIN_INTRODUCED"
        case 18: return "XS_RESUME"
        case 19: return "XS_SET_TARGET"
        case 21: return "XS_RESET_WATCHES"
        case 22: return "XS_DIRECTORY_PART"
        case 23: return "XS_TYPE_COUNT"
        case 0xffff: return "XS_INVALID"
        default: return "unknown"
        }
    }

    /// Old name of `control`.
    ///
    /// Xen: `XS_DEBUG`, public/io/xs_wire.h.
    public static let debug = XSType.control
}

/// Index of a field in an `XS_WATCH_EVENT` payload.
public struct XSWatchType: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// The path that changed.
    ///
    /// Xen: `XS_WATCH_PATH`, public/io/xs_wire.h.
    public static let path = XSWatchType(rawValue: 0)

    /// The watch's token.
    ///
    /// Xen: `XS_WATCH_TOKEN`, public/io/xs_wire.h.
    public static let token = XSWatchType(rawValue: 1)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "XS_WATCH_PATH"
        case 1: return "XS_WATCH_TOKEN"
        default: return "unknown"
        }
    }
}

/// Constants of public/io/xs_wire.h.
public enum Xenstore {
    /// Size of each ring of the xenstore page.
    ///
    /// Xen: `XENSTORE_RING_SIZE`, public/io/xs_wire.h.
    public static let ringSize: Int = 1024

    /// Largest message payload.
    ///
    /// Xen: `XENSTORE_PAYLOAD_MAX`, public/io/xs_wire.h.
    public static let payloadMax: Int = 4096

    /// Xen: `XENSTORE_ABS_PATH_MAX`, public/io/xs_wire.h.
    public static let absPathMax: Int = 3072

    /// Xen: `XENSTORE_REL_PATH_MAX`, public/io/xs_wire.h.
    public static let relPathMax: Int = 2048

    /// Xen: `XENSTORE_SERVER_FEATURE_RECONNECTION`, public/io/xs_wire.h.
    public static let serverFeatureReconnection: UInt32 = 1

    /// Xen: `XENSTORE_SERVER_FEATURE_ERROR`, public/io/xs_wire.h.
    public static let serverFeatureError: UInt32 = 2

    /// `connection`: steady state.
    ///
    /// Xen: `XENSTORE_CONNECTED`, public/io/xs_wire.h.
    public static let connected: UInt32 = 0

    /// `connection`: reconnect in progress.
    ///
    /// Xen: `XENSTORE_RECONNECT`, public/io/xs_wire.h.
    public static let reconnect: UInt32 = 1

    /// Xen: `XENSTORE_ERROR_NONE`, public/io/xs_wire.h.
    public static let errorNone: UInt32 = 0

    /// Xen: `XENSTORE_ERROR_COMM`, public/io/xs_wire.h.
    public static let errorComm: UInt32 = 1

    /// Xen: `XENSTORE_ERROR_RINGIDX`, public/io/xs_wire.h.
    public static let errorRingidx: UInt32 = 2

    /// Xen: `XENSTORE_ERROR_PROTO`, public/io/xs_wire.h.
    public static let errorProto: UInt32 = 3

    /// Xen: `XS_WRITE_NONE`, public/io/xs_wire.h.
    public static let writeNone: StaticString = "NONE"

    /// Xen: `XS_WRITE_CREATE`, public/io/xs_wire.h.
    public static let writeCreate: StaticString = "CREATE"

    /// Xen: `XS_WRITE_CREATE_EXCL`, public/io/xs_wire.h.
    public static let writeCreateExcl: StaticString = "CREATE|EXCL"

    /// Index of byte `idx` in a ring.
    ///
    /// Xen: `MASK_XENSTORE_IDX`, public/io/xs_wire.h.
    public static func maskIdx(_ idx: UInt32) -> Int { Int(idx & UInt32(ringSize - 1)) }

    /// Number of entries of `xsd_errors`.
    public static let xsdErrorsCount = 16

    /// Entry `index` of `xsd_errors`: the errors xenstored reports, in the
    /// header's order, with the string an `XS_ERROR` reply carries.
    ///
    /// Xen: `xsd_errors`, public/io/xs_wire.h.
    public static func xsdError(at index: Int) -> (errno: XenErrno, string: StaticString)? {
        switch index {
        case 0: return (.EINVAL, "EINVAL")
        case 1: return (.EACCES, "EACCES")
        case 2: return (.EEXIST, "EEXIST")
        case 3: return (.EISDIR, "EISDIR")
        case 4: return (.ENOENT, "ENOENT")
        case 5: return (.ENOMEM, "ENOMEM")
        case 6: return (.ENOSPC, "ENOSPC")
        case 7: return (.EIO, "EIO")
        case 8: return (.ENOTEMPTY, "ENOTEMPTY")
        case 9: return (.ENOSYS, "ENOSYS")
        case 10: return (.EROFS, "EROFS")
        case 11: return (.EBUSY, "EBUSY")
        case 12: return (.EAGAIN, "EAGAIN")
        case 13: return (.EISCONN, "EISCONN")
        case 14: return (.E2BIG, "E2BIG")
        case 15: return (.EPERM, "EPERM")
        default: return nil
        }
    }

    /// The `XS_ERROR` string for `errno`: its `xsd_errors` entry, or "EINVAL"
    /// (the first entry) for errors the table lacks, as xenstored does.
    public static func xsdErrorString(for errno: XenErrno) -> StaticString {
        var index = 0
        while let entry = xsdError(at: index) {
            if entry.errno == errno { return entry.string }
            index += 1
        }
        return "EINVAL"
    }
}

/// The header of every xenstore message; `len` payload bytes follow
/// (generally NUL-terminated strings).
///
/// Xen: `struct xsd_sockmsg`, public/io/xs_wire.h.
public struct XsdSockmsg: Equatable, Sendable {
    /// Xen: `type`; an `XSType`.
    public var type: UInt32
    /// Xen: `req_id`; echoed in the reply.
    public var reqID: UInt32
    /// Xen: `tx_id`; the transaction, or 0.
    public var txID: UInt32
    /// Xen: `len`; payload bytes that follow.
    public var len: UInt32

    /// `sizeof(struct xsd_sockmsg)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `type`.
        public static let type = 0
        /// Xen: `req_id`.
        public static let reqID = 4
        /// Xen: `tx_id`.
        public static let txID = 8
        /// Xen: `len`.
        public static let len = 12
    }

    /// Creates the value; omitted fields are zero.
    public init(
        type: UInt32 = 0,
        reqID: UInt32 = 0,
        txID: UInt32 = 0,
        len: UInt32 = 0
    ) {
        self.type = type
        self.reqID = reqID
        self.txID = txID
        self.len = len
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XsdSockmsg.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.type = unsafe raw.loadUnaligned(fromByteOffset: Offset.type, as: UInt32.self)
        self.reqID = unsafe raw.loadUnaligned(fromByteOffset: Offset.reqID, as: UInt32.self)
        self.txID = unsafe raw.loadUnaligned(fromByteOffset: Offset.txID, as: UInt32.self)
        self.len = unsafe raw.loadUnaligned(fromByteOffset: Offset.len, as: UInt32.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XsdSockmsg.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: type, toByteOffset: Offset.type, as: UInt32.self)
        unsafe raw.storeBytes(of: reqID, toByteOffset: Offset.reqID, as: UInt32.self)
        unsafe raw.storeBytes(of: txID, toByteOffset: Offset.txID, as: UInt32.self)
        unsafe raw.storeBytes(of: len, toByteOffset: Offset.len, as: UInt32.self)
    }
}

/// The xenstore ring page (offsets only: it is shared with the guest and
/// accessed in place). `req` carries requests from the guest, `rsp` replies
/// and watch events to it.
///
/// Xen: `struct xenstore_domain_interface`, public/io/xs_wire.h.
public enum XenstoreDomainInterface {
    /// `sizeof(struct xenstore_domain_interface)` on x86_64.
    public static let size = 2076

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `req`.
        public static let req = 0
        /// Xen: `rsp`.
        public static let rsp = 1024
        /// Xen: `req_cons`.
        public static let reqCons = 2048
        /// Xen: `req_prod`.
        public static let reqProd = 2052
        /// Xen: `rsp_cons`.
        public static let rspCons = 2056
        /// Xen: `rsp_prod`.
        public static let rspProd = 2060
        /// Xen: `server_features`.
        public static let serverFeatures = 2064
        /// Xen: `connection`.
        public static let connection = 2068
        /// Xen: `error`.
        public static let error = 2072
    }

    /// Number of elements in `req`.
    public static let reqCount = 1024

    /// Byte offset of element `index` of `req` (1 bytes each).
    public static func reqOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < reqCount, "XenstoreDomainInterface.req index out of range")
        return Offset.req + index * 1
    }

    /// Number of elements in `rsp`.
    public static let rspCount = 1024

    /// Byte offset of element `index` of `rsp` (1 bytes each).
    public static func rspOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < rspCount, "XenstoreDomainInterface.rsp index out of range")
        return Offset.rsp + index * 1
    }
}
