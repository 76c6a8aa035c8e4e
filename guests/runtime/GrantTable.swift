// GrantTable.swift — the guest's own grant table, version 1: GNTTABOP_setup_table, the table
// frame mapped over a pool page, and the writing and ending of grant entries.
// Facts: public/grant_table.h `struct gnttab_setup_table` (IN dom, nr_frames; OUT status,
// frame_list of MFNs), `struct grant_entry_v1` (8 bytes: flags 0 (u16), domid 2 (u16), frame 4
// (u32)), 512 entries per 4 KiB frame; the granting side writes frame and domid, then flags
// ("a write memory barrier ... before updating flags"); GTF_reading/GTF_writing are set by the
// hypervisor while the grant is mapped, and ending access must fail while either is set (Linux
// drivers/xen/grant-table.c gnttab_end_foreign_access_ref_v1 clears flags with a cmpxchg that
// only succeeds while neither is set).

import Synchronization

enum GrantTable {
    static let entriesPerFrame: UInt32 = 512

    /// VA of frame 0 of the table (0 before `setUp`).
    nonisolated(unsafe) static var table: UInt64 = 0
    /// Entries of the frames set up.
    nonisolated(unsafe) static var entries: UInt32 = 0

    /// Sets up one table frame and maps it over a pool page. Returns 0 or a negative errno /
    /// GNTST status, after printing what failed.
    static func setUp() -> Int {
        var frame: UInt64 = 0
        let rc = withUnsafeMutablePointer(to: &frame) { list -> Int in
            var arg = GnttabSetupTable(dom: DomID.selfID, nrFrames: 1, frameList: va(list))
            let rc = HYPERVISOR.grantTableOp(GnttabOp.setupTable, &arg)
            if rc == 0 && arg.status != GNTST.okay { return Int(arg.status) }
            return rc
        }
        guard rc == 0 else {
            printf("GNTTABOP_setup_table(1 frame) returned %d\n", rc)
            return rc
        }
        let page = Memory.allocatePage()
        let mapped = HYPERVISOR.updateVAMapping(page.va, frame << 12 | PTE.kernelData, UVMF.invlpg)
        guard mapped == 0 else {
            printf("update_va_mapping(grant frame %x) returned %d\n", frame, mapped)
            return mapped
        }
        table = page.va
        entries = entriesPerFrame
        return 0
    }

    static func entry(_ ref: UInt32) -> UInt64 { table + UInt64(ref) * 8 }

    /// Grants machine frame `mfn` to `domid` (read-only if `readonly`). `flags` overrides the
    /// type bits (a test may write a bogus entry).
    static func grant(_ ref: UInt32, domid: UInt16, mfn: UInt64, readonly: Bool = false,
                      flags: UInt16 = GTF.permitAccess) {
        let e = entry(ref)
        Volatile.store32(e + 4, UInt32(truncatingIfNeeded: mfn))
        Volatile.store16(e + 2, domid)
        // x86 keeps stores in order and the stores are volatile: frame and domid are visible
        // before the flags that make the entry valid.
        Volatile.store16(e + 0, flags | (readonly ? GTF.readonly : 0))
    }

    static func flags(_ ref: UInt32) -> UInt16 { Volatile.load16(entry(ref)) }

    /// Ends a grant: clears the flags unless the backend still has the frame mapped
    /// (GTF_reading or GTF_writing set), in which case it returns false and leaves the entry.
    static func endAccess(_ ref: UInt32) -> Bool {
        let word = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(entry(ref)))!
        var seen = word.pointee.load(ordering: .sequentiallyConsistent)
        while true {
            if UInt16(truncatingIfNeeded: seen) & (GTF.reading | GTF.writing) != 0 { return false }
            let (done, original) = word.pointee.compareExchange(
                expected: seen, desired: seen & ~0xffff, ordering: .sequentiallyConsistent)
            if done { return true }
            seen = original
        }
    }
}
