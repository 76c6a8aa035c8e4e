// public/io/netif.h layouts, checked against the numbers gcc gives for
// /usr/include/xen/io/netif.h (libxen-dev) on x86_64: netif_tx_request 12
// (gref 0, offset 4, flags 6, id 8, size 10), netif_extra_info 8 (gso.size
// 2, gso.type 4, gso.features 6, hash.value 4), netif_tx_response 4,
// netif_rx_request 8 (id 0, gref 4), netif_rx_response 8 (id 0, offset 2,
// flags 4, status 6), sring entries 12 and 8 at offset 64, 256 entries per
// one-page ring; the virtio_net_hdr is 10 bytes; and wire bytes against
// golden values.
import Testing
import XenABI
@testable import Backends

@Suite struct NetifLayoutTests {
    @Test func structSizesAndOffsets() {
        #expect(NetifTxRequest.size == 12)
        #expect([NetifTxRequest.Offset.gref, NetifTxRequest.Offset.offset, NetifTxRequest.Offset.flags,
                 NetifTxRequest.Offset.id, NetifTxRequest.Offset.size] == [0, 4, 6, 8, 10])
        #expect(NetifExtraInfo.size == 8)
        #expect([NetifExtraInfo.Offset.gsoSize, NetifExtraInfo.Offset.gsoType, NetifExtraInfo.Offset.gsoFeatures,
                 NetifExtraInfo.Offset.hashValue] == [2, 4, 6, 4])
        #expect(NetifTxResponse.size == 4)
        #expect(NetifRxRequest.size == 8)
        #expect([NetifRxRequest.Offset.id, NetifRxRequest.Offset.gref] == [0, 4])
        #expect(NetifRxResponse.size == 8)
        #expect([NetifRxResponse.Offset.id, NetifRxResponse.Offset.offset, NetifRxResponse.Offset.flags,
                 NetifRxResponse.Offset.status] == [0, 2, 4, 6])
        #expect(Netif.txSringEntrySize == 12 && Netif.rxSringEntrySize == 8)
        #expect(Netif.txRingSize == 256 && Netif.rxRingSize == 256)
        #expect(VirtioNetHdr.size == 10)
    }

    @Test func flagValues() {
        #expect([NetTxFlags.csumBlank, .dataValidated, .moreData, .extraInfo].map(\.rawValue) == [1, 2, 4, 8])
        #expect([NetRxFlags.dataValidated, .csumBlank, .moreData, .extraInfo, .gsoPrefix].map(\.rawValue) == [1, 2, 4, 8, 16])
        #expect([NetifRsp.dropped, .error, .okay, .null].map(\.rawValue) == [-2, -1, 0, 1])
        #expect(NetifExtraType.max.rawValue == 5 && !NetifExtraType.none.isValid && NetifExtraType.hash.isValid)
        #expect(NetOffloads([.csum, .tso4, .tso6]).rawValue == 0x07)
    }

    @Test func txRequestGoldenBytes() {
        let r = NetifTxRequest(gref: GrantRef(rawValue: 0x0a0b_0c0d), offset: 0x0102, flags: [.csumBlank, .moreData],
                               id: 0x3344, size: 0x5566)
        let e = r.encoded()
        #expect(e == [0x0d, 0x0c, 0x0b, 0x0a,   // gref
                      0x02, 0x01,               // offset
                      0x05, 0x00,               // flags: csum_blank | more_data
                      0x44, 0x33,               // id
                      0x66, 0x55])              // size
        #expect(NetifTxRequest(decoding: e) == r)
    }

    @Test func extraInfoGoldenBytes() {
        let g = NetifExtraInfo.gso(size: 1448, type: .tcpv6, more: true)
        #expect(g.encoded() == [1,              // type: XEN_NETIF_EXTRA_TYPE_GSO
                                1,              // flags: XEN_NETIF_EXTRA_FLAG_MORE
                                0xa8, 0x05,     // gso.size 1448
                                2,              // gso.type: XEN_NETIF_GSO_TYPE_TCPV6
                                0,              // gso.pad
                                0, 0])          // gso.features
        let d = NetifExtraInfo(decoding: [9, 9] + g.encoded(), at: 2)
        #expect(d == g && d.gsoSize == 1448 && d.gsoType == .tcpv6 && d.hasMore)
    }

    @Test func responsesGoldenBytes() {
        #expect(NetifTxResponse(id: 0x1234, status: .error).encoded() == [0x34, 0x12, 0xff, 0xff])
        #expect(NetifTxResponse(id: 0, status: .null).encoded() == [0, 0, 1, 0])
        let rx = NetifRxResponse(id: 7, offset: 0, flags: [.csumBlank, .dataValidated, .moreData], status: 4096)
        #expect(rx.encoded() == [7, 0, 0, 0, 7, 0, 0x00, 0x10])
        #expect(NetifRxResponse(decoding: rx.encoded()) == rx)
        #expect(NetifRxRequest(id: 3, gref: GrantRef(rawValue: 0x100)).encoded() == [3, 0, 0, 0, 0, 1, 0, 0])
    }

    @Test func virtioHeaderGoldenBytes() {
        let h = VirtioNetHdr(flags: VirtioNetHdr.needsCsum, gsoType: VirtioNetHdr.gsoTCPv4, hdrLen: 54, gsoSize: 1448,
                             csumStart: 34, csumOffset: 16)
        #expect(h.encoded() == [1, 1, 54, 0, 0xa8, 0x05, 34, 0, 16, 0])
        #expect(VirtioNetHdr(decoding: h.encoded()) == h)
    }
}
