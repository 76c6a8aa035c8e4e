// Xen: public/io/console.h. The PV console ring page.

/// The console ring page (offsets only: it is shared with the guest and
/// accessed in place). `in` carries bytes to the guest, `out` bytes from it;
/// indices are free-running and masked with the ring size.
///
/// Xen: `struct xencons_interface`, public/io/console.h.
public enum XenconsInterface {
    /// `sizeof(struct xencons_interface)` on x86_64.
    public static let size = 3088

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `in`.
        public static let in_ = 0
        /// Xen: `out`.
        public static let out = 1024
        /// Xen: `in_cons`.
        public static let inCons = 3072
        /// Xen: `in_prod`.
        public static let inProd = 3076
        /// Xen: `out_cons`.
        public static let outCons = 3080
        /// Xen: `out_prod`.
        public static let outProd = 3084
    }

    /// Number of elements in `in`.
    public static let inCount = 1024

    /// Byte offset of element `index` of `in` (1 bytes each).
    public static func inOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < inCount, "XenconsInterface.in index out of range")
        return Offset.in_ + index * 1
    }

    /// Number of elements in `out`.
    public static let outCount = 2048

    /// Byte offset of element `index` of `out` (1 bytes each).
    public static func outOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < outCount, "XenconsInterface.out index out of range")
        return Offset.out + index * 1
    }

    /// Index of byte `idx` in the `in` ring.
    ///
    /// Xen: `MASK_XENCONS_IDX(idx, in)`, public/io/console.h.
    public static func maskInIdx(_ idx: UInt32) -> Int { Int(idx & UInt32(inCount - 1)) }

    /// Index of byte `idx` in the `out` ring.
    ///
    /// Xen: `MASK_XENCONS_IDX(idx, out)`, public/io/console.h.
    public static func maskOutIdx(_ idx: UInt32) -> Int { Int(idx & UInt32(outCount - 1)) }
}
