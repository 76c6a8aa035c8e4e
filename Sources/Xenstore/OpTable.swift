// Xen: tools/xenstored/core.c `wire_funcs`. Which request types the daemon
// serves, and the two flags `process_message` checks in one place:
// privileged-only and "ignore the transaction id".
import XenABI

/// One entry of the request table.
struct XSOp: Sendable {
    struct Flags: OptionSet, Sendable {
        var rawValue: UInt8
        /// The tx_id is ignored (Xen: `XS_FLAG_NOTID`).
        static let noTransaction = Flags(rawValue: 1 << 0)
        /// Only the privileged domain may send it (Xen: `XS_FLAG_PRIV`).
        static let privileged = Flags(rawValue: 1 << 1)
    }

    typealias Handler = @Sendable (inout DaemonState, Request) throws(XenErrno) -> [UInt8]

    /// xenstored's name, for logs and traces.
    let name: StaticString
    /// Nil: not served, the reply is ENOSYS (optional types, and types only
    /// the daemon sends).
    let handler: Handler?
    let flags: Flags

    init(_ name: StaticString, _ flags: Flags = [], _ handler: Handler?) {
        self.name = name
        self.handler = handler
        self.flags = flags
    }
}

/// The table, indexed by `XSType.rawValue`.
enum XSOpTable {
    static let ops: [XSOp] = [
        // XS_CONTROL is optional ("If not supported, xenstore-control
        // command will not work"); its commands are xenstored internals.
        XSOp("CONTROL", .privileged, nil),
        XSOp("DIRECTORY") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doDirectory(request)
        },
        XSOp("READ") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doRead(request)
        },
        XSOp("GET_PERMS") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doGetPerms(request)
        },
        XSOp("WATCH", .noTransaction) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doWatch(request)
        },
        XSOp("UNWATCH", .noTransaction) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doUnwatch(request)
        },
        XSOp("TRANSACTION_START") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doTransactionStart(request)
        },
        XSOp("TRANSACTION_END") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doTransactionEnd(request)
        },
        XSOp("INTRODUCE", .privileged) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doIntroduce(request)
        },
        XSOp("RELEASE", .privileged) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doRelease(request)
        },
        XSOp("GET_DOMAIN_PATH") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doGetDomainPath(request)
        },
        XSOp("WRITE") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doWrite(request)
        },
        XSOp("MKDIR") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doMkdir(request)
        },
        XSOp("RM") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doRm(request)
        },
        XSOp("SET_PERMS") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doSetPerms(request)
        },
        XSOp("WATCH_EVENT", [], nil),
        XSOp("ERROR", [], nil),
        XSOp("IS_DOMAIN_INTRODUCED", .privileged) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doIsDomainIntroduced(request)
        },
        XSOp("RESUME", .privileged) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doResume(request)
        },
        XSOp("SET_TARGET", .privileged) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doSetTarget(request)
        },
        // Type 20 was XS_RESTRICT, removed ("the type value 20 is invalid").
        XSOp("RESTRICT", [], nil),
        XSOp("RESET_WATCHES") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doResetWatches(request)
        },
        XSOp("DIRECTORY_PART") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doDirectoryPart(request)
        },
        XSOp("GET_FEATURE") { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doGetFeature(request)
        },
        XSOp("SET_FEATURE", .privileged) { (state: inout DaemonState, request: Request) throws(XenErrno) in
            try state.doSetFeature(request)
        },
        // Quota administration is optional ("If unsupported, setting of
        // Xenstore quota per domain is not possible"); quotas are set when
        // the daemon is created.
        XSOp("GET_QUOTA", .privileged, nil),
        XSOp("SET_QUOTA", .privileged, nil),
    ]

    /// The entry for `type`, or nil past the table (ENOSYS).
    static func op(for type: XSType) -> XSOp? {
        let index = Int(type.rawValue)
        return index < ops.count ? ops[index] : nil
    }
}
