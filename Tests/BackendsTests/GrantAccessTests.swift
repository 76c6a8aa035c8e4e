// GrantAccess against a synthetic grant table: the checks of Xen's
// _set_status_v1 and the GTF_reading/GTF_writing bookkeeping.
import Testing
import XenABI
@testable import Backends

@Suite struct GrantAccessTests {
    let reading = GTF.reading.rawValue
    let writing = GTF.writing.rawValue
    let permit = GTF.permitAccess.rawValue

    @Test func mapSetsAndUnmapClearsStatusFlags() throws {
        let fe = try Frontend()
        let (frame, ref) = try fe.grantedPage(fill: 0x11)
        let w = try fe.grants.map(ref, writable: true)
        #expect(w.frame == frame && w.machineAddress == frame << 12 && w.writable)
        #expect(try fe.entry(ref).flags == permit | reading | writing)
        let r = try fe.grants.map(ref, writable: false)             // second pin, same frame
        #expect(r.frame == frame)
        #expect(fe.grants.pinnedCount == 1)
        fe.grants.unmap(w)                                           // last writer gone
        #expect(try fe.entry(ref).flags == permit | reading)
        fe.grants.unmap(r)                                           // last pin gone
        #expect(try fe.entry(ref).flags == permit)
        #expect(fe.grants.pinnedCount == 0)
        fe.grants.unmap(r)                                           // extra unmap is ignored
        #expect(try fe.entry(ref).flags == permit)
    }

    @Test func mappingPointsAtTheFrame() throws {
        let fe = try Frontend()
        let (_, ref) = try fe.grantedPage(fill: 0x5c)
        let m = try fe.grants.map(ref, writable: false)
        defer { fe.grants.unmap(m) }
        let first = unsafe m.baseAddress.load(fromByteOffset: 4095, as: UInt8.self)
        #expect(first == 0x5c)
    }

    @Test func readonlyGrantMapsForReadingOnly() throws {
        let fe = try Frontend()
        let (_, ref) = try fe.grantedPage(readonly: true)
        #expect(throws: GrantError.readOnly(ref)) { try fe.grants.map(ref, writable: true) }
        #expect(try fe.entry(ref).flags == permit | GTF.readonly.rawValue)
        let m = try fe.grants.map(ref, writable: false)
        #expect(try fe.entry(ref).flags == permit | GTF.readonly.rawValue | reading)
        // Upgrading an existing read pin to a write pin is refused too.
        #expect(throws: GrantError.readOnly(ref)) { try fe.grants.map(ref, writable: true) }
        fe.grants.unmap(m)
        #expect(try fe.entry(ref).flags == permit | GTF.readonly.rawValue)
    }

    enum Bad: String, CaseIterable, Sendable {
        case invalidType, acceptTransfer, transitive, subPage, otherDomain, frameAboveRAM, frameInTable
        case refPastTable, refPastSetupFrames
    }

    @Test(arguments: Bad.allCases)
    func refusesHostileEntries(_ bad: Bad) throws {
        let fe = try Frontend()
        let frame = try fe.allocPage()
        var ref = GrantRef(rawValue: 20)
        let expected: GrantError
        switch bad {
        case .invalidType:
            try fe.setEntry(ref, flags: 0, domid: 0, frame: UInt32(frame))
            expected = .notPermitted(ref, flags: 0)
        case .acceptTransfer:
            try fe.setEntry(ref, flags: GTF.acceptTransfer.rawValue, domid: 0, frame: UInt32(frame))
            expected = .notPermitted(ref, flags: 2)
        case .transitive:
            try fe.setEntry(ref, flags: GTF.transitive.rawValue, domid: 0, frame: UInt32(frame))
            expected = .notPermitted(ref, flags: 3)
        case .subPage:
            let f = permit | GTF.subPage.rawValue
            try fe.setEntry(ref, flags: f, domid: 0, frame: UInt32(frame))
            expected = .notPermitted(ref, flags: f)
        case .otherDomain:
            try fe.setEntry(ref, flags: permit, domid: 7, frame: UInt32(frame))
            expected = .wrongDomain(ref, domid: DomID(rawValue: 7))
        case .frameAboveRAM:
            try fe.setEntry(ref, flags: permit, domid: 0, frame: UInt32(fe.ramPages + 3))
            expected = .frameNotRAM(ref, frame: fe.ramPages + 3)
        case .frameInTable:
            // A machine frame that exists (the table itself) but is not RAM.
            let f = UInt32(Frontend.tableBase >> 12)
            try fe.setEntry(ref, flags: permit, domid: 0, frame: f)
            expected = .frameNotRAM(ref, frame: UInt64(f))
        case .refPastTable:
            ref = GrantRef(rawValue: 4 * 512)
            expected = .refOutOfRange(ref, limit: 4 * 512)
        case .refPastSetupFrames:
            ref = GrantRef(rawValue: 600)                       // in frame 1
            try fe.setEntry(ref, flags: permit, domid: 0, frame: UInt32(frame))
            fe.setupFrames.value.store(1, ordering: .relaxed)
            expected = .refOutOfRange(ref, limit: 512)
        }
        let before = ref.rawValue < 4 * 512 ? try fe.entry(ref).flags : 0
        for writable in [false, true] {
            #expect(throws: expected) { try fe.grants.map(ref, writable: writable) }
        }
        if ref.rawValue < 4 * 512 {
            #expect(try fe.entry(ref).flags == before, "a refused map leaves the entry as it was")
        }
        #expect(fe.grants.pinnedCount == 0)
        #expect(expected.ref == ref)
        #expect(!expected.description.isEmpty)
    }

    @Test func statusCodesFollowXen() {
        let r = GrantRef(rawValue: 1)
        #expect(GrantError.refOutOfRange(r, limit: 0).status == .badGntref)
        #expect(GrantError.frameNotRAM(r, frame: 0).status == .badPage)
        #expect(GrantError.wrongDomain(r, domid: DomID(rawValue: 1)).status == .generalError)
    }

    @Test func mapAllIsAllOrNothing() throws {
        let fe = try Frontend()
        let a = try fe.grantedPage()
        let b = try fe.grantedPage()
        let bad = GrantRef(rawValue: 300)                       // never written: flags 0
        #expect(throws: GrantError.notPermitted(bad, flags: 0)) {
            try fe.grants.mapAll([(a.ref, true), (b.ref, true), (bad, true)])
        }
        #expect(fe.grants.pinnedCount == 0)
        #expect(try fe.entry(a.ref).flags == permit && fe.entry(b.ref).flags == permit)
        let ms = try fe.grants.mapAll([(a.ref, true), (b.ref, false), (a.ref, false)])
        #expect(ms.count == 3 && fe.grants.pinnedCount == 2)
        fe.grants.unmapAll(ms)
        #expect(fe.grants.pinnedCount == 0)
        #expect(try fe.entry(a.ref).flags == permit)
    }

    @Test func entrySnapshot() throws {
        let fe = try Frontend()
        let (frame, ref) = try fe.grantedPage(readonly: true)
        let e = try fe.grants.entry(ref)
        #expect(e.flags == permit | GTF.readonly.rawValue && e.domid.rawValue == 0 && UInt64(e.frame) == frame)
    }
}
