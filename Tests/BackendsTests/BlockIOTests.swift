// Real I/O on a temporary image: round trips through granted guest pages
// (direct and indirect), flush and barrier, discard, read-only disks.
import Glibc
import Testing
import XenABI
@testable import Backends

func seg(_ ref: GrantRef, _ first: UInt8 = 0, _ last: UInt8 = 7) -> BlkifRequestSegment {
    BlkifRequestSegment(gref: ref, firstSect: first, lastSect: last)
}

func rw(_ op: BlkifOp, id: UInt64, sector: UInt64, _ segs: [BlkifRequestSegment],
        nrSegments: UInt8? = nil) -> [UInt8] {
    BlkifRequest(operation: op, nrSegments: nrSegments, id: id, sectorNumber: sector, seg: segs).encoded()
}

/// A page whose byte i is distinct per page and offset.
func pagePattern(_ page: Int) -> [UInt8] {
    (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ page &* 101 &+ 1) }
}

@Suite struct BlockIOTests {
    static let okay = BlkifRsp.okay

    @Test func directReadLandsInTheGrantedSectorsOnly() throws {
        let h = try Harness()
        // 11 segments with varied sector ranges; pages start as 0xEE.
        let ranges: [(UInt8, UInt8)] = [(0, 7), (1, 7), (0, 6), (3, 3), (2, 5), (0, 0), (7, 7), (4, 7), (0, 3), (5, 6), (0, 7)]
        var pages: [(frame: UInt64, ref: GrantRef)] = []
        for _ in ranges { pages.append(try h.fe.grantedPage(fill: 0xEE)) }
        let segs = zip(pages, ranges).map { seg($0.0.ref, $0.1.0, $0.1.1) }
        let r = try h.one(rw(.read, id: 0xabc, sector: 100, segs))
        #expect(r == BlkifResponse(id: 0xabc, operation: .read, status: Self.okay))
        var disk = 100 * 512
        for (p, (f, l)) in zip(pages, ranges) {
            let bytes = try h.fe.page(p.frame)
            let lo = Int(f) * 512
            let hi = (Int(l) + 1) * 512
            let expected = (disk ..< disk + hi - lo).map(Image.pattern)
            #expect(Array(bytes[lo..<hi]) == expected)
            #expect(bytes[..<lo].allSatisfy { $0 == 0xEE } && bytes[hi...].allSatisfy { $0 == 0xEE })
            disk += hi - lo
        }
        #expect(h.sys.count(.preadv) == 1, "one preadv for the whole request")
        #expect(h.backend.counters.rdReq == 1 && h.backend.counters.rdSect == UInt64((disk - 100 * 512) / 512))
        for p in pages { #expect(try h.fe.entry(p.ref).flags == GTF.permitAccess.rawValue) }
        #expect(h.fe.grants.pinnedCount == 1, "only the ring page stays pinned")
    }

    @Test func directWriteTakesTheGrantedSectors() throws {
        let h = try Harness()
        let ranges: [(UInt8, UInt8)] = [(2, 7), (0, 7), (0, 4)]
        var pages: [(frame: UInt64, ref: GrantRef)] = []
        for i in ranges.indices {
            let f = try h.fe.allocPage()
            try h.fe.memory.write(pagePattern(i), at: f << 12)
            pages.append((f, try h.fe.grant(f, readonly: true)))   // a write only reads the guest
        }
        let before = try h.image.read(at: 0, count: 2048 * 512)
        let r = try h.one(rw(.write, id: 7, sector: 300, zip(pages, ranges).map { seg($0.0.ref, $0.1.0, $0.1.1) }))
        #expect(r.status == Self.okay && r.operation == .write && r.id == 7)
        var expected = before
        var disk = 300 * 512
        for (i, (f, l)) in ranges.enumerated() {
            let lo = Int(f) * 512
            let hi = (Int(l) + 1) * 512
            expected.replaceSubrange(disk ..< disk + hi - lo, with: pagePattern(i)[lo..<hi])
            disk += hi - lo
        }
        #expect(try h.image.read(at: 0, count: 2048 * 512) == expected, "only the written sectors changed")
        #expect(h.backend.counters.wrReq == 1 && h.backend.counters.wrSect == 19)
    }

    @Test func roundTripManyRequestsInOneBatch() throws {
        let h = try Harness()
        var writes: [[UInt8]] = []
        for i in 0..<8 {
            let f = try h.fe.allocPage()
            try h.fe.memory.write(pagePattern(i + 50), at: f << 12)
            writes.append(rw(.write, id: UInt64(i), sector: UInt64(i * 8), [seg(try h.fe.grant(f))]))
        }
        let (wr, result) = try h.run(writes)
        #expect(wr.map(\.id) == Array(0..<8) && wr.allSatisfy { $0.status == Self.okay })
        #expect(result.handled == 8 && result.notify && !result.moreWork && result.fault == nil)
        var reads: [[UInt8]] = []
        var frames: [UInt64] = []
        for i in 0..<8 {
            let p = try h.fe.grantedPage(fill: 0)
            frames.append(p.frame)
            reads.append(rw(.read, id: UInt64(100 + i), sector: UInt64(i * 8), [seg(p.ref)]))
        }
        let (rr, _) = try h.run(reads)
        #expect(rr.allSatisfy { $0.status == Self.okay })
        for (i, f) in frames.enumerated() { #expect(try h.fe.page(f) == pagePattern(i + 50)) }
    }

    @Test(arguments: [256, 600])
    func indirectRoundTrip(segments n: Int) throws {
        var options = BlockBackend.Options()
        options.maxIndirectSegments = 1024
        let h = try Harness(sectors: 8192, options: options, ramPages: 2048)
        // Write: n full pages with distinct patterns, descriptors in
        // ceil(n/512) read-only indirect pages.
        var writeSegs: [BlkifRequestSegment] = []
        for i in 0..<n {
            let f = try h.fe.allocPage()
            try h.fe.memory.write(pagePattern(i), at: f << 12)
            writeSegs.append(seg(try h.fe.grant(f, readonly: true)))
        }
        let wIndirect = try indirectPages(h.fe, writeSegs)
        let w = try h.one(BlkifRequestIndirect(indirectOp: .write, nrSegments: UInt16(n), id: 1, sectorNumber: 16,
                                               indirectGrefs: wIndirect).encoded())
        #expect(w == BlkifResponse(id: 1, operation: .write, status: Self.okay), "indirect answers with indirect_op")
        for i in [0, n / 2, n - 1] {
            #expect(try h.image.read(at: (16 + i * 8) * 512, count: 4096) == pagePattern(i))
        }
        // Read back into fresh pages.
        var frames: [UInt64] = []
        var readSegs: [BlkifRequestSegment] = []
        for _ in 0..<n {
            let p = try h.fe.grantedPage(fill: 0xEE)
            frames.append(p.frame)
            readSegs.append(seg(p.ref))
        }
        let r = try h.one(BlkifRequestIndirect(indirectOp: .read, nrSegments: UInt16(n), id: 2, sectorNumber: 16,
                                               indirectGrefs: try indirectPages(h.fe, readSegs)).encoded())
        #expect(r == BlkifResponse(id: 2, operation: .read, status: Self.okay))
        for (i, f) in frames.enumerated() { #expect(try h.fe.page(f) == pagePattern(i)) }
        #expect(h.backend.counters.indirectReq == 2)
        #expect(h.fe.grants.pinnedCount == 1)
    }

    @Test func flushSyncsAndEchoes() throws {
        let h = try Harness()
        let r = try h.one(rw(.flushDiskcache, id: 5, sector: 0, []))
        #expect(r == BlkifResponse(id: 5, operation: .flushDiskcache, status: Self.okay))
        #expect(h.sys.count(.fdatasync) == 1)
        #expect(h.backend.counters.fReq == 1)
    }

    @Test func barrierWithDataFlushesBeforeAndAfter() throws {
        let h = try Harness()
        let f = try h.fe.allocPage()
        try h.fe.memory.write(pagePattern(9), at: f << 12)
        let r = try h.one(rw(.writeBarrier, id: 6, sector: 40, [seg(try h.fe.grant(f, readonly: true))]))
        #expect(r == BlkifResponse(id: 6, operation: .writeBarrier, status: Self.okay))
        #expect(h.sys.count(.fdatasync) == 2 && h.sys.count(.pwritev) == 1)
        #expect(try h.image.read(at: 40 * 512, count: 4096) == pagePattern(9))
    }

    @Test(arguments: [(EIO, BlkifRsp.error), (EINVAL, BlkifRsp.eopnotsupp)])
    func flushFailures(errno e: Int32, status: BlkifRsp) throws {
        let h = try Harness()
        h.sys.fail(.fdatasync, errno: e)
        #expect(try h.one(rw(.flushDiskcache, id: 1, sector: 0, [])).status == status)
    }

    @Test func hostIOErrorIsAnErrorResponse() throws {
        let h = try Harness()
        h.sys.fail(.preadv, errno: EIO)
        let p = try h.fe.grantedPage()
        #expect(try h.one(rw(.read, id: 1, sector: 0, [seg(p.ref)])).status == .error)
        #expect(h.fe.grants.pinnedCount == 1)
        #expect(try h.fe.entry(p.ref).flags == GTF.permitAccess.rawValue)
        h.sys.fail(.preadv, errno: nil)
        #expect(try h.one(rw(.read, id: 2, sector: 0, [seg(p.ref)])).status == Self.okay)
    }

    @Test func discardPunchesAHole() throws {
        let h = try Harness(sectors: 4096)            // 2 MiB, fully written
        try #require(h.backend.discardEnabled, "the test file system cannot punch holes")
        let blocksBefore = h.image.allocatedBlocks
        #expect(h.image.nextHole(from: 0) == 4096 * 512, "no hole before the discard")
        let r = try h.one(BlkifRequestDiscard(id: 3, sectorNumber: 1024, nrSectors: 2048).encoded())
        #expect(r == BlkifResponse(id: 3, operation: .discard, status: Self.okay))
        #expect(h.image.nextHole(from: 0) == 1024 * 512, "SEEK_HOLE finds the discarded range")
        #expect(h.image.allocatedBlocks <= blocksBefore - 2048, "the blocks were released")
        #expect(try h.image.read(at: 1024 * 512, count: 2048 * 512).allSatisfy { $0 == 0 })
        #expect(try h.image.read(at: 1023 * 512, count: 512) == (1023 * 512 ..< 1024 * 512).map(Image.pattern))
        #expect(h.image.size == 4096 * 512, "KEEP_SIZE")
        #expect(h.backend.counters.dsReq == 1)
    }

    @Test func discardRefusals() throws {
        let h = try Harness()
        try #require(h.backend.discardEnabled)
        let secure = try h.one(BlkifRequestDiscard(flag: Blkif.discardSecure, id: 1, sectorNumber: 0, nrSectors: 8).encoded())
        #expect(secure == BlkifResponse(id: 1, operation: .discard, status: .eopnotsupp))
        #expect(try h.one(BlkifRequestDiscard(id: 2, sectorNumber: 2040, nrSectors: 9).encoded()).status == .error)
        #expect(try h.one(BlkifRequestDiscard(id: 3, sectorNumber: .max, nrSectors: 2).encoded()).status == .error)
        #expect(try h.one(BlkifRequestDiscard(id: 4, sectorNumber: 5, nrSectors: 0).encoded()).status == Self.okay)
        #expect(h.sys.count(.fallocate) == 1, "only the probe at open: refused discards make no call")
        h.sys.fail(.fallocate, errno: EOPNOTSUPP)
        #expect(try h.one(BlkifRequestDiscard(id: 5, sectorNumber: 0, nrSectors: 8).encoded()).status == .eopnotsupp)
        h.sys.fail(.fallocate, errno: EIO)
        #expect(try h.one(BlkifRequestDiscard(id: 6, sectorNumber: 0, nrSectors: 8).encoded()).status == .error)
        #expect(h.sys.count(.pwritev) == 0)
    }

    @Test func discardOffWhenDisabled() throws {
        var options = BlockBackend.Options()
        options.discard = false
        let h = try Harness(options: options)
        #expect(h.backend.deviceNodes["feature-discard"] == "0")
        #expect(try h.one(BlkifRequestDiscard(id: 2, sectorNumber: 0, nrSectors: 8).encoded()).status == .eopnotsupp)
    }

    @Test func readOnlyDiskRefusesEveryWrite() throws {
        let h = try Harness(readOnly: true)
        let hash = try h.image.snapshot()
        #expect(h.sys.count(.fallocate) == 0, "no discard probe on a read-only image")
        let p = try h.fe.grantedPage(fill: 0x77)
        let cases: [([UInt8], BlkifOp)] = [
            (rw(.write, id: 1, sector: 0, [seg(p.ref)]), .write),
            (rw(.writeBarrier, id: 2, sector: 0, [seg(p.ref)]), .writeBarrier),
            (rw(.flushDiskcache, id: 3, sector: 0, []), .flushDiskcache),
            (BlkifRequestDiscard(id: 4, sectorNumber: 0, nrSectors: 8).encoded(), .discard),
            (BlkifRequestIndirect(indirectOp: .write, nrSegments: 1, id: 5, sectorNumber: 0,
                                  indirectGrefs: try indirectPages(h.fe, [seg(p.ref)])).encoded(), .write),
        ]
        for (entry, op) in cases {
            let r = try h.one(entry)
            #expect(r.status == .error && r.operation == op, "blkback: xen_vbd_translate refuses writes on read-only vbds")
        }
        #expect(try h.image.snapshot() == hash)
        #expect(h.sys.count(.pwritev) == 0 && h.sys.count(.fdatasync) == 0 && h.sys.count(.fallocate) == 0)
        // Reading still works.
        let r = try h.one(rw(.read, id: 9, sector: 2, [seg(p.ref)]))
        #expect(r.status == Self.okay)
        #expect(try h.fe.page(p.frame) == (2 * 512 ..< 10 * 512).map(Image.pattern))
        #expect(h.backend.deviceNodes["info"] == "4")
    }
}

/// Grants read-only indirect pages holding `segs` (512 descriptors a page).
func indirectPages(_ fe: Frontend, _ segs: [BlkifRequestSegment]) throws -> [GrantRef] {
    var refs: [GrantRef] = []
    var i = 0
    while i < segs.count {
        let chunk = segs[i ..< min(i + Blkif.segmentsPerIndirectFrame, segs.count)]
        var bytes = [UInt8](repeating: 0, count: 4096)
        for (j, s) in chunk.enumerated() { s.encode(into: &bytes, at: j * BlkifRequestSegment.size) }
        let f = try fe.allocPage()
        try fe.memory.write(bytes, at: f << 12)
        refs.append(try fe.grant(f, readonly: true))
        i += Blkif.segmentsPerIndirectFrame
    }
    return refs
}
