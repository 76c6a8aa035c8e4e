// The frame the shim's entry stubs build on the per-vCPU stack for every
// entry from the guest (trap, interrupt, `syscall`), shared by shim/entry.S,
// the shim's Swift code and the host (which reads and rewrites it while the
// shim waits in an exit). Lowest address first: the 15 general-purpose
// registers as pushed by the common entry path, then the vector and error
// code pushed by the per-vector stub, then the hardware `iretq` frame.
// Xen analogue: struct cpu_user_regs (public/arch-x86/xen-x86_64.h), whose
// order this does not follow because the hardware part must end the frame.

/// Byte offsets and size of the shim's entry frame.
public enum ShimFrame {
    public static let rax = 0, rbx = 8, rcx = 16, rdx = 24, rsi = 32, rdi = 40, rbp = 48
    public static let r8 = 56, r9 = 64, r10 = 72, r11 = 80, r12 = 88, r13 = 96, r14 = 104, r15 = 112
    public static let vector = 120, errorCode = 128
    public static let rip = 136, cs = 144, rflags = 152, rsp = 160, ss = 168
    public static let size = 176

    /// Pseudo-vector for a `syscall` from 64-bit guest code (LSTAR).
    public static let vectorSyscall: UInt64 = 0x100
    /// Pseudo-vector for a `syscall` from compatibility-mode code (CSTAR).
    public static let vectorSyscall32: UInt64 = 0x101
    /// The external-interrupt vector the host injects to get the vCPU into
    /// the shim when an event is pending while guest code runs.
    public static let vectorEventCheck: UInt64 = 0xf0

    /// Where the host maps the shim's `syscall` page (L4 slot 258, read-only,
    /// user-readable) and the offsets of its two entries in that page
    /// (shim/entry.S, DomainBuilder's Layout.syscallAliasVirtBase).
    public static let syscallPageAlias: UInt64 = 0xFFFF_8100_0000_0000
    public static let syscallEntryOffset: UInt64 = 0
    public static let syscall32EntryOffset: UInt64 = 0x20

    /// The I/O port the shim writes (32-bit `out`) to exit to the host; the
    /// value written is the entry's vector + 1 (never 0).
    public static let exitPort: UInt16 = 0x0e0

    /// Offset of a general-purpose register (x86 numbering: 0 rax, 1 rcx,
    /// 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi, 7 rdi, 8-15 r8-r15).
    public static func offset(ofRegister n: Int) -> Int {
        switch n {
        case 0: return rax
        case 1: return rcx
        case 2: return rdx
        case 3: return rbx
        case 4: return rsp
        case 5: return rbp
        case 6: return rsi
        case 7: return rdi
        default: return r8 + (n - 8) * 8
        }
    }
}

/// The per-vCPU data page, right above the shim stack (every entry's frame
/// ends at the stack top).
public enum ShimPerCPU {
    /// Top of this vCPU's shim stack.
    public static let stackTop = 8
    /// vCPU id.
    public static let vcpuID = 16
    /// A CR3 value the host leaves for the shim to load on its way back to
    /// the guest (0: none). Loading CR3 from inside the VM lets KVM reuse its
    /// cached shadow roots; KVM_SET_SREGS resets the whole MMU context.
    public static let pendingCR3 = 32
    /// Entry counters: one u64 per vector 0-255, then syscall, syscall32.
    public static let entryCounters = 0x100
    public static let entryCounterCount = 258
    /// Exit-to-host counters, one u64 per entry vector as above.
    public static let exitCounters = 0x100 + 258 * 8
}

/// The per-vCPU shadow-sync queue (shim/entry.S shim_apply_sync): entries
/// the host leaves for the shim to perform at CPL0 on its way back to the
/// guest, so that KVM's shadow MMU sees page-table changes the host made
/// (a host write is invisible to it). It starts `offsetFromPerCPU` bytes
/// after the per-vCPU page: a u64 count, then `capacity` entries of
/// { u64 target; u64 value }. target bit 0 clear: store `value` at the
/// virtual address `target`; bit 0 set: `invlpg` at target & ~1.
public enum ShimSyncQueue {
    public static let offsetFromPerCPU = 0x3000
    public static let entries = 8
    public static let entrySize = 16
    public static let capacity = (0x9000 - 8) / 16
    public static let invlpgFlag: UInt64 = 1
}
