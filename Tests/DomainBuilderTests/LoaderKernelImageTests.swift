import Foundation
import Testing

@testable import DomainBuilder

@Suite("KernelImage")
struct LoaderKernelImageTests {
    // MARK: Happy paths

    @Test func linuxLikeKernel() throws {
        let kernel = try KernelImage.parse(TestELF.linuxLike().build())
        #expect(kernel.pstart == 0x100_0000)
        #expect(kernel.pend == 0x100_5000)
        #expect(kernel.virtBase == TestELF.virtBase)
        #expect(kernel.paddrOffset == 0)
        #expect(kernel.virtKStart == 0xffff_ffff_8100_0000)
        #expect(kernel.virtKEnd == 0xffff_ffff_8100_5000)
        #expect(kernel.virtEntry == 0xffff_ffff_8100_1000)
        #expect(kernel.elfEntry == 0x100_0000)
        #expect(kernel.virtHypercallPage == nil)
        #expect(kernel.compression == nil)

        #expect(kernel.segments.map(\.destOffset) == [0, 0x2000])
        #expect(kernel.segments.map(\.memSize) == [0x2000, 0x3000])
        #expect(kernel.segments.map(\.data.count) == [0x2000, 0x100])
        #expect(kernel.segments[1].data.allSatisfy { $0 == 0x11 })

        let notes = kernel.notes
        #expect(notes.source == .elfNotes)
        #expect(notes.noteCount == 16)
        #expect(notes.guestOS == "linux")
        #expect(notes.guestVersion == "2.6")
        #expect(notes.xenVersion == "xen-3.0")
        #expect(notes.loader == "generic")
        #expect(notes.paeMode == "yes")
        #expect(notes.initP2M == 0x80_0000_0000)
        #expect(notes.hvStartLow == 0xffff_8000_0000_0000)
        #expect(notes.features == "!writable_page_tables|pae_pgdir_above_4gb")
        #expect(notes.supportedFeatures == 0x8801)
        // FEATURES adds bits 0 and 4; SUPPORTED_FEATURES bits 0, 11, 15.
        #expect(notes.supportedFeatureMask == 0x8811)
        #expect(notes.requiredFeatureMask == 0x1)
        #expect(notes.l1MFNValid == [1, 1])
        #expect(notes.suspendCancel)
        #expect(notes.modStartPFN)
        #expect(notes.phys32Entry == 0x100_0850)
    }

    /// Segments with none of R/W/X are not loaded (libelf elf_phdr_is_loadable).
    @Test func segmentWithoutAccessFlagsIsSkipped() throws {
        var elf = TestELF.linuxLike()
        elf.segments.append(.init(flags: 0, vaddr: 0, paddr: 0x10, data: [1, 2, 3], memSize: 0x1000_0000))
        let kernel = try KernelImage.parse(elf.build())
        #expect(kernel.segments.count == 2)
        #expect(kernel.pstart == 0x100_0000)
    }

    /// Placement is by p_paddr, not p_vaddr (Linux's per-CPU segment has vaddr 0).
    @Test func segmentsArePlacedByPhysicalAddress() throws {
        var elf = TestELF.linuxLike()
        elf.segments.append(.init(flags: 6, vaddr: 0, paddr: 0x100_8000, data: [7], memSize: 0x1000))
        let kernel = try KernelImage.parse(elf.build())
        #expect(kernel.segments[2].destOffset == 0x8000)
        #expect(kernel.pend == 0x100_9000)
        #expect(kernel.virtKEnd == 0xffff_ffff_8100_9000)
    }

    @Test(arguments: [
        (le(0xab, 1), UInt64(0xab)),
        (le(0xabcd, 2), UInt64(0xabcd)),
        (le(0x1234_5678, 4), UInt64(0x1234_5678)),
        (le(0x8000_0000_00, 8), UInt64(0x8000_0000_00)),
        (le(0x12_3456, 3), UInt64(0)),        // other sizes read as 0 (elf_note_numeric)
        ([], UInt64(0)),
    ])
    func numericNoteWidths(desc: [UInt8], value: UInt64) throws {
        var notes = TestELF.linuxNotes.filter { $0.type != 15 }
        notes.append(TestELF.Note(type: 15, desc: desc))
        let kernel = try KernelImage.parse(TestELF.linuxLike(notes: notes).build())
        #expect(kernel.notes.initP2M == value)
    }

    @Test func notesFromSectionWhenNoNoteSegment() throws {
        var elf = TestELF.linuxLike()
        elf.notesInSection = true
        let kernel = try KernelImage.parse(elf.build())
        #expect(kernel.notes.source == .elfNotes)
        #expect(kernel.virtEntry == 0xffff_ffff_8100_1000)
    }

    /// Notes from other owners are skipped; the entry falls back to e_entry when
    /// there is no ENTRY note; PADDR_OFFSET defaults to 0 with ELF notes.
    @Test func defaultsWithMinimalNotes() throws {
        var elf = TestELF.linuxLike(notes: [
            TestELF.Note(owner: "GNU", type: 3, desc: [1, 2, 3, 4]),
            .string(6, "linux"), .string(5, "xen-3.0"), .u64(3, TestELF.virtBase),
        ])
        elf.entry = 0xffff_ffff_8100_0040
        let kernel = try KernelImage.parse(elf.build())
        #expect(kernel.notes.noteCount == 3)
        #expect(kernel.notes.entry == nil)
        #expect(kernel.virtEntry == 0xffff_ffff_8100_0040)
        #expect(kernel.paddrOffset == 0)
        #expect(kernel.virtKStart == 0xffff_ffff_8100_0000)
    }

    /// The legacy `__xen_guest` string: PADDR_OFFSET defaults to VIRT_BASE and
    /// HYPERCALL_PAGE is a page number from VIRT_BASE.
    @Test func legacyGuestInfoSection() throws {
        var elf = TestELF.linuxLike(notes: [])
        for index in elf.segments.indices { elf.segments[index].paddr = elf.segments[index].vaddr }
        elf.entry = 0xffff_ffff_8100_0000
        elf.sections = [.init(
            name: "__xen_guest", type: 1,
            data: Array("GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xffffffff80000000,HYPERCALL_PAGE=0x1002,LOADER=generic".utf8) + [0])]
        let kernel = try KernelImage.parse(elf.build())
        #expect(kernel.notes.source == .guestInfoSection)
        #expect(kernel.paddrOffset == TestELF.virtBase)
        #expect(kernel.pstart == 0xffff_ffff_8100_0000)
        #expect(kernel.virtKStart == 0xffff_ffff_8100_0000)
        #expect(kernel.virtHypercallPage == 0xffff_ffff_8100_2000)
        #expect(kernel.notes.loader == "generic")
    }

    @Test(arguments: [("0x1f", UInt64(0x1f)), ("017", 0o17), ("42abc", 42), ("", 0), ("zz", 0),
                      ("0xffffffffffffffffff", UInt64.max)])
    func strtoullLikeNumbers(text: String, value: UInt64) {
        #expect(XenNotes.parseNumber(text) == value)
    }

    // MARK: Errors

    /// One bad-notes scenario; printed by name rather than as image bytes.
    struct NoteCase: Sendable, CustomTestStringConvertible {
        var name: String
        var notes: [TestELF.Note]
        var message: String
        var testDescription: String { name }

        /// Debian-like notes with the notes of `removing` types dropped and `adding` appended.
        init(_ name: String, removing: Set<UInt32> = [], adding: [TestELF.Note] = [], _ message: String) {
            self.name = name
            self.notes = TestELF.linuxNotes.filter { !removing.contains($0.type) } + adding
            self.message = message
        }

        init(_ name: String, notes: [TestELF.Note], _ message: String) {
            self.name = name
            self.notes = notes
            self.message = message
        }
    }

    @Test(arguments: [
        NoteCase("no notes", notes: [], "ELF has no Xen PV notes (not a PV kernel)"),
        NoteCase("only GNU notes", notes: [TestELF.Note(owner: "GNU", type: 3, desc: [0, 0, 0, 0])],
                 "ELF has no Xen PV notes (not a PV kernel)"),
        NoteCase("XEN_VERSION xen-2.0", removing: [5], adding: [.string(5, "xen-2.0")],
                 "ELF is built for Xen version 'xen-2.0', not xen-3.0"),
        NoteCase("no XEN_VERSION", removing: [5], "ELF is built for Xen version '', not xen-3.0"),
        NoteCase("netbsd, no LOADER", removing: [6, 8], adding: [.string(6, "netbsd")],
                 "ELF is built neither for the generic loader nor for linux (LOADER '', GUEST_OS 'netbsd')"),
        NoteCase("entry above image", removing: [1], adding: [.u64(1, 0xffff_ffff_8200_0000)],
                 "ELF addresses are out of bounds: entry 0xffffffff82000000 lies outside the kernel image "
                    + "[0xffffffff81000000, 0xffffffff81005000]"),
        NoteCase("physical entry", removing: [1], adding: [.u64(1, 0x100_0000)],
                 "ELF addresses are out of bounds: entry 0x1000000 lies outside the kernel image "
                    + "[0xffffffff81000000, 0xffffffff81005000]"),
        NoteCase("VIRT_BASE above kstart", removing: [1, 3],
                 adding: [.u64(3, 0xffff_ffff_ffff_0000), .u64(1, 0xff_1000)],
                 "ELF addresses are out of bounds: VIRT_BASE 0xffffffffffff0000 is above the kernel start 0xff0000"),
        NoteCase("kend wraps", removing: [1, 3], adding: [.u64(3, 0 &- 0x100_2000), .u64(1, 0xffff_ffff_ffff_f000)],
                 "ELF addresses are out of bounds: kernel start 0xffffffffffffe000 is above its end 0x3000"),
        NoteCase("INIT_P2M in image", removing: [15], adding: [.u64(15, 0xffff_ffff_8100_4000)],
                 "INIT_P2M 0xffffffff81004000 lies inside the kernel image [0xffffffff81000000, 0xffffffff81005000)"),
        NoteCase("hypercall page straddles end", removing: [2], adding: [.u64(2, 0xffff_ffff_8100_4800)],
                 "HYPERCALL_PAGE 0xffffffff81004800 lies outside the kernel image "
                    + "[0xffffffff81000000, 0xffffffff81005000)"),
        NoteCase("hypercall page below image", removing: [2], adding: [.u64(2, 0x1000)],
                 "HYPERCALL_PAGE 0x1000 lies outside the kernel image [0xffffffff81000000, 0xffffffff81005000)"),
        NoteCase("unknown required feature", removing: [10],
                 adding: [TestELF.Note(type: 10, desc: Array("!teleportation".utf8))],
                 "ELF requires unknown Xen feature 'teleportation'"),
        NoteCase("PADDR_OFFSET without VIRT_BASE", removing: [3], "ELF sets PADDR_OFFSET but not VIRT_BASE"),
    ])
    func noteAndAddressErrors(scenario: NoteCase) {
        let image = TestELF.linuxLike(notes: scenario.notes).build()
        let error = #expect(throws: LoaderError.self) { try KernelImage.parse(image) }
        #expect(error?.description == scenario.message)
    }

    static func linux(replacing type: UInt32, with note: TestELF.Note) -> [UInt8] {
        TestELF.linuxLike(notes: TestELF.linuxNotes.filter { $0.type != type } + [note]).build()
    }

    @Test func hypercallPageInsideImageIsAccepted() throws {
        let kernel = try KernelImage.parse(Self.linux(replacing: 2, with: .u64(2, 0xffff_ffff_8100_4000)))
        #expect(kernel.virtHypercallPage == 0xffff_ffff_8100_4000)
    }

    /// libelf's bound is inclusive: entry == virt_kend is accepted.
    @Test func entryAtImageEndIsAccepted() throws {
        let kernel = try KernelImage.parse(Self.linux(replacing: 1, with: .u64(1, 0xffff_ffff_8100_5000)))
        #expect(kernel.virtEntry == kernel.virtKEnd)
    }

    /// Corrupting one header field at a time, including offsets that overflow.
    @Test(arguments: [
        ("e_phoff past EOF", 0x20, le(0x10_0000, 8), "ELF program headers lie outside the file or have a bad entry size"),
        ("e_phoff overflows", 0x20, le(UInt64.max - 8, 8), "ELF program headers lie outside the file or have a bad entry size"),
        ("e_phentsize too small", 0x36, le(8, 2), "ELF program headers lie outside the file or have a bad entry size"),
        ("e_shoff overflows", 0x28, le(UInt64.max, 8), "ELF section headers lie outside the file or have a bad entry size"),
        ("ELF32", 4, [1], "ELF is not x86-64"),
        ("big-endian", 5, [2], "ELF is not x86-64"),
        ("i386", 0x12, le(3, 2), "ELF is not x86-64"),
        ("ET_DYN", 0x10, le(3, 2), "ELF is not an executable (e_type 3)"),
    ])
    func headerErrors(what: String, offset: Int, value: [UInt8], message: String) {
        var image = TestELF.linuxLike().build()
        put(&image, offset, value)
        let error = #expect(throws: LoaderError.self, "\(what)") { try KernelImage.parse(image) }
        #expect(error?.description == message)
    }

    /// Corrupting the first segment's program header (at 64 + field offset).
    @Test(arguments: [
        ("p_offset past EOF", 8, le(0x10_0000, 8), "ELF segment 0 (offset 0x100000, size 0x2000) lies outside the file"),
        ("p_offset overflows", 8, le(UInt64.max - 0x100, 8),
         "ELF segment 0 (offset 0xfffffffffffffeff, size 0x2000) lies outside the file"),
        ("p_filesz past EOF", 32, le(0x10_0000, 8), "ELF segment 0 (offset 0xf0, size 0x100000) lies outside the file"),
        ("p_filesz huge", 32, le(UInt64.max, 8), "ELF segment 0 (offset 0xf0, size 0xffffffffffffffff) lies outside the file"),
        ("p_filesz > p_memsz", 40, le(0x10, 8), "ELF segment 0 has a file size larger than its memory size"),
        ("p_paddr + p_memsz wraps", 24, le(UInt64.max - 0x10, 8), "ELF segment 0 wraps the physical address space"),
    ])
    func segmentErrors(what: String, field: Int, value: [UInt8], message: String) {
        var image = TestELF.linuxLike().build()
        put(&image, 64 + field, value)
        let error = #expect(throws: LoaderError.self, "\(what)") { try KernelImage.parse(image) }
        #expect(error?.description == message)
    }

    @Test func noLoadableSegments() {
        var elf = TestELF.linuxLike()
        elf.segments = []
        #expect(throws: LoaderError.noLoadableSegments) { try KernelImage.parse(elf.build()) }
    }

    /// A note whose descsz runs past its segment, and a note segment past EOF.
    @Test func malformedNotes() {
        let (image, layout) = TestELF.linuxLike().buildWithLayout()
        var longDesc = image
        put(&longDesc, layout.noteOffset + 4, le(0xffff_fff0, 4))
        let error = #expect(throws: LoaderError.self) { try KernelImage.parse(longDesc) }
        #expect(error?.description == "ELF note at file offset \(hexString(layout.noteOffset)) runs past the end of its segment")

        var segmentPastEOF = image
        put(&segmentPastEOF, 64 + 2 * 56 + 32, le(0x10_0000, 8))  // PT_NOTE p_filesz
        #expect(throws: LoaderError.segmentOutsideFile(index: 2, offset: UInt64(layout.noteOffset), size: 0x10_0000)) {
            try KernelImage.parse(segmentPastEOF)
        }
    }

    @Test(arguments: [
        ([UInt8](), "not an ELF or bzImage"),
        (Array("#!/bin/sh\necho this is not a kernel\n".utf8), "not an ELF or bzImage"),
        ([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], "ELF header is truncated"),
        (Array(TestELF.linuxLike().build().prefix(63)), "ELF header is truncated"),
        (Array(TestELF.linuxLike().build().prefix(100)), "ELF program headers lie outside the file or have a bad entry size"),
    ])
    func notAKernel(bytes: [UInt8], message: String) {
        let error = #expect(throws: LoaderError.self) { try KernelImage.parse(bytes) }
        #expect(error?.description == message)
    }

    /// Every prefix of a valid image fails cleanly (no trap).
    @Test func everyTruncationFailsCleanly() {
        let image = TestELF.linuxLike().build()
        for length in stride(from: 0, to: image.count, by: 3) {
            #expect(throws: LoaderError.self) { try KernelImage.parse(Array(image.prefix(length))) }
        }
    }

    // MARK: Files

    @Test func missingFile() {
        let error = #expect(throws: LoaderError.self) {
            try KernelImage.load(contentsOf: "/nonexistent/xenolith-kernel")
        }
        #expect(error?.description == "cannot read kernel '/nonexistent/xenolith-kernel': No such file or directory")
    }

    @Test func directoryIsNotAKernel() {
        let error = #expect(throws: LoaderError.self) { try KernelImage.load(contentsOf: "/") }
        #expect(error?.description == "cannot read kernel '/': Is a directory")
    }

    @Test(arguments: [0, 1, 3 << 20])
    func loadsFromFile(padding: Int) throws {
        let bytes = TestELF.linuxLike().build() + [UInt8](repeating: 0, count: padding)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("xenolith-loader-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try KernelImage.readKernelFile(path) == bytes)
        #expect(try KernelImage.load(contentsOf: path).virtEntry == 0xffff_ffff_8100_1000)
    }

    @Test func emptyFile() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("xenolith-loader-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: LoaderError.notELFOrBzImage) { try KernelImage.load(contentsOf: path) }
    }
}

private func hexString(_ value: Int) -> String {
    "0x" + String(value, radix: 16)
}
