// The shared ring: multi-page rings with entries straddling pages, index
// wrap-around over 2^32, the notification hold-off of ring.h, hostile
// indices, fairness budget, multiple queues, detach and reattach.
import Testing
import XenABI
@testable import Backends

@Suite struct BlkifRingTests {
    @Test func multiPageRingWithStraddlingEntries() throws {
        let h = try Harness(order: 2)                  // 4 pages, 128 entries
        #expect(h.ring.size == 128)
        let p = try h.fe.grantedPage()
        // Slot 35 spans bytes 4024..<4136: the first entry across a page boundary.
        let entries = (0..<100).map { rw(.read, id: UInt64($0) + 1000, sector: UInt64($0 % 200), [seg(p.ref, 0, 0)]) }
        let (rs, result) = try h.run(entries)
        #expect(rs.map(\.id) == (0..<100).map { UInt64($0) + 1000 })
        #expect(rs.allSatisfy { $0.status == .okay && $0.operation == .read })
        #expect(result.handled == 100)
    }

    @Test(arguments: [0, 1, 4])
    func indicesWrapAround(order: Int) throws {
        let start: UInt32 = 0xFFFF_FFF0
        let h = try Harness(order: order, start: start)
        let p = try h.fe.grantedPage()
        var id: UInt64 = 0
        for _ in 0..<4 {
            let n = Int(h.ring.size) - 3
            let entries = (0..<n).map { _ in
                id += 1
                return rw(.read, id: id, sector: id % 64, [seg(p.ref, 0, 0)])
            }
            let (rs, result) = try h.run(entries)
            #expect(rs.count == n && rs.last?.id == id && rs.allSatisfy { $0.status == .okay })
            #expect(result.fault == nil)
            // RING_FINAL_CHECK_FOR_REQUESTS left req_event one past req_cons.
            #expect(try h.ring.header(Sring.Offset.reqEvent) == h.ring.reqProdPvt &+ 1)
            #expect(try h.ring.header(Sring.Offset.rspProd) == h.ring.reqProdPvt)
        }
        #expect(h.ring.reqProdPvt < start, "the indices wrapped past 2^32")
    }

    @Test func notifyFollowsRspEvent() throws {
        let h = try Harness()
        let p = try h.fe.grantedPage()
        func request(_ id: UInt64) -> [UInt8] { rw(.read, id: id, sector: 0, [seg(p.ref, 0, 0)]) }
        // Fresh ring: rsp_event = 1, so the first response notifies.
        try h.ring.push(request(1))
        try h.ring.publish()
        #expect(h.backend.process().notify)
        // The frontend consumes without re-arming rsp_event (still 1): no notify.
        _ = try h.ring.responses()
        try h.ring.header(Sring.Offset.rspEvent, 1)
        try h.ring.push(request(2))
        try h.ring.publish()
        #expect(!h.backend.process().notify)
        // Re-armed one past its consumer (as RING_FINAL_CHECK_FOR_RESPONSES): notify.
        _ = try h.ring.responses()
        try h.ring.push(request(3))
        try h.ring.push(request(4))
        try h.ring.publish()
        #expect(h.backend.process().notify)
        // rsp_event far ahead: the frontend is polling, no notify.
        _ = try h.ring.responses()
        try h.ring.header(Sring.Offset.rspEvent, 1000)
        try h.ring.push(request(5))
        try h.ring.publish()
        #expect(!h.backend.process().notify)
        // Nothing to do: nothing to notify, req_event re-armed.
        let idle = h.backend.process()
        #expect(!idle.notify && idle.handled == 0 && idle.fault == nil)
        #expect(try h.ring.header(Sring.Offset.reqEvent) == 6)
    }

    @Test(arguments: [UInt32(33), 1000, 0xFFFF_FFFF, 0x8000_0000])
    func bogusProducerHaltsTheRing(ahead: UInt32) throws {
        let h = try Harness()
        let p = try h.fe.grantedPage()
        try h.ring.push(rw(.read, id: 1, sector: 0, [seg(p.ref)]))
        try h.ring.header(Sring.Offset.reqProd, ahead)        // req_prod - req_cons > 32
        let first = h.backend.process()
        #expect(first.fault == .producerOverflow(reqProd: ahead, reqCons: 0, size: 32))
        #expect(first.handled == 0 && !first.notify)
        #expect(try h.ring.responses().isEmpty)
        #expect(h.sys.count(.preadv) == 0)
        // It stays halted, even if the frontend "fixes" the index.
        try h.ring.header(Sring.Offset.reqProd, 1)
        #expect(h.backend.process().fault == .producerOverflow(reqProd: ahead, reqCons: 0, size: 32))
        #expect(h.backend.counters.ringStops == 1, "reported once")
        #expect(!BlkifRingFault.producerOverflow(reqProd: ahead, reqCons: 0, size: 32).description.isEmpty)
    }

    @Test func budgetBoundsOneCall() throws {
        var options = BlockBackend.Options()
        options.requestsPerProcess = 5
        let h = try Harness(options: options)
        let p = try h.fe.grantedPage()
        for i in 0..<12 { try h.ring.push(rw(.read, id: UInt64(i), sector: 0, [seg(p.ref, 0, 0)])) }
        try h.ring.publish()
        let a = h.backend.process()
        #expect(a.handled == 5 && a.moreWork)
        let b = h.backend.process()
        #expect(b.handled == 5 && b.moreWork)
        let c = h.backend.process()
        #expect(c.handled == 2 && !c.moreWork)
        #expect(try h.ring.responses().map(\.id) == Array(0..<12))
    }

    @Test func attachRefusesInconsistentIndices() throws {
        let fe = try Frontend()
        let image = try Image(sectors: 64)
        let backend = try BlockBackend(path: image.path, readOnly: false)
        let ring = try FrontRing(fe)
        try ring.header(Sring.Offset.reqProd, 40)              // 40 - 0 > 32
        #expect(throws: BlkAttachError.queue(0, .ringIndices(reqProd: 40, rspProd: 0, size: 32))) {
            try backend.attach(grants: fe.grants, ringRefs: [ring.refs])
        }
        #expect(fe.grants.pinnedCount == 0)
    }

    @Test func attachRefusesBadRingGrants() throws {
        let fe = try Frontend()
        let image = try Image(sectors: 64)
        let backend = try BlockBackend(path: image.path, readOnly: false)
        let good = try FrontRing(fe, order: 1)
        let ro = try fe.grantedPage(readonly: true)
        #expect(throws: BlkAttachError.queue(0, .ringGrant(page: 1, .readOnly(ro.ref)))) {
            try backend.attach(grants: fe.grants, ringRefs: [[good.refs[0], ro.ref]], ringPageOrder: 1)
        }
        #expect(fe.grants.pinnedCount == 0)
        #expect(try fe.entry(good.refs[0]).flags == GTF.permitAccess.rawValue)
        let other = try fe.grant(try fe.allocPage(), domid: 9)
        #expect(throws: BlkAttachError.queue(0, .ringGrant(page: 0, .wrongDomain(other, domid: DomID(rawValue: 9))))) {
            try backend.attach(grants: fe.grants, ringRefs: [[other]])
        }
    }

    @Test func attachParameterChecks() throws {
        let fe = try Frontend()
        let image = try Image(sectors: 64)
        let backend = try BlockBackend(path: image.path, readOnly: false)
        let ring = try FrontRing(fe)
        #expect(throws: BlkAttachError.protocolUnsupported("x86_32-abi")) {
            try backend.attach(grants: fe.grants, ringRefs: [ring.refs], protocol: "x86_32-abi")
        }
        #expect(throws: BlkAttachError.protocolUnsupported("arm-abi")) {
            try backend.attach(grants: fe.grants, ringRefs: [ring.refs], protocol: "arm-abi")
        }
        #expect(throws: BlkAttachError.ringPageOrder(requested: 5, max: 4)) {
            try backend.attach(grants: fe.grants, ringRefs: [Array(repeating: ring.refs[0], count: 32)], ringPageOrder: 5)
        }
        #expect(throws: BlkAttachError.ringRefCount(queue: 0, expected: 2, got: 1)) {
            try backend.attach(grants: fe.grants, ringRefs: [ring.refs], ringPageOrder: 1)
        }
        #expect(throws: BlkAttachError.queueCount(requested: 5, max: 4)) {
            try backend.attach(grants: fe.grants, ringRefs: Array(repeating: ring.refs, count: 5))
        }
        #expect(throws: BlkAttachError.queueCount(requested: 0, max: 4)) {
            try backend.attach(grants: fe.grants, ringRefs: [])
        }
        try backend.attach(grants: fe.grants, ringRefs: [ring.refs], protocol: "x86_64-abi")
        #expect(throws: BlkAttachError.alreadyAttached) {
            try backend.attach(grants: fe.grants, ringRefs: [ring.refs])
        }
        #expect(fe.grants.pinnedCount == 1)
    }

    @Test func queuesAreIndependent() throws {
        let fe = try Frontend()
        let image = try Image(sectors: 64)
        let backend = try BlockBackend(path: image.path, readOnly: false)
        let q0 = try FrontRing(fe, order: 1)
        let q1 = try FrontRing(fe, order: 1)
        try backend.attach(grants: fe.grants, ringRefs: [q0.refs, q1.refs], ringPageOrder: 1)
        #expect(backend.queueCount == 2)
        let p = try fe.grantedPage()
        try q0.push(rw(.read, id: 10, sector: 0, [seg(p.ref, 0, 0)]))
        try q0.publish()
        try q1.push(rw(.read, id: 20, sector: 1, [seg(p.ref, 1, 1)]))
        try q1.push(rw(.read, id: 21, sector: 2, [seg(p.ref, 2, 2)]))
        try q1.publish()
        #expect(backend.process(queue: 1).handled == 2)
        #expect(try q0.responses().isEmpty)
        #expect(try q1.responses().map(\.id) == [20, 21])
        #expect(backend.process(queue: 0).handled == 1)
        #expect(try q0.responses().map(\.id) == [10])
        #expect(backend.process(queue: 2).fault == .detached, "no such queue")
    }

    @Test func detachUnpinsAndReattachResumes() throws {
        let h = try Harness(order: 1)
        let p = try h.fe.grantedPage()
        _ = try h.run((0..<3).map { rw(.read, id: UInt64($0), sector: 0, [seg(p.ref, 0, 0)]) })
        #expect(h.fe.grants.pinnedCount == 2)
        #expect(try h.fe.entry(h.ring.refs[0]).flags == GTF.permitAccess.rawValue | GTF.reading.rawValue | GTF.writing.rawValue)
        h.backend.detach()
        h.backend.detach()                                   // idempotent
        #expect(h.fe.grants.pinnedCount == 0)
        for r in h.ring.refs { #expect(try h.fe.entry(r).flags == GTF.permitAccess.rawValue) }
        try h.ring.push(rw(.read, id: 3, sector: 0, [seg(p.ref, 0, 0)]))
        try h.ring.publish()
        #expect(h.backend.process().fault == .detached)
        #expect(try h.ring.responses().isEmpty)
        // Reconnect: the backend picks up at the shared rsp_prod (3).
        try h.backend.attach(grants: h.fe.grants, ringRefs: [h.ring.refs], ringPageOrder: 1)
        #expect(h.backend.process().handled == 1)
        #expect(try h.ring.responses().map(\.id) == [3])
    }
}
