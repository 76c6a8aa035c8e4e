// Xen: public/memory.h. memory_op commands and arguments, plus the E820
// entry layout the memory map uses.

/// A command of the `memory_op` hypercall. The guest passes it in the low
/// bits of the first argument; bits from `MemoryOp.cmdBits` up carry a
/// continuation start extent.
public struct MemoryOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Add extents to a domain.
    ///
    /// Xen: `XENMEM_increase_reservation`, public/memory.h.
    public static let increaseReservation = MemoryOp(rawValue: 0)

    /// Give extents back.
    ///
    /// Xen: `XENMEM_decrease_reservation`, public/memory.h.
    public static let decreaseReservation = MemoryOp(rawValue: 1)

    /// Return the highest machine frame with RAM.
    ///
    /// Xen: `XENMEM_maximum_ram_page`, public/memory.h.
    public static let maximumRamPage = MemoryOp(rawValue: 2)

    /// Return the pages a domain has.
    ///
    /// Xen: `XENMEM_current_reservation`, public/memory.h.
    public static let currentReservation = MemoryOp(rawValue: 3)

    /// Return the pages a domain may have.
    ///
    /// Xen: `XENMEM_maximum_reservation`, public/memory.h.
    public static let maximumReservation = MemoryOp(rawValue: 4)

    /// List the MFNs backing the M2P table.
    ///
    /// Xen: `XENMEM_machphys_mfn_list`, public/memory.h.
    public static let machphysMfnList = MemoryOp(rawValue: 5)

    /// Back guest PFNs with new memory.
    ///
    /// Xen: `XENMEM_populate_physmap`, public/memory.h.
    public static let populatePhysmap = MemoryOp(rawValue: 6)

    /// Map a special page (shared info, grant frames) at a PFN.
    ///
    /// Xen: `XENMEM_add_to_physmap`, public/memory.h.
    public static let addToPhysmap = MemoryOp(rawValue: 7)

    /// Return the domain's E820 map.
    ///
    /// Xen: `XENMEM_memory_map`, public/memory.h.
    public static let memoryMap = MemoryOp(rawValue: 9)

    /// Return the host E820 map (dom0).
    ///
    /// Xen: `XENMEM_machine_memory_map`, public/memory.h.
    public static let machineMemoryMap = MemoryOp(rawValue: 10)

    /// Swap extents for others with different properties.
    ///
    /// Xen: `XENMEM_exchange`, public/memory.h.
    public static let exchange = MemoryOp(rawValue: 11)

    /// Return where the M2P table is mapped.
    ///
    /// Xen: `XENMEM_machphys_mapping`, public/memory.h.
    public static let machphysMapping = MemoryOp(rawValue: 12)

    /// Set a domain's E820 map (tools).
    ///
    /// Xen: `XENMEM_set_memory_map`, public/memory.h.
    public static let setMemoryMap = MemoryOp(rawValue: 13)

    /// Return the highest PFN in use.
    ///
    /// Xen: `XENMEM_maximum_gpfn`, public/memory.h.
    public static let maximumGpfn = MemoryOp(rawValue: 14)

    /// Unmap a PFN.
    ///
    /// Xen: `XENMEM_remove_from_physmap`, public/memory.h.
    public static let removeFromPhysmap = MemoryOp(rawValue: 15)

    /// Xen: `XENMEM_set_pod_target`, public/memory.h.
    public static let setPodTarget = MemoryOp(rawValue: 16)

    /// Xen: `XENMEM_get_pod_target`, public/memory.h.
    public static let getPodTarget = MemoryOp(rawValue: 17)

    /// Xen: `XENMEM_get_sharing_freed_pages`, public/memory.h.
    public static let getSharingFreedPages = MemoryOp(rawValue: 18)

    /// Xen: `XENMEM_get_sharing_shared_pages`, public/memory.h.
    public static let getSharingSharedPages = MemoryOp(rawValue: 19)

    /// Xen: `XENMEM_paging_op`, public/memory.h.
    public static let pagingOp = MemoryOp(rawValue: 20)

    /// Xen: `XENMEM_access_op`, public/memory.h.
    public static let accessOp = MemoryOp(rawValue: 21)

    /// Xen: `XENMEM_sharing_op`, public/memory.h.
    public static let sharingOp = MemoryOp(rawValue: 22)

    /// Xen: `XENMEM_add_to_physmap_batch`, public/memory.h.
    public static let addToPhysmapBatch = MemoryOp(rawValue: 23)

    /// Xen: `XENMEM_claim_pages`, public/memory.h.
    public static let claimPages = MemoryOp(rawValue: 24)

    /// As `machphysMfnList`, for the compat M2P.
    ///
    /// Xen: `XENMEM_machphys_compat_mfn_list`, public/memory.h.
    public static let machphysCompatMfnList = MemoryOp(rawValue: 25)

    /// Xen: `XENMEM_get_vnumainfo`, public/memory.h.
    public static let getVnumainfo = MemoryOp(rawValue: 26)

    /// Xen: `XENMEM_reserved_device_memory_map`, public/memory.h.
    public static let reservedDeviceMemoryMap = MemoryOp(rawValue: 27)

    /// Xen: `XENMEM_acquire_resource`, public/memory.h.
    public static let acquireResource = MemoryOp(rawValue: 28)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "XENMEM_increase_reservation"
        case 1: return "XENMEM_decrease_reservation"
        case 2: return "XENMEM_maximum_ram_page"
        case 3: return "XENMEM_current_reservation"
        case 4: return "XENMEM_maximum_reservation"
        case 5: return "XENMEM_machphys_mfn_list"
        case 6: return "XENMEM_populate_physmap"
        case 7: return "XENMEM_add_to_physmap"
        case 9: return "XENMEM_memory_map"
        case 10: return "XENMEM_machine_memory_map"
        case 11: return "XENMEM_exchange"
        case 12: return "XENMEM_machphys_mapping"
        case 13: return "XENMEM_set_memory_map"
        case 14: return "XENMEM_maximum_gpfn"
        case 15: return "XENMEM_remove_from_physmap"
        case 16: return "XENMEM_set_pod_target"
        case 17: return "XENMEM_get_pod_target"
        case 18: return "XENMEM_get_sharing_freed_pages"
        case 19: return "XENMEM_get_sharing_shared_pages"
        case 20: return "XENMEM_paging_op"
        case 21: return "XENMEM_access_op"
        case 22: return "XENMEM_sharing_op"
        case 23: return "XENMEM_add_to_physmap_batch"
        case 24: return "XENMEM_claim_pages"
        case 25: return "XENMEM_machphys_compat_mfn_list"
        case 26: return "XENMEM_get_vnumainfo"
        case 27: return "XENMEM_reserved_device_memory_map"
        case 28: return "XENMEM_acquire_resource"
        default: return "unknown"
        }
    }

    /// Number of low bits of the first argument that hold the command.
    ///
    /// Xen: `MEMOP_EXTENT_SHIFT`, xen/include/xen/hypercall.h.
    public static let cmdBits: UInt64 = 6

    /// The command in the low `cmdBits` bits of a `memory_op` first argument.
    public static func fromArgument(_ arg: UInt64) -> MemoryOp {
        MemoryOp(rawValue: arg & ((1 << cmdBits) - 1))
    }
}

/// The `space` of `xen_add_to_physmap`.
public struct XenMapSpace: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The shared-info page.
    ///
    /// Xen: `XENMAPSPACE_shared_info`, public/memory.h.
    public static let sharedInfo = XenMapSpace(rawValue: 0)

    /// A grant-table frame (`idx`; `XENMAPIDX_grant_table_status` for status frames).
    ///
    /// Xen: `XENMAPSPACE_grant_table`, public/memory.h.
    public static let grantTable = XenMapSpace(rawValue: 1)

    /// Another PFN of the same domain.
    ///
    /// Xen: `XENMAPSPACE_gmfn`, public/memory.h.
    public static let gmfn = XenMapSpace(rawValue: 2)

    /// A range of PFNs.
    ///
    /// Xen: `XENMAPSPACE_gmfn_range`, public/memory.h.
    public static let gmfnRange = XenMapSpace(rawValue: 3)

    /// A PFN of another domain.
    ///
    /// Xen: `XENMAPSPACE_gmfn_foreign`, public/memory.h.
    public static let gmfnForeign = XenMapSpace(rawValue: 4)

    /// Device MMIO (Arm only).
    ///
    /// Xen: `XENMAPSPACE_dev_mmio`, public/memory.h.
    public static let devMMIO = XenMapSpace(rawValue: 5)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "XENMAPSPACE_shared_info"
        case 1: return "XENMAPSPACE_grant_table"
        case 2: return "XENMAPSPACE_gmfn"
        case 3: return "XENMAPSPACE_gmfn_range"
        case 4: return "XENMAPSPACE_gmfn_foreign"
        case 5: return "XENMAPSPACE_dev_mmio"
        default: return "unknown"
        }
    }
}

/// Constants of public/memory.h.
public enum XenMem {
    /// Set in `xen_add_to_physmap.idx` to map a grant status frame.
    ///
    /// Xen: `XENMAPIDX_grant_table_status`, public/memory.h.
    public static let mapidxGrantTableStatus: UInt64 = 0x8000_0000

    /// Xen: `XENMEMF_populate_on_demand`, public/memory.h.
    public static let memfPopulateOnDemand: UInt32 = 1 << 16

    /// Xen: `XENMEMF_exact_node_request`, public/memory.h.
    public static let memfExactNodeRequest: UInt32 = 1 << 17

    /// Xen: `XENMEMF_vnode`, public/memory.h.
    public static let memfVnode: UInt32 = 1 << 18

    /// The address-width limit in `mem_flags` (0: none).
    ///
    /// Xen: `XENMEMF_get_address_bits`, public/memory.h.
    public static func memfGetAddressBits(_ memFlags: UInt32) -> UInt32 { memFlags & 0xff }

    /// The NUMA node in `mem_flags`, or 0xff for none.
    ///
    /// Xen: `XENMEMF_get_node`, public/memory.h.
    public static func memfGetNode(_ memFlags: UInt32) -> UInt32 { ((memFlags >> 8) &- 1) & 0xff }
}

/// Argument of `XENMEM_increase_reservation`, `XENMEM_decrease_reservation`
/// and `XENMEM_populate_physmap`.
///
/// Xen: `struct xen_memory_reservation`, public/memory.h.
public struct XenMemoryReservation: Equatable, Sendable {
    /// Xen: `extent_start`; guest address of an array of `xen_pfn_t` (IN and/or OUT).
    public var extentStart: UInt64
    /// Xen: `nr_extents`.
    public var nrExtents: UInt64
    /// Xen: `extent_order`; each extent is `1 << extentOrder` pages.
    public var extentOrder: UInt32
    /// Xen: `mem_flags`; `XENMEMF_*`.
    public var memFlags: UInt32
    /// Xen: `domid`.
    public var domid: DomID

    /// `sizeof(struct xen_memory_reservation)` on x86_64.
    public static let size = 32

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `extent_start`.
        public static let extentStart = 0
        /// Xen: `nr_extents`.
        public static let nrExtents = 8
        /// Xen: `extent_order`.
        public static let extentOrder = 16
        /// Xen: `mem_flags`.
        public static let memFlags = 20
        /// Xen: `domid`.
        public static let domid = 24
    }

    /// Creates the value; omitted fields are zero.
    public init(
        extentStart: UInt64 = 0,
        nrExtents: UInt64 = 0,
        extentOrder: UInt32 = 0,
        memFlags: UInt32 = 0,
        domid: DomID = DomID(rawValue: 0)
    ) {
        self.extentStart = extentStart
        self.nrExtents = nrExtents
        self.extentOrder = extentOrder
        self.memFlags = memFlags
        self.domid = domid
    }

    /// Reads the fields from `32` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryReservation.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.extentStart = unsafe raw.loadUnaligned(fromByteOffset: Offset.extentStart, as: UInt64.self)
        self.nrExtents = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrExtents, as: UInt64.self)
        self.extentOrder = unsafe raw.loadUnaligned(fromByteOffset: Offset.extentOrder, as: UInt32.self)
        self.memFlags = unsafe raw.loadUnaligned(fromByteOffset: Offset.memFlags, as: UInt32.self)
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
    }

    /// Writes the fields into `32` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryReservation.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: extentStart, toByteOffset: Offset.extentStart, as: UInt64.self)
        unsafe raw.storeBytes(of: nrExtents, toByteOffset: Offset.nrExtents, as: UInt64.self)
        unsafe raw.storeBytes(of: extentOrder, toByteOffset: Offset.extentOrder, as: UInt32.self)
        unsafe raw.storeBytes(of: memFlags, toByteOffset: Offset.memFlags, as: UInt32.self)
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
    }
}

/// Argument of `XENMEM_exchange`.
///
/// Xen: `struct xen_memory_exchange`, public/memory.h.
public struct XenMemoryExchange: Equatable, Sendable {
    /// Xen: `in`; the extents to give up.
    public var in_: XenMemoryReservation
    /// Xen: `out`; the extents wanted.
    public var out: XenMemoryReservation
    /// Xen: `nr_exchanged`; input extents done so far (IN/OUT).
    public var nrExchanged: UInt64

    /// `sizeof(struct xen_memory_exchange)` on x86_64.
    public static let size = 72

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `in`.
        public static let in_ = 0
        /// Xen: `out`.
        public static let out = 32
        /// Xen: `nr_exchanged`.
        public static let nrExchanged = 64
    }

    /// Creates the value; omitted fields are zero.
    public init(
        in_: XenMemoryReservation = XenMemoryReservation(),
        out: XenMemoryReservation = XenMemoryReservation(),
        nrExchanged: UInt64 = 0
    ) {
        self.in_ = in_
        self.out = out
        self.nrExchanged = nrExchanged
    }

    /// Reads the fields from `72` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryExchange.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.in_ = unsafe XenMemoryReservation(loadingFrom: raw + Offset.in_)
        self.out = unsafe XenMemoryReservation(loadingFrom: raw + Offset.out)
        self.nrExchanged = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrExchanged, as: UInt64.self)
    }

    /// Writes the fields into `72` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryExchange.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe in_.store(to: raw + Offset.in_)
        unsafe out.store(to: raw + Offset.out)
        unsafe raw.storeBytes(of: nrExchanged, toByteOffset: Offset.nrExchanged, as: UInt64.self)
    }
}

/// Argument of `XENMEM_current_reservation` and similar queries.
///
/// Xen: `struct xen_memory_domain`, public/memory.h.
public struct XenMemoryDomain: Equatable, Sendable {
    /// Xen: `domid`.
    public var domid: DomID

    /// `sizeof(struct xen_memory_domain)` on x86_64.
    public static let size = 2

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `domid`.
        public static let domid = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        domid: DomID = DomID(rawValue: 0)
    ) {
        self.domid = domid
    }

    /// Reads the fields from `2` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryDomain.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
    }

    /// Writes the fields into `2` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryDomain.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
    }
}

/// Argument of `XENMEM_machphys_mfn_list`.
///
/// Xen: `struct xen_machphys_mfn_list`, public/memory.h.
public struct XenMachphysMfnList: Equatable, Sendable {
    // IN
    /// Xen: `max_extents`.
    public var maxExtents: UInt32
    // OUT
    /// Xen: `extent_start`; guest address of an array of `xen_pfn_t`.
    public var extentStart: UInt64
    /// Xen: `nr_extents`.
    public var nrExtents: UInt32

    /// `sizeof(struct xen_machphys_mfn_list)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `max_extents`.
        public static let maxExtents = 0
        /// Xen: `extent_start`.
        public static let extentStart = 8
        /// Xen: `nr_extents`.
        public static let nrExtents = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        maxExtents: UInt32 = 0,
        extentStart: UInt64 = 0,
        nrExtents: UInt32 = 0
    ) {
        self.maxExtents = maxExtents
        self.extentStart = extentStart
        self.nrExtents = nrExtents
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenMachphysMfnList.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.maxExtents = unsafe raw.loadUnaligned(fromByteOffset: Offset.maxExtents, as: UInt32.self)
        self.extentStart = unsafe raw.loadUnaligned(fromByteOffset: Offset.extentStart, as: UInt64.self)
        self.nrExtents = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrExtents, as: UInt32.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenMachphysMfnList.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: maxExtents, toByteOffset: Offset.maxExtents, as: UInt32.self)
        unsafe raw.storeBytes(of: extentStart, toByteOffset: Offset.extentStart, as: UInt64.self)
        unsafe raw.storeBytes(of: nrExtents, toByteOffset: Offset.nrExtents, as: UInt32.self)
    }
}

/// Result of `XENMEM_machphys_mapping`.
///
/// Xen: `struct xen_machphys_mapping`, public/memory.h.
public struct XenMachphysMapping: Equatable, Sendable {
    /// Xen: `v_start`.
    public var vStart: UInt64
    /// Xen: `v_end`.
    public var vEnd: UInt64
    /// Xen: `max_mfn`.
    public var maxMfn: UInt64

    /// `sizeof(struct xen_machphys_mapping)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `v_start`.
        public static let vStart = 0
        /// Xen: `v_end`.
        public static let vEnd = 8
        /// Xen: `max_mfn`.
        public static let maxMfn = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        vStart: UInt64 = 0,
        vEnd: UInt64 = 0,
        maxMfn: UInt64 = 0
    ) {
        self.vStart = vStart
        self.vEnd = vEnd
        self.maxMfn = maxMfn
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenMachphysMapping.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.vStart = unsafe raw.loadUnaligned(fromByteOffset: Offset.vStart, as: UInt64.self)
        self.vEnd = unsafe raw.loadUnaligned(fromByteOffset: Offset.vEnd, as: UInt64.self)
        self.maxMfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.maxMfn, as: UInt64.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenMachphysMapping.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: vStart, toByteOffset: Offset.vStart, as: UInt64.self)
        unsafe raw.storeBytes(of: vEnd, toByteOffset: Offset.vEnd, as: UInt64.self)
        unsafe raw.storeBytes(of: maxMfn, toByteOffset: Offset.maxMfn, as: UInt64.self)
    }
}

/// Argument of `XENMEM_add_to_physmap`.
///
/// Xen: `struct xen_add_to_physmap`, public/memory.h.
public struct XenAddToPhysmap: Equatable, Sendable {
    /// Xen: `domid`.
    public var domid: DomID
    /// Xen: `size`; pages, for `gmfnRange`.
    public var size: UInt16
    /// Xen: `space`; a `XenMapSpace`.
    public var space: UInt32
    /// Xen: `idx`.
    public var idx: UInt64
    /// Xen: `gpfn`.
    public var gpfn: UInt64

    /// `sizeof(struct xen_add_to_physmap)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `domid`.
        public static let domid = 0
        /// Xen: `size`.
        public static let size = 2
        /// Xen: `space`.
        public static let space = 4
        /// Xen: `idx`.
        public static let idx = 8
        /// Xen: `gpfn`.
        public static let gpfn = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        domid: DomID = DomID(rawValue: 0),
        size: UInt16 = 0,
        space: UInt32 = 0,
        idx: UInt64 = 0,
        gpfn: UInt64 = 0
    ) {
        self.domid = domid
        self.size = size
        self.space = space
        self.idx = idx
        self.gpfn = gpfn
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenAddToPhysmap.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
        self.size = unsafe raw.loadUnaligned(fromByteOffset: Offset.size, as: UInt16.self)
        self.space = unsafe raw.loadUnaligned(fromByteOffset: Offset.space, as: UInt32.self)
        self.idx = unsafe raw.loadUnaligned(fromByteOffset: Offset.idx, as: UInt64.self)
        self.gpfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.gpfn, as: UInt64.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenAddToPhysmap.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
        unsafe raw.storeBytes(of: size, toByteOffset: Offset.size, as: UInt16.self)
        unsafe raw.storeBytes(of: space, toByteOffset: Offset.space, as: UInt32.self)
        unsafe raw.storeBytes(of: idx, toByteOffset: Offset.idx, as: UInt64.self)
        unsafe raw.storeBytes(of: gpfn, toByteOffset: Offset.gpfn, as: UInt64.self)
    }
}

/// Argument of `XENMEM_remove_from_physmap`.
///
/// Xen: `struct xen_remove_from_physmap`, public/memory.h.
public struct XenRemoveFromPhysmap: Equatable, Sendable {
    /// Xen: `domid`.
    public var domid: DomID
    /// Xen: `gpfn`.
    public var gpfn: UInt64

    /// `sizeof(struct xen_remove_from_physmap)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `domid`.
        public static let domid = 0
        /// Xen: `gpfn`.
        public static let gpfn = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        domid: DomID = DomID(rawValue: 0),
        gpfn: UInt64 = 0
    ) {
        self.domid = domid
        self.gpfn = gpfn
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenRemoveFromPhysmap.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
        self.gpfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.gpfn, as: UInt64.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenRemoveFromPhysmap.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
        unsafe raw.storeBytes(of: gpfn, toByteOffset: Offset.gpfn, as: UInt64.self)
    }
}

/// Argument of `XENMEM_memory_map`.
///
/// Xen: `struct xen_memory_map`, public/memory.h.
public struct XenMemoryMap: Equatable, Sendable {
    /// Xen: `nr_entries`; IN: capacity of `buffer`, OUT: entries written.
    public var nrEntries: UInt32
    /// Xen: `buffer`; guest address of an array of E820 entries.
    public var buffer: UInt64

    /// `sizeof(struct xen_memory_map)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `nr_entries`.
        public static let nrEntries = 0
        /// Xen: `buffer`.
        public static let buffer = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        nrEntries: UInt32 = 0,
        buffer: UInt64 = 0
    ) {
        self.nrEntries = nrEntries
        self.buffer = buffer
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryMap.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.nrEntries = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrEntries, as: UInt32.self)
        self.buffer = unsafe raw.loadUnaligned(fromByteOffset: Offset.buffer, as: UInt64.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenMemoryMap.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: nrEntries, toByteOffset: Offset.nrEntries, as: UInt32.self)
        unsafe raw.storeBytes(of: buffer, toByteOffset: Offset.buffer, as: UInt64.self)
    }
}

/// Argument of `XENMEM_set_memory_map`.
///
/// Xen: `struct xen_foreign_memory_map`, public/memory.h.
public struct XenForeignMemoryMap: Equatable, Sendable {
    /// Xen: `domid`.
    public var domid: DomID
    /// Xen: `map`.
    public var map: XenMemoryMap

    /// `sizeof(struct xen_foreign_memory_map)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `domid`.
        public static let domid = 0
        /// Xen: `map`.
        public static let map = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        domid: DomID = DomID(rawValue: 0),
        map: XenMemoryMap = XenMemoryMap()
    ) {
        self.domid = domid
        self.map = map
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenForeignMemoryMap.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
        self.map = unsafe XenMemoryMap(loadingFrom: raw + Offset.map)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenForeignMemoryMap.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
        unsafe map.store(to: raw + Offset.map)
    }
}

/// Argument of `XENMEM_set_pod_target` and `XENMEM_get_pod_target`.
///
/// Xen: `struct xen_pod_target`, public/memory.h.
public struct XenPodTarget: Equatable, Sendable {
    /// Xen: `target_pages`.
    public var targetPages: UInt64
    /// Xen: `tot_pages`.
    public var totPages: UInt64
    /// Xen: `pod_cache_pages`.
    public var podCachePages: UInt64
    /// Xen: `pod_entries`.
    public var podEntries: UInt64
    /// Xen: `domid`.
    public var domid: DomID

    /// `sizeof(struct xen_pod_target)` on x86_64.
    public static let size = 40

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `target_pages`.
        public static let targetPages = 0
        /// Xen: `tot_pages`.
        public static let totPages = 8
        /// Xen: `pod_cache_pages`.
        public static let podCachePages = 16
        /// Xen: `pod_entries`.
        public static let podEntries = 24
        /// Xen: `domid`.
        public static let domid = 32
    }

    /// Creates the value; omitted fields are zero.
    public init(
        targetPages: UInt64 = 0,
        totPages: UInt64 = 0,
        podCachePages: UInt64 = 0,
        podEntries: UInt64 = 0,
        domid: DomID = DomID(rawValue: 0)
    ) {
        self.targetPages = targetPages
        self.totPages = totPages
        self.podCachePages = podCachePages
        self.podEntries = podEntries
        self.domid = domid
    }

    /// Reads the fields from `40` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `XenPodTarget.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.targetPages = unsafe raw.loadUnaligned(fromByteOffset: Offset.targetPages, as: UInt64.self)
        self.totPages = unsafe raw.loadUnaligned(fromByteOffset: Offset.totPages, as: UInt64.self)
        self.podCachePages = unsafe raw.loadUnaligned(fromByteOffset: Offset.podCachePages, as: UInt64.self)
        self.podEntries = unsafe raw.loadUnaligned(fromByteOffset: Offset.podEntries, as: UInt64.self)
        self.domid = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.domid, as: UInt16.self))
    }

    /// Writes the fields into `40` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `XenPodTarget.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: targetPages, toByteOffset: Offset.targetPages, as: UInt64.self)
        unsafe raw.storeBytes(of: totPages, toByteOffset: Offset.totPages, as: UInt64.self)
        unsafe raw.storeBytes(of: podCachePages, toByteOffset: Offset.podCachePages, as: UInt64.self)
        unsafe raw.storeBytes(of: podEntries, toByteOffset: Offset.podEntries, as: UInt64.self)
        unsafe raw.storeBytes(of: domid.rawValue, toByteOffset: Offset.domid, as: UInt16.self)
    }
}

/// The `type` of an E820 entry. Not a Xen header: the values are the BIOS /
/// ACPI address range types that `XENMEM_memory_map` returns.
public struct E820Type: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Usable RAM.
    ///
    /// Xen: `E820_RAM`, the ACPI specification (address range types).
    public static let ram = E820Type(rawValue: 1)

    /// Reserved.
    ///
    /// Xen: `E820_RESERVED`, the ACPI specification (address range types).
    public static let reserved = E820Type(rawValue: 2)

    /// ACPI reclaimable.
    ///
    /// Xen: `E820_ACPI`, the ACPI specification (address range types).
    public static let acpi = E820Type(rawValue: 3)

    /// ACPI NVS.
    ///
    /// Xen: `E820_NVS`, the ACPI specification (address range types).
    public static let nvs = E820Type(rawValue: 4)

    /// Unusable.
    ///
    /// Xen: `E820_UNUSABLE`, the ACPI specification (address range types).
    public static let unusable = E820Type(rawValue: 5)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 1: return "E820_RAM"
        case 2: return "E820_RESERVED"
        case 3: return "E820_ACPI"
        case 4: return "E820_NVS"
        case 5: return "E820_UNUSABLE"
        default: return "unknown"
        }
    }
}

/// One entry of the memory map `XENMEM_memory_map` returns: the packed
/// 20-byte BIOS E820 layout. Not defined by Xen's public headers.
///
/// Xen: `struct e820entry`, the BIOS E820 interface.
public struct E820Entry: Equatable, Sendable {
    /// Xen: `addr`.
    public var addr: UInt64
    /// Xen: `size`.
    public var size: UInt64
    /// Xen: `type`; an `E820Type`.
    public var type: UInt32

    /// `sizeof(struct e820entry)` on x86_64.
    public static let size = 20

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `addr`.
        public static let addr = 0
        /// Xen: `size`.
        public static let size = 8
        /// Xen: `type`.
        public static let type = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        addr: UInt64 = 0,
        size: UInt64 = 0,
        type: UInt32 = 0
    ) {
        self.addr = addr
        self.size = size
        self.type = type
    }

    /// Reads the fields from `20` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `E820Entry.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.addr = unsafe raw.loadUnaligned(fromByteOffset: Offset.addr, as: UInt64.self)
        self.size = unsafe raw.loadUnaligned(fromByteOffset: Offset.size, as: UInt64.self)
        self.type = unsafe raw.loadUnaligned(fromByteOffset: Offset.type, as: UInt32.self)
    }

    /// Writes the fields into `20` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `E820Entry.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: addr, toByteOffset: Offset.addr, as: UInt64.self)
        unsafe raw.storeBytes(of: size, toByteOffset: Offset.size, as: UInt64.self)
        unsafe raw.storeBytes(of: type, toByteOffset: Offset.type, as: UInt32.self)
    }
}
