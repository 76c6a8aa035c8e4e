// Xen: public/elfnote.h. The Xen ELF note types of a PV kernel.

/// The type of a "Xen" ELF note (name "Xen", in a PT_NOTE segment or
/// .note.Xen section) a PV kernel uses to describe itself to the loader.
public struct XenElfNote: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Xen: `XEN_ELFNOTE_INFO`, public/elfnote.h.
    public static let info = XenElfNote(rawValue: 0)

    /// Virtual entry point.
    ///
    /// Xen: `XEN_ELFNOTE_ENTRY`, public/elfnote.h.
    public static let entry = XenElfNote(rawValue: 1)

    /// Virtual address of the page to fill with hypercall stubs.
    ///
    /// Xen: `XEN_ELFNOTE_HYPERCALL_PAGE`, public/elfnote.h.
    public static let hypercallPage = XenElfNote(rawValue: 2)

    /// Virtual address the kernel is linked at (ELF addresses are relative to it).
    ///
    /// Xen: `XEN_ELFNOTE_VIRT_BASE`, public/elfnote.h.
    public static let virtBase = XenElfNote(rawValue: 3)

    /// Offset subtracted from virtual addresses to get load addresses.
    ///
    /// Xen: `XEN_ELFNOTE_PADDR_OFFSET`, public/elfnote.h.
    public static let paddrOffset = XenElfNote(rawValue: 4)

    /// String: the Xen ABI version the kernel expects ("xen-3.0").
    ///
    /// Xen: `XEN_ELFNOTE_XEN_VERSION`, public/elfnote.h.
    public static let xenVersion = XenElfNote(rawValue: 5)

    /// String: the guest OS name.
    ///
    /// Xen: `XEN_ELFNOTE_GUEST_OS`, public/elfnote.h.
    public static let guestOS = XenElfNote(rawValue: 6)

    /// String: the guest OS version.
    ///
    /// Xen: `XEN_ELFNOTE_GUEST_VERSION`, public/elfnote.h.
    public static let guestVersion = XenElfNote(rawValue: 7)

    /// String: the loader type ("generic").
    ///
    /// Xen: `XEN_ELFNOTE_LOADER`, public/elfnote.h.
    public static let loader = XenElfNote(rawValue: 8)

    /// String: PAE support (x86_32).
    ///
    /// Xen: `XEN_ELFNOTE_PAE_MODE`, public/elfnote.h.
    public static let paeMode = XenElfNote(rawValue: 9)

    /// String: "|"-separated features, "!" prefix for required ones.
    ///
    /// Xen: `XEN_ELFNOTE_FEATURES`, public/elfnote.h.
    public static let features = XenElfNote(rawValue: 10)

    /// String: "yes" to load the symbol table after the kernel.
    ///
    /// Xen: `XEN_ELFNOTE_BSD_SYMTAB`, public/elfnote.h.
    public static let bsdSymtab = XenElfNote(rawValue: 11)

    /// The lowest address the hypervisor hole may start at (x86_32).
    ///
    /// Xen: `XEN_ELFNOTE_HV_START_LOW`, public/elfnote.h.
    public static let hvStartLow = XenElfNote(rawValue: 12)

    /// Mask and value identifying valid L1 entries for save/restore.
    ///
    /// Xen: `XEN_ELFNOTE_L1_MFN_VALID`, public/elfnote.h.
    public static let l1MFNValid = XenElfNote(rawValue: 13)

    /// The kernel supports cancelled suspends.
    ///
    /// Xen: `XEN_ELFNOTE_SUSPEND_CANCEL`, public/elfnote.h.
    public static let suspendCancel = XenElfNote(rawValue: 14)

    /// Virtual address for the initial P2M list (or an unmapped list if absent).
    ///
    /// Xen: `XEN_ELFNOTE_INIT_P2M`, public/elfnote.h.
    public static let initP2M = XenElfNote(rawValue: 15)

    /// The kernel accepts `mod_start` as a PFN.
    ///
    /// Xen: `XEN_ELFNOTE_MOD_START_PFN`, public/elfnote.h.
    public static let modStartPFN = XenElfNote(rawValue: 16)

    /// A bitmap of `XENFEAT_*` the kernel supports.
    ///
    /// Xen: `XEN_ELFNOTE_SUPPORTED_FEATURES`, public/elfnote.h.
    public static let supportedFeatures = XenElfNote(rawValue: 17)

    /// 32-bit physical entry point for PVH.
    ///
    /// Xen: `XEN_ELFNOTE_PHYS32_ENTRY`, public/elfnote.h.
    public static let phys32Entry = XenElfNote(rawValue: 18)

    /// Xen: `XEN_ELFNOTE_CRASH_INFO`, public/elfnote.h.
    public static let crashInfo = XenElfNote(rawValue: 0x1000001)

    /// Xen: `XEN_ELFNOTE_CRASH_REGS`, public/elfnote.h.
    public static let crashRegs = XenElfNote(rawValue: 0x1000002)

    /// Xen: `XEN_ELFNOTE_DUMPCORE_NONE`, public/elfnote.h.
    public static let dumpcoreNone = XenElfNote(rawValue: 0x2000000)

    /// Xen: `XEN_ELFNOTE_DUMPCORE_HEADER`, public/elfnote.h.
    public static let dumpcoreHeader = XenElfNote(rawValue: 0x2000001)

    /// Xen: `XEN_ELFNOTE_DUMPCORE_XEN_VERSION`, public/elfnote.h.
    public static let dumpcoreXenVersion = XenElfNote(rawValue: 0x2000002)

    /// Xen: `XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION`, public/elfnote.h.
    public static let dumpcoreFormatVersion = XenElfNote(rawValue: 0x2000003)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "XEN_ELFNOTE_INFO"
        case 1: return "XEN_ELFNOTE_ENTRY"
        case 2: return "XEN_ELFNOTE_HYPERCALL_PAGE"
        case 3: return "XEN_ELFNOTE_VIRT_BASE"
        case 4: return "XEN_ELFNOTE_PADDR_OFFSET"
        case 5: return "XEN_ELFNOTE_XEN_VERSION"
        case 6: return "XEN_ELFNOTE_GUEST_OS"
        case 7: return "XEN_ELFNOTE_GUEST_VERSION"
        case 8: return "XEN_ELFNOTE_LOADER"
        case 9: return "XEN_ELFNOTE_PAE_MODE"
        case 10: return "XEN_ELFNOTE_FEATURES"
        case 11: return "XEN_ELFNOTE_BSD_SYMTAB"
        case 12: return "XEN_ELFNOTE_HV_START_LOW"
        case 13: return "XEN_ELFNOTE_L1_MFN_VALID"
        case 14: return "XEN_ELFNOTE_SUSPEND_CANCEL"
        case 15: return "XEN_ELFNOTE_INIT_P2M"
        case 16: return "XEN_ELFNOTE_MOD_START_PFN"
        case 17: return "XEN_ELFNOTE_SUPPORTED_FEATURES"
        case 18: return "XEN_ELFNOTE_PHYS32_ENTRY"
        case 0x1000001: return "XEN_ELFNOTE_CRASH_INFO"
        case 0x1000002: return "XEN_ELFNOTE_CRASH_REGS"
        case 0x2000000: return "XEN_ELFNOTE_DUMPCORE_NONE"
        case 0x2000001: return "XEN_ELFNOTE_DUMPCORE_HEADER"
        case 0x2000002: return "XEN_ELFNOTE_DUMPCORE_XEN_VERSION"
        case 0x2000003: return "XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION"
        default: return "unknown"
        }
    }

    /// The highest note type the loader knows.
    ///
    /// Xen: `XEN_ELFNOTE_MAX`, public/elfnote.h.
    public static let max = XenElfNote.phys32Entry

    /// The note name Xen notes carry.
    public static let noteName: StaticString = "Xen"
}
