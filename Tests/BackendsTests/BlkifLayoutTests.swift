// public/io/blkif.h and ring.h layouts, checked against the numbers the
// header gives on x86_64 (gcc offsetof/sizeof over /usr/include/xen/io/
// blkif.h from libxen-dev: request 112, response 16, segment 8, discard 32,
// indirect 64, sring entries at 64; ring sizes 32/64/128/256/512 for
// 1/2/4/8/16 pages), and the wire bytes against golden values.
import Testing
import XenABI
@testable import Backends

@Suite struct BlkifLayoutTests {
    @Test func structSizesAndOffsets() {
        #expect(BlkifRequest.size == 112)
        #expect(BlkifResponse.size == 16)
        #expect(BlkifRequestSegment.size == 8)
        #expect(BlkifRequestDiscard.size == 32)
        #expect(BlkifRequestIndirect.size == 64)
        #expect(Blkif.sringEntrySize == 112)
        #expect(Sring.Offset.ring == 64)
        #expect([BlkifRequest.Offset.operation, BlkifRequest.Offset.nrSegments, BlkifRequest.Offset.handle,
                 BlkifRequest.Offset.id, BlkifRequest.Offset.sectorNumber, BlkifRequest.Offset.seg]
                == [0, 1, 2, 8, 16, 24])
        #expect([BlkifRequestDiscard.Offset.flag, BlkifRequestDiscard.Offset.id,
                 BlkifRequestDiscard.Offset.sectorNumber, BlkifRequestDiscard.Offset.nrSectors] == [1, 8, 16, 24])
        #expect([BlkifRequestIndirect.Offset.indirectOp, BlkifRequestIndirect.Offset.nrSegments,
                 BlkifRequestIndirect.Offset.id, BlkifRequestIndirect.Offset.sectorNumber,
                 BlkifRequestIndirect.Offset.handle, BlkifRequestIndirect.Offset.indirectGrefs]
                == [1, 2, 8, 16, 24, 28])
        #expect([BlkifResponse.Offset.id, BlkifResponse.Offset.operation, BlkifResponse.Offset.status] == [0, 8, 10])
        #expect(Blkif.segmentsPerIndirectFrame == 512)
    }

    @Test(arguments: [(1, 32), (2, 64), (4, 128), (8, 256), (16, 512)])
    func ringSizes(pages: Int, entries: UInt32) {
        #expect(Sring.ringSize(pages: pages, entrySize: Blkif.sringEntrySize) == entries)
    }

    @Test func requestGoldenBytes() {
        let r = BlkifRequest(operation: .write, handle: 0x0340, id: 0x1122_3344_5566_7788, sectorNumber: 0x10,
                             seg: [BlkifRequestSegment(gref: GrantRef(rawValue: 0x0a0b_0c0d), firstSect: 1, lastSect: 7)])
        let e = r.encoded()
        #expect(e.count == 112)
        #expect(e[0] == 1)                                                // operation: BLKIF_OP_WRITE
        #expect(e[1] == 1)                                                // nr_segments
        #expect(Array(e[2..<4]) == [0x40, 0x03])                          // handle
        #expect(Array(e[4..<8]) == [0, 0, 0, 0])                          // padding before id
        #expect(Array(e[8..<16]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]) // id
        #expect(Array(e[16..<24]) == [0x10, 0, 0, 0, 0, 0, 0, 0])         // sector_number
        #expect(Array(e[24..<32]) == [0x0d, 0x0c, 0x0b, 0x0a, 1, 7, 0, 0]) // seg[0]: gref, first, last, pad
        #expect(BlkRequest(entry: e) == .readWrite(r))
    }

    @Test func responseGoldenBytes() {
        let r = BlkifResponse(id: 0xfeed, operation: .indirect, status: .eopnotsupp)
        #expect(r.encoded() == [0xed, 0xfe, 0, 0, 0, 0, 0, 0, 6, 0, 0xfe, 0xff, 0, 0, 0, 0])
        #expect(BlkifResponse(decoding: r.encoded()) == r)
    }

    @Test func variantsDecode() {
        let d = BlkifRequestDiscard(flag: Blkif.discardSecure, id: 9, sectorNumber: 100, nrSectors: 8)
        #expect(BlkRequest(entry: d.encoded()) == .discard(d))
        let i = BlkifRequestIndirect(indirectOp: .read, nrSegments: 600, id: 3, sectorNumber: 5,
                                     indirectGrefs: [GrantRef(rawValue: 11), GrantRef(rawValue: 12)])
        #expect(BlkRequest(entry: i.encoded()) == .indirect(i))
        var junk = [UInt8](repeating: 0xff, count: 112)
        junk[0] = 200
        #expect(BlkRequest(entry: junk) == .other(operation: BlkifOp(rawValue: 200), id: .max))
    }

    @Test func hostileCountsDecodeBounded() {
        // nr_segments 255 decodes 11 segments; an indirect 65535 keeps 8 grefs.
        var e = [UInt8](repeating: 0, count: 112)
        e[0] = BlkifOp.read.rawValue
        e[1] = 255
        guard case .readWrite(let r) = BlkRequest(entry: e) else { Issue.record("not rw"); return }
        #expect(r.nrSegments == 255 && r.seg.count == 11)
        e[0] = BlkifOp.indirect.rawValue
        e[2] = 0xff
        e[3] = 0xff
        guard case .indirect(let i) = BlkRequest(entry: e) else { Issue.record("not indirect"); return }
        #expect(i.nrSegments == 65535 && i.indirectGrefs.count == 8)
    }
}
