// Counters of one vbd, named after Linux blkback's sysfs statistics
// (drivers/block/xen-blkback/xenbus.c: oo_req, rd_req, wr_req, f_req,
// ds_req, rd_sect, wr_sect), plus what we refuse and why. Also the
// log-once gate for guest-triggerable messages (STYLE.md §5).
import Logging
import Synchronization

/// A snapshot of a vbd's counters.
public struct BlkCounters: Equatable, Sendable {
    /// Read requests (direct and indirect).
    public var rdReq: UInt64 = 0
    /// Write requests (direct and indirect).
    public var wrReq: UInt64 = 0
    /// Flush and barrier requests.
    public var fReq: UInt64 = 0
    /// Discard requests.
    public var dsReq: UInt64 = 0
    /// Sectors read.
    public var rdSect: UInt64 = 0
    /// Sectors written.
    public var wrSect: UInt64 = 0
    /// Requests that used BLKIF_OP_INDIRECT.
    public var indirectReq: UInt64 = 0
    /// Responses with BLKIF_RSP_ERROR.
    public var errors: UInt64 = 0
    /// Responses with BLKIF_RSP_EOPNOTSUPP.
    public var unsupported: UInt64 = 0
    /// Rings halted for a protocol violation.
    public var ringStops: UInt64 = 0
    /// Times `process` returned early with work left (fairness budget).
    public var budgetExhausted: UInt64 = 0

    public init() {}
}

/// The live counters and the log-once state of one vbd.
final class BlkMetrics: Sendable {
    private let counters = Mutex(BlkCounters())
    private let logged = Mutex(Set<String>())

    var snapshot: BlkCounters { counters.withLock { $0 } }

    func update(_ body: (inout BlkCounters) -> Void) {
        counters.withLock { body(&$0) }
    }

    /// Logs `message` at warning level the first time `key` is seen, at
    /// debug level afterwards, so a guest cannot flood the log.
    func logOnce(_ logger: Logger, key: String, _ message: @autoclosure () -> String) {
        let first = logged.withLock { $0.insert(key).inserted }
        if first {
            logger.warning("\(message()) (further occurrences at debug level)")
        } else {
            logger.debug("\(message())")
        }
    }
}
