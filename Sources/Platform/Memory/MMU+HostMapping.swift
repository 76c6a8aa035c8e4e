// The host process mapping one of the domain's frames: a backend mapping a
// granted frame, or the xenstore and console services writing their rings.
// In Xen these are grant or foreign mappings in dom0: each takes a
// reference on the page of the domain that owns it (`get_page`), and a
// writable one a PGT_writable_page type reference (`get_page_type`), so a
// page table or descriptor page is never writable by a backend, and a frame
// a backend may write cannot become one, nor be given back with
// XENMEM_decrease_reservation, until the mapping goes (xen/common/
// grant_table.c map_grant_ref and unmap_common_complete; xen/arch/x86/mm.c
// get_page_from_l1e for a foreign frame, _get_page_type). Our services write
// guest RAM directly through the host mapping of all of it, so these
// references are all that keeps guest-chosen bytes (disk data, xenstore
// replies) out of validated page tables.
import XenABI

extension MMU {
    /// Checks that the domain owns `mfn` and, for a writable mapping, takes
    /// a `writable` type reference on it: -EPERM for a frame the domain does
    /// not own, -EBUSY for a frame with another type (a page table or
    /// descriptor page).
    public func getHostMapping(mfn: UInt64, writable: Bool) throws(XenErrno) {
        try lock.withLock { (_) throws(XenErrno) in
            guard types.isRAM(mfn) else { throw .EPERM }
            guard writable else { return }
            do throws(XenErrno) { try types.getPageType(mfn, .writable) } catch { throw .EBUSY }
        }
    }

    /// Drops what `getHostMapping(mfn:writable: true)` took; nothing for a
    /// read-only mapping. A put that no get matches is ignored as long as
    /// the frame is not writable-typed (it never drops a page table's
    /// reference).
    public func putHostMapping(mfn: UInt64, writable: Bool) {
        guard writable else { return }
        lock.withLock { _ in
            guard let info = types.info(mfn), info.type == .writable, info.count > 0 else { return }
            types.putPageType(mfn)
        }
    }
}
