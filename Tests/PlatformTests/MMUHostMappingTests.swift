// The host's own mappings of guest frames (MMU+HostMapping.swift): a backend
// mapping a granted frame, the xenstore and console rings. Xen: map_grant_ref
// takes get_page and, writable, get_page_type(PGT_writable_page).
import GuestMemory
import Platform
import Testing
import XenABI

@Suite struct MMUHostMappingTests {
    /// A writable host mapping of a page table is refused (-EBUSY) and
    /// takes nothing; a read-only one is allowed.
    @Test func pageTablesAreNeverWritableByTheHost() throws {
        let f = try F()
        try f.boot()
        for table in [F.l4, F.l3, F.l2, F.l1] {
            #expect(throws: XenErrno.EBUSY) { try f.mmu.getHostMapping(mfn: table, writable: true) }
            try f.mmu.getHostMapping(mfn: table, writable: false)
        }
        #expect(f.info(F.l1) == PageTypeInfo(type: .l1, count: 1, validated: true))
    }

    /// While the host maps a frame writable it cannot become a page table;
    /// after the last put it can.
    @Test func aFrameTheHostMayWriteCannotBePinned() throws {
        let f = try F()
        try f.boot()
        let frame: UInt64 = 20
        try f.mmu.getHostMapping(mfn: frame, writable: true)
        try f.mmu.getHostMapping(mfn: frame, writable: true)
        #expect(f.info(frame) == PageTypeInfo(type: .writable, count: 2, validated: true))
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 1, mfn: frame) }
        f.mmu.putHostMapping(mfn: frame, writable: true)
        #expect(throws: XenErrno.EINVAL) { try f.mmu.pin(level: 1, mfn: frame) }
        f.mmu.putHostMapping(mfn: frame, writable: true)
        #expect(f.info(frame).count == 0)
        try f.mmu.pin(level: 1, mfn: frame)
        #expect(f.info(frame).type == .l1)
    }

    /// A frame the domain gave back, or one outside its RAM, is refused
    /// (-EPERM) for any mapping.
    @Test func framesTheDomainDoesNotOwnAreRefused() throws {
        let f = try F()
        try f.boot()
        #expect(f.decrease([30]) == 1)
        #expect(throws: XenErrno.EPERM) { try f.mmu.getHostMapping(mfn: 30, writable: false) }
        #expect(throws: XenErrno.EPERM) { try f.mmu.getHostMapping(mfn: 30, writable: true) }
        #expect(throws: XenErrno.EPERM) { try f.mmu.getHostMapping(mfn: F.ramFrames, writable: false) }
        #expect(throws: XenErrno.EPERM) { try f.mmu.getHostMapping(mfn: F.sharedInfo, writable: true) }
    }

    /// A frame the host maps writable cannot be given back.
    @Test func aFrameTheHostMayWriteIsNotReleased() throws {
        let f = try F()
        try f.boot()
        try f.mmu.getHostMapping(mfn: 31, writable: true)
        #expect(f.decrease([31]) == 0)
        f.mmu.putHostMapping(mfn: 31, writable: true)
        #expect(f.decrease([31]) == 1)
    }

    /// A put without a writable get, or a second put, changes nothing.
    @Test func unbalancedPutsAreIgnored() throws {
        let f = try F()
        try f.boot()
        f.mmu.putHostMapping(mfn: F.l1, writable: true)          // never taken: a table keeps its type
        #expect(f.info(F.l1) == PageTypeInfo(type: .l1, count: 1, validated: true))
        try f.mmu.getHostMapping(mfn: 40, writable: false)
        f.mmu.putHostMapping(mfn: 40, writable: false)
        f.mmu.putHostMapping(mfn: 40, writable: true)
        #expect(f.info(40).count == 0)
    }
}
