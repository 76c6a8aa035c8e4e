// The ownership bitmap and released-frame allocator behind the memory
// reservation (FrameOwnership.swift).
@testable import Platform
import Testing

@Suite struct FrameOwnershipTests {
    @Test func initialOwnershipAndTail() {
        let o = FrameOwnership(frames: 100, owned: 70)
        #expect(o.ownedCount == 70)
        #expect(o.isOwned(0) && o.isOwned(63) && o.isOwned(64) && o.isOwned(69))
        #expect(!o.isOwned(70) && !o.isOwned(99) && !o.isOwned(100) && !o.isOwned(.max))
        #expect(o.isReleasedRun(70, count: 30))
        #expect(!o.isReleasedRun(70, count: 31))   // past the last frame
        #expect(!o.isReleasedRun(69, count: 2))
        #expect(!o.isReleasedRun(.max, count: 1))
    }

    @Test func setAcrossWordBoundaries() {
        var o = FrameOwnership(frames: 256, owned: 256)
        o.set(60, count: 70, owned: false)
        #expect(o.ownedCount == 186)
        #expect(o.isOwned(59) && !o.isOwned(60) && !o.isOwned(129) && o.isOwned(130))
        #expect(o.isReleasedRun(60, count: 70))
        o.set(64, count: 64, owned: true)
        #expect(o.ownedCount == 250)
        #expect(o.isReleasedRun(60, count: 4) && o.isOwned(64) && o.isOwned(127) && !o.isOwned(128))
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let order: UInt32
        let released: [ClosedRange<UInt64>]
        let limit: UInt64
        let expected: UInt64?
        var testDescription: String { "order \(order) in \(released) below \(limit)" }
    }

    @Test(arguments: [
        Case(order: 0, released: [5...5], limit: 1024, expected: 5),
        Case(order: 1, released: [5...6], limit: 1024, expected: nil),          // not aligned
        Case(order: 1, released: [5...7], limit: 1024, expected: 6),
        Case(order: 3, released: [3...12, 100...115], limit: 1024, expected: 104),
        Case(order: 5, released: [62...200], limit: 1024, expected: 64),
        Case(order: 6, released: [63...200], limit: 1024, expected: 64),
        Case(order: 7, released: [64...191], limit: 1024, expected: nil),     // 64-191 is not 128-aligned
        Case(order: 7, released: [64...300], limit: 1024, expected: 128),
        Case(order: 9, released: [512...1023], limit: 1024, expected: 512),
        Case(order: 9, released: [512...1023], limit: 1023, expected: nil),    // would end above the limit
        Case(order: 0, released: [900...900], limit: 900, expected: nil),
        Case(order: 2, released: [1020...1023], limit: 1024, expected: 1020),
    ])
    func findsAlignedRuns(_ c: Case) {
        var o = FrameOwnership(frames: 1024, owned: 1024)
        for r in c.released { o.set(r.lowerBound, count: r.upperBound - r.lowerBound + 1, owned: false) }
        #expect(o.findReleasedRun(order: c.order, limit: c.limit) == c.expected)
    }

    @Test func tailBitsBeyondTheLastFrameAreNeverHandedOut() {
        var o = FrameOwnership(frames: 70, owned: 66)  // 66...69 released; 70...127 do not exist
        #expect(o.findReleasedRun(order: 2, limit: 1 << 20) == nil)  // 68-71 would be needed
        #expect(o.findReleasedRun(order: 1, limit: 1 << 20) == 66)
        #expect(o.findReleasedRun(order: 6, limit: 1 << 20) == nil)
    }

    @Test func nextFitHandsOutEveryFrameOnceAndWraps() {
        var o = FrameOwnership(frames: 4096 + 17, owned: 0)
        var seen = Set<UInt64>()
        while let mfn = o.findReleasedRun(order: 0, limit: .max) {
            #expect(seen.insert(mfn).inserted)
            o.set(mfn, count: 1, owned: true)
        }
        #expect(seen.count == 4096 + 17 && o.ownedCount == 4096 + 17)
        // Free one frame behind the cursor: the search wraps to it.
        o.set(3, count: 1, owned: false)
        #expect(o.findReleasedRun(order: 0, limit: .max) == 3)
    }

    /// A 16 GiB domain (2^22 frames) ballooned up frame by frame, and a
    /// fully fragmented one that has no order-1 run: both finish (each
    /// search is next-fit over 64-frame words).
    @Test func largeDomainsStayCheap() {
        var o = FrameOwnership(frames: 1 << 22, owned: 0)
        var n: UInt64 = 0
        while let mfn = o.findReleasedRun(order: 0, limit: .max) {
            o.set(mfn, count: 1, owned: true)
            n += 1
        }
        #expect(n == 1 << 22)
        for mfn in stride(from: UInt64(0), to: 1 << 22, by: 2) { o.set(mfn, count: 1, owned: false) }
        #expect(o.findReleasedRun(order: 1, limit: .max) == nil)
        #expect(o.findReleasedRun(order: 0, limit: .max).map { $0 % 2 == 0 } == true)
    }
}
