// Pinning, validation, the hypervisor L4 slots and base pointers.
import GuestMemory
import Platform
import Testing
import XenABI

typealias F = MMUFixture

@Suite struct MMUPinTests {
    @Test func pinL4ValidatesTreeAddsUserAndInstallsHypervisorSlots() throws {
        let f = try F()
        f.set(F.l4, 260, pte(5, 0x67))  // guest junk in a hypervisor slot: ignored, replaced
        f.set(F.l4, 256, pte(F.shimFrame, 0x67))
        try f.mmu.pin(level: 4, mfn: F.l4)

        #expect(f.info(F.l4) == PageTypeInfo(type: .l4, count: 1, validated: true, pinned: true))
        #expect(f.info(F.l3) == PageTypeInfo(type: .l3, count: 1, validated: true))
        #expect(f.info(F.l2) == PageTypeInfo(type: .l2, count: 1, validated: true))
        #expect(f.info(F.l1) == PageTypeInfo(type: .l1, count: 1, validated: true))
        #expect(f.info(F.buffer) == PageTypeInfo(type: .writable, count: 1, validated: true))
        #expect(f.info(12).count == 0)  // RO mappings take no type reference
        #expect(f.info(5).count == 0)   // the junk in slot 260 took nothing

        #expect(f.get(F.l4, 0) == pte(F.l3, 0x23 | 0x04 | 0x20))  // +U, +A
        #expect(f.get(F.l3, 0) == pte(F.l2, 0x27))
        #expect(f.get(F.l2, 2) == pte(F.l1, 0x27))
        #expect(f.get(F.l1, 0) == pte(F.buffer, 0x27))
        #expect(f.get(F.l1, 2) == pte(12, 0x25))
        #expect(f.get(F.l1, 3) == 0)  // not-present entries are untouched
        #expect(f.get(F.l4, 256) == pte(F.hypervisorL3a, 0x63))
        #expect(f.get(F.l4, 257) == pte(F.hypervisorL3b, 0x63))
        #expect(f.get(F.l4, 260) == 0)
        // Present entries were adjusted while their tables were first
        // validated: no shadow of them can be live, so nothing is queued for
        // the shim's replay and no flush is asked for (PageTypes.promoteTable).
        let sync = f.mmu.takeShadowSync()
        #expect(!sync.fullFlush && sync.addresses.isEmpty)
    }

    @Test func unpinReleasesWholeTree() throws {
        let f = try F()
        try f.mmu.pin(level: 4, mfn: F.l4)
        try f.mmu.unpin(mfn: F.l4)
        #expect(f.noReferences)
        #expect(f.info(F.l1).type == .none)
        // Frames that were page tables may now be mapped writable.
        try f.mmu.pin(level: 1, mfn: 6)
        f.set(6, 0, 0)
        #expect(f.info(6).type == .l1)
    }

    @Test func sharedSubtreeIsCountedOnce() throws {
        let f = try F()
        f.set(F.l4, 1, pte(F.l3, F.upper))  // a second L4 slot to the same L3
        try f.mmu.pin(level: 4, mfn: F.l4)
        #expect(f.info(F.l3).count == 2)
        #expect(f.info(F.l2).count == 1)
        try f.mmu.unpin(mfn: F.l4)
        #expect(f.noReferences)
    }

    @Test func pinAndUnpinErrors() throws {
        let f = try F()
        try f.mmu.pin(level: 1, mfn: F.l1)
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 1, mfn: F.l1) }  // double pin
        #expect(f.info(F.l1).count == 1)
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 2, mfn: F.l1) }  // wrong type
        #expect(throws: XenErrno.EINVAL) { try f.mmu.unpin(mfn: F.l2) }          // not pinned
        #expect(throws: XenErrno.EINVAL) { try f.mmu.unpin(mfn: F.sharedInfo) }  // not RAM
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 4, mfn: F.sharedInfo) }
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 4, mfn: 1 << 40) }
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 5, mfn: F.l4) }
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 0, mfn: F.l4) }
        try f.mmu.unpin(mfn: F.l1)
        #expect(f.noReferences)
    }

    /// A table that cannot be validated leaves no reference behind.
    struct BadTree: CustomTestStringConvertible, Sendable {
        let name: String
        let level: Int
        let mfn: UInt64
        let edit: @Sendable (MMUFixture) -> Void
        let error: XenErrno
        var testDescription: String { name }
    }

    static let badTrees: [BadTree] = [
        BadTree(name: "L1 RW maps its own frame", level: 4, mfn: F.l4,
                edit: { $0.set(F.l1, 7, pte(F.l1, F.rwData)) }, error: .EBUSY),
        BadTree(name: "L1 RW maps the L2", level: 4, mfn: F.l4,
                edit: { $0.set(F.l1, 7, pte(F.l2, F.rwData)) }, error: .EBUSY),
        BadTree(name: "L1 RW maps the L4", level: 4, mfn: F.l4,
                edit: { $0.set(F.l1, 7, pte(F.l4, F.rwData)) }, error: .EBUSY),
        BadTree(name: "L1 maps a shim frame", level: 4, mfn: F.l4,
                edit: { $0.set(F.l1, 7, pte(F.shimFrame, F.roData)) }, error: .EPERM),
        BadTree(name: "L1 maps our L3", level: 1, mfn: F.l1,
                edit: { $0.set(F.l1, 7, pte(F.hypervisorL3a, F.roData)) }, error: .EPERM),
        BadTree(name: "L1 maps a frame outside memory", level: 1, mfn: F.l1,
                edit: { $0.set(F.l1, 7, pte(0xF_FFFF_FFFF, F.roData)) }, error: .EPERM),
        BadTree(name: "L1 with PCD", level: 1, mfn: F.l1,
                edit: { $0.set(F.l1, 7, pte(20, F.roData | 0x10)) }, error: .EINVAL),
        BadTree(name: "L1 with PAT", level: 1, mfn: F.l1,
                edit: { $0.set(F.l1, 7, pte(20, F.roData | 0x80)) }, error: .EINVAL),
        BadTree(name: "L1 with the grant bit", level: 1, mfn: F.l1,
                edit: { $0.set(F.l1, 7, pte(20, F.roData | 1 << 62)) }, error: .EINVAL),
        BadTree(name: "L2 superpage", level: 4, mfn: F.l4,
                edit: { $0.set(F.l2, 9, pte(0, F.upper | 0x80)) }, error: .EINVAL),
        BadTree(name: "L3 superpage", level: 4, mfn: F.l4,
                edit: { $0.set(F.l3, 9, pte(0, F.upper | 0x80)) }, error: .EINVAL),
        BadTree(name: "L2 global", level: 2, mfn: F.l2,
                edit: { $0.set(F.l2, 9, pte(20, F.upper | 0x100)) }, error: .EINVAL),
        BadTree(name: "L2 points outside RAM", level: 2, mfn: F.l2,
                edit: { $0.set(F.l2, 9, pte(F.sharedInfo, F.upper)) }, error: .EINVAL),
        BadTree(name: "L4 entry points to itself", level: 4, mfn: F.l4,
                edit: { $0.set(F.l4, 9, pte(F.l4, F.upper)) }, error: .EINVAL),
        BadTree(name: "L2 entry points to itself", level: 4, mfn: F.l4,
                edit: { $0.set(F.l2, 9, pte(F.l2, F.upper)) }, error: .EINVAL),
        BadTree(name: "L3 entry points back to the L4", level: 4, mfn: F.l4,
                edit: { $0.set(F.l3, 9, pte(F.l4, F.upper)) }, error: .EINVAL),
        BadTree(name: "L2 entry points to the L3 above it", level: 4, mfn: F.l4,
                edit: { $0.set(F.l2, 9, pte(F.l3, F.upper)) }, error: .EINVAL),
        BadTree(name: "L3 entry points to an L1 (wrong level)", level: 4, mfn: F.l4,
                edit: { $0.set(F.l3, 9, pte(F.l1, F.upper)) }, error: .EINVAL),
        BadTree(name: "loop: L3 and L2 pointing at each other", level: 3, mfn: F.l3,
                edit: { $0.set(F.l2, 9, pte(F.l3, F.upper)) }, error: .EINVAL),
        BadTree(name: "L2 maps an L1 mapped writable elsewhere", level: 4, mfn: F.l4,
                edit: { $0.set(F.l2, 9, pte(F.buffer, F.upper)) }, error: .EINVAL),
    ]

    @Test(arguments: badTrees)
    func refusedTreeLeavesNoReferences(_ bad: BadTree) throws {
        let f = try F()
        bad.edit(f)
        #expect(throws: bad.error) { try f.mmu.pin(level: bad.level, mfn: bad.mfn) }
        #expect(f.noReferences)
        #expect(f.info(bad.mfn).type == .none)
    }

    @Test func foreignMappableFrameAllowedWithoutTypeTracking() throws {
        let f = try F()
        f.set(F.l1, 7, pte(F.sharedInfo, F.rwData))
        try f.mmu.pin(level: 4, mfn: F.l4)
        #expect(f.get(F.l1, 7) == pte(F.sharedInfo, F.rwData | F.user))
        try f.mmu.unpin(mfn: F.l4)
        #expect(f.noReferences)
    }

    @Test func pinningAWritablyMappedFrameFails() throws {
        let f = try F()
        try f.mmu.pin(level: 4, mfn: F.l4)
        // Frame 10 is mapped RW by the pinned L1.
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 1, mfn: F.buffer) }
        #expect(f.info(F.buffer) == PageTypeInfo(type: .writable, count: 1, validated: true))
    }

    @Test func baseptrSwitchMovesReferences() throws {
        let f = try F()
        f.set(20, 0, pte(F.l3, F.upper))  // a second L4 sharing the L3
        try f.mmu.pin(level: 4, mfn: F.l4)
        try f.mmu.setBaseptr(f.vcpu, mfn: F.l4, user: false)
        #expect(f.vcpu.guestTable == F.l4 << 12)
        #expect(f.vcpu.dirty.contains(.cr3))
        #expect(f.info(F.l4).count == 2)

        f.vcpu.dirty = []
        try f.mmu.setBaseptr(f.vcpu, mfn: 20, user: false)  // unpinned: validated on use
        #expect(f.vcpu.guestTable == 20 << 12)
        #expect(f.vcpu.dirty.contains(.cr3))
        #expect(f.info(20) == PageTypeInfo(type: .l4, count: 1, validated: true))
        #expect(f.get(20, 256) == pte(F.hypervisorL3a, 0x63))
        #expect(f.info(F.l4).count == 1)
        #expect(f.info(F.l3).count == 2)

        // The user base pointer is not active in kernel mode: no CR3 reload.
        f.vcpu.dirty = []
        try f.mmu.setBaseptr(f.vcpu, mfn: F.l4, user: true)
        #expect(f.vcpu.guestTableUser == F.l4 << 12)
        #expect(!f.vcpu.dirty.contains(.cr3))
        #expect(f.info(F.l4).count == 2)
        try f.mmu.setBaseptr(f.vcpu, mfn: 0, user: true)
        #expect(f.vcpu.guestTableUser == 0)
        #expect(f.info(F.l4).count == 1)

        #expect(throws: XenErrno.EINVAL) { try f.mmu.setBaseptr(f.vcpu, mfn: 0, user: false) }
        #expect(throws: XenErrno.EINVAL) { try f.mmu.setBaseptr(f.vcpu, mfn: F.l1, user: false) }
        #expect(throws: XenErrno.EINVAL) { try f.mmu.setBaseptr(f.vcpu, mfn: F.sharedInfo, user: false) }
        #expect(f.vcpu.guestTable == 20 << 12)

        // Unpinning keeps the tree alive while a base pointer uses it.
        try f.mmu.setBaseptr(f.vcpu, mfn: F.l4, user: false)
        try f.mmu.unpin(mfn: F.l4)
        #expect(f.info(F.l4) == PageTypeInfo(type: .l4, count: 1, validated: true))
        #expect(f.info(20).count == 0)
        #expect(f.info(F.l1).validated)
    }

    @Test func userModeMakesUserBaseptrActive() throws {
        let f = try F()
        try f.boot()
        f.vcpu.kernelMode = false
        f.vcpu.dirty = []
        try f.mmu.setBaseptr(f.vcpu, mfn: F.l4, user: true)
        #expect(f.vcpu.dirty.contains(.cr3))
    }

    @Test func teardownDropsEverything() throws {
        let f = try F()
        try f.boot()
        try f.mmu.setBaseptr(f.vcpu, mfn: F.l4, user: true)
        f.mmu.teardown()
        #expect(f.noReferences)
        #expect(f.vcpu.guestTable == 0 && f.vcpu.guestTableUser == 0)
        f.mmu.teardown()  // idempotent
        try f.mmu.pin(level: 4, mfn: F.l4)  // and usable again
    }
}
