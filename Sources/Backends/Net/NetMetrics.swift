// Counters of one vif, named after Linux netback's statistics (struct
// xenvif_stats and the netdev counters: rx/tx packets and bytes, the
// gso-checksum fixups), plus what we refuse and why; and the rate limiter
// for guest-triggerable log lines (STYLE.md §5, firecracker
// src/vmm/src/logger/rate_limited.rs). "tx" is the guest's transmit
// direction (frontend to host), "rx" its receive direction.
import Logging
import Synchronization

/// A snapshot of a vif's counters.
public struct NetCounters: Equatable, Sendable {
    /// Packets the guest sent that reached the host device.
    public var txPackets: UInt64 = 0
    /// Their bytes (Ethernet frames, without the virtio header).
    public var txBytes: UInt64 = 0
    /// Of those, GSO (TSO) packets.
    public var txGSO: UInt64 = 0
    /// Transmit slots consumed (data and extra-info).
    public var txSlots: UInt64 = 0
    /// Packets answered with an error (malformed, bad grant, device refusal).
    public var txErrors: UInt64 = 0
    /// Multicast filter changes answered.
    public var txMulticast: UInt64 = 0
    /// GSO packets without NETTXF_csum_blank whose pseudo-header checksum
    /// was recomputed (netback's `rx_gso_checksum_fixup`).
    public var txGSOChecksumFixup: UInt64 = 0
    /// Frames delivered to the guest.
    public var rxPackets: UInt64 = 0
    /// Their bytes.
    public var rxBytes: UInt64 = 0
    /// Of those, GSO frames (with a GSO extra-info slot).
    public var rxGSO: UInt64 = 0
    /// Receive slots used (data and extra-info).
    public var rxSlots: UInt64 = 0
    /// Frames from the host not delivered (see NetRxDrop).
    public var rxDropped: UInt64 = 0
    /// Blank checksums completed in software before delivery.
    public var rxChecksumCompleted: UInt64 = 0
    /// Times a frame waited for the guest to post receive buffers.
    public var rxWaits: UInt64 = 0
    /// Events asked of the transmit / receive event channels.
    public var txNotifies: UInt64 = 0
    public var rxNotifies: UInt64 = 0
    /// `process` calls, and those that stopped with work left (budget).
    public var processCalls: UInt64 = 0
    public var budgetExhausted: UInt64 = 0
    /// Queues halted for a protocol violation.
    public var queueFaults: UInt64 = 0

    public init() {}
}

/// The live counters and the log rate limiter of one vif.
final class NetMetrics: Sendable {
    private struct Limit {
        var last: ContinuousClock.Instant
        var suppressed: Int
    }

    /// At most one line per kind of message in this interval.
    static let logInterval: Duration = .seconds(5)

    private let counters = Mutex(NetCounters())
    private let limits = Mutex([String: Limit]())

    var snapshot: NetCounters { counters.withLock { $0 } }

    func update(_ body: (inout NetCounters) -> Void) {
        counters.withLock { body(&$0) }
    }

    /// Logs `message` at warning level unless a message of kind `key` was
    /// logged in the last `logInterval`; the next line that gets through
    /// says how many were suppressed. A guest cannot flood the log.
    func logLimited(_ logger: Logger, key: String, _ message: @autoclosure () -> String) {
        let now = ContinuousClock.now
        let suppressed: Int? = limits.withLock { table in
            if var l = table[key], now - l.last < Self.logInterval {
                l.suppressed += 1
                table[key] = l
                return nil
            }
            let count = table[key]?.suppressed ?? 0
            table[key] = Limit(last: now, suppressed: 0)
            return count
        }
        guard let suppressed else { return }
        logger.warning("\(message())\(suppressed > 0 ? " (\(suppressed) similar messages suppressed)" : "")")
    }
}
