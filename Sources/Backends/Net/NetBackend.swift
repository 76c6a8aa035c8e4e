// Xen: public/io/netif.h. The network backend core for one vif: a host
// packet device (a TAP), one to `multi-queue-max-queues` queues each with a
// transmit and a receive ring, and the packet handling of Linux's
// xen-netback (drivers/net/xen-netback/netback.c for transmit, rx.c for
// receive), without the xenbus state machine, event channels or threads,
// which the xenbus layer owns.
//
// Lifecycle: init (the device exists; publish `backendNodes`) → attach
// (the frontend's ring grants and features, when it is Connected) →
// process per kick or device readiness on a queue → detach (frontend
// Closing/Closed) → attach again or drop.
//
// Concurrency: Sendable. Each queue has its own Mutex, so queues run on
// different threads at once; calls on one queue serialise. Lock order: the
// connection lock, then a queue lock; `process` holds only the queue lock
// while it does I/O.
import GuestMemory
import Logging
import Synchronization
import XenABI

/// The backend of one virtual network interface.
public final class NetBackend: Sendable {
    /// Limits this backend advertises and keeps.
    public struct Options: Sendable, Equatable {
        /// `multi-queue-max-queues` (capped by the device's).
        public var maxQueues: Int = 4
        /// Packets one `process` call handles in each direction before it
        /// returns with `moreWork`, so a busy queue cannot hold its thread.
        public var packetsPerProcess: Int = 256

        public init() {}
    }

    /// What the frontend negotiated: the frontend's xenstore nodes, read at
    /// connect (Linux netback `read_xenbus_vif_flags`). They describe what
    /// the frontend can receive.
    public struct FrontendFeatures: Sendable, Equatable {
        /// `request-rx-copy`: must be set (rx-flip is not offered).
        public var rxCopy: Bool = true
        /// `feature-rx-notify`: the frontend kicks us when it posts
        /// receive buffers. Without it the caller must poll.
        public var rxNotify: Bool = true
        /// `feature-sg`: a received frame may span several slots.
        public var sg: Bool = false
        /// `feature-gso-tcpv4` / `feature-gso-tcpv6`.
        public var gsoTCPv4: Bool = false
        public var gsoTCPv6: Bool = false
        /// Not `feature-no-csum-offload`: IPv4 frames may have blank checksums.
        public var ipCsum: Bool = true
        /// `feature-ipv6-csum-offload`.
        public var ipv6Csum: Bool = false

        public init() {}

        /// Everything Linux netfront asks for.
        public static var linuxNetfront: FrontendFeatures {
            var f = FrontendFeatures()
            f.sg = true
            f.gsoTCPv4 = true
            f.gsoTCPv6 = true
            f.ipv6Csum = true
            return f
        }

        /// What the host may hand us for this frontend: blank checksums
        /// only when it takes them for both IP versions (TUN_F_CSUM covers
        /// both), TSO only with those and scatter-gather.
        public var offloads: NetOffloads {
            guard ipCsum && ipv6Csum else { return [] }
            var o: NetOffloads = [.csum]
            if sg && gsoTCPv4 { o.insert(.tso4) }
            if sg && gsoTCPv6 { o.insert(.tso6) }
            return o
        }
    }

    /// One queue's rings (`tx-ring-ref`, `rx-ring-ref`).
    public struct QueueRings: Sendable, Equatable {
        public var tx: GrantRef
        public var rx: GrantRef

        public init(tx: GrantRef, rx: GrantRef) {
            self.tx = tx
            self.rx = rx
        }
    }

    /// The host device.
    public let device: NetDevice
    /// The advertised limits.
    public let options: Options
    let logger: Logger
    let metrics = NetMetrics()
    private let connection: Mutex<Connection>

    private enum Connection {
        case detached
        case attached(grants: GrantAccess, queues: [NetQueue])
    }

    public init(device: NetDevice, options: Options = Options(), logger: Logger = Logger(label: "xenolith.netback")) {
        var o = options
        o.maxQueues = max(1, min(o.maxQueues, device.maxQueues))
        o.packetsPerProcess = max(1, o.packetsPerProcess)
        self.device = device
        self.options = o
        self.logger = logger
        connection = Mutex(.detached)
    }

    deinit {
        detach()
    }

    /// The counters so far.
    public var counters: NetCounters { metrics.snapshot }

    /// Queues of the current connection (0 when detached).
    public var queueCount: Int {
        connection.withLock { c in
            if case .attached(_, let queues) = c { return queues.count }
            return 0
        }
    }

    /// The descriptor to poll for frames from the host on `queue`.
    public func deviceDescriptor(queue: Int) -> Int32? {
        connection.withLock { c in
            guard case .attached(_, let queues) = c, queues.indices.contains(queue) else { return nil }
            return queues[queue].channel.descriptor
        }
    }

    // MARK: - Connection

    /// Connects to the frontend's rings, one `QueueRings` per queue, opens
    /// that many device queues and sets the device's offloads from
    /// `features`.
    ///
    /// Linux: `connect` / `connect_data_rings` / `xenvif_connect_data`.
    public func attach(grants: GrantAccess, rings: [QueueRings], features: FrontendFeatures) throws(NetAttachError) {
        guard (1...options.maxQueues).contains(rings.count) else {
            throw .queueCount(requested: rings.count, max: options.maxQueues)
        }
        guard features.rxCopy else { throw .rxCopyRequired }
        try connection.withLock { (c) throws(NetAttachError) in
            if case .attached = c { throw .alreadyAttached }
            let channels: [NetFrameChannel]
            do throws(NetDeviceError) {
                channels = try device.openQueues(rings.count)
                try device.setOffloads(features.offloads)
            } catch {
                device.closeQueues(from: 1)
                throw .device(error)
            }
            var queues: [NetQueue] = []
            for (q, r) in rings.enumerated() {
                do throws(NetAttachError) {
                    let tx: BackRing
                    do throws(BackRingAttachError) {
                        tx = try BackRing(grants: grants, refs: [r.tx], entrySize: Netif.txSringEntrySize)
                    } catch {
                        throw .ring("tx", error)
                    }
                    let rx: BackRing
                    do throws(BackRingAttachError) {
                        rx = try BackRing(grants: grants, refs: [r.rx], entrySize: Netif.rxSringEntrySize)
                    } catch {
                        var t = tx
                        t.detach()
                        throw .ring("rx", error)
                    }
                    queues.append(NetQueue(index: q, channel: channels[q], features: features,
                                           state: NetQueueState(tx: tx, rx: rx)))
                } catch {
                    for queue in queues { queue.state.withLock { $0.detach() } }
                    device.closeQueues(from: 1)
                    throw .queue(q, error)
                }
            }
            c = .attached(grants: grants, queues: queues)
        }
        logger.info("connected: \(rings.count) queue(s) on '\(device.name)', offloads 0x\(String(features.offloads.rawValue, radix: 16))")
    }

    /// Disconnects: halts every ring, unpins its pages and closes the extra
    /// device queues. A `process` running on a queue finishes first.
    /// Idempotent.
    ///
    /// Linux: `xenvif_disconnect_data`.
    public func detach() {
        let queues: [NetQueue] = connection.withLock { c in
            defer { c = .detached }
            if case .attached(_, let queues) = c { return queues }
            return []
        }
        for q in queues { q.state.withLock { $0.detach() } }
        if !queues.isEmpty { device.closeQueues(from: 1) }
    }

    // MARK: - Processing

    /// What one `process` call did.
    public struct ProcessResult: Equatable, Sendable {
        /// Send an event on the queue's transmit (or only) event channel.
        public var notifyTx: Bool = false
        /// Send an event on the queue's receive event channel.
        public var notifyRx: Bool = false
        /// A budget ran out with work left: call again without waiting.
        public var moreWork: Bool = false
        /// A frame from the host waits for the guest to post receive
        /// buffers: do not poll the device for more until kicked.
        public var rxWaiting: Bool = false
        /// Transmit packets and received frames handled by this call.
        public var txPackets: Int = 0
        public var rxPackets: Int = 0
        /// The queue is halted (protocol violation, or detached) until the
        /// next attach. Reported once as `newFault`.
        public var fault: BackRingFault?
        public var newFault: Bool = false
    }

    /// Handles the queue's transmit ring (every packet available, up to
    /// the budget) and then frames waiting on the device for the guest
    /// (while it has buffers, up to the budget), and re-arms the
    /// notifications (`RING_FINAL_CHECK_FOR_REQUESTS` on transmit,
    /// `req_event` on receive when waiting for buffers).
    ///
    /// Linux: `xenvif_tx_action`, `xenvif_rx_action`.
    public func process(queue: Int = 0) -> ProcessResult {
        let found: (GrantAccess, NetQueue)? = connection.withLock { c in
            guard case .attached(let grants, let queues) = c, queues.indices.contains(queue) else { return nil }
            return (grants, queues[queue])
        }
        guard let (grants, q) = found else {
            return ProcessResult(fault: .detached)
        }
        metrics.update { $0.processCalls += 1 }
        return q.state.withLock { state in
            var result = ProcessResult()
            if let fault = state.fault {
                result.fault = fault
                return result
            }
            transmit(q, &state, &result, grants: grants)
            if state.fault == nil {
                receive(q, &state, &result, grants: grants)
            }
            if let fault = state.fault {
                result.fault = fault
                result.newFault = true
                metrics.update { $0.queueFaults += 1 }
                logger.error("queue \(queue): \(fault)")
            }
            metrics.update {
                if result.notifyTx { $0.txNotifies += 1 }
                if result.notifyRx { $0.rxNotifies += 1 }
                if result.moreWork { $0.budgetExhausted += 1 }
            }
            return result
        }
    }
}

/// One queue: its device channel and, behind its lock, its rings.
final class NetQueue: Sendable {
    let index: Int
    let channel: NetFrameChannel
    let features: NetBackend.FrontendFeatures
    let state: Mutex<NetQueueState>

    init(index: Int, channel: NetFrameChannel, features: NetBackend.FrontendFeatures, state: consuming NetQueueState) {
        self.index = index
        self.channel = channel
        self.features = features
        self.state = Mutex(state)
    }
}

/// A queue's rings, the frame read from the host that waits for receive
/// buffers, and why the queue stopped.
struct NetQueueState: ~Copyable, Sendable {
    var tx: BackRing
    var rx: BackRing
    /// Virtio header and frame as read from the device.
    var buffer: [UInt8]
    /// The frame in `buffer` not yet delivered, waiting for buffers.
    var pending: NetRxPlan?
    /// Set once, when a ring stops; the queue then does nothing more.
    var fault: BackRingFault?

    /// Room for a 64 KiB frame with its virtio header and a VLAN tag.
    static let bufferSize = VirtioNetHdr.size + 65536 + 18

    init(tx: BackRing, rx: BackRing) {
        self.tx = tx
        self.rx = rx
        buffer = [UInt8](repeating: 0, count: Self.bufferSize)
    }

    /// Halts both rings for the frontend's protocol violation `reason`.
    mutating func halt(_ reason: BackRingFault) {
        tx.halt(reason)
        rx.halt(reason)
        if fault == nil { fault = reason }
    }

    mutating func detach() {
        tx.detach()
        rx.detach()
        if fault == nil { fault = .detached }
    }
}
