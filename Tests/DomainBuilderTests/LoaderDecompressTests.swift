import Testing

@testable import DomainBuilder

@Suite("Decompressor")
struct LoaderDecompressTests {
    static let formats: [Decompressor.Format] = [.gzip, .xz, .zstd, .lzma]

    @Test(arguments: formats, [0, 1, 4096, 300_000])
    func roundTrip(format: Decompressor.Format, size: Int) throws {
        let data = sampleBytes(size, seed: UInt32(size))
        let compressed = TestCompress.compress(format, data)
        #expect(try Decompressor.decompress(format, compressed) == data)
    }

    /// Linux appends a 4-byte size after the stream; a single-stream decoder must
    /// stop at the stream's end and ignore it (pv-abi-notes §1.1).
    @Test(arguments: formats)
    func trailingBytesAreIgnored(format: Decompressor.Format) throws {
        let data = sampleBytes(100_000)
        let compressed = TestCompress.compress(format, data) + le(UInt64(data.count), 4)
        #expect(try Decompressor.decompress(format, compressed) == data)
    }

    /// Only the first stream is decoded, even when a second valid one follows.
    @Test(arguments: formats)
    func onlyTheFirstStreamIsDecoded(format: Decompressor.Format) throws {
        let first = sampleBytes(5000, seed: 7), second = sampleBytes(5000, seed: 8)
        let compressed = TestCompress.compress(format, first) + TestCompress.compress(format, second)
        #expect(try Decompressor.decompress(format, compressed) == first)
    }

    /// A wrong size hint (too small, too big, absurd) only changes buffer sizing.
    @Test(arguments: [nil, 0, 10, 1 << 30, Int.max])
    func sizeHintIsNotTrusted(hint: Int?) throws {
        let data = sampleBytes(200_000)
        let compressed = TestCompress.xz(data)
        #expect(try Decompressor.xz(compressed[...], sizeHint: hint) == data)
    }

    @Test(arguments: formats)
    func truncatedStreamIsReported(format: Decompressor.Format) throws {
        let compressed = TestCompress.compress(format, sampleBytes(100_000))
        let cut = Array(compressed.prefix(compressed.count / 2))
        #expect(throws: LoaderError.truncatedPayload(format: format.rawValue)) {
            try Decompressor.decompress(format, cut)
        }
    }

    @Test func emptyInputIsTruncated() {
        for format in Self.formats {
            #expect(throws: LoaderError.truncatedPayload(format: format.rawValue)) {
                try Decompressor.decompress(format, [])
            }
        }
    }

    @Test func corruptXZNamesLiblzmaError() throws {
        var compressed = TestCompress.xz(sampleBytes(100_000))
        compressed[compressed.count / 2] ^= 0xff
        let error = #expect(throws: LoaderError.self) { try Decompressor.xz(compressed[...]) }
        #expect(error?.description == "xz payload is corrupt (LZMA_DATA_ERROR)")
    }

    @Test(arguments: [Decompressor.Format.gzip, .zstd, .lzma])
    func corruptStreamIsReported(format: Decompressor.Format) throws {
        var compressed = TestCompress.compress(format, sampleBytes(100_000))
        // Damage the body (and, for gzip/zstd, make the checksum disagree).
        for index in stride(from: 20, to: compressed.count - 8, by: 97) { compressed[index] ^= 0x5a }
        let error = #expect(throws: LoaderError.self) { try Decompressor.decompress(format, compressed) }
        switch error {
        case .corruptPayload(let name, _)?: #expect(name == format.rawValue)
        case .truncatedPayload?: break  // lzma can read damaged data as an early end
        default: Issue.record("unexpected \(String(describing: error))")
        }
    }

    @Test func wrongMagicIsCorrupt() {
        #expect(throws: LoaderError.corruptPayload(format: "xz", detail: "LZMA_FORMAT_ERROR")) {
            try Decompressor.xz(Array("not xz at all, clearly".utf8)[...])
        }
    }

    /// Output exactly at the cap is accepted; one byte more is refused, with the cap
    /// in the message. (A 1 MiB cap stands in for the 512 MiB default.)
    @Test(arguments: formats)
    func outputCap(format: Decompressor.Format) throws {
        let limit = 1 << 20
        let atLimit = [UInt8](repeating: 0x41, count: limit)
        #expect(try Decompressor.decompress(format, TestCompress.compress(format, atLimit), limit: limit).count == limit)
        let over = TestCompress.compress(format, atLimit + [0x41])
        let error = #expect(throws: LoaderError.decompressedTooLarge(limit: limit)) {
            try Decompressor.decompress(format, over, limit: limit)
        }
        #expect(error?.description == "decompressed kernel exceeds 1 MiB")
    }

    @Test func defaultCapMessage() {
        #expect(LoaderError.decompressedTooLarge(limit: Decompressor.outputLimit).description
            == "decompressed kernel exceeds 512 MiB")
    }
}
