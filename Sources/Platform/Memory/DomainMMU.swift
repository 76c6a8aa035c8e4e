// Connects a domain's hypercalls to its MMU (MMU.swift): argument decoding
// for mmu_update, update_va_mapping and mmuext_op as the guest passes them
// in registers, and writable-page-table emulation on a #PF.
import XenABI
import XenPV

public final class DomainMMU: MMUHooks {
    public let mmu: MMU

    public init(mmu: MMU) { self.mmu = mmu }

    /// Pins the builder's initial L4 and makes it vCPU 0's kernel base
    /// pointer, as Xen's domain builder does before the guest starts
    /// (xen/arch/x86/pv/dom0_build.c, libxenguest's xc_dom_boot: pin L4,
    /// then new_guest_cr3).
    public func adoptInitialTables(l4: UInt64, vcpu: PVVCPU) throws(XenErrno) {
        let mfn = l4 >> PageTableEntry.pageShift
        try mmu.pin(level: 4, mfn: mfn)
        vcpu.guestTable = 0
        try mmu.setBaseptr(vcpu, mfn: mfn, user: false)
        vcpu.dirty.remove(.cr3)
    }

    // mmu_update(reqs, count, success_count, domid)
    public func mmuUpdate(_ d: Domain, _ v: PVVCPU, _ a: [UInt64]) -> UInt64 {
        sync(d)
        let space = GuestAddressSpace(memory: d.memory, l4: v.currentTable)
        let rc = mmu.doMMUUpdate(vcpu: v, space: space, requests: a[0], count: a[1], successCountVA: a[2],
                                 domid: UInt16(truncatingIfNeeded: a[3]))
        return UInt64(bitPattern: rc)
    }

    // update_va_mapping(va, val, flags)
    public func updateVAMapping(_ d: Domain, _ v: PVVCPU, _ a: [UInt64]) -> UInt64 {
        sync(d)
        return UInt64(bitPattern: mmu.doUpdateVAMapping(vcpu: v, va: a[0], val: a[1], flags: a[2]))
    }

    // mmuext_op(ops, count, success_count, domid)
    public func mmuextOp(_ d: Domain, _ v: PVVCPU, _ a: [UInt64]) -> UInt64 {
        sync(d)
        let space = GuestAddressSpace(memory: d.memory, l4: v.currentTable)
        let rc = mmu.doMMUExtOp(vcpu: v, space: space, ops: a[0], count: a[1], successCountVA: a[2],
                                domid: UInt16(truncatingIfNeeded: a[3]))
        return UInt64(bitPattern: rc)
    }

    // memory_op(XENMEM_{increase,decrease}_reservation | populate_physmap
    // | start_extent << MEMOP_EXTENT_SHIFT, reservation)
    public func memoryReservation(_ d: Domain, _ v: PVVCPU, op: MemoryOp, startExtent: UInt64,
                                  arg: UInt64) -> UInt64 {
        let space = GuestAddressSpace(memory: d.memory, l4: v.currentTable)
        let inUse = Self.hypervisorRAMFrames(d)
        return mmu.doMemoryReservation(op: op, startExtent: startExtent, space: space, arg: arg,
                                       selfDomid: d.domid, isHypervisorFrame: { inUse.contains($0) })
    }

    /// Guest frames the hypervisor itself reads and writes by machine
    /// address, which must not be released under it: the console and
    /// xenstore rings (start_info) and each vCPU's vcpu_info
    /// (VCPUOP_register_vcpu_info; Xen holds a writable type reference on
    /// that page, map_guest_area). Entries outside RAM are harmless.
    static func hypervisorRAMFrames(_ d: Domain) -> [UInt64] {
        var frames = [d.consoleRing >> PageTableEntry.pageShift, d.storeRing >> PageTableEntry.pageShift]
        for vcpu in d.vcpus { frames.append(vcpu.vcpuInfoAddress >> PageTableEntry.pageShift) }
        return frames
    }

    public func emulatePTWrite(_ d: Domain, _ v: PVVCPU, _ f: Frame, cr2: UInt64) -> Bool {
        sync(d)
        guard mmu.writablePageTables else { return false }
        var regs = d.registers(f)
        let space = GuestAddressSpace(memory: d.memory, l4: v.currentTable)
        let handled = mmu.emulatePTWrite(vcpu: v, faultAddress: cr2, errorCode: f.errorCode, registers: &regs) {
            (rip: UInt64) throws(XenErrno) -> [UInt8] in try space.read(at: rip, count: 15)
        }
        if handled {
            for i in 0..<16 { f[register: i] = regs[i] }
            f.rip = regs.rip
            f.rflags = regs.rflags
        }
        return handled
    }

    public func setGDT(_ d: Domain, _ v: PVVCPU, frames: [UInt64], entries: UInt64) -> UInt64 {
        do { try mmu.setGDT(v, frames: frames, entries: entries) } catch { return error.hypercallReturnValue }
        return 0
    }

    public func updateDescriptor(_ d: Domain, _ v: PVVCPU, address: UInt64, descriptor: UInt64) -> UInt64 {
        do { try mmu.updateDescriptor(address: address, descriptor: descriptor) } catch { return error.hypercallReturnValue }
        return 0
    }

    public func takeShadowSync() -> (addresses: [UInt64], fullFlush: Bool) { mmu.takeShadowSync() }

    public func isOwnedFrame(_ mfn: UInt64) -> Bool { mmu.isOwned(mfn: mfn) }

    public var needsShadowFlush: Bool {
        get { mmu.needsShadowFlush }
        set { mmu.needsShadowFlush = newValue }
    }

    /// VMASST_TYPE_writable_pagetables follows the domain's vm_assist bits.
    func sync(_ d: Domain) {
        let on = d.vmAssist & (1 << VMAssistType.writablePagetables.rawValue) != 0
        if mmu.writablePageTables != on { mmu.writablePageTables = on }
    }
}
