/// A parsed ELF64 little-endian x86-64 executable: the header, the program headers
/// and the section headers, each checked against the file before use.
///
/// Xen: `elf_init`, `elf_phdr_is_loadable`, `elf_segment_start/end`,
/// `elf_section_start/end` in xen/common/libelf/libelf-loader.c and libelf-tools.c.
/// Layout: the System V gABI, "ELF Header", "Program Header", "Sections".
///
/// Every field comes from the file and is hostile: offsets and sizes are combined
/// with overflow-checked arithmetic and every range is checked against the file
/// size, so a malformed image ends in a `LoaderError`, never a trap.
struct ELFImage {
    /// One program header (Elf64_Phdr).
    struct ProgramHeader: Equatable {
        var index: Int
        var type: UInt32
        var flags: UInt32
        var offset: UInt64
        var vaddr: UInt64
        var paddr: UInt64
        var fileSize: UInt64
        var memSize: UInt64
        var align: UInt64
    }

    /// One section header (Elf64_Shdr), without the fields the loader never reads.
    struct SectionHeader: Equatable {
        var index: Int
        var name: UInt32
        var type: UInt32
        var offset: UInt64
        var size: UInt64
        var addralign: UInt64
    }

    /// Constants from the gABI (elf.h spellings in the comments).
    enum Constant {
        static let classELF64: UInt8 = 2        // ELFCLASS64
        static let dataLittleEndian: UInt8 = 1  // ELFDATA2LSB
        static let typeExec: UInt16 = 2         // ET_EXEC
        static let machineX86_64: UInt16 = 62   // EM_X86_64
        static let ptLoad: UInt32 = 1           // PT_LOAD
        static let ptNote: UInt32 = 4           // PT_NOTE
        static let shtNote: UInt32 = 7          // SHT_NOTE
        static let shtNobits: UInt32 = 8        // SHT_NOBITS
        /// PF_X | PF_W | PF_R: libelf loads a PT_LOAD only if one of these is set.
        static let pfAnyAccess: UInt32 = 0x7
        static let headerSize = 64              // sizeof(Elf64_Ehdr)
        static let programHeaderSize = 56       // sizeof(Elf64_Phdr)
        static let sectionHeaderSize = 64       // sizeof(Elf64_Shdr)
    }

    private static let magic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]  // "\x7fELF"

    let bytes: LoaderBytes
    /// e_entry: the native entry point, used for PV only when there is no ENTRY note.
    let entry: UInt64
    let programHeaders: [ProgramHeader]
    let sectionHeaders: [SectionHeader]
    /// e_shstrndx: the section holding section names.
    let sectionNameTableIndex: Int

    static func hasMagic(_ bytes: LoaderBytes) -> Bool {
        bytes.matches(magic, at: 0)
    }

    init(_ bytes: [UInt8]) throws(LoaderError) {
        try self.init(LoaderBytes(bytes))
    }

    init(_ bytes: LoaderBytes) throws(LoaderError) {
        guard Self.hasMagic(bytes) else { throw .notELFOrBzImage }
        guard bytes.count >= Constant.headerSize,
              let elfClass = bytes.u8(at: 4), let data = bytes.u8(at: 5),
              let type = bytes.u16(at: 0x10), let machine = bytes.u16(at: 0x12),
              let entry = bytes.u64(at: 0x18),
              let phoff = bytes.u64(at: 0x20), let shoff = bytes.u64(at: 0x28),
              let phentsize = bytes.u16(at: 0x36), let phnum = bytes.u16(at: 0x38),
              let shentsize = bytes.u16(at: 0x3a), let shnum = bytes.u16(at: 0x3c),
              let shstrndx = bytes.u16(at: 0x3e)
        else { throw .elfHeaderTruncated }
        guard elfClass == Constant.classELF64, data == Constant.dataLittleEndian,
              machine == Constant.machineX86_64
        else { throw .elfNotX86_64 }
        guard type == Constant.typeExec else { throw .elfNotExecutable(type: type) }

        self.bytes = bytes
        self.entry = entry
        self.sectionNameTableIndex = Int(shstrndx)

        // Program headers: libelf's elf_init rejects a table that leaves the file.
        var programHeaders: [ProgramHeader] = []
        if phnum > 0 {
            guard Int(phentsize) >= Constant.programHeaderSize,
                  let table = bytes.range(offset: phoff, size: UInt64(phentsize) * UInt64(phnum))
            else { throw .elfTableOutsideFile(table: "program headers") }
            programHeaders.reserveCapacity(Int(phnum))
            for index in 0..<Int(phnum) {
                let base = table.lowerBound + index * Int(phentsize)
                guard let header = Self.programHeader(bytes, at: base, index: index) else {
                    throw .elfTableOutsideFile(table: "program headers")
                }
                programHeaders.append(header)
            }
        }
        self.programHeaders = programHeaders

        // Section headers: optional (shoff 0), but if present they must fit.
        var sectionHeaders: [SectionHeader] = []
        if shnum > 0 && shoff != 0 {
            guard Int(shentsize) >= Constant.sectionHeaderSize,
                  let table = bytes.range(offset: shoff, size: UInt64(shentsize) * UInt64(shnum))
            else { throw .elfTableOutsideFile(table: "section headers") }
            sectionHeaders.reserveCapacity(Int(shnum))
            for index in 0..<Int(shnum) {
                let base = table.lowerBound + index * Int(shentsize)
                guard let header = Self.sectionHeader(bytes, at: base, index: index) else {
                    throw .elfTableOutsideFile(table: "section headers")
                }
                sectionHeaders.append(header)
            }
        }
        self.sectionHeaders = sectionHeaders
    }

    private static func programHeader(_ bytes: LoaderBytes, at base: Int, index: Int) -> ProgramHeader? {
        guard let type = bytes.u32(at: base), let flags = bytes.u32(at: base + 4),
              let offset = bytes.u64(at: base + 8), let vaddr = bytes.u64(at: base + 16),
              let paddr = bytes.u64(at: base + 24), let fileSize = bytes.u64(at: base + 32),
              let memSize = bytes.u64(at: base + 40), let align = bytes.u64(at: base + 48)
        else { return nil }
        return ProgramHeader(index: index, type: type, flags: flags, offset: offset, vaddr: vaddr,
                             paddr: paddr, fileSize: fileSize, memSize: memSize, align: align)
    }

    private static func sectionHeader(_ bytes: LoaderBytes, at base: Int, index: Int) -> SectionHeader? {
        guard let name = bytes.u32(at: base), let type = bytes.u32(at: base + 4),
              let offset = bytes.u64(at: base + 24), let size = bytes.u64(at: base + 32),
              let addralign = bytes.u64(at: base + 48)
        else { return nil }
        return SectionHeader(index: index, name: name, type: type, offset: offset, size: size,
                             addralign: addralign)
    }

    /// PT_LOAD segments with any of R/W/X set, in program-header order
    /// (libelf `elf_phdr_is_loadable`).
    var loadableSegments: [ProgramHeader] {
        programHeaders.filter { $0.type == Constant.ptLoad && $0.flags & Constant.pfAnyAccess != 0 }
    }

    /// PT_NOTE segments, skipping those with p_offset 0: libelf's `elf_xen_parse`
    /// does the same because some binutils versions leave p_offset unset for notes.
    var noteSegments: [ProgramHeader] {
        programHeaders.filter { $0.type == Constant.ptNote && $0.offset != 0 }
    }

    /// SHT_NOTE sections, skipping the null section 0 as libelf does.
    var noteSections: [SectionHeader] {
        sectionHeaders.filter { $0.index != 0 && $0.type == Constant.shtNote }
    }

    /// The file bytes of a segment (p_offset, p_filesz), checked against the file.
    func fileRange(of segment: ProgramHeader) throws(LoaderError) -> Range<Int> {
        guard let range = bytes.range(offset: segment.offset, size: segment.fileSize) else {
            throw .segmentOutsideFile(index: segment.index, offset: segment.offset, size: segment.fileSize)
        }
        return range
    }

    /// The file bytes of a section (sh_offset, sh_size), checked against the file;
    /// SHT_NOBITS sections occupy no file bytes.
    func fileRange(of section: SectionHeader) throws(LoaderError) -> Range<Int> {
        if section.type == Constant.shtNobits { return 0..<0 }
        guard let range = bytes.range(offset: section.offset, size: section.size) else {
            throw .sectionOutsideFile(index: section.index, offset: section.offset, size: section.size)
        }
        return range
    }

    /// A section's name from the section-name string table, or nil if either is
    /// malformed (names are only used to find the legacy `__xen_guest` section).
    func name(of section: SectionHeader) -> String? {
        guard sectionNameTableIndex < sectionHeaders.count,
              let table = try? fileRange(of: sectionHeaders[sectionNameTableIndex]),
              UInt64(section.name) < UInt64(table.count)
        else { return nil }
        let start = table.lowerBound + Int(section.name)
        let bytes = self.bytes.bytes[start..<table.upperBound]
        guard let nul = bytes.firstIndex(of: 0) else { return nil }
        return String(decoding: bytes[start..<nul], as: UTF8.self)
    }

    /// The first section called `name`, if any (libelf `elf_shdr_by_name`).
    func section(named name: String) -> SectionHeader? {
        sectionHeaders.first { self.name(of: $0) == name }
    }
}
