// Xen: public/io/ring.h (the back-ring macros) for the blkif ring of
// public/io/blkif.h, on one to 2^order granted pages. Linux blkback is the
// behavioural reference: xen_blkif_map (attach), __do_block_io_op (consume),
// make_response (produce), do_block_io_op (final check).
import GuestMemory
import Synchronization
import XenABI

/// The backend half of one blkif shared ring.
///
/// The frontend grants `1 << order` pages (`ring-ref` or `ring-ref0..N-1`);
/// they are pinned writable while attached and need not be contiguous: the
/// ring is their concatenation, so an entry (112 bytes) may straddle two
/// pages and is copied in two pieces. All access goes through GuestMemory's
/// checked loads and stores by machine address.
///
/// Hostile indices: `req_prod` is read once per batch and must satisfy
/// `req_prod - req_cons <= size` (`RING_REQUEST_PROD_OVERFLOW`); otherwise
/// the ring stops for good (blkback: "Frontend provided bogus ring
/// requests ... Halting ring processing") and reports why. Every index is
/// free-running modulo 2^32 and masked per access, so wrap-around is
/// ordinary. Requests are answered in order, one response per request, so
/// `rsp_prod_pvt == req_cons` between requests and a request's slot is
/// copied out before its response overwrites it.
///
/// Not Sendable-by-sharing: one owner (a queue's Mutex) drives it.
public struct BlkifRing: Sendable {
    /// Pages granted for the ring (`1 << ring-page-order`).
    public let pageCount: Int
    /// Entries in the ring (`__CONST_RING_SIZE(blkif, pages * 4096)`).
    public let size: UInt32
    /// Next request to consume (`req_cons`).
    public private(set) var reqCons: UInt32
    /// Next response slot (`rsp_prod_pvt`).
    public private(set) var rspProdPvt: UInt32
    /// Why the ring stopped; nil while it runs.
    public private(set) var fault: BlkifRingFault?

    private let grants: GrantAccess
    private var pages: [GrantMapping]

    /// Pins the ring pages `refs` (writable) and attaches to the ring's
    /// current state, as Linux's `xen_blkif_map` with `BACK_RING_ATTACH`: the
    /// private indices start at the shared `rsp_prod`, which is 0 for a
    /// fresh ring, so a frontend reconnecting mid-stream keeps its place.
    /// `refs.count` must be a power of two.
    public init(grants: GrantAccess, refs: [GrantRef]) throws(BlkAttachError) {
        precondition(!refs.isEmpty && refs.count & (refs.count - 1) == 0, "ring pages are 1 << order")
        var mapped: [GrantMapping] = []
        for (i, ref) in refs.enumerated() {
            do {
                mapped.append(try grants.map(ref, writable: true))
            } catch {
                grants.unmapAll(mapped)
                throw .ringGrant(page: i, error)
            }
        }
        let size = Sring.ringSize(pages: refs.count, entrySize: Blkif.sringEntrySize)
        let header = mapped[0].machineAddress
        let reqProd: UInt32
        let rspProd: UInt32
        do {
            reqProd = try grants.memory.loadAcquire32(at: header + UInt64(Sring.Offset.reqProd))
            rspProd = try grants.memory.loadAcquire32(at: header + UInt64(Sring.Offset.rspProd))
        } catch {
            grants.unmapAll(mapped)
            throw .ringUnreadable
        }
        guard reqProd &- rspProd <= size else {
            grants.unmapAll(mapped)
            throw .ringIndices(reqProd: reqProd, rspProd: rspProd, size: size)
        }
        self.grants = grants
        self.pages = mapped
        self.pageCount = refs.count
        self.size = size
        self.reqCons = rspProd
        self.rspProdPvt = rspProd
    }

    /// The granted ring pages (empty after `detach`).
    public var ringPages: [GrantMapping] { pages }

    /// Unpins the ring pages and stops the ring. Idempotent.
    public mutating func detach() {
        grants.unmapAll(pages)
        pages = []
        if fault == nil { fault = .detached }
    }

    // MARK: - Requests

    /// Requests produced and not yet consumed, from one read of `req_prod`
    /// (with acquire ordering: the entries it covers are read after it).
    /// Returns nil, and stops the ring, if the frontend claims more than a
    /// ring's worth; nil too once the ring is stopped.
    ///
    /// Xen: `RING_REQUEST_PROD_OVERFLOW`, public/io/ring.h; blkback
    /// `__do_block_io_op`.
    public mutating func unconsumedRequests() -> UInt32? {
        guard fault == nil else { return nil }
        guard let reqProd = load(Sring.Offset.reqProd) else { return nil }
        let pending = reqProd &- reqCons
        guard pending <= size else {
            fault = .producerOverflow(reqProd: reqProd, reqCons: reqCons, size: size)
            return nil
        }
        return pending
    }

    /// Copies the request at `req_cons` out of the ring and advances
    /// `req_cons` (`RING_GET_REQUEST` + `memcpy`). Call only for requests
    /// `unconsumedRequests` reported.
    public mutating func takeRequest() -> [UInt8]? {
        guard fault == nil else { return nil }
        // Defensive: with one response per request this cannot happen
        // (`RING_REQUEST_CONS_OVERFLOW`).
        guard reqCons &- rspProdPvt < size else {
            fault = .consumerOverflow(reqCons: reqCons, rspProdPvt: rspProdPvt)
            return nil
        }
        guard let entry = copyEntry(index: reqCons, count: Blkif.sringEntrySize) else { return nil }
        reqCons &+= 1
        return entry
    }

    /// Sets `req_event` so the frontend notifies us for the next request,
    /// then looks again; true if requests arrived meanwhile.
    ///
    /// Xen: `RING_FINAL_CHECK_FOR_REQUESTS`, public/io/ring.h.
    public mutating func finalCheckForRequests() -> Bool {
        guard fault == nil, let first = load(Sring.Offset.reqProd) else { return false }
        if first != reqCons { return true }
        store(reqCons &+ 1, at: Sring.Offset.reqEvent)
        // xen_mb(): our req_event store is visible before we re-read req_prod.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard let second = load(Sring.Offset.reqProd) else { return false }
        return second != reqCons
    }

    // MARK: - Responses

    /// Writes `response` at `rsp_prod_pvt`, publishes it, and says whether
    /// the frontend asked to be notified of it (`rsp_event` passed).
    ///
    /// Xen: `RING_PUSH_RESPONSES_AND_CHECK_NOTIFY`, public/io/ring.h. The
    /// "old" producer is our private copy, not a re-read of the shared one,
    /// so a guest scribbling on `rsp_prod` cannot confuse the check.
    public mutating func pushResponse(_ response: BlkifResponse) -> Bool {
        guard fault == nil else { return false }
        let old = rspProdPvt
        let bytes = response.encoded()
        guard writeEntry(index: old, bytes) else { return false }
        let new = old &+ 1
        rspProdPvt = new
        // Release: the response bytes are visible before the new index.
        store(new, at: Sring.Offset.rspProd)
        // xen_mb(): the frontend sees rsp_prod before we read rsp_event.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard let rspEvent = load(Sring.Offset.rspEvent) else { return false }
        return (new &- rspEvent) < (new &- old)
    }

    // MARK: - Shared-page access

    private func headerAddress(_ offset: Int) -> UInt64 {
        pages[0].machineAddress + UInt64(offset)
    }

    private mutating func load(_ offset: Int) -> UInt32? {
        guard !pages.isEmpty else { return nil }
        do {
            return try grants.memory.loadAcquire32(at: headerAddress(offset))
        } catch {
            fault = .memory
            return nil
        }
    }

    private mutating func store(_ value: UInt32, at offset: Int) {
        guard !pages.isEmpty else { return }
        do {
            try grants.memory.storeRelease32(value, at: headerAddress(offset))
        } catch {
            fault = .memory
        }
    }

    /// Byte offset of ring slot `index` in the concatenated pages.
    private func slotOffset(_ index: UInt32) -> Int {
        Sring.Offset.ring + Int(index & (size - 1)) * Blkif.sringEntrySize
    }

    private mutating func copyEntry(index: UInt32, count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var offset = slotOffset(index)
        var left = count
        while left > 0 {
            let page = offset / Sring.pageSize
            let inPage = offset % Sring.pageSize
            let n = min(left, Sring.pageSize - inPage)
            guard page < pages.count else { fault = .memory; return nil }
            do {
                out += try grants.memory.read(at: pages[page].machineAddress + UInt64(inPage), count: n)
            } catch {
                fault = .memory
                return nil
            }
            offset += n
            left -= n
        }
        return out
    }

    private mutating func writeEntry(index: UInt32, _ bytes: [UInt8]) -> Bool {
        var offset = slotOffset(index)
        var done = 0
        while done < bytes.count {
            let page = offset / Sring.pageSize
            let inPage = offset % Sring.pageSize
            let n = min(bytes.count - done, Sring.pageSize - inPage)
            guard page < pages.count else { fault = .memory; return false }
            do {
                try grants.memory.write(bytes[done ..< done + n], at: pages[page].machineAddress + UInt64(inPage))
            } catch {
                fault = .memory
                return false
            }
            offset += n
            done += n
        }
        return true
    }
}
