// x86_64 4-level page-table entries as a PV guest writes them. Not a Xen
// header: the bits are the architecture's (Intel SDM Vol. 3A §4.5), with
// Xen's PV reading noted where it differs (see the `mmu_update` comment
// in public/xen.h).

/// One 64-bit x86_64 page-table entry (any level), as found in a PV
/// guest's page tables. For a PV guest the address bits hold a machine
/// frame number.
public struct PageTableEntry: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Creates an entry mapping frame `mfn` with `flags`.
    public init(mfn: UInt64, flags: UInt64) {
        self.rawValue = ((mfn << PageTableEntry.pageShift) & PageTableEntry.addressMask) | flags
    }

    /// Bit 0: the entry maps something.
    public static let present: UInt64 = 1 << 0
    /// Bit 1: writable.
    public static let rw: UInt64 = 1 << 1
    /// Bit 2: user-mode accessible.
    public static let user: UInt64 = 1 << 2
    /// Bit 3: page-level write-through.
    public static let pwt: UInt64 = 1 << 3
    /// Bit 4: page-level cache disable.
    public static let pcd: UInt64 = 1 << 4
    /// Bit 5: accessed; set by the CPU.
    public static let accessed: UInt64 = 1 << 5
    /// Bit 6: dirty (last level only); set by the CPU.
    public static let dirty: UInt64 = 1 << 6
    /// Bit 7: in an L2/L3 entry, a large page (PSE). In an L1 entry, the PAT
    /// bit, which Xen PV uses instead of large pages.
    public static let pse: UInt64 = 1 << 7
    /// Bit 7 of an L1 entry: the PAT bit (the same bit as `pse`).
    public static let pat: UInt64 = 1 << 7
    /// Bit 8: global (last level only).
    public static let global: UInt64 = 1 << 8
    /// Bit 63: no-execute.
    public static let nx: UInt64 = 1 << 63
    /// Bits 51:12: the frame address.
    public static let addressMask: UInt64 = 0x000F_FFFF_FFFF_F000
    /// The attribute bits: everything outside `addressMask`.
    public static let flagsMask: UInt64 = ~addressMask

    /// log2 of the page size.
    public static let pageShift: UInt64 = 12
    /// Size of a page and of a page table.
    public static let pageSize: UInt64 = 1 << pageShift
    /// Entries per page table.
    public static let entriesPerTable = 512

    /// True if `present` is set.
    public var isPresent: Bool { rawValue & PageTableEntry.present != 0 }

    /// The frame address (`rawValue & addressMask`).
    public var address: UInt64 { rawValue & PageTableEntry.addressMask }

    /// The frame number: `address >> 12`.
    public var mfn: UInt64 { address >> PageTableEntry.pageShift }

    /// The attribute bits (`rawValue & flagsMask`).
    public var flags: UInt64 { rawValue & PageTableEntry.flagsMask }

    /// Index of `va` in an L4 table: bits 47:39.
    public static func l4Index(_ va: UInt64) -> Int { Int((va >> 39) & 511) }

    /// Index of `va` in an L3 table: bits 38:30.
    public static func l3Index(_ va: UInt64) -> Int { Int((va >> 30) & 511) }

    /// Index of `va` in an L2 table: bits 29:21.
    public static func l2Index(_ va: UInt64) -> Int { Int((va >> 21) & 511) }

    /// Index of `va` in an L1 table: bits 20:12.
    public static func l1Index(_ va: UInt64) -> Int { Int((va >> 12) & 511) }

    /// Index of `va` in the table at `level` (1 = L1 ... 4 = L4).
    public static func index(_ va: UInt64, level: Int) -> Int {
        precondition(level >= 1 && level <= 4, "page-table level out of range")
        return Int((va >> UInt64(12 + 9 * (level - 1))) & 511)
    }

    /// True if `va` is canonical: bits 63:47 all equal.
    public static func isCanonical(_ va: UInt64) -> Bool {
        let top = va >> 47
        return top == 0 || top == 0x1FFFF
    }
}
