// A PV domain's memory reservation: XENMEM_decrease_reservation (the
// balloon driver giving frames back), XENMEM_populate_physmap and
// XENMEM_increase_reservation (taking frames again), and the counters
// behind XENMEM_current_reservation / XENMEM_maximum_reservation.
//
// Xen: do_memory_op, construct_memop_from_reservation, propagate_node,
// increase_reservation, decrease_reservation, populate_physmap,
// guest_remove_page (xen/common/memory.c); assign_pages
// (xen/common/page_alloc.c); guest_physmap_add_page for a PV guest
// (xen/arch/x86/mm/physmap.c); struct xen_memory_reservation
// (public/memory.h). How a PV guest drives them: Linux
// drivers/xen/balloon.c (order-0 extents, up to a page of frame numbers a
// call) and arch/x86/xen/p2m.c (it keeps its own P2M).
//
// The result of the three reservation ops is what Xen's do_memory_op
// returns to a guest that calls without a continuation: the number of
// extents done, never an errno. Every bad argument (unreadable struct,
// another domain, a refused flag or order, an extent list outside guest
// space) therefore yields the start extent, and a bad extent stops the
// loop with the count so far.
//
// Documented deviations from Xen:
// - A frame with any type reference (a page table in use, pinned, a base
//   pointer, a GDT/LDT frame, or mapped writable somewhere) or one the
//   hypervisor writes by machine address (the console and xenstore rings,
//   a registered vcpu_info) is not released: the extent stops the loop.
//   Xen's guest_remove_page unpins and drops the allocation reference and
//   the page lives on until its last reference goes; we have no general
//   page references (read-only mappings take none), so refusing is the
//   only way not to free memory still in use.
// - A multi-page extent is checked whole before any frame of it is
//   released; Xen may release its first pages and then stop.
// - No continuations: all extents are done in one call. The loop is still
//   bounded by the domain's size: every extent that succeeds moves at
//   least one frame between owned and released in one direction, and the
//   first that fails ends the loop.
import GuestMemory
import XenABI

/// The largest extent order a domU may use: Xen's `CONFIG_DOMU_MAX_ORDER`,
/// which is `PAGETABLE_ORDER` (9) on x86 (xen/arch/x86/include/asm/config.h;
/// max_order() in xen/common/memory.c).
let reservationMaxOrder: UInt32 = 9

/// The M2P value of a frame no guest PFN maps: Xen's `INVALID_M2P_ENTRY`
/// (~0UL, xen/arch/x86/include/asm/mm.h), written when a page is freed
/// (xen/common/page_alloc.c).
public let invalidM2PEntry: UInt64 = ~0

extension MMU {
    /// RAM frame numbers are `0 ..< ramFrames`, owned or released.
    public var ramFrames: UInt64 { types.ramFrames }

    /// Frames the domain owns (Xen: `d->tot_pages`, XENMEM_current_reservation).
    public var currentReservation: UInt64 {
        lock.withLock { _ in types.ownership.ownedCount }
    }

    /// The most frames the domain may own (Xen: `d->max_pages`,
    /// XENMEM_maximum_reservation; the toolstack sets it from `maxmem` with
    /// XEN_DOMCTL_max_mem). Lowering it below the current reservation takes
    /// nothing away; it only makes populate/increase fail.
    public var maximumReservation: UInt64 {
        get { lock.withLock { _ in maxPagesValue } }
        set { lock.withLock { _ in maxPagesValue = newValue } }
    }

    /// Whether the domain owns RAM frame `mfn` (false outside RAM).
    public func isOwned(mfn: UInt64) -> Bool {
        lock.withLock { _ in types.isRAM(mfn) }
    }

    /// XENMEM_increase_reservation, XENMEM_decrease_reservation or
    /// XENMEM_populate_physmap (`op`) with the `struct xen_memory_reservation`
    /// at guest VA `arg`, starting at extent `startExtent` (the high bits
    /// of the guest's cmd). Returns the number of extents done, counting
    /// from 0 (so `startExtent` when nothing was done):
    ///
    /// - The struct must be readable, `nr_extents` at most
    ///   `UINT_MAX >> MEMOP_EXTENT_SHIFT`, `startExtent` below it, `domid`
    ///   DOMID_SELF or `selfDomid`, `extent_order` at most 9, the list
    ///   `extent_start[startExtent ..< nr_extents]` inside guest address
    ///   space (a null list is allowed for increase only), and `mem_flags`
    ///   acceptable: address bits 1-12 are refused; larger ones restrict
    ///   the frames handed out only when they do not cover all RAM; a NUMA
    ///   node is ignored (one node) unless XENMEMF_exact_node_request asks
    ///   for one; XENMEMF_vnode is ignored (no vNUMA); populate-on-demand
    ///   on oneself is refused. Otherwise `startExtent` is returned.
    /// - decrease: each extent names machine frames `gmfn ..< gmfn + 2^order`
    ///   (PV: the MFN). All must be owned RAM frames without type
    ///   references and not `isHypervisorFrame`, else the loop stops. They
    ///   are released: untyped, not RAM to the MMU any more (a later L1
    ///   entry mapping one gets -EPERM like a foreign frame), M2P entries
    ///   INVALID_M2P_ENTRY, memory discarded to the host (reads as zero).
    /// - populate: each extent holds a guest PFN; `2^order` released frames
    ///   (naturally aligned, below the address-bits limit) are claimed,
    ///   the same numbers if those are free, and the domain may not exceed
    ///   the maximum reservation (Xen: assign_pages, -E2BIG inside, which
    ///   stops the loop). M2P[mfn + j] = gpfn + j and the base MFN is
    ///   written back over the list entry (guest_physmap_add_page and
    ///   populate_physmap for a PV guest).
    /// - increase: as populate without a PFN: any released frames, M2P
    ///   entries INVALID_M2P_ENTRY, the MFN written to the list if it is
    ///   not null.
    ///
    /// A write-back that faults stops the loop with the frames kept, as
    /// Xen does. M2P entries are written through `m2pWrite`; without it
    /// the M2P is not maintained.
    ///
    /// Xen: `XENMEM_increase_reservation`, `XENMEM_decrease_reservation`,
    /// `XENMEM_populate_physmap`, public/memory.h.
    public func doMemoryReservation(op: MemoryOp, startExtent: UInt64, space: GuestAddressSpace, arg: UInt64,
                                    selfDomid: UInt16, isHypervisorFrame: (UInt64) -> Bool) -> UInt64 {
        precondition(op == .increaseReservation || op == .decreaseReservation || op == .populatePhysmap)
        // do_memory_op: copy_from_guest of the whole struct.
        guard let r = try? Self.readReservation(space, at: arg) else { return startExtent }
        let n = r.nrExtents
        // "Is size too large for us to encode a continuation?"
        guard n <= UInt64(UInt32.max) >> MemoryOp.cmdBits, startExtent < n else { return startExtent }
        // rcu_lock_domain_by_any_id, then xsm_memory_adjust_reservation:
        // a domU may only change itself.
        guard r.domid == .self_ || r.domid.rawValue == selfDomid else { return startExtent }
        guard let limit = frameLimit(memFlags: r.memFlags), Self.isAcceptableNode(r.memFlags) else {
            return startExtent
        }
        // populate_physmap: populate-on-demand "on oneself" is refused.
        if op == .populatePhysmap && r.memFlags & XenMem.memfPopulateOnDemand != 0 { return startExtent }
        // guest_handle_subrange_okay(extent_list, nr_done, nr_extents - 1).
        if !(op == .increaseReservation && r.extentStart == 0) {
            let (first, overflow) = r.extentStart.addingReportingOverflow(startExtent * 8)
            guard !overflow, Self.isGuestRange(first, bytes: (n - startExtent) * 8) else { return startExtent }
        }
        guard r.extentOrder <= reservationMaxOrder else { return startExtent }

        return lock.withLock { _ in
            switch op {
            case .decreaseReservation:
                return decreaseReservationLocked(r, from: startExtent, space: space,
                                                 isHypervisorFrame: isHypervisorFrame)
            case .populatePhysmap:
                return claimExtentsLocked(r, from: startExtent, space: space, limit: limit, populate: true)
            default:
                return claimExtentsLocked(r, from: startExtent, space: space, limit: limit, populate: false)
            }
        }
    }

    // MARK: decrease_reservation

    func decreaseReservationLocked(_ r: XenMemoryReservation, from start: UInt64, space: GuestAddressSpace,
                                   isHypervisorFrame: (UInt64) -> Bool) -> UInt64 {
        let count = UInt64(1) << r.extentOrder
        var discards = DiscardBatch()
        var i = start
        while i < r.nrExtents {
            guard let gmfn = try? space.load(UInt64.self, at: r.extentStart &+ i &* 8),
                  isReleasable(gmfn, count: count, isHypervisorFrame: isHypervisorFrame) else { break }
            types.release(gmfn, count: count)
            if let write = onM2PWrite {
                for j in 0..<count { write(gmfn + j, invalidM2PEntry) }
            }
            discards.add(gmfn, count: count, memory: memory)
            i += 1
        }
        discards.flush(memory: memory)
        // The frames' contents changed under any shadow KVM still keeps of
        // them from an earlier use as a page table (the rule of clear_page).
        if i > start { types.needsShadowFlush = true }
        return i
    }

    /// Whether frames `first ..< first + count` may be given up: owned RAM,
    /// no type references, not used by the hypervisor (Xen: guest_remove_page
    /// wants a valid MFN (-EINVAL) owned by the domain (-ENXIO); the rest is
    /// our policy, see the file comment).
    func isReleasable(_ first: UInt64, count: UInt64, isHypervisorFrame: (UInt64) -> Bool) -> Bool {
        guard first < types.ramFrames, count <= types.ramFrames - first else { return false }
        for mfn in first..<(first + count) {
            guard types.isRAM(mfn), types.frames[Int(mfn)].count == 0, !isHypervisorFrame(mfn) else {
                return false
            }
        }
        return true
    }

    // MARK: populate_physmap / increase_reservation

    /// Claims one extent per list entry: populate_physmap (`populate`, the
    /// list holds guest PFNs and gets MFNs back) or increase_reservation
    /// (the list, if not null, only gets MFNs).
    func claimExtentsLocked(_ r: XenMemoryReservation, from start: UInt64, space: GuestAddressSpace,
                            limit: UInt64, populate: Bool) -> UInt64 {
        let count = UInt64(1) << r.extentOrder
        var i = start
        while i < r.nrExtents {
            let slot = r.extentStart &+ i &* 8
            var gpfn: UInt64?
            if populate {
                guard let value = try? space.load(UInt64.self, at: slot) else { break }
                gpfn = value
            }
            guard let mfn = allocateLocked(order: r.extentOrder, preferred: gpfn, limit: limit) else { break }
            if let write = onM2PWrite {
                for j in 0..<count { write(mfn + j, gpfn.map { $0 &+ j } ?? invalidM2PEntry) }
            }
            // "Inform the domain of the new page's machine address." A
            // fault here keeps the frames but does not count the extent.
            if populate || r.extentStart != 0 {
                guard (try? space.store(mfn, at: slot)) != nil else { break }
            }
            i += 1
        }
        return i
    }

    /// Claims `2^order` released frames below `limit`, naturally aligned:
    /// `preferred` if all of those are released, otherwise any. Nil if the
    /// maximum reservation would be exceeded (Xen: assign_pages
    /// "Over-allocation", -E2BIG) or no such run is released.
    func allocateLocked(order: UInt32, preferred: UInt64?, limit: UInt64) -> UInt64? {
        let count = UInt64(1) << order
        let owned = types.ownership.ownedCount
        guard owned <= maxPagesValue, count <= maxPagesValue - owned else { return nil }
        var first: UInt64?
        if let p = preferred, p & (count - 1) == 0, p < limit, count <= limit - p,
           types.ownership.isReleasedRun(p, count: count) {
            first = p
        } else {
            first = types.findReleasedRun(order: order, limit: limit)
        }
        guard let mfn = first else { return nil }
        types.claim(mfn, count: count)
        return mfn
    }

    // MARK: Arguments

    /// Frames handed out must lie below the returned frame number; nil if
    /// `mem_flags` is refused. Xen (construct_memop_from_reservation):
    /// address bits that reach all of memory (`get_order_from_pages(max_page)
    /// + PAGE_SHIFT`) restrict nothing; below that, 1-12 are -EINVAL and
    /// larger ones limit allocations (MEMF_bits). Our "memory" is the
    /// domain's RAM frames, all low, so the limit is simply applied.
    func frameLimit(memFlags: UInt32) -> UInt64? {
        let frames = types.ramFrames
        let bits = XenMem.memfGetAddressBits(memFlags)
        guard bits != 0 else { return frames }
        let order = frames <= 1 ? 0 : UInt32(64 - (frames - 1).leadingZeroBitCount)
        guard bits < order + 12 else { return frames }
        guard bits > 12 else { return nil }
        return min(frames, UInt64(1) << (bits - 12))
    }

    /// Xen (propagate_node, for a domU without vNUMA): no node, or a node
    /// as a hint, is fine; an exact node request is refused. With
    /// XENMEMF_vnode the node is a virtual one and, without vNUMA, ignored.
    static func isAcceptableNode(_ memFlags: UInt32) -> Bool {
        if memFlags & XenMem.memfVnode != 0 { return true }
        if XenMem.memfGetNode(memFlags) == 0xff { return true }  // NUMA_NO_NODE
        return memFlags & XenMem.memfExactNodeRequest == 0
    }

    /// Reads `struct xen_memory_reservation` (32 bytes, public/memory.h)
    /// from guest VA `va` in one copy.
    static func readReservation(_ space: GuestAddressSpace, at va: UInt64) throws(XenErrno) -> XenMemoryReservation {
        let b = try space.read(at: va, count: XenMemoryReservation.size)
        func field(_ offset: Int, _ size: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(b[offset + k]) << (8 * UInt64(k)) }
            return v
        }
        typealias O = XenMemoryReservation.Offset
        return XenMemoryReservation(extentStart: field(O.extentStart, 8),
                                    nrExtents: field(O.nrExtents, 8),
                                    extentOrder: UInt32(field(O.extentOrder, 4)),
                                    memFlags: UInt32(field(O.memFlags, 4)),
                                    domid: DomID(rawValue: UInt16(field(O.domid, 2))))
    }
}

/// Released frames waiting to be discarded, merged into runs so that a
/// balloon call over consecutive frames costs one madvise.
private struct DiscardBatch {
    var first: UInt64 = 0
    var count: UInt64 = 0

    mutating func add(_ mfn: UInt64, count n: UInt64, memory: GuestMemory) {
        if count > 0 && first + count == mfn {
            count += n
            return
        }
        flush(memory: memory)
        first = mfn
        count = n
    }

    mutating func flush(memory: GuestMemory) {
        guard count > 0 else { return }
        let address = first << PageTableEntry.pageShift
        let bytes = Int(count << PageTableEntry.pageShift)
        // RAM frames are one region (MMU.init), so neither can fail; zero
        // in place as a last resort rather than leave old contents.
        if (try? memory.discard(at: address, count: bytes)) == nil {
            try? memory.zero(at: address, count: bytes)
        }
        count = 0
    }
}
