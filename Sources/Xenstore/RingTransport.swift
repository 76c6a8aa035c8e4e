// Xen: tools/xenstored/domain.c `readchn`, `writechn`, `check_indexes`,
// `domain_can_read`, `domain_conn_reset`, `ignore_connection`, and
// docs/misc/xenstore-ring.txt. Serves one domain's xenstore ring page:
// requests from `req`, replies and watch events into `rsp`.
import Logging
import Synchronization
import XenABI

/// Why a ring stopped being served.
public enum RingTransportError: Error, Equatable, Sendable {
    /// `req_prod - req_cons` exceeded the ring size (a guest bug or attack).
    case requestIndices(cons: UInt32, prod: UInt32)
    /// `rsp_prod - rsp_cons` exceeded the ring size.
    case responseIndices(cons: UInt32, prod: UInt32)
    /// A request header announced more than XENSTORE_PAYLOAD_MAX bytes.
    case payloadTooLong(len: UInt32)
    /// The daemon closed the connection (XS_RELEASE of the domain).
    case connectionClosed

    /// A short key naming the kind of failure, for log-once.
    var kind: String {
        switch self {
        case .requestIndices: return "request-indices"
        case .responseIndices: return "response-indices"
        case .payloadTooLong: return "payload-too-long"
        case .connectionClosed: return "connection-closed"
        }
    }

    /// The ring page's `error` value for it (XENSTORE_ERROR_*), if any.
    var ringError: UInt32? {
        switch self {
        case .requestIndices, .responseIndices: return XenABI.Xenstore.errorRingidx
        case .payloadTooLong: return XenABI.Xenstore.errorProto
        case .connectionClosed: return nil
        }
    }
}

/// What one `process()` call did.
public struct RingActivity: Equatable, Sendable {
    /// The page changed: signal the domain's event channel (xenstored
    /// notifies after every read and write of the ring).
    public var notify = false
    /// Requests remain unread because this call's budget ran out; call
    /// `process()` again.
    public var more = false
    /// Set once the connection has stopped (now or earlier).
    public var error: RingTransportError?

    public init(notify: Bool = false, more: Bool = false, error: RingTransportError? = nil) {
        self.notify = notify
        self.more = more
        self.error = error
    }
}

/// Moves messages between a domain's ring page and the daemon.
///
/// The host calls `start()` once the domain is introduced, then `process()`
/// whenever the guest signals the ring's event channel or the connection's
/// `onEvent` fires, and signals the guest when the result says `notify`.
///
/// Guest input is never trusted: indices are read once per step and checked
/// (`prod - cons <= XENSTORE_RING_SIZE`, xenstored `check_indexes`), every
/// offset is masked, and each call reads at most `inputBudget` bytes. A bad
/// index or an over-long header stops the connection: the `error` field gets
/// XENSTORE_ERROR_RINGIDX or XENSTORE_ERROR_PROTO (we advertise
/// XENSTORE_SERVER_FEATURE_ERROR) and the daemon drops the connection's
/// watches and transactions, as xenstored's `ignore_connection` does. A
/// guest may then ask for a reconnection (`connection` = XENSTORE_RECONNECT).
public final class RingTransport: Sendable {
    /// The daemon connection this ring speaks through.
    public let connection: ConnectionID
    private let daemon: XenstoreDaemon
    private let page: XenstoreRingPage
    private let domid: UInt16
    private let logger: Logger
    private let state: Mutex<TransportState>
    /// Kinds of failure already logged at warning level.
    private let logged = Mutex<Set<String>>([])

    /// Bytes of requests read per `process()` call at most.
    public static let inputBudget = 8 * XenABI.Xenstore.ringSize

    private struct Output {
        var bytes: [UInt8]
        var isReply: Bool
    }

    private struct TransportState {
        var framer = XSMessageFramer()
        /// Encoded messages not yet fully in `rsp`, oldest first.
        var output: [Output] = []
        /// Bytes of `output[0]` already written.
        var written = 0
        /// Replies in `output` (the outstanding-request quota).
        var pendingReplies = 0
        var failure: RingTransportError?
        var features: XSServerFeatures = []
    }

    /// A transport for `connection`, serving `page`.
    public init(daemon: XenstoreDaemon, connection: ConnectionID, page: XenstoreRingPage,
                logger: Logger = Logger(label: "xenolith.xenstore.ring")) {
        self.daemon = daemon
        self.connection = connection
        self.page = page
        self.domid = daemon.domid(of: connection)?.rawValue ?? DomID.invalid.rawValue
        self.logger = logger
        self.state = Mutex(TransportState())
    }

    /// Puts the page in its initial state: both rings empty (indices 0, as
    /// xenstored's `domain_conn_reset` does on XS_INTRODUCE) unless
    /// `resetIndices` is false, no error, our features advertised, and
    /// `connection` = XENSTORE_CONNECTED.
    public func start(resetIndices: Bool = true) -> RingActivity {
        state.withLock { state in
            state = TransportState()
            state.features = daemon.features(for: DomID(rawValue: domid))
            if resetIndices { zeroIndices() }
            page.store(0, to: .error)
            page.store(state.features.rawValue, to: .serverFeatures)
            page.store(XenABI.Xenstore.connected, to: .connection)
            return RingActivity(notify: true)
        }
    }

    /// Serves the ring: honours a reconnection request, writes pending
    /// output, reads and handles requests while the outstanding quota and the
    /// budget allow, then queues watch events once earlier output is out.
    public func process() -> RingActivity {
        state.withLock { state in
            var activity = RingActivity()
            if state.features.contains(.reconnection),
               page.load(.connection) == XenABI.Xenstore.reconnect {
                reconnect(&state)
                activity.notify = true
                activity.error = state.failure
                return activity
            }
            if let failure = state.failure {
                activity.error = failure
                return activity
            }
            flush(&state, &activity)
            readRequests(&state, &activity)
            if state.failure == nil && state.output.isEmpty {
                for event in daemon.takeEvents(for: connection) {
                    state.output.append(Output(bytes: event.encoded(), isReply: false))
                }
                flush(&state, &activity)
            }
            activity.error = state.failure
            return activity
        }
    }

    private func readRequests(_ state: inout TransportState, _ activity: inout RingActivity) {
        let outstanding = daemon.quota.outstanding
        var budget = Self.inputBudget
        while state.failure == nil {
            // Xen `domain_can_read`: an unprivileged domain with too many
            // replies queued is not read until it consumes some.
            if domid != 0 && XenstoreQuota.exceeds(state.pendingReplies + 1, outstanding) { return }
            // Indices are read once per step and checked before use
            // ("Must read indexes once, and before anything else, and
            // verified", `readchn`). `req_prod` is loaded with acquire
            // ordering, so the request bytes the guest wrote before
            // publishing it are visible to the copy below.
            let cons = page.load(.reqCons)
            let prod = page.load(.reqProd)
            let available = prod &- cons
            guard available <= UInt32(XenABI.Xenstore.ringSize) else {
                fail(&state, &activity, .requestIndices(cons: cons, prod: prod))
                return
            }
            guard available > 0 else { return }
            guard budget > 0 else {
                activity.more = true
                return
            }
            let count = min(Int(available), state.framer.bytesNeeded, budget)
            let bytes = page.read(.req, at: cons, count: count)
            // Release ordering: our copy is complete before the guest may
            // reuse the space (`xen_mb(); intf->req_cons += len`).
            page.store(cons &+ UInt32(count), to: .reqCons)
            activity.notify = true
            budget -= count
            let messages: [XSMessage]
            do {
                messages = try state.framer.feed(bytes)
            } catch {
                switch error {
                case .payloadTooLong(let len): fail(&state, &activity, .payloadTooLong(len: len))
                default: fail(&state, &activity, .payloadTooLong(len: 0))
                }
                return
            }
            for message in messages {
                guard let reply = daemon.handle(message, from: connection) else {
                    fail(&state, &activity, .connectionClosed)
                    return
                }
                state.output.append(Output(bytes: reply.encoded(), isReply: true))
                state.pendingReplies += 1
                // Events this request caused (the first event of a new
                // watch) follow its reply, as in xenstored's out_list.
                for event in daemon.takeEvents(for: connection) {
                    state.output.append(Output(bytes: event.encoded(), isReply: false))
                }
            }
            flush(&state, &activity)
        }
    }

    /// Writes as much pending output as `rsp` has room for (`writechn`).
    private func flush(_ state: inout TransportState, _ activity: inout RingActivity) {
        while state.failure == nil, let item = state.output.first {
            // `rsp_cons` with acquire ordering: the guest has finished
            // reading the bytes it released before we overwrite them.
            let cons = page.load(.rspCons)
            let prod = page.load(.rspProd)
            let used = prod &- cons
            guard used <= UInt32(XenABI.Xenstore.ringSize) else {
                fail(&state, &activity, .responseIndices(cons: cons, prod: prod))
                return
            }
            let space = XenABI.Xenstore.ringSize - Int(used)
            guard space > 0 else { return }
            let count = min(space, item.bytes.count - state.written)
            page.write(.rsp, at: prod, item.bytes[state.written..<(state.written + count)])
            // Release ordering: the bytes are visible before the new index.
            page.store(prod &+ UInt32(count), to: .rspProd)
            activity.notify = true
            state.written += count
            if state.written == item.bytes.count {
                state.output.removeFirst()
                state.written = 0
                if item.isReply { state.pendingReplies -= 1 }
            }
        }
    }

    /// Stops serving the ring (xenstored `ignore_connection`).
    private func fail(_ state: inout TransportState, _ activity: inout RingActivity, _ error: RingTransportError) {
        state.failure = error
        state.output = []
        state.written = 0
        state.pendingReplies = 0
        state.framer.reset()
        if error != .connectionClosed {
            if let code = error.ringError, state.features.contains(.error) {
                page.store(code, to: .error)
                activity.notify = true
            }
            daemon.reset(connection)
        }
        // The guest may stop the ring, reconnect and stop it again at will:
        // each kind of reason is logged once, later ones at debug level.
        let first = logged.withLock { $0.insert(error.kind).inserted }
        if first {
            logger.warning("xenstore ring stopped (further stops for this reason at debug level)",
                           metadata: ["domid": "\(domid)", "reason": "\(error)"])
        } else {
            logger.debug("xenstore ring stopped", metadata: ["domid": "\(domid)", "reason": "\(error)"])
        }
    }

    /// Serves a reconnection request (docs/misc/xenstore-ring.txt "The ring
    /// reconnection feature"): drop partial packets, queued output, watches
    /// and transactions, empty both rings, clear the error, then set
    /// `connection` back to XENSTORE_CONNECTED. A released connection stays
    /// closed.
    private func reconnect(_ state: inout TransportState) {
        let features = state.features
        let closed = state.failure == .connectionClosed || !daemon.isConnected(connection)
        state = TransportState()
        state.features = features
        if closed {
            state.failure = .connectionClosed
            return
        }
        daemon.reset(connection)
        zeroIndices()
        page.store(0, to: .error)
        page.store(XenABI.Xenstore.connected, to: .connection)
    }

    private func zeroIndices() {
        for field in [XenstoreRingPage.Field.reqCons, .reqProd, .rspCons, .rspProd] {
            page.store(0, to: field)
        }
    }
}
