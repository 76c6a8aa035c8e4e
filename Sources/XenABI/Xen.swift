// Xen: public/xen.h. Hypercall numbers, VIRQs, domain ids, and the
// start-of-day structures (start_info, shared_info, vcpu_info).

/// A hypercall number, as the guest puts it in RAX (and as it indexes the
/// hypercall page: entry `n` lives at byte `n * 32`).
public struct Hypercall: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Xen: `__HYPERVISOR_set_trap_table`, public/xen.h.
    public static let setTrapTable = Hypercall(rawValue: 0)

    /// Xen: `__HYPERVISOR_mmu_update`, public/xen.h.
    public static let mmuUpdate = Hypercall(rawValue: 1)

    /// Xen: `__HYPERVISOR_set_gdt`, public/xen.h.
    public static let setGDT = Hypercall(rawValue: 2)

    /// Xen: `__HYPERVISOR_stack_switch`, public/xen.h.
    public static let stackSwitch = Hypercall(rawValue: 3)

    /// Xen: `__HYPERVISOR_set_callbacks`, public/xen.h.
    public static let setCallbacks = Hypercall(rawValue: 4)

    /// Xen: `__HYPERVISOR_fpu_taskswitch`, public/xen.h.
    public static let fpuTaskswitch = Hypercall(rawValue: 5)

    /// Old form of `sched_op`.
    ///
    /// Xen: `__HYPERVISOR_sched_op_compat`, public/xen.h.
    public static let schedOpCompat = Hypercall(rawValue: 6)

    /// Xen: `__HYPERVISOR_platform_op`, public/xen.h.
    public static let platformOp = Hypercall(rawValue: 7)

    /// Xen: `__HYPERVISOR_set_debugreg`, public/xen.h.
    public static let setDebugreg = Hypercall(rawValue: 8)

    /// Xen: `__HYPERVISOR_get_debugreg`, public/xen.h.
    public static let getDebugreg = Hypercall(rawValue: 9)

    /// Xen: `__HYPERVISOR_update_descriptor`, public/xen.h.
    public static let updateDescriptor = Hypercall(rawValue: 10)

    /// Xen: `__HYPERVISOR_memory_op`, public/xen.h.
    public static let memoryOp = Hypercall(rawValue: 12)

    /// Xen: `__HYPERVISOR_multicall`, public/xen.h.
    public static let multicall = Hypercall(rawValue: 13)

    /// Xen: `__HYPERVISOR_update_va_mapping`, public/xen.h.
    public static let updateVAMapping = Hypercall(rawValue: 14)

    /// Xen: `__HYPERVISOR_set_timer_op`, public/xen.h.
    public static let setTimerOp = Hypercall(rawValue: 15)

    /// Old form of `event_channel_op` (one `struct evtchn_op` argument).
    ///
    /// Xen: `__HYPERVISOR_event_channel_op_compat`, public/xen.h.
    public static let eventChannelOpCompat = Hypercall(rawValue: 16)

    /// Xen: `__HYPERVISOR_xen_version`, public/xen.h.
    public static let xenVersion = Hypercall(rawValue: 17)

    /// Xen: `__HYPERVISOR_console_io`, public/xen.h.
    public static let consoleIO = Hypercall(rawValue: 18)

    /// Old form of `physdev_op` (one `struct physdev_op` argument).
    ///
    /// Xen: `__HYPERVISOR_physdev_op_compat`, public/xen.h.
    public static let physdevOpCompat = Hypercall(rawValue: 19)

    /// Xen: `__HYPERVISOR_grant_table_op`, public/xen.h.
    public static let grantTableOp = Hypercall(rawValue: 20)

    /// Xen: `__HYPERVISOR_vm_assist`, public/xen.h.
    public static let vmAssist = Hypercall(rawValue: 21)

    /// Xen: `__HYPERVISOR_update_va_mapping_otherdomain`, public/xen.h.
    public static let updateVAMappingOtherdomain = Hypercall(rawValue: 22)

    /// Return from a guest exception frame (x86 only).
    ///
    /// Xen: `__HYPERVISOR_iret`, public/xen.h.
    public static let iret = Hypercall(rawValue: 23)

    /// Xen: `__HYPERVISOR_vcpu_op`, public/xen.h.
    public static let vcpuOp = Hypercall(rawValue: 24)

    /// Set FS or a GS base (x86_64 only).
    ///
    /// Xen: `__HYPERVISOR_set_segment_base`, public/xen.h.
    public static let setSegmentBase = Hypercall(rawValue: 25)

    /// Xen: `__HYPERVISOR_mmuext_op`, public/xen.h.
    public static let mmuextOp = Hypercall(rawValue: 26)

    /// Xen: `__HYPERVISOR_xsm_op`, public/xen.h.
    public static let xsmOp = Hypercall(rawValue: 27)

    /// Xen: `__HYPERVISOR_nmi_op`, public/xen.h.
    public static let nmiOp = Hypercall(rawValue: 28)

    /// Xen: `__HYPERVISOR_sched_op`, public/xen.h.
    public static let schedOp = Hypercall(rawValue: 29)

    /// Xen: `__HYPERVISOR_callback_op`, public/xen.h.
    public static let callbackOp = Hypercall(rawValue: 30)

    /// Xen: `__HYPERVISOR_xenoprof_op`, public/xen.h.
    public static let xenoprofOp = Hypercall(rawValue: 31)

    /// Xen: `__HYPERVISOR_event_channel_op`, public/xen.h.
    public static let eventChannelOp = Hypercall(rawValue: 32)

    /// Xen: `__HYPERVISOR_physdev_op`, public/xen.h.
    public static let physdevOp = Hypercall(rawValue: 33)

    /// Xen: `__HYPERVISOR_hvm_op`, public/xen.h.
    public static let hvmOp = Hypercall(rawValue: 34)

    /// Xen: `__HYPERVISOR_sysctl`, public/xen.h.
    public static let sysctl = Hypercall(rawValue: 35)

    /// Xen: `__HYPERVISOR_domctl`, public/xen.h.
    public static let domctl = Hypercall(rawValue: 36)

    /// Xen: `__HYPERVISOR_kexec_op`, public/xen.h.
    public static let kexecOp = Hypercall(rawValue: 37)

    /// Xen: `__HYPERVISOR_tmem_op`, public/xen.h.
    public static let tmemOp = Hypercall(rawValue: 38)

    /// Xen: `__HYPERVISOR_argo_op`, public/xen.h.
    public static let argoOp = Hypercall(rawValue: 39)

    /// Xen: `__HYPERVISOR_xenpmu_op`, public/xen.h.
    public static let xenpmuOp = Hypercall(rawValue: 40)

    /// Xen: `__HYPERVISOR_dm_op`, public/xen.h.
    public static let dmOp = Hypercall(rawValue: 41)

    /// Xen: `__HYPERVISOR_hypfs_op`, public/xen.h.
    public static let hypfsOp = Hypercall(rawValue: 42)

    /// Xen: `__HYPERVISOR_arch_0`, public/xen.h.
    public static let arch0 = Hypercall(rawValue: 48)

    /// Xen: `__HYPERVISOR_arch_1`, public/xen.h.
    public static let arch1 = Hypercall(rawValue: 49)

    /// Xen: `__HYPERVISOR_arch_2`, public/xen.h.
    public static let arch2 = Hypercall(rawValue: 50)

    /// Xen: `__HYPERVISOR_arch_3`, public/xen.h.
    public static let arch3 = Hypercall(rawValue: 51)

    /// Xen: `__HYPERVISOR_arch_4`, public/xen.h.
    public static let arch4 = Hypercall(rawValue: 52)

    /// Xen: `__HYPERVISOR_arch_5`, public/xen.h.
    public static let arch5 = Hypercall(rawValue: 53)

    /// Xen: `__HYPERVISOR_arch_6`, public/xen.h.
    public static let arch6 = Hypercall(rawValue: 54)

    /// Xen: `__HYPERVISOR_arch_7`, public/xen.h.
    public static let arch7 = Hypercall(rawValue: 55)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "__HYPERVISOR_set_trap_table"
        case 1: return "__HYPERVISOR_mmu_update"
        case 2: return "__HYPERVISOR_set_gdt"
        case 3: return "__HYPERVISOR_stack_switch"
        case 4: return "__HYPERVISOR_set_callbacks"
        case 5: return "__HYPERVISOR_fpu_taskswitch"
        case 6: return "__HYPERVISOR_sched_op_compat"
        case 7: return "__HYPERVISOR_platform_op"
        case 8: return "__HYPERVISOR_set_debugreg"
        case 9: return "__HYPERVISOR_get_debugreg"
        case 10: return "__HYPERVISOR_update_descriptor"
        case 12: return "__HYPERVISOR_memory_op"
        case 13: return "__HYPERVISOR_multicall"
        case 14: return "__HYPERVISOR_update_va_mapping"
        case 15: return "__HYPERVISOR_set_timer_op"
        case 16: return "__HYPERVISOR_event_channel_op_compat"
        case 17: return "__HYPERVISOR_xen_version"
        case 18: return "__HYPERVISOR_console_io"
        case 19: return "__HYPERVISOR_physdev_op_compat"
        case 20: return "__HYPERVISOR_grant_table_op"
        case 21: return "__HYPERVISOR_vm_assist"
        case 22: return "__HYPERVISOR_update_va_mapping_otherdomain"
        case 23: return "__HYPERVISOR_iret"
        case 24: return "__HYPERVISOR_vcpu_op"
        case 25: return "__HYPERVISOR_set_segment_base"
        case 26: return "__HYPERVISOR_mmuext_op"
        case 27: return "__HYPERVISOR_xsm_op"
        case 28: return "__HYPERVISOR_nmi_op"
        case 29: return "__HYPERVISOR_sched_op"
        case 30: return "__HYPERVISOR_callback_op"
        case 31: return "__HYPERVISOR_xenoprof_op"
        case 32: return "__HYPERVISOR_event_channel_op"
        case 33: return "__HYPERVISOR_physdev_op"
        case 34: return "__HYPERVISOR_hvm_op"
        case 35: return "__HYPERVISOR_sysctl"
        case 36: return "__HYPERVISOR_domctl"
        case 37: return "__HYPERVISOR_kexec_op"
        case 38: return "__HYPERVISOR_tmem_op"
        case 39: return "__HYPERVISOR_argo_op"
        case 40: return "__HYPERVISOR_xenpmu_op"
        case 41: return "__HYPERVISOR_dm_op"
        case 42: return "__HYPERVISOR_hypfs_op"
        case 48: return "__HYPERVISOR_arch_0"
        case 49: return "__HYPERVISOR_arch_1"
        case 50: return "__HYPERVISOR_arch_2"
        case 51: return "__HYPERVISOR_arch_3"
        case 52: return "__HYPERVISOR_arch_4"
        case 53: return "__HYPERVISOR_arch_5"
        case 54: return "__HYPERVISOR_arch_6"
        case 55: return "__HYPERVISOR_arch_7"
        default: return "unknown"
        }
    }

    /// Size in bytes of one hypercall page entry.
    public static let pageEntrySize = 32

    /// Byte offset of this hypercall's stub in the hypercall page.
    public var pageOffset: Int { Int(truncatingIfNeeded: rawValue) &* Hypercall.pageEntrySize }
}

/// A virtual interrupt line a guest binds to an event channel with
/// `EVTCHNOP_bind_virq`. Per-vCPU lines may be bound once on each vCPU;
/// global lines once per domain.
public struct VIRQ: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Per vCPU: timer tick or requested timeout.
    ///
    /// Xen: `VIRQ_TIMER`, public/xen.h.
    public static let timer = VIRQ(rawValue: 0)

    /// Per vCPU: dump debug information.
    ///
    /// Xen: `VIRQ_DEBUG`, public/xen.h.
    public static let debug = VIRQ(rawValue: 1)

    /// Global (dom0): bytes on the emergency console.
    ///
    /// Xen: `VIRQ_CONSOLE`, public/xen.h.
    public static let console = VIRQ(rawValue: 2)

    /// Global (dom0): something happened to some domain.
    ///
    /// Xen: `VIRQ_DOM_EXC`, public/xen.h.
    public static let domExc = VIRQ(rawValue: 3)

    /// Global (dom0): trace buffer has records.
    ///
    /// Xen: `VIRQ_TBUF`, public/xen.h.
    public static let tbuf = VIRQ(rawValue: 4)

    /// Global (dom0): a domain paused for debugging.
    ///
    /// Xen: `VIRQ_DEBUGGER`, public/xen.h.
    public static let debugger = VIRQ(rawValue: 6)

    /// Per vCPU: profiling sample available.
    ///
    /// Xen: `VIRQ_XENOPROF`, public/xen.h.
    public static let xenoprof = VIRQ(rawValue: 7)

    /// Global (dom0): bytes on the console ring.
    ///
    /// Xen: `VIRQ_CON_RING`, public/xen.h.
    public static let conRing = VIRQ(rawValue: 8)

    /// Global (dom0): a physical CPU changed state.
    ///
    /// Xen: `VIRQ_PCPU_STATE`, public/xen.h.
    public static let pcpuState = VIRQ(rawValue: 9)

    /// Global (dom0): a memory event.
    ///
    /// Xen: `VIRQ_MEM_EVENT`, public/xen.h.
    public static let memEvent = VIRQ(rawValue: 10)

    /// Global: Argo message notification.
    ///
    /// Xen: `VIRQ_ARGO`, public/xen.h.
    public static let argo = VIRQ(rawValue: 11)

    /// Global (dom0): Xen heap is low.
    ///
    /// Xen: `VIRQ_ENOMEM`, public/xen.h.
    public static let enomem = VIRQ(rawValue: 12)

    /// Per vCPU: PMC interrupt.
    ///
    /// Xen: `VIRQ_XENPMU`, public/xen.h.
    public static let xenpmu = VIRQ(rawValue: 13)

    /// Xen: `VIRQ_ARCH_0`, public/xen.h.
    public static let arch0 = VIRQ(rawValue: 16)

    /// Xen: `VIRQ_ARCH_1`, public/xen.h.
    public static let arch1 = VIRQ(rawValue: 17)

    /// Xen: `VIRQ_ARCH_2`, public/xen.h.
    public static let arch2 = VIRQ(rawValue: 18)

    /// Xen: `VIRQ_ARCH_3`, public/xen.h.
    public static let arch3 = VIRQ(rawValue: 19)

    /// Xen: `VIRQ_ARCH_4`, public/xen.h.
    public static let arch4 = VIRQ(rawValue: 20)

    /// Xen: `VIRQ_ARCH_5`, public/xen.h.
    public static let arch5 = VIRQ(rawValue: 21)

    /// Xen: `VIRQ_ARCH_6`, public/xen.h.
    public static let arch6 = VIRQ(rawValue: 22)

    /// Xen: `VIRQ_ARCH_7`, public/xen.h.
    public static let arch7 = VIRQ(rawValue: 23)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "VIRQ_TIMER"
        case 1: return "VIRQ_DEBUG"
        case 2: return "VIRQ_CONSOLE"
        case 3: return "VIRQ_DOM_EXC"
        case 4: return "VIRQ_TBUF"
        case 6: return "VIRQ_DEBUGGER"
        case 7: return "VIRQ_XENOPROF"
        case 8: return "VIRQ_CON_RING"
        case 9: return "VIRQ_PCPU_STATE"
        case 10: return "VIRQ_MEM_EVENT"
        case 11: return "VIRQ_ARGO"
        case 12: return "VIRQ_ENOMEM"
        case 13: return "VIRQ_XENPMU"
        case 16: return "VIRQ_ARCH_0"
        case 17: return "VIRQ_ARCH_1"
        case 18: return "VIRQ_ARCH_2"
        case 19: return "VIRQ_ARCH_3"
        case 20: return "VIRQ_ARCH_4"
        case 21: return "VIRQ_ARCH_5"
        case 22: return "VIRQ_ARCH_6"
        case 23: return "VIRQ_ARCH_7"
        default: return "unknown"
        }
    }

    /// Number of VIRQ lines; valid values are below this.
    ///
    /// Xen: `NR_VIRQS`, public/xen.h.
    public static let count: UInt32 = 24
}

/// A domain id. Ids at or above `firstReserved` name special domains.
///
/// Xen: `domid_t`, public/xen.h.
public struct DomID: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Ids at or above this are not ordinary domains.
    ///
    /// Xen: `DOMID_FIRST_RESERVED`, public/xen.h.
    public static let firstReserved = DomID(rawValue: 0x7FF0)

    /// The calling domain.
    ///
    /// Xen: `DOMID_SELF`, public/xen.h.
    public static let self_ = DomID(rawValue: 0x7FF0)

    /// Owner of I/O memory; restricts mappings to I/O pages.
    ///
    /// Xen: `DOMID_IO`, public/xen.h.
    public static let io = DomID(rawValue: 0x7FF1)

    /// Owner of Xen's own pages, such as the M2P.
    ///
    /// Xen: `DOMID_XEN`, public/xen.h.
    public static let xen = DomID(rawValue: 0x7FF2)

    /// Owner of shared copy-on-write pages.
    ///
    /// Xen: `DOMID_COW`, public/xen.h.
    public static let cow = DomID(rawValue: 0x7FF3)

    /// No owner.
    ///
    /// Xen: `DOMID_INVALID`, public/xen.h.
    public static let invalid = DomID(rawValue: 0x7FF4)

    /// The idle domain.
    ///
    /// Xen: `DOMID_IDLE`, public/xen.h.
    public static let idle = DomID(rawValue: 0x7FFF)

    /// Mask of the bits a domain id uses.
    ///
    /// Xen: `DOMID_MASK`, public/xen.h.
    public static let mask = DomID(rawValue: 0x7FFF)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0x7FF0: return "DOMID_FIRST_RESERVED"
        case 0x7FF1: return "DOMID_IO"
        case 0x7FF2: return "DOMID_XEN"
        case 0x7FF3: return "DOMID_COW"
        case 0x7FF4: return "DOMID_INVALID"
        case 0x7FFF: return "DOMID_IDLE"
        default: return "unknown"
        }
    }

    /// True for an id below `firstReserved`, which can name an ordinary domain.
    public var isOrdinary: Bool { rawValue < DomID.firstReserved.rawValue }
}

/// The command in bits 1:0 of `mmu_update.ptr`; the remaining bits are the
/// machine address of the entry to change.
public struct MMUUpdateCmd: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Checked write of a page-table entry.
    ///
    /// Xen: `MMU_NORMAL_PT_UPDATE`, public/xen.h.
    public static let normalPTUpdate = MMUUpdateCmd(rawValue: 0)

    /// Set the M2P entry of the frame containing `ptr`.
    ///
    /// Xen: `MMU_MACHPHYS_UPDATE`, public/xen.h.
    public static let machphysUpdate = MMUUpdateCmd(rawValue: 1)

    /// As `normalPTUpdate`, keeping the entry's current Accessed and Dirty bits.
    ///
    /// Xen: `MMU_PT_UPDATE_PRESERVE_AD`, public/xen.h.
    public static let ptUpdatePreserveAD = MMUUpdateCmd(rawValue: 2)

    /// As `normalPTUpdate`, without translating `val` through the foreign domain.
    ///
    /// Xen: `MMU_PT_UPDATE_NO_TRANSLATE`, public/xen.h.
    public static let ptUpdateNoTranslate = MMUUpdateCmd(rawValue: 3)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "MMU_NORMAL_PT_UPDATE"
        case 1: return "MMU_MACHPHYS_UPDATE"
        case 2: return "MMU_PT_UPDATE_PRESERVE_AD"
        case 3: return "MMU_PT_UPDATE_NO_TRANSLATE"
        default: return "unknown"
        }
    }

    /// Mask of the command bits in `mmu_update.ptr`.
    public static let mask: UInt64 = 3
}

/// One request of the `mmu_update` hypercall: bits 1:0 of `ptr` are an
/// `MMUUpdateCmd`, the rest the machine address of the entry to change.
///
/// Xen: `struct mmu_update`, public/xen.h.
public struct MMUUpdate: Equatable, Sendable {
    /// Machine address of the entry, with the command in bits 1:0.
    public var ptr: UInt64
    /// The new contents.
    public var val: UInt64

    /// `sizeof(struct mmu_update)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `ptr`.
        public static let ptr = 0
        /// Xen: `val`.
        public static let val = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        ptr: UInt64 = 0,
        val: UInt64 = 0
    ) {
        self.ptr = ptr
        self.val = val
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `MMUUpdate.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.ptr = unsafe raw.loadUnaligned(fromByteOffset: Offset.ptr, as: UInt64.self)
        self.val = unsafe raw.loadUnaligned(fromByteOffset: Offset.val, as: UInt64.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `MMUUpdate.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: ptr, toByteOffset: Offset.ptr, as: UInt64.self)
        unsafe raw.storeBytes(of: val, toByteOffset: Offset.val, as: UInt64.self)
    }

    /// The command in bits 1:0 of `ptr`.
    public var cmd: MMUUpdateCmd { MMUUpdateCmd(rawValue: ptr & MMUUpdateCmd.mask) }

    /// `ptr` without the command bits.
    public var address: UInt64 { ptr & ~MMUUpdateCmd.mask }
}

/// The command of one `struct mmuext_op` (see `MMUExtOpEntry`).
public struct MMUExtOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Xen: `MMUEXT_PIN_L1_TABLE`, public/xen.h.
    public static let pinL1Table = MMUExtOp(rawValue: 0)

    /// Xen: `MMUEXT_PIN_L2_TABLE`, public/xen.h.
    public static let pinL2Table = MMUExtOp(rawValue: 1)

    /// Xen: `MMUEXT_PIN_L3_TABLE`, public/xen.h.
    public static let pinL3Table = MMUExtOp(rawValue: 2)

    /// `arg1` is the MFN of an L4 table to validate and pin.
    ///
    /// Xen: `MMUEXT_PIN_L4_TABLE`, public/xen.h.
    public static let pinL4Table = MMUExtOp(rawValue: 3)

    /// `arg1` is the MFN of a pinned table.
    ///
    /// Xen: `MMUEXT_UNPIN_TABLE`, public/xen.h.
    public static let unpinTable = MMUExtOp(rawValue: 4)

    /// `arg1` is the MFN of the new kernel L4 table (CR3).
    ///
    /// Xen: `MMUEXT_NEW_BASEPTR`, public/xen.h.
    public static let newBaseptr = MMUExtOp(rawValue: 5)

    /// Xen: `MMUEXT_TLB_FLUSH_LOCAL`, public/xen.h.
    public static let tlbFlushLocal = MMUExtOp(rawValue: 6)

    /// `arg1` is the linear address to flush on this vCPU.
    ///
    /// Xen: `MMUEXT_INVLPG_LOCAL`, public/xen.h.
    public static let invlpgLocal = MMUExtOp(rawValue: 7)

    /// `arg2` is a guest pointer to a vCPU bitmap.
    ///
    /// Xen: `MMUEXT_TLB_FLUSH_MULTI`, public/xen.h.
    public static let tlbFlushMulti = MMUExtOp(rawValue: 8)

    /// `arg1` is the linear address; `arg2` a guest pointer to a vCPU bitmap.
    ///
    /// Xen: `MMUEXT_INVLPG_MULTI`, public/xen.h.
    public static let invlpgMulti = MMUExtOp(rawValue: 9)

    /// Xen: `MMUEXT_TLB_FLUSH_ALL`, public/xen.h.
    public static let tlbFlushAll = MMUExtOp(rawValue: 10)

    /// Xen: `MMUEXT_INVLPG_ALL`, public/xen.h.
    public static let invlpgAll = MMUExtOp(rawValue: 11)

    /// Xen: `MMUEXT_FLUSH_CACHE`, public/xen.h.
    public static let flushCache = MMUExtOp(rawValue: 12)

    /// `arg1` is the LDT linear address; `arg2` the number of entries.
    ///
    /// Xen: `MMUEXT_SET_LDT`, public/xen.h.
    public static let setLDT = MMUExtOp(rawValue: 13)

    /// `arg1` is the MFN of the new user L4 table (x86_64).
    ///
    /// Xen: `MMUEXT_NEW_USER_BASEPTR`, public/xen.h.
    public static let newUserBaseptr = MMUExtOp(rawValue: 15)

    /// `arg1` is the MFN to zero.
    ///
    /// Xen: `MMUEXT_CLEAR_PAGE`, public/xen.h.
    public static let clearPage = MMUExtOp(rawValue: 16)

    /// `arg1` is the destination MFN; `arg2` the source MFN.
    ///
    /// Xen: `MMUEXT_COPY_PAGE`, public/xen.h.
    public static let copyPage = MMUExtOp(rawValue: 17)

    /// Xen: `MMUEXT_FLUSH_CACHE_GLOBAL`, public/xen.h.
    public static let flushCacheGlobal = MMUExtOp(rawValue: 18)

    /// Xen: `MMUEXT_MARK_SUPER`, public/xen.h.
    public static let markSuper = MMUExtOp(rawValue: 19)

    /// Xen: `MMUEXT_UNMARK_SUPER`, public/xen.h.
    public static let unmarkSuper = MMUExtOp(rawValue: 20)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "MMUEXT_PIN_L1_TABLE"
        case 1: return "MMUEXT_PIN_L2_TABLE"
        case 2: return "MMUEXT_PIN_L3_TABLE"
        case 3: return "MMUEXT_PIN_L4_TABLE"
        case 4: return "MMUEXT_UNPIN_TABLE"
        case 5: return "MMUEXT_NEW_BASEPTR"
        case 6: return "MMUEXT_TLB_FLUSH_LOCAL"
        case 7: return "MMUEXT_INVLPG_LOCAL"
        case 8: return "MMUEXT_TLB_FLUSH_MULTI"
        case 9: return "MMUEXT_INVLPG_MULTI"
        case 10: return "MMUEXT_TLB_FLUSH_ALL"
        case 11: return "MMUEXT_INVLPG_ALL"
        case 12: return "MMUEXT_FLUSH_CACHE"
        case 13: return "MMUEXT_SET_LDT"
        case 15: return "MMUEXT_NEW_USER_BASEPTR"
        case 16: return "MMUEXT_CLEAR_PAGE"
        case 17: return "MMUEXT_COPY_PAGE"
        case 18: return "MMUEXT_FLUSH_CACHE_GLOBAL"
        case 19: return "MMUEXT_MARK_SUPER"
        case 20: return "MMUEXT_UNMARK_SUPER"
        default: return "unknown"
        }
    }
}

/// One request of the `mmuext_op` hypercall. The meaning of `arg1` and
/// `arg2` depends on `cmd` (see `MMUExtOp`).
///
/// Xen: `struct mmuext_op`, public/xen.h.
public struct MMUExtOpEntry: Equatable, Sendable {
    /// Xen: `cmd`; an `MMUExtOp`.
    public var cmd: UInt32
    /// Xen: `arg1` (a union of `mfn` and `linear_addr`).
    public var arg1: UInt64
    /// Xen: `arg2` (a union of `nr_ents`, `vcpumask` and `src_mfn`).
    public var arg2: UInt64

    /// `sizeof(struct mmuext_op)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `cmd`.
        public static let cmd = 0
        /// Xen: `arg1`.
        public static let arg1 = 8
        /// Xen: `arg2`.
        public static let arg2 = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        cmd: UInt32 = 0,
        arg1: UInt64 = 0,
        arg2: UInt64 = 0
    ) {
        self.cmd = cmd
        self.arg1 = arg1
        self.arg2 = arg2
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `MMUExtOpEntry.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.cmd = unsafe raw.loadUnaligned(fromByteOffset: Offset.cmd, as: UInt32.self)
        self.arg1 = unsafe raw.loadUnaligned(fromByteOffset: Offset.arg1, as: UInt64.self)
        self.arg2 = unsafe raw.loadUnaligned(fromByteOffset: Offset.arg2, as: UInt64.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `MMUExtOpEntry.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: cmd, toByteOffset: Offset.cmd, as: UInt32.self)
        unsafe raw.storeBytes(of: arg1, toByteOffset: Offset.arg1, as: UInt64.self)
        unsafe raw.storeBytes(of: arg2, toByteOffset: Offset.arg2, as: UInt64.self)
    }
}

/// The flags argument of `update_va_mapping`: a flush type in bits 1:0 and a
/// scope in bit 2; any other value is a guest pointer to a vCPU bitmap
/// (the multi scope).
public struct UVMF: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// No flush.
    ///
    /// Xen: `UVMF_NONE`, public/xen.h.
    public static let none = UVMF(rawValue: 0)

    /// Flush the whole TLB.
    ///
    /// Xen: `UVMF_TLB_FLUSH`, public/xen.h.
    public static let tlbFlush = UVMF(rawValue: 1)

    /// Flush one entry.
    ///
    /// Xen: `UVMF_INVLPG`, public/xen.h.
    public static let invlpg = UVMF(rawValue: 2)

    /// Mask of the flush type.
    ///
    /// Xen: `UVMF_FLUSHTYPE_MASK`, public/xen.h.
    public static let flushtypeMask = UVMF(rawValue: 3)

    /// Flush on the vCPUs in a bitmap; OR the bitmap pointer in.
    ///
    /// Xen: `UVMF_MULTI`, public/xen.h.
    public static let multi = UVMF(rawValue: 0)

    /// Flush on this vCPU only.
    ///
    /// Xen: `UVMF_LOCAL`, public/xen.h.
    public static let local = UVMF(rawValue: 0)

    /// Flush on all vCPUs.
    ///
    /// Xen: `UVMF_ALL`, public/xen.h.
    public static let all = UVMF(rawValue: 1 << 2)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "UVMF_NONE"
        case 1: return "UVMF_TLB_FLUSH"
        case 2: return "UVMF_INVLPG"
        case 3: return "UVMF_FLUSHTYPE_MASK"
        case 1 << 2: return "UVMF_ALL"
        default: return "unknown"
        }
    }

    /// The flush type bits of a flags value.
    public var flushType: UVMF { UVMF(rawValue: rawValue & UVMF.flushtypeMask.rawValue) }
}

/// The command of the `console_io` hypercall.
public struct ConsoleIOCmd: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Write `count` bytes from a guest buffer to the Xen console.
    ///
    /// Xen: `CONSOLEIO_write`, public/xen.h.
    public static let write = ConsoleIOCmd(rawValue: 0)

    /// Read up to `count` bytes from the Xen console.
    ///
    /// Xen: `CONSOLEIO_read`, public/xen.h.
    public static let read = ConsoleIOCmd(rawValue: 1)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "CONSOLEIO_write"
        case 1: return "CONSOLEIO_read"
        default: return "unknown"
        }
    }
}

/// The command of the `vm_assist` hypercall.
public struct VMAssistCmd: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Xen: `VMASST_CMD_enable`, public/xen.h.
    public static let enable = VMAssistCmd(rawValue: 0)

    /// Xen: `VMASST_CMD_disable`, public/xen.h.
    public static let disable = VMAssistCmd(rawValue: 1)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "VMASST_CMD_enable"
        case 1: return "VMASST_CMD_disable"
        default: return "unknown"
        }
    }
}

/// An optional behaviour a guest turns on with `vm_assist`; also the bit
/// number in `vcpu_guest_context.vm_assist`.
public struct VMAssistType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// x86_32 only: emulate 4GB segment limits.
    ///
    /// Xen: `VMASST_TYPE_4gb_segments`, public/xen.h.
    public static let fourGBSegments = VMAssistType(rawValue: 0)

    /// x86_32 only: trap when the above is used.
    ///
    /// Xen: `VMASST_TYPE_4gb_segments_notify`, public/xen.h.
    public static let fourGBSegmentsNotify = VMAssistType(rawValue: 1)

    /// Let the guest write L1 entries directly; Xen emulates the write.
    ///
    /// Xen: `VMASST_TYPE_writable_pagetables`, public/xen.h.
    public static let writablePagetables = VMAssistType(rawValue: 2)

    /// x86_32 PAE only: PDPTs above 4GB.
    ///
    /// Xen: `VMASST_TYPE_pae_extended_cr3`, public/xen.h.
    public static let paeExtendedCR3 = VMAssistType(rawValue: 3)

    /// Virtual IOPL follows `iret` and appears in bounce frames.
    ///
    /// Xen: `VMASST_TYPE_architectural_iopl`, public/xen.h.
    public static let architecturalIOPL = VMAssistType(rawValue: 4)

    /// Set `XEN_RUNSTATE_UPDATE` in the mapped runstate area while updating it.
    ///
    /// Xen: `VMASST_TYPE_runstate_update_flag`, public/xen.h.
    public static let runstateUpdateFlag = VMAssistType(rawValue: 5)

    /// x86_64: keep the M2P out of user-mode page tables.
    ///
    /// Xen: `VMASST_TYPE_m2p_strict`, public/xen.h.
    public static let m2pStrict = VMAssistType(rawValue: 32)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "VMASST_TYPE_4gb_segments"
        case 1: return "VMASST_TYPE_4gb_segments_notify"
        case 2: return "VMASST_TYPE_writable_pagetables"
        case 3: return "VMASST_TYPE_pae_extended_cr3"
        case 4: return "VMASST_TYPE_architectural_iopl"
        case 5: return "VMASST_TYPE_runstate_update_flag"
        case 32: return "VMASST_TYPE_m2p_strict"
        default: return "unknown"
        }
    }

    /// This assist's bit in a `vm_assist` bitmap.
    public var mask: UInt64 { rawValue < 64 ? UInt64(1) << UInt64(rawValue) : 0 }
}

/// One call of the `multicall` hypercall: a hypercall number, its result,
/// and up to six arguments.
///
/// Xen: `struct multicall_entry`, public/xen.h.
public struct MulticallEntry: Sendable {
    /// Xen: `op`; a `Hypercall`.
    public var op: UInt64
    /// Xen: `result`; written back by the hypervisor.
    public var result: UInt64
    /// Xen: `args`.
    public var args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// `sizeof(struct multicall_entry)` on x86_64.
    public static let size = 64

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `op`.
        public static let op = 0
        /// Xen: `result`.
        public static let result = 8
        /// Xen: `args`.
        public static let args = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        op: UInt64 = 0,
        result: UInt64 = 0,
        args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    ) {
        self.op = op
        self.result = result
        self.args = args
    }

    /// Reads the fields from `64` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `MulticallEntry.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.op = unsafe raw.loadUnaligned(fromByteOffset: Offset.op, as: UInt64.self)
        self.result = unsafe raw.loadUnaligned(fromByteOffset: Offset.result, as: UInt64.self)
        self.args = unsafe (
            raw.loadUnaligned(fromByteOffset: Offset.args + 0, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.args + 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.args + 16, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.args + 24, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.args + 32, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.args + 40, as: UInt64.self))
    }

    /// Writes the fields into `64` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `MulticallEntry.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: op, toByteOffset: Offset.op, as: UInt64.self)
        unsafe raw.storeBytes(of: result, toByteOffset: Offset.result, as: UInt64.self)
        unsafe raw.storeBytes(of: args.0, toByteOffset: Offset.args + 0, as: UInt64.self)
        unsafe raw.storeBytes(of: args.1, toByteOffset: Offset.args + 8, as: UInt64.self)
        unsafe raw.storeBytes(of: args.2, toByteOffset: Offset.args + 16, as: UInt64.self)
        unsafe raw.storeBytes(of: args.3, toByteOffset: Offset.args + 24, as: UInt64.self)
        unsafe raw.storeBytes(of: args.4, toByteOffset: Offset.args + 32, as: UInt64.self)
        unsafe raw.storeBytes(of: args.5, toByteOffset: Offset.args + 40, as: UInt64.self)
    }

    /// Number of arguments.
    public static let argsCount = 6
}

extension MulticallEntry: Equatable {
    public static func == (lhs: MulticallEntry, rhs: MulticallEntry) -> Bool {
        lhs.op == rhs.op
            && lhs.result == rhs.result
            && lhs.args.0 == rhs.args.0
            && lhs.args.1 == rhs.args.1
            && lhs.args.2 == rhs.args.2
            && lhs.args.3 == rhs.args.3
            && lhs.args.4 == rhs.args.4
            && lhs.args.5 == rhs.args.5
    }
}

/// Bits of `vcpu_time_info.flags`.
public struct VCPUTimeInfoFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The TSC is stable across vCPUs.
    ///
    /// Xen: `XEN_PVCLOCK_TSC_STABLE_BIT`, public/xen.h.
    public static let tscStableBit = VCPUTimeInfoFlags(rawValue: 1 << 0)

    /// The guest was paused.
    ///
    /// Xen: `XEN_PVCLOCK_GUEST_STOPPED`, public/xen.h.
    public static let guestStopped = VCPUTimeInfoFlags(rawValue: 1 << 1)
}

/// The per-vCPU clock parameters. The writer makes `version` odd before
/// changing the other fields and even again after, so a reader retries
/// while it is odd or changed. Current time is
/// `system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32`
/// (a negative shift shifts right).
///
/// Xen: `struct vcpu_time_info`, public/xen.h.
public struct VCPUTimeInfo: Sendable {
    /// Xen: `version`.
    public var version: UInt32
    /// Xen: `pad0`.
    public var pad0: UInt32
    /// Xen: `tsc_timestamp`; TSC at the last update.
    public var tscTimestamp: UInt64
    /// Xen: `system_time`; nanoseconds since boot at `tscTimestamp`.
    public var systemTime: UInt64
    /// Xen: `tsc_to_system_mul`.
    public var tscToSystemMul: UInt32
    /// Xen: `tsc_shift`.
    public var tscShift: Int8
    /// Xen: `flags`; `VCPUTimeInfoFlags`.
    public var flags: UInt8
    /// Xen: `pad1`.
    public var pad1: (UInt8, UInt8)

    /// `sizeof(struct vcpu_time_info)` on x86_64.
    public static let size = 32

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `version`.
        public static let version = 0
        /// Xen: `pad0`.
        public static let pad0 = 4
        /// Xen: `tsc_timestamp`.
        public static let tscTimestamp = 8
        /// Xen: `system_time`.
        public static let systemTime = 16
        /// Xen: `tsc_to_system_mul`.
        public static let tscToSystemMul = 24
        /// Xen: `tsc_shift`.
        public static let tscShift = 28
        /// Xen: `flags`.
        public static let flags = 29
        /// Xen: `pad1`.
        public static let pad1 = 30
    }

    /// Creates the value; omitted fields are zero.
    public init(
        version: UInt32 = 0,
        pad0: UInt32 = 0,
        tscTimestamp: UInt64 = 0,
        systemTime: UInt64 = 0,
        tscToSystemMul: UInt32 = 0,
        tscShift: Int8 = 0,
        flags: UInt8 = 0,
        pad1: (UInt8, UInt8) = (0, 0)
    ) {
        self.version = version
        self.pad0 = pad0
        self.tscTimestamp = tscTimestamp
        self.systemTime = systemTime
        self.tscToSystemMul = tscToSystemMul
        self.tscShift = tscShift
        self.flags = flags
        self.pad1 = pad1
    }

    /// Reads the fields from `32` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPUTimeInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.version = unsafe raw.loadUnaligned(fromByteOffset: Offset.version, as: UInt32.self)
        self.pad0 = unsafe raw.loadUnaligned(fromByteOffset: Offset.pad0, as: UInt32.self)
        self.tscTimestamp = unsafe raw.loadUnaligned(fromByteOffset: Offset.tscTimestamp, as: UInt64.self)
        self.systemTime = unsafe raw.loadUnaligned(fromByteOffset: Offset.systemTime, as: UInt64.self)
        self.tscToSystemMul = unsafe raw.loadUnaligned(fromByteOffset: Offset.tscToSystemMul, as: UInt32.self)
        self.tscShift = unsafe raw.loadUnaligned(fromByteOffset: Offset.tscShift, as: Int8.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt8.self)
        self.pad1 = unsafe (
            raw.loadUnaligned(fromByteOffset: Offset.pad1 + 0, as: UInt8.self),
            raw.loadUnaligned(fromByteOffset: Offset.pad1 + 1, as: UInt8.self))
    }

    /// Writes the fields into `32` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPUTimeInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: version, toByteOffset: Offset.version, as: UInt32.self)
        unsafe raw.storeBytes(of: pad0, toByteOffset: Offset.pad0, as: UInt32.self)
        unsafe raw.storeBytes(of: tscTimestamp, toByteOffset: Offset.tscTimestamp, as: UInt64.self)
        unsafe raw.storeBytes(of: systemTime, toByteOffset: Offset.systemTime, as: UInt64.self)
        unsafe raw.storeBytes(of: tscToSystemMul, toByteOffset: Offset.tscToSystemMul, as: UInt32.self)
        unsafe raw.storeBytes(of: tscShift, toByteOffset: Offset.tscShift, as: Int8.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt8.self)
        unsafe raw.storeBytes(of: pad1.0, toByteOffset: Offset.pad1 + 0, as: UInt8.self)
        unsafe raw.storeBytes(of: pad1.1, toByteOffset: Offset.pad1 + 1, as: UInt8.self)
    }
}

extension VCPUTimeInfo: Equatable {
    public static func == (lhs: VCPUTimeInfo, rhs: VCPUTimeInfo) -> Bool {
        lhs.version == rhs.version
            && lhs.pad0 == rhs.pad0
            && lhs.tscTimestamp == rhs.tscTimestamp
            && lhs.systemTime == rhs.systemTime
            && lhs.tscToSystemMul == rhs.tscToSystemMul
            && lhs.tscShift == rhs.tscShift
            && lhs.flags == rhs.flags
            && lhs.pad1.0 == rhs.pad1.0
            && lhs.pad1.1 == rhs.pad1.1
    }
}

/// The per-vCPU part of the shared-info page (or of a page registered with
/// `VCPUOP_register_vcpu_info`). Xen sets `evtchnUpcallPending` and bits of
/// `evtchnPendingSel`; the guest masks upcalls with `evtchnUpcallMask`.
///
/// Xen: `struct vcpu_info`, public/xen.h.
public struct VCPUInfo: Equatable, Sendable {
    /// Xen: `evtchn_upcall_pending`.
    public var evtchnUpcallPending: UInt8
    /// Xen: `evtchn_upcall_mask`.
    public var evtchnUpcallMask: UInt8
    /// Xen: `evtchn_pending_sel`; one bit per word of `shared_info.evtchn_pending`.
    public var evtchnPendingSel: UInt64
    /// Xen: `arch`.
    public var arch: ArchVCPUInfo
    /// Xen: `time`.
    public var time: VCPUTimeInfo

    /// `sizeof(struct vcpu_info)` on x86_64.
    public static let size = 64

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `evtchn_upcall_pending`.
        public static let evtchnUpcallPending = 0
        /// Xen: `evtchn_upcall_mask`.
        public static let evtchnUpcallMask = 1
        /// Xen: `evtchn_pending_sel`.
        public static let evtchnPendingSel = 8
        /// Xen: `arch`.
        public static let arch = 16
        public static let archCR2 = 16
        /// Xen: `time`.
        public static let time = 32
    }

    /// Creates the value; omitted fields are zero.
    public init(
        evtchnUpcallPending: UInt8 = 0,
        evtchnUpcallMask: UInt8 = 0,
        evtchnPendingSel: UInt64 = 0,
        arch: ArchVCPUInfo = ArchVCPUInfo(),
        time: VCPUTimeInfo = VCPUTimeInfo()
    ) {
        self.evtchnUpcallPending = evtchnUpcallPending
        self.evtchnUpcallMask = evtchnUpcallMask
        self.evtchnPendingSel = evtchnPendingSel
        self.arch = arch
        self.time = time
    }

    /// Reads the fields from `64` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPUInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.evtchnUpcallPending = unsafe raw.loadUnaligned(fromByteOffset: Offset.evtchnUpcallPending, as: UInt8.self)
        self.evtchnUpcallMask = unsafe raw.loadUnaligned(fromByteOffset: Offset.evtchnUpcallMask, as: UInt8.self)
        self.evtchnPendingSel = unsafe raw.loadUnaligned(fromByteOffset: Offset.evtchnPendingSel, as: UInt64.self)
        self.arch = unsafe ArchVCPUInfo(loadingFrom: raw + Offset.arch)
        self.time = unsafe VCPUTimeInfo(loadingFrom: raw + Offset.time)
    }

    /// Writes the fields into `64` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPUInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: evtchnUpcallPending, toByteOffset: Offset.evtchnUpcallPending, as: UInt8.self)
        unsafe raw.storeBytes(of: evtchnUpcallMask, toByteOffset: Offset.evtchnUpcallMask, as: UInt8.self)
        unsafe raw.storeBytes(of: evtchnPendingSel, toByteOffset: Offset.evtchnPendingSel, as: UInt64.self)
        unsafe arch.store(to: raw + Offset.arch)
        unsafe time.store(to: raw + Offset.time)
    }
}

/// The layout of the shared-info page (offsets only: the page is shared with
/// the guest and read in place). Its `vcpu_info` array covers only the first
/// `vcpuInfoCount` vCPUs; others register their own with
/// `VCPUOP_register_vcpu_info`.
///
/// Xen: `struct shared_info`, public/xen.h.
public enum SharedInfo {
    /// `sizeof(struct shared_info)` on x86_64.
    public static let size = 3136

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `vcpu_info`.
        public static let vcpuInfo = 0
        /// Xen: `evtchn_pending`.
        public static let evtchnPending = 2048
        /// Xen: `evtchn_mask`.
        public static let evtchnMask = 2560
        /// Xen: `wc_version`; a version counter as in `vcpu_time_info`.
        public static let wcVersion = 3072
        /// Xen: `wc_sec`; wall-clock seconds (low 32 bits) at system time 0.
        public static let wcSec = 3076
        /// Xen: `wc_nsec`.
        public static let wcNsec = 3080
        /// Xen: `wc_sec_hi`; the high 32 bits of the seconds.
        public static let wcSecHi = 3084
        /// Xen: `arch`; an `ArchSharedInfo`.
        public static let arch = 3088
        /// Xen: `arch.max_pfn`.
        public static let archMaxPfn = 3088
        /// Xen: `arch.pfn_to_mfn_frame_list_list`.
        public static let archPfnToMfnFrameListList = 3096
        /// Xen: `arch.nmi_reason`.
        public static let archNmiReason = 3104
        /// Xen: `arch.p2m_cr3`.
        public static let archP2mCr3 = 3112
        /// Xen: `arch.p2m_vaddr`.
        public static let archP2mVaddr = 3120
        /// Xen: `arch.p2m_generation`.
        public static let archP2mGeneration = 3128
    }

    /// Number of elements in `vcpu_info`.
    public static let vcpuInfoCount = 32

    /// Byte offset of element `index` of `vcpu_info` (64 bytes each).
    public static func vcpuInfoOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < vcpuInfoCount, "SharedInfo.vcpu_info index out of range")
        return Offset.vcpuInfo + index * 64
    }

    /// Number of elements in `evtchn_pending`.
    public static let evtchnPendingCount = 64

    /// Byte offset of element `index` of `evtchn_pending` (8 bytes each).
    public static func evtchnPendingOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < evtchnPendingCount, "SharedInfo.evtchn_pending index out of range")
        return Offset.evtchnPending + index * 8
    }

    /// Number of elements in `evtchn_mask`.
    public static let evtchnMaskCount = 64

    /// Byte offset of element `index` of `evtchn_mask` (8 bytes each).
    public static func evtchnMaskOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < evtchnMaskCount, "SharedInfo.evtchn_mask index out of range")
        return Offset.evtchnMask + index * 8
    }

    /// Number of event channels of the 2-level ABI: one bit per channel in
    /// `evtchn_pending` and `evtchn_mask`.
    ///
    /// Xen: `EVTCHN_2L_NR_CHANNELS`, public/event_channel.h.
    public static let evtchn2LNrChannels = 4096

    /// Byte offset of the 64-bit word of `evtchn_pending` holding `port`'s bit.
    public static func evtchnPendingWordOffset(port: EvtchnPort) -> Int {
        Offset.evtchnPending + Int(port.rawValue / 64) * 8
    }

    /// Byte offset of the 64-bit word of `evtchn_mask` holding `port`'s bit.
    public static func evtchnMaskWordOffset(port: EvtchnPort) -> Int {
        Offset.evtchnMask + Int(port.rawValue / 64) * 8
    }
}

/// The page a PV domain finds at boot (its address is in RSI). The `magic`
/// and `cmd_line` character arrays are not stored here: write them at
/// `Offset.magic` and `Offset.cmdLine` (NUL-terminated).
///
/// Xen: `struct start_info`, public/xen.h.
public struct StartInfo: Equatable, Sendable {
    /// Xen: `nr_pages`; pages allocated to the domain.
    public var nrPages: UInt64
    /// Xen: `shared_info`; machine address of the shared-info page.
    public var sharedInfo: UInt64
    /// Xen: `flags`; `StartInfoFlags`.
    public var flags: UInt32
    /// Xen: `store_mfn`; MFN of the xenstore ring page.
    public var storeMfn: UInt64
    /// Xen: `store_evtchn`; event channel of the xenstore ring.
    public var storeEvtchn: UInt32
    /// Xen: `console.domU.mfn`; MFN of the console ring page.
    public var consoleMfn: UInt64
    /// Xen: `console.domU.evtchn`; event channel of the console ring.
    public var consoleEvtchn: UInt32
    /// Xen: `pt_base`; virtual address of the initial L4 table.
    public var ptBase: UInt64
    /// Xen: `nr_pt_frames`; number of initial page-table frames.
    public var nrPtFrames: UInt64
    /// Xen: `mfn_list`; virtual address of the P2M list.
    public var mfnList: UInt64
    /// Xen: `mod_start`; virtual address (or PFN, see `modStartPFN`) of the module (initrd).
    public var modStart: UInt64
    /// Xen: `mod_len`; size of the module in bytes.
    public var modLen: UInt64
    /// Xen: `first_p2m_pfn`; first PFN of the initial P2M table.
    public var firstP2mPfn: UInt64
    /// Xen: `nr_p2m_frames`; number of frames of the initial P2M table.
    public var nrP2mFrames: UInt64

    /// `sizeof(struct start_info)` on x86_64.
    public static let size = 1168

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `magic`.
        public static let magic = 0
        /// Xen: `nr_pages`.
        public static let nrPages = 32
        /// Xen: `shared_info`.
        public static let sharedInfo = 40
        /// Xen: `flags`.
        public static let flags = 48
        /// Xen: `store_mfn`.
        public static let storeMfn = 56
        /// Xen: `store_evtchn`.
        public static let storeEvtchn = 64
        /// Xen: `console.domU.mfn`.
        public static let consoleMfn = 72
        /// Xen: `console.domU.evtchn`.
        public static let consoleEvtchn = 80
        /// Xen: `console`; a union of `domU` and `dom0`.
        public static let console = 72
        /// Xen: `console.dom0.info_off`.
        public static let consoleDom0InfoOff = 72
        /// Xen: `console.dom0.info_size`.
        public static let consoleDom0InfoSize = 76
        /// Xen: `pt_base`.
        public static let ptBase = 88
        /// Xen: `nr_pt_frames`.
        public static let nrPtFrames = 96
        /// Xen: `mfn_list`.
        public static let mfnList = 104
        /// Xen: `mod_start`.
        public static let modStart = 112
        /// Xen: `mod_len`.
        public static let modLen = 120
        /// Xen: `cmd_line`.
        public static let cmdLine = 128
        /// Xen: `first_p2m_pfn`.
        public static let firstP2mPfn = 1152
        /// Xen: `nr_p2m_frames`.
        public static let nrP2mFrames = 1160
    }

    /// Number of elements in `magic`.
    public static let magicCount = 32

    /// Byte offset of element `index` of `magic` (1 bytes each).
    public static func magicOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < magicCount, "StartInfo.magic index out of range")
        return Offset.magic + index * 1
    }

    /// Number of elements in `cmd_line`.
    public static let cmdLineCount = 1024

    /// Byte offset of element `index` of `cmd_line` (1 bytes each).
    public static func cmdLineOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < cmdLineCount, "StartInfo.cmd_line index out of range")
        return Offset.cmdLine + index * 1
    }

    /// Creates the value; omitted fields are zero.
    public init(
        nrPages: UInt64 = 0,
        sharedInfo: UInt64 = 0,
        flags: UInt32 = 0,
        storeMfn: UInt64 = 0,
        storeEvtchn: UInt32 = 0,
        consoleMfn: UInt64 = 0,
        consoleEvtchn: UInt32 = 0,
        ptBase: UInt64 = 0,
        nrPtFrames: UInt64 = 0,
        mfnList: UInt64 = 0,
        modStart: UInt64 = 0,
        modLen: UInt64 = 0,
        firstP2mPfn: UInt64 = 0,
        nrP2mFrames: UInt64 = 0
    ) {
        self.nrPages = nrPages
        self.sharedInfo = sharedInfo
        self.flags = flags
        self.storeMfn = storeMfn
        self.storeEvtchn = storeEvtchn
        self.consoleMfn = consoleMfn
        self.consoleEvtchn = consoleEvtchn
        self.ptBase = ptBase
        self.nrPtFrames = nrPtFrames
        self.mfnList = mfnList
        self.modStart = modStart
        self.modLen = modLen
        self.firstP2mPfn = firstP2mPfn
        self.nrP2mFrames = nrP2mFrames
    }

    /// Reads the fields from `1168` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `StartInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.nrPages = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrPages, as: UInt64.self)
        self.sharedInfo = unsafe raw.loadUnaligned(fromByteOffset: Offset.sharedInfo, as: UInt64.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt32.self)
        self.storeMfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.storeMfn, as: UInt64.self)
        self.storeEvtchn = unsafe raw.loadUnaligned(fromByteOffset: Offset.storeEvtchn, as: UInt32.self)
        self.consoleMfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.consoleMfn, as: UInt64.self)
        self.consoleEvtchn = unsafe raw.loadUnaligned(fromByteOffset: Offset.consoleEvtchn, as: UInt32.self)
        self.ptBase = unsafe raw.loadUnaligned(fromByteOffset: Offset.ptBase, as: UInt64.self)
        self.nrPtFrames = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrPtFrames, as: UInt64.self)
        self.mfnList = unsafe raw.loadUnaligned(fromByteOffset: Offset.mfnList, as: UInt64.self)
        self.modStart = unsafe raw.loadUnaligned(fromByteOffset: Offset.modStart, as: UInt64.self)
        self.modLen = unsafe raw.loadUnaligned(fromByteOffset: Offset.modLen, as: UInt64.self)
        self.firstP2mPfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.firstP2mPfn, as: UInt64.self)
        self.nrP2mFrames = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrP2mFrames, as: UInt64.self)
    }

    /// Writes the fields into `1168` bytes at `raw`; `raw` needs no alignment.
    /// Padding and the arrays (see `Offset`) are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `StartInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: nrPages, toByteOffset: Offset.nrPages, as: UInt64.self)
        unsafe raw.storeBytes(of: sharedInfo, toByteOffset: Offset.sharedInfo, as: UInt64.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt32.self)
        unsafe raw.storeBytes(of: storeMfn, toByteOffset: Offset.storeMfn, as: UInt64.self)
        unsafe raw.storeBytes(of: storeEvtchn, toByteOffset: Offset.storeEvtchn, as: UInt32.self)
        unsafe raw.storeBytes(of: consoleMfn, toByteOffset: Offset.consoleMfn, as: UInt64.self)
        unsafe raw.storeBytes(of: consoleEvtchn, toByteOffset: Offset.consoleEvtchn, as: UInt32.self)
        unsafe raw.storeBytes(of: ptBase, toByteOffset: Offset.ptBase, as: UInt64.self)
        unsafe raw.storeBytes(of: nrPtFrames, toByteOffset: Offset.nrPtFrames, as: UInt64.self)
        unsafe raw.storeBytes(of: mfnList, toByteOffset: Offset.mfnList, as: UInt64.self)
        unsafe raw.storeBytes(of: modStart, toByteOffset: Offset.modStart, as: UInt64.self)
        unsafe raw.storeBytes(of: modLen, toByteOffset: Offset.modLen, as: UInt64.self)
        unsafe raw.storeBytes(of: firstP2mPfn, toByteOffset: Offset.firstP2mPfn, as: UInt64.self)
        unsafe raw.storeBytes(of: nrP2mFrames, toByteOffset: Offset.nrP2mFrames, as: UInt64.self)
    }

    /// Capacity of `cmd_line`, including the terminating NUL.
    ///
    /// Xen: `MAX_GUEST_CMDLINE`, public/xen.h.
    public static let maxGuestCmdline = 1024
}

/// Bits of `start_info.flags`.
public struct StartInfoFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The domain is privileged.
    ///
    /// Xen: `SIF_PRIVILEGED`, public/xen.h.
    public static let privileged = StartInfoFlags(rawValue: 1 << 0)

    /// The domain is the initial control domain.
    ///
    /// Xen: `SIF_INITDOMAIN`, public/xen.h.
    public static let initdomain = StartInfoFlags(rawValue: 1 << 1)

    /// The module is a multiboot module list.
    ///
    /// Xen: `SIF_MULTIBOOT_MOD`, public/xen.h.
    public static let multibootMod = StartInfoFlags(rawValue: 1 << 2)

    /// `mod_start` is a PFN, not a virtual address.
    ///
    /// Xen: `SIF_MOD_START_PFN`, public/xen.h.
    public static let modStartPFN = StartInfoFlags(rawValue: 1 << 3)

    /// The tools understand a virtually mapped P2M list.
    ///
    /// Xen: `SIF_VIRT_P2M_4TOOLS`, public/xen.h.
    public static let virtP2M4Tools = StartInfoFlags(rawValue: 1 << 4)

    /// Bits reserved for power-management options.
    ///
    /// Xen: `SIF_PM_MASK`, public/xen.h.
    public static let pmMask = StartInfoFlags(rawValue: 0xFF << 8)
}

/// One module descriptor of a multiboot module (`SIF_MULTIBOOT_MOD`);
/// addresses are relative to the module's start.
///
/// Xen: `struct xen_multiboot_mod_list`, public/xen.h.
public struct XenMultibootModList: Equatable, Sendable {
    /// Xen: `mod_start`.
    public var modStart: UInt32
    /// Xen: `mod_end`.
    public var modEnd: UInt32
    /// Xen: `cmdline`.
    public var cmdline: UInt32
    /// Xen: `pad`.
    public var pad: UInt32

    /// `sizeof(struct xen_multiboot_mod_list)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `mod_start`.
        public static let modStart = 0
        /// Xen: `mod_end`.
        public static let modEnd = 4
        /// Xen: `cmdline`.
        public static let cmdline = 8
        /// Xen: `pad`.
        public static let pad = 12
    }

    /// Creates the value; omitted fields are zero.
    public init(
        modStart: UInt32 = 0,
        modEnd: UInt32 = 0,
        cmdline: UInt32 = 0,
        pad: UInt32 = 0
    ) {
        self.modStart = modStart
        self.modEnd = modEnd
        self.cmdline = cmdline
        self.pad = pad
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenMultibootModList.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.modStart = unsafe raw.loadUnaligned(fromByteOffset: Offset.modStart, as: UInt32.self)
        self.modEnd = unsafe raw.loadUnaligned(fromByteOffset: Offset.modEnd, as: UInt32.self)
        self.cmdline = unsafe raw.loadUnaligned(fromByteOffset: Offset.cmdline, as: UInt32.self)
        self.pad = unsafe raw.loadUnaligned(fromByteOffset: Offset.pad, as: UInt32.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenMultibootModList.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: modStart, toByteOffset: Offset.modStart, as: UInt32.self)
        unsafe raw.storeBytes(of: modEnd, toByteOffset: Offset.modEnd, as: UInt32.self)
        unsafe raw.storeBytes(of: cmdline, toByteOffset: Offset.cmdline, as: UInt32.self)
        unsafe raw.storeBytes(of: pad, toByteOffset: Offset.pad, as: UInt32.self)
    }
}

/// The `video_type` of `dom0_vga_console_info`.
public struct XenVGAType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Xen: `XEN_VGATYPE_TEXT_MODE_3`, public/xen.h.
    public static let textMode3 = XenVGAType(rawValue: 0x03)

    /// Xen: `XEN_VGATYPE_VESA_LFB`, public/xen.h.
    public static let vesaLFB = XenVGAType(rawValue: 0x23)

    /// Xen: `XEN_VGATYPE_EFI_LFB`, public/xen.h.
    public static let efiLFB = XenVGAType(rawValue: 0x70)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0x03: return "XEN_VGATYPE_TEXT_MODE_3"
        case 0x23: return "XEN_VGATYPE_VESA_LFB"
        case 0x70: return "XEN_VGATYPE_EFI_LFB"
        default: return "unknown"
        }
    }
}
