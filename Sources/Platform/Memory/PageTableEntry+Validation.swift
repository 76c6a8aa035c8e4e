// Which page-table entry bits a PV guest may set, and how the hypervisor
// adjusts an entry it accepts. Xen: the *_DISALLOW_MASK macros and
// FASTPATH_FLAG_WHITELIST in xen/arch/x86/mm.c, adjust_guest_l*e in
// xen/arch/x86/pv/mm.h.
import XenABI

extension PageTableEntry {
    /// Bits 9-11: ignored by the CPU, free for the guest (Xen: `_PAGE_AVAIL`).
    static let avail: UInt64 = 0xE00
    /// Bits 52-62: ignored by the CPU, free for the guest (Xen: `_PAGE_AVAIL_HIGH`).
    static let availHigh: UInt64 = 0x7FF << 52
    /// Bit 62: Xen marks grant mappings with it; a guest may not set it in
    /// an L1 entry (Xen: `_PAGE_GNTTAB`, asm/x86_64/page.h).
    static let gnttab: UInt64 = 1 << 62

    /// Everything a guest may set in an entry of any level: the frame
    /// address plus P, RW, U, A, D, the available bits and NX (Xen:
    /// the complement of `base_disallow_mask`, `arch_init_memory`). So PWT,
    /// PCD, PSE/PAT and G are refused in L2-L4 entries.
    static let baseAllowed: UInt64 = addressMask | present | rw | user | accessed | dirty
        | avail | availHigh | nx

    /// Bits refused in a present L2, L3 or L4 entry (Xen: `L2_DISALLOW_MASK`,
    /// `l3_disallow_mask` for a 64-bit guest, `L4_DISALLOW_MASK`).
    static let upperDisallowed: UInt64 = ~baseAllowed

    /// Bits refused in a present L1 entry: the cache attributes (a domU has no
    /// cache-flush permission), the grant bit; G is allowed (Xen:
    /// `l1_disallow_mask` = `L1_DISALLOW_MASK` for a PV domU).
    static let l1Disallowed: UInt64 = (upperDisallowed | gnttab) & ~global

    /// Bits a guest may change in an L1 entry without the mapping being
    /// re-validated and its references moved (Xen: `FASTPATH_FLAG_WHITELIST`).
    static let l1FastpathWhitelist: UInt64 = nx | availHigh | avail | global | dirty | accessed | user

    /// The same for L2-L4 entries. Without guest linear page tables RW may
    /// change too (Xen: `FASTPATH_PDE_FLAG_WHITELIST` without
    /// `CONFIG_PV_LINEAR_PT`).
    static let upperFastpathWhitelist: UInt64 = l1FastpathWhitelist | rw

    /// The bits refused in a present entry of `level` (1-4).
    @inline(__always)
    static func disallowed(level: Int) -> UInt64 {
        level == 1 ? l1Disallowed : upperDisallowed
    }

    /// Whether `old` and `new` map the same frame with the same
    /// translation-relevant flags, so only whitelisted bits differ (Xen:
    /// `l1e_has_changed(ol1e, nl1e, ~FASTPATH_FLAG_WHITELIST)` and its PDE
    /// form).
    @inline(__always)
    static func isFastpathChange(old: UInt64, new: UInt64, level: Int) -> Bool {
        let whitelist = level == 1 ? l1FastpathWhitelist : upperFastpathWhitelist
        return (old ^ new) & ~whitelist == 0
    }

    /// The entry as the hypervisor stores it: `_PAGE_USER` added to every
    /// present entry (the guest kernel runs at CPL3), and for L4 entries
    /// `_PAGE_ACCESSED` too. Xen also tags L1 entries with
    /// `_PAGE_GUEST_KERNEL` (bit 52) and user L1 entries with `_PAGE_GLOBAL`;
    /// we do neither: the global bit would keep user mappings across our
    /// CR3 switches, and bit 52 belongs to the guest.
    /// Xen: `adjust_guest_l1e` ... `adjust_guest_l4e`, xen/arch/x86/pv/mm.h.
    @inline(__always)
    static func adjustedForGuest(_ entry: UInt64, level: Int) -> UInt64 {
        guard entry & present != 0 else { return entry }
        return level == 4 ? entry | user | accessed : entry | user
    }
}
