// A hostile frontend: every malformed request gets an error response (or
// EOPNOTSUPP), costs no host I/O, leaves no grant pinned, and touches no
// guest memory (the pages it names stay as they were).
import Glibc
import Testing
import XenABI
@testable import Backends

@Suite struct HostileRequestTests {
    enum Case: String, CaseIterable, Sendable {
        case ungrantedRef, refPastTable, refPastSetupFrames, otherDomain, readonlyGrantForRead
        case frameAboveRAM, frameInTable, acceptTransferType, subPageGrant
        case firstAfterLast, lastSectPastPage, sectorPastEnd, sectorOverflow
        case twelveSegments, zeroSegmentRead, zeroSegmentWrite
        case indirectTooMany, indirectZero, indirectBadOp, indirectBadGref, indirectBadSegment, indirectDataReadonly
        case lastSegmentBad, garbageOperation, reserved1, discardPastEnd
    }

    @Test(arguments: Case.allCases)
    func refusedWithoutSideEffects(_ c: Case) throws {
        let h = try Harness()
        let fe = h.fe
        let good = try fe.grantedPage(fill: 0xEE)
        let frame = try fe.allocPage(fill: 0xEE)
        let imageHash = try h.image.snapshot()
        var expectedStatus = BlkifRsp.error
        var expectedOp = BlkifOp.read
        let entry: [UInt8]
        switch c {
        case .ungrantedRef:
            entry = rw(.read, id: 1, sector: 0, [seg(GrantRef(rawValue: 1000))])
        case .refPastTable:
            entry = rw(.read, id: 1, sector: 0, [seg(GrantRef(rawValue: 4 * 512 + 5))])
        case .refPastSetupFrames:
            let ref = try fe.grant(frame, ref: GrantRef(rawValue: 700))
            fe.setupFrames.value.store(1, ordering: .relaxed)
            entry = rw(.read, id: 1, sector: 0, [seg(ref)])
        case .otherDomain:
            entry = rw(.read, id: 1, sector: 0, [seg(try fe.grant(frame, domid: 3))])
        case .readonlyGrantForRead:
            entry = rw(.read, id: 1, sector: 0, [seg(try fe.grant(frame, readonly: true))])
        case .frameAboveRAM:
            entry = rw(.read, id: 1, sector: 0, [seg(try fe.grant(fe.ramPages + 1))])
        case .frameInTable:
            entry = rw(.read, id: 1, sector: 0, [seg(try fe.grant(Frontend.tableBase >> 12))])
        case .acceptTransferType:
            entry = rw(.read, id: 1, sector: 0, [seg(try fe.grant(frame, flags: GTF.acceptTransfer.rawValue))])
        case .subPageGrant:
            entry = rw(.read, id: 1, sector: 0,
                       [seg(try fe.grant(frame, flags: GTF.permitAccess.rawValue | GTF.subPage.rawValue))])
        case .firstAfterLast:
            entry = rw(.read, id: 1, sector: 0, [seg(good.ref, 5, 2)])
        case .lastSectPastPage:
            entry = rw(.read, id: 1, sector: 0, [seg(good.ref, 0, 8)])
        case .sectorPastEnd:
            entry = rw(.read, id: 1, sector: 2047, [seg(good.ref, 0, 1)])
        case .sectorOverflow:
            entry = rw(.read, id: 1, sector: .max - 1, [seg(good.ref)])
        case .twelveSegments:
            entry = rw(.read, id: 1, sector: 0, Array(repeating: seg(good.ref), count: 11), nrSegments: 12)
        case .zeroSegmentRead:
            entry = rw(.read, id: 1, sector: 0, [])
        case .zeroSegmentWrite:
            expectedOp = .write
            entry = rw(.write, id: 1, sector: 0, [])
        case .indirectTooMany:
            entry = BlkifRequestIndirect(indirectOp: .read, nrSegments: 257, id: 1, sectorNumber: 0,
                                         indirectGrefs: try indirectPages(fe, Array(repeating: seg(good.ref), count: 257))).encoded()
        case .indirectZero:
            entry = BlkifRequestIndirect(indirectOp: .read, nrSegments: 0, id: 1, sectorNumber: 0,
                                         indirectGrefs: []).encoded()
        case .indirectBadOp:
            expectedOp = .flushDiskcache
            entry = BlkifRequestIndirect(indirectOp: .flushDiskcache, nrSegments: 1, id: 1, sectorNumber: 0,
                                         indirectGrefs: try indirectPages(fe, [seg(good.ref)])).encoded()
        case .indirectBadGref:
            entry = BlkifRequestIndirect(indirectOp: .read, nrSegments: 1, id: 1, sectorNumber: 0,
                                         indirectGrefs: [GrantRef(rawValue: 999)]).encoded()
        case .indirectBadSegment:
            entry = BlkifRequestIndirect(indirectOp: .read, nrSegments: 2, id: 1, sectorNumber: 0,
                                         indirectGrefs: try indirectPages(fe, [seg(good.ref), seg(good.ref, 0, 9)])).encoded()
        case .indirectDataReadonly:
            entry = BlkifRequestIndirect(indirectOp: .read, nrSegments: 2, id: 1, sectorNumber: 0,
                                         indirectGrefs: try indirectPages(fe, [seg(good.ref), seg(try fe.grant(frame, readonly: true))])).encoded()
        case .lastSegmentBad:
            // Two good segments and a bad grant: nothing is read at all.
            expectedOp = .write
            entry = rw(.write, id: 1, sector: 0, [seg(good.ref), seg(good.ref), seg(GrantRef(rawValue: 1500))])
        case .garbageOperation:
            expectedStatus = .eopnotsupp
            expectedOp = BlkifOp(rawValue: 200)
            var e = rw(.read, id: 1, sector: 0, [seg(good.ref)])
            e[0] = 200
            entry = e
        case .reserved1:
            expectedStatus = .eopnotsupp
            expectedOp = .reserved1
            var e = rw(.read, id: 1, sector: 0, [seg(good.ref)])
            e[0] = BlkifOp.reserved1.rawValue
            entry = e
        case .discardPastEnd:
            expectedOp = .discard
            entry = BlkifRequestDiscard(id: 1, sectorNumber: 2047, nrSectors: 2).encoded()
        }
        let ramBefore = try fe.ramSnapshot(excluding: Set(h.ring.frames))
        let calls = BlkSyscall.allCases.map { h.sys.count($0) }   // the open-time probe is one fallocate
        let r = try h.one(entry)
        #expect(r == BlkifResponse(id: 1, operation: expectedOp, status: expectedStatus))
        #expect(BlkSyscall.allCases.map { h.sys.count($0) } == calls, "no host call at all")
        #expect(try fe.ramSnapshot(excluding: Set(h.ring.frames)) == ramBefore, "guest memory untouched")
        #expect(try h.image.snapshot() == imageHash)
        #expect(fe.grants.pinnedCount == 1, "only the ring stays pinned")
        #expect(try fe.entry(good.ref).flags == GTF.permitAccess.rawValue)
        // The ring keeps working after the refusal.
        let ok = try h.one(rw(.read, id: 2, sector: 8, [seg(good.ref)]))
        #expect(ok.status == .okay)
    }

    /// Random entries, most naming real grants: every one is answered with
    /// its id, no pin leaks, the image keeps its size, and RAM outside the
    /// writable data pages (and the ring) never changes.
    @Test func randomEntriesNeverEscape() throws {
        var options = BlockBackend.Options()
        options.maxIndirectSegments = 64
        let h = try Harness(sectors: 256, options: options)
        var rng = SplitMix(state: 0x5eed)
        var refs: [GrantRef] = []
        var writable: Set<UInt64> = []
        for i in 0..<6 {
            let p = try h.fe.grantedPage(fill: UInt8(i), readonly: i % 2 == 1)
            refs.append(p.ref)
            if i % 2 == 0 { writable.insert(p.frame) }
        }
        // Indirect pages full of random-but-plausible descriptors.
        for _ in 0..<2 {
            var bytes = [UInt8](repeating: 0, count: 4096)
            for j in 0..<64 {
                seg(refs[Int(rng.next() % 6)], UInt8(rng.next() % 9), UInt8(rng.next() % 9))
                    .encode(into: &bytes, at: j * 8)
            }
            let f = try h.fe.allocPage()
            try h.fe.memory.write(bytes, at: f << 12)
            refs.append(try h.fe.grant(f, readonly: true))
        }
        refs.append(GrantRef(rawValue: 3000))          // out of the table
        refs.append(GrantRef(rawValue: 900))           // unwritten entry
        let excluded = writable.union(h.ring.frames)
        let ramBefore = try h.fe.ramSnapshot(excluding: excluded)
        let size = h.image.size
        for batch in 0..<60 {
            var ids: [UInt64] = []
            for k in 0..<20 {
                var e = (0..<112).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                e[0] = UInt8(rng.next() % 9)                            // mostly real operations
                if rng.next() % 8 == 0 { e[0] = UInt8(truncatingIfNeeded: rng.next()) }
                if e[0] == BlkifOp.indirect.rawValue {
                    e[1] = UInt8(rng.next() % 3)                        // indirect_op
                    e.putLE(UInt16(rng.next() % 80), at: 2)
                    e.putLE(refs[6 + Int(rng.next() % 2)].rawValue, at: 28)
                } else {
                    e[1] = UInt8(rng.next() % 13)
                }
                e.putLE(rng.next() % 300, at: 16)                        // sector near the end
                if e[0] == BlkifOp.discard.rawValue { e.putLE(rng.next() % 64, at: 24) }
                for s in 0..<11 where e[0] != BlkifOp.discard.rawValue && e[0] != BlkifOp.indirect.rawValue {
                    e.putLE(refs[Int(rng.next() % UInt64(refs.count))].rawValue, at: 24 + s * 8)
                    e[28 + s * 8] = UInt8(rng.next() % 9)
                    e[29 + s * 8] = UInt8(rng.next() % 9)
                }
                let id = UInt64(batch * 100 + k)
                e.putLE(id, at: 8)
                ids.append(id)
                try h.ring.push(e)
            }
            try h.ring.publish()
            let result = h.backend.process()
            #expect(result.fault == nil)
            let rs = try h.ring.responses()
            #expect(rs.map(\.id) == ids)
            #expect(rs.allSatisfy { [0, -1, -2].contains($0.status.rawValue) })
        }
        #expect(h.fe.grants.pinnedCount == 1)
        #expect(try h.fe.ramSnapshot(excluding: excluded) == ramBefore)
        #expect(h.image.size == size)
        let c = h.backend.counters
        #expect(c.rdReq + c.wrReq > 0 && c.errors > 0 && c.unsupported > 0, "the sweep reached every path: \(c)")
    }
}
