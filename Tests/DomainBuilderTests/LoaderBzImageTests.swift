import Testing

@testable import DomainBuilder

@Suite("bzImage")
struct LoaderBzImageTests {
    static let elf = TestELF.linuxLike().build()

    @Test(arguments: [Decompressor.Format.gzip, .xz, .zstd, .lzma], [UInt8(0), 2, 39])
    func unpacksEveryFormat(format: Decompressor.Format, setupSects: UInt8) throws {
        let image = makeBzImage(payload: TestCompress.compress(format, Self.elf),
                                uncompressedSize: Self.elf.count, setupSects: setupSects)
        let (elf, found) = try BzImage.extractELF(LoaderBytes(image))
        #expect(found == format)
        #expect(elf == Self.elf)

        let kernel = try KernelImage.parse(image)
        #expect(kernel.compression == format.rawValue)
        #expect(kernel.virtEntry == 0xffff_ffff_8100_1000)
    }

    /// setup_sects 0 means 4 (boot.rst): the payload is found after 5 sectors.
    @Test func setupSectsZeroMeansFour() throws {
        let image = makeBzImage(payload: [0x1f, 0x8b], uncompressedSize: 0, setupSects: 0, payloadOffset: 0)
        #expect(try BzImage.payloadRange(LoaderBytes(image)) == 5 * 512..<5 * 512 + 6)
    }

    @Test(arguments: [
        (Array("BZh91AY&SY".utf8), "unsupported compression 'bzip2'"),
        ([0x89, 0x4c, 0x5a, 0x4f, 0, 0x0d], "unsupported compression 'lzo'"),
        ([0x02, 0x21, 0x4c, 0x18, 0, 0], "unsupported compression 'lz4'"),
        ([0xde, 0xad, 0xbe, 0xef, 0, 1, 2], "bzImage payload has an unknown compression format (magic de ad be ef 00 01)"),
    ])
    func unsupportedPayloads(payload: [UInt8], message: String) {
        let image = makeBzImage(payload: payload, uncompressedSize: 0)
        let error = #expect(throws: LoaderError.self) { try KernelImage.parse(image) }
        #expect(error?.description == message)
    }

    @Test func corruptXZPayload() {
        var payload = TestCompress.xz(Self.elf)
        payload[payload.count / 2] ^= 0xff
        let image = makeBzImage(payload: payload, uncompressedSize: Self.elf.count)
        let error = #expect(throws: LoaderError.self) { try KernelImage.parse(image) }
        #expect(error?.description == "xz payload is corrupt (LZMA_DATA_ERROR)")
    }

    @Test func payloadThatIsNotAnELF() {
        let image = makeBzImage(payload: TestCompress.xz(Array("hello".utf8)), uncompressedSize: 5)
        #expect(throws: LoaderError.bzImagePayloadNotELF) { try KernelImage.parse(image) }
    }

    @Test func protocolBefore208IsRefused() {
        let image = makeBzImage(payload: TestCompress.xz(Self.elf), uncompressedSize: Self.elf.count,
                                version: 0x0206)
        let error = #expect(throws: LoaderError.bzImageProtocolTooOld(version: 0x0206)) {
            try KernelImage.parse(image)
        }
        #expect(error?.description == "bzImage boot protocol 2.6 is older than 2.08 and has no payload fields")
    }

    @Test func headerCutShort() {
        let image = Array(makeBzImage(payload: [], uncompressedSize: 0).prefix(0x210))
        #expect(throws: LoaderError.bzImageHeaderTruncated) { try KernelImage.parse(image) }
    }

    /// payload_offset/payload_length pointing past the end of the file, including
    /// values whose sum overflows 32 bits.
    @Test(arguments: [
        (UInt32(0x2cc), UInt32(0x10_0000)),
        (UInt32.max, UInt32(16)),
        (UInt32(0x2cc), UInt32.max),
        (UInt32.max, UInt32.max),
    ])
    func payloadOutsideFile(offset: UInt32, length: UInt32) {
        var image = makeBzImage(payload: TestCompress.xz(Self.elf), uncompressedSize: Self.elf.count)
        put(&image, 0x248, le(UInt64(offset), 4) + le(UInt64(length), 4))
        let error = #expect(throws: LoaderError.self) { try KernelImage.parse(image) }
        guard case .bzImagePayloadOutsideFile? = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
    }
}
