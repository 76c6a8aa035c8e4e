// Xen: public/physdev.h. physdev_op commands and the arguments a PV domU uses.

/// A command of the `physdev_op` hypercall.
public struct PhysdevOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Old form of `eoi`.
    ///
    /// Xen: `PHYSDEVOP_IRQ_UNMASK_NOTIFY`, public/physdev.h.
    public static let irqUnmaskNotify = PhysdevOp(rawValue: 4)

    /// Xen: `PHYSDEVOP_irq_status_query`, public/physdev.h.
    public static let irqStatusQuery = PhysdevOp(rawValue: 5)

    /// Set the virtual IOPL.
    ///
    /// Xen: `PHYSDEVOP_set_iopl`, public/physdev.h.
    public static let setIopl = PhysdevOp(rawValue: 6)

    /// Set the I/O port permission bitmap.
    ///
    /// Xen: `PHYSDEVOP_set_iobitmap`, public/physdev.h.
    public static let setIobitmap = PhysdevOp(rawValue: 7)

    /// Xen: `PHYSDEVOP_apic_read`, public/physdev.h.
    public static let apicRead = PhysdevOp(rawValue: 8)

    /// Xen: `PHYSDEVOP_apic_write`, public/physdev.h.
    public static let apicWrite = PhysdevOp(rawValue: 9)

    /// Xen: `PHYSDEVOP_alloc_irq_vector`, public/physdev.h.
    public static let allocIrqVector = PhysdevOp(rawValue: 10)

    /// Xen: `PHYSDEVOP_free_irq_vector`, public/physdev.h.
    public static let freeIrqVector = PhysdevOp(rawValue: 11)

    /// End of interrupt for a PIRQ.
    ///
    /// Xen: `PHYSDEVOP_eoi`, public/physdev.h.
    public static let eoi = PhysdevOp(rawValue: 12)

    /// Xen: `PHYSDEVOP_map_pirq`, public/physdev.h.
    public static let mapPirq = PhysdevOp(rawValue: 13)

    /// Xen: `PHYSDEVOP_unmap_pirq`, public/physdev.h.
    public static let unmapPirq = PhysdevOp(rawValue: 14)

    /// Xen: `PHYSDEVOP_manage_pci_add`, public/physdev.h.
    public static let managePciAdd = PhysdevOp(rawValue: 15)

    /// Xen: `PHYSDEVOP_manage_pci_remove`, public/physdev.h.
    public static let managePciRemove = PhysdevOp(rawValue: 16)

    /// Xen: `PHYSDEVOP_pirq_eoi_gmfn_v1`, public/physdev.h.
    public static let pirqEoiGmfnV1 = PhysdevOp(rawValue: 17)

    /// Xen: `PHYSDEVOP_restore_msi`, public/physdev.h.
    public static let restoreMsi = PhysdevOp(rawValue: 19)

    /// Xen: `PHYSDEVOP_manage_pci_add_ext`, public/physdev.h.
    public static let managePciAddExt = PhysdevOp(rawValue: 20)

    /// Xen: `PHYSDEVOP_setup_gsi`, public/physdev.h.
    public static let setupGsi = PhysdevOp(rawValue: 21)

    /// Xen: `PHYSDEVOP_get_free_pirq`, public/physdev.h.
    public static let getFreePirq = PhysdevOp(rawValue: 23)

    /// Xen: `PHYSDEVOP_pci_mmcfg_reserved`, public/physdev.h.
    public static let pciMmcfgReserved = PhysdevOp(rawValue: 24)

    /// Xen: `PHYSDEVOP_pci_device_add`, public/physdev.h.
    public static let pciDeviceAdd = PhysdevOp(rawValue: 25)

    /// Xen: `PHYSDEVOP_pci_device_remove`, public/physdev.h.
    public static let pciDeviceRemove = PhysdevOp(rawValue: 26)

    /// Xen: `PHYSDEVOP_restore_msi_ext`, public/physdev.h.
    public static let restoreMsiExt = PhysdevOp(rawValue: 27)

    /// Xen: `PHYSDEVOP_pirq_eoi_gmfn_v2`, public/physdev.h.
    public static let pirqEoiGmfnV2 = PhysdevOp(rawValue: 28)

    /// Xen: `PHYSDEVOP_dbgp_op`, public/physdev.h.
    public static let dbgpOp = PhysdevOp(rawValue: 29)

    /// Xen: `PHYSDEVOP_prepare_msix`, public/physdev.h.
    public static let prepareMsix = PhysdevOp(rawValue: 30)

    /// Xen: `PHYSDEVOP_release_msix`, public/physdev.h.
    public static let releaseMsix = PhysdevOp(rawValue: 31)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 4: return "PHYSDEVOP_IRQ_UNMASK_NOTIFY"
        case 5: return "PHYSDEVOP_irq_status_query"
        case 6: return "PHYSDEVOP_set_iopl"
        case 7: return "PHYSDEVOP_set_iobitmap"
        case 8: return "PHYSDEVOP_apic_read"
        case 9: return "PHYSDEVOP_apic_write"
        case 10: return "PHYSDEVOP_alloc_irq_vector"
        case 11: return "PHYSDEVOP_free_irq_vector"
        case 12: return "PHYSDEVOP_eoi"
        case 13: return "PHYSDEVOP_map_pirq"
        case 14: return "PHYSDEVOP_unmap_pirq"
        case 15: return "PHYSDEVOP_manage_pci_add"
        case 16: return "PHYSDEVOP_manage_pci_remove"
        case 17: return "PHYSDEVOP_pirq_eoi_gmfn_v1"
        case 19: return "PHYSDEVOP_restore_msi"
        case 20: return "PHYSDEVOP_manage_pci_add_ext"
        case 21: return "PHYSDEVOP_setup_gsi"
        case 23: return "PHYSDEVOP_get_free_pirq"
        case 24: return "PHYSDEVOP_pci_mmcfg_reserved"
        case 25: return "PHYSDEVOP_pci_device_add"
        case 26: return "PHYSDEVOP_pci_device_remove"
        case 27: return "PHYSDEVOP_restore_msi_ext"
        case 28: return "PHYSDEVOP_pirq_eoi_gmfn_v2"
        case 29: return "PHYSDEVOP_dbgp_op"
        case 30: return "PHYSDEVOP_prepare_msix"
        case 31: return "PHYSDEVOP_release_msix"
        default: return "unknown"
        }
    }
}

/// Bits of `physdev_irq_status_query.flags`.
public struct XenIRQStat: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The IRQ needs an `eoi`.
    ///
    /// Xen: `XENIRQSTAT_needs_eoi`, public/physdev.h.
    public static let needsEoi = XenIRQStat(rawValue: 1 << 0)

    /// The IRQ is shared.
    ///
    /// Xen: `XENIRQSTAT_shared`, public/physdev.h.
    public static let shared = XenIRQStat(rawValue: 1 << 1)
}

/// Argument of `PHYSDEVOP_eoi`.
///
/// Xen: `struct physdev_eoi`, public/physdev.h.
public struct PhysdevEOI: Equatable, Sendable {
    // IN
    /// Xen: `irq`.
    public var irq: UInt32

    /// `sizeof(struct physdev_eoi)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `irq`.
        public static let irq = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        irq: UInt32 = 0
    ) {
        self.irq = irq
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `PhysdevEOI.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.irq = unsafe raw.loadUnaligned(fromByteOffset: Offset.irq, as: UInt32.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `PhysdevEOI.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: irq, toByteOffset: Offset.irq, as: UInt32.self)
    }
}

/// Argument of `PHYSDEVOP_pirq_eoi_gmfn_v2`.
///
/// Xen: `struct physdev_pirq_eoi_gmfn`, public/physdev.h.
public struct PhysdevPirqEoiGmfn: Equatable, Sendable {
    // IN
    /// Xen: `gmfn`.
    public var gmfn: UInt64

    /// `sizeof(struct physdev_pirq_eoi_gmfn)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `gmfn`.
        public static let gmfn = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        gmfn: UInt64 = 0
    ) {
        self.gmfn = gmfn
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `PhysdevPirqEoiGmfn.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.gmfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.gmfn, as: UInt64.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `PhysdevPirqEoiGmfn.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: gmfn, toByteOffset: Offset.gmfn, as: UInt64.self)
    }
}

/// Argument of `PHYSDEVOP_irq_status_query`.
///
/// Xen: `struct physdev_irq_status_query`, public/physdev.h.
public struct PhysdevIRQStatusQuery: Equatable, Sendable {
    // IN
    /// Xen: `irq`.
    public var irq: UInt32
    // OUT
    /// Xen: `flags`; `XenIRQStat`.
    public var flags: UInt32

    /// `sizeof(struct physdev_irq_status_query)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `irq`.
        public static let irq = 0
        /// Xen: `flags`.
        public static let flags = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        irq: UInt32 = 0,
        flags: UInt32 = 0
    ) {
        self.irq = irq
        self.flags = flags
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `PhysdevIRQStatusQuery.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.irq = unsafe raw.loadUnaligned(fromByteOffset: Offset.irq, as: UInt32.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `PhysdevIRQStatusQuery.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: irq, toByteOffset: Offset.irq, as: UInt32.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt32.self)
    }
}

/// Argument of `PHYSDEVOP_set_iopl`.
///
/// Xen: `struct physdev_set_iopl`, public/physdev.h.
public struct PhysdevSetIopl: Equatable, Sendable {
    // IN
    /// Xen: `iopl`; 0-3.
    public var iopl: UInt32

    /// `sizeof(struct physdev_set_iopl)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `iopl`.
        public static let iopl = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        iopl: UInt32 = 0
    ) {
        self.iopl = iopl
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `PhysdevSetIopl.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.iopl = unsafe raw.loadUnaligned(fromByteOffset: Offset.iopl, as: UInt32.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `PhysdevSetIopl.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: iopl, toByteOffset: Offset.iopl, as: UInt32.self)
    }
}

/// Argument of `PHYSDEVOP_set_iobitmap`.
///
/// Xen: `struct physdev_set_iobitmap`, public/physdev.h.
public struct PhysdevSetIobitmap: Equatable, Sendable {
    // IN
    /// Xen: `bitmap`; guest address of the bitmap.
    public var bitmap: UInt64
    /// Xen: `nr_ports`.
    public var nrPorts: UInt32

    /// `sizeof(struct physdev_set_iobitmap)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `bitmap`.
        public static let bitmap = 0
        /// Xen: `nr_ports`.
        public static let nrPorts = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        bitmap: UInt64 = 0,
        nrPorts: UInt32 = 0
    ) {
        self.bitmap = bitmap
        self.nrPorts = nrPorts
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `PhysdevSetIobitmap.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.bitmap = unsafe raw.loadUnaligned(fromByteOffset: Offset.bitmap, as: UInt64.self)
        self.nrPorts = unsafe raw.loadUnaligned(fromByteOffset: Offset.nrPorts, as: UInt32.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `PhysdevSetIobitmap.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: bitmap, toByteOffset: Offset.bitmap, as: UInt64.self)
        unsafe raw.storeBytes(of: nrPorts, toByteOffset: Offset.nrPorts, as: UInt32.self)
    }
}
