// The type of every guest RAM frame and the validation that goes with it:
// Xen's PV "direct paging" type system (xen/arch/x86/mm.c: _get_page_type,
// _put_page_type, promote_l1_table ... promote_l4_table, demote_l*_table,
// get_page_from_l*e, put_page_from_l*e; the state is page_info.u.inuse.type_info).
//
// A frame is at any time at most one of: a page table of one level, or a
// page the guest may map writable. A type is held by counted references;
// while the count is non-zero the type cannot change. Taking the first
// reference of a page-table type validates the whole page (every present
// entry takes the reference it needs on the frame it points to); dropping
// the last reference devalidates it (every entry drops its reference). An
// L1 entry that maps a frame RW holds a `writable` reference on it, so no
// frame can be writable by the guest and a page table at the same time.
//
// Invariants: entries of a validated table always hold the references their
// current values need (the guest cannot write validated tables: they are
// never writable, and every write goes through `MMU`); recursion is bounded
// because an Ln entry only ever takes an L(n-1) reference (4 levels x 512
// entries), so there are no cycles.
//
// Not thread-safe: owned by `MMU`, which serialises all access.
import GuestMemory
import XenABI

/// What a RAM frame is currently used as (Xen: `PGT_*_page_table`,
/// `PGT_writable_page`, asm/mm.h). The raw value of a page-table type is its
/// level.
public enum PageType: UInt8, Sendable {
    /// Never typed, or a page table whose last reference was dropped.
    case none = 0
    case l1 = 1
    case l2 = 2
    case l3 = 3
    case l4 = 4
    /// A GDT/LDT frame: every descriptor checked (Xen: PGT_seg_desc_page).
    /// Never writable by the guest while typed.
    case segDesc = 6
    /// Ordinary memory the guest may map writable.
    case writable = 7

    /// The page-table type of `level` (1-4).
    static func table(level: Int) -> PageType {
        switch level {
        case 1: return .l1
        case 2: return .l2
        case 3: return .l3
        default: return .l4
        }
    }
}

/// A snapshot of one frame's type state (Xen: `type_info`).
public struct PageTypeInfo: Sendable, Equatable {
    public var type: PageType
    /// Type references: entries and base pointers using the frame, plus one
    /// for the pin.
    public var count: UInt32
    /// For a page table: all entries have been checked and hold references.
    public var validated: Bool
    /// Pinned with MMUEXT_PIN_Ln_TABLE (holds one of the `count` references).
    public var pinned: Bool

    public init(type: PageType = .none, count: UInt32 = 0, validated: Bool = false, pinned: Bool = false) {
        self.type = type
        self.count = count
        self.validated = validated
        self.pinned = pinned
    }
}

/// The type table of a domain's RAM frames, indexed by MFN, with the
/// validation rules. All mutation is through `getPageType` / `putPageType`
/// and the entry-level helpers below.
struct PageTypes {
    let memory: GuestMemory
    /// Guest RAM frame numbers are machine frames `0 ..< ramFrames`; the
    /// domain owns those in `ownership` (the others were released with
    /// XENMEM_decrease_reservation or never populated, FrameOwnership.swift).
    let ramFrames: UInt64
    /// Which RAM frames the domain owns. Only owned frames are "RAM" to
    /// every check below; a released frame has no type and no references.
    private(set) var ownership: FrameOwnership
    /// Hypervisor frames outside RAM the guest may map, RW, in an L1 entry
    /// (shared_info, grant-table frames). Never page tables, not type-tracked.
    let isForeignMappable: (UInt64) -> Bool
    /// The value of each L4 slot 256...271 in every validated L4 (0 where
    /// the hypervisor gave none).
    let hypervisorSlots: [UInt64]
    /// One entry per RAM frame: O(1) lookup, no allocation per entry.
    private(set) var frames: [PageTypeInfo]
    /// Set when a host write changed an entry that was present: KVM's shadow
    /// page tables must then be flushed before the guest runs again.
    var needsShadowFlush = false
    /// Machine addresses of page-table entries the host changed while they
    /// were present: the shim re-writes each at CPL0 so that KVM's shadow
    /// MMU sees the change (MMU.takeShadowSync). Past `shadowSyncLimit`
    /// entries a full shadow flush is cheaper and is requested instead.
    var shadowSync: [UInt64] = []
    static let shadowSyncLimit = 4096

    mutating func noteShadowWrite(_ address: UInt64) {
        guard !needsShadowFlush else { return }
        if shadowSync.count >= Self.shadowSyncLimit {
            shadowSync.removeAll()
            needsShadowFlush = true
            return
        }
        shadowSync.append(address)
    }

    /// The L4 slots reserved for the hypervisor: VA 0xFFFF800000000000 -
    /// 0xFFFF87FFFFFFFFFF (Xen: `ROOT_PAGETABLE_FIRST_XEN_SLOT` ...
    /// `ROOT_PAGETABLE_LAST_XEN_SLOT`, `is_guest_l4_slot`).
    static let hypervisorSlotRange = 256...271

    /// Frames `0 ..< ownedFrames` start owned, the rest of RAM released.
    init(memory: GuestMemory, ramFrames: UInt64, ownedFrames: UInt64, isForeignMappable: @escaping (UInt64) -> Bool,
         hypervisorL4Entries: [(slot: Int, entry: UInt64)]) {
        self.memory = memory
        self.ramFrames = ramFrames
        ownership = FrameOwnership(frames: ramFrames, owned: ownedFrames)
        self.isForeignMappable = isForeignMappable
        var slots = [UInt64](repeating: 0, count: Self.hypervisorSlotRange.count)
        for (slot, entry) in hypervisorL4Entries {
            precondition(Self.hypervisorSlotRange.contains(slot), "hypervisor L4 slot \(slot) outside 256...271")
            slots[slot - Self.hypervisorSlotRange.lowerBound] = entry
        }
        hypervisorSlots = slots
        frames = [PageTypeInfo](repeating: PageTypeInfo(), count: Int(ramFrames))
    }

    /// Whether `mfn` is a RAM frame the domain owns. Released RAM frames
    /// fail this exactly as another domain's frames would in Xen
    /// (get_page(page, d) fails for a page not owned by d).
    @inline(__always)
    func isRAM(_ mfn: UInt64) -> Bool { ownership.isOwned(mfn) }

    /// Gives up owned frames `first ..< first + count`: they lose any type
    /// state (the caller has checked they hold no references) and stop
    /// being RAM to the checks here.
    mutating func release(_ first: UInt64, count: UInt64) {
        for mfn in first..<(first + count) { frames[Int(mfn)] = PageTypeInfo() }
        ownership.set(first, count: count, owned: false)
    }

    /// Takes released frames `first ..< first + count` back as untyped RAM.
    mutating func claim(_ first: UInt64, count: UInt64) {
        for mfn in first..<(first + count) { frames[Int(mfn)] = PageTypeInfo() }
        ownership.set(first, count: count, owned: true)
    }

    /// See `FrameOwnership.findReleasedRun`.
    mutating func findReleasedRun(order: UInt32, limit: UInt64) -> UInt64? {
        ownership.findReleasedRun(order: order, limit: limit)
    }

    @inline(__always)
    static func isHypervisorSlot(_ slot: Int) -> Bool { hypervisorSlotRange.contains(slot) }

    func info(_ mfn: UInt64) -> PageTypeInfo? {
        isRAM(mfn) ? frames[Int(mfn)] : nil
    }

    /// True if `mfn` is RAM holding a validated page table of `type`.
    func isValidatedTable(_ mfn: UInt64, _ type: PageType) -> Bool {
        guard isRAM(mfn) else { return false }
        let f = frames[Int(mfn)]
        return f.type == type && f.count > 0 && f.validated
    }

    mutating func setPinned(_ mfn: UInt64, _ pinned: Bool) {
        frames[Int(mfn)].pinned = pinned
    }

    // MARK: Type references

    /// Takes one reference of `type` on RAM frame `mfn`. With no references
    /// the frame changes type, and a page-table type is validated first;
    /// with references of another type this fails.
    /// Xen: `_get_page_type` (-EINVAL for a wrong type or count overflow;
    /// validation errors are passed up).
    mutating func getPageType(_ mfn: UInt64, _ type: PageType) throws(XenErrno) {
        precondition(isRAM(mfn))
        let i = Int(mfn)
        let f = frames[i]
        if f.count > 0 {
            // A same-type frame that is not validated is being validated
            // further up this call chain; that cannot be a legal reference
            // (levels strictly decrease), so refuse it like a wrong type.
            guard f.type == type, f.validated, f.count < UInt32.max else { throw .EINVAL }
            frames[i].count = f.count + 1
            return
        }
        if type == .writable {
            frames[i] = PageTypeInfo(type: .writable, count: 1, validated: true)
            return
        }
        if type == .segDesc {
            try validateDescriptorPage(mfn)
            frames[i] = PageTypeInfo(type: .segDesc, count: 1, validated: true)
            return
        }
        // Hold the type (count 1, not validated) while validating so that a
        // reference back to this frame from below fails.
        frames[i] = PageTypeInfo(type: type, count: 1, validated: false)
        do throws(XenErrno) {
            try promoteTable(mfn, level: Int(type.rawValue))
        } catch {
            frames[i] = PageTypeInfo()
            throw error
        }
        frames[i].validated = true
    }

    /// Drops one type reference; the last reference of a page table
    /// devalidates it. Xen: `_put_page_type`. An unbalanced put (no
    /// reference held) is ignored rather than trusted.
    mutating func putPageType(_ mfn: UInt64) {
        guard isRAM(mfn) else { return }
        let i = Int(mfn)
        let f = frames[i]
        guard f.count > 0 else { return }
        if f.count == 1, f.type != .writable, f.type != .segDesc, f.type != .none {
            frames[i].validated = false
            if f.validated { demoteTable(mfn, level: Int(f.type.rawValue)) }
            frames[i] = PageTypeInfo()
            return
        }
        frames[i].count = f.count - 1
        if f.count == 1 { frames[i].pinned = false }
    }

    // MARK: Entry references

    /// Checks a present entry of a table of `level` and takes the reference
    /// it needs. Xen: `get_page_from_l1e` ... `get_page_from_l4e`.
    ///
    /// - L1: refused flags -EINVAL; a frame outside RAM that is not
    ///   foreign-mappable -EPERM (Xen: non-privileged MMIO mapping); RW
    ///   takes a `writable` reference, -EBUSY if the frame has another type.
    /// - L2-L4: refused flags (PSE, cache attributes, G) -EINVAL; a frame
    ///   outside RAM -EINVAL; otherwise an L(n-1) reference, -EINVAL if the
    ///   frame has another type (this also refuses linear page tables and
    ///   entries pointing at their own table).
    @inline(__always)
    mutating func getPageFromEntry(_ entry: UInt64, level: Int) throws(XenErrno) {
        if entry & PageTableEntry.disallowed(level: level) != 0 { throw .EINVAL }
        let mfn = (entry & PageTableEntry.addressMask) >> PageTableEntry.pageShift
        if level == 1 {
            guard isRAM(mfn) else {
                if isForeignMappable(mfn) { return }
                throw .EPERM
            }
            guard entry & PageTableEntry.rw != 0 else { return }
            do throws(XenErrno) { try getPageType(mfn, .writable) } catch { throw .EBUSY }
            return
        }
        guard isRAM(mfn) else { throw .EINVAL }
        try getPageType(mfn, .table(level: level - 1))
    }

    /// Drops what `getPageFromEntry` took for `entry` (nothing for a
    /// non-present entry). Xen: `put_page_from_l1e` ... `put_page_from_l4e`.
    @inline(__always)
    mutating func putPageFromEntry(_ entry: UInt64, level: Int) {
        guard entry & PageTableEntry.present != 0 else { return }
        let mfn = (entry & PageTableEntry.addressMask) >> PageTableEntry.pageShift
        guard isRAM(mfn) else { return }
        if level == 1 && entry & PageTableEntry.rw == 0 { return }
        putPageType(mfn)
    }

    // MARK: Whole tables

    /// Validates all 512 entries of the table at `mfn` in place, adding the
    /// bits `adjustedForGuest` adds, and for an L4 writes the hypervisor's
    /// slots (guest values there are ignored). On failure the references
    /// taken so far are dropped again. Xen: `promote_l1_table` ...
    /// `promote_l4_table`, `init_xen_l4_slots`.
    private mutating func promoteTable(_ mfn: UInt64, level: Int) throws(XenErrno) {
        let base = mfn << PageTableEntry.pageShift
        // One copy of the page, then plain array reads: GuestMemory's
        // per-word accessors are generic and cost far more per entry. The
        // page cannot change under us except for A/D bits (it is typed, so
        // not writable by the guest) and each entry is read exactly once.
        let page = try memory.read(at: base, count: Int(PageTableEntry.pageSize))
        var slot = 0
        while slot < PageTableEntry.entriesPerTable {
            defer { slot += 1 }
            if level == 4 && Self.isHypervisorSlot(slot) { continue }
            let entry = Self.entry(page, slot)
            guard entry & PageTableEntry.present != 0 else { continue }
            do throws(XenErrno) {
                try getPageFromEntry(entry, level: level)
            } catch {
                dropEntries(base: base, level: level, below: slot)
                throw error
            }
            let adjusted = PageTableEntry.adjustedForGuest(entry, level: level)
            if adjusted != entry {
                // The entry was present: KVM may hold a shadow of the old
                // value. Compare-exchange keeps A/D bits the CPU set since
                // the copy.
                let address = base + UInt64(slot) * 8
                var current = entry
                for _ in 0..<64 {
                    guard let r = try? memory.compareExchange64(at: address, expected: current,
                                                                desired: current | (adjusted ^ entry)),
                          !r.exchanged else { break }
                    current = r.original
                }
                // Not queued for the shim's replay: a frame being promoted
                // is not reachable through any validated table yet, so KVM
                // has no live shadow built from its old content (replaying
                // every pin's adjustments cost seconds at boot). A stale
                // shadow that survived anyway shows up as a spurious #PF,
                // which the fault path answers with a full flush
                // (Domain.handleSpuriousPageFault).
            }
        }
        if level == 4 {
            for (k, value) in hypervisorSlots.enumerated() {
                let slot = Self.hypervisorSlotRange.lowerBound + k
                let old = Self.entry(page, slot)
                if old != value {
                    try? memory.store(value, at: base + UInt64(slot) * 8)
                    // Not replayed either (see the adjustments above).
                }
            }
        }
    }

    /// Entry `slot` of a page copied with `GuestMemory.read`.
    @inline(__always)
    static func entry(_ page: [UInt8], _ slot: Int) -> UInt64 {
        let o = slot &* 8
        var v: UInt64 = 0
        var k = 0
        while k < 8 {
            v |= UInt64(page[o &+ k]) &<< UInt64(k &* 8)
            k &+= 1
        }
        return v
    }

    /// Drops the references of entries `0 ..< limit` (undoing a partial
    /// promotion).
    private mutating func dropEntries(base: UInt64, level: Int, below limit: Int) {
        guard limit > 0, let page = try? memory.read(at: base, count: Int(PageTableEntry.pageSize)) else {
            return
        }
        var slot = limit
        while slot > 0 {
            slot -= 1
            if level == 4 && Self.isHypervisorSlot(slot) { continue }
            putPageFromEntry(Self.entry(page, slot), level: level)
        }
    }

    /// Drops the references of every entry of a table losing its type.
    /// Xen: `demote_l1_table` ... `demote_l4_table`.
    private mutating func demoteTable(_ mfn: UInt64, level: Int) {
        dropEntries(base: mfn << PageTableEntry.pageShift, level: level,
                    below: PageTableEntry.entriesPerTable)
    }

    /// Forgets every type, pin and reference at once (domain teardown: the
    /// memory itself is going away, so nothing is walked).
    mutating func reset() {
        for i in frames.indices { frames[i] = PageTypeInfo() }
    }
}
