// Xen: public/grant_table.h. Grant references, v1 entries, and the
// grant_table_op commands and arguments.

/// A grant reference: an index into the granting domain's grant table.
///
/// Xen: `grant_ref_t`, public/grant_table.h.
public struct GrantRef: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }
}

/// A handle for one grant mapping, returned by `GNTTABOP_map_grant_ref`.
///
/// Xen: `grant_handle_t`, public/grant_table.h.
public struct GrantHandle: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }
}

/// A command of the `grant_table_op` hypercall.
public struct GnttabOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Map granted frames.
    ///
    /// Xen: `GNTTABOP_map_grant_ref`, public/grant_table.h.
    public static let mapGrantRef = GnttabOp(rawValue: 0)

    /// Unmap granted frames.
    ///
    /// Xen: `GNTTABOP_unmap_grant_ref`, public/grant_table.h.
    public static let unmapGrantRef = GnttabOp(rawValue: 1)

    /// Size the grant table and list its frames.
    ///
    /// Xen: `GNTTABOP_setup_table`, public/grant_table.h.
    public static let setupTable = GnttabOp(rawValue: 2)

    /// Print the table on the Xen console.
    ///
    /// Xen: `GNTTABOP_dump_table`, public/grant_table.h.
    public static let dumpTable = GnttabOp(rawValue: 3)

    /// Give a page to another domain.
    ///
    /// Xen: `GNTTABOP_transfer`, public/grant_table.h.
    public static let transfer = GnttabOp(rawValue: 4)

    /// Copy between granted and local frames.
    ///
    /// Xen: `GNTTABOP_copy`, public/grant_table.h.
    public static let copy = GnttabOp(rawValue: 5)

    /// Report the table's current and maximum frames.
    ///
    /// Xen: `GNTTABOP_query_size`, public/grant_table.h.
    public static let querySize = GnttabOp(rawValue: 6)

    /// Xen: `GNTTABOP_unmap_and_replace`, public/grant_table.h.
    public static let unmapAndReplace = GnttabOp(rawValue: 7)

    /// Choose grant entry version 1 or 2.
    ///
    /// Xen: `GNTTABOP_set_version`, public/grant_table.h.
    public static let setVersion = GnttabOp(rawValue: 8)

    /// List the v2 status frames.
    ///
    /// Xen: `GNTTABOP_get_status_frames`, public/grant_table.h.
    public static let getStatusFrames = GnttabOp(rawValue: 9)

    /// Xen: `GNTTABOP_get_version`, public/grant_table.h.
    public static let getVersion = GnttabOp(rawValue: 10)

    /// Xen: `GNTTABOP_swap_grant_ref`, public/grant_table.h.
    public static let swapGrantRef = GnttabOp(rawValue: 11)

    /// Xen: `GNTTABOP_cache_flush`, public/grant_table.h.
    public static let cacheFlush = GnttabOp(rawValue: 12)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "GNTTABOP_map_grant_ref"
        case 1: return "GNTTABOP_unmap_grant_ref"
        case 2: return "GNTTABOP_setup_table"
        case 3: return "GNTTABOP_dump_table"
        case 4: return "GNTTABOP_transfer"
        case 5: return "GNTTABOP_copy"
        case 6: return "GNTTABOP_query_size"
        case 7: return "GNTTABOP_unmap_and_replace"
        case 8: return "GNTTABOP_set_version"
        case 9: return "GNTTABOP_get_status_frames"
        case 10: return "GNTTABOP_get_version"
        case 11: return "GNTTABOP_swap_grant_ref"
        case 12: return "GNTTABOP_cache_flush"
        default: return "unknown"
        }
    }
}

/// Bits of `grant_entry_v1.flags`: a type in bits 1:0 and flags above. The
/// granting guest writes the type and flags; Xen sets `reading`/`writing`
/// while the frame is mapped.
public struct GTF: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Type: no grant.
    ///
    /// Xen: `GTF_invalid`, public/grant_table.h.
    public static let invalid: GTF = []

    /// Type: `domid` may map or copy `frame`.
    ///
    /// Xen: `GTF_permit_access`, public/grant_table.h.
    public static let permitAccess = GTF(rawValue: 1)

    /// Type: `domid` may transfer a page into this entry.
    ///
    /// Xen: `GTF_accept_transfer`, public/grant_table.h.
    public static let acceptTransfer = GTF(rawValue: 2)

    /// Type: a grant of a grant (v2 only).
    ///
    /// Xen: `GTF_transitive`, public/grant_table.h.
    public static let transitive = GTF(rawValue: 3)

    /// Mask of the type bits.
    ///
    /// Xen: `GTF_type_mask`, public/grant_table.h.
    public static let typeMask = GTF(rawValue: 3)

    /// The grantee may only read.
    ///
    /// Xen: `GTF_readonly`, public/grant_table.h.
    public static let readonly = GTF(rawValue: 1 << 2)

    /// Set by Xen: the grantee has the frame mapped or is copying from it.
    ///
    /// Xen: `GTF_reading`, public/grant_table.h.
    public static let reading = GTF(rawValue: 1 << 3)

    /// Set by Xen: the grantee has the frame mapped writable or is copying to it.
    ///
    /// Xen: `GTF_writing`, public/grant_table.h.
    public static let writing = GTF(rawValue: 1 << 4)

    /// Xen: `GTF_PWT`, public/grant_table.h.
    public static let pwt = GTF(rawValue: 1 << 5)

    /// Xen: `GTF_PCD`, public/grant_table.h.
    public static let pcd = GTF(rawValue: 1 << 6)

    /// Xen: `GTF_PAT`, public/grant_table.h.
    public static let pat = GTF(rawValue: 1 << 7)

    /// Only part of the frame is granted (v2 only).
    ///
    /// Xen: `GTF_sub_page`, public/grant_table.h.
    public static let subPage = GTF(rawValue: 1 << 8)

    /// Transfer: Xen has committed the transfer.
    ///
    /// Xen: `GTF_transfer_committed`, public/grant_table.h.
    public static let transferCommitted = GTF(rawValue: 1 << 2)

    /// Transfer: `frame` now holds the new MFN.
    ///
    /// Xen: `GTF_transfer_completed`, public/grant_table.h.
    public static let transferCompleted = GTF(rawValue: 1 << 3)

    /// The type bits of this value.
    public var type: GTF { GTF(rawValue: rawValue & GTF.typeMask.rawValue) }
}

/// Bits of `gnttab_map_grant_ref.flags`.
public struct GNTMAP: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Map for device (DMA) access.
    ///
    /// Xen: `GNTMAP_device_map`, public/grant_table.h.
    public static let deviceMap = GNTMAP(rawValue: 1 << 0)

    /// Map for CPU access at `host_addr`.
    ///
    /// Xen: `GNTMAP_host_map`, public/grant_table.h.
    public static let hostMap = GNTMAP(rawValue: 1 << 1)

    /// Map read-only.
    ///
    /// Xen: `GNTMAP_readonly`, public/grant_table.h.
    public static let readonly = GNTMAP(rawValue: 1 << 2)

    /// Make the mapping user-accessible.
    ///
    /// Xen: `GNTMAP_application_map`, public/grant_table.h.
    public static let applicationMap = GNTMAP(rawValue: 1 << 3)

    /// `host_addr` is the machine address of a PTE to write, not a virtual address.
    ///
    /// Xen: `GNTMAP_contains_pte`, public/grant_table.h.
    public static let containsPTE = GNTMAP(rawValue: 1 << 4)

    /// Bits the guest may use in the PTE (with `XENFEAT_gnttab_map_avail_bits`).
    ///
    /// Xen: `GNTMAP_guest_avail_mask`, public/grant_table.h.
    public static let guestAvailMask = GNTMAP(rawValue: 0xFFFF_0000)
}

/// The `status` a grant-table operation writes back.
public struct GNTST: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Xen: `GNTST_okay`, public/grant_table.h.
    public static let okay = GNTST(rawValue: 0)

    /// Xen: `GNTST_general_error`, public/grant_table.h.
    public static let generalError = GNTST(rawValue: -1)

    /// Xen: `GNTST_bad_domain`, public/grant_table.h.
    public static let badDomain = GNTST(rawValue: -2)

    /// Xen: `GNTST_bad_gntref`, public/grant_table.h.
    public static let badGntref = GNTST(rawValue: -3)

    /// Xen: `GNTST_bad_handle`, public/grant_table.h.
    public static let badHandle = GNTST(rawValue: -4)

    /// Xen: `GNTST_bad_virt_addr`, public/grant_table.h.
    public static let badVirtAddr = GNTST(rawValue: -5)

    /// Xen: `GNTST_bad_dev_addr`, public/grant_table.h.
    public static let badDevAddr = GNTST(rawValue: -6)

    /// Xen: `GNTST_no_device_space`, public/grant_table.h.
    public static let noDeviceSpace = GNTST(rawValue: -7)

    /// Xen: `GNTST_permission_denied`, public/grant_table.h.
    public static let permissionDenied = GNTST(rawValue: -8)

    /// Xen: `GNTST_bad_page`, public/grant_table.h.
    public static let badPage = GNTST(rawValue: -9)

    /// Xen: `GNTST_bad_copy_arg`, public/grant_table.h.
    public static let badCopyArg = GNTST(rawValue: -10)

    /// Xen: `GNTST_address_too_big`, public/grant_table.h.
    public static let addressTooBig = GNTST(rawValue: -11)

    /// Xen: `GNTST_eagain`, public/grant_table.h.
    public static let eagain = GNTST(rawValue: -12)

    /// Xen: `GNTST_no_space`, public/grant_table.h.
    public static let noSpace = GNTST(rawValue: -13)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "GNTST_okay"
        case -1: return "GNTST_general_error"
        case -2: return "GNTST_bad_domain"
        case -3: return "GNTST_bad_gntref"
        case -4: return "GNTST_bad_handle"
        case -5: return "GNTST_bad_virt_addr"
        case -6: return "GNTST_bad_dev_addr"
        case -7: return "GNTST_no_device_space"
        case -8: return "GNTST_permission_denied"
        case -9: return "GNTST_bad_page"
        case -10: return "GNTST_bad_copy_arg"
        case -11: return "GNTST_address_too_big"
        case -12: return "GNTST_eagain"
        case -13: return "GNTST_no_space"
        default: return "unknown"
        }
    }
}

/// Bits of `gnttab_copy.flags`.
public struct GNTCOPY: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The source is a grant reference.
    ///
    /// Xen: `GNTCOPY_source_gref`, public/grant_table.h.
    public static let sourceGref = GNTCOPY(rawValue: 1 << 0)

    /// The destination is a grant reference.
    ///
    /// Xen: `GNTCOPY_dest_gref`, public/grant_table.h.
    public static let destGref = GNTCOPY(rawValue: 1 << 1)
}

/// Constants of public/grant_table.h.
public enum Gnttab {
    /// Entries reserved for the toolstack.
    ///
    /// Xen: `GNTTAB_NR_RESERVED_ENTRIES`, public/grant_table.h.
    public static let nrReservedEntries: UInt32 = 8

    /// Grants the console ring to the backend.
    ///
    /// Xen: `GNTTAB_RESERVED_CONSOLE`, public/grant_table.h.
    public static let reservedConsole: GrantRef = GrantRef(rawValue: 0)

    /// Grants the xenstore ring to xenstored.
    ///
    /// Xen: `GNTTAB_RESERVED_XENSTORE`, public/grant_table.h.
    public static let reservedXenstore: GrantRef = GrantRef(rawValue: 1)
}

/// One version-1 grant table entry (in the granting guest's table).
///
/// Xen: `struct grant_entry_v1`, public/grant_table.h.
public struct GrantEntryV1: Equatable, Sendable {
    /// Xen: `flags`; `GTF`.
    public var flags: UInt16
    /// Xen: `domid`.
    public var domid: DomID
    /// Xen: `frame`; the granted frame (or, for a transfer, the received one).
    public var frame: UInt32

    /// `sizeof(struct grant_entry_v1)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `flags`.
        public static let flags = 0
        /// Xen: `domid`.
        public static let domid = 2
        /// Xen: `frame`.
        public static let frame = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        flags: UInt16 = 0,
        domid: DomID = DomID(rawValue: 0),
        frame: UInt32 = 0
    ) {
        self.flags = flags
        self.domid = domid
        self.frame = frame
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GrantEntryV1.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt16.self)
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
        self.frame = unsafe raw.loadUnaligned(fromByteOffset: Offset.frame, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GrantEntryV1.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt16.self)
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
        unsafe raw.storeBytes(of: frame, toByteOffset: Offset.frame, as: UInt32.self)
    }
}

/// One entry of `GNTTABOP_map_grant_ref`.
///
/// Xen: `struct gnttab_map_grant_ref`, public/grant_table.h.
public struct GnttabMapGrantRef: Equatable, Sendable {
    // IN
    /// Xen: `host_addr`.
    public var hostAddr: UInt64
    /// Xen: `flags`; `GNTMAP`.
    public var flags: UInt32
    /// Xen: `ref`.
    public var ref: GrantRef
    /// Xen: `dom`.
    public var dom: DomID
    // OUT
    /// Xen: `status`; a `GNTST`.
    public var status: Int16
    /// Xen: `handle`.
    public var handle: GrantHandle
    /// Xen: `dev_bus_addr`.
    public var devBusAddr: UInt64

    /// `sizeof(struct gnttab_map_grant_ref)` on x86_64.
    public static let size = 32

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `host_addr`.
        public static let hostAddr = 0
        /// Xen: `flags`.
        public static let flags = 8
        /// Xen: `ref`.
        public static let ref = 12
        /// Xen: `dom`.
        public static let dom = 16
        /// Xen: `status`.
        public static let status = 18
        /// Xen: `handle`.
        public static let handle = 20
        /// Xen: `dev_bus_addr`.
        public static let devBusAddr = 24
    }

    /// Creates the value; omitted fields are zero.
    public init(
        hostAddr: UInt64 = 0,
        flags: UInt32 = 0,
        ref: GrantRef = GrantRef(rawValue: 0),
        dom: DomID = DomID(rawValue: 0),
        status: Int16 = 0,
        handle: GrantHandle = GrantHandle(rawValue: 0),
        devBusAddr: UInt64 = 0
    ) {
        self.hostAddr = hostAddr
        self.flags = flags
        self.ref = ref
        self.dom = dom
        self.status = status
        self.handle = handle
        self.devBusAddr = devBusAddr
    }

    /// Reads the fields from `32` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabMapGrantRef.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.hostAddr = unsafe raw.loadUnaligned(fromByteOffset: Offset.hostAddr, as: UInt64.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt32.self)
        self.ref = GrantRef(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.ref, as: UInt32.self))
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
        self.handle = GrantHandle(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.handle, as: UInt32.self))
        self.devBusAddr = unsafe raw.loadUnaligned(fromByteOffset: Offset.devBusAddr, as: UInt64.self)
    }

    /// Writes the fields into `32` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabMapGrantRef.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: hostAddr, toByteOffset: Offset.hostAddr, as: UInt64.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt32.self)
        unsafe raw.storeBytes(of: ref.rawValue, toByteOffset: Offset.ref, as: UInt32.self)
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
        unsafe raw.storeBytes(of: handle.rawValue, toByteOffset: Offset.handle, as: UInt32.self)
        unsafe raw.storeBytes(of: devBusAddr, toByteOffset: Offset.devBusAddr, as: UInt64.self)
    }
}

/// One entry of `GNTTABOP_unmap_grant_ref`.
///
/// Xen: `struct gnttab_unmap_grant_ref`, public/grant_table.h.
public struct GnttabUnmapGrantRef: Equatable, Sendable {
    // IN
    /// Xen: `host_addr`.
    public var hostAddr: UInt64
    /// Xen: `dev_bus_addr`.
    public var devBusAddr: UInt64
    /// Xen: `handle`.
    public var handle: GrantHandle
    // OUT
    /// Xen: `status`.
    public var status: Int16

    /// `sizeof(struct gnttab_unmap_grant_ref)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `host_addr`.
        public static let hostAddr = 0
        /// Xen: `dev_bus_addr`.
        public static let devBusAddr = 8
        /// Xen: `handle`.
        public static let handle = 16
        /// Xen: `status`.
        public static let status = 20
    }

    /// Creates the value; omitted fields are zero.
    public init(
        hostAddr: UInt64 = 0,
        devBusAddr: UInt64 = 0,
        handle: GrantHandle = GrantHandle(rawValue: 0),
        status: Int16 = 0
    ) {
        self.hostAddr = hostAddr
        self.devBusAddr = devBusAddr
        self.handle = handle
        self.status = status
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabUnmapGrantRef.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.hostAddr = unsafe raw.loadUnaligned(fromByteOffset: Offset.hostAddr, as: UInt64.self)
        self.devBusAddr = unsafe raw.loadUnaligned(fromByteOffset: Offset.devBusAddr, as: UInt64.self)
        self.handle = GrantHandle(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.handle, as: UInt32.self))
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabUnmapGrantRef.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: hostAddr, toByteOffset: Offset.hostAddr, as: UInt64.self)
        unsafe raw.storeBytes(of: devBusAddr, toByteOffset: Offset.devBusAddr, as: UInt64.self)
        unsafe raw.storeBytes(of: handle.rawValue, toByteOffset: Offset.handle, as: UInt32.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
    }
}

/// Argument of `GNTTABOP_setup_table`.
///
/// Xen: `struct gnttab_setup_table`, public/grant_table.h.
public struct GnttabSetupTable: Equatable, Sendable {
    // IN
    /// Xen: `dom`.
    public var dom: DomID
    /// Xen: `nr_frames`.
    public var nrFrames: UInt32
    // OUT
    /// Xen: `status`.
    public var status: Int16
    /// Xen: `frame_list`; guest address of an array of `nr_frames` `xen_pfn_t`.
    public var frameList: UInt64

    /// `sizeof(struct gnttab_setup_table)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `dom`.
        public static let dom = 0
        /// Xen: `nr_frames`.
        public static let nrFrames = 4
        /// Xen: `status`.
        public static let status = 8
        /// Xen: `frame_list`.
        public static let frameList = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        dom: DomID = DomID(rawValue: 0),
        nrFrames: UInt32 = 0,
        status: Int16 = 0,
        frameList: UInt64 = 0
    ) {
        self.dom = dom
        self.nrFrames = nrFrames
        self.status = status
        self.frameList = frameList
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabSetupTable.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.nrFrames = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrFrames, as: UInt32.self)
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
        self.frameList = unsafe raw.loadUnaligned(fromByteOffset: Offset.frameList, as: UInt64.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabSetupTable.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: nrFrames, toByteOffset: Offset.nrFrames, as: UInt32.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
        unsafe raw.storeBytes(of: frameList, toByteOffset: Offset.frameList, as: UInt64.self)
    }
}

/// Argument of `GNTTABOP_dump_table`.
///
/// Xen: `struct gnttab_dump_table`, public/grant_table.h.
public struct GnttabDumpTable: Equatable, Sendable {
    // IN
    /// Xen: `dom`.
    public var dom: DomID
    // OUT
    /// Xen: `status`.
    public var status: Int16

    /// `sizeof(struct gnttab_dump_table)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `dom`.
        public static let dom = 0
        /// Xen: `status`.
        public static let status = 2
    }

    /// Creates the value; omitted fields are zero.
    public init(
        dom: DomID = DomID(rawValue: 0),
        status: Int16 = 0
    ) {
        self.dom = dom
        self.status = status
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabDumpTable.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabDumpTable.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
    }
}

/// One entry of `GNTTABOP_transfer`.
///
/// Xen: `struct gnttab_transfer`, public/grant_table.h.
public struct GnttabTransfer: Equatable, Sendable {
    // IN
    /// Xen: `mfn`.
    public var mfn: UInt64
    /// Xen: `domid`.
    public var domid: DomID
    /// Xen: `ref`.
    public var ref: GrantRef
    // OUT
    /// Xen: `status`.
    public var status: Int16

    /// `sizeof(struct gnttab_transfer)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `mfn`.
        public static let mfn = 0
        /// Xen: `domid`.
        public static let domid = 8
        /// Xen: `ref`.
        public static let ref = 12
        /// Xen: `status`.
        public static let status = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        mfn: UInt64 = 0,
        domid: DomID = DomID(rawValue: 0),
        ref: GrantRef = GrantRef(rawValue: 0),
        status: Int16 = 0
    ) {
        self.mfn = mfn
        self.domid = domid
        self.ref = ref
        self.status = status
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabTransfer.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.mfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.mfn, as: UInt64.self)
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
        self.ref = GrantRef(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.ref, as: UInt32.self))
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabTransfer.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: mfn, toByteOffset: Offset.mfn, as: UInt64.self)
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
        unsafe raw.storeBytes(of: ref.rawValue, toByteOffset: Offset.ref, as: UInt32.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
    }
}

/// Argument of `GNTTABOP_query_size`.
///
/// Xen: `struct gnttab_query_size`, public/grant_table.h.
public struct GnttabQuerySize: Equatable, Sendable {
    // IN
    /// Xen: `dom`.
    public var dom: DomID
    // OUT
    /// Xen: `nr_frames`.
    public var nrFrames: UInt32
    /// Xen: `max_nr_frames`.
    public var maxNrFrames: UInt32
    /// Xen: `status`.
    public var status: Int16

    /// `sizeof(struct gnttab_query_size)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `dom`.
        public static let dom = 0
        /// Xen: `nr_frames`.
        public static let nrFrames = 4
        /// Xen: `max_nr_frames`.
        public static let maxNrFrames = 8
        /// Xen: `status`.
        public static let status = 12
    }

    /// Creates the value; omitted fields are zero.
    public init(
        dom: DomID = DomID(rawValue: 0),
        nrFrames: UInt32 = 0,
        maxNrFrames: UInt32 = 0,
        status: Int16 = 0
    ) {
        self.dom = dom
        self.nrFrames = nrFrames
        self.maxNrFrames = maxNrFrames
        self.status = status
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabQuerySize.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.nrFrames = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrFrames, as: UInt32.self)
        self.maxNrFrames = unsafe raw.loadUnaligned(fromByteOffset: Offset.maxNrFrames, as: UInt32.self)
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabQuerySize.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: nrFrames, toByteOffset: Offset.nrFrames, as: UInt32.self)
        unsafe raw.storeBytes(of: maxNrFrames, toByteOffset: Offset.maxNrFrames, as: UInt32.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
    }
}

/// Argument of `GNTTABOP_set_version`.
///
/// Xen: `struct gnttab_set_version`, public/grant_table.h.
public struct GnttabSetVersion: Equatable, Sendable {
    // IN/OUT
    /// Xen: `version`.
    public var version: UInt32

    /// `sizeof(struct gnttab_set_version)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `version`.
        public static let version = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        version: UInt32 = 0
    ) {
        self.version = version
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabSetVersion.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.version = unsafe raw.loadUnaligned(fromByteOffset: Offset.version, as: UInt32.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabSetVersion.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: version, toByteOffset: Offset.version, as: UInt32.self)
    }
}

/// Argument of `GNTTABOP_get_version`.
///
/// Xen: `struct gnttab_get_version`, public/grant_table.h.
public struct GnttabGetVersion: Equatable, Sendable {
    // IN
    /// Xen: `dom`.
    public var dom: DomID
    /// Xen: `pad`.
    public var pad: UInt16
    // OUT
    /// Xen: `version`.
    public var version: UInt32

    /// `sizeof(struct gnttab_get_version)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `dom`.
        public static let dom = 0
        /// Xen: `pad`.
        public static let pad = 2
        /// Xen: `version`.
        public static let version = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        dom: DomID = DomID(rawValue: 0),
        pad: UInt16 = 0,
        version: UInt32 = 0
    ) {
        self.dom = dom
        self.pad = pad
        self.version = version
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabGetVersion.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.pad = unsafe raw.loadUnaligned(fromByteOffset: Offset.pad, as: UInt16.self)
        self.version = unsafe raw.loadUnaligned(fromByteOffset: Offset.version, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabGetVersion.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: pad, toByteOffset: Offset.pad, as: UInt16.self)
        unsafe raw.storeBytes(of: version, toByteOffset: Offset.version, as: UInt32.self)
    }
}

/// Argument of `GNTTABOP_get_status_frames`.
///
/// Xen: `struct gnttab_get_status_frames`, public/grant_table.h.
public struct GnttabGetStatusFrames: Equatable, Sendable {
    // IN
    /// Xen: `nr_frames`.
    public var nrFrames: UInt32
    /// Xen: `dom`.
    public var dom: DomID
    // OUT
    /// Xen: `status`.
    public var status: Int16
    /// Xen: `frame_list`.
    public var frameList: UInt64

    /// `sizeof(struct gnttab_get_status_frames)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `nr_frames`.
        public static let nrFrames = 0
        /// Xen: `dom`.
        public static let dom = 4
        /// Xen: `status`.
        public static let status = 6
        /// Xen: `frame_list`.
        public static let frameList = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        nrFrames: UInt32 = 0,
        dom: DomID = DomID(rawValue: 0),
        status: Int16 = 0,
        frameList: UInt64 = 0
    ) {
        self.nrFrames = nrFrames
        self.dom = dom
        self.status = status
        self.frameList = frameList
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabGetStatusFrames.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.nrFrames = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrFrames, as: UInt32.self)
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
        self.frameList = unsafe raw.loadUnaligned(fromByteOffset: Offset.frameList, as: UInt64.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabGetStatusFrames.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: nrFrames, toByteOffset: Offset.nrFrames, as: UInt32.self)
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
        unsafe raw.storeBytes(of: frameList, toByteOffset: Offset.frameList, as: UInt64.self)
    }
}

/// One end of a `gnttab_copy`.
///
/// Xen: `struct gnttab_copy_ptr`, public/grant_table.h.
public struct GnttabCopyPtr: Equatable, Sendable {
    /// Xen: `u`; `u.ref` (a `GrantRef`, with `GNTCOPY_*_gref`) or `u.gmfn`.
    public var u: UInt64
    /// Xen: `domid`.
    public var domid: DomID
    /// Xen: `offset`.
    public var offset: UInt16

    /// `sizeof(struct gnttab_copy_ptr)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `u`.
        public static let u = 0
        public static let ref = 0
        public static let gmfn = 0
        /// Xen: `domid`.
        public static let domid = 8
        /// Xen: `offset`.
        public static let offset = 10
    }

    /// Creates the value; omitted fields are zero.
    public init(
        u: UInt64 = 0,
        domid: DomID = DomID(rawValue: 0),
        offset: UInt16 = 0
    ) {
        self.u = u
        self.domid = domid
        self.offset = offset
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabCopyPtr.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.u = unsafe raw.loadUnaligned(fromByteOffset: Offset.u, as: UInt64.self)
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
        self.offset = unsafe raw.loadUnaligned(fromByteOffset: Offset.offset, as: UInt16.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabCopyPtr.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: u, toByteOffset: Offset.u, as: UInt64.self)
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
        unsafe raw.storeBytes(of: offset, toByteOffset: Offset.offset, as: UInt16.self)
    }

    /// Xen: `u.ref`.
    public var ref: GrantRef {
        get { GrantRef(rawValue: UInt32(truncatingIfNeeded: u)) }
        set { u = UInt64(newValue.rawValue) }
    }
}

/// One entry of `GNTTABOP_copy`.
///
/// Xen: `struct gnttab_copy`, public/grant_table.h.
public struct GnttabCopy: Equatable, Sendable {
    // IN
    /// Xen: `source`.
    public var source: GnttabCopyPtr
    /// Xen: `dest`.
    public var dest: GnttabCopyPtr
    /// Xen: `len`.
    public var len: UInt16
    /// Xen: `flags`; `GNTCOPY`.
    public var flags: UInt16
    // OUT
    /// Xen: `status`.
    public var status: Int16

    /// `sizeof(struct gnttab_copy)` on x86_64.
    public static let size = 40

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `source`.
        public static let source = 0
        /// Xen: `dest`.
        public static let dest = 16
        /// Xen: `len`.
        public static let len = 32
        /// Xen: `flags`.
        public static let flags = 34
        /// Xen: `status`.
        public static let status = 36
    }

    /// Creates the value; omitted fields are zero.
    public init(
        source: GnttabCopyPtr = GnttabCopyPtr(),
        dest: GnttabCopyPtr = GnttabCopyPtr(),
        len: UInt16 = 0,
        flags: UInt16 = 0,
        status: Int16 = 0
    ) {
        self.source = source
        self.dest = dest
        self.len = len
        self.flags = flags
        self.status = status
    }

    /// Reads the fields from `40` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `GnttabCopy.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.source = unsafe GnttabCopyPtr(loadingFrom: raw + Offset.source)
        self.dest = unsafe GnttabCopyPtr(loadingFrom: raw + Offset.dest)
        self.len = unsafe raw.loadUnaligned(fromByteOffset: Offset.len, as: UInt16.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt16.self)
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: Int16.self)
    }

    /// Writes the fields into `40` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `GnttabCopy.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe source.store(to: raw + Offset.source)
        unsafe dest.store(to: raw + Offset.dest)
        unsafe raw.storeBytes(of: len, toByteOffset: Offset.len, as: UInt16.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt16.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: Int16.self)
    }
}
