// Xen: public/vcpu.h. vCPU commands, runstate and timer arguments.

/// A command of the `vcpu_op` hypercall.
public struct VCPUOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Set the initial state of a vCPU from a `vcpu_guest_context`.
    ///
    /// Xen: `VCPUOP_initialise`, public/vcpu.h.
    public static let initialise = VCPUOp(rawValue: 0)

    /// Start an initialised vCPU.
    ///
    /// Xen: `VCPUOP_up`, public/vcpu.h.
    public static let up = VCPUOp(rawValue: 1)

    /// Stop a vCPU.
    ///
    /// Xen: `VCPUOP_down`, public/vcpu.h.
    public static let down = VCPUOp(rawValue: 2)

    /// Return 1 if a vCPU is up, else 0.
    ///
    /// Xen: `VCPUOP_is_up`, public/vcpu.h.
    public static let isUp = VCPUOp(rawValue: 3)

    /// Copy out a `vcpu_runstate_info`.
    ///
    /// Xen: `VCPUOP_get_runstate_info`, public/vcpu.h.
    public static let getRunstateInfo = VCPUOp(rawValue: 4)

    /// Have Xen keep a `vcpu_runstate_info` up to date at a guest address.
    ///
    /// Xen: `VCPUOP_register_runstate_memory_area`, public/vcpu.h.
    public static let registerRunstateMemoryArea = VCPUOp(rawValue: 5)

    /// Start a periodic VIRQ_TIMER.
    ///
    /// Xen: `VCPUOP_set_periodic_timer`, public/vcpu.h.
    public static let setPeriodicTimer = VCPUOp(rawValue: 6)

    /// Stop the periodic timer.
    ///
    /// Xen: `VCPUOP_stop_periodic_timer`, public/vcpu.h.
    public static let stopPeriodicTimer = VCPUOp(rawValue: 7)

    /// Arm a one-shot VIRQ_TIMER.
    ///
    /// Xen: `VCPUOP_set_singleshot_timer`, public/vcpu.h.
    public static let setSingleshotTimer = VCPUOp(rawValue: 8)

    /// Disarm the one-shot timer.
    ///
    /// Xen: `VCPUOP_stop_singleshot_timer`, public/vcpu.h.
    public static let stopSingleshotTimer = VCPUOp(rawValue: 9)

    /// Move the vCPU's `vcpu_info` to a guest page.
    ///
    /// Xen: `VCPUOP_register_vcpu_info`, public/vcpu.h.
    public static let registerVCPUInfo = VCPUOp(rawValue: 10)

    /// Send an NMI to a vCPU.
    ///
    /// Xen: `VCPUOP_send_nmi`, public/vcpu.h.
    public static let sendNMI = VCPUOp(rawValue: 11)

    /// Return the physical CPU id (dom0).
    ///
    /// Xen: `VCPUOP_get_physid`, public/vcpu.h.
    public static let getPhysid = VCPUOp(rawValue: 12)

    /// Have Xen keep a second `vcpu_time_info` at a guest address.
    ///
    /// Xen: `VCPUOP_register_vcpu_time_memory_area`, public/vcpu.h.
    public static let registerVCPUTimeMemoryArea = VCPUOp(rawValue: 13)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "VCPUOP_initialise"
        case 1: return "VCPUOP_up"
        case 2: return "VCPUOP_down"
        case 3: return "VCPUOP_is_up"
        case 4: return "VCPUOP_get_runstate_info"
        case 5: return "VCPUOP_register_runstate_memory_area"
        case 6: return "VCPUOP_set_periodic_timer"
        case 7: return "VCPUOP_stop_periodic_timer"
        case 8: return "VCPUOP_set_singleshot_timer"
        case 9: return "VCPUOP_stop_singleshot_timer"
        case 10: return "VCPUOP_register_vcpu_info"
        case 11: return "VCPUOP_send_nmi"
        case 12: return "VCPUOP_get_physid"
        case 13: return "VCPUOP_register_vcpu_time_memory_area"
        default: return "unknown"
        }
    }
}

/// The `state` of `vcpu_runstate_info`.
public struct RunstateState: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Running on a physical CPU.
    ///
    /// Xen: `RUNSTATE_running`, public/vcpu.h.
    public static let running = RunstateState(rawValue: 0)

    /// Runnable, waiting for a CPU.
    ///
    /// Xen: `RUNSTATE_runnable`, public/vcpu.h.
    public static let runnable = RunstateState(rawValue: 1)

    /// Blocked on an event.
    ///
    /// Xen: `RUNSTATE_blocked`, public/vcpu.h.
    public static let blocked = RunstateState(rawValue: 2)

    /// Down or paused.
    ///
    /// Xen: `RUNSTATE_offline`, public/vcpu.h.
    public static let offline = RunstateState(rawValue: 3)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "RUNSTATE_running"
        case 1: return "RUNSTATE_runnable"
        case 2: return "RUNSTATE_blocked"
        case 3: return "RUNSTATE_offline"
        default: return "unknown"
        }
    }
}

/// Constants of public/vcpu.h.
public enum VCPUConstants {
    /// Set in `state_entry_time` while Xen updates a mapped runstate area.
    ///
    /// Xen: `XEN_RUNSTATE_UPDATE`, public/vcpu.h.
    public static let runstateUpdate: UInt64 = 1 << 63

    /// Fail with `ETIME` if the single-shot timeout is already past.
    ///
    /// Xen: `VCPU_SSHOTTMR_future`, public/vcpu.h.
    public static let sshottmrFuture: UInt32 = 1 << 0
}

/// Where a vCPU has spent its time.
///
/// Xen: `struct vcpu_runstate_info`, public/vcpu.h.
public struct VCPURunstateInfo: Sendable {
    /// Xen: `state`; a `RunstateState`.
    public var state: Int32
    /// Xen: `state_entry_time`; system time the state was entered (ns), with `XEN_RUNSTATE_UPDATE`.
    public var stateEntryTime: UInt64
    /// Xen: `time`; ns spent in each `RunstateState`.
    public var time: (UInt64, UInt64, UInt64, UInt64)

    /// `sizeof(struct vcpu_runstate_info)` on x86_64.
    public static let size = 48

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `state`.
        public static let state = 0
        /// Xen: `state_entry_time`.
        public static let stateEntryTime = 8
        /// Xen: `time`.
        public static let time = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        state: Int32 = 0,
        stateEntryTime: UInt64 = 0,
        time: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    ) {
        self.state = state
        self.stateEntryTime = stateEntryTime
        self.time = time
    }

    /// Reads the fields from `48` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPURunstateInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.state = unsafe raw.loadUnaligned(fromByteOffset: Offset.state, as: Int32.self)
        self.stateEntryTime = unsafe raw.loadUnaligned(fromByteOffset: Offset.stateEntryTime, as: UInt64.self)
        self.time = unsafe (
            raw.loadUnaligned(fromByteOffset: Offset.time + 0, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.time + 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.time + 16, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.time + 24, as: UInt64.self))
    }

    /// Writes the fields into `48` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPURunstateInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: state, toByteOffset: Offset.state, as: Int32.self)
        unsafe raw.storeBytes(of: stateEntryTime, toByteOffset: Offset.stateEntryTime, as: UInt64.self)
        unsafe raw.storeBytes(of: time.0, toByteOffset: Offset.time + 0, as: UInt64.self)
        unsafe raw.storeBytes(of: time.1, toByteOffset: Offset.time + 8, as: UInt64.self)
        unsafe raw.storeBytes(of: time.2, toByteOffset: Offset.time + 16, as: UInt64.self)
        unsafe raw.storeBytes(of: time.3, toByteOffset: Offset.time + 24, as: UInt64.self)
    }
}

extension VCPURunstateInfo: Equatable {
    public static func == (lhs: VCPURunstateInfo, rhs: VCPURunstateInfo) -> Bool {
        lhs.state == rhs.state
            && lhs.stateEntryTime == rhs.stateEntryTime
            && lhs.time.0 == rhs.time.0
            && lhs.time.1 == rhs.time.1
            && lhs.time.2 == rhs.time.2
            && lhs.time.3 == rhs.time.3
    }
}

/// Argument of `VCPUOP_register_runstate_memory_area`.
///
/// Xen: `struct vcpu_register_runstate_memory_area`, public/vcpu.h.
public struct VCPURegisterRunstateMemoryArea: Equatable, Sendable {
    /// Xen: `addr`; guest virtual address of a `vcpu_runstate_info`.
    public var addr: UInt64

    /// `sizeof(struct vcpu_register_runstate_memory_area)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `addr.p`.
        public static let addr = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        addr: UInt64 = 0
    ) {
        self.addr = addr
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPURegisterRunstateMemoryArea.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.addr = unsafe raw.loadUnaligned(fromByteOffset: Offset.addr, as: UInt64.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPURegisterRunstateMemoryArea.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: addr, toByteOffset: Offset.addr, as: UInt64.self)
    }
}

/// Argument of `VCPUOP_set_periodic_timer`.
///
/// Xen: `struct vcpu_set_periodic_timer`, public/vcpu.h.
public struct VCPUSetPeriodicTimer: Equatable, Sendable {
    /// Xen: `period_ns`.
    public var periodNs: UInt64

    /// `sizeof(struct vcpu_set_periodic_timer)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `period_ns`.
        public static let periodNs = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        periodNs: UInt64 = 0
    ) {
        self.periodNs = periodNs
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPUSetPeriodicTimer.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.periodNs = unsafe raw.loadUnaligned(fromByteOffset: Offset.periodNs, as: UInt64.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPUSetPeriodicTimer.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: periodNs, toByteOffset: Offset.periodNs, as: UInt64.self)
    }
}

/// Argument of `VCPUOP_set_singleshot_timer`.
///
/// Xen: `struct vcpu_set_singleshot_timer`, public/vcpu.h.
public struct VCPUSetSingleshotTimer: Equatable, Sendable {
    /// Xen: `timeout_abs_ns`; absolute system time in ns.
    public var timeoutAbsNs: UInt64
    /// Xen: `flags`; `VCPU_SSHOTTMR_*`.
    public var flags: UInt32

    /// `sizeof(struct vcpu_set_singleshot_timer)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `timeout_abs_ns`.
        public static let timeoutAbsNs = 0
        /// Xen: `flags`.
        public static let flags = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        timeoutAbsNs: UInt64 = 0,
        flags: UInt32 = 0
    ) {
        self.timeoutAbsNs = timeoutAbsNs
        self.flags = flags
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPUSetSingleshotTimer.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.timeoutAbsNs = unsafe raw.loadUnaligned(fromByteOffset: Offset.timeoutAbsNs, as: UInt64.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt32.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPUSetSingleshotTimer.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: timeoutAbsNs, toByteOffset: Offset.timeoutAbsNs, as: UInt64.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt32.self)
    }
}

/// Argument of `VCPUOP_register_vcpu_info`.
///
/// Xen: `struct vcpu_register_vcpu_info`, public/vcpu.h.
public struct VCPURegisterVCPUInfo: Equatable, Sendable {
    /// Xen: `mfn`; the page that will hold the `vcpu_info`.
    public var mfn: UInt64
    /// Xen: `offset`; its offset in the page (the structure must not cross the page).
    public var offset: UInt32
    /// Xen: `rsvd`.
    public var rsvd: UInt32

    /// `sizeof(struct vcpu_register_vcpu_info)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `mfn`.
        public static let mfn = 0
        /// Xen: `offset`.
        public static let offset = 8
        /// Xen: `rsvd`.
        public static let rsvd = 12
    }

    /// Creates the value; omitted fields are zero.
    public init(
        mfn: UInt64 = 0,
        offset: UInt32 = 0,
        rsvd: UInt32 = 0
    ) {
        self.mfn = mfn
        self.offset = offset
        self.rsvd = rsvd
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPURegisterVCPUInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.mfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.mfn, as: UInt64.self)
        self.offset = unsafe raw.loadUnaligned(fromByteOffset: Offset.offset, as: UInt32.self)
        self.rsvd = unsafe raw.loadUnaligned(fromByteOffset: Offset.rsvd, as: UInt32.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPURegisterVCPUInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: mfn, toByteOffset: Offset.mfn, as: UInt64.self)
        unsafe raw.storeBytes(of: offset, toByteOffset: Offset.offset, as: UInt32.self)
        unsafe raw.storeBytes(of: rsvd, toByteOffset: Offset.rsvd, as: UInt32.self)
    }
}

/// Argument of `VCPUOP_get_physid`.
///
/// Xen: `struct vcpu_get_physid`, public/vcpu.h.
public struct VCPUGetPhysid: Equatable, Sendable {
    /// Xen: `phys_id`.
    public var physID: UInt64

    /// `sizeof(struct vcpu_get_physid)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `phys_id`.
        public static let physID = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        physID: UInt64 = 0
    ) {
        self.physID = physID
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPUGetPhysid.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.physID = unsafe raw.loadUnaligned(fromByteOffset: Offset.physID, as: UInt64.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPUGetPhysid.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: physID, toByteOffset: Offset.physID, as: UInt64.self)
    }
}

/// Argument of `VCPUOP_register_vcpu_time_memory_area`.
///
/// Xen: `struct vcpu_register_time_memory_area`, public/vcpu.h.
public struct VCPURegisterTimeMemoryArea: Equatable, Sendable {
    /// Xen: `addr`; guest virtual address of a `vcpu_time_info`.
    public var addr: UInt64

    /// `sizeof(struct vcpu_register_time_memory_area)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `addr.p`.
        public static let addr = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        addr: UInt64 = 0
    ) {
        self.addr = addr
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPURegisterTimeMemoryArea.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.addr = unsafe raw.loadUnaligned(fromByteOffset: Offset.addr, as: UInt64.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPURegisterTimeMemoryArea.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: addr, toByteOffset: Offset.addr, as: UInt64.self)
    }
}
