// mmu_update and update_va_mapping.
import GuestMemory
import Platform
import Testing
import XenABI

@Suite struct MMUUpdateTests {
    static let normal: UInt64 = 0
    static let machphys: UInt64 = 1
    static let preserveAD: UInt64 = 2

    static func slot(_ mfn: UInt64, _ index: Int) -> UInt64 { mfn << 12 + UInt64(index) * 8 }

    @Test func l1UpdateMovesWritableReferences() throws {
        let f = try F()
        try f.boot()
        _ = f.mmu.takeShadowSync()
        // Not present -> present: no shadow flush needed.
        #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(13, F.rwData))]) == 0)
        #expect(f.get(F.l1, 8) == pte(13, F.rwData | F.user))
        #expect(f.info(13) == PageTypeInfo(type: .writable, count: 1, validated: true))
        #expect(f.mmu.takeShadowSync().addresses.isEmpty)
        // Present -> another frame: references move, the entry is replayed for KVM's shadow.
        #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(14, F.rwData))]) == 0)
        #expect(f.info(13).count == 0)
        #expect(f.info(14).count == 1)
        #expect(f.mmu.takeShadowSync().addresses == [F.l1 * 4096 + 8 * 8])
        // RW -> RO of the same frame drops the writable reference.
        #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(14, F.roData))]) == 0)
        #expect(f.info(14).count == 0)
        // Present -> not present.
        #expect(f.mmuUpdate([(Self.slot(F.l1, 8), 0)]) == 0)
        #expect(f.get(F.l1, 8) == 0)
        #expect(f.mmu.takeShadowSync().addresses == [F.l1 * 4096 + 8 * 8])
    }

    @Test func fastPathKeepsReferences() throws {
        let f = try F()
        try f.boot()
        // Only A/D/NX/available bits change: no reference moves.
        let v = pte(11, F.rwData | 0x40 | 1 << 63 | 1 << 55)
        #expect(f.mmuUpdate([(Self.slot(F.l1, 1), v)]) == 0)
        #expect(f.get(F.l1, 1) == v | F.user)
        #expect(f.info(11).count == 1)
    }

    @Test func refusesWritableMappingOfPageTables() throws {
        let f = try F()
        try f.boot()
        for table in [F.l4, F.l3, F.l2, F.l1] {
            #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(table, F.rwData))]) == errno(.EBUSY))
            #expect(f.get(F.l1, 8) == 0)
            // Read-only is fine.
            #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(table, F.roData))]) == 0)
            #expect(f.mmuUpdate([(Self.slot(F.l1, 8), 0)]) == 0)
        }
        #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(F.shimFrame, F.roData))]) == errno(.EPERM))
        #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(F.sharedInfo, F.rwData))]) == 0)
    }

    @Test func upperLevelUpdatesValidateNewTables() throws {
        let f = try F()
        try f.boot()
        // A new L1 (frame 5) mapping frame 15 RW, hooked into L2 slot 3.
        f.set(5, 0, pte(15, F.rwData))
        #expect(f.mmuUpdate([(Self.slot(F.l2, 3), pte(5, F.upper))]) == 0)
        #expect(f.info(5) == PageTypeInfo(type: .l1, count: 1, validated: true))
        #expect(f.info(15).count == 1)
        #expect(f.get(5, 0) == pte(15, F.rwData | F.user))
        // Now frame 5 can no longer be mapped writable, nor written plainly.
        #expect(f.mmuUpdate([(Self.slot(F.l1, 8), pte(5, F.rwData))]) == errno(.EBUSY))
        // Unhooking it devalidates it and releases frame 15.
        #expect(f.mmuUpdate([(Self.slot(F.l2, 3), 0)]) == 0)
        #expect(f.info(5).count == 0)
        #expect(f.info(15).count == 0)
        // An L2 entry may not point at an L2 (linear page table) or itself.
        #expect(f.mmuUpdate([(Self.slot(F.l2, 3), pte(F.l2, F.upper))]) == errno(.EINVAL))
        #expect(f.mmuUpdate([(Self.slot(F.l4, 3), pte(F.l4, F.upper))]) == errno(.EINVAL))
        #expect(f.mmuUpdate([(Self.slot(F.l2, 3), pte(6, F.upper | 0x80))]) == errno(.EINVAL))
    }

    @Test(arguments: 256...271)
    func hypervisorSlotsAreRefused(_ slot: Int) throws {
        let f = try F()
        try f.boot()
        let before = f.get(F.l4, slot)
        #expect(f.mmuUpdate([(Self.slot(F.l4, slot), pte(F.l3, F.upper))]) == errno(.EINVAL))
        #expect(f.mmuUpdate([(Self.slot(F.l4, slot), 0)]) == errno(.EINVAL))
        #expect(f.get(F.l4, slot) == before)
    }

    @Test func guestL4SlotsOutsideTheHoleAreAllowed() throws {
        let f = try F()
        try f.boot()
        f.set(7, 0, 0)
        #expect(f.mmuUpdate([(Self.slot(F.l4, 255), pte(7, F.upper))]) == 0)
        #expect(f.mmuUpdate([(Self.slot(F.l4, 272), pte(7, F.upper))]) == 0)
        #expect(f.info(7) == PageTypeInfo(type: .l3, count: 2, validated: true))
        #expect(f.get(F.l4, 272) == pte(7, F.upper | 0x24))
    }

    @Test func preserveADKeepsAccessedAndDirty() throws {
        let f = try F()
        try f.boot()
        let ad: UInt64 = 0x60
        f.set(F.l1, 1, pte(11, F.rwData | F.user | ad))  // the CPU set A and D
        #expect(f.mmuUpdate([(Self.slot(F.l1, 1) | Self.preserveAD, pte(11, 0x01))]) == 0)
        #expect(f.get(F.l1, 1) == pte(11, 0x01 | F.user | ad))
        #expect(f.info(11).count == 0)  // RW dropped
        f.set(F.l1, 1, pte(11, 0x01 | F.user | ad))
        #expect(f.mmuUpdate([(Self.slot(F.l1, 1), pte(11, 0x01))]) == 0)
        #expect(f.get(F.l1, 1) == pte(11, 0x01 | F.user))
    }

    @Test func untypedFramesGetPlainWrites() throws {
        let f = try F()
        try f.boot()
        #expect(f.mmuUpdate([(Self.slot(30, 5), 0x1234_5678)]) == 0)
        #expect(f.get(30, 5) == 0x1234_5678)
        #expect(f.info(30) == PageTypeInfo(type: .writable, count: 0, validated: true))
        // A writable-typed (mapped RW) frame is written plainly too.
        #expect(f.mmuUpdate([(Self.slot(11, 0), 0xabc)]) == 0)
        #expect(f.get(11, 0) == 0xabc)
    }

    @Test func batchStopsAtFirstErrorAndReportsCount() throws {
        let f = try F()
        try f.boot()
        let countVA = F.bufferVA + 0x800
        let rc = f.mmuUpdate([
            (Self.slot(F.l1, 8), pte(13, F.rwData)),
            (Self.slot(F.l1, 9), pte(14, F.rwData)),
            (Self.slot(F.l1, 10), pte(F.l2, F.rwData)),  // refused
            (Self.slot(F.l1, 11), pte(15, F.rwData)),
        ], countVA: countVA)
        #expect(rc == errno(.EBUSY))
        #expect(try f.memory.load(UInt32.self, at: F.buffer << 12 + 0x800) == 2)
        #expect(f.get(F.l1, 11) == 0)
        #expect(f.info(15).count == 0)
    }

    struct Hostile: CustomTestStringConvertible, Sendable {
        let name: String
        let requests: UInt64
        let count: UInt64
        let domid: UInt16
        let ptr: UInt64
        let error: XenErrno
        var testDescription: String { name }
    }

    static let hostile: [Hostile] = [
        Hostile(name: "huge count", requests: F.bufferVA, count: 1 << 21, domid: 0x7FF0, ptr: 0, error: .EINVAL),
        Hostile(name: "count with the preempted bit", requests: F.bufferVA, count: 1 << 31, domid: 0x7FF0,
                ptr: 0, error: .EINVAL),
        Hostile(name: "foreign domain", requests: F.bufferVA, count: 1, domid: 0, ptr: 0, error: .ESRCH),
        Hostile(name: "DOMID_IO", requests: F.bufferVA, count: 1, domid: 0x7FF1, ptr: 0, error: .ESRCH),
        Hostile(name: "requests in the hypervisor hole", requests: 0xFFFF_8000_0000_0000, count: 1,
                domid: 0x7FF0, ptr: 0, error: .EFAULT),
        Hostile(name: "requests non-canonical", requests: 0x0000_8000_0000_0000, count: 1, domid: 0x7FF0,
                ptr: 0, error: .EFAULT),
        Hostile(name: "requests wrap around", requests: 0xFFFF_FFFF_FFFF_FFF8, count: 4, domid: 0x7FF0,
                ptr: 0, error: .EFAULT),
        Hostile(name: "requests unmapped", requests: 0x1000_0000, count: 1, domid: 0x7FF0, ptr: 0, error: .EFAULT),
        Hostile(name: "requests run off the mapping", requests: F.bufferVA + 0x2ff8, count: 2, domid: 0x7FF0,
                ptr: 0, error: .EFAULT),
        Hostile(name: "ptr outside RAM", requests: F.bufferVA, count: 1, domid: 0x7FF0,
                ptr: F.shimFrame << 12, error: .EINVAL),
        Hostile(name: "ptr far outside memory", requests: F.bufferVA, count: 1, domid: 0x7FF0,
                ptr: 0xFFFF_FFFF_FFFF_F000, error: .EINVAL),
        Hostile(name: "ptr misaligned (command 4)", requests: F.bufferVA, count: 1, domid: 0x7FF0,
                ptr: MMUUpdateTests.slot(F.l1, 8) | 4, error: .ENOSYS),
        Hostile(name: "ptr misaligned (command 7)", requests: F.bufferVA, count: 1, domid: 0x7FF0,
                ptr: MMUUpdateTests.slot(F.l1, 8) | 7, error: .ENOSYS),
        Hostile(name: "M2P update outside RAM", requests: F.bufferVA, count: 1, domid: 0x7FF0,
                ptr: F.sharedInfo << 12 | 1, error: .EINVAL),
    ]

    @Test(arguments: hostile)
    func hostileRequests(_ h: Hostile) throws {
        let f = try F()
        try f.boot()
        try f.memory.store(h.ptr, at: F.buffer << 12)
        try f.memory.store(pte(13, F.rwData), at: F.buffer << 12 + 8)
        let rc = f.mmu.doMMUUpdate(vcpu: f.vcpu, space: f.space, requests: h.requests, count: h.count,
                                   successCountVA: 0, domid: h.domid)
        #expect(rc == errno(h.error))
        #expect(f.info(13).count == 0)
    }

    @Test func requestsSpanningAPageBoundary() throws {
        let f = try F()
        try f.boot()
        // Entry 0 straddles frames 10 and 11 (VA 0x400ff8 .. 0x401007).
        try f.memory.store(Self.slot(F.l1, 8), at: F.buffer << 12 + 0xff8)
        try f.memory.store(pte(13, F.rwData), at: 11 << 12)
        let rc = f.mmu.doMMUUpdate(vcpu: f.vcpu, space: f.space, requests: F.bufferVA + 0xff8, count: 1,
                                   successCountVA: 0, domid: 0x7FF0)
        #expect(rc == 0)
        #expect(f.info(13).count == 1)
    }

    @Test func machphysUpdate() throws {
        let f = try F()
        try f.boot()
        #expect(f.mmuUpdate([(20 << 12 | Self.machphys, 20)]) == 0)  // identity: fine
        #expect(f.mmuUpdate([(20 << 12 | Self.machphys, 21)]) == errno(.EINVAL))
        final class Box: @unchecked Sendable { var writes: [(UInt64, UInt64)] = [] }
        let box = Box()
        f.mmu.m2pWrite = { box.writes.append(($0, $1)) }
        #expect(f.mmuUpdate([(20 << 12 | 0x120 | Self.machphys, 21)]) == 0)
        #expect(box.writes.count == 1 && box.writes[0] == (20, 21))
    }

    // MARK: update_va_mapping

    @Test func updateVAMappingChangesTheKernelL1() throws {
        let f = try F()
        try f.boot()
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: F.baseVA + 0x1000, val: pte(11, F.roData),
                                        flags: UVMF.invlpg.rawValue) == 0)
        #expect(f.get(F.l1, 1) == pte(11, F.roData | F.user))
        #expect(f.info(11).count == 0)
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: F.baseVA + 0x8000, val: pte(16, F.rwData),
                                        flags: UVMF.tlbFlush.rawValue | UVMF.all.rawValue) == 0)
        #expect(f.info(16).count == 1)
        // The L1's own read-only self mapping cannot be made writable.
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: F.l1SelfVA, val: pte(F.l1, F.rwData), flags: 0)
            == errno(.EBUSY))
        // A readable vCPU mask is fine; an unreadable one is -EFAULT after the update.
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: F.baseVA + 0x9000, val: pte(17, F.roData),
                                        flags: F.bufferVA | UVMF.invlpg.rawValue) == 0)
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: F.baseVA + 0xa000, val: pte(18, F.roData),
                                        flags: 0x7000_0000 | UVMF.invlpg.rawValue) == errno(.EFAULT))
        #expect(f.get(F.l1, 10) == pte(18, F.roData | F.user))
    }

    @Test(arguments: [
        UInt64(0xFFFF_8000_0000_0000),  // hypervisor hole
        0xFFFF_8400_0000_1000,
        0x0000_8000_0000_0000,  // non-canonical
        0x20_0000,              // L2 slot 1 not present
        0x80_0000_0000,         // L4 slot 1 not present
    ])
    func updateVAMappingWithoutAnL1(_ va: UInt64) throws {
        let f = try F()
        try f.boot()
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: va, val: pte(20, F.roData), flags: 0) == errno(.EINVAL))
    }

    @Test func updateVAMappingNeedsAValidatedL1() throws {
        let f = try F()
        // Tables built but never validated: refused.
        f.vcpu.guestTable = F.l4 << 12
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: F.baseVA, val: 0, flags: 0) == errno(.EINVAL))
        #expect(f.get(F.l1, 0) == pte(F.buffer, F.rwData))
        f.vcpu.guestTable = 0
        #expect(f.mmu.doUpdateVAMapping(vcpu: f.vcpu, va: F.baseVA, val: 0, flags: 0) == errno(.EINVAL))
    }
}
