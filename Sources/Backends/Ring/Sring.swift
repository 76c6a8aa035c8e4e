// Xen: public/io/ring.h. The layout of a shared ring (`struct __name##_sring`)
// and the ring-size arithmetic, independent of the entry type. Mirrors
// XenABI's style; moves to XenABI/IO/Ring.swift when that file exists.

/// The header of every shared ring, followed by the entries.
///
/// Xen: `struct __name##_sring` (`DEFINE_RING_TYPES`), public/io/ring.h.
public enum Sring {
    /// Byte offset of each header member; the entries start at `ring`.
    public enum Offset {
        /// Xen: `req_prod`; written by the frontend.
        public static let reqProd = 0
        /// Xen: `req_event`; written by the backend (notification hold-off).
        public static let reqEvent = 4
        /// Xen: `rsp_prod`; written by the backend.
        public static let rspProd = 8
        /// Xen: `rsp_event`; written by the frontend.
        public static let rspEvent = 12
        /// Xen: `__pad` (48 bytes).
        public static let pad = 16
        /// Xen: `ring`; `offsetof(struct __name##_sring, ring)`.
        public static let ring = 64
    }

    /// The frame size ring pages are counted in.
    ///
    /// Xen: `XEN_PAGE_SIZE`.
    public static let pageSize = 4096

    /// Entries in a ring of `pages` pages whose entry (the union of request
    /// and response) is `entrySize` bytes: the quotient rounded down to a
    /// power of two.
    ///
    /// Xen: `__CONST_RING_SIZE` / `__RD32`, public/io/ring.h.
    public static func ringSize(pages: Int, entrySize: Int) -> UInt32 {
        precondition(pages > 0 && entrySize > 0)
        let n = (pages * pageSize - Offset.ring) / entrySize
        guard n > 0 else { return 0 }
        return UInt32(1) << (UInt32(Int.bitWidth - 1 - n.leadingZeroBitCount))
    }
}
