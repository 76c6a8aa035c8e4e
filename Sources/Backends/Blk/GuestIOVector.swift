// The scatter/gather list of one request: iovecs that point straight into
// the granted guest frames (no bounce buffer). This type owns the pinned
// mappings the iovecs point into, so the pointers are valid for as long as
// the list exists, and it builds every iovec from a checked segment, so no
// iovec reaches outside its granted frame.
import Glibc

/// iovecs over granted guest pages, for preadv/pwritev.
@safe
struct GuestIOVector: @unchecked Sendable {
    // @unchecked: the iovecs point into guest RAM, shared with the guest by
    // design; `mappings` keeps that memory alive.

    /// What the iovecs point into (kept alive, not unpinned, by this value).
    let mappings: [GrantMapping]
    private var iov: [iovec]
    /// Index of the first iovec not yet fully transferred.
    private var first = 0

    /// One iovec per segment, `[first_sect*512, (last_sect+1)*512)` of the
    /// segment's granted frame; segments adjacent in host memory merge.
    init(segments: [BlkifRequestSegment], mappings: [GrantMapping]) {
        precondition(segments.count == mappings.count, "one mapping per segment")
        var iov: [iovec] = unsafe []
        unsafe iov.reserveCapacity(segments.count)
        for (s, m) in zip(segments, mappings) {
            precondition(s.isValid, "segments are checked before their grants are mapped")
            // SAFETY: `s.isValid` gives first_sect <= last_sect <= 7, so the
            // range lies inside the 4096-byte frame at `m.baseAddress`, which
            // stays mapped while `m` (kept in `self.mappings`) lives.
            let base = unsafe m.baseAddress + Int(s.firstSect) * Blkif.sectorSize
            let length = s.sectorCount * Blkif.sectorSize
            if let last = unsafe iov.last, let lastBase = unsafe last.iov_base, unsafe lastBase + last.iov_len == base {
                unsafe iov[iov.count - 1].iov_len += length
            } else {
                unsafe iov.append(iovec(iov_base: base, iov_len: length))
            }
        }
        unsafe self.iov = iov
        self.mappings = mappings
    }

    /// iovecs left to transfer.
    var remaining: Int { unsafe iov.count - first }

    /// Bytes left to transfer.
    var remainingBytes: Int {
        unsafe iov[first...].reduce(0) { unsafe $0 + $1.iov_len }
    }

    /// Runs `body` with up to `limit` of the remaining iovecs.
    func withNext<R, E: Error>(_ limit: Int,
                              _ body: (UnsafePointer<iovec>, Int) throws(E) -> R) throws(E) -> R {
        let count = min(remaining, limit)
        precondition(count > 0, "nothing left to transfer")
        let result: Result<R, E> = unsafe iov.withUnsafeBufferPointer { buffer in
            // SAFETY: first + count <= buffer.count, so the pointer covers
            // `count` initialised iovecs.
            do throws(E) {
                return .success(try unsafe body(unsafe buffer.baseAddress! + first, count))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Marks `bytes` more as transferred, resuming mid-iovec after a short
    /// transfer.
    mutating func consume(_ bytes: Int) {
        var done = bytes
        let total = unsafe iov.count
        while done > 0 && first < total {
            let length = unsafe iov[first].iov_len
            if done >= length {
                done -= length
                first += 1
            } else {
                // SAFETY: `done < iov_len`, so the advanced base stays inside
                // the same iovec's range.
                unsafe iov[first].iov_base = unsafe iov[first].iov_base.map { unsafe $0 + done }
                unsafe iov[first].iov_len = length - done
                done = 0
            }
        }
    }
}
