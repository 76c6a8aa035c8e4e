// Counters of one console backend, and the log-once gate for what a guest
// or a host client can trigger (STYLE.md §5).
import Logging
import Synchronization

/// A snapshot of a console's counters.
public struct ConsoleCounters: Equatable, Sendable {
    /// Bytes the guest wrote that reached the host end.
    public var bytesOut: UInt64 = 0
    /// Bytes of host input put into the guest's ring.
    public var bytesIn: UInt64 = 0
    /// Guest output dropped: the buffer was full with nobody reading.
    public var droppedOut: UInt64 = 0
    /// Bytes lost to bogus ring indices (output dropped by the ring, or
    /// pending input discarded).
    public var droppedByRingFaults: UInt64 = 0
    /// Times the ring's indices were found bogus.
    public var ringFaults: UInt64 = 0
    /// Socket clients accepted.
    public var clients: UInt64 = 0

    public init() {}
}

/// The live counters and the log-once state of one console.
final class ConsoleMetrics: Sendable {
    private let counters = Mutex(ConsoleCounters())
    private let logged = Mutex(Set<String>())

    var snapshot: ConsoleCounters { counters.withLock { $0 } }

    func update(_ body: (inout ConsoleCounters) -> Void) {
        counters.withLock { body(&$0) }
    }

    /// Logs `message` at warning level the first time `key` is seen, at
    /// debug level afterwards.
    func logOnce(_ logger: Logger, key: String, _ message: @autoclosure () -> String) {
        let first = logged.withLock { $0.insert(key).inserted }
        if first {
            logger.warning("\(message()) (further occurrences at debug level)")
        } else {
            logger.debug("\(message())")
        }
    }
}
