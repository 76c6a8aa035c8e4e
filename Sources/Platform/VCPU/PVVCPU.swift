// The PV state of one virtual CPU that lives outside the CPU registers:
// Xen's struct vcpu / struct pv_vcpu (xen/include/xen/sched.h,
// xen/arch/x86/include/asm/domain.h). Owned by the vCPU's thread; other
// threads only reach it through the domain's event and kick paths.
import XenABI

/// One trap-table entry (Xen: struct trap_info, public/arch-x86/xen.h).
public struct TrapEntry: Sendable {
    public var address: UInt64 = 0
    /// Bits 0-1: DPL allowed for `int n`; bit 2: mask events on entry.
    public var flags: UInt8 = 0
    public var cs: UInt16 = 0
    public init() {}
}

/// A registered callback (Xen: struct callback_register).
public struct Callback: Sendable {
    public var address: UInt64 = 0
    public var maskEvents = false
    public init() {}
}

/// Hardware state the host must push into the KVM vCPU before resuming.
public struct HardwareDirty: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let cr3 = HardwareDirty(rawValue: 1)
    public static let fsBase = HardwareDirty(rawValue: 2)
    public static let gsBase = HardwareDirty(rawValue: 4)
    public static let gdt = HardwareDirty(rawValue: 8)
    public static let tlb = HardwareDirty(rawValue: 16)
    public static let cr0 = HardwareDirty(rawValue: 32)
}

public final class PVVCPU: @unchecked Sendable {
    // @unchecked: mutated only by the vCPU's own thread (see file comment).
    public let id: Int

    /// Xen's TF_kernel_mode: the guest is in (virtual) kernel mode.
    public var kernelMode = true
    /// Machine address of the kernel L4 (Xen: guest_table).
    public var guestTable: UInt64 = 0
    /// Machine address of the user L4, 0 if none (Xen: guest_table_user).
    public var guestTableUser: UInt64 = 0
    /// Kernel stack for bounces from user mode (stack_switch).
    public var kernelSS: UInt64 = 0
    public var kernelSP: UInt64 = 0

    public var fsBase: UInt64 = 0
    public var gsBaseKernel: UInt64 = 0
    public var gsBaseUser: UInt64 = 0

    public var trapTable = [TrapEntry](repeating: TrapEntry(), count: 256)
    public var eventCallback = Callback()
    public var failsafeCallback = Callback()
    public var syscallCallback = Callback()
    public var syscall32Callback = Callback()
    public var sysenterCallback = Callback()

    /// Machine address of this vCPU's vcpu_info (shared_info slot until
    /// VCPUOP_register_vcpu_info moves it).
    public var vcpuInfoAddress: UInt64 = 0
    public var vcpuInfoRegistered = false
    /// Guest VA of the runstate area, 0 if none.
    public var runstateArea: UInt64 = 0
    /// Runstate accounting (Runstate.swift): state, its start, ns per state.
    public var runstate: RunstateState = .running
    public var runstateEntryTime: UInt64 = 0
    public var runstateTimes: [UInt64] = [0, 0, 0, 0]
    /// The address of the last #PF answered with a shadow flush.
    public var lastSpuriousFault: UInt64?
    /// Guest VA of the secondary vcpu_time_info, 0 if none.
    public var timeArea: UInt64 = 0

    /// Virtual CR0.TS (fpu_taskswitch).
    public var virtualTS = false
    /// Guest-controlled CR4 bits (Xen: pv_fixup_guest_cr4).
    public var guestCR4: UInt64 = 0
    /// Virtual IOPL (PHYSDEVOP_set_iopl), 0-3.
    public var iopl: UInt32 = 0
    public var debugRegisters = [UInt64](repeating: 0, count: 8)
    /// LDT (MMUEXT_SET_LDT).
    public var ldtBase: UInt64 = 0
    public var ldtEntries: UInt32 = 0
    /// GDT frames (set_gdt) and entry count.
    public var gdtFrames: [UInt64] = []
    public var gdtEntries: Int = 0

    /// Single-shot timer deadline in system time (ns), nil if none.
    public var singleshotDeadline: UInt64?
    /// Periodic timer period in ns (0 = off).
    public var periodicPeriod: UInt64 = 0

    /// Online state (VCPUOP_up/down).
    public var online = false

    /// What the VMM must load into the hardware vCPU before resuming.
    public var dirty: HardwareDirty = []

    public init(id: Int) { self.id = id }

    /// The L4 currently loaded for the guest's mode.
    public var currentTable: UInt64 { kernelMode ? guestTable : guestTableUser }
    /// The guest's active GS base for its mode.
    public var activeGSBase: UInt64 { kernelMode ? gsBaseKernel : gsBaseUser }
}
