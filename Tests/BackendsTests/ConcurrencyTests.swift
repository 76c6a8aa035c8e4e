// Queues processed on different threads at once, and one grant pinned from
// many threads: pins balance and the GTF bits end clear.
import Testing
import XenABI
@testable import Backends

@Suite struct ConcurrencyTests {
    @Test func pinsBalanceUnderContention() async throws {
        let fe = try Frontend()
        let (_, ref) = try fe.grantedPage()
        let grants = fe.grants
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<500 {
                        if let m = try? grants.map(ref, writable: (i + t) % 2 == 0) { grants.unmap(m) }
                    }
                }
            }
        }
        #expect(grants.pinnedCount == 0)
        #expect(try fe.entry(ref).flags == GTF.permitAccess.rawValue)
    }

    @Test func queuesRunInParallel() async throws {
        let fe = try Frontend()
        let image = try Image(sectors: 1024)
        let backend = try BlockBackend(path: image.path, readOnly: false)
        let rings = [try FrontRing(fe), try FrontRing(fe)]
        try backend.attach(grants: fe.grants, ringRefs: rings.map(\.refs))
        // Queue q writes pages with pattern q*16+i to sectors q*256 + i*8.
        for (q, ring) in rings.enumerated() {
            for i in 0..<16 {
                let f = try fe.allocPage()
                try fe.memory.write(pagePattern(q * 16 + i), at: f << 12)
                try ring.push(rw(.write, id: UInt64(i), sector: UInt64(q * 256 + i * 8), [seg(try fe.grant(f, readonly: true))]))
            }
            try ring.publish()
        }
        let handled = await withTaskGroup(of: Int.self) { group in
            for q in 0..<2 { group.addTask { backend.process(queue: q).handled } }
            return await group.reduce(0, +)
        }
        #expect(handled == 32)
        for (q, ring) in rings.enumerated() {
            #expect(try ring.responses().allSatisfy { $0.status == .okay })
            for i in 0..<16 {
                #expect(try image.read(at: (q * 256 + i * 8) * 512, count: 4096) == pagePattern(q * 16 + i))
            }
        }
        #expect(fe.grants.pinnedCount == 2)
    }
}
