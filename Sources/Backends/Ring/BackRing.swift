// Xen: public/io/ring.h, the back-ring macros (`BACK_RING_ATTACH`,
// `RING_COPY_REQUEST`, `RING_REQUEST_PROD_OVERFLOW`,
// `RING_PUSH_RESPONSES_AND_CHECK_NOTIFY`, `RING_FINAL_CHECK_FOR_REQUESTS`)
// for any entry size, on granted pages. The network backend uses it for its
// transmit and receive rings (public/io/netif.h); BlkifRing predates it.
import GuestMemory
import Synchronization
import XenABI

/// The backend half of one shared ring of `entrySize`-byte entries.
///
/// Requests are copied out of the ring before use (`RING_COPY_REQUEST`),
/// so a frontend rewriting a slot cannot change a request after it was
/// checked. `req_prod` is read once per batch and must satisfy
/// `req_prod - req_cons <= size` (`RING_REQUEST_PROD_OVERFLOW`); otherwise
/// the ring stops for good with `fault` set. Responses are written at
/// `rsp_prod_pvt` by the caller, which keeps it at or behind `req_cons`,
/// and published by `pushResponses`. Indices are free-running modulo 2^32
/// and masked per access.
///
/// One owner (a queue's Mutex) drives it.
public struct BackRing: Sendable {
    /// Pages granted for the ring.
    public let pageCount: Int
    /// Bytes per entry (`sizeof(union __name##_sring_entry)`).
    public let entrySize: Int
    /// Entries in the ring (`__CONST_RING_SIZE`).
    public let size: UInt32
    /// Next request to consume (`req_cons`).
    public private(set) var reqCons: UInt32
    /// Next response slot (`rsp_prod_pvt`).
    public private(set) var rspProdPvt: UInt32
    /// `rsp_prod` as we last published it.
    public private(set) var rspProdPublished: UInt32
    /// Why the ring stopped; nil while it runs.
    public private(set) var fault: BackRingFault?

    private let grants: GrantAccess
    private var pages: [GrantMapping]

    /// Pins the ring pages `refs` (writable) and attaches to the ring's
    /// current state, as `BACK_RING_ATTACH` with the shared `rsp_prod` (0
    /// for a fresh ring). `refs.count` must be a power of two.
    public init(grants: GrantAccess, refs: [GrantRef], entrySize: Int) throws(BackRingAttachError) {
        precondition(!refs.isEmpty && refs.count & (refs.count - 1) == 0, "ring pages are 1 << order")
        precondition(entrySize > 0)
        var mapped: [GrantMapping] = []
        for (i, ref) in refs.enumerated() {
            do {
                mapped.append(try grants.map(ref, writable: true))
            } catch {
                grants.unmapAll(mapped)
                throw .ringGrant(page: i, error)
            }
        }
        let size = Sring.ringSize(pages: refs.count, entrySize: entrySize)
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
        self.entrySize = entrySize
        self.size = size
        self.reqCons = rspProd
        self.rspProdPvt = rspProd
        self.rspProdPublished = rspProd
    }

    /// Unpins the ring pages and stops the ring. Idempotent.
    public mutating func detach() {
        grants.unmapAll(pages)
        pages = []
        if fault == nil { fault = .detached }
    }

    /// Stops the ring because the frontend broke the protocol above the
    /// ring (a queue's fatal error); it stays stopped until detached.
    public mutating func halt(_ reason: BackRingFault) {
        if fault == nil { fault = reason }
    }

    // MARK: - Requests

    /// Requests produced and not yet consumed, from one acquire read of
    /// `req_prod`. Nil, and the ring stops, if the frontend claims more
    /// than a ring's worth; nil too once stopped.
    ///
    /// Xen: `RING_REQUEST_PROD_OVERFLOW`, public/io/ring.h.
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

    /// A copy of the request `ahead` slots past `req_cons` (not consumed).
    /// Call only within what `unconsumedRequests` reported.
    ///
    /// Xen: `RING_COPY_REQUEST`, public/io/ring.h.
    public mutating func copyRequest(ahead: UInt32 = 0) -> [UInt8]? {
        guard fault == nil else { return nil }
        let index = reqCons &+ ahead
        // Defensive: the caller answers in order, so this cannot happen
        // (`RING_REQUEST_CONS_OVERFLOW`).
        guard index &- rspProdPvt < size else {
            fault = .consumerOverflow(reqCons: index, rspProdPvt: rspProdPvt)
            return nil
        }
        return copyEntry(index: index)
    }

    /// Advances `req_cons` by `count`.
    public mutating func consume(_ count: UInt32) {
        reqCons &+= count
    }

    /// Sets `req_event` so the frontend notifies us of the next request,
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

    /// Asks to be notified when the frontend produces past the requests it
    /// has produced now (`req_event = req_prod + 1`), then looks again;
    /// returns the unconsumed requests after the re-read (nil on a fault).
    /// How a receive queue waits for buffers: Linux netback
    /// `xenvif_rx_ring_slots_available`.
    public mutating func armRequestEvent() -> UInt32? {
        guard fault == nil, let prod = load(Sring.Offset.reqProd) else { return nil }
        store(prod &+ 1, at: Sring.Offset.reqEvent)
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        return unconsumedRequests()
    }

    // MARK: - Responses

    /// Writes `bytes` (at most `entrySize`) at slot `rsp_prod_pvt` and
    /// advances it; not visible to the frontend until `pushResponses`.
    /// The caller answers only consumed requests.
    public mutating func putResponse(_ bytes: [UInt8]) {
        guard fault == nil else { return }
        precondition(bytes.count <= entrySize, "a response fits its slot")
        precondition(rspProdPvt != reqCons, "responses answer consumed requests")
        guard writeEntry(index: rspProdPvt, bytes) else { return }
        rspProdPvt &+= 1
    }

    /// Publishes the responses written since the last push and says
    /// whether the frontend asked to be notified of them (`rsp_event`
    /// passed). The "old" producer is our own copy, not a re-read of the
    /// shared one, so a guest scribbling on `rsp_prod` cannot confuse it.
    ///
    /// Xen: `RING_PUSH_RESPONSES_AND_CHECK_NOTIFY`, public/io/ring.h.
    public mutating func pushResponses() -> Bool {
        guard fault == nil else { return false }
        let old = rspProdPublished
        let new = rspProdPvt
        guard new != old else { return false }
        // Release: the response bytes are visible before the new index.
        store(new, at: Sring.Offset.rspProd)
        rspProdPublished = new
        // xen_mb(): the frontend sees rsp_prod before we read rsp_event.
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        guard let rspEvent = load(Sring.Offset.rspEvent) else { return false }
        return (new &- rspEvent) < (new &- old)
    }

    // MARK: - Shared-page access

    private mutating func load(_ offset: Int) -> UInt32? {
        guard let first = pages.first else { return nil }
        do {
            return try grants.memory.loadAcquire32(at: first.machineAddress + UInt64(offset))
        } catch {
            fault = .memory
            return nil
        }
    }

    private mutating func store(_ value: UInt32, at offset: Int) {
        guard let first = pages.first else { return }
        do {
            try grants.memory.storeRelease32(value, at: first.machineAddress + UInt64(offset))
        } catch {
            fault = .memory
        }
    }

    /// Byte offset of ring slot `index` in the concatenated pages.
    private func slotOffset(_ index: UInt32) -> Int {
        Sring.Offset.ring + Int(index & (size - 1)) * entrySize
    }

    private mutating func copyEntry(index: UInt32) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(entrySize)
        var offset = slotOffset(index)
        var left = entrySize
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

/// `BackRing.init` refused the frontend's ring.
public enum BackRingAttachError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A ring page's grant is unusable.
    case ringGrant(page: Int, GrantError)
    /// The ring header cannot be read (unreachable for RAM pages).
    case ringUnreadable
    /// `req_prod - rsp_prod > size` at attach.
    case ringIndices(reqProd: UInt32, rspProd: UInt32, size: UInt32)

    public var description: String {
        switch self {
        case .ringGrant(let page, let e): return "ring page \(page): \(e)"
        case .ringUnreadable: return "ring header unreadable"
        case .ringIndices(let p, let r, let s): return "bogus ring indices at attach: req_prod \(p) - rsp_prod \(r) > ring size \(s)"
        }
    }
}

/// Why a `BackRing` stopped. It stays stopped until detached.
public enum BackRingFault: Error, Equatable, Sendable, CustomStringConvertible {
    /// `req_prod - req_cons > ring size`
    /// (Xen: `RING_REQUEST_PROD_OVERFLOW`, public/io/ring.h).
    case producerOverflow(reqProd: UInt32, reqCons: UInt32, size: UInt32)
    /// A request past `rsp_prod_pvt + size` (Xen:
    /// `RING_REQUEST_CONS_OVERFLOW`); unreachable with in-order responses.
    case consumerOverflow(reqCons: UInt32, rspProdPvt: UInt32)
    /// The frontend broke the protocol carried on the ring (the reason).
    case frontend(String)
    /// A ring page could not be accessed (unreachable for RAM pages).
    case memory
    /// The ring was detached.
    case detached

    public var description: String {
        switch self {
        case .producerOverflow(let p, let c, let s):
            return "frontend provided bogus ring requests (req_prod \(p) - req_cons \(c) = \(p &- c) > \(s)); ring halted"
        case .consumerOverflow(let c, let r):
            return "ring consumer overflow (req_cons \(c), rsp_prod_pvt \(r)); ring halted"
        case .frontend(let reason): return "\(reason); ring halted"
        case .memory: return "ring page not accessible; ring halted"
        case .detached: return "ring detached"
        }
    }
}
