// Descriptor tables of a PV guest: set_gdt and update_descriptor, and the
// descriptor check behind them. The guest's GDT frames are typed
// `segDesc` (so the guest cannot map them writable) and mapped, in place
// of the zero page, into pages 0-13 of the vCPU's GDT area in the
// hypervisor region; page 14 holds Xen's reserved selectors.
//
// Xen: xen/arch/x86/pv/descriptor-tables.c (pv_set_gdt, do_set_gdt,
// check_descriptor, validate_segdesc_page, do_update_descriptor).
import GuestMemory
import XenABI

extension MMU {
    /// Where the vCPUs' GDT areas are mapped: the machine address of the L1
    /// entry of GDT page 0 of each vCPU, and the zero page shown where the
    /// guest gave no frame. Set by the VMM before the guest runs.
    public struct DescriptorTableArea: Sendable {
        public var gdtL1Entries: [UInt64]
        public var zeroPage: UInt64
        public init(gdtL1Entries: [UInt64], zeroPage: UInt64) {
            self.gdtL1Entries = gdtL1Entries
            self.zeroPage = zeroPage
        }
    }

    /// Guest GDT entries must be below the reserved page 14.
    /// Xen: FIRST_RESERVED_GDT_ENTRY (asm-x86/desc.h), 14 pages x 512.
    static let firstReservedGDTEntry: UInt64 = 14 * 512

    /// Makes `frames` (guest RAM frames, one per 512 entries of `entries`)
    /// the vCPU's GDT. Every frame must validate as a descriptor page
    /// (-EINVAL otherwise, and nothing changes); the previous GDT's frames
    /// lose their type reference.
    ///
    /// Xen: `__HYPERVISOR_set_gdt`, pv_set_gdt.
    public func setGDT(_ vcpu: PVVCPU, frames: [UInt64], entries: UInt64) throws(XenErrno) {
        guard entries <= Self.firstReservedGDTEntry, UInt64(frames.count) == (entries + 511) / 512 else { throw .EINVAL }
        try lock.withLock { (_) throws(XenErrno) in
            guard let area = descriptorAreaValue, vcpu.id < area.gdtL1Entries.count else { throw .ENOSYS }
            var taken: [UInt64] = []
            for mfn in frames {
                guard types.isRAM(mfn) else {
                    for t in taken { types.putPageType(t) }
                    throw .EINVAL
                }
                do throws(XenErrno) { try types.getPageType(mfn, .segDesc) } catch {
                    for t in taken { types.putPageType(t) }
                    throw .EINVAL
                }
                taken.append(mfn)
            }
            for old in vcpu.gdtFrames { types.putPageType(old) }
            vcpu.gdtFrames = frames
            vcpu.gdtEntries = Int(entries)
            // Xen maps the frames read-write in its own area (the CPU sets
            // accessed bits); the guest cannot write them (segDesc type).
            let l1 = area.gdtL1Entries[vcpu.id]
            let rw = PageTableEntry.present | PageTableEntry.rw | PageTableEntry.accessed | PageTableEntry.dirty
            for page in 0..<14 {
                let value = page < frames.count
                    ? (frames[page] << PageTableEntry.pageShift) | rw | PageTableEntry.nx
                    : area.zeroPage | PageTableEntry.present | PageTableEntry.accessed | PageTableEntry.nx
                let entry = l1 + UInt64(page) * 8
                if (try? memory.load(UInt64.self, at: entry)) != value {
                    try? memory.store(value, at: entry)
                    types.noteShadowWrite(entry)
                }
            }
        }
    }

    /// Writes descriptor `descriptor` at machine address `address` (8-byte
    /// aligned, in RAM): allowed into a descriptor page in use, or into a
    /// page that may be writable (not a page table). -EINVAL for a bad
    /// descriptor, a misaligned or non-RAM address, or a page-table frame.
    ///
    /// Xen: `__HYPERVISOR_update_descriptor`, do_update_descriptor.
    public func updateDescriptor(address: UInt64, descriptor: UInt64) throws(XenErrno) {
        guard address & 7 == 0, let checked = Self.checkDescriptor(descriptor) else { throw .EINVAL }
        let mfn = address >> PageTableEntry.pageShift
        try lock.withLock { (_) throws(XenErrno) in
            guard types.isRAM(mfn) else { throw .EINVAL }
            let type: PageType = types.info(mfn)?.type == .segDesc && (types.info(mfn)?.count ?? 0) > 0 ? .segDesc : .writable
            do throws(XenErrno) { try types.getPageType(mfn, type) } catch { throw .EINVAL }
            defer { types.putPageType(mfn) }
            try memory.store(checked, at: address)
        }
    }

    /// Checks a descriptor a 64-bit PV guest may have in its GDT or LDT and
    /// returns it with Xen's fix-ups, or nil if refused.
    /// - Not present: always safe (it faults on use).
    /// - Code/data: DPL raised to 3, the guest kernel's ring; no base/limit
    ///   checks in 64-bit mode.
    /// - System type 0: harmless (the upper half of a 16-byte gate).
    /// - Call gate: its target selector must be a guest selector or Xen's
    ///   flat ring-3 code selectors; DPL forced to 0 (uses fault and are
    ///   emulated) with the original DPL kept in the selector's RPL; the
    ///   reserved bits must be zero.
    /// - Anything else (TSS, LDT, interrupt/trap gates): refused.
    ///
    /// Xen: check_descriptor, guest_gate_selector_okay.
    public static func checkDescriptor(_ raw: UInt64) -> UInt64? {
        var a = UInt32(truncatingIfNeeded: raw), b = UInt32(truncatingIfNeeded: raw >> 32)
        let present: UInt32 = 1 << 15, system: UInt32 = 1 << 12, dplMask: UInt32 = 3 << 13, typeMask: UInt32 = 0xf00
        guard b & present != 0 else { return raw }
        let dpl = max((b >> 13) & 3, 3)
        b = (b & ~dplMask) | (dpl << 13)
        if b & system != 0 { return UInt64(b) << 32 | UInt64(a) }
        if b & typeMask == 0 { return raw }
        guard b & typeMask == 0xc00 else { return nil }
        let cs = a >> 16
        let guestSelector = (cs >> 3) < UInt32(firstReservedGDTEntry)
        let flatCode = cs & ~3 == 0xe030 || cs & ~3 == 0xe020
        guard guestSelector || flatCode else { return nil }
        b &= ~dplMask
        a = (a & 0xffff) | (((cs & ~3) | dpl) << 16)
        guard b & 0xff == 0 else { return nil }
        return UInt64(b) << 32 | UInt64(a)
    }
}

extension PageTypes {
    /// Checks (and fixes up in place) all 512 descriptors of a frame about to
    /// become a descriptor page. Xen: validate_segdesc_page.
    mutating func validateDescriptorPage(_ mfn: UInt64) throws(XenErrno) {
        let base = mfn << PageTableEntry.pageShift
        let page = try memory.read(at: base, count: Int(PageTableEntry.pageSize))
        var fixed: [(Int, UInt64)] = []
        for slot in 0..<512 {
            let d = Self.entry(page, slot)
            guard let checked = MMU.checkDescriptor(d) else { throw .EINVAL }
            if checked != d { fixed.append((slot, checked)) }
        }
        for (slot, value) in fixed { try memory.store(value, at: base + UInt64(slot) * 8) }
    }
}
