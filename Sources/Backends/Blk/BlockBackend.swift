// Xen: public/io/blkif.h. The block backend core for one vbd: a disk image,
// one to `multi-queue-max-queues` blkif rings, and the request handling of
// Linux's xen-blkback (drivers/block/xen-blkback/blkback.c), without the
// xenbus state machine or event channels, which the xenbus layer owns.
//
// Lifecycle: init (open the image; publish `backendNodes`) → attach (the
// frontend's ring grants, at XenbusStateInitialised) → process per event
// on a queue → detach (XenbusStateClosing/Closed) → attach again or drop.
//
// Concurrency: Sendable. Each queue has its own Mutex, so queues can be
// processed on different threads at once (positional I/O on one fd);
// calls on one queue serialise. Lock order: the connection lock, then a
// queue lock; `process` holds only the queue lock while doing I/O.
import GuestMemory
import Logging
import Synchronization
import XenABI

/// The backend of one virtual block device.
public final class BlockBackend: Sendable {
    /// Limits this backend advertises.
    public struct Options: Sendable, Equatable {
        /// `max-ring-page-order`: rings of up to `1 << order` pages. Linux
        /// blkback's default is XENBUS_MAX_RING_GRANT_ORDER, 4 (16 pages,
        /// 512 requests).
        public var maxRingPageOrder: Int = 4
        /// `multi-queue-max-queues`.
        public var maxQueues: Int = 4
        /// `feature-max-indirect-segments` (blkback: 256); at most
        /// 8 pages × 512 = 4096.
        public var maxIndirectSegments: Int = 256
        /// Offer discard (the toolstack's `discard-enable`); still off when
        /// the image cannot punch holes or is read-only.
        public var discard: Bool = true
        /// Requests one `process` call handles before returning with
        /// `moreWork` (nil: four rings' worth), so a busy queue cannot hold
        /// its thread for ever.
        public var requestsPerProcess: Int? = nil

        public init() {}
    }

    /// Path of the disk image.
    public var path: String { image.path }
    /// True if the disk is read-only (`mode` "r"; `info` has VDISK_READONLY).
    public var readOnly: Bool { image.readOnly }
    /// Capacity in 512-byte sectors (the `sectors` node).
    public var sectors: UInt64 { image.sectors }
    /// The advertised limits, clamped to what the protocol allows.
    public let options: Options
    /// Whether discard is offered and performed.
    public var discardEnabled: Bool { options.discard && image.canPunchHoles }

    let image: BlkImage
    let logger: Logger
    let metrics = BlkMetrics()
    private let connection: Mutex<Connection>

    private enum Connection {
        case detached
        case attached(grants: GrantAccess, queues: [BlkQueue])
    }

    /// Opens the image at `path` read-write, or read-only when `readOnly`.
    /// The error says what failed in one line.
    public convenience init(path: String, readOnly: Bool, options: Options = Options(),
                logger: Logger = Logger(label: "xenolith.blkback")) throws(BlockBackendError) {
        try self.init(image: BlkImage(path: path, readOnly: readOnly), options: options, logger: logger)
    }

    init(image: BlkImage, options: Options, logger: Logger) {
        var o = options
        o.maxRingPageOrder = max(0, min(o.maxRingPageOrder, 8))
        o.maxQueues = max(1, o.maxQueues)
        o.maxIndirectSegments = max(Blkif.maxSegmentsPerRequest,
                                    min(o.maxIndirectSegments,
                                        Blkif.maxIndirectPagesPerRequest * Blkif.segmentsPerIndirectFrame))
        self.options = o
        self.image = image
        self.logger = logger
        self.connection = Mutex(.detached)
        if image.sizeBytes % UInt64(Blkif.sectorSize) != 0 {
            logger.warning("disk image '\(image.path)': last \(image.sizeBytes % UInt64(Blkif.sectorSize)) bytes are not a whole sector and are not exposed")
        }
    }

    deinit {
        detach()
    }

    /// The counters so far.
    public var counters: BlkCounters { metrics.snapshot }

    /// Queues of the current connection (0 when detached).
    public var queueCount: Int {
        connection.withLock { c in
            if case .attached(_, let queues) = c { return queues.count }
            return 0
        }
    }

    // MARK: - Connection

    /// Connects to the frontend's rings: `ringRefs[q]` are queue q's ring
    /// grant references (`ring-ref`, or `ring-ref0..` when the frontend wrote
    /// `ring-page-order`, under `queue-q/` when it wrote
    /// `multi-queue-num-queues` > 1), each `1 << ringPageOrder` long.
    /// `protocol` is the frontend's `protocol` node (nil if absent).
    ///
    /// Linux: `connect_ring` / `read_per_ring_refs` / `xen_blkif_map`.
    public func attach(grants: GrantAccess, ringRefs: [[GrantRef]], ringPageOrder: Int = 0,
                       protocol proto: String? = nil) throws(BlkAttachError) {
        if let proto, !proto.isEmpty, proto != BlkifProtocol.x86_64.rawValue {
            throw .protocolUnsupported(proto)
        }
        guard (1...options.maxQueues).contains(ringRefs.count) else {
            throw .queueCount(requested: ringRefs.count, max: options.maxQueues)
        }
        guard (0...options.maxRingPageOrder).contains(ringPageOrder) else {
            throw .ringPageOrder(requested: ringPageOrder, max: options.maxRingPageOrder)
        }
        let pages = 1 << ringPageOrder
        for (q, refs) in ringRefs.enumerated() where refs.count != pages {
            throw .ringRefCount(queue: q, expected: pages, got: refs.count)
        }
        try connection.withLock { (c) throws(BlkAttachError) in
            if case .attached = c { throw .alreadyAttached }
            var rings: [BlkifRing] = []
            for (q, refs) in ringRefs.enumerated() {
                do throws(BlkAttachError) {
                    rings.append(try BlkifRing(grants: grants, refs: refs))
                } catch {
                    for i in rings.indices { rings[i].detach() }
                    throw .queue(q, error)
                }
            }
            c = .attached(grants: grants, queues: rings.enumerated().map { BlkQueue(index: $0.offset, ring: $0.element) })
        }
        logger.info("connected: \(ringRefs.count) queue(s), \(pages)-page ring(s), \(sectors) sectors\(readOnly ? ", read-only" : "")")
    }

    /// Disconnects: halts every ring and unpins its pages. A `process`
    /// running on a queue finishes its current batch first. Idempotent.
    ///
    /// Linux: `xen_blkif_disconnect`.
    public func detach() {
        let queues: [BlkQueue] = connection.withLock { c in
            defer { c = .detached }
            if case .attached(_, let queues) = c { return queues }
            return []
        }
        for q in queues {
            q.ring.withLock { $0.detach() }
        }
    }

    /// Makes every answered write durable (fdatasync of the image), for
    /// the end of the domain. Read-only images have nothing to flush.
    public func flush() throws(HostErrno) {
        guard !readOnly else { return }
        try image.flush()
    }

    // MARK: - Processing

    /// What one `process` call did.
    public struct ProcessResult: Equatable, Sendable {
        /// Send an event on this queue's event channel: a response passed
        /// the frontend's `rsp_event`.
        public var notify: Bool = false
        /// The per-call budget ran out with requests left: call `process`
        /// again (after letting others run) without waiting for an event.
        public var moreWork: Bool = false
        /// Requests answered by this call.
        public var handled: Int = 0
        /// The ring is halted (protocol violation or detached); it stays
        /// halted until the next attach. The xenbus layer should report it.
        public var fault: BlkifRingFault?
    }

    /// Consumes every request available on `queue` (and those arriving
    /// meanwhile, up to the budget), answers each, and re-arms `req_event`
    /// (`RING_FINAL_CHECK_FOR_REQUESTS`).
    ///
    /// Linux: `do_block_io_op` / `__do_block_io_op`.
    public func process(queue: Int = 0) -> ProcessResult {
        let found: (GrantAccess, BlkQueue)? = connection.withLock { c in
            guard case .attached(let grants, let queues) = c, queues.indices.contains(queue) else { return nil }
            return (grants, queues[queue])
        }
        guard let (grants, q) = found else {
            return ProcessResult(fault: .detached)
        }
        return q.ring.withLock { ring in
            var result = ProcessResult()
            if let fault = ring.fault {
                result.fault = fault
                return result
            }
            drain(&ring, &result, grants: grants)
            if let fault = ring.fault {
                // Raised by this call: report it once. A frontend can
                // reconnect and do it again, so the log is once per kind.
                result.fault = fault
                metrics.update { $0.ringStops += 1 }
                metrics.logOnce(logger, key: "ring-\(fault.kind)", "queue \(queue): \(fault)")
            }
            return result
        }
    }

    /// The consume loop of one `process` call: batches of requests up to
    /// one read of `req_prod` each, then the final check; stops early on a
    /// ring fault or when the budget is spent (leaving `req_event` alone,
    /// since the caller comes back).
    private func drain(_ ring: inout BlkifRing, _ result: inout ProcessResult, grants: GrantAccess) {
        let budget = max(1, options.requestsPerProcess ?? Int(ring.size) * 4)
        while true {
            guard let pending = ring.unconsumedRequests() else { return }
            for _ in 0..<pending {
                guard result.handled < budget else {
                    metrics.update { $0.budgetExhausted += 1 }
                    result.moreWork = true
                    return
                }
                guard let entry = ring.takeRequest() else { return }
                let response = dispatch(entry, grants: grants)
                if ring.pushResponse(response) { result.notify = true }
                result.handled += 1
            }
            if !ring.finalCheckForRequests() { return }
        }
    }
}

/// One queue's ring, behind its own lock.
final class BlkQueue: Sendable {
    let index: Int
    let ring: Mutex<BlkifRing>

    init(index: Int, ring: consuming BlkifRing) {
        self.index = index
        self.ring = Mutex(ring)
    }
}
