import Testing
import XenABI
@testable import Xenstore

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct TestRandom {
    var state: UInt64

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// Bytes drawn mostly from path characters, NULs and digits, sometimes anything.
    mutating func payload() -> [UInt8] {
        let alphabet = b("/ab0159@-_TFrwnb\0\0\0")
        return (0..<below(40)).map { _ in
            below(10) == 0 ? UInt8(truncatingIfNeeded: next()) : alphabet[below(alphabet.count)]
        }
    }
}

@Suite("robustness")
struct RobustnessTests {
    @Test("random requests from dom0 and guests are always answered, never trap", arguments: [1, 2, 3, 4])
    func randomRequests(_ seed: UInt64) {
        var random = TestRandom(state: seed &* 0x9E37_79B9_7F4A_7C15)
        var quota = XenstoreQuota()
        quota.nodes = 50
        let (daemon, _) = daemonWithHomes([1, 5], quota: quota)
        let clients = [Client(daemon, domid: 0), Client(daemon, domid: 1), Client(daemon, domid: 5)]
        for _ in 0..<3000 {
            let client = clients[random.below(clients.count)]
            let type = XSType(rawValue: UInt32(random.below(30)))
            // INTRODUCE/RELEASE by dom0 would tear guests down; keep them rare.
            if (type == .introduce || type == .release) && random.below(20) != 0 { continue }
            let tx = random.below(4) == 0 ? UInt32(random.below(4)) : 0
            let request = XSMessage(type: type, reqID: UInt32(truncatingIfNeeded: random.next()), txID: tx,
                                    payload: random.payload())
            guard let reply = daemon.handle(request, from: client.id) else { continue }
            #expect(reply.reqID == request.reqID && reply.txID == request.txID)
            #expect(reply.type == request.type || reply.type == .error)
            #expect(reply.payload.count <= XenABI.Xenstore.payloadMax)
            if reply.type == .error {
                #expect(reply.payload.last == 0)
                #expect((0..<16).contains { XenABI.Xenstore.xsdError(at: $0)?.string.description == reply.errorName })
            }
            _ = daemon.takeEvents(for: client.id)
        }
        // Whatever happened, dom0 still sees a consistent tree.
        #expect(daemon.node(at: "/") != nil)
    }

    @Test("random ring contents and indices never trap and never write outside the page", arguments: [7, 8, 9])
    func randomRing(_ seed: UInt64) {
        var random = TestRandom(state: seed &* 0x9E37_79B9_7F4A_7C15)
        let daemon = XenstoreDaemon()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 8192, alignment: 4096)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xEE, count: 8192)
        let page = XenstoreRingPage(base: raw)
        let ring = RingTransport(daemon: daemon, connection: daemon.connect(domid: DomID(rawValue: 0)), page: page)
        _ = ring.start()
        for _ in 0..<500 {
            switch random.below(6) {
            case 0:
                page.store(UInt32(truncatingIfNeeded: random.next()), to: .reqProd)
            case 1:
                page.store(UInt32(truncatingIfNeeded: random.next()), to: .rspCons)
            case 2:
                page.store(page.load(.reqCons) &+ UInt32(random.below(64)), to: .reqProd)
            case 3:
                page.store(page.load(.rspProd), to: .rspCons)
            case 4:
                page.write(.req, at: UInt32(truncatingIfNeeded: random.next()), random.payload())
            default:
                page.store(XenABI.Xenstore.reconnect, to: .connection)
            }
            _ = ring.process()
        }
        // The second page was never touched.
        #expect((4096..<8192).allSatisfy { raw.load(fromByteOffset: $0, as: UInt8.self) == 0xEE })
        #expect((XenstoreRingPage.byteCount..<4096).allSatisfy { raw.load(fromByteOffset: $0, as: UInt8.self) == 0xEE })
    }
}
