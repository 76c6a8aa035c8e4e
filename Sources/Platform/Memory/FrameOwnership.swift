// Which of a domain's RAM frame numbers the domain currently owns, and the
// allocator that hands released frames back: the state Xen keeps as a
// page's owner and `PGC_allocated` bit plus the domain's `tot_pages`
// (xen/include/xen/mm.h, xen/common/page_alloc.c assign_pages,
// alloc_domheap_pages; public/memory.h XENMEM_*_reservation).
//
// RAM is machine frames `0 ..< frames` of one memfd region. A frame the
// domain released with XENMEM_decrease_reservation (or one above the
// initial nr_pages that was never populated) still exists in the region
// but belongs to nobody: the PV MMU treats it like a frame of another
// domain (PageTypes.isRAM is false for it), its M2P entry is
// INVALID_M2P_ENTRY and its memory is given back to the host.
//
// Invariants: `ownedCount` is the number of set bits; bits at or above
// `frames` are never set. Allocation is next-fit from `cursor`, so a run
// of successful allocations scans each bitmap word at most about twice.
//
// Not thread-safe: owned by `PageTypes`, under the MMU's lock.

/// Ownership bitmap of RAM frames `0 ..< frames` (bit set: owned).
struct FrameOwnership {
    /// RAM frame numbers are `0 ..< frames`, owned or not.
    let frames: UInt64
    /// One bit per frame, 64 frames per word.
    private var words: [UInt64]
    /// Frames owned (Xen: `d->tot_pages`).
    private(set) var ownedCount: UInt64
    /// Next-fit allocation starts at this word.
    private var cursor = 0

    /// Frames `0 ..< owned` start owned, `owned ..< frames` released.
    init(frames: UInt64, owned: UInt64) {
        precondition(owned <= frames, "more initial frames (\(owned)) than RAM frames (\(frames))")
        self.frames = frames
        let wordCount = Int((frames + 63) / 64)
        var w = [UInt64](repeating: 0, count: wordCount)
        let full = Int(owned / 64)
        for i in 0..<full { w[i] = ~0 }
        if owned % 64 != 0 { w[full] = (UInt64(1) << (owned % 64)) - 1 }
        words = w
        ownedCount = owned
    }

    @inline(__always)
    func isOwned(_ mfn: UInt64) -> Bool {
        mfn < frames && words[Int(mfn >> 6)] & (UInt64(1) << (mfn & 63)) != 0
    }

    /// Whether `count` frames from `first` are all RAM frames nobody owns.
    func isReleasedRun(_ first: UInt64, count: UInt64) -> Bool {
        guard first < frames, count <= frames - first else { return false }
        var mfn = first
        let end = first + count
        while mfn < end {
            let bit = mfn & 63
            let n = min(64 - bit, end - mfn)
            let mask = n == 64 ? ~UInt64(0) : ((UInt64(1) << n) - 1) << bit
            if words[Int(mfn >> 6)] & mask != 0 { return false }
            mfn += n
        }
        return true
    }

    /// Marks `count` frames from `first` owned (`true`) or released.
    /// The caller has checked they are all in the other state.
    mutating func set(_ first: UInt64, count: UInt64, owned: Bool) {
        precondition(first < frames && count <= frames - first)
        var mfn = first
        let end = first + count
        while mfn < end {
            let bit = mfn & 63
            let n = min(64 - bit, end - mfn)
            let mask = n == 64 ? ~UInt64(0) : ((UInt64(1) << n) - 1) << bit
            let i = Int(mfn >> 6)
            if owned { words[i] |= mask } else { words[i] &= ~mask }
            mfn += n
        }
        if owned { ownedCount += count } else { ownedCount -= count }
    }

    /// The first frame of a run of `1 << order` released frames, aligned to
    /// its size (Xen's buddy allocator returns naturally aligned extents),
    /// ending at or below `limit`; nil if there is none. Searches next-fit
    /// from the last success and wraps once. Does not claim the run.
    mutating func findReleasedRun(order: UInt32, limit: UInt64) -> UInt64? {
        let top = min(limit, frames)
        let size = UInt64(1) << order
        guard size <= top else { return nil }
        let wordLimit = Int((top + 63) / 64)
        guard wordLimit > 0 else { return nil }
        // Runs of 64 frames or more are whole aligned groups of words.
        let wordsPerRun = order >= 6 ? Int(size / 64) : 1
        var start = min(cursor, wordLimit - 1)
        start -= start % wordsPerRun
        var i = start
        var wrapped = false
        while true {
            if let first = runInWords(at: i, order: order, wordsPerRun: wordsPerRun), first + size <= top {
                cursor = i
                return first
            }
            i += wordsPerRun
            if i >= wordLimit {
                if wrapped { return nil }
                wrapped = true
                i = 0
            }
            if wrapped && i >= start { return nil }
        }
    }

    /// The first aligned released run of `1 << order` frames inside words
    /// `i ..< i + wordsPerRun`, if any.
    @inline(__always)
    private func runInWords(at i: Int, order: UInt32, wordsPerRun: Int) -> UInt64? {
        if order >= 6 {
            guard i + wordsPerRun <= words.count else { return nil }
            for k in i..<(i + wordsPerRun) where words[k] != 0 { return nil }
            return UInt64(i) * 64
        }
        // A bit stays set in `free` only if it and the next 2^order - 1
        // bits are released; then keep the positions aligned to 2^order.
        var free = ~words[i]
        var span: UInt64 = 1
        while span < UInt64(1) << order {
            free &= free >> span
            span <<= 1
        }
        free &= Self.alignedPositions[Int(order)]
        guard free != 0 else { return nil }
        return UInt64(i) * 64 + UInt64(free.trailingZeroBitCount)
    }

    /// For order 0-5: the bit positions that are multiples of 2^order.
    private static let alignedPositions: [UInt64] = [
        ~0,
        0x5555_5555_5555_5555,
        0x1111_1111_1111_1111,
        0x0101_0101_0101_0101,
        0x0001_0001_0001_0001,
        0x0000_0001_0000_0001,
    ]
}
