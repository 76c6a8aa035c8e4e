/// A PV kernel ready to be placed in a new domain: its Xen notes, its loadable
/// segments relative to the start of the image, and the virtual addresses the domain
/// builder lays the initial mapping out around.
///
/// Xen: `xc_dom_parse_elf_kernel` (tools/libs/guest/xg_dom_elfloader.c) over
/// `elf_parse_binary` (xen/common/libelf/libelf-loader.c) and `elf_xen_parse` →
/// `elf_xen_note_check` + `elf_xen_addr_calc_check`
/// (xen/common/libelf/libelf-dominfo.c). Debian 12's figures: pv-abi-notes §1.2–1.3.
///
/// Loading rule (pv-abi-notes §1.2): zero [pstart, pend) in guest memory, then copy
/// each segment's `data` to `destOffset` from the image's first byte; the rest of
/// its `memSize` stays zero. Segments are placed by p_paddr, never by p_vaddr
/// (Linux's per-CPU segment has p_vaddr 0).
///
/// Error model: every malformed or unsuitable image is a `LoaderError`; nothing in
/// the file can trap. The value is immutable data and `Sendable`.
public struct KernelImage: Sendable {
    /// One PT_LOAD segment, positioned relative to `pstart`.
    public struct Segment: Sendable, Equatable {
        /// p_paddr - pstart: where the segment starts within the image.
        public var destOffset: UInt64
        /// The p_filesz bytes from the file (a slice of the decompressed ELF).
        public var data: ArraySlice<UInt8>
        /// p_memsz; bytes past `data.count` are zero (.bss).
        public var memSize: UInt64

        public init(destOffset: UInt64, data: ArraySlice<UInt8>, memSize: UInt64) {
            self.destOffset = destOffset
            self.data = data
            self.memSize = memSize
        }
    }

    /// The Xen notes exactly as the image gave them.
    public var notes: XenNotes
    /// The loadable segments, in program-header order.
    public var segments: [Segment]
    /// Lowest p_paddr of a loadable segment (libelf `elf->pstart`).
    public var pstart: UInt64
    /// Highest p_paddr + p_memsz of a loadable segment (libelf `elf->pend`).
    public var pend: UInt64
    /// VIRT_BASE, 0 when absent.
    public var virtBase: UInt64
    /// The PADDR_OFFSET in force: the note, else 0 for ELF notes and VIRT_BASE for a
    /// legacy `__xen_guest` image.
    public var paddrOffset: UInt64
    /// pstart + (virtBase - paddrOffset): the kernel's first virtual address.
    public var virtKStart: UInt64
    /// pend + (virtBase - paddrOffset): one past its last virtual address.
    public var virtKEnd: UInt64
    /// ENTRY, else the ELF header's e_entry.
    public var virtEntry: UInt64
    /// HYPERCALL_PAGE, if the kernel wants one filled.
    public var virtHypercallPage: UInt64?
    /// The ELF header's e_entry (the native entry; PV uses `virtEntry`).
    public var elfEntry: UInt64
    /// The bzImage payload's compression ("xz", "gzip", …), nil for a bare ELF.
    public var compression: String?

    /// The page size the hypercall page must fit in.
    static let pageSize: UInt64 = 4096

    /// Parses a kernel image held in memory: a bare ELF (vmlinux) or a bzImage
    /// (vmlinuz), which is unpacked first.
    public static func parse(_ bytes: [UInt8]) throws(LoaderError) -> KernelImage {
        let view = LoaderBytes(bytes)
        if ELFImage.hasMagic(view) {
            return try parseELF(ELFImage(view), compression: nil)
        }
        if BzImage.isBzImage(view) {
            let (elf, format) = try BzImage.extractELF(view)
            return try parseELF(ELFImage(elf), compression: format.rawValue)
        }
        throw .notELFOrBzImage
    }

    static func parseELF(_ elf: ELFImage, compression: String?) throws(LoaderError) -> KernelImage {
        // elf_parse_binary: the physical extent of the loadable segments.
        let loadable = elf.loadableSegments
        guard !loadable.isEmpty else { throw .noLoadableSegments }
        var pstart = UInt64.max, pend: UInt64 = 0
        for segment in loadable {
            _ = try elf.fileRange(of: segment)
            guard segment.fileSize <= segment.memSize else {
                throw .segmentFileSizeExceedsMemSize(index: segment.index)
            }
            let (end, overflow) = segment.paddr.addingReportingOverflow(segment.memSize)
            guard !overflow else { throw .segmentAddressOverflow(index: segment.index) }
            pstart = min(pstart, segment.paddr)
            pend = max(pend, end)
        }
        var segments: [Segment] = []
        segments.reserveCapacity(loadable.count)
        for segment in loadable {
            let range = try elf.fileRange(of: segment)
            segments.append(Segment(destOffset: segment.paddr - pstart, data: elf.bytes.bytes[range],
                                    memSize: segment.memSize))
        }

        // elf_xen_parse: read and check the notes.
        let notes = try XenNotes(elf: elf)
        try notes.check()

        // elf_xen_addr_calc_check, PV case. The arithmetic wraps, as libelf's
        // uint64_t arithmetic does; the bounds checks below reject the results that
        // matter.
        if notes.paddrOffset != nil && notes.virtBase == nil { throw .paddrOffsetWithoutVirtBase }
        let virtBase = notes.virtBase ?? 0
        let paddrOffset = notes.paddrOffset ?? (notes.source == .guestInfoSection ? virtBase : 0)
        let virtOffset = virtBase &- paddrOffset
        let kstart = pstart &+ virtOffset
        let kend = pend &+ virtOffset
        let entry = notes.entry ?? elf.entry

        guard kstart <= kend else {
            throw .addressesOutOfBounds("kernel start \(hex(kstart)) is above its end \(hex(kend))")
        }
        // libelf accepts entry == kend (its test is entry > kend).
        guard entry >= kstart, entry <= kend else {
            throw .addressesOutOfBounds(
                "entry \(hex(entry)) lies outside the kernel image [\(hex(kstart)), \(hex(kend))]")
        }
        guard virtBase <= kstart else {
            throw .addressesOutOfBounds("VIRT_BASE \(hex(virtBase)) is above the kernel start \(hex(kstart))")
        }
        if let p2m = notes.initP2M, p2m >= kstart, p2m < kend {
            throw .p2mInsideImage(p2m: p2m, kstart: kstart, kend: kend)
        }
        // The builder writes a whole page of stubs at HYPERCALL_PAGE, so the page must
        // lie inside the image it is loading.
        if let page = notes.hypercallPage {
            guard page >= kstart, kend - kstart >= pageSize, page <= kend - pageSize else {
                throw .hypercallPageOutsideImage(address: page, kstart: kstart, kend: kend)
            }
        }

        return KernelImage(
            notes: notes, segments: segments, pstart: pstart, pend: pend, virtBase: virtBase,
            paddrOffset: paddrOffset, virtKStart: kstart, virtKEnd: kend, virtEntry: entry,
            virtHypercallPage: notes.hypercallPage, elfEntry: elf.entry, compression: compression)
    }
}

/// "0x1f" style formatting for error details built here.
private func hex(_ value: UInt64) -> String {
    "0x" + String(value, radix: 16)
}
