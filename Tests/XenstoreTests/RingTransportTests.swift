import Testing
import XenABI
@testable import Xenstore

/// A page-aligned, zeroed 4 KiB interface page, with the guest's half of the
/// ring protocol.
final class TestPage {
    let raw: UnsafeMutableRawPointer
    let page: XenstoreRingPage

    init() {
        raw = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 4096)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
        page = XenstoreRingPage(base: raw)
    }

    deinit { raw.deallocate() }

    /// Guest: produce request bytes (at most the free space).
    func send(_ bytes: [UInt8]) {
        let prod = page.load(.reqProd)
        page.write(.req, at: prod, bytes)
        page.store(prod &+ UInt32(bytes.count), to: .reqProd)
    }

    /// Guest: consume every response byte available.
    func receive() -> [UInt8] {
        let cons = page.load(.rspCons)
        let prod = page.load(.rspProd)
        let bytes = page.read(.rsp, at: cons, count: Int(prod &- cons))
        page.store(prod, to: .rspCons)
        return bytes
    }

    func setIndices(_ value: UInt32) {
        for field in [XenstoreRingPage.Field.reqCons, .reqProd, .rspCons, .rspProd] {
            page.store(value, to: field)
        }
    }

    /// The raw byte at `offset` of the page.
    func byte(_ offset: Int) -> UInt8 {
        raw.load(fromByteOffset: offset, as: UInt8.self)
    }
}

@Suite("ring transport")
struct RingTransportTests {
    let daemon = XenstoreDaemon()

    func transport(domid: UInt16 = 5, daemon: XenstoreDaemon? = nil) -> (RingTransport, TestPage) {
        let daemon = daemon ?? self.daemon
        let page = TestPage()
        return (RingTransport(daemon: daemon, connection: daemon.connect(domid: DomID(rawValue: domid)),
                              page: page.page), page)
    }

    /// The encoded GET_DOMAIN_PATH 5 exchange used by several tests.
    let request = XSMessage(type: .getDomainPath, reqID: 7, strings: ["5"]).encoded()
    let reply: [UInt8] = [
        0x0A, 0x00, 0x00, 0x00,  // type = XS_GET_DOMAIN_PATH
        0x07, 0x00, 0x00, 0x00,  // req_id echoed
        0x00, 0x00, 0x00, 0x00,  // tx_id
        0x10, 0x00, 0x00, 0x00,  // len = 16
    ] + b("/local/domain/5\0")

    @Test("start advertises features and resets the page")
    func start() {
        let (ring, page) = transport()
        page.setIndices(77)
        page.page.store(3, to: .error)
        page.page.store(XenABI.Xenstore.reconnect, to: .connection)
        #expect(ring.start() == RingActivity(notify: true))
        #expect(XenstoreRingPage.Field.allCases.map { page.page.load($0) } == [0, 0, 0, 0, 15, 0, 0, 0])
    }

    @Test("a request in, its reply out")
    func roundTrip() {
        let (ring, page) = transport()
        _ = ring.start()
        page.send(request)
        #expect(ring.process() == RingActivity(notify: true))
        #expect(page.receive() == reply)
        #expect(page.page.load(.reqCons) == 18)
        #expect(ring.process() == RingActivity())  // nothing to do
    }

    @Test("indices that wrap around 2^32 and data that wraps around the ring")
    func wrappedIndices() {
        let (ring, page) = transport()
        page.setIndices(0xFFFF_FFF8)               // ring offset 1016
        _ = ring.start(resetIndices: false)
        page.send(request)
        #expect(ring.process() == RingActivity(notify: true))
        #expect(page.page.load(.reqCons) == 10)   // 0xFFFF_FFF8 + 18
        #expect(page.page.load(.rspProd) == 24)   // 0xFFFF_FFF8 + 32
        // The reply's first 8 bytes sit at the end of rsp, the rest at its start.
        #expect((1016..<1024).map { page.byte(1024 + $0) } == Array(reply[0..<8]))
        #expect((0..<24).map { page.byte(1024 + $0) } == Array(reply[8...]))
        #expect(page.receive() == reply)
    }

    @Test("a request split across kicks")
    func splitRequest() {
        let (ring, page) = transport()
        _ = ring.start()
        page.send(Array(request[..<10]))
        #expect(ring.process() == RingActivity(notify: true))
        #expect(page.page.load(.reqCons) == 10)
        #expect(page.receive() == [])
        page.send(Array(request[10...]))
        _ = ring.process()
        #expect(page.receive() == reply)
    }

    @Test("requests back to back are answered in order")
    func pipelined() {
        let (ring, page) = transport()
        _ = ring.start()
        let second = XSMessage(type: .getDomainPath, reqID: 8, strings: ["6"])
        page.send(request + second.encoded())
        _ = ring.process()
        #expect(page.receive() == reply + XSMessage(type: .getDomainPath, reqID: 8, strings: ["/local/domain/6"]).encoded())
    }

    @Test("hostile request indices stop the ring with XENSTORE_ERROR_RINGIDX", arguments: [
        (UInt32(0), UInt32(1025)), (100, 99), (0, 0x8000_0000),
    ])
    func hostileRequestIndices(_ cons: UInt32, _ prod: UInt32) {
        let (ring, page) = transport(domid: 0)
        _ = ring.start()
        _ = daemon.handle(XSMessage(type: .watch, strings: ["/x", "t"]), from: ring.connection)
        _ = daemon.takeEvents(for: ring.connection)
        page.page.store(cons, to: .reqCons)
        page.page.store(prod, to: .reqProd)
        let error = RingTransportError.requestIndices(cons: cons, prod: prod)
        #expect(ring.process() == RingActivity(notify: true, error: error))
        #expect(page.page.load(.error) == XenABI.Xenstore.errorRingidx)
        #expect(page.page.load(.reqCons) == cons)
        #expect(page.page.load(.rspProd) == 0)
        // The connection's watches are gone, and the ring stays stopped.
        Client(daemon, domid: 0).write("/x", "1")
        #expect(!daemon.hasEvents(for: ring.connection))
        page.page.store(cons, to: .reqProd)
        #expect(ring.process() == RingActivity(error: error))
    }

    @Test("hostile response indices stop the ring too")
    func hostileResponseIndices() {
        let (ring, page) = transport()
        _ = ring.start()
        page.page.store(2000, to: .rspCons)          // rsp_prod (0) - 2000 wraps far past 1024
        page.send(request)
        let activity = ring.process()
        #expect(activity.error == .responseIndices(cons: 2000, prod: 0))
        #expect(page.page.load(.error) == XenABI.Xenstore.errorRingidx)
        #expect(page.page.load(.rspProd) == 0)
    }

    @Test("a header over XENSTORE_PAYLOAD_MAX stops the ring with XENSTORE_ERROR_PROTO")
    func oversizedHeader() {
        let (ring, page) = transport()
        _ = ring.start()
        page.send([0x02, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x10, 0, 0] + b("/x\0"))
        let activity = ring.process()
        #expect(activity.error == .payloadTooLong(len: 4097))
        #expect(page.page.load(.error) == XenABI.Xenstore.errorProto)
        #expect(page.page.load(.reqCons) == 16)      // nothing read past the header
        #expect(page.receive() == [])
    }

    @Test("a reply larger than the free space is written as the guest consumes")
    func largeReply() {
        let (ring, page) = transport(domid: 0)
        Client(daemon, domid: 0).write("/big", String(repeating: "z", count: 2000))
        _ = ring.start()
        let read = XSMessage(type: .read, reqID: 1, strings: ["/big"])
        page.send(read.encoded())
        #expect(ring.process() == RingActivity(notify: true))
        let first = page.receive()
        #expect(first.count == 1024)
        #expect(ring.process() == RingActivity(notify: true))
        let second = page.receive()
        #expect(first + second == XSMessage(type: .read, reqID: 1, payload: b(String(repeating: "z", count: 2000))).encoded())
    }

    @Test("watch events follow the reply, and later ones come on the next kick")
    func events() {
        let (ring, page) = transport(domid: 0)
        _ = ring.start()
        page.send(XSMessage(type: .watch, reqID: 3, strings: ["/w", "tok"]).encoded())
        _ = ring.process()
        #expect(page.receive() == XSMessage(type: .watch, reqID: 3, payload: b("OK\0")).encoded()
            + XSMessage(type: .watchEvent, payload: b("/w\0tok\0")).encoded())
        Client(daemon, domid: 0).write("/w/x", "1")
        #expect(ring.process() == RingActivity(notify: true))
        #expect(page.receive() == XSMessage(type: .watchEvent, payload: b("/w/x\0tok\0")).encoded())
    }

    @Test("reconnection empties the rings, drops watches and clears an error")
    func reconnection() {
        let (ring, page) = transport(domid: 0)
        _ = ring.start()
        page.send(XSMessage(type: .watch, reqID: 3, strings: ["/w", "tok"]).encoded())
        _ = ring.process()
        page.page.store(0, to: .reqCons)
        page.page.store(5000, to: .reqProd)
        #expect(ring.process().error == .requestIndices(cons: 0, prod: 5000))
        page.page.store(XenABI.Xenstore.reconnect, to: .connection)
        #expect(ring.process() == RingActivity(notify: true))
        #expect(XenstoreRingPage.Field.allCases.map { page.page.load($0) } == [0, 0, 0, 0, 15, 0, 0, 0])
        Client(daemon, domid: 0).write("/w/x", "1")
        #expect(!daemon.hasEvents(for: ring.connection))
        page.send(request)
        _ = ring.process()
        #expect(page.receive() == reply)
    }

    @Test("an unprivileged domain is not read past the outstanding-reply quota")
    func outstandingQuota() {
        var quota = XenstoreQuota()
        quota.outstanding = 2
        let (daemon, dom0) = daemonWithHomes([5], quota: quota)
        dom0.write("/local/domain/5/big", String(repeating: "z", count: 1000))
        let (ring, page) = transport(domid: 5, daemon: daemon)
        _ = ring.start()
        let read = XSMessage(type: .read, reqID: 1, strings: ["big"]).encoded()   // 20 bytes; reply 1016
        page.send(read + read + read + read)
        _ = ring.process()
        // Reply 1 is out, reply 2 partly (8 bytes), reply 3 queued: 2 pending, stop.
        #expect(page.page.load(.reqCons) == 60)
        #expect(page.page.load(.rspProd) == 1024)
        #expect(page.receive().count == 1024)
        _ = ring.process()
        #expect(page.page.load(.reqCons) == 80)
        var all = page.receive()
        while true {
            _ = ring.process()
            let more = page.receive()
            if more.isEmpty { break }
            all += more
        }
        #expect(1024 + all.count == 4 * 1016)
    }

    @Test("after XS_RELEASE the ring reports the connection closed")
    func released() {
        let (daemon, dom0) = daemonWithHomes([5])
        dom0.ok(.introduce, "5\0" + "1\0" + "2\0")
        let (ring, page) = transport(domid: 5, daemon: daemon)
        _ = ring.start()
        dom0.ok(.release, "5\0")
        page.send(request)
        #expect(ring.process().error == .connectionClosed)
        #expect(page.page.load(.error) == 0)
        page.page.store(XenABI.Xenstore.reconnect, to: .connection)
        #expect(ring.process().error == .connectionClosed)
    }
}
