// vCPU runstate accounting (public/vcpu.h struct vcpu_runstate_info, 48
// bytes: int state; u64 state_entry_time; u64 time[4]) and the guest copies
// Xen keeps of it and of the pvclock:
// - VCPUOP_register_runstate_memory_area: a guest virtual address Xen
//   rewrites on every state change (xen/common/domain.c
//   update_runstate_area), with XEN_RUNSTATE_UPDATE set in
//   state_entry_time while it writes if the guest enabled
//   VMASST_TYPE_runstate_update_flag. Linux computes steal time from it.
// - VCPUOP_register_vcpu_time_memory_area: a guest virtual address of a
//   second vcpu_time_info (the vDSO's pvclock page), rewritten whenever the
//   vcpu_info copy is (xen/arch/x86/time.c update_guest_memory_policy /
//   __update_vcpu_system_time).
// Both addresses are translated through the vCPU's kernel page tables at
// every update, as Xen's copy_to_guest does; an unmapped address skips
// the update (Xen ignores the failure too).
import XenABI

public enum RunstateState: Int32, Sendable {
    case running = 0, runnable = 1, blocked = 2, offline = 3
}

extension Domain {
    static let runstateUpdateFlag: UInt64 = 1 << 63
    static let vmassistRunstateUpdateFlag: UInt64 = 5

    /// Moves `v` to `state` at the current system time and publishes it.
    public func setRunstate(_ v: PVVCPU, _ state: RunstateState) {
        let now = clock.now()
        let old = Int(v.runstate.rawValue)
        v.runstateTimes[old] &+= now &- v.runstateEntryTime
        v.runstate = state
        v.runstateEntryTime = now
        publishRunstate(v)
    }

    /// Writes the runstate to the registered guest area, if any.
    func publishRunstate(_ v: PVVCPU) {
        guard v.runstateArea != 0, v.guestTable != 0 else { return }
        let space = GuestAddressSpace(memory: memory, l4: v.guestTable)
        let va = v.runstateArea
        let flagged = vmAssist & (1 << Self.vmassistRunstateUpdateFlag) != 0
        if flagged { try? space.store(v.runstateEntryTime | Self.runstateUpdateFlag, at: va &+ 8) }
        var bytes: [UInt8] = []
        func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { bytes += $0 } }
        put(v.runstate.rawValue); put(UInt32(0))
        put(v.runstateEntryTime | (flagged ? Self.runstateUpdateFlag : 0))
        for t in v.runstateTimes { put(t) }
        guard (try? space.write(bytes, at: va)) != nil else { return }
        if flagged { try? space.store(v.runstateEntryTime, at: va &+ 8) }
    }

    /// Copies the vcpu_info's vcpu_time_info (32 bytes at +32) to the
    /// registered time area, with its version odd while the copy is made.
    func publishTimeArea(_ v: PVVCPU) {
        guard v.timeArea != 0, v.guestTable != 0,
              let info = try? memory.read(at: v.vcpuInfoAddress + 32, count: 32) else { return }
        let space = GuestAddressSpace(memory: memory, l4: v.guestTable)
        let version = UInt32(info[0]) | UInt32(info[1]) << 8 | UInt32(info[2]) << 16 | UInt32(info[3]) << 24
        guard (try? space.store(version | 1, at: v.timeArea)) != nil else { return }
        try? space.write(Array(info[4...]), at: v.timeArea &+ 4)
        try? space.store(version, at: v.timeArea)
    }
}
