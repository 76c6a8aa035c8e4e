// Xen: public/version.h. xen_version commands and results.

/// A command of the `xen_version` hypercall.
public struct XenVersionCmd: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Return `major << 16 | minor`.
    ///
    /// Xen: `XENVER_version`, public/version.h.
    public static let version = XenVersionCmd(rawValue: 0)

    /// Copy out the 16-byte extra version string.
    ///
    /// Xen: `XENVER_extraversion`, public/version.h.
    public static let extraversion = XenVersionCmd(rawValue: 1)

    /// Copy out a `xen_compile_info`.
    ///
    /// Xen: `XENVER_compile_info`, public/version.h.
    public static let compileInfo = XenVersionCmd(rawValue: 2)

    /// Copy out the 1024-byte capabilities string (e.g. "xen-3.0-x86_64").
    ///
    /// Xen: `XENVER_capabilities`, public/version.h.
    public static let capabilities = XenVersionCmd(rawValue: 3)

    /// Copy out the 64-byte changeset string.
    ///
    /// Xen: `XENVER_changeset`, public/version.h.
    public static let changeset = XenVersionCmd(rawValue: 4)

    /// Copy out a `xen_platform_parameters`.
    ///
    /// Xen: `XENVER_platform_parameters`, public/version.h.
    public static let platformParameters = XenVersionCmd(rawValue: 5)

    /// Fill in a `xen_feature_info`.
    ///
    /// Xen: `XENVER_get_features`, public/version.h.
    public static let getFeatures = XenVersionCmd(rawValue: 6)

    /// Return the page size.
    ///
    /// Xen: `XENVER_pagesize`, public/version.h.
    public static let pagesize = XenVersionCmd(rawValue: 7)

    /// Copy out the 16-byte domain handle.
    ///
    /// Xen: `XENVER_guest_handle`, public/version.h.
    public static let guestHandle = XenVersionCmd(rawValue: 8)

    /// Copy out the 1024-byte Xen command line.
    ///
    /// Xen: `XENVER_commandline`, public/version.h.
    public static let commandline = XenVersionCmd(rawValue: 9)

    /// Fill in a `xen_build_id`.
    ///
    /// Xen: `XENVER_build_id`, public/version.h.
    public static let buildID = XenVersionCmd(rawValue: 10)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "XENVER_version"
        case 1: return "XENVER_extraversion"
        case 2: return "XENVER_compile_info"
        case 3: return "XENVER_capabilities"
        case 4: return "XENVER_changeset"
        case 5: return "XENVER_platform_parameters"
        case 6: return "XENVER_get_features"
        case 7: return "XENVER_pagesize"
        case 8: return "XENVER_guest_handle"
        case 9: return "XENVER_commandline"
        case 10: return "XENVER_build_id"
        default: return "unknown"
        }
    }
}

/// Sizes of the string results of `xen_version`.
public enum XenVersion {
    /// Size of `xen_extraversion_t`.
    ///
    /// Xen: `XEN_EXTRAVERSION_LEN`, public/version.h.
    public static let extraversionLen: Int = 16

    /// Size of `xen_capabilities_info_t`.
    ///
    /// Xen: `XEN_CAPABILITIES_INFO_LEN`, public/version.h.
    public static let capabilitiesInfoLen: Int = 1024

    /// Size of `xen_changeset_info_t`.
    ///
    /// Xen: `XEN_CHANGESET_INFO_LEN`, public/version.h.
    public static let changesetInfoLen: Int = 64

    /// Size of `xen_commandline_t`.
    ///
    /// Xen: `sizeof(xen_commandline_t)`, public/version.h.
    public static let commandlineLen: Int = 1024

    /// Size of `xen_domain_handle_t` (public/xen.h).
    ///
    /// Xen: `sizeof(xen_domain_handle_t)`, public/version.h.
    public static let domainHandleLen: Int = 16
}

/// Result of `XENVER_compile_info`: four NUL-padded strings (offsets only).
///
/// Xen: `struct xen_compile_info`, public/version.h.
public enum XenCompileInfo {
    /// `sizeof(struct xen_compile_info)` on x86_64.
    public static let size = 144

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `compiler`.
        public static let compiler = 0
        /// Xen: `compile_by`.
        public static let compileBy = 64
        /// Xen: `compile_domain`.
        public static let compileDomain = 80
        /// Xen: `compile_date`.
        public static let compileDate = 112
    }

    /// Number of elements in `compiler`.
    public static let compilerCount = 64

    /// Byte offset of element `index` of `compiler` (1 bytes each).
    public static func compilerOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < compilerCount, "XenCompileInfo.compiler index out of range")
        return Offset.compiler + index * 1
    }

    /// Number of elements in `compile_by`.
    public static let compileByCount = 16

    /// Byte offset of element `index` of `compile_by` (1 bytes each).
    public static func compileByOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < compileByCount, "XenCompileInfo.compile_by index out of range")
        return Offset.compileBy + index * 1
    }

    /// Number of elements in `compile_domain`.
    public static let compileDomainCount = 32

    /// Byte offset of element `index` of `compile_domain` (1 bytes each).
    public static func compileDomainOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < compileDomainCount, "XenCompileInfo.compile_domain index out of range")
        return Offset.compileDomain + index * 1
    }

    /// Number of elements in `compile_date`.
    public static let compileDateCount = 32

    /// Byte offset of element `index` of `compile_date` (1 bytes each).
    public static func compileDateOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < compileDateCount, "XenCompileInfo.compile_date index out of range")
        return Offset.compileDate + index * 1
    }
}

/// Result of `XENVER_platform_parameters`.
///
/// Xen: `struct xen_platform_parameters`, public/version.h.
public struct XenPlatformParameters: Equatable, Sendable {
    /// Xen: `virt_start`; start of the hypervisor hole.
    public var virtStart: UInt64

    /// `sizeof(struct xen_platform_parameters)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `virt_start`.
        public static let virtStart = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        virtStart: UInt64 = 0
    ) {
        self.virtStart = virtStart
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenPlatformParameters.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.virtStart = unsafe raw.loadUnaligned(fromByteOffset: Offset.virtStart, as: UInt64.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenPlatformParameters.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: virtStart, toByteOffset: Offset.virtStart, as: UInt64.self)
    }
}

/// Argument of `XENVER_get_features`.
///
/// Xen: `struct xen_feature_info`, public/version.h.
public struct XenFeatureInfo: Equatable, Sendable {
    // IN
    /// Xen: `submap_idx`; which 32 features.
    public var submapIdx: UInt32
    // OUT
    /// Xen: `submap`; bit `n` is feature `32 * submapIdx + n`.
    public var submap: UInt32

    /// `sizeof(struct xen_feature_info)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `submap_idx`.
        public static let submapIdx = 0
        /// Xen: `submap`.
        public static let submap = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        submapIdx: UInt32 = 0,
        submap: UInt32 = 0
    ) {
        self.submapIdx = submapIdx
        self.submap = submap
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenFeatureInfo.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.submapIdx = unsafe raw.loadUnaligned(fromByteOffset: Offset.submapIdx, as: UInt32.self)
        self.submap = unsafe raw.loadUnaligned(fromByteOffset: Offset.submap, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenFeatureInfo.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: submapIdx, toByteOffset: Offset.submapIdx, as: UInt32.self)
        unsafe raw.storeBytes(of: submap, toByteOffset: Offset.submap, as: UInt32.self)
    }
}

/// Argument of `XENVER_build_id`; the buffer follows `len`.
///
/// Xen: `struct xen_build_id`, public/version.h.
public struct XenBuildID: Equatable, Sendable {
    /// Xen: `len`; IN: size of `buf`, OUT: bytes written.
    public var len: UInt32

    /// `sizeof(struct xen_build_id)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `len`.
        public static let len = 0
        /// Xen: `buf`; the build id bytes.
        public static let buf = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        len: UInt32 = 0
    ) {
        self.len = len
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenBuildID.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.len = unsafe raw.loadUnaligned(fromByteOffset: Offset.len, as: UInt32.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenBuildID.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: len, toByteOffset: Offset.len, as: UInt32.self)
    }
}
