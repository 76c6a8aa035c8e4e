// Xen: public/arch-x86/xen-x86_64.h. The x86_64 PV specifics: flat
// selectors, the hypervisor hole, segment bases, the iret frame and the
// register file.

/// Constants of the x86_64 PV ABI: the flat ring-3 selectors a 64-bit PV
/// guest runs with (its kernel also runs in ring 3), and the hypervisor hole
/// at the bottom of the upper canonical half.
public enum XenX86_64 {
    /// GDT entry 260: 32-bit ring-3 code.
    ///
    /// Xen: `FLAT_RING3_CS32`, public/arch-x86/xen-x86_64.h.
    public static let flatRing3CS32: UInt16 = 0xe023

    /// GDT entry 262: 64-bit ring-3 code.
    ///
    /// Xen: `FLAT_RING3_CS64`, public/arch-x86/xen-x86_64.h.
    public static let flatRing3CS64: UInt16 = 0xe033

    /// GDT entry 261: ring-3 data.
    ///
    /// Xen: `FLAT_RING3_DS32`, public/arch-x86/xen-x86_64.h.
    public static let flatRing3DS32: UInt16 = 0xe02b

    /// The null selector.
    ///
    /// Xen: `FLAT_RING3_DS64`, public/arch-x86/xen-x86_64.h.
    public static let flatRing3DS64: UInt16 = 0x0000

    /// Xen: `FLAT_RING3_SS32`, public/arch-x86/xen-x86_64.h.
    public static let flatRing3SS32: UInt16 = 0xe02b

    /// Xen: `FLAT_RING3_SS64`, public/arch-x86/xen-x86_64.h.
    public static let flatRing3SS64: UInt16 = 0xe02b

    /// Xen: `FLAT_KERNEL_CS`, public/arch-x86/xen-x86_64.h.
    public static let flatKernelCS: UInt16 = flatRing3CS64

    /// Xen: `FLAT_KERNEL_CS32`, public/arch-x86/xen-x86_64.h.
    public static let flatKernelCS32: UInt16 = flatRing3CS32

    /// Xen: `FLAT_KERNEL_DS`, public/arch-x86/xen-x86_64.h.
    public static let flatKernelDS: UInt16 = flatRing3DS64

    /// Xen: `FLAT_KERNEL_DS32`, public/arch-x86/xen-x86_64.h.
    public static let flatKernelDS32: UInt16 = flatRing3DS32

    /// Xen: `FLAT_KERNEL_SS`, public/arch-x86/xen-x86_64.h.
    public static let flatKernelSS: UInt16 = flatRing3SS64

    /// Xen: `FLAT_KERNEL_SS32`, public/arch-x86/xen-x86_64.h.
    public static let flatKernelSS32: UInt16 = flatRing3SS32

    /// Xen: `FLAT_USER_CS`, public/arch-x86/xen-x86_64.h.
    public static let flatUserCS: UInt16 = flatRing3CS64

    /// Xen: `FLAT_USER_CS32`, public/arch-x86/xen-x86_64.h.
    public static let flatUserCS32: UInt16 = flatRing3CS32

    /// Xen: `FLAT_USER_DS`, public/arch-x86/xen-x86_64.h.
    public static let flatUserDS: UInt16 = flatRing3DS64

    /// Xen: `FLAT_USER_DS32`, public/arch-x86/xen-x86_64.h.
    public static let flatUserDS32: UInt16 = flatRing3DS32

    /// Xen: `FLAT_USER_SS`, public/arch-x86/xen-x86_64.h.
    public static let flatUserSS: UInt16 = flatRing3SS64

    /// Xen: `FLAT_USER_SS32`, public/arch-x86/xen-x86_64.h.
    public static let flatUserSS32: UInt16 = flatRing3SS32

    /// Start of the range reserved for the hypervisor (L4 slots 256-271).
    ///
    /// Xen: `HYPERVISOR_VIRT_START`, public/arch-x86/xen-x86_64.h.
    public static let hypervisorVirtStart: UInt64 = 0xFFFF_8000_0000_0000

    /// Xen: `HYPERVISOR_VIRT_END`, public/arch-x86/xen-x86_64.h.
    public static let hypervisorVirtEnd: UInt64 = 0xFFFF_8800_0000_0000

    /// Start of the read-only M2P table (one 8-byte PFN per MFN).
    ///
    /// Xen: `MACH2PHYS_VIRT_START`, public/arch-x86/xen-x86_64.h.
    public static let mach2PhysVirtStart: UInt64 = 0xFFFF_8000_0000_0000

    /// Xen: `MACH2PHYS_VIRT_END`, public/arch-x86/xen-x86_64.h.
    public static let mach2PhysVirtEnd: UInt64 = 0xFFFF_8040_0000_0000

    /// Xen: `MACH2PHYS_NR_ENTRIES`, public/arch-x86/xen-x86_64.h.
    public static let mach2PhysNrEntries: UInt64 = (mach2PhysVirtEnd - mach2PhysVirtStart) >> 3

    /// In `iret_context.flags`: returning from a system call (see `VGCF.inSyscall`).
    ///
    /// Xen: `VGCF_in_syscall`, public/arch-x86/xen-x86_64.h.
    public static let vgcfInSyscall: UInt64 = 1 << 8
}

/// Which base `set_segment_base` sets.
public struct SegBase: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// FS base.
    ///
    /// Xen: `SEGBASE_FS`, public/arch-x86/xen-x86_64.h.
    public static let fs = SegBase(rawValue: 0)

    /// The user GS base (the one SWAPGS swaps in).
    ///
    /// Xen: `SEGBASE_GS_USER`, public/arch-x86/xen-x86_64.h.
    public static let gsUser = SegBase(rawValue: 1)

    /// The kernel GS base.
    ///
    /// Xen: `SEGBASE_GS_KERNEL`, public/arch-x86/xen-x86_64.h.
    public static let gsKernel = SegBase(rawValue: 2)

    /// Load the user GS selector from bits 15:0 of the value.
    ///
    /// Xen: `SEGBASE_GS_USER_SEL`, public/arch-x86/xen-x86_64.h.
    public static let gsUserSel = SegBase(rawValue: 3)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "SEGBASE_FS"
        case 1: return "SEGBASE_GS_USER"
        case 2: return "SEGBASE_GS_KERNEL"
        case 3: return "SEGBASE_GS_USER_SEL"
        default: return "unknown"
        }
    }
}

/// The frame on the guest stack when it calls `iret` (RSP points at `rax`).
/// `flags` holds `VGCF_in_syscall` when returning from a system call.
///
/// Xen: `struct iret_context`, public/arch-x86/xen-x86_64.h.
public struct IretContext: Equatable, Sendable {
    /// Xen: `rax`.
    public var rax: UInt64
    /// Xen: `r11`.
    public var r11: UInt64
    /// Xen: `rcx`.
    public var rcx: UInt64
    /// Xen: `flags`.
    public var flags: UInt64
    /// Xen: `rip`.
    public var rip: UInt64
    /// Xen: `cs`.
    public var cs: UInt64
    /// Xen: `rflags`.
    public var rflags: UInt64
    /// Xen: `rsp`.
    public var rsp: UInt64
    /// Xen: `ss`.
    public var ss: UInt64

    /// `sizeof(struct iret_context)` on x86_64.
    public static let size = 72

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `rax`.
        public static let rax = 0
        /// Xen: `r11`.
        public static let r11 = 8
        /// Xen: `rcx`.
        public static let rcx = 16
        /// Xen: `flags`.
        public static let flags = 24
        /// Xen: `rip`.
        public static let rip = 32
        /// Xen: `cs`.
        public static let cs = 40
        /// Xen: `rflags`.
        public static let rflags = 48
        /// Xen: `rsp`.
        public static let rsp = 56
        /// Xen: `ss`.
        public static let ss = 64
    }

    /// Creates the value; omitted fields are zero.
    public init(
        rax: UInt64 = 0,
        r11: UInt64 = 0,
        rcx: UInt64 = 0,
        flags: UInt64 = 0,
        rip: UInt64 = 0,
        cs: UInt64 = 0,
        rflags: UInt64 = 0,
        rsp: UInt64 = 0,
        ss: UInt64 = 0
    ) {
        self.rax = rax
        self.r11 = r11
        self.rcx = rcx
        self.flags = flags
        self.rip = rip
        self.cs = cs
        self.rflags = rflags
        self.rsp = rsp
        self.ss = ss
    }

    /// Reads the fields from `72` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `IretContext.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.rax = unsafe raw.loadUnaligned(fromByteOffset: Offset.rax, as: UInt64.self)
        self.r11 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r11, as: UInt64.self)
        self.rcx = unsafe raw.loadUnaligned(fromByteOffset: Offset.rcx, as: UInt64.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt64.self)
        self.rip = unsafe raw.loadUnaligned(fromByteOffset: Offset.rip, as: UInt64.self)
        self.cs = unsafe raw.loadUnaligned(fromByteOffset: Offset.cs, as: UInt64.self)
        self.rflags = unsafe raw.loadUnaligned(fromByteOffset: Offset.rflags, as: UInt64.self)
        self.rsp = unsafe raw.loadUnaligned(fromByteOffset: Offset.rsp, as: UInt64.self)
        self.ss = unsafe raw.loadUnaligned(fromByteOffset: Offset.ss, as: UInt64.self)
    }

    /// Writes the fields into `72` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `IretContext.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: rax, toByteOffset: Offset.rax, as: UInt64.self)
        unsafe raw.storeBytes(of: r11, toByteOffset: Offset.r11, as: UInt64.self)
        unsafe raw.storeBytes(of: rcx, toByteOffset: Offset.rcx, as: UInt64.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt64.self)
        unsafe raw.storeBytes(of: rip, toByteOffset: Offset.rip, as: UInt64.self)
        unsafe raw.storeBytes(of: cs, toByteOffset: Offset.cs, as: UInt64.self)
        unsafe raw.storeBytes(of: rflags, toByteOffset: Offset.rflags, as: UInt64.self)
        unsafe raw.storeBytes(of: rsp, toByteOffset: Offset.rsp, as: UInt64.self)
        unsafe raw.storeBytes(of: ss, toByteOffset: Offset.ss, as: UInt64.self)
    }
}

/// The guest register file, as saved in `vcpu_guest_context.user_regs`.
///
/// Xen: `struct cpu_user_regs`, public/arch-x86/xen-x86_64.h.
public struct CPUUserRegs: Equatable, Sendable {
    /// Xen: `r15`.
    public var r15: UInt64
    /// Xen: `r14`.
    public var r14: UInt64
    /// Xen: `r13`.
    public var r13: UInt64
    /// Xen: `r12`.
    public var r12: UInt64
    /// Xen: `rbp`.
    public var rbp: UInt64
    /// Xen: `rbx`.
    public var rbx: UInt64
    /// Xen: `r11`.
    public var r11: UInt64
    /// Xen: `r10`.
    public var r10: UInt64
    /// Xen: `r9`.
    public var r9: UInt64
    /// Xen: `r8`.
    public var r8: UInt64
    /// Xen: `rax`.
    public var rax: UInt64
    /// Xen: `rcx`.
    public var rcx: UInt64
    /// Xen: `rdx`.
    public var rdx: UInt64
    /// Xen: `rsi`.
    public var rsi: UInt64
    /// Xen: `rdi`.
    public var rdi: UInt64
    /// Xen: `error_code`; private to Xen.
    public var errorCode: UInt32
    /// Xen: `entry_vector`; private to Xen.
    public var entryVector: UInt32
    /// Xen: `rip`.
    public var rip: UInt64
    /// Xen: `cs`.
    public var cs: UInt16
    /// Xen: `saved_upcall_mask`; `rflags.IF` is its inverse in a bounce frame.
    public var savedUpcallMask: UInt8
    /// Xen: `rflags`.
    public var rflags: UInt64
    /// Xen: `rsp`.
    public var rsp: UInt64
    /// Xen: `ss`.
    public var ss: UInt16
    /// Xen: `es`.
    public var es: UInt16
    /// Xen: `ds`.
    public var ds: UInt16
    /// Xen: `fs`.
    public var fs: UInt16
    /// Xen: `gs`.
    public var gs: UInt16

    /// `sizeof(struct cpu_user_regs)` on x86_64.
    public static let size = 200

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `r15`.
        public static let r15 = 0
        /// Xen: `r14`.
        public static let r14 = 8
        /// Xen: `r13`.
        public static let r13 = 16
        /// Xen: `r12`.
        public static let r12 = 24
        /// Xen: `rbp`.
        public static let rbp = 32
        /// Xen: `rbx`.
        public static let rbx = 40
        /// Xen: `r11`.
        public static let r11 = 48
        /// Xen: `r10`.
        public static let r10 = 56
        /// Xen: `r9`.
        public static let r9 = 64
        /// Xen: `r8`.
        public static let r8 = 72
        /// Xen: `rax`.
        public static let rax = 80
        /// Xen: `rcx`.
        public static let rcx = 88
        /// Xen: `rdx`.
        public static let rdx = 96
        /// Xen: `rsi`.
        public static let rsi = 104
        /// Xen: `rdi`.
        public static let rdi = 112
        /// Xen: `error_code`.
        public static let errorCode = 120
        /// Xen: `entry_vector`.
        public static let entryVector = 124
        /// Xen: `rip`.
        public static let rip = 128
        /// Xen: `cs`.
        public static let cs = 136
        /// Xen: `saved_upcall_mask`.
        public static let savedUpcallMask = 140
        /// Xen: `rflags`.
        public static let rflags = 144
        /// Xen: `rsp`.
        public static let rsp = 152
        /// Xen: `ss`.
        public static let ss = 160
        /// Xen: `es`.
        public static let es = 168
        /// Xen: `ds`.
        public static let ds = 176
        /// Xen: `fs`.
        public static let fs = 184
        /// Xen: `gs`.
        public static let gs = 192
    }

    /// Creates the value; omitted fields are zero.
    public init(
        r15: UInt64 = 0,
        r14: UInt64 = 0,
        r13: UInt64 = 0,
        r12: UInt64 = 0,
        rbp: UInt64 = 0,
        rbx: UInt64 = 0,
        r11: UInt64 = 0,
        r10: UInt64 = 0,
        r9: UInt64 = 0,
        r8: UInt64 = 0,
        rax: UInt64 = 0,
        rcx: UInt64 = 0,
        rdx: UInt64 = 0,
        rsi: UInt64 = 0,
        rdi: UInt64 = 0,
        errorCode: UInt32 = 0,
        entryVector: UInt32 = 0,
        rip: UInt64 = 0,
        cs: UInt16 = 0,
        savedUpcallMask: UInt8 = 0,
        rflags: UInt64 = 0,
        rsp: UInt64 = 0,
        ss: UInt16 = 0,
        es: UInt16 = 0,
        ds: UInt16 = 0,
        fs: UInt16 = 0,
        gs: UInt16 = 0
    ) {
        self.r15 = r15
        self.r14 = r14
        self.r13 = r13
        self.r12 = r12
        self.rbp = rbp
        self.rbx = rbx
        self.r11 = r11
        self.r10 = r10
        self.r9 = r9
        self.r8 = r8
        self.rax = rax
        self.rcx = rcx
        self.rdx = rdx
        self.rsi = rsi
        self.rdi = rdi
        self.errorCode = errorCode
        self.entryVector = entryVector
        self.rip = rip
        self.cs = cs
        self.savedUpcallMask = savedUpcallMask
        self.rflags = rflags
        self.rsp = rsp
        self.ss = ss
        self.es = es
        self.ds = ds
        self.fs = fs
        self.gs = gs
    }

    /// Reads the fields from `200` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `CPUUserRegs.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.r15 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r15, as: UInt64.self)
        self.r14 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r14, as: UInt64.self)
        self.r13 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r13, as: UInt64.self)
        self.r12 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r12, as: UInt64.self)
        self.rbp = unsafe raw.loadUnaligned(fromByteOffset: Offset.rbp, as: UInt64.self)
        self.rbx = unsafe raw.loadUnaligned(fromByteOffset: Offset.rbx, as: UInt64.self)
        self.r11 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r11, as: UInt64.self)
        self.r10 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r10, as: UInt64.self)
        self.r9 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r9, as: UInt64.self)
        self.r8 = unsafe raw.loadUnaligned(fromByteOffset: Offset.r8, as: UInt64.self)
        self.rax = unsafe raw.loadUnaligned(fromByteOffset: Offset.rax, as: UInt64.self)
        self.rcx = unsafe raw.loadUnaligned(fromByteOffset: Offset.rcx, as: UInt64.self)
        self.rdx = unsafe raw.loadUnaligned(fromByteOffset: Offset.rdx, as: UInt64.self)
        self.rsi = unsafe raw.loadUnaligned(fromByteOffset: Offset.rsi, as: UInt64.self)
        self.rdi = unsafe raw.loadUnaligned(fromByteOffset: Offset.rdi, as: UInt64.self)
        self.errorCode = unsafe raw.loadUnaligned(fromByteOffset: Offset.errorCode, as: UInt32.self)
        self.entryVector = unsafe raw.loadUnaligned(fromByteOffset: Offset.entryVector, as: UInt32.self)
        self.rip = unsafe raw.loadUnaligned(fromByteOffset: Offset.rip, as: UInt64.self)
        self.cs = unsafe raw.loadUnaligned(fromByteOffset: Offset.cs, as: UInt16.self)
        self.savedUpcallMask = unsafe raw.loadUnaligned(fromByteOffset: Offset.savedUpcallMask, as: UInt8.self)
        self.rflags = unsafe raw.loadUnaligned(fromByteOffset: Offset.rflags, as: UInt64.self)
        self.rsp = unsafe raw.loadUnaligned(fromByteOffset: Offset.rsp, as: UInt64.self)
        self.ss = unsafe raw.loadUnaligned(fromByteOffset: Offset.ss, as: UInt16.self)
        self.es = unsafe raw.loadUnaligned(fromByteOffset: Offset.es, as: UInt16.self)
        self.ds = unsafe raw.loadUnaligned(fromByteOffset: Offset.ds, as: UInt16.self)
        self.fs = unsafe raw.loadUnaligned(fromByteOffset: Offset.fs, as: UInt16.self)
        self.gs = unsafe raw.loadUnaligned(fromByteOffset: Offset.gs, as: UInt16.self)
    }

    /// Writes the fields into `200` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `CPUUserRegs.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: r15, toByteOffset: Offset.r15, as: UInt64.self)
        unsafe raw.storeBytes(of: r14, toByteOffset: Offset.r14, as: UInt64.self)
        unsafe raw.storeBytes(of: r13, toByteOffset: Offset.r13, as: UInt64.self)
        unsafe raw.storeBytes(of: r12, toByteOffset: Offset.r12, as: UInt64.self)
        unsafe raw.storeBytes(of: rbp, toByteOffset: Offset.rbp, as: UInt64.self)
        unsafe raw.storeBytes(of: rbx, toByteOffset: Offset.rbx, as: UInt64.self)
        unsafe raw.storeBytes(of: r11, toByteOffset: Offset.r11, as: UInt64.self)
        unsafe raw.storeBytes(of: r10, toByteOffset: Offset.r10, as: UInt64.self)
        unsafe raw.storeBytes(of: r9, toByteOffset: Offset.r9, as: UInt64.self)
        unsafe raw.storeBytes(of: r8, toByteOffset: Offset.r8, as: UInt64.self)
        unsafe raw.storeBytes(of: rax, toByteOffset: Offset.rax, as: UInt64.self)
        unsafe raw.storeBytes(of: rcx, toByteOffset: Offset.rcx, as: UInt64.self)
        unsafe raw.storeBytes(of: rdx, toByteOffset: Offset.rdx, as: UInt64.self)
        unsafe raw.storeBytes(of: rsi, toByteOffset: Offset.rsi, as: UInt64.self)
        unsafe raw.storeBytes(of: rdi, toByteOffset: Offset.rdi, as: UInt64.self)
        unsafe raw.storeBytes(of: errorCode, toByteOffset: Offset.errorCode, as: UInt32.self)
        unsafe raw.storeBytes(of: entryVector, toByteOffset: Offset.entryVector, as: UInt32.self)
        unsafe raw.storeBytes(of: rip, toByteOffset: Offset.rip, as: UInt64.self)
        unsafe raw.storeBytes(of: cs, toByteOffset: Offset.cs, as: UInt16.self)
        unsafe raw.storeBytes(of: savedUpcallMask, toByteOffset: Offset.savedUpcallMask, as: UInt8.self)
        unsafe raw.storeBytes(of: rflags, toByteOffset: Offset.rflags, as: UInt64.self)
        unsafe raw.storeBytes(of: rsp, toByteOffset: Offset.rsp, as: UInt64.self)
        unsafe raw.storeBytes(of: ss, toByteOffset: Offset.ss, as: UInt16.self)
        unsafe raw.storeBytes(of: es, toByteOffset: Offset.es, as: UInt16.self)
        unsafe raw.storeBytes(of: ds, toByteOffset: Offset.ds, as: UInt16.self)
        unsafe raw.storeBytes(of: fs, toByteOffset: Offset.fs, as: UInt16.self)
        unsafe raw.storeBytes(of: gs, toByteOffset: Offset.gs, as: UInt16.self)
    }
}

/// The x86_64 part of `vcpu_info`.
///
/// Xen: `struct arch_vcpu_info`, public/arch-x86/xen-x86_64.h.
public struct ArchVCPUInfo: Equatable, Sendable {
    /// Xen: `cr2`; the faulting address of the last page fault bounced to the guest.
    public var cr2: UInt64
    /// Xen: `pad`.
    public var pad: UInt64

    /// `sizeof(struct arch_vcpu_info)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `cr2`.
        public static let cr2 = 0
        /// Xen: `pad`.
        public static let pad = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        cr2: UInt64 = 0,
        pad: UInt64 = 0
    ) {
        self.cr2 = cr2
        self.pad = pad
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `ArchVCPUInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.cr2 = unsafe raw.loadUnaligned(fromByteOffset: Offset.cr2, as: UInt64.self)
        self.pad = unsafe raw.loadUnaligned(fromByteOffset: Offset.pad, as: UInt64.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `ArchVCPUInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: cr2, toByteOffset: Offset.cr2, as: UInt64.self)
        unsafe raw.storeBytes(of: pad, toByteOffset: Offset.pad, as: UInt64.self)
    }
}
