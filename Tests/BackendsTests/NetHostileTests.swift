// A hostile netfront: malformed packets are answered NETIF_RSP_ERROR on
// every slot, send nothing to the host, leave no grant pinned and keep the
// queue working; protocol violations (netback's xenvif_fatal_tx_err) halt
// the queue with a fault and nothing else; nothing traps. Plus a random
// sweep over both rings.
import Glibc
import Testing
import XenABI
@testable import Backends

@Suite struct NetHostileTests {
    enum Drop: String, CaseIterable, Sendable {
        case ungrantedRef, refPastTable, otherDomain, frameAboveRAM, subPageGrant
        case nineteenFrags, twentyFrags, slotLargerThanPacket, firstSlotShort
        case csumBlankOnVLAN, csumBlankOnICMP, gsoOnUDP, gsoV6OnV4
    }

    @Test(arguments: Drop.allCases)
    func droppedWithErrors(_ c: Drop) throws {
        let h = try NetHarness()
        let fe = h.fe
        let frame = ipFrame(payload: 200, full: true)
        var slots = try h.txRequests(frame)
        func setFirst(_ body: (inout NetifTxRequest) -> Void) {
            var r = NetifTxRequest(decoding: slots[0])
            body(&r)
            slots[0] = r.encoded()
        }
        switch c {
        case .ungrantedRef:
            setFirst { $0.gref = GrantRef(rawValue: 1000) }
        case .refPastTable:
            setFirst { $0.gref = GrantRef(rawValue: 4 * 512 + 3) }
        case .otherDomain:
            let f = try fe.allocPage()
            let ref = try fe.grant(f, readonly: true, domid: 5)
            setFirst { $0.gref = ref }
        case .frameAboveRAM:
            let ref = try fe.grant(fe.ramPages + 7, readonly: true)
            setFirst { $0.gref = ref }
        case .subPageGrant:
            let f = try fe.allocPage()
            let ref = try fe.grant(f, flags: GTF.permitAccess.rawValue | GTF.subPage.rawValue)
            setFirst { $0.gref = ref }
        case .nineteenFrags:
            slots = try h.txRequests(ipFrame(payload: 2000, full: true), firstLength: 60, chunk: 100)
            #expect(slots.count == 21)
            slots = Array(slots.prefix(20))      // first + 19 frags: dropped (netback keeps at most 18)
            var last = NetifTxRequest(decoding: slots[19])
            last.flags.remove(.moreData)
            slots[19] = last.encoded()
            setFirst { $0.size = UInt16(60 + 19 * 100) }
        case .twentyFrags:
            slots = try h.txRequests(ipFrame(payload: 2000, full: true), firstLength: 60, chunk: 100)
            slots = Array(slots.prefix(21))      // first + 20 frags: dropped, not yet fatal
            var last = NetifTxRequest(decoding: slots[20])
            last.flags.remove(.moreData)
            slots[20] = last.encoded()
            setFirst { $0.size = UInt16(60 + 20 * 100) }
        case .slotLargerThanPacket:
            slots = try h.txRequests(frame, firstLength: 100)
            setFirst { $0.size = 150 }
        case .firstSlotShort:
            slots = try h.txRequests(frame, firstLength: 10)
        case .csumBlankOnVLAN:
            var f = frame
            f.insert(contentsOf: [0x81, 0x00, 0, 5], at: 12)
            slots = try h.txRequests(f, flags: [.csumBlank])
        case .csumBlankOnICMP:
            var f = frame
            f[23] = 1
            slots = try h.txRequests(f, flags: [.csumBlank])
        case .gsoOnUDP:
            slots = try h.txRequests(ipFrame(payload: 3000, udp: true), flags: [.csumBlank],
                                     extras: [.gso(size: 1000, type: .tcpv4)])
        case .gsoV6OnV4:
            slots = try h.txRequests(ipFrame(payload: 3000), flags: [.csumBlank], extras: [.gso(size: 1000, type: .tcpv6)])
        }
        let ids = slots.map { NetifTxRequest(decoding: $0) }
        let (rs, result) = try h.transmit(slots)
        #expect(result.fault == nil, "a malformed packet does not stop the queue")
        #expect(rs.count == slots.count, "every slot is answered")
        for (r, req) in zip(rs, ids) where r.status != .null {
            #expect(r == NetifTxResponse(id: req.id, status: .error))
        }
        #expect(h.device.hostReceive().isEmpty, "nothing reaches the host")
        #expect(fe.grants.pinnedCount == 2, "only the rings stay pinned")
        #expect(h.backend.counters.txErrors == 1)
        // The queue keeps working.
        let (ok, _) = try h.transmit(try h.txRequests(frame))
        #expect(ok.map(\.status) == [.okay])
        #expect(h.device.hostReceive().count == 1)
    }

    enum Fatal: String, CaseIterable, Sendable {
        case indicesPastRing, firstCrossesPage, fragCrossesPage, moreDataPastProducer, extraPastProducer
        case extraTypeZero, extraTypeUnknown, gsoSizeZero, gsoTypeUnknown, twentyOneFrags
    }

    @Test(arguments: Fatal.allCases)
    func protocolViolationsHaltTheQueue(_ c: Fatal) throws {
        let h = try NetHarness()
        let frame = ipFrame(payload: 300, full: true)
        var slots = try h.txRequests(frame, firstLength: 100)
        var publishAfter = true
        func set(_ i: Int, _ body: (inout NetifTxRequest) -> Void) {
            var r = NetifTxRequest(decoding: slots[i])
            body(&r)
            slots[i] = r.encoded()
        }
        switch c {
        case .indicesPastRing:
            for s in slots { try h.tx[0].push(s) }
            try h.tx[0].header(Sring.Offset.reqProd, 300)    // 300 requests in a 256-entry ring
            publishAfter = false
        case .firstCrossesPage:
            slots = try h.txRequests(frame, firstLength: 100)
            set(0) { $0.offset = 4090 }
        case .fragCrossesPage:
            set(1) { $0.offset = 4000 }
        case .moreDataPastProducer:
            set(1) { $0.flags.insert(.moreData) }
        case .extraPastProducer:
            slots = [NetifTxRequest(gref: GrantRef(rawValue: 8), offset: 0, flags: [.extraInfo], id: 1, size: 60).encoded()]
        case .extraTypeZero, .extraTypeUnknown:
            slots = try h.txRequests(frame, extras: [NetifExtraInfo(type: NetifExtraType(rawValue: c == .extraTypeZero ? 0 : 9),
                                                                    u: [1, 2, 3, 4, 5, 6])])
        case .gsoSizeZero:
            slots = try h.txRequests(frame, flags: [.csumBlank], extras: [.gso(size: 0, type: .tcpv4)])
        case .gsoTypeUnknown:
            slots = try h.txRequests(frame, flags: [.csumBlank], extras: [.gso(size: 100, type: NetifGsoType(rawValue: 7))])
        case .twentyOneFrags:
            slots = try h.txRequests(ipFrame(payload: 2200, full: true), firstLength: 54, chunk: 100)
            #expect(slots.count >= 22)
        }
        if publishAfter {
            for s in slots { try h.tx[0].push(s) }
            try h.tx[0].publish()
        }
        let result = h.backend.process()
        #expect(result.fault != nil && result.newFault, "\(c): the queue halts")
        #expect(h.device.hostReceive().isEmpty)
        #expect(h.fe.grants.pinnedCount == 2, "no data grant stays pinned")
        #expect(h.backend.counters.queueFaults == 1)
        // Halted for good, reported once; the frontend's kicks change nothing.
        let again = h.backend.process()
        #expect(again.fault == result.fault && !again.newFault)
        h.backend.detach()
        #expect(h.fe.grants.pinnedCount == 0)
    }

    @Test func receiveIntoBadGrantsAnswersErrors() throws {
        let h = try NetHarness()
        try h.rx[0].push(NetifRxRequest(id: 5, gref: GrantRef(rawValue: 1900)).encoded())
        let ro = try h.postRx(1, readonly: true)
        let good = try h.postRx(1)
        for _ in 0..<3 { h.device.hostSend(VirtioNetHdr().encoded() + ipFrame(payload: 10, full: true)) }
        let result = h.backend.process()
        #expect(result.fault == nil)
        let rs = try h.rxResponses().map { NetifRxResponse(decoding: $0) }
        #expect(rs.map(\.id) == [5, ro[0].id, good[0].id])
        #expect(rs.map(\.status) == [-1, -1, Int16(ipFrame(payload: 10).count)])
        #expect(h.fe.grants.pinnedCount == 2)
    }

    @Test func receiveRingPastItsSizeHalts() throws {
        let h = try NetHarness()
        h.device.hostSend(VirtioNetHdr().encoded() + ipFrame(payload: 10, full: true))
        try h.rx[0].header(Sring.Offset.reqProd, 257)
        let result = h.backend.process()
        #expect(result.newFault)
        if case .producerOverflow = result.fault {} else { Issue.record("fault \(String(describing: result.fault))") }
    }

    /// Random slots, most naming real grants and plausible sizes, and
    /// random frames from the host: the process never traps, every
    /// transmit slot consumed is answered, pins balance, and RAM outside
    /// the receive buffers and rings never changes.
    @Test func randomSlotsNeverEscape() throws {
        let h = try NetHarness(ramPages: 2048)
        var rng = SplitMix(state: 0x6e6574)
        var refs: [GrantRef] = []
        for i in 0..<8 {
            refs.append(try h.dataPage(ipFrame(payload: 500 + i * 300, v6: i % 2 == 1, full: i % 3 == 0)[...]))
        }
        refs.append(GrantRef(rawValue: 5000))
        refs.append(GrantRef(rawValue: 1999))
        let ringFrames: Set<UInt64> = [h.tx[0].frame, h.rx[0].frame]
        let before = try h.fe.ramSnapshot(excluding: ringFrames)
        for round in 0..<40 {
            let count = 1 + Int(rng.next() % 30)
            for _ in 0..<count {
                var r = NetifTxRequest(gref: refs[Int(rng.next() % UInt64(refs.count))],
                                       offset: UInt16(rng.next() % 5000), flags: NetTxFlags(rawValue: UInt16(rng.next() % 16)),
                                       id: UInt16(truncatingIfNeeded: rng.next()), size: UInt16(rng.next() % 6000))
                if rng.next() % 4 == 0 { r.offset = 0; r.size = UInt16(60 + rng.next() % 1000) }
                var bytes = r.encoded()
                if rng.next() % 6 == 0 { bytes = (0..<12).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
                try h.tx[0].push(bytes)
            }
            try h.tx[0].publish()
            let result = h.backend.process()
            if result.fault != nil {
                // Halted for a protocol violation: nothing more to send.
                #expect(h.fe.grants.pinnedCount == 2)
                break
            }
            _ = try h.tx[0].responses()
            #expect(h.fe.grants.pinnedCount == 2, "round \(round)")
        }
        _ = h.device.hostReceive()
        #expect(try h.fe.ramSnapshot(excluding: ringFrames) == before, "transmit never writes guest memory")

        // Receive: random frames from the host into a few buffers.
        let r = try NetHarness(ramPages: 2048)
        for _ in 0..<200 {
            let n = Int(rng.next() % 3000)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n >= 10 && rng.next() % 2 == 0 { bytes[0] = 1; bytes[1] = UInt8(rng.next() % 5) }
            if n > 0 { r.device.hostSend(bytes) }
        }
        for _ in 0..<20 {
            try r.postRx(8)
            let res = r.backend.process()
            #expect(res.fault == nil)
            _ = try r.rxResponses()
        }
        #expect(r.fe.grants.pinnedCount == 2)
    }
}
