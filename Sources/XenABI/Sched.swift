// Xen: public/sched.h. Scheduler commands, shutdown reasons and arguments.

/// A command of the `sched_op` hypercall.
public struct SchedOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Give up the CPU but stay runnable.
    ///
    /// Xen: `SCHEDOP_yield`, public/sched.h.
    public static let yield = SchedOp(rawValue: 0)

    /// Block until an event is pending (unmasks upcalls).
    ///
    /// Xen: `SCHEDOP_block`, public/sched.h.
    public static let block = SchedOp(rawValue: 1)

    /// Stop the domain; the argument is a `sched_shutdown`.
    ///
    /// Xen: `SCHEDOP_shutdown`, public/sched.h.
    public static let shutdown = SchedOp(rawValue: 2)

    /// Block until one of some ports is pending or a timeout.
    ///
    /// Xen: `SCHEDOP_poll`, public/sched.h.
    public static let poll = SchedOp(rawValue: 3)

    /// Shut another domain down.
    ///
    /// Xen: `SCHEDOP_remote_shutdown`, public/sched.h.
    public static let remoteShutdown = SchedOp(rawValue: 4)

    /// Record the reason a later shutdown will report.
    ///
    /// Xen: `SCHEDOP_shutdown_code`, public/sched.h.
    public static let shutdownCode = SchedOp(rawValue: 5)

    /// Create, feed or destroy a watchdog.
    ///
    /// Xen: `SCHEDOP_watchdog`, public/sched.h.
    public static let watchdog = SchedOp(rawValue: 6)

    /// Temporarily pin the vCPU to a physical CPU (dom0).
    ///
    /// Xen: `SCHEDOP_pin_override`, public/sched.h.
    public static let pinOverride = SchedOp(rawValue: 7)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "SCHEDOP_yield"
        case 1: return "SCHEDOP_block"
        case 2: return "SCHEDOP_shutdown"
        case 3: return "SCHEDOP_poll"
        case 4: return "SCHEDOP_remote_shutdown"
        case 5: return "SCHEDOP_shutdown_code"
        case 6: return "SCHEDOP_watchdog"
        case 7: return "SCHEDOP_pin_override"
        default: return "unknown"
        }
    }
}

/// Why a domain shut down.
public struct ShutdownReason: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Exited normally.
    ///
    /// Xen: `SHUTDOWN_poweroff`, public/sched.h.
    public static let poweroff = ShutdownReason(rawValue: 0)

    /// Wants to be restarted.
    ///
    /// Xen: `SHUTDOWN_reboot`, public/sched.h.
    public static let reboot = ShutdownReason(rawValue: 1)

    /// Suspended; its state was saved.
    ///
    /// Xen: `SHUTDOWN_suspend`, public/sched.h.
    public static let suspend = ShutdownReason(rawValue: 2)

    /// Crashed.
    ///
    /// Xen: `SHUTDOWN_crash`, public/sched.h.
    public static let crash = ShutdownReason(rawValue: 3)

    /// A watchdog expired.
    ///
    /// Xen: `SHUTDOWN_watchdog`, public/sched.h.
    public static let watchdog = ShutdownReason(rawValue: 4)

    /// Wants a soft reset (kexec).
    ///
    /// Xen: `SHUTDOWN_soft_reset`, public/sched.h.
    public static let softReset = ShutdownReason(rawValue: 5)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "SHUTDOWN_poweroff"
        case 1: return "SHUTDOWN_reboot"
        case 2: return "SHUTDOWN_suspend"
        case 3: return "SHUTDOWN_crash"
        case 4: return "SHUTDOWN_watchdog"
        case 5: return "SHUTDOWN_soft_reset"
        default: return "unknown"
        }
    }

    /// The largest valid reason.
    ///
    /// Xen: `SHUTDOWN_MAX`, public/sched.h.
    public static let max = ShutdownReason.softReset
}

/// Argument of `SCHEDOP_shutdown` and `SCHEDOP_shutdown_code`.
///
/// Xen: `struct sched_shutdown`, public/sched.h.
public struct SchedShutdown: Equatable, Sendable {
    /// Xen: `reason`; a `ShutdownReason`.
    public var reason: UInt32

    /// `sizeof(struct sched_shutdown)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `reason`.
        public static let reason = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        reason: UInt32 = 0
    ) {
        self.reason = reason
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `SchedShutdown.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.reason = unsafe raw.loadUnaligned(fromByteOffset: Offset.reason, as: UInt32.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `SchedShutdown.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: reason, toByteOffset: Offset.reason, as: UInt32.self)
    }
}

/// Argument of `SCHEDOP_poll`.
///
/// Xen: `struct sched_poll`, public/sched.h.
public struct SchedPoll: Equatable, Sendable {
    /// Xen: `ports`; guest address of an array of `evtchn_port_t`.
    public var ports: UInt64
    /// Xen: `nr_ports`.
    public var nrPorts: UInt32
    /// Xen: `timeout`; absolute system time in ns, 0 for none.
    public var timeout: UInt64

    /// `sizeof(struct sched_poll)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `ports`.
        public static let ports = 0
        /// Xen: `nr_ports`.
        public static let nrPorts = 8
        /// Xen: `timeout`.
        public static let timeout = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        ports: UInt64 = 0,
        nrPorts: UInt32 = 0,
        timeout: UInt64 = 0
    ) {
        self.ports = ports
        self.nrPorts = nrPorts
        self.timeout = timeout
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `SchedPoll.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.ports = unsafe raw.loadUnaligned(fromByteOffset: Offset.ports, as: UInt64.self)
        self.nrPorts = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrPorts, as: UInt32.self)
        self.timeout = unsafe raw.loadUnaligned(fromByteOffset: Offset.timeout, as: UInt64.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `SchedPoll.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: ports, toByteOffset: Offset.ports, as: UInt64.self)
        unsafe raw.storeBytes(of: nrPorts, toByteOffset: Offset.nrPorts, as: UInt32.self)
        unsafe raw.storeBytes(of: timeout, toByteOffset: Offset.timeout, as: UInt64.self)
    }
}

/// Argument of `SCHEDOP_remote_shutdown`.
///
/// Xen: `struct sched_remote_shutdown`, public/sched.h.
public struct SchedRemoteShutdown: Equatable, Sendable {
    /// Xen: `domain_id`.
    public var domainID: DomID
    /// Xen: `reason`.
    public var reason: UInt32

    /// `sizeof(struct sched_remote_shutdown)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `domain_id`.
        public static let domainID = 0
        /// Xen: `reason`.
        public static let reason = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        domainID: DomID = DomID(rawValue: 0),
        reason: UInt32 = 0
    ) {
        self.domainID = domainID
        self.reason = reason
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `SchedRemoteShutdown.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.domainID = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domainID, as: UInt16.self))
        self.reason = unsafe raw.loadUnaligned(fromByteOffset: Offset.reason, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `SchedRemoteShutdown.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: domainID.rawValue, toByteOffset: Offset.domainID, as: UInt16.self)
        unsafe raw.storeBytes(of: reason, toByteOffset: Offset.reason, as: UInt32.self)
    }
}

/// Argument of `SCHEDOP_watchdog`: `id` 0 with a timeout creates one, a
/// non-zero `id` with a timeout feeds it, with timeout 0 destroys it.
///
/// Xen: `struct sched_watchdog`, public/sched.h.
public struct SchedWatchdog: Equatable, Sendable {
    /// Xen: `id`.
    public var id: UInt32
    /// Xen: `timeout`; seconds.
    public var timeout: UInt32

    /// `sizeof(struct sched_watchdog)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `id`.
        public static let id = 0
        /// Xen: `timeout`.
        public static let timeout = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        id: UInt32 = 0,
        timeout: UInt32 = 0
    ) {
        self.id = id
        self.timeout = timeout
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `SchedWatchdog.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.id = unsafe raw.loadUnaligned(fromByteOffset: Offset.id, as: UInt32.self)
        self.timeout = unsafe raw.loadUnaligned(fromByteOffset: Offset.timeout, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `SchedWatchdog.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: id, toByteOffset: Offset.id, as: UInt32.self)
        unsafe raw.storeBytes(of: timeout, toByteOffset: Offset.timeout, as: UInt32.self)
    }
}

/// Argument of `SCHEDOP_pin_override`.
///
/// Xen: `struct sched_pin_override`, public/sched.h.
public struct SchedPinOverride: Equatable, Sendable {
    /// Xen: `pcpu`; -1 removes the override.
    public var pcpu: Int32

    /// `sizeof(struct sched_pin_override)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `pcpu`.
        public static let pcpu = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        pcpu: Int32 = 0
    ) {
        self.pcpu = pcpu
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `SchedPinOverride.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.pcpu = unsafe raw.loadUnaligned(fromByteOffset: Offset.pcpu, as: Int32.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `SchedPinOverride.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: pcpu, toByteOffset: Offset.pcpu, as: Int32.self)
    }
}
