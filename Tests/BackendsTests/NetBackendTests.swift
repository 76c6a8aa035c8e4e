// The network backend against a fake netfront and a socket-pair device:
// transmit (single slot, scatter-gather, checksum offload, GSO, the GSO
// checksum fix-up, multicast), receive (copy, GSO extra-info, checksum
// flags, software completion, waiting for buffers), multi-queue,
// offloads, notification batching and detach.
import Glibc
import Testing
import XenABI
@testable import Backends

@Suite struct NetBackendTests {
    // MARK: Transmit

    @Test func singleSlotPacket() throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 20, full: true)
        let slots = try h.txRequests(frame, offset: 100)
        let (rs, result) = try h.transmit(slots)
        #expect(rs == [NetifTxResponse(id: NetifTxRequest(decoding: slots[0]).id, status: .okay)])
        #expect(result.txPackets == 1 && result.fault == nil)
        let sent = h.device.hostReceive()
        #expect(sent == [VirtioNetHdr().encoded() + frame])
        #expect(h.fe.grants.pinnedCount == 2, "only the two rings stay pinned")
        #expect(h.backend.counters.txPackets == 1 && h.backend.counters.txBytes == UInt64(frame.count))
    }

    @Test func scatterGatherPacket() throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 9000, full: true)
        let slots = try h.txRequests(frame, firstLength: 54, offset: 4000, chunk: 1500)
        #expect(slots.count == 7)
        let (rs, _) = try h.transmit(slots)
        #expect(rs.map(\.status) == Array(repeating: .okay, count: 7))
        #expect(rs.map(\.id) == slots.map { NetifTxRequest(decoding: $0).id })
        #expect(h.device.hostReceive() == [VirtioNetHdr().encoded() + frame])
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func checksumBlankBecomesNeedsCsum(v6: Bool, udp: Bool) throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 300, v6: v6, udp: udp)
        try h.transmit(try h.txRequests(frame, flags: [.csumBlank, .dataValidated]))
        let sent = try #require(h.device.hostReceive().first)
        let start = v6 ? 54 : 34
        let offset = udp ? 6 : 16
        #expect(VirtioNetHdr(decoding: sent) == VirtioNetHdr(flags: VirtioNetHdr.needsCsum,
                                                              hdrLen: UInt16(start + (udp ? 8 : 20)),
                                                              csumStart: UInt16(start), csumOffset: UInt16(offset)))
        #expect(Array(sent[10...]) == frame, "the frame goes out as the guest wrote it")
    }

    @Test(arguments: [false, true])
    func gsoBecomesTSO(v6: Bool) throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 20000, v6: v6)
        let slots = try h.txRequests(frame, firstLength: 200, flags: [.csumBlank, .dataValidated],
                                     extras: [.gso(size: 1448, type: v6 ? .tcpv6 : .tcpv4)])
        let (rs, _) = try h.transmit(slots)
        #expect(rs.count == slots.count)
        #expect(rs[1] == NetifTxResponse(id: 0, status: .null), "the extra-info slot answers NETIF_RSP_NULL")
        #expect(rs.enumerated().allSatisfy { $0.offset == 1 || $0.element.status == .okay })
        let sent = try #require(h.device.hostReceive().first)
        let hdr = VirtioNetHdr(decoding: sent)
        #expect(hdr.gsoType == (v6 ? VirtioNetHdr.gsoTCPv6 : VirtioNetHdr.gsoTCPv4))
        #expect(hdr.gsoSize == 1448 && hdr.flags == VirtioNetHdr.needsCsum)
        #expect(hdr.hdrLen == (v6 ? 74 : 54))
        #expect(Array(sent[10...]) == frame)
        #expect(h.backend.counters.txGSO == 1)
    }

    @Test func gsoWithoutCsumBlankIsFixedUp() throws {
        let h = try NetHarness()
        var frame = ipFrame(payload: 5000)
        frame[50] = 0xde; frame[51] = 0xad             // garbage in the TCP checksum
        let (rs, _) = try h.transmit(try h.txRequests(frame, firstLength: 60, extras: [.gso(size: 1000, type: .tcpv4)]))
        #expect(rs.allSatisfy { $0.status == .okay || $0.status == .null })
        let sent = try #require(h.device.hostReceive().first)
        let expected = ipFrame(payload: 5000)           // with the pseudo-header sum in place
        #expect(Array(sent[10...]) == expected)
        #expect(h.backend.counters.txGSOChecksumFixup == 1)
        // The guest's page is untouched: the fix-up went into a copy.
        #expect(h.fe.grants.pinnedCount == 2)
    }

    @Test func multicastChangesAreAnsweredNotSent() throws {
        let h = try NetHarness()
        let mcast = NetifExtraInfo(type: .mcastAdd, u: [0x01, 0x00, 0x5e, 0, 0, 1])
        let slots = [NetifTxRequest(gref: GrantRef(rawValue: 0), offset: 0, flags: [.extraInfo], id: 77, size: 0).encoded(),
                     mcast.encoded() + [0, 0, 0, 0]]
        let (rs, _) = try h.transmit(slots)
        #expect(rs == [NetifTxResponse(id: 77, status: .okay), NetifTxResponse(id: 0, status: .null)])
        #expect(h.device.hostReceive().isEmpty)
        #expect(h.backend.counters.txMulticast == 1)
    }

    @Test func notificationsFollowRspEvent() throws {
        let h = try NetHarness()
        var slots: [[UInt8]] = []
        for i in 0..<10 { slots += try h.txRequests(ipFrame(payload: 10 + i, full: true)) }
        let (rs, result) = try h.transmit(slots)
        #expect(rs.count == 10 && result.notifyTx, "rsp_event was at the first response")
        // The frontend asks to hear only after 100 more responses: no event.
        try h.tx[0].header(Sring.Offset.rspEvent, h.tx[0].rspCons &+ 100)
        for s in try h.txRequests(ipFrame(payload: 5, full: true)) { try h.tx[0].push(s) }
        try h.tx[0].publish()
        let quiet = h.backend.process()
        #expect(!quiet.notifyTx && quiet.txPackets == 1)
        // req_event is re-armed after the last request (RING_FINAL_CHECK_FOR_REQUESTS).
        #expect(try h.tx[0].header(Sring.Offset.reqEvent) == h.tx[0].reqProdPvt &+ 1)
        #expect(h.device.hostReceive().count == 11)
    }

    @Test func budgetLeavesWorkForTheNextCall() throws {
        var options = NetBackend.Options()
        options.packetsPerProcess = 4
        let h = try NetHarness(options: options)
        var slots: [[UInt8]] = []
        for _ in 0..<10 { slots += try h.txRequests(ipFrame(payload: 10, full: true)) }
        let (_, first) = try h.transmit(slots)
        #expect(first.txPackets == 4 && first.moreWork)
        _ = h.backend.process()
        let last = h.backend.process()
        #expect(!last.moreWork)
        #expect(h.device.hostReceive().count == 10)
    }

    @Test func ringIndicesWrapAround() throws {
        let h = try NetHarness(start: UInt32.max - 3)
        for round in 0..<3 {
            let (rs, _) = try h.transmit(try h.txRequests(ipFrame(payload: 3000 + round, full: true), chunk: 1000))
            #expect(rs.allSatisfy { $0.status == .okay })
        }
        #expect(h.device.hostReceive().count == 3)
    }

    // MARK: Receive

    @Test func receiveSmallFrame() throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 30, full: true)
        let posted = try h.postRx(4)
        h.device.hostSend(VirtioNetHdr(flags: VirtioNetHdr.dataValid).encoded() + frame)
        let result = h.backend.process()
        #expect(result.rxPackets == 1 && result.notifyRx)
        let rs = try h.rxResponses().map { NetifRxResponse(decoding: $0) }
        #expect(rs == [NetifRxResponse(id: posted[0].id, offset: 0, flags: [.dataValidated], status: Int16(frame.count))])
        #expect(try h.fe.memory.read(at: posted[0].frame << 12, count: frame.count) == frame)
        #expect(h.fe.grants.pinnedCount == 2)
    }

    @Test(arguments: [false, true])
    func receiveGSOFrame(v6: Bool) throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 3 * 4096 + 100, v6: v6)
        let start = v6 ? 54 : 34
        let hdr = VirtioNetHdr(flags: VirtioNetHdr.needsCsum, gsoType: v6 ? VirtioNetHdr.gsoTCPv6 : VirtioNetHdr.gsoTCPv4,
                               hdrLen: UInt16(start + 20), gsoSize: 1448, csumStart: UInt16(start), csumOffset: 16)
        let posted = try h.postRx(8)
        h.device.hostSend(hdr.encoded() + frame)
        _ = h.backend.process()
        let raw = try h.rxResponses()
        #expect(raw.count == 5, "4 data slots and the GSO extra")
        let r0 = NetifRxResponse(decoding: raw[0])
        #expect(r0 == NetifRxResponse(id: posted[0].id, flags: [.csumBlank, .dataValidated, .extraInfo, .moreData], status: 4096))
        #expect(NetifExtraInfo(decoding: raw[1]) == .gso(size: 1448, type: v6 ? .tcpv6 : .tcpv4))
        var data = try h.fe.memory.read(at: posted[0].frame << 12, count: 4096)
        for k in 2..<5 {
            let r = NetifRxResponse(decoding: raw[k])
            #expect(r.id == posted[k].id, "each response sits in its request's slot")
            #expect(r.flags == (k < 4 ? [.moreData] : []))
            data += try h.fe.memory.read(at: posted[k].frame << 12, count: Int(r.status))
        }
        #expect(data == frame)
        #expect(h.backend.counters.rxGSO == 1)
    }

    @Test func receiveWaitsForBuffers() throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 9000, full: true)
        h.device.hostSend(VirtioNetHdr().encoded() + frame)
        try h.postRx(2)
        let waiting = h.backend.process()
        #expect(waiting.rxWaiting && waiting.rxPackets == 1)
        #expect(try h.rxResponses().isEmpty)
        #expect(try h.rx[0].header(Sring.Offset.reqEvent) == 3, "req_event = req_prod + 1: the next post kicks us")
        try h.postRx(1)
        let done = h.backend.process()
        #expect(!done.rxWaiting && done.notifyRx)
        let rs = try h.rxResponses().map { NetifRxResponse(decoding: $0) }
        #expect(rs.map(\.status) == [4096, 4096, Int16(frame.count - 8192)])
    }

    @Test func blankChecksumCompletedWhenTheFrontendCannotTakeIt() throws {
        var features = NetBackend.FrontendFeatures.linuxNetfront
        features.ipv6Csum = false
        let h = try NetHarness(features: features)
        #expect(h.device.offloadsSet.last == [], "no TUN_F_CSUM without IPv6 checksum offload")
        let frame = ipFrame(payload: 700, v6: true)
        let posted = try h.postRx(1)
        h.device.hostSend(VirtioNetHdr(flags: VirtioNetHdr.needsCsum, csumStart: 54, csumOffset: 16).encoded() + frame)
        _ = h.backend.process()
        let r = NetifRxResponse(decoding: try #require(try h.rxResponses().first))
        #expect(r.flags == [.dataValidated] && Int(r.status) == frame.count)
        let got = try h.fe.memory.read(at: posted[0].frame << 12, count: frame.count)
        #expect(checksumValid(got))
        #expect(h.backend.counters.rxChecksumCompleted == 1)
    }

    @Test func framesTheFrontendCannotTakeAreDropped() throws {
        var features = NetBackend.FrontendFeatures()
        features.sg = false
        let h = try NetHarness(features: features)
        try h.postRx(20)
        h.device.hostSend(VirtioNetHdr(gsoType: VirtioNetHdr.gsoTCPv4, gsoSize: 1000).encoded() + ipFrame(payload: 5000))
        h.device.hostSend(VirtioNetHdr().encoded() + ipFrame(payload: 5000, full: true))
        h.device.hostSend([1, 2, 3])
        h.device.hostSend(VirtioNetHdr().encoded() + ipFrame(payload: 10, full: true))
        let result = h.backend.process()
        #expect(result.fault == nil)
        let rs = try h.rxResponses().map { NetifRxResponse(decoding: $0) }
        #expect(rs.count == 1 && Int(rs[0].status) == ipFrame(payload: 10).count)
        #expect(h.backend.counters.rxDropped == 3)
    }

    // MARK: Queues, offloads, lifecycle

    @Test func multiQueueKeepsQueuesApart() throws {
        let h = try NetHarness(queues: 3)
        #expect(h.backend.queueCount == 3)
        let frame = ipFrame(payload: 64, full: true)
        try h.transmit(try h.txRequests(frame), queue: 2)
        #expect(h.device.hostReceive(queue: 2).count == 1)
        #expect(h.device.hostReceive(queue: 0).isEmpty && h.device.hostReceive(queue: 1).isEmpty)
        let posted = try h.postRx(1, queue: 1)
        h.device.hostSend(VirtioNetHdr().encoded() + frame, queue: 1)
        #expect(h.backend.process(queue: 0).rxPackets == 0)
        #expect(h.backend.process(queue: 1).rxPackets == 1)
        #expect(try h.rxResponses(queue: 1).count == 1)
        #expect(try h.fe.memory.read(at: posted[0].frame << 12, count: frame.count) == frame)
    }

    @Test func offloadsFollowTheFrontend() {
        #expect(NetBackend.FrontendFeatures.linuxNetfront.offloads == [.csum, .tso4, .tso6])
        var noSG = NetBackend.FrontendFeatures.linuxNetfront
        noSG.sg = false
        #expect(noSG.offloads == [.csum])
        var noCsum = NetBackend.FrontendFeatures.linuxNetfront
        noCsum.ipCsum = false
        #expect(noCsum.offloads == [])
    }

    @Test func attachRefusals() throws {
        let h = try NetHarness()
        #expect(throws: NetAttachError.alreadyAttached) {
            try h.backend.attach(grants: h.fe.grants, rings: [.init(tx: h.tx[0].ref, rx: h.rx[0].ref)], features: .linuxNetfront)
        }
        h.backend.detach()
        #expect(h.fe.grants.pinnedCount == 0)
        #expect(throws: NetAttachError.queueCount(requested: 5, max: 4)) {
            try h.backend.attach(grants: h.fe.grants, rings: Array(repeating: .init(tx: h.tx[0].ref, rx: h.rx[0].ref), count: 5),
                                 features: .linuxNetfront)
        }
        var flip = NetBackend.FrontendFeatures.linuxNetfront
        flip.rxCopy = false
        #expect(throws: NetAttachError.rxCopyRequired) {
            try h.backend.attach(grants: h.fe.grants, rings: [.init(tx: h.tx[0].ref, rx: h.rx[0].ref)], features: flip)
        }
        #expect(throws: NetAttachError.queue(0, .ring("rx", .ringGrant(page: 0, .refOutOfRange(GrantRef(rawValue: 9999), limit: 2048))))) {
            try h.backend.attach(grants: h.fe.grants, rings: [.init(tx: h.tx[0].ref, rx: GrantRef(rawValue: 9999))], features: .linuxNetfront)
        }
        // A ring whose frontend claims more requests than it holds.
        try h.tx[0].header(Sring.Offset.reqProd, 300)
        #expect(throws: NetAttachError.queue(0, .ring("tx", .ringIndices(reqProd: 300, rspProd: 0, size: 256)))) {
            try h.backend.attach(grants: h.fe.grants, rings: [.init(tx: h.tx[0].ref, rx: h.rx[0].ref)], features: .linuxNetfront)
        }
        try h.tx[0].header(Sring.Offset.reqProd, 0)
        #expect(h.fe.grants.pinnedCount == 0, "a refused attach leaves nothing pinned")
        // And a good one afterwards works.
        try h.backend.attach(grants: h.fe.grants, rings: [.init(tx: h.tx[0].ref, rx: h.rx[0].ref)], features: .linuxNetfront)
        let (rs, _) = try h.transmit(try h.txRequests(ipFrame(payload: 1, full: true)))
        #expect(rs.first?.status == .okay)
    }

    @Test func detachStopsTheQueues() throws {
        let h = try NetHarness(queues: 2)
        h.backend.detach()
        h.backend.detach()
        #expect(h.fe.grants.pinnedCount == 0)
        #expect(h.backend.process(queue: 0).fault == .detached)
        #expect(h.backend.queueCount == 0)
    }
}
