import CLibCompress
import Testing

@testable import DomainBuilder

// Fixtures for the loader tests: a small ELF64 assembler, a bzImage wrapper, and
// compressors built on the same C libraries the loader decodes with.

/// Assembles an ELF64 little-endian x86-64 executable with chosen segments, notes
/// and sections. Layout: header, program headers, segment data, note blob, section
/// data, section-name table, section headers. Offsets are recorded for tests that
/// corrupt one field.
struct TestELF {
    struct Note {
        var owner = "Xen"
        var type: UInt32
        var desc: [UInt8]
    }

    struct Segment {
        var type: UInt32 = 1        // PT_LOAD
        var flags: UInt32 = 5       // R E
        var vaddr: UInt64
        var paddr: UInt64
        var data: [UInt8]
        var memSize: UInt64
    }

    struct Section {
        var name: String
        var type: UInt32
        var data: [UInt8]
        var addralign: UInt64 = 4
    }

    var elfClass: UInt8 = 2
    var dataEncoding: UInt8 = 1
    var type: UInt16 = 2
    var machine: UInt16 = 62
    var entry: UInt64 = 0x100_0000
    var segments: [Segment]
    var notes: [Note]
    /// Put the notes in an SHT_NOTE section instead of a PT_NOTE segment.
    var notesInSection = false
    var sections: [Section] = []

    /// Where things ended up in the last `build()`.
    struct Layout {
        var phoff = 64
        var segmentOffsets: [Int] = []
        var noteOffset = 0
        var shoff = 0
    }

    /// A PV kernel shaped like Debian's: two segments at paddr 16 MiB, notes as in
    /// pv-abi-notes §1.3.
    static func linuxLike(notes: [Note] = TestELF.linuxNotes) -> TestELF {
        TestELF(
            entry: 0x100_0000,
            segments: [
                Segment(flags: 5, vaddr: 0xffff_ffff_8100_0000, paddr: 0x100_0000,
                        data: Array(repeating: 0xcc, count: 0x2000), memSize: 0x2000),
                Segment(flags: 6, vaddr: 0xffff_ffff_8100_2000, paddr: 0x100_2000,
                        data: Array(repeating: 0x11, count: 0x100), memSize: 0x3000),
            ],
            notes: notes)
    }

    static let virtBase: UInt64 = 0xffff_ffff_8000_0000
    static let linuxNotes: [Note] = [
        .string(6, "linux"),
        .string(7, "2.6"),
        .string(5, "xen-3.0"),
        .u64(3, virtBase),
        .u64(4, 0),
        .u64(1, 0xffff_ffff_8100_1000),
        .u64(15, 0x80_0000_0000),
        .u64(12, 0xffff_8000_0000_0000),
        Note(type: 10, desc: Array("!writable_page_tables|pae_pgdir_above_4gb".utf8)),
        .u32(17, 0x8801),
        .string(9, "yes"),
        .string(8, "generic"),
        Note(type: 13, desc: le(1, 8) + le(1, 8)),
        .u32(14, 1),
        .u32(16, 1),
        .u32(18, 0x100_0850),
    ]

    func build() -> [UInt8] { buildWithLayout().bytes }

    func buildWithLayout() -> (bytes: [UInt8], layout: Layout) {
        var layout = Layout()
        let noteBlob = notes.flatMap { $0.encoded() }
        let hasNoteSegment = !notes.isEmpty && !notesInSection
        let phnum = segments.count + (hasNoteSegment ? 1 : 0)
        var out = [UInt8](repeating: 0, count: 64 + phnum * 56)

        func align(_ to: Int) { while out.count % to != 0 { out.append(0) } }
        for segment in segments {
            align(16)
            layout.segmentOffsets.append(out.count)
            out += segment.data
        }
        align(4)
        layout.noteOffset = out.count
        out += noteBlob

        var allSections = sections
        if notesInSection && !notes.isEmpty {
            allSections.insert(Section(name: ".notes", type: 7, data: noteBlob), at: 0)
        }
        var sectionOffsets: [Int] = []
        for section in allSections {
            align(4)
            sectionOffsets.append(out.count)
            out += section.data
        }
        // Section-name table: "\0" then each name.
        var names: [UInt8] = [0]
        var nameOffsets: [Int] = []
        for section in allSections + [Section(name: ".shstrtab", type: 3, data: [])] {
            nameOffsets.append(names.count)
            names += Array(section.name.utf8) + [0]
        }
        let shstrtabOffset = out.count
        out += names

        // ELF header.
        put(&out, 0, [0x7f, 0x45, 0x4c, 0x46, elfClass, dataEncoding, 1])
        put(&out, 0x10, le(UInt64(type), 2) + le(UInt64(machine), 2) + le(1, 4))
        put(&out, 0x18, le(entry, 8) + le(64, 8))
        put(&out, 0x34, le(64, 2) + le(56, 2) + le(UInt64(phnum), 2))

        // Program headers.
        for (index, segment) in segments.enumerated() {
            put(&out, 64 + index * 56, phdr(type: segment.type, flags: segment.flags,
                                            offset: UInt64(layout.segmentOffsets[index]),
                                            vaddr: segment.vaddr, paddr: segment.paddr,
                                            fileSize: UInt64(segment.data.count), memSize: segment.memSize))
        }
        if hasNoteSegment {
            put(&out, 64 + segments.count * 56, phdr(type: 4, flags: 4, offset: UInt64(layout.noteOffset),
                                                     vaddr: 0, paddr: 0, fileSize: UInt64(noteBlob.count),
                                                     memSize: UInt64(noteBlob.count), align: 4))
        }

        // Section headers: null, the sections, .shstrtab.
        align(8)
        layout.shoff = out.count
        out += [UInt8](repeating: 0, count: 64)
        for (index, section) in allSections.enumerated() {
            out += shdr(name: UInt32(nameOffsets[index]), type: section.type,
                        offset: UInt64(sectionOffsets[index]), size: UInt64(section.data.count),
                        addralign: section.addralign)
        }
        out += shdr(name: UInt32(nameOffsets[allSections.count]), type: 3,
                    offset: UInt64(shstrtabOffset), size: UInt64(names.count), addralign: 1)
        put(&out, 0x28, le(UInt64(layout.shoff), 8))
        put(&out, 0x3a, le(64, 2) + le(UInt64(allSections.count + 2), 2) + le(UInt64(allSections.count + 1), 2))
        return (out, layout)
    }

    private func phdr(type: UInt32, flags: UInt32, offset: UInt64, vaddr: UInt64, paddr: UInt64,
                      fileSize: UInt64, memSize: UInt64, align: UInt64 = 0x1000) -> [UInt8] {
        le(UInt64(type), 4) + le(UInt64(flags), 4) + le(offset, 8) + le(vaddr, 8) + le(paddr, 8)
            + le(fileSize, 8) + le(memSize, 8) + le(align, 8)
    }

    private func shdr(name: UInt32, type: UInt32, offset: UInt64, size: UInt64, addralign: UInt64) -> [UInt8] {
        le(UInt64(name), 4) + le(UInt64(type), 4) + le(0, 8) + le(0, 8) + le(offset, 8) + le(size, 8)
            + le(0, 4) + le(0, 4) + le(addralign, 8) + le(0, 8)
    }
}

extension TestELF.Note {
    static func string(_ type: UInt32, _ value: String) -> Self {
        Self(type: type, desc: Array(value.utf8) + [0])
    }

    static func u64(_ type: UInt32, _ value: UInt64) -> Self {
        Self(type: type, desc: le(value, 8))
    }

    static func u32(_ type: UInt32, _ value: UInt32) -> Self {
        Self(type: type, desc: le(UInt64(value), 4))
    }

    /// namesz, descsz, type, name (padded to 4), desc (padded to 4).
    func encoded() -> [UInt8] {
        let name = Array(owner.utf8) + [0]
        return le(UInt64(name.count), 4) + le(UInt64(desc.count), 4) + le(UInt64(type), 4)
            + padded(name) + padded(desc)
    }

    private func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
    }
}

/// `value` as `width` little-endian bytes.
func le(_ value: UInt64, _ width: Int) -> [UInt8] {
    (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// Overwrites bytes at `offset`.
func put(_ bytes: inout [UInt8], _ offset: Int, _ value: [UInt8]) {
    bytes.replaceSubrange(offset..<offset + value.count, with: value)
}

/// Wraps a payload in a minimal bzImage: boot sector + `setupSects` sectors of setup
/// code, the setup header, then the payload followed by Linux's 4-byte size trailer.
func makeBzImage(payload: [UInt8], uncompressedSize: Int, setupSects: UInt8 = 2,
                 version: UInt16 = 0x020f, payloadOffset: UInt32 = 0x2cc) -> [UInt8] {
    let sectors = setupSects == 0 ? 4 : Int(setupSects)
    let payloadStart = (sectors + 1) * 512 + Int(payloadOffset)
    let withTrailer = payload + le(UInt64(uncompressedSize), 4)
    var image = [UInt8](repeating: 0, count: payloadStart)
    image[0x1f1] = setupSects
    put(&image, 0x202, Array("HdrS".utf8) + le(UInt64(version), 2))
    put(&image, 0x248, le(UInt64(payloadOffset), 4) + le(UInt64(withTrailer.count), 4))
    return image + withTrailer
}

/// Compressors for the round-trip tests, using the libraries the loader decodes with.
enum TestCompress {
    static func compress(_ format: Decompressor.Format, _ data: [UInt8]) -> [UInt8] {
        switch format {
        case .xz: xz(data)
        case .gzip: gzip(data)
        case .zstd: zstd(data)
        case .lzma: lzmaAlone(data)
        }
    }

    /// One .xz stream with a CRC32 check, like Linux's `xzkern`.
    static func xz(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: data.count + data.count / 2 + 1024)
        var written = 0
        let result = out.withUnsafeMutableBufferPointer { outBuffer in
            data.withUnsafeBufferPointer { inBuffer in
                lzma_easy_buffer_encode(1, LZMA_CHECK_CRC32, nil, inBuffer.baseAddress, inBuffer.count,
                                        outBuffer.baseAddress, &written, outBuffer.count)
            }
        }
        precondition(result == LZMA_OK)
        return Array(out[..<written])
    }

    /// A legacy .lzma stream (known size in the header).
    static func lzmaAlone(_ data: [UInt8]) -> [UInt8] {
        var options = lzma_options_lzma()
        precondition(lzma_lzma_preset(&options, 1) == 0)
        var stream = lzma_stream()
        precondition(lzma_alone_encoder(&stream, &options) == LZMA_OK)
        defer { lzma_end(&stream) }
        var out = [UInt8](repeating: 0, count: data.count + data.count / 2 + 1024)
        let produced = out.withUnsafeMutableBufferPointer { outBuffer in
            data.withUnsafeBufferPointer { inBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = inBuffer.count
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = outBuffer.count
                let result = lzma_code(&stream, LZMA_FINISH)
                precondition(result == LZMA_STREAM_END)
                return outBuffer.count - stream.avail_out
            }
        }
        return Array(out[..<produced])
    }

    /// gzip: a 10-byte header, zlib's raw deflate data (its 2-byte zlib header and
    /// 4-byte Adler-32 trailer removed), CRC-32 and ISIZE (RFC 1952).
    static func gzip(_ data: [UInt8]) -> [UInt8] {
        var length = compressBound(UInt(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let result = out.withUnsafeMutableBufferPointer { outBuffer in
            data.withUnsafeBufferPointer { inBuffer in
                compress2(outBuffer.baseAddress, &length, inBuffer.baseAddress, UInt(inBuffer.count), 6)
            }
        }
        precondition(result == Z_OK)
        let deflate = out[2..<Int(length) - 4]
        let crc = data.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        return [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + deflate + le(UInt64(crc), 4) + le(UInt64(data.count), 4)
    }

    static func zstd(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
        let written = out.withUnsafeMutableBufferPointer { outBuffer in
            data.withUnsafeBufferPointer { inBuffer in
                ZSTD_compress(outBuffer.baseAddress, outBuffer.count, inBuffer.baseAddress, inBuffer.count, 3)
            }
        }
        precondition(ZSTD_isError(written) == 0)
        return Array(out[..<written])
    }
}

/// Pseudo-random but compressible bytes (a repeating LCG pattern).
func sampleBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed
    return (0..<count).map { index in
        if index % 7 == 0 { state = state &* 1_103_515_245 &+ 12345 }
        return UInt8(truncatingIfNeeded: state >> 16)
    }
}

/// Sanity checks on the fixtures themselves.
@Suite("Loader fixtures")
struct LoaderFixtureTests {
    @Test func testELFParsesWithItsLayout() throws {
        let (bytes, layout) = TestELF.linuxLike().buildWithLayout()
        let elf = try ELFImage(bytes)
        #expect(elf.programHeaders.count == 3)
        #expect(elf.loadableSegments.count == 2)
        #expect(elf.noteSegments.first?.offset == UInt64(layout.noteOffset))
        #expect(elf.sectionHeaders.count == 2)
        #expect(elf.name(of: elf.sectionHeaders[1]) == ".shstrtab")
    }

    @Test(arguments: [Decompressor.Format.gzip, .xz, .zstd, .lzma])
    func compressorsProduceTheRightMagic(format: Decompressor.Format) throws {
        let compressed = TestCompress.compress(format, sampleBytes(1000))
        #expect(try BzImage.sniff(compressed[...]) == format)
    }
}
