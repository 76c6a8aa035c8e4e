// Xen: public/arch-x86/xen.h. Frame numbers, the trap table, the vCPU
// guest context and the x86 part of shared_info.

/// A guest pseudo-physical frame number: the guest's own page index.
///
/// Xen: `xen_pfn_t`, public/arch-x86/xen.h.
public struct PFN: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }
}

/// A machine frame number: what a PV guest sees in page tables and the
/// P2M. Xenolith's machine frames are the KVM guest-physical frames.
///
/// Xen: `xen_pfn_t` used as an MFN, public/arch-x86/xen.h.
public struct MFN: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The P2M and M2P value for "no frame".
    ///
    /// Xen: `INVALID_MFN` (~0UL), xen/include/xen/mm.h.
    public static let invalid = MFN(rawValue: ~0)
}

/// Constants of public/arch-x86/xen.h.
public enum XenX86 {
    /// The guest GDT may use frames below this; Xen owns the rest of the 16.
    ///
    /// Xen: `FIRST_RESERVED_GDT_PAGE`, public/arch-x86/xen.h.
    public static let firstReservedGDTPage: Int = 14

    /// Xen: `FIRST_RESERVED_GDT_BYTE`, public/arch-x86/xen.h.
    public static let firstReservedGDTByte: Int = firstReservedGDTPage * 4096

    /// Guest GDT entries must be below this (the `set_gdt` limit).
    ///
    /// Xen: `FIRST_RESERVED_GDT_ENTRY`, public/arch-x86/xen.h.
    public static let firstReservedGDTEntry: Int = firstReservedGDTByte / 8

    /// Number of `vcpu_info` slots in the shared-info page.
    ///
    /// Xen: `XEN_LEGACY_MAX_VCPUS`, public/arch-x86/xen.h.
    public static let legacyMaxVCPUs: Int = 32

    /// Xen: `XEN_HVM_DEBUGCONS_IOPORT`, public/arch-x86/xen.h.
    public static let hvmDebugconsIoport: UInt16 = 0xe9

    /// Xen: `XEN_CPUID_NO_SUBLEAF`, public/arch-x86/xen.h.
    public static let cpuidNoSubleaf: UInt32 = 0xffff_ffff

    /// The forced-emulation prefix (`ud2` then "xen") a PV guest puts before `cpuid`.
    ///
    /// Xen: `XEN_EMULATE_PREFIX`, public/arch-x86/xen.h.
    public static let emulatePrefix: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0x0f, 0x0b, 0x78, 0x65, 0x6e)
}

/// One virtual IDT entry, as passed to `set_trap_table` (a zero `address`
/// ends the list).
///
/// Xen: `struct trap_info`, public/arch-x86/xen.h.
public struct TrapInfo: Equatable, Sendable {
    /// Xen: `vector`.
    public var vector: UInt8
    /// Xen: `flags`; bits 1:0 are the DPL, bit 2 set means "mask events on entry".
    public var flags: UInt8
    /// Xen: `cs`.
    public var cs: UInt16
    /// Xen: `address`.
    public var address: UInt64

    /// `sizeof(struct trap_info)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `vector`.
        public static let vector = 0
        /// Xen: `flags`.
        public static let flags = 1
        /// Xen: `cs`.
        public static let cs = 2
        /// Xen: `address`.
        public static let address = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        vector: UInt8 = 0,
        flags: UInt8 = 0,
        cs: UInt16 = 0,
        address: UInt64 = 0
    ) {
        self.vector = vector
        self.flags = flags
        self.cs = cs
        self.address = address
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `TrapInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.vector = unsafe raw.loadUnaligned(fromByteOffset: Offset.vector, as: UInt8.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt8.self)
        self.cs = unsafe raw.loadUnaligned(fromByteOffset: Offset.cs, as: UInt16.self)
        self.address = unsafe raw.loadUnaligned(fromByteOffset: Offset.address, as: UInt64.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `TrapInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: vector, toByteOffset: Offset.vector, as: UInt8.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt8.self)
        unsafe raw.storeBytes(of: cs, toByteOffset: Offset.cs, as: UInt16.self)
        unsafe raw.storeBytes(of: address, toByteOffset: Offset.address, as: UInt64.self)
    }

    /// The privilege level allowed to raise this vector with `int`.
    ///
    /// Xen: `TI_GET_DPL`, public/arch-x86/xen.h.
    public var dpl: UInt8 { flags & 3 }

    /// True if entry to the handler masks event delivery (an interrupt gate).
    ///
    /// Xen: `TI_GET_IF`, public/arch-x86/xen.h.
    public var disablesEvents: Bool { flags & 4 != 0 }
}

/// Bits of `vcpu_guest_context.flags` (and `VGCF_in_syscall` of
/// `iret_context.flags`).
public struct VGCF: OptionSet, Hashable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// The FPU context is valid.
    ///
    /// Xen: `VGCF_i387_valid`, public/arch-x86/xen.h.
    public static let i387Valid = VGCF(rawValue: 1 << 0)

    /// The vCPU is in guest kernel mode.
    ///
    /// Xen: `VGCF_in_kernel`, public/arch-x86/xen.h.
    public static let inKernel = VGCF(rawValue: 1 << 2)

    /// Entering the failsafe callback masks events.
    ///
    /// Xen: `VGCF_failsafe_disables_events`, public/arch-x86/xen.h.
    public static let failsafeDisablesEvents = VGCF(rawValue: 1 << 3)

    /// Entering the syscall callback masks events.
    ///
    /// Xen: `VGCF_syscall_disables_events`, public/arch-x86/xen.h.
    public static let syscallDisablesEvents = VGCF(rawValue: 1 << 4)

    /// The vCPU is up.
    ///
    /// Xen: `VGCF_online`, public/arch-x86/xen.h.
    public static let online = VGCF(rawValue: 1 << 5)

    /// `iret` returns from a system call: restore only RIP, CS, RFLAGS, RSP, SS (x86_64).
    ///
    /// Xen: `VGCF_in_syscall`, public/arch-x86/xen.h.
    public static let inSyscall = VGCF(rawValue: 1 << 8)
}

/// A vCPU's full PV state, as given to `VCPUOP_initialise`. The FPU area,
/// the virtual IDT and the GDT frames are not stored here: see
/// `Offset.fpuCtxt`, `trapCtxtOffset(_:)` and `gdtFramesOffset(_:)`.
///
/// Xen: `struct vcpu_guest_context`, public/arch-x86/xen.h.
public struct VCPUGuestContext: Sendable {
    /// Xen: `flags`; `VGCF`.
    public var flags: UInt64
    /// Xen: `user_regs`.
    public var userRegs: CPUUserRegs
    /// Xen: `ldt_base`.
    public var ldtBase: UInt64
    /// Xen: `ldt_ents`.
    public var ldtEnts: UInt64
    /// Xen: `gdt_ents`.
    public var gdtEnts: UInt64
    /// Xen: `kernel_ss`; the stack selector loaded on entry to the guest kernel.
    public var kernelSs: UInt64
    /// Xen: `kernel_sp`; the stack pointer loaded on entry to the guest kernel.
    public var kernelSp: UInt64
    /// Xen: `ctrlreg`; CR0-CR7. CR3 holds the kernel L4 (`xen_pfn_to_cr3`), CR1 the user L4 on x86_64.
    public var ctrlreg: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// Xen: `debugreg`; DR0-DR7.
    public var debugreg: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// Xen: `event_callback_eip`.
    public var eventCallbackEip: UInt64
    /// Xen: `failsafe_callback_eip`.
    public var failsafeCallbackEip: UInt64
    /// Xen: `syscall_callback_eip`.
    public var syscallCallbackEip: UInt64
    /// Xen: `vm_assist`; a bitmap of `VMAssistType`.
    public var vmAssist: UInt64
    /// Xen: `fs_base`.
    public var fsBase: UInt64
    /// Xen: `gs_base_kernel`.
    public var gsBaseKernel: UInt64
    /// Xen: `gs_base_user`.
    public var gsBaseUser: UInt64

    /// `sizeof(struct vcpu_guest_context)` on x86_64.
    public static let size = 5168

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `fpu_ctxt`.
        public static let fpuCtxt = 0
        /// Xen: `flags`.
        public static let flags = 512
        /// Xen: `user_regs`.
        public static let userRegs = 520
        /// Xen: `trap_ctxt`.
        public static let trapCtxt = 720
        /// Xen: `ldt_base`.
        public static let ldtBase = 4816
        /// Xen: `ldt_ents`.
        public static let ldtEnts = 4824
        /// Xen: `gdt_frames`.
        public static let gdtFrames = 4832
        /// Xen: `gdt_ents`.
        public static let gdtEnts = 4960
        /// Xen: `kernel_ss`.
        public static let kernelSs = 4968
        /// Xen: `kernel_sp`.
        public static let kernelSp = 4976
        /// Xen: `ctrlreg`.
        public static let ctrlreg = 4984
        /// Xen: `debugreg`.
        public static let debugreg = 5048
        /// Xen: `event_callback_eip`.
        public static let eventCallbackEip = 5112
        /// Xen: `failsafe_callback_eip`.
        public static let failsafeCallbackEip = 5120
        /// Xen: `syscall_callback_eip`.
        public static let syscallCallbackEip = 5128
        /// Xen: `vm_assist`.
        public static let vmAssist = 5136
        /// Xen: `fs_base`.
        public static let fsBase = 5144
        /// Xen: `gs_base_kernel`.
        public static let gsBaseKernel = 5152
        /// Xen: `gs_base_user`.
        public static let gsBaseUser = 5160
    }

    /// Number of elements in `fpu_ctxt`.
    public static let fpuCtxtCount = 512

    /// Byte offset of element `index` of `fpu_ctxt` (1 bytes each).
    public static func fpuCtxtOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < fpuCtxtCount, "VCPUGuestContext.fpu_ctxt index out of range")
        return Offset.fpuCtxt + index * 1
    }

    /// Number of elements in `trap_ctxt`.
    public static let trapCtxtCount = 256

    /// Byte offset of element `index` of `trap_ctxt` (16 bytes each).
    public static func trapCtxtOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < trapCtxtCount, "VCPUGuestContext.trap_ctxt index out of range")
        return Offset.trapCtxt + index * 16
    }

    /// Number of elements in `gdt_frames`.
    public static let gdtFramesCount = 16

    /// Byte offset of element `index` of `gdt_frames` (8 bytes each).
    public static func gdtFramesOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < gdtFramesCount, "VCPUGuestContext.gdt_frames index out of range")
        return Offset.gdtFrames + index * 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        flags: UInt64 = 0,
        userRegs: CPUUserRegs = CPUUserRegs(),
        ldtBase: UInt64 = 0,
        ldtEnts: UInt64 = 0,
        gdtEnts: UInt64 = 0,
        kernelSs: UInt64 = 0,
        kernelSp: UInt64 = 0,
        ctrlreg: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0),
        debugreg: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0),
        eventCallbackEip: UInt64 = 0,
        failsafeCallbackEip: UInt64 = 0,
        syscallCallbackEip: UInt64 = 0,
        vmAssist: UInt64 = 0,
        fsBase: UInt64 = 0,
        gsBaseKernel: UInt64 = 0,
        gsBaseUser: UInt64 = 0
    ) {
        self.flags = flags
        self.userRegs = userRegs
        self.ldtBase = ldtBase
        self.ldtEnts = ldtEnts
        self.gdtEnts = gdtEnts
        self.kernelSs = kernelSs
        self.kernelSp = kernelSp
        self.ctrlreg = ctrlreg
        self.debugreg = debugreg
        self.eventCallbackEip = eventCallbackEip
        self.failsafeCallbackEip = failsafeCallbackEip
        self.syscallCallbackEip = syscallCallbackEip
        self.vmAssist = vmAssist
        self.fsBase = fsBase
        self.gsBaseKernel = gsBaseKernel
        self.gsBaseUser = gsBaseUser
    }

    /// Reads the fields from `5168` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `VCPUGuestContext.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt64.self)
        self.userRegs = unsafe CPUUserRegs(loadingFrom: raw + Offset.userRegs)
        self.ldtBase = unsafe raw.loadUnaligned(fromByteOffset: Offset.ldtBase, as: UInt64.self)
        self.ldtEnts = unsafe raw.loadUnaligned(fromByteOffset: Offset.ldtEnts, as: UInt64.self)
        self.gdtEnts = unsafe raw.loadUnaligned(fromByteOffset: Offset.gdtEnts, as: UInt64.self)
        self.kernelSs = unsafe raw.loadUnaligned(fromByteOffset: Offset.kernelSs, as: UInt64.self)
        self.kernelSp = unsafe raw.loadUnaligned(fromByteOffset: Offset.kernelSp, as: UInt64.self)
        self.ctrlreg = unsafe (
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 0, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 16, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 24, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 32, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 40, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 48, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.ctrlreg + 56, as: UInt64.self))
        self.debugreg = unsafe (
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 0, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 16, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 24, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 32, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 40, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 48, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: Offset.debugreg + 56, as: UInt64.self))
        self.eventCallbackEip = unsafe raw.loadUnaligned(fromByteOffset: Offset.eventCallbackEip, as: UInt64.self)
        self.failsafeCallbackEip = unsafe raw.loadUnaligned(fromByteOffset: Offset.failsafeCallbackEip, as: UInt64.self)
        self.syscallCallbackEip = unsafe raw.loadUnaligned(fromByteOffset: Offset.syscallCallbackEip, as: UInt64.self)
        self.vmAssist = unsafe raw.loadUnaligned(fromByteOffset: Offset.vmAssist, as: UInt64.self)
        self.fsBase = unsafe raw.loadUnaligned(fromByteOffset: Offset.fsBase, as: UInt64.self)
        self.gsBaseKernel = unsafe raw.loadUnaligned(fromByteOffset: Offset.gsBaseKernel, as: UInt64.self)
        self.gsBaseUser = unsafe raw.loadUnaligned(fromByteOffset: Offset.gsBaseUser, as: UInt64.self)
    }

    /// Writes the fields into `5168` bytes at `raw`; `raw` needs no alignment.
    /// Padding and the arrays (see `Offset`) are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `VCPUGuestContext.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt64.self)
        unsafe userRegs.store(to: raw + Offset.userRegs)
        unsafe raw.storeBytes(of: ldtBase, toByteOffset: Offset.ldtBase, as: UInt64.self)
        unsafe raw.storeBytes(of: ldtEnts, toByteOffset: Offset.ldtEnts, as: UInt64.self)
        unsafe raw.storeBytes(of: gdtEnts, toByteOffset: Offset.gdtEnts, as: UInt64.self)
        unsafe raw.storeBytes(of: kernelSs, toByteOffset: Offset.kernelSs, as: UInt64.self)
        unsafe raw.storeBytes(of: kernelSp, toByteOffset: Offset.kernelSp, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.0, toByteOffset: Offset.ctrlreg + 0, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.1, toByteOffset: Offset.ctrlreg + 8, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.2, toByteOffset: Offset.ctrlreg + 16, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.3, toByteOffset: Offset.ctrlreg + 24, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.4, toByteOffset: Offset.ctrlreg + 32, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.5, toByteOffset: Offset.ctrlreg + 40, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.6, toByteOffset: Offset.ctrlreg + 48, as: UInt64.self)
        unsafe raw.storeBytes(of: ctrlreg.7, toByteOffset: Offset.ctrlreg + 56, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.0, toByteOffset: Offset.debugreg + 0, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.1, toByteOffset: Offset.debugreg + 8, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.2, toByteOffset: Offset.debugreg + 16, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.3, toByteOffset: Offset.debugreg + 24, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.4, toByteOffset: Offset.debugreg + 32, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.5, toByteOffset: Offset.debugreg + 40, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.6, toByteOffset: Offset.debugreg + 48, as: UInt64.self)
        unsafe raw.storeBytes(of: debugreg.7, toByteOffset: Offset.debugreg + 56, as: UInt64.self)
        unsafe raw.storeBytes(of: eventCallbackEip, toByteOffset: Offset.eventCallbackEip, as: UInt64.self)
        unsafe raw.storeBytes(of: failsafeCallbackEip, toByteOffset: Offset.failsafeCallbackEip, as: UInt64.self)
        unsafe raw.storeBytes(of: syscallCallbackEip, toByteOffset: Offset.syscallCallbackEip, as: UInt64.self)
        unsafe raw.storeBytes(of: vmAssist, toByteOffset: Offset.vmAssist, as: UInt64.self)
        unsafe raw.storeBytes(of: fsBase, toByteOffset: Offset.fsBase, as: UInt64.self)
        unsafe raw.storeBytes(of: gsBaseKernel, toByteOffset: Offset.gsBaseKernel, as: UInt64.self)
        unsafe raw.storeBytes(of: gsBaseUser, toByteOffset: Offset.gsBaseUser, as: UInt64.self)
    }

    /// The CR3 value naming frame `mfn`.
    ///
    /// Xen: `xen_pfn_to_cr3`, public/arch-x86/xen-x86_64.h.
    public static func pfnToCR3(_ mfn: UInt64) -> UInt64 { mfn << 12 }

    /// The frame a CR3 value names.
    ///
    /// Xen: `xen_cr3_to_pfn`, public/arch-x86/xen-x86_64.h.
    public static func cr3ToPfn(_ cr3: UInt64) -> UInt64 { cr3 >> 12 }
}

extension VCPUGuestContext: Equatable {
    public static func == (lhs: VCPUGuestContext, rhs: VCPUGuestContext) -> Bool {
        lhs.flags == rhs.flags
            && lhs.userRegs == rhs.userRegs
            && lhs.ldtBase == rhs.ldtBase
            && lhs.ldtEnts == rhs.ldtEnts
            && lhs.gdtEnts == rhs.gdtEnts
            && lhs.kernelSs == rhs.kernelSs
            && lhs.kernelSp == rhs.kernelSp
            && lhs.ctrlreg.0 == rhs.ctrlreg.0
            && lhs.ctrlreg.1 == rhs.ctrlreg.1
            && lhs.ctrlreg.2 == rhs.ctrlreg.2
            && lhs.ctrlreg.3 == rhs.ctrlreg.3
            && lhs.ctrlreg.4 == rhs.ctrlreg.4
            && lhs.ctrlreg.5 == rhs.ctrlreg.5
            && lhs.ctrlreg.6 == rhs.ctrlreg.6
            && lhs.ctrlreg.7 == rhs.ctrlreg.7
            && lhs.debugreg.0 == rhs.debugreg.0
            && lhs.debugreg.1 == rhs.debugreg.1
            && lhs.debugreg.2 == rhs.debugreg.2
            && lhs.debugreg.3 == rhs.debugreg.3
            && lhs.debugreg.4 == rhs.debugreg.4
            && lhs.debugreg.5 == rhs.debugreg.5
            && lhs.debugreg.6 == rhs.debugreg.6
            && lhs.debugreg.7 == rhs.debugreg.7
            && lhs.eventCallbackEip == rhs.eventCallbackEip
            && lhs.failsafeCallbackEip == rhs.failsafeCallbackEip
            && lhs.syscallCallbackEip == rhs.syscallCallbackEip
            && lhs.vmAssist == rhs.vmAssist
            && lhs.fsBase == rhs.fsBase
            && lhs.gsBaseKernel == rhs.gsBaseKernel
            && lhs.gsBaseUser == rhs.gsBaseUser
    }
}

/// The x86 part of the shared-info page (at `SharedInfo.Offset.arch`).
///
/// Xen: `struct arch_shared_info`, public/arch-x86/xen.h.
public struct ArchSharedInfo: Equatable, Sendable {
    /// Xen: `max_pfn`; the number of entries of the P2M list.
    public var maxPfn: UInt64
    /// Xen: `pfn_to_mfn_frame_list_list`; MFN of the top of the 3-level P2M frame list (for save/restore).
    public var pfnToMfnFrameListList: UInt64
    /// Xen: `nmi_reason`.
    public var nmiReason: UInt64
    /// Xen: `p2m_cr3`; CR3 of the address space holding the virtual P2M list (0: the normal one).
    public var p2mCr3: UInt64
    /// Xen: `p2m_vaddr`; virtual address of the P2M list.
    public var p2mVaddr: UInt64
    /// Xen: `p2m_generation`; changes when the P2M mapping does.
    public var p2mGeneration: UInt64

    /// `sizeof(struct arch_shared_info)` on x86_64.
    public static let size = 48

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `max_pfn`.
        public static let maxPfn = 0
        /// Xen: `pfn_to_mfn_frame_list_list`.
        public static let pfnToMfnFrameListList = 8
        /// Xen: `nmi_reason`.
        public static let nmiReason = 16
        /// Xen: `p2m_cr3`.
        public static let p2mCr3 = 24
        /// Xen: `p2m_vaddr`.
        public static let p2mVaddr = 32
        /// Xen: `p2m_generation`.
        public static let p2mGeneration = 40
    }

    /// Creates the value; omitted fields are zero.
    public init(
        maxPfn: UInt64 = 0,
        pfnToMfnFrameListList: UInt64 = 0,
        nmiReason: UInt64 = 0,
        p2mCr3: UInt64 = 0,
        p2mVaddr: UInt64 = 0,
        p2mGeneration: UInt64 = 0
    ) {
        self.maxPfn = maxPfn
        self.pfnToMfnFrameListList = pfnToMfnFrameListList
        self.nmiReason = nmiReason
        self.p2mCr3 = p2mCr3
        self.p2mVaddr = p2mVaddr
        self.p2mGeneration = p2mGeneration
    }

    /// Reads the fields from `48` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `ArchSharedInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.maxPfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.maxPfn, as: UInt64.self)
        self.pfnToMfnFrameListList = unsafe raw.loadUnaligned(fromByteOffset: Offset.pfnToMfnFrameListList, as: UInt64.self)
        self.nmiReason = unsafe raw.loadUnaligned(fromByteOffset: Offset.nmiReason, as: UInt64.self)
        self.p2mCr3 = unsafe raw.loadUnaligned(fromByteOffset: Offset.p2mCr3, as: UInt64.self)
        self.p2mVaddr = unsafe raw.loadUnaligned(fromByteOffset: Offset.p2mVaddr, as: UInt64.self)
        self.p2mGeneration = unsafe raw.loadUnaligned(fromByteOffset: Offset.p2mGeneration, as: UInt64.self)
    }

    /// Writes the fields into `48` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `ArchSharedInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: maxPfn, toByteOffset: Offset.maxPfn, as: UInt64.self)
        unsafe raw.storeBytes(of: pfnToMfnFrameListList, toByteOffset: Offset.pfnToMfnFrameListList, as: UInt64.self)
        unsafe raw.storeBytes(of: nmiReason, toByteOffset: Offset.nmiReason, as: UInt64.self)
        unsafe raw.storeBytes(of: p2mCr3, toByteOffset: Offset.p2mCr3, as: UInt64.self)
        unsafe raw.storeBytes(of: p2mVaddr, toByteOffset: Offset.p2mVaddr, as: UInt64.self)
        unsafe raw.storeBytes(of: p2mGeneration, toByteOffset: Offset.p2mGeneration, as: UInt64.self)
    }
}
