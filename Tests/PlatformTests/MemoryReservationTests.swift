// XENMEM_decrease_reservation, XENMEM_populate_physmap and
// XENMEM_increase_reservation on the MMU fixture's 64-frame domain
// (MMU+Reservation.swift; Xen: xen/common/memory.c). The struct
// xen_memory_reservation is written into the buffer frame (VA 0x400800),
// the extent list into frame 11 (VA 0x401000, RW).
import Glibc
import GuestMemory
import Platform
import Testing
import XenABI

/// Records the M2P writes the MMU makes (the VMM's `m2pWrite`).
final class M2PTable: @unchecked Sendable {
    // @unchecked: only touched from the test's thread.
    var entries: [UInt64: UInt64] = [:]
}

extension MMUFixture {
    static let reservationVA: UInt64 = bufferVA + 0x800
    static let listFrame: UInt64 = 11
    static let listVA: UInt64 = baseVA + 0x1000
    /// VA 0x402000 maps frame 12 read-only.
    static let readOnlyVA: UInt64 = baseVA + 0x2000
    static let readOnlyFrame: UInt64 = 12

    /// Writes `frames` as the xen_pfn_t list in frame `frame`.
    func writeList(_ frames: [UInt64], frame: UInt64 = listFrame) {
        for (i, value) in frames.enumerated() { try? memory.store(value, at: frame << 12 + UInt64(i) * 8) }
    }

    /// The first `count` entries of the list in frame `frame`.
    func list(_ count: Int, frame: UInt64 = listFrame) -> [UInt64] {
        (0..<count).map { (try? memory.load(UInt64.self, at: frame << 12 + UInt64($0) * 8)) ?? 0xdead }
    }

    /// Writes a struct xen_memory_reservation and runs `op` on it.
    func reservation(_ op: MemoryOp, list: [UInt64]? = nil, nrExtents: UInt64? = nil, order: UInt32 = 0,
                     memFlags: UInt32 = 0, domid: UInt16 = DomID.self_.rawValue, extentStart: UInt64 = listVA,
                     startExtent: UInt64 = 0, hypervisorFrames: Set<UInt64> = []) -> UInt64 {
        if let list { writeList(list) }
        let r = Self.buffer << 12 + 0x800
        try? memory.store(extentStart, at: r)
        try? memory.store(nrExtents ?? UInt64(list?.count ?? 0), at: r + 8)
        try? memory.store(order, at: r + 16)
        try? memory.store(memFlags, at: r + 20)
        try? memory.store(domid, at: r + 24)
        return mmu.doMemoryReservation(op: op, startExtent: startExtent, space: space, arg: Self.reservationVA,
                                       selfDomid: 1, isHypervisorFrame: { hypervisorFrames.contains($0) })
    }

    func decrease(_ frames: [UInt64], order: UInt32 = 0) -> UInt64 {
        reservation(.decreaseReservation, list: frames, order: order)
    }

    func populate(_ pfns: [UInt64], order: UInt32 = 0, memFlags: UInt32 = 0) -> UInt64 {
        reservation(.populatePhysmap, list: pfns, order: order, memFlags: memFlags)
    }

    func trackM2P() -> M2PTable {
        let table = M2PTable()
        mmu.m2pWrite = { table.entries[$0] = $1 }
        return table
    }

    /// Whether the RAM memfd has data (not a hole) at frame `mfn`:
    /// lseek(SEEK_DATA) returns the offset itself only inside data.
    func hasData(_ mfn: UInt64) -> Bool {
        let off = off_t(mfn << 12)
        return lseek(memory.regions[0].fd, off, 3 /* SEEK_DATA, <unistd.h> */) == off
    }

    /// 512-byte blocks allocated to the RAM memfd.
    var allocatedBlocks: Int {
        var st = stat()
        _ = fstat(memory.regions[0].fd, &st)
        return Int(st.st_blocks)
    }

    /// Fills frame `mfn` with a non-zero pattern.
    func dirty(_ mfn: UInt64) {
        try? memory.write([UInt8](repeating: 0xa5, count: 4096), at: mfn << 12)
    }

    func isZero(_ mfn: UInt64) -> Bool {
        ((try? memory.read(at: mfn << 12, count: 4096)) ?? [1]).allSatisfy { $0 == 0 }
    }
}

@Suite struct MemoryReservationTests {
    // MARK: decrease_reservation

    @Test func decreaseReleasesFramesToTheHost() throws {
        let f = try F()
        try f.boot()
        let m2p = f.trackM2P()
        for mfn: UInt64 in 20...22 { f.dirty(mfn) }
        #expect(f.hasData(20) && f.hasData(21) && f.hasData(22))
        f.dirty(F.buffer)
        f.dirty(F.listFrame)  // the struct and list pages exist before we count
        let blocks = f.allocatedBlocks
        _ = f.mmu.takeShadowSync()

        #expect(f.decrease([20, 22, 21]) == 3)

        // 3 pages of 8 blocks went back (measured before anything reads
        // them again: a read of a hole allocates a fresh zero page).
        #expect(f.allocatedBlocks == blocks - 3 * 8)
        #expect(f.mmu.currentReservation == 61)
        for mfn: UInt64 in 20...22 {
            #expect(!f.mmu.isOwned(mfn: mfn))
            #expect(f.mmu.pageTypeInfo(mfn: mfn) == nil)
            #expect(m2p.entries[mfn] == invalidM2PEntry)
            #expect(!f.hasData(mfn))  // a hole in the memfd
            #expect(f.isZero(mfn))
        }
        #expect(f.mmu.needsShadowFlush)
        #expect(f.mmu.isOwned(mfn: 23) && f.mmu.isOwned(mfn: 19))
    }

    @Test func releasedFrameIsRefusedLikeAForeignFrame() throws {
        let f = try F()
        try f.boot()
        #expect(f.decrease([20]) == 1)
        let slot = F.l1 << 12 + 6 * 8
        // L1 entries: read-write or read-only, -EPERM as for the shim frame.
        #expect(f.mmuUpdate([(slot, pte(20, F.rwData))]) == errno(.EPERM))
        #expect(f.mmuUpdate([(slot, pte(20, F.roData))]) == errno(.EPERM))
        #expect(f.mmuUpdate([(slot, pte(F.shimFrame, F.roData))]) == errno(.EPERM))
        // As a table, a pinned table, a machphys update, a page to clear.
        #expect(f.mmuUpdate([(F.l2 << 12 + 8 * 8, pte(20, F.upper))]) == errno(.EINVAL))
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 1, mfn: 20) }
        #expect(f.mmuUpdate([(20 << 12 | 1, 20)]) == errno(.EINVAL))
        #expect(f.mmuUpdate([(20 << 12, 0)]) == errno(.EINVAL))
        #expect(f.extOp([MMUExtOpEntry(cmd: MMUExtOp.clearPage.rawValue, arg1: 20, arg2: 0)]) == errno(.EINVAL))
        #expect(f.get(F.l1, 6) == 0)
    }

    @Test func readOnlyMappedFrameIsReleasedAndReadsZero() throws {
        // A read-only mapping takes no type reference, so the frame may go
        // (in Xen the mapping keeps the page alive; either way the guest
        // loses it). The stale mapping reads zeros.
        let f = try F()
        try f.boot()
        f.dirty(F.readOnlyFrame)
        #expect(try f.space.load(UInt64.self, at: F.readOnlyVA) != 0)
        #expect(f.decrease([F.readOnlyFrame]) == 1)
        #expect(try f.space.load(UInt64.self, at: F.readOnlyVA) == 0)
    }

    struct InUse: CustomTestStringConvertible, Sendable {
        let name: String
        let mfn: UInt64
        var testDescription: String { name }
    }

    /// Frames with type references stop the loop: the earlier extents stay
    /// released, the later ones untouched.
    @Test(arguments: [
        InUse(name: "pinned L4 and base pointer", mfn: F.l4),
        InUse(name: "L3 in use", mfn: F.l3),
        InUse(name: "L2 in use", mfn: F.l2),
        InUse(name: "L1 in use", mfn: F.l1),
        InUse(name: "mapped writable (the buffer)", mfn: F.buffer),
        InUse(name: "mapped writable (the list)", mfn: F.listFrame),
    ])
    func decreaseStopsAtFrameInUse(_ c: InUse) throws {
        let f = try F()
        try f.boot()
        let before = f.info(c.mfn)
        #expect(f.decrease([20, c.mfn, 21]) == 1)
        #expect(!f.mmu.isOwned(mfn: 20))
        #expect(f.mmu.isOwned(mfn: c.mfn) && f.mmu.isOwned(mfn: 21))
        #expect(f.info(c.mfn) == before)
        #expect(f.mmu.currentReservation == 63)
    }

    @Test func decreaseStopsAtPinnedL1AndHypervisorFrames() throws {
        let f = try F()
        try f.boot()
        try f.mmu.pin(level: 1, mfn: 30)
        #expect(f.decrease([30]) == 0)
        #expect(f.reservation(.decreaseReservation, list: [25, 26, 27], hypervisorFrames: [26]) == 1)
        #expect(f.mmu.isOwned(mfn: 26) && f.mmu.isOwned(mfn: 27) && !f.mmu.isOwned(mfn: 25))
    }

    @Test func decreaseStopsAtFramesNotOwnedOrOutsideRAM() throws {
        let f = try F()
        try f.boot()
        #expect(f.decrease([20, 20]) == 1)               // the second time it is not ours
        #expect(f.decrease([F.ramFrames]) == 0)
        #expect(f.decrease([F.sharedInfo]) == 0)         // a hypervisor frame
        #expect(f.decrease([1 << 40, 21]) == 0)
        #expect(f.decrease([UInt64.max]) == 0)
        #expect(f.decrease([UInt64.max - 3], order: 2) == 0)  // gmfn + j would wrap
        #expect(f.decrease([62], order: 2) == 0)         // runs past the end of RAM
        #expect(f.mmu.currentReservation == 63)
    }

    @Test func multiPageExtentIsReleasedWholeOrNotAtAll() throws {
        let f = try F()
        try f.boot()
        let m2p = f.trackM2P()
        #expect(f.decrease([32, 36], order: 2) == 2)
        #expect(f.mmu.currentReservation == 56)
        #expect((32..<40).allSatisfy { !f.mmu.isOwned(mfn: UInt64($0)) && m2p.entries[UInt64($0)] == invalidM2PEntry })
        // Frames 0-3 hold the L4, L3 and L2: nothing of the extent goes.
        #expect(f.decrease([0], order: 2) == 0)
        #expect(f.mmu.isOwned(mfn: 0))
        // Xen does not require alignment for decrease.
        #expect(f.decrease([41], order: 1) == 1)
        #expect(!f.mmu.isOwned(mfn: 41) && !f.mmu.isOwned(mfn: 42))
    }

    // MARK: populate_physmap / increase_reservation

    @Test func populateGivesTheSameFramesBackZeroedAndWritesMFNs() throws {
        let f = try F()
        try f.boot()
        let m2p = f.trackM2P()
        f.dirty(20)
        #expect(f.decrease([20, 21]) == 2)
        #expect(f.populate([21, 20]) == 2)
        #expect(f.list(2) == [21, 20])
        #expect(m2p.entries[20] == 20 && m2p.entries[21] == 21)
        #expect(f.mmu.isOwned(mfn: 20) && f.mmu.isOwned(mfn: 21))
        #expect(f.mmu.currentReservation == 64)
        #expect(f.isZero(20))
        // RAM again: the guest may map it writable.
        #expect(f.mmuUpdate([(F.l1 << 12 + 6 * 8, pte(20, F.rwData))]) == 0)
        #expect(f.info(20).type == .writable)
    }

    @Test func populateOfAnOwnedPFNGetsAnotherFrame() throws {
        let f = try F()
        try f.boot()
        let m2p = f.trackM2P()
        #expect(f.decrease([30]) == 1)
        // PV: the list holds guest PFNs; an owned number is no obstacle,
        // the guest gets a released frame and the M2P says which PFN.
        #expect(f.populate([5]) == 1)
        #expect(f.list(1) == [30])
        #expect(m2p.entries[30] == 5)
        #expect(f.populate([6]) == 0)  // nothing left to give (and at the maximum)
        #expect(f.list(1) == [6])
    }

    @Test func maximumReservationIsEnforced() throws {
        let f = try F(populatedFrames: 48, maxPages: 56)
        try f.boot()
        #expect(f.mmu.currentReservation == 48)
        #expect(f.mmu.maximumReservation == 56)
        let pfns = (48..<58).map { UInt64($0) }
        #expect(f.populate(pfns) == 8)
        #expect(f.list(9) == (48..<56).map { UInt64($0) } + [56])  // the 9th entry untouched
        #expect(f.mmu.currentReservation == 56)
        #expect(!f.mmu.isOwned(mfn: 56))
        // Room again after a decrease; a lower maximum takes nothing away.
        #expect(f.decrease([40]) == 1)
        #expect(f.populate([60]) == 1)
        #expect(f.list(1) == [60])
        f.mmu.maximumReservation = 50
        #expect(f.mmu.currentReservation == 56)
        #expect(f.populate([61]) == 0)
        #expect(f.decrease([60]) == 1)
        #expect(f.mmu.currentReservation == 55)
    }

    @Test func framesAboveTheInitialReservationStartReleased() throws {
        let f = try F(populatedFrames: 48)
        try f.boot()
        #expect(f.mmu.currentReservation == 48 && f.mmu.maximumReservation == 64)
        #expect(!f.mmu.isOwned(mfn: 50))
        #expect(f.mmuUpdate([(F.l1 << 12 + 6 * 8, pte(50, F.roData))]) == errno(.EPERM))
        #expect(f.decrease([50]) == 0)
        #expect(f.populate([50]) == 1)
        #expect(f.list(1) == [50])
        #expect(f.mmuUpdate([(F.l1 << 12 + 6 * 8, pte(50, F.roData))]) == 0)
    }

    @Test func ordersAboveZeroAreNaturallyAligned() throws {
        let f = try F(populatedFrames: 40)
        try f.boot()
        let m2p = f.trackM2P()
        #expect(f.populate([0x1000], order: 3) == 1)   // PFN 0x1000 is not a free frame
        #expect(f.list(1) == [40])                      // 40 is 8-aligned
        #expect((0..<8).allSatisfy { m2p.entries[40 + UInt64($0)] == 0x1000 + UInt64($0) })
        #expect(f.populate([57], order: 2) == 1)        // misaligned request: any aligned run
        #expect(f.list(1) == [48])
        #expect(f.mmu.currentReservation == 52)
        #expect(f.populate([0], order: 4) == 0)         // 12 frames left, none 16 in a row
        #expect(f.populate([0], order: 2) == 1)
        #expect(f.list(1) == [52])
    }

    @Test func increaseReservationHandsOutAnyFrame() throws {
        let f = try F(populatedFrames: 60)
        try f.boot()
        let m2p = f.trackM2P()
        // A null list is allowed: the frames are taken, nobody is told.
        #expect(f.reservation(.increaseReservation, nrExtents: 2, extentStart: 0) == 2)
        #expect(f.mmu.currentReservation == 62)
        #expect(m2p.entries[60] == invalidM2PEntry && m2p.entries[61] == invalidM2PEntry)
        f.writeList([0xaaaa, 0xbbbb])
        #expect(f.reservation(.increaseReservation, nrExtents: 3) == 2)
        #expect(f.list(2) == [62, 63])
        #expect(m2p.entries[62] == invalidM2PEntry)
    }

    @Test func addressBitsRestrictWhereFramesComeFrom() throws {
        let f = try F()
        try f.boot()
        #expect(f.decrease([20, 40]) == 2)
        // 64 frames need 6 + 12 bits: 17 bits means frames below 32.
        #expect(f.populate([40], memFlags: 17) == 1)
        #expect(f.list(1) == [20])
        #expect(f.populate([40], memFlags: 17) == 0)
        #expect(f.populate([40], memFlags: 12) == 0)   // Xen: address_bits <= PAGE_SHIFT is -EINVAL
        #expect(f.populate([40], memFlags: 18) == 1)   // covers all RAM: no restriction
        #expect(f.list(1) == [40])
        #expect(f.decrease([20, 40]) == 2)
        #expect(f.populate([40], memFlags: 64) == 1)
        #expect(f.decrease([40], order: 0) == 1)
        #expect(f.reservation(.decreaseReservation, list: [21], memFlags: 5) == 0)  // checked for decrease too
    }

    @Test func nodeFlags() throws {
        let f = try F()
        try f.boot()
        let node1: UInt32 = (1 + 1) << 8               // XENMEMF_node(1)
        #expect(f.reservation(.decreaseReservation, list: [20], memFlags: node1) == 1)
        #expect(f.reservation(.decreaseReservation, list: [21], memFlags: node1 | XenMem.memfExactNodeRequest) == 0)
        #expect(f.reservation(.decreaseReservation, list: [21], memFlags: XenMem.memfExactNodeRequest) == 1)  // no node: fine
        #expect(f.reservation(.populatePhysmap, list: [20],
                              memFlags: node1 | XenMem.memfExactNodeRequest | XenMem.memfVnode) == 1)
        #expect(f.reservation(.populatePhysmap, list: [21], memFlags: XenMem.memfPopulateOnDemand) == 0)
    }

    // MARK: Hostile input

    struct Hostile: CustomTestStringConvertible, Sendable {
        let name: String
        let op: MemoryOp
        var list: [UInt64] = [20, 21]
        var nrExtents: UInt64? = nil
        var order: UInt32 = 0
        var domid: UInt16 = DomID.self_.rawValue
        var extentStart: UInt64 = MMUFixture.listVA
        var startExtent: UInt64 = 0
        var expected: UInt64 = 0
        var testDescription: String { name }
    }

    static let hostile: [Hostile] = [
        Hostile(name: "nr_extents beyond a continuation's encoding", op: .decreaseReservation, nrExtents: 1 << 40),
        Hostile(name: "nr_extents UINT_MAX", op: .populatePhysmap, nrExtents: UInt64(UInt32.max)),
        Hostile(name: "extent list unmapped", op: .decreaseReservation, extentStart: 0x10_0000_0000),
        Hostile(name: "extent list in the hypervisor hole", op: .decreaseReservation,
                extentStart: GuestAddressSpace.hypervisorStart),
        Hostile(name: "extent list non-canonical", op: .populatePhysmap, extentStart: 0x8000_0000_0000),
        Hostile(name: "extent list wrapping", op: .decreaseReservation, nrExtents: 1 << 20,
                extentStart: UInt64.max - 8),
        Hostile(name: "order 30", op: .decreaseReservation, order: 30),
        Hostile(name: "order 10", op: .populatePhysmap, order: 10),
        Hostile(name: "order 2^32-1", op: .increaseReservation, order: UInt32.max),
        Hostile(name: "frame out of range", op: .decreaseReservation, list: [1 << 52, 20]),
        Hostile(name: "dom0", op: .decreaseReservation, domid: 0),
        Hostile(name: "another domain", op: .populatePhysmap, domid: 7),
        Hostile(name: "DOMID_IO", op: .decreaseReservation, domid: 0x7FF1),
        Hostile(name: "start extent at nr_extents", op: .decreaseReservation, startExtent: 2, expected: 2),
        Hostile(name: "start extent beyond nr_extents", op: .decreaseReservation, startExtent: 1 << 40,
                expected: 1 << 40),
    ]

    @Test(arguments: hostile)
    func hostileReservationIsRefusedWithoutEffect(_ h: Hostile) throws {
        let f = try F()
        try f.boot()
        if h.op != .decreaseReservation { #expect(f.decrease([20, 21]) == 2) }
        let current = f.mmu.currentReservation
        #expect(f.reservation(h.op, list: h.list, nrExtents: h.nrExtents, order: h.order, domid: h.domid,
                              extentStart: h.extentStart, startExtent: h.startExtent) == h.expected)
        #expect(f.mmu.currentReservation == current)
    }

    @Test func unreadableReservationStructDoesNothing() throws {
        let f = try F()
        try f.boot()
        // Unmapped, not a guest address, and 16 of the 32 bytes readable
        // (the page after the read-only one is not mapped).
        for va: UInt64 in [0, 0x10_0000_0000, GuestAddressSpace.hypervisorStart, F.readOnlyVA + 0x1000 - 16] {
            #expect(f.mmu.doMemoryReservation(op: .decreaseReservation, startExtent: 0, space: f.space, arg: va,
                                              selfDomid: 1, isHypervisorFrame: { _ in false }) == 0)
        }
        #expect(f.mmu.currentReservation == 64)
    }

    @Test func hugeNrExtentsStopsAtTheFirstBadEntry() throws {
        // UINT_MAX >> MEMOP_EXTENT_SHIFT extents are accepted, but the loop
        // ends at the first entry that is not a frame we own (here the
        // list's third entry), so the call costs three extents, not 2^26.
        let f = try F()
        try f.boot()
        f.writeList([20, 21, 0xdead_beef])
        let n = UInt64(UInt32.max) >> 6
        #expect(f.reservation(.decreaseReservation, nrExtents: n) == 2)
        // Populate: stops when the list runs into unmapped memory or the
        // frames run out, whichever is first.
        f.writeList([20, 21, 22])
        #expect(f.reservation(.populatePhysmap, nrExtents: n) == 2)
        #expect(f.mmu.currentReservation == 64)
    }

    @Test func startExtentSkipsDoneExtents() throws {
        let f = try F()
        try f.boot()
        #expect(f.reservation(.decreaseReservation, list: [F.l4, 20, 21], startExtent: 1) == 3)
        #expect(!f.mmu.isOwned(mfn: 20) && !f.mmu.isOwned(mfn: 21) && f.mmu.isOwned(mfn: F.l4))
    }

    @Test func populateWhoseWriteBackFaultsKeepsTheFrame() throws {
        // Xen: the extent is allocated and assigned, the copy back fails,
        // the extent is not counted (the guest can find it with
        // XENMEM_current_reservation only).
        let f = try F()
        try f.boot()
        #expect(f.decrease([20]) == 1)
        f.writeList([20], frame: F.readOnlyFrame)
        #expect(f.reservation(.populatePhysmap, nrExtents: 1, extentStart: F.readOnlyVA) == 0)
        #expect(f.mmu.isOwned(mfn: 20))
        #expect(f.mmu.currentReservation == 64)
        // increase_reservation allocates before it writes: the same.
        #expect(f.decrease([21]) == 1)
        #expect(f.reservation(.increaseReservation, nrExtents: 1, extentStart: 0x10_0000_0000) == 0)
        #expect(f.mmu.isOwned(mfn: 21))
    }
}
