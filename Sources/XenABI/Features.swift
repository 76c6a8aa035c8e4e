// Xen: public/features.h. Feature bits of XENVER_get_features.

/// A feature bit number reported by `XENVER_get_features`: feature `n` is bit
/// `n % 32` of submap `n / 32`.
public struct XenFeature: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The guest may write its page tables directly.
    ///
    /// Xen: `XENFEAT_writable_page_tables`, public/features.h.
    public static let writablePageTables = XenFeature(rawValue: 0)

    /// The guest may write its GDT/LDT directly.
    ///
    /// Xen: `XENFEAT_writable_descriptor_tables`, public/features.h.
    public static let writableDescriptorTables = XenFeature(rawValue: 1)

    /// Xen translates PFNs; page tables hold PFNs.
    ///
    /// Xen: `XENFEAT_auto_translated_physmap`, public/features.h.
    public static let autoTranslatedPhysmap = XenFeature(rawValue: 2)

    /// The guest kernel runs in ring 0.
    ///
    /// Xen: `XENFEAT_supervisor_mode_kernel`, public/features.h.
    public static let supervisorModeKernel = XenFeature(rawValue: 3)

    /// PAE page directories may be above 4GB.
    ///
    /// Xen: `XENFEAT_pae_pgdir_above_4gb`, public/features.h.
    public static let paePgdirAbove4GB = XenFeature(rawValue: 4)

    /// `MMU_PT_UPDATE_PRESERVE_AD` is available.
    ///
    /// Xen: `XENFEAT_mmu_pt_update_preserve_ad`, public/features.h.
    public static let mmuPTUpdatePreserveAD = XenFeature(rawValue: 5)

    /// Xen: `XENFEAT_highmem_assist`, public/features.h.
    public static let highmemAssist = XenFeature(rawValue: 6)

    /// Grant mappings keep the guest-available PTE bits.
    ///
    /// Xen: `XENFEAT_gnttab_map_avail_bits`, public/features.h.
    public static let gnttabMapAvailBits = XenFeature(rawValue: 7)

    /// Xen: `XENFEAT_hvm_callback_vector`, public/features.h.
    public static let hvmCallbackVector = XenFeature(rawValue: 8)

    /// Xen: `XENFEAT_hvm_safe_pvclock`, public/features.h.
    public static let hvmSafePvclock = XenFeature(rawValue: 9)

    /// Xen: `XENFEAT_hvm_pirqs`, public/features.h.
    public static let hvmPirqs = XenFeature(rawValue: 10)

    /// The domain is dom0.
    ///
    /// Xen: `XENFEAT_dom0`, public/features.h.
    public static let dom0 = XenFeature(rawValue: 11)

    /// Deprecated: grants were mapped at pfn = mfn (commented out in the header).
    ///
    /// Xen: `XENFEAT_grant_map_identity`, public/features.h.
    public static let grantMapIdentity = XenFeature(rawValue: 12)

    /// Xen: `XENFEAT_memory_op_vnode_supported`, public/features.h.
    public static let memoryOpVnodeSupported = XenFeature(rawValue: 13)

    /// Xen: `XENFEAT_ARM_SMCCC_supported`, public/features.h.
    public static let armSMCCCSupported = XenFeature(rawValue: 14)

    /// Xen: `XENFEAT_linux_rsdp_unrestricted`, public/features.h.
    public static let linuxRsdpUnrestricted = XenFeature(rawValue: 15)

    /// Xen: `XENFEAT_not_direct_mapped`, public/features.h.
    public static let notDirectMapped = XenFeature(rawValue: 16)

    /// Xen: `XENFEAT_direct_mapped`, public/features.h.
    public static let directMapped = XenFeature(rawValue: 17)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "XENFEAT_writable_page_tables"
        case 1: return "XENFEAT_writable_descriptor_tables"
        case 2: return "XENFEAT_auto_translated_physmap"
        case 3: return "XENFEAT_supervisor_mode_kernel"
        case 4: return "XENFEAT_pae_pgdir_above_4gb"
        case 5: return "XENFEAT_mmu_pt_update_preserve_ad"
        case 6: return "XENFEAT_highmem_assist"
        case 7: return "XENFEAT_gnttab_map_avail_bits"
        case 8: return "XENFEAT_hvm_callback_vector"
        case 9: return "XENFEAT_hvm_safe_pvclock"
        case 10: return "XENFEAT_hvm_pirqs"
        case 11: return "XENFEAT_dom0"
        case 12: return "XENFEAT_grant_map_identity"
        case 13: return "XENFEAT_memory_op_vnode_supported"
        case 14: return "XENFEAT_ARM_SMCCC_supported"
        case 15: return "XENFEAT_linux_rsdp_unrestricted"
        case 16: return "XENFEAT_not_direct_mapped"
        case 17: return "XENFEAT_direct_mapped"
        default: return "unknown"
        }
    }

    /// Number of 32-bit submaps.
    ///
    /// Xen: `XENFEAT_NR_SUBMAPS`, public/features.h.
    public static let nrSubmaps: UInt32 = 1

    /// Which submap holds this feature.
    public var submapIndex: UInt32 { rawValue / 32 }

    /// This feature's bit within its submap.
    public var submapBit: UInt32 { 1 << (rawValue % 32) }
}
