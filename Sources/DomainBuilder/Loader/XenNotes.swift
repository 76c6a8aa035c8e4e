/// What a PV kernel tells the domain builder about itself through ELF notes owned
/// by "Xen": where to enter, where the kernel's virtual mapping starts, where to map
/// the P2M list, which Xen ABI it speaks.
///
/// Xen: `elf_xen_parse_note`, `elf_xen_parse_notes`, `elf_xen_parse_guest_info`,
/// `elf_xen_note_check` in xen/common/libelf/libelf-dominfo.c; the note types are
/// `XEN_ELFNOTE_*` in xen/include/public/elfnote.h. Values in Debian 12's kernel:
/// pv-abi-notes §1.3.
///
/// A property is nil when its note is absent; defaults (VIRT_BASE 0, ENTRY =
/// e_entry, …) are applied by `KernelImage`, as libelf's `elf_xen_addr_calc_check`
/// does, so this value records exactly what the image said.
public struct XenNotes: Sendable, Equatable {
    /// Where the notes came from; decides the PADDR_OFFSET default.
    public enum Source: Sendable, Equatable {
        /// No Xen notes and no `__xen_guest` section.
        case none
        /// "Xen" notes in PT_NOTE segments or SHT_NOTE sections.
        case elfNotes
        /// The legacy `__xen_guest` section string ("GUEST_OS=linux,XEN_VER=…").
        case guestInfoSection
    }

    public var source: Source = .none
    /// How many "Xen" notes were seen (including types this loader does not know).
    public var noteCount = 0

    /// Initial RIP. Xen: `XEN_ELFNOTE_ENTRY`.
    public var entry: UInt64?
    /// Virtual address of the page to fill with hypercall stubs. Xen: `XEN_ELFNOTE_HYPERCALL_PAGE`.
    public var hypercallPage: UInt64?
    /// Virtual address of pseudo-physical 0 in the initial mapping. Xen: `XEN_ELFNOTE_VIRT_BASE`.
    public var virtBase: UInt64?
    /// Subtracted from p_paddr to get pseudo-physical addresses. Xen: `XEN_ELFNOTE_PADDR_OFFSET`.
    public var paddrOffset: UInt64?
    /// Must start with "xen-3.0". Xen: `XEN_ELFNOTE_XEN_VERSION`.
    public var xenVersion: String?
    /// e.g. "linux". Xen: `XEN_ELFNOTE_GUEST_OS`.
    public var guestOS: String?
    /// Informational. Xen: `XEN_ELFNOTE_GUEST_VERSION`.
    public var guestVersion: String?
    /// e.g. "generic". Xen: `XEN_ELFNOTE_LOADER`.
    public var loader: String?
    /// 32-bit PAE mode ("yes", "bimodal"); meaningless for x86-64. Xen: `XEN_ELFNOTE_PAE_MODE`.
    public var paeMode: String?
    /// '|'-separated XENFEAT names, '!' marking required ones. Xen: `XEN_ELFNOTE_FEATURES`.
    public var features: String?
    /// Raw bitmap of XENFEAT_* the kernel supports. Xen: `XEN_ELFNOTE_SUPPORTED_FEATURES`.
    public var supportedFeatures: UInt32?
    /// Union of FEATURES (both kinds) and SUPPORTED_FEATURES: libelf's `f_supported`.
    public var supportedFeatureMask: UInt32 = 0
    /// The '!'-marked FEATURES: libelf's `f_required`. The builder must refuse a
    /// kernel requiring a feature it does not provide.
    public var requiredFeatureMask: UInt32 = 0
    /// Asks the loader to append the symbol table (NetBSD). Recorded but not
    /// implemented: the image range is not extended. Xen: `XEN_ELFNOTE_BSD_SYMTAB`.
    public var bsdSymtab = false
    /// Lowest hypervisor-hole address the kernel tolerates. Xen: `XEN_ELFNOTE_HV_START_LOW`.
    public var hvStartLow: UInt64?
    /// The note's u64 words (mask, value, …): which PTE bits mean "holds an MFN".
    /// Save/restore only. Xen: `XEN_ELFNOTE_L1_MFN_VALID`.
    public var l1MFNValid: [UInt64]?
    /// The kernel handles a cancelled suspend. Xen: `XEN_ELFNOTE_SUSPEND_CANCEL`.
    public var suspendCancel = false
    /// Virtual address at which to map the P2M list instead of inside the initial
    /// mapping. Xen: `XEN_ELFNOTE_INIT_P2M`.
    public var initP2M: UInt64?
    /// The initrd may be left unmapped and passed as a PFN. Xen: `XEN_ELFNOTE_MOD_START_PFN`.
    public var modStartPFN = false
    /// 32-bit PVH entry point; unused for PV. Xen: `XEN_ELFNOTE_PHYS32_ENTRY`.
    public var phys32Entry: UInt32?

    public init() {}
}

// MARK: - Note types

extension XenNotes {
    /// `XEN_ELFNOTE_*` numbers, xen/include/public/elfnote.h (kept private to the
    /// loader so it does not depend on XenABI).
    enum NoteType: UInt32 {
        case entry = 1
        case hypercallPage = 2
        case virtBase = 3
        case paddrOffset = 4
        case xenVersion = 5
        case guestOS = 6
        case guestVersion = 7
        case loader = 8
        case paeMode = 9
        case features = 10
        case bsdSymtab = 11
        case hvStartLow = 12
        case l1MFNValid = 13
        case suspendCancel = 14
        case initP2M = 15
        case modStartPFN = 16
        case supportedFeatures = 17
        case phys32Entry = 18
    }

    /// XENFEAT names libelf accepts in the FEATURES string, with their bit numbers
    /// (xen/include/public/features.h; the table `elf_xen_feature_names`).
    static let featureBits: [String: UInt32] = [
        "writable_page_tables": 0,
        "writable_descriptor_tables": 1,
        "auto_translated_physmap": 2,
        "supervisor_mode_kernel": 3,
        "pae_pgdir_above_4gb": 4,
        "hvm_callback_vector": 8,
        "dom0": 11,
    ]

    /// The owner name of the notes this loader reads.
    static let owner: [UInt8] = Array("Xen".utf8)
}

// MARK: - Parsing

extension XenNotes {
    /// Reads the Xen notes of `elf` in libelf's order: PT_NOTE segments; if they hold
    /// no Xen note, SHT_NOTE sections; if still none, the `__xen_guest` section.
    init(elf: ELFImage) throws(LoaderError) {
        self.init()
        for segment in elf.noteSegments {
            let range = try elf.fileRange(of: segment)
            try parseNotes(elf.bytes, range: range, alignment: segment.align)
        }
        if noteCount == 0 {
            for section in elf.noteSections {
                let range = try elf.fileRange(of: section)
                try parseNotes(elf.bytes, range: range, alignment: section.addralign)
            }
        }
        if noteCount > 0 {
            source = .elfNotes
        } else if let section = elf.section(named: "__xen_guest") {
            let range = try elf.fileRange(of: section)
            let text = elf.bytes.bytes[range]
            let string = text.prefix { $0 != 0 }
            try parseGuestInfo(String(decoding: string, as: UTF8.self))
            source = .guestInfoSection
        }
    }

    /// Walks the notes in `range`. Each is a 12-byte header (namesz, descsz, type),
    /// the name, the descriptor, each padded to the note alignment: 4 bytes unless
    /// the segment/section is aligned to more, then 8 (libelf `elf_note_round_up`,
    /// following GNU readelf's heuristic).
    mutating func parseNotes(_ bytes: LoaderBytes, range: Range<Int>, alignment: UInt64) throws(LoaderError) {
        let align = alignment <= 4 ? 4 : 8
        func roundUp(_ value: Int) -> Int { (value + align - 1) & ~(align - 1) }

        var position = range.lowerBound
        while position < range.upperBound {
            // Positions stay below the file size and namesz/descsz are u32, so the
            // sums below cannot overflow Int.
            guard range.upperBound - position >= 12,
                  let nameSize = bytes.u32(at: position),
                  let descSize = bytes.u32(at: position + 4),
                  let type = bytes.u32(at: position + 8)
            else { throw .noteTruncated(offset: position) }
            let nameStart = position + 12
            let descStart = position + roundUp(12 + Int(nameSize))
            let descEnd = descStart + Int(descSize)
            guard nameStart + Int(nameSize) <= range.upperBound, descEnd <= range.upperBound else {
                throw .noteTruncated(offset: position)
            }
            let name = bytes.bytes[nameStart..<nameStart + Int(nameSize)].prefix { $0 != 0 }
            if name.elementsEqual(Self.owner) {
                try apply(type: type, desc: bytes.bytes[descStart..<descEnd])
            }
            position = descStart + roundUp(Int(descSize))
        }
    }

    /// Records one "Xen" note (libelf `elf_xen_parse_note`). Unknown types count as
    /// Xen notes but are otherwise ignored, as in libelf.
    mutating func apply(type rawType: UInt32, desc: ArraySlice<UInt8>) throws(LoaderError) {
        noteCount += 1
        guard let type = NoteType(rawValue: rawType) else { return }
        switch type {
        case .entry: entry = Self.numeric(desc)
        case .hypercallPage: hypercallPage = Self.numeric(desc)
        case .virtBase: virtBase = Self.numeric(desc)
        case .paddrOffset: paddrOffset = Self.numeric(desc)
        case .xenVersion: xenVersion = Self.string(desc)
        case .guestOS: guestOS = Self.string(desc)
        case .guestVersion: guestVersion = Self.string(desc)
        case .loader: loader = Self.string(desc)
        case .paeMode: paeMode = Self.string(desc)
        case .features:
            let string = Self.string(desc)
            features = string
            try parseFeatures(string)
        case .bsdSymtab: bsdSymtab = Self.string(desc) == "yes"
        case .hvStartLow: hvStartLow = Self.numeric(desc)
        case .l1MFNValid:
            // Linux emits two u64 (mask, value); libelf's numeric reading would turn
            // a 16-byte descriptor into 0, so keep the words themselves.
            l1MFNValid = desc.count % 8 == 0 && !desc.isEmpty
                ? stride(from: desc.startIndex, to: desc.endIndex, by: 8).map { Self.littleEndian(desc[$0..<$0 + 8]) }
                : [Self.numeric(desc)]
        case .suspendCancel: suspendCancel = Self.numeric(desc) != 0
        case .initP2M: initP2M = Self.numeric(desc)
        case .modStartPFN: modStartPFN = Self.numeric(desc) != 0
        case .supportedFeatures:
            // An array of u32 submaps; XENFEAT_NR_SUBMAPS is 1, so only word 0
            // counts (libelf `elf_note_numeric_array`, 0 unless descsz % 4 == 0).
            let word = desc.count >= 4 && desc.count % 4 == 0
                ? UInt32(truncatingIfNeeded: Self.littleEndian(desc.prefix(4)))
                : 0
            supportedFeatures = word
            supportedFeatureMask |= word
        case .phys32Entry: phys32Entry = UInt32(truncatingIfNeeded: Self.numeric(desc))
        }
    }

    /// A numeric note: 1, 2, 4 or 8 little-endian bytes; any other size reads as 0
    /// (libelf `elf_note_numeric`).
    static func numeric(_ desc: ArraySlice<UInt8>) -> UInt64 {
        switch desc.count {
        case 1, 2, 4, 8: littleEndian(desc)
        default: 0
        }
    }

    /// A string note: the bytes up to the first NUL. libelf reads a C string and so
    /// runs into the zero padding when the NUL is missing; Debian's FEATURES note
    /// is such a case (descsz 41, no NUL), so an unterminated descriptor is taken whole.
    static func string(_ desc: ArraySlice<UInt8>) -> String {
        String(decoding: desc.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func littleEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Sets feature bits from a FEATURES string (libelf `elf_xen_parse_features`):
    /// "name" marks a supported feature, "!name" a required one; an unknown
    /// required feature makes the image unloadable, an unknown optional one is ignored.
    mutating func parseFeatures(_ string: String) throws(LoaderError) {
        for item in string.split(separator: "|", omittingEmptySubsequences: true) {
            let required = item.hasPrefix("!")
            let name = String(required ? item.dropFirst() : item[...])
            guard let bit = Self.featureBits[name] else {
                if required { throw .unknownRequiredFeature(name) }
                continue
            }
            supportedFeatureMask |= 1 << bit
            if required { requiredFeatureMask |= 1 << bit }
        }
    }

    /// Parses the legacy `__xen_guest` string, "NAME=VALUE" pairs separated by ','
    /// (libelf `elf_xen_parse_guest_info`). Numbers are read like strtoull(…, 0);
    /// HYPERCALL_PAGE is a page number relative to VIRT_BASE.
    mutating func parseGuestInfo(_ info: String) throws(LoaderError) {
        var hypercallPFN: UInt64?
        for item in info.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch name {
            case "LOADER": loader = value
            case "GUEST_OS": guestOS = value
            case "GUEST_VER": guestVersion = value
            case "XEN_VER": xenVersion = value
            case "PAE": paeMode = value
            case "BSD_SYMTAB": bsdSymtab = true
            case "VIRT_BASE": virtBase = Self.parseNumber(value)
            case "VIRT_ENTRY": entry = Self.parseNumber(value)
            case "ELF_PADDR_OFFSET": paddrOffset = Self.parseNumber(value)
            case "HYPERCALL_PAGE": hypercallPFN = Self.parseNumber(value)
            case "FEATURES":
                features = value
                try parseFeatures(value)
            default: continue
            }
        }
        if let hypercallPFN {
            // libelf adds VIRT_BASE only when it is set; the shift wraps as in C.
            hypercallPage = (hypercallPFN << 12) &+ (virtBase ?? 0)
        }
    }

    /// strtoull(value, NULL, 0): optional "0x" (hex) or leading "0" (octal) prefix,
    /// digits up to the first invalid character; 0 if there are none, and
    /// UInt64.max on overflow (ERANGE).
    static func parseNumber(_ text: String) -> UInt64 {
        var digits = Substring(text.drop { $0 == " " || $0 == "\t" })
        if digits.hasPrefix("+") { digits = digits.dropFirst() }
        var radix: UInt64 = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0") {
            radix = 8
        }
        var value: UInt64 = 0
        for character in digits {
            guard let digit = character.hexDigitValue, UInt64(digit) < radix else { break }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflowB) = shifted.addingReportingOverflow(UInt64(digit))
            if overflowA || overflowB { return .max }
            value = sum
        }
        return value
    }
}

// MARK: - Checks

extension XenNotes {
    /// libelf `elf_xen_note_check` for a PV guest: the image must carry Xen notes (or
    /// a `__xen_guest` section), be meant for the generic loader or be Linux, and
    /// speak the Xen 3.0 ABI.
    func check() throws(LoaderError) {
        guard source != .none else { throw .noXenNotes }
        let loader = loader ?? "", guestOS = guestOS ?? ""
        guard loader.utf8.starts(with: "generic".utf8) || guestOS.utf8.starts(with: "linux".utf8) else {
            throw .unsupportedGuest(loader: loader, guestOS: guestOS)
        }
        let version = xenVersion ?? ""
        guard version.utf8.starts(with: "xen-3.0".utf8) else {
            throw .unsupportedXenVersion(version)
        }
    }
}
