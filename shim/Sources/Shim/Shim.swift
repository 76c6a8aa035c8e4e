// The shim: ring 0 of a Xenolith VM, the CPU half of Xen (DESIGN.md
// decision 3). Embedded Swift, built from source by scripts/build-shim.
//
// Every guest entry (trap, interrupt, `syscall`) reaches `shimTrap` with the
// frame the entry stubs built (XenPV.ShimFrame). The shim counts the entry
// and, for now, hands every entry to the host process (one `out` exit), which
// completes it by rewriting the frame; the shim then returns to the guest
// with `iretq`. Entries that can be completed without the host move here
// one by one (issue #6); the counters below are the figures that measure it.
//
// Rules for this file: general-purpose registers only (the build rejects
// SSE/x87/xsave/int3), no allocation, no runtime calls.
import XenPV

/// Maps an entry vector to its counter bucket (see ShimPerCPU).
@inline(__always)
func counterIndex(_ vector: UInt64) -> Int {
    if vector < 256 { return Int(vector) }
    return vector == ShimFrame.vectorSyscall ? 256 : 257
}

/// A `syscall` reaches its `ud2` in the syscall page (shim/entry.S) and
/// arrives here as a #UD at that address, or, if an interrupt was injected
/// between the `syscall` and the `ud2` (the `syscall` leaves RFLAGS.IF as
/// it was on these hosts), as that interrupt at the same address. Either
/// way the entry is the `syscall`: the frame is rewritten into it and its
/// pseudo-vector returned (a pending event is delivered on the way back to
/// the guest in any case). Any other entry returns `vector` unchanged. (The frame's CS is the guest's: on kvm-pvm the `syscall` does
/// not leave CPL3. A guest that jumps to the page itself gains nothing a
/// `syscall` would not give it: RCX and R11 are its own either way, and the
/// host sanitises the RFLAGS it returns with.)
@inline(__always)
func syscallFromEntry(_ frame: UnsafeMutableRawPointer, vector: UInt64) -> UInt64 {
    let rip = frame.load(fromByteOffset: ShimFrame.rip, as: UInt64.self)
    let kind: UInt64
    let cs: UInt64
    if rip == ShimFrame.syscallPageAlias + ShimFrame.syscallEntryOffset {
        kind = ShimFrame.vectorSyscall; cs = 0xe033       // FLAT_RING3_CS64
    } else if rip == ShimFrame.syscallPageAlias + ShimFrame.syscall32EntryOffset {
        kind = ShimFrame.vectorSyscall32; cs = 0xe023     // FLAT_RING3_CS32
    } else {
        return vector
    }
    frame.storeBytes(of: kind, toByteOffset: ShimFrame.vector, as: UInt64.self)
    frame.storeBytes(of: 0, toByteOffset: ShimFrame.errorCode, as: UInt64.self)
    frame.storeBytes(of: frame.load(fromByteOffset: ShimFrame.rcx, as: UInt64.self), toByteOffset: ShimFrame.rip, as: UInt64.self)
    frame.storeBytes(of: cs, toByteOffset: ShimFrame.cs, as: UInt64.self)
    frame.storeBytes(of: frame.load(fromByteOffset: ShimFrame.r11, as: UInt64.self), toByteOffset: ShimFrame.rflags, as: UInt64.self)
    frame.storeBytes(of: 0xe02b, toByteOffset: ShimFrame.ss, as: UInt64.self) // FLAT_RING3_SS64
    return kind
}

/// Handles one entry; returns the reason for an exit to the host (the
/// entry's vector + 1, so never 0), or 0 when the entry was completed here
/// (shim/entry.S does the `out`).
@_cdecl("shim_trap")
public func shimTrap(_ frame: UnsafeMutableRawPointer) -> UInt32 {
    // The per-vCPU data page sits right above the stack, whose top is the
    // end of the frame for every entry from the guest.
    let perCPU = frame + ShimFrame.size
    let vector = syscallFromEntry(frame, vector: frame.load(fromByteOffset: ShimFrame.vector, as: UInt64.self))
    let slot = counterIndex(vector) * 8
    let entries = perCPU.load(fromByteOffset: ShimPerCPU.entryCounters + slot, as: UInt64.self)
    perCPU.storeBytes(of: entries &+ 1, toByteOffset: ShimPerCPU.entryCounters + slot, as: UInt64.self)
    let exits = perCPU.load(fromByteOffset: ShimPerCPU.exitCounters + slot, as: UInt64.self)
    perCPU.storeBytes(of: exits &+ 1, toByteOffset: ShimPerCPU.exitCounters + slot, as: UInt64.self)
    return UInt32(truncatingIfNeeded: vector) &+ 1
}
