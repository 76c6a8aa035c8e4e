// The PV MMU of one domain: the host half of mmu_update, update_va_mapping
// and mmuext_op, and writable-page-table emulation, on top of the frame type
// system in PageTypes.swift. The guest kernel runs at CPL3 on its own page
// tables, which it can only change through here ("direct paging").
//
// Xen: do_mmu_update, do_update_va_mapping, do_mmuext_op, mod_l*_entry,
// new_guest_cr3 (xen/arch/x86/mm.c); pv_ro_page_fault and
// ptwr_emulated_update (xen/arch/x86/pv/ro-page-fault.c).
//
// Errors: hypercall entry points return 0 or -errno (Xen's values) exactly
// as Xen's handlers do; the building blocks throw `XenErrno`. Nothing here
// traps on guest input.
//
// Concurrency: every public entry point takes `lock`, so vCPU threads may
// call in concurrently; guest memory outside validated page tables may
// change under us at any time, and only hardware A/D updates can change a
// validated table concurrently (handled with compare-exchange).
//
// KVM shadow paging: KVM does not see host writes to guest page tables, so
// whenever a write here changes an entry that was present,
// `needsShadowFlush` is set and the VMM must flush KVM's shadow before the
// guest runs again. A write that makes a not-present entry present needs no
// flush (KVM takes a fault and re-walks).
import GuestMemory
import Synchronization
import XenABI
import XenPV

/// Xen: `MMU_UPDATE_PREEMPTED`-free bound on one mmu_update / mmuext_op
/// batch. Xen preempts long batches with continuations; we do not, so we
/// refuse batches larger than this with -EINVAL.
let mmuMaximumBatch: UInt32 = 1 << 20

public final class MMU: @unchecked Sendable {
    // @unchecked: all mutable state (`types`, `vcpus`, `writablePageTablesEnabled`,
    // `onM2PWrite`, `maxPagesValue`) is only touched with `lock` held.
    let lock = Mutex<Void>(())
    var types: PageTypes
    let memory: GuestMemory
    /// vCPUs whose base pointers hold L4 references (for `teardown`).
    var vcpus: [PVVCPU] = []
    var writablePageTablesEnabled = false
    var onM2PWrite: ((UInt64, UInt64) -> Void)?
    var descriptorAreaValue: DescriptorTableArea?
    /// The maximum reservation (MMU+Reservation.swift).
    var maxPagesValue: UInt64

    /// The vCPUs' GDT mapping area (MMU+Descriptors.swift); set_gdt is
    /// -ENOSYS until the VMM sets it.
    public var descriptorArea: DescriptorTableArea? {
        get { descriptorAreaValue }
        set { lock.withLock { _ in descriptorAreaValue = newValue } }
    }

    /// - Parameters:
    ///   - memory: the domain's machine memory; RAM frame numbers are
    ///     `0 ..< ramFrames`, all inside one region of `memory`.
    ///   - populatedFrames: frames `0 ..< populatedFrames` start owned by the
    ///     domain (start_info's nr_pages); the rest of RAM starts released,
    ///     for the guest to populate up to `maxPages` (nil: all of RAM).
    ///   - maxPages: the maximum reservation (Xen: `d->max_pages`, xl.cfg
    ///     `maxmem`); nil: `ramFrames`.
    ///   - isForeignMappable: hypervisor frames outside RAM the guest may map
    ///     (shared_info, grant-table frames). Every other non-RAM frame, and
    ///     every released RAM frame, is refused in guest page tables.
    ///   - hypervisorL4Entries: our entries for L4 slots 256...271, written
    ///     into every L4 when it is validated.
    public init(memory: GuestMemory, ramFrames: UInt64, populatedFrames: UInt64? = nil, maxPages: UInt64? = nil,
                isForeignMappable: @escaping (UInt64) -> Bool,
                hypervisorL4Entries: [(slot: Int, entry: UInt64)]) {
        // Every RAM frame number must have memory behind it: frames are
        // handed out by number (populate_physmap) and zeroed by discarding.
        precondition(ramFrames < 1 << 36 && memory.pointer(0, Int(ramFrames << PageTableEntry.pageShift)) != nil,
                     "RAM frames 0..<\(ramFrames) are not one region of guest memory")
        self.memory = memory
        let populated = populatedFrames ?? ramFrames
        types = PageTypes(memory: memory, ramFrames: ramFrames, ownedFrames: min(populated, ramFrames),
                          isForeignMappable: isForeignMappable, hypervisorL4Entries: hypervisorL4Entries)
        maxPagesValue = maxPages ?? ramFrames
    }

    /// VMASST_TYPE_writable_pagetables: emulate guest kernel writes to its
    /// read-only mapped L1 tables (see `emulatePTWrite`).
    ///
    /// Xen: `VMASST_TYPE_writable_pagetables`, public/xen.h.
    public var writablePageTables: Bool {
        get { lock.withLock { _ in writablePageTablesEnabled } }
        set { lock.withLock { _ in writablePageTablesEnabled = newValue } }
    }

    /// Set when a host write changed a present page-table entry; the VMM
    /// flushes KVM's shadow page tables before resuming and clears it.
    public var needsShadowFlush: Bool {
        get { lock.withLock { _ in types.needsShadowFlush } }
        set { lock.withLock { _ in types.needsShadowFlush = newValue } }
    }

    /// Takes the page-table entries changed since the last call (machine
    /// addresses, each once, oldest first) and whether a full shadow flush
    /// is needed instead (too many changes, or whole pages rewritten).
    public func takeShadowSync() -> (addresses: [UInt64], fullFlush: Bool) {
        lock.withLock { _ in
            var seen = Set<UInt64>()
            let unique = types.shadowSync.filter { seen.insert($0).inserted }
            let full = types.needsShadowFlush
            types.shadowSync.removeAll(keepingCapacity: true)
            types.needsShadowFlush = false
            return (full ? [] : unique, full)
        }
    }


    /// Called with (mfn, pfn) for each accepted MMU_MACHPHYS_UPDATE. Without
    /// it only updates that keep the identity M2P (pfn == mfn) succeed.
    public var m2pWrite: ((UInt64, UInt64) -> Void)? {
        get { lock.withLock { _ in onM2PWrite } }
        set { lock.withLock { _ in onM2PWrite = newValue } }
    }

    /// The type state of RAM frame `mfn`, nil outside RAM or if the domain
    /// released the frame.
    public func pageTypeInfo(mfn: UInt64) -> PageTypeInfo? {
        lock.withLock { _ in types.info(mfn) }
    }

    // MARK: Pinning and base pointers

    /// Validates the table at `mfn` as level `level` (1-4) and pins it.
    /// -EINVAL outside RAM, for a bad level or if already pinned; validation
    /// errors as `getPageType`.
    ///
    /// Xen: `MMUEXT_PIN_L1_TABLE` ... `MMUEXT_PIN_L4_TABLE`, public/xen.h.
    public func pin(level: Int, mfn: UInt64) throws(XenErrno) {
        try lock.withLock { (_) throws(XenErrno) in try pinLocked(level: level, mfn: mfn) }
    }

    /// Unpins the table at `mfn`, dropping the pin's type reference (and so
    /// devalidating the tree below it if that was the last one). -EINVAL
    /// outside RAM or if not pinned.
    ///
    /// Xen: `MMUEXT_UNPIN_TABLE`, public/xen.h.
    public func unpin(mfn: UInt64) throws(XenErrno) {
        try lock.withLock { (_) throws(XenErrno) in try unpinLocked(mfn: mfn) }
    }

    /// Makes L4 `mfn` the vCPU's kernel (`user == false`) or user base
    /// pointer: takes an L4 reference on it (validating it if needed), drops
    /// the old one's, and marks CR3 dirty if that table is the one active in
    /// the vCPU's mode. A user mfn of 0 means none; a kernel mfn of 0 is
    /// -EINVAL.
    ///
    /// Xen: `MMUEXT_NEW_BASEPTR` (new_guest_cr3), `MMUEXT_NEW_USER_BASEPTR`, public/xen.h.
    public func setBaseptr(_ vcpu: PVVCPU, mfn: UInt64, user: Bool) throws(XenErrno) {
        try lock.withLock { (_) throws(XenErrno) in try setBaseptrLocked(vcpu, mfn: mfn, user: user) }
    }

    func pinLocked(level: Int, mfn: UInt64) throws(XenErrno) {
        guard (1...4).contains(level), types.isRAM(mfn) else { throw .EINVAL }
        try types.getPageType(mfn, .table(level: level))
        if types.frames[Int(mfn)].pinned {
            types.putPageType(mfn)
            throw .EINVAL
        }
        types.setPinned(mfn, true)
    }

    func unpinLocked(mfn: UInt64) throws(XenErrno) {
        guard types.isRAM(mfn) else { throw .EINVAL }
        let f = types.frames[Int(mfn)]
        guard f.pinned, f.count > 0 else { throw .EINVAL }
        types.setPinned(mfn, false)
        types.putPageType(mfn)
    }

    func setBaseptrLocked(_ vcpu: PVVCPU, mfn: UInt64, user: Bool) throws(XenErrno) {
        let oldMFN = (user ? vcpu.guestTableUser : vcpu.guestTable) >> PageTableEntry.pageShift
        if !user && mfn == 0 { throw .EINVAL }
        if !vcpus.contains(where: { $0 === vcpu }) { vcpus.append(vcpu) }
        let active = user != vcpu.kernelMode
        if mfn == oldMFN {
            // Xen reloads CR3 anyway (a TLB flush).
            if active && !user { vcpu.dirty.insert(.cr3) }
            return
        }
        if mfn != 0 {
            guard types.isRAM(mfn) else { throw .EINVAL }
            try types.getPageType(mfn, .l4)
        }
        let address = mfn << PageTableEntry.pageShift
        if user { vcpu.guestTableUser = address } else { vcpu.guestTable = address }
        if active { vcpu.dirty.insert(.cr3) }
        if oldMFN != 0 { types.putPageType(oldMFN) }
    }

    // MARK: Entry updates

    /// Writes `value` to the entry at machine address `address` (8-aligned)
    /// of a validated table of `level` after validating it, moving
    /// references from the old value to the new one.
    /// Xen: `mod_l1_entry` ... `mod_l4_entry`.
    func modEntry(at address: UInt64, level: Int, value: UInt64, preserveAD: Bool) throws(XenErrno) {
        if level == 4 && PageTypes.isHypervisorSlot(Int((address & 0xfff) >> 3)) {
            throw .EINVAL  // Xen: "L4 update in Xen-private area"
        }
        let old = try memory.load(UInt64.self, at: address)
        guard value & PageTableEntry.present != 0 else {
            try writeEntry(at: address, old: old, new: value, preserveAD: preserveAD)
            types.putPageFromEntry(old, level: level)
            return
        }
        if value & PageTableEntry.disallowed(level: level) != 0 { throw .EINVAL }
        let new = PageTableEntry.adjustedForGuest(value, level: level)
        if PageTableEntry.isFastpathChange(old: old, new: new, level: level) {
            try writeEntry(at: address, old: old, new: new, preserveAD: preserveAD)
            return
        }
        try types.getPageFromEntry(new, level: level)
        do throws(XenErrno) {
            try writeEntry(at: address, old: old, new: new, preserveAD: preserveAD)
        } catch {
            types.putPageFromEntry(new, level: level)
            throw error
        }
        types.putPageFromEntry(old, level: level)
    }

    /// Stores `new` over `old` at `address`. With `preserveAD` the A and D
    /// bits the CPU may have set meanwhile are kept (compare-exchange loop).
    /// Only A/D can change under us (the table is validated and we hold the
    /// lock); anything else is -EBUSY. Xen: `update_intpte`.
    func writeEntry(at address: UInt64, old: UInt64, new: UInt64, preserveAD: Bool) throws(XenErrno) {
        let ad = PageTableEntry.accessed | PageTableEntry.dirty
        var current = old
        var written = new
        if preserveAD {
            var tries = 0
            while true {
                written = new | (current & ad)
                let r = try memory.compareExchange64(at: address, expected: current, desired: written)
                if r.exchanged { break }
                tries += 1
                guard (r.original ^ current) & ~ad == 0, tries < 64 else { throw .EBUSY }
                current = r.original
            }
        } else {
            try memory.store(new, at: address)
        }
        if current & PageTableEntry.present != 0 && written != current {
            types.noteShadowWrite(address)
        }
    }

    /// A plain write to a frame that is not a page table (Xen:
    /// `paging_write_guest_entry` for `PGT_writable_page`). KVM may still
    /// shadow the frame from an earlier use, so the flush rule applies.
    func writePlain(at address: UInt64, value: UInt64) throws(XenErrno) {
        let old = try memory.load(UInt64.self, at: address)
        try memory.store(value, at: address)
        if old & PageTableEntry.present != 0 && old != value { types.noteShadowWrite(address) }
    }

    // MARK: mmu_update

    /// `mmu_update(reqs, count, success_count, foreigndom)`: applies each
    /// `{ptr, val}` read from guest VA `requests` in order and stops at the
    /// first error. `ptr & 7` is the command (Xen masks with
    /// `sizeof(l1_pgentry_t) - 1`, so 4-7 are -ENOSYS and the entry address
    /// is always 8-aligned):
    /// - MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_NO_TRANSLATE /
    ///   MMU_PT_UPDATE_PRESERVE_AD: the frame must be RAM (-EINVAL); a
    ///   validated L1-L4 gets a validated update, any other frame a plain
    ///   write if it may take the writable type (-EINVAL if not).
    /// - MMU_MACHPHYS_UPDATE: M2P[mfn] = val for a RAM frame (-EINVAL
    ///   otherwise), through `m2pWrite`.
    /// Writes the number of requests done to `successCountVA` (a u32) when
    /// it is not 0. Returns 0 or -errno.
    ///
    /// Xen: `__HYPERVISOR_mmu_update`, do_mmu_update (xen/arch/x86/mm.c).
    public func doMMUUpdate(vcpu: PVVCPU, space: GuestAddressSpace, requests: UInt64, count: UInt64,
                            successCountVA: UInt64, domid: UInt16) -> Int64 {
        // The ABI's count is an unsigned int.
        let n = UInt32(truncatingIfNeeded: count)
        guard n <= mmuMaximumBatch else { return -Int64(XenErrno.EINVAL.rawValue) }
        guard Self.isGuestRange(requests, bytes: UInt64(n) * UInt64(MMUUpdate.size)) else {
            return -Int64(XenErrno.EFAULT.rawValue)
        }
        guard domid == DomID.self_.rawValue else { return -Int64(XenErrno.ESRCH.rawValue) }
        return lock.withLock { _ in
            var done: UInt32 = 0
            var rc: XenErrno?
            while done < n {
                let va = requests &+ UInt64(done) * UInt64(MMUUpdate.size)
                do throws(XenErrno) {
                    let (ptr, val) = try Self.readPair(space, at: va)
                    try mmuUpdateOne(ptr: ptr, val: val)
                } catch {
                    rc = error
                    break
                }
                done += 1
            }
            if successCountVA != 0 { try? space.store(done, at: successCountVA) }
            return rc.map { -Int64($0.rawValue) } ?? 0
        }
    }

    func mmuUpdateOne(ptr: UInt64, val: UInt64) throws(XenErrno) {
        let cmd = ptr & 7
        switch cmd {
        case UInt64(MMUUpdateCmd.normalPTUpdate.rawValue),
             UInt64(MMUUpdateCmd.ptUpdateNoTranslate.rawValue),
             UInt64(MMUUpdateCmd.ptUpdatePreserveAD.rawValue):
            let address = ptr - cmd
            let mfn = address >> PageTableEntry.pageShift
            guard types.isRAM(mfn) else { throw .EINVAL }
            let f = types.frames[Int(mfn)]
            if f.count > 0 {
                guard f.validated else { throw .EINVAL }
                switch f.type {
                case .l1, .l2, .l3, .l4:
                    try modEntry(at: address, level: Int(f.type.rawValue), value: val,
                                 preserveAD: cmd == UInt64(MMUUpdateCmd.ptUpdatePreserveAD.rawValue))
                case .writable:
                    try writePlain(at: address, value: val)
                case .none, .segDesc:
                    throw .EINVAL  // descriptor pages change only through update_descriptor
                }
            } else {
                // Xen: get_page_type(PGT_writable_page), write, put_page_type.
                try types.getPageType(mfn, .writable)
                defer { types.putPageType(mfn) }
                try writePlain(at: address, value: val)
            }

        case UInt64(MMUUpdateCmd.machphysUpdate.rawValue):
            let mfn = ptr >> PageTableEntry.pageShift
            guard types.isRAM(mfn) else { throw .EINVAL }
            if let write = onM2PWrite {
                write(mfn, val)
            } else if val != mfn {
                // Our M2P is the identity and we have nowhere to record
                // another value (documented deviation).
                throw .EINVAL
            }

        default:
            throw .ENOSYS
        }
    }

    // MARK: update_va_mapping

    /// `update_va_mapping(va, val, flags)`: updates the L1 entry mapping
    /// `va` in the vCPU's current kernel page tables as MMU_NORMAL_PT_UPDATE
    /// would. -EINVAL if `va` is non-canonical or in the hypervisor hole,
    /// if the walk does not reach an L1 or that L1 is not a validated L1
    /// table. Flushes are implied by the shadow rule; a vCPU-mask pointer in
    /// `flags` must be readable (-EFAULT after the update otherwise, as Xen).
    ///
    /// Xen: `__HYPERVISOR_update_va_mapping`, __do_update_va_mapping (xen/arch/x86/mm.c).
    public func doUpdateVAMapping(vcpu: PVVCPU, va: UInt64, val: UInt64, flags: UInt64) -> Int64 {
        let einval = -Int64(XenErrno.EINVAL.rawValue)
        let l4 = vcpu.guestTable
        guard l4 != 0, GuestAddressSpace.isGuestAddress(va) else { return einval }
        let space = GuestAddressSpace(memory: memory, l4: l4)
        return lock.withLock { _ in
            guard let entry = try? space.l1EntryAddress(va),
                  types.isValidatedTable(entry >> PageTableEntry.pageShift, .l1) else { return einval }
            do throws(XenErrno) {
                try modEntry(at: entry, level: 1, value: val, preserveAD: false)
            } catch {
                return -Int64(error.rawValue)
            }
            let flushType = flags & UVMF.flushtypeMask.rawValue
            let mask = flags & ~UVMF.flushtypeMask.rawValue
            if flushType == UVMF.tlbFlush.rawValue || flushType == UVMF.invlpg.rawValue,
               mask != UVMF.local.rawValue, mask != UVMF.all.rawValue {
                // Xen: vcpumask_to_pcpumask reads the bitmap (one word for
                // up to 64 vCPUs).
                if (try? space.load(UInt64.self, at: mask)) == nil {
                    return -Int64(XenErrno.EFAULT.rawValue)
                }
            }
            return 0
        }
    }

    // MARK: Teardown

    /// Drops every type, pin and reference, and clears the base pointers of
    /// every vCPU we gave one to. Idempotent; walks no guest memory.
    public func teardown() {
        lock.withLock { _ in
            types.reset()
            for v in vcpus {
                v.guestTable = 0
                v.guestTableUser = 0
            }
            vcpus.removeAll()
        }
    }

    // MARK: Guest buffers

    /// Whether `[va, va + bytes)` is a range of guest addresses: no wrap,
    /// canonical, not in the hypervisor hole (Xen: `guest_handle_okay`).
    static func isGuestRange(_ va: UInt64, bytes: UInt64) -> Bool {
        guard bytes > 0 else { return true }
        let (last, overflow) = va.addingReportingOverflow(bytes - 1)
        guard !overflow, GuestAddressSpace.isGuestAddress(va), GuestAddressSpace.isGuestAddress(last) else {
            return false
        }
        // Both ends are guest addresses; refuse ranges spanning the
        // non-canonical gap or the hypervisor hole.
        return (va < 1 << 47) == (last < 1 << 47)
            && !(va < GuestAddressSpace.hypervisorStart && last >= GuestAddressSpace.hypervisorEnd)
    }

    /// Reads two consecutive u64 from guest VA `va` with one translation
    /// when they share a page.
    static func readPair(_ space: GuestAddressSpace, at va: UInt64) throws(XenErrno) -> (UInt64, UInt64) {
        if va & 0xfff <= 0x1000 - 16 {
            let ma = try space.translate(va, write: false)
            return (try space.memory.load(UInt64.self, at: ma), try space.memory.load(UInt64.self, at: ma + 8))
        }
        return (try space.load(UInt64.self, at: va), try space.load(UInt64.self, at: va &+ 8))
    }
}
