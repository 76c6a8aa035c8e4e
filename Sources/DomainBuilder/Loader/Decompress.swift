import CLibCompress

/// Decoders for the compressed payload of a bzImage: xz, gzip, zstd and legacy
/// lzma, each decoding exactly one stream and ignoring whatever follows it.
///
/// Xen: the `xc_try_*_decode` family in tools/libs/guest/xg_dom_bzimageloader.c
/// (behaviour only; the decoding itself is liblzma, zlib and libzstd).
///
/// Linux appends the uncompressed size as a 4-byte little-endian word after the
/// compressed stream (arch/x86/boot/compressed/Makefile, `size_append`). That word is
/// not valid xz stream padding, so the xz decoder must not be told to expect
/// concatenated streams (pv-abi-notes §1.1); every decoder here stops at the end of
/// its first stream and leaves trailing bytes unread.
///
/// The libraries take raw pointers, so this file holds the loader's only unsafe
/// code. Each decoder keeps the input pinned (inside one `withUnsafeBufferPointer`)
/// for the stream's whole life, and hands the library a fresh output pointer on
/// every call because the output array may move when it grows.
enum Decompressor {
    /// The largest output any decoder will produce. A PV kernel is tens of MiB
    /// (Debian 12: 63 MiB); the cap stops a hostile payload from exhausting memory.
    static let outputLimit = 512 << 20

    /// liblzma's decoder memory limit. The Linux kernel uses a 32 MiB dictionary
    /// (pv-abi-notes §1.1); anything asking for more than this is not a kernel.
    static let lzmaMemoryLimit: UInt64 = 256 << 20

    /// The payload formats the loader can decode, named as in error messages.
    enum Format: String, Sendable {
        case gzip, xz, zstd, lzma
    }

    /// Decodes one stream of `format`. `sizeHint` (the bzImage size trailer) only
    /// sizes the first output buffer; it is not trusted.
    static func decompress(
        _ format: Format, _ input: ArraySlice<UInt8>, sizeHint: Int? = nil, limit: Int = outputLimit
    ) throws(LoaderError) -> [UInt8] {
        switch format {
        case .xz: return try xz(input, sizeHint: sizeHint, limit: limit)
        case .gzip: return try gzip(input, sizeHint: sizeHint, limit: limit)
        case .zstd: return try zstd(input, sizeHint: sizeHint, limit: limit)
        case .lzma: return try lzma(input, sizeHint: sizeHint, limit: limit)
        }
    }

    /// Decodes exactly one .xz stream (liblzma `lzma_stream_decoder` without
    /// `LZMA_CONCATENATED`); bytes after the stream are ignored.
    static func xz(_ input: ArraySlice<UInt8>, sizeHint: Int? = nil, limit: Int = outputLimit) throws(LoaderError) -> [UInt8] {
        try unsafe runLZMA(.xz, input, sizeHint: sizeHint, limit: limit) { stream in
            // SAFETY: `stream` points at a zero-initialised lzma_stream owned by runLZMA.
            unsafe lzma_stream_decoder(stream, lzmaMemoryLimit, 0)
        }
    }

    /// Decodes one legacy .lzma ("LZMA alone") stream; bytes after it are ignored.
    static func lzma(_ input: ArraySlice<UInt8>, sizeHint: Int? = nil, limit: Int = outputLimit) throws(LoaderError) -> [UInt8] {
        try unsafe runLZMA(.lzma, input, sizeHint: sizeHint, limit: limit) { stream in
            // SAFETY: as in `xz`.
            unsafe lzma_alone_decoder(stream, lzmaMemoryLimit)
        }
    }

    /// Decodes one gzip (or zlib) member with zlib `inflate`, window bits 15 + 32
    /// (automatic header detection); the gzip trailer is checked by zlib and bytes
    /// after the member are ignored.
    static func gzip(_ input: ArraySlice<UInt8>, sizeHint: Int? = nil, limit: Int = outputLimit) throws(LoaderError) -> [UInt8] {
        guard input.count <= Int(UInt32.max) else {
            throw .decompressorFailed(format: "gzip", detail: "input larger than 4 GiB")
        }
        var output = OutputBuffer(inputCount: input.count, sizeHint: sizeHint, limit: limit)
        var stream = unsafe z_stream()
        // SAFETY: `stream` is a zero-initialised z_stream (no custom allocator).
        let initResult = unsafe clibcompress_inflate_init2(&stream, 15 + 32)
        guard initResult == Z_OK else {
            throw .decompressorFailed(format: "gzip", detail: zlibName(initResult))
        }
        defer {
            // SAFETY: `stream` was initialised by inflateInit2 above.
            _ = unsafe inflateEnd(&stream)
        }

        try unsafe input.withUnsafeBufferPointer { (inputBuffer) throws(LoaderError) in
            // SAFETY: zlib reads at most avail_in bytes from next_in and never writes
            // through it (z_const); the buffer stays pinned for this whole closure.
            unsafe stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            unsafe stream.avail_in = UInt32(inputBuffer.count)
            while true {
                try output.reserveSpace()
                let result = unsafe output.fill { (next, available) in
                    // SAFETY: `next` has `available` writable bytes for this call only.
                    unsafe stream.next_out = next
                    unsafe stream.avail_out = UInt32(clamping: available)
                    let before = unsafe Int(stream.avail_out)
                    let result = unsafe inflate(&stream, Z_NO_FLUSH)
                    return unsafe (result, before - Int(stream.avail_out))
                }
                switch result {
                case Z_STREAM_END:
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR where unsafe stream.avail_in == 0:
                    throw .truncatedPayload(format: "gzip")
                case Z_BUF_ERROR:
                    continue
                case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                    // SAFETY: zlib sets msg to nil or to a static NUL-terminated string.
                    let message = unsafe stream.msg.map { unsafe String(cString: $0) }
                    throw .corruptPayload(
                        format: "gzip", detail: zlibName(result) + (message.map { ": " + $0 } ?? ""))
                default:
                    throw .decompressorFailed(format: "gzip", detail: zlibName(result))
                }
            }
        }
        return try output.finish()
    }

    /// Decodes one zstd frame with `ZSTD_decompressStream`; bytes after it are ignored.
    static func zstd(_ input: ArraySlice<UInt8>, sizeHint: Int? = nil, limit: Int = outputLimit) throws(LoaderError) -> [UInt8] {
        var output = OutputBuffer(inputCount: input.count, sizeHint: sizeHint, limit: limit)
        guard let context = unsafe ZSTD_createDCtx() else {
            throw .decompressorFailed(format: "zstd", detail: "cannot allocate a decoder context")
        }
        defer {
            // SAFETY: `context` came from ZSTD_createDCtx and is freed once.
            _ = unsafe ZSTD_freeDCtx(context)
        }

        try unsafe input.withUnsafeBufferPointer { (inputBuffer) throws(LoaderError) in
            // SAFETY: libzstd reads [src + pos, src + size) only during the calls below,
            // all of which happen while the buffer is pinned by this closure.
            var source = unsafe ZSTD_inBuffer(src: inputBuffer.baseAddress, size: inputBuffer.count, pos: 0)
            while true {
                try output.reserveSpace()
                let result = unsafe output.fill { (next, available) in
                    // SAFETY: `next` has `available` writable bytes for this call only.
                    var sink = unsafe ZSTD_outBuffer(dst: next, size: available, pos: 0)
                    let result = unsafe ZSTD_decompressStream(context, &sink, &source)
                    return unsafe (result, ZSTD_isError(result) != 0 ? 0 : sink.pos)
                }
                if ZSTD_isError(result) != 0 {
                    // SAFETY: ZSTD_getErrorName returns a static NUL-terminated string.
                    let name = unsafe String(cString: ZSTD_getErrorName(result))
                    if ZSTD_getErrorCode(result) == ZSTD_error_memory_allocation {
                        throw .decompressorFailed(format: "zstd", detail: name)
                    }
                    throw .corruptPayload(format: "zstd", detail: name)
                }
                // 0 means the frame is fully decoded and flushed.
                if result == 0 { return }
                if unsafe source.pos == source.size && !output.isFull {
                    throw .truncatedPayload(format: "zstd")
                }
            }
        }
        return try output.finish()
    }

    /// Shared driver for liblzma's two decoders (.xz and legacy .lzma).
    private static func runLZMA(
        _ format: Format, _ input: ArraySlice<UInt8>, sizeHint: Int?, limit: Int,
        initialise: (UnsafeMutablePointer<lzma_stream>) -> lzma_ret
    ) throws(LoaderError) -> [UInt8] {
        var output = OutputBuffer(inputCount: input.count, sizeHint: sizeHint, limit: limit)
        // A zero-filled lzma_stream is what LZMA_STREAM_INIT expands to.
        var stream = unsafe lzma_stream()
        let initResult = unsafe initialise(&stream)
        guard initResult == LZMA_OK else {
            throw .decompressorFailed(format: format.rawValue, detail: lzmaName(initResult))
        }
        defer {
            // SAFETY: the decoder was initialised above; lzma_end frees it once.
            unsafe lzma_end(&stream)
        }

        try unsafe input.withUnsafeBufferPointer { (inputBuffer) throws(LoaderError) in
            // SAFETY: liblzma reads at most avail_in bytes from next_in during
            // lzma_code; every such call happens while this closure pins the buffer.
            unsafe stream.next_in = inputBuffer.baseAddress
            unsafe stream.avail_in = inputBuffer.count
            while true {
                try output.reserveSpace()
                let result = unsafe output.fill { (next, available) in
                    // SAFETY: `next` has `available` writable bytes for this call only.
                    unsafe stream.next_out = next
                    unsafe stream.avail_out = available
                    let result = unsafe lzma_code(&stream, LZMA_FINISH)
                    return unsafe (result, available - stream.avail_out)
                }
                switch result {
                case LZMA_STREAM_END:
                    return
                case LZMA_OK:
                    continue
                case LZMA_BUF_ERROR:
                    // No progress with all input supplied and output space free:
                    // the stream ended early.
                    throw .truncatedPayload(format: format.rawValue)
                case LZMA_DATA_ERROR, LZMA_FORMAT_ERROR, LZMA_OPTIONS_ERROR:
                    throw .corruptPayload(format: format.rawValue, detail: lzmaName(result))
                default:
                    throw .decompressorFailed(format: format.rawValue, detail: lzmaName(result))
                }
            }
        }
        return try output.finish()
    }

    private static func lzmaName(_ result: lzma_ret) -> String {
        switch result {
        case LZMA_OK: "LZMA_OK"
        case LZMA_STREAM_END: "LZMA_STREAM_END"
        case LZMA_NO_CHECK: "LZMA_NO_CHECK"
        case LZMA_UNSUPPORTED_CHECK: "LZMA_UNSUPPORTED_CHECK"
        case LZMA_GET_CHECK: "LZMA_GET_CHECK"
        case LZMA_MEM_ERROR: "LZMA_MEM_ERROR"
        case LZMA_MEMLIMIT_ERROR: "LZMA_MEMLIMIT_ERROR"
        case LZMA_FORMAT_ERROR: "LZMA_FORMAT_ERROR"
        case LZMA_OPTIONS_ERROR: "LZMA_OPTIONS_ERROR"
        case LZMA_DATA_ERROR: "LZMA_DATA_ERROR"
        case LZMA_BUF_ERROR: "LZMA_BUF_ERROR"
        case LZMA_PROG_ERROR: "LZMA_PROG_ERROR"
        default: "lzma_ret \(result.rawValue)"
        }
    }

    private static func zlibName(_ result: Int32) -> String {
        switch result {
        case Z_OK: "Z_OK"
        case Z_STREAM_END: "Z_STREAM_END"
        case Z_NEED_DICT: "Z_NEED_DICT"
        case Z_ERRNO: "Z_ERRNO"
        case Z_STREAM_ERROR: "Z_STREAM_ERROR"
        case Z_DATA_ERROR: "Z_DATA_ERROR"
        case Z_MEM_ERROR: "Z_MEM_ERROR"
        case Z_BUF_ERROR: "Z_BUF_ERROR"
        case Z_VERSION_ERROR: "Z_VERSION_ERROR"
        default: "zlib error \(result)"
        }
    }
}

extension Decompressor {
    /// Decodes one stream of `format` from a whole array.
    static func decompress(
        _ format: Format, _ input: [UInt8], sizeHint: Int? = nil, limit: Int = outputLimit
    ) throws(LoaderError) -> [UInt8] {
        try decompress(format, input[...], sizeHint: sizeHint, limit: limit)
    }
}

/// The decoders' output: a zero-filled array the library writes into, grown
/// geometrically (so a 63 MiB kernel costs a handful of reallocations at most) and
/// never beyond `limit + 1` bytes. The extra byte is how an over-long stream is
/// told apart from one that ends exactly at the limit.
private struct OutputBuffer {
    private var storage: [UInt8]
    private(set) var produced = 0
    private let limit: Int

    init(inputCount: Int, sizeHint: Int?, limit: Int) {
        self.limit = limit
        let ceiling = limit + 1
        let guess: Int
        if let sizeHint, sizeHint >= 0, sizeHint < ceiling {
            guess = sizeHint + 1
        } else {
            let (scaled, overflow) = inputCount.multipliedReportingOverflow(by: 4)
            guess = overflow ? ceiling : scaled
        }
        storage = [UInt8](repeating: 0, count: min(max(guess, 64 << 10), ceiling))
    }

    var isFull: Bool { produced == storage.count }

    /// Makes room for more output, or throws if the cap has been reached.
    mutating func reserveSpace() throws(LoaderError) {
        guard isFull else { return }
        guard storage.count <= limit else { throw .decompressedTooLarge(limit: limit) }
        let newCount = min(storage.count * 2, limit + 1)
        storage += [UInt8](repeating: 0, count: newCount - storage.count)
    }

    /// Lends the free tail of the buffer to `body`, which returns the library's
    /// result and how many bytes it wrote.
    mutating func fill<R>(_ body: (UnsafeMutablePointer<UInt8>, Int) -> (R, Int)) -> R {
        let start = produced
        let (result, written) = unsafe storage.withUnsafeMutableBufferPointer { buffer in
            // SAFETY: start < buffer.count (reserveSpace ran first), so the pointer
            // and count describe in-bounds, writable bytes of `storage`.
            unsafe body(buffer.baseAddress.unsafelyUnwrapped + start, buffer.count - start)
        }
        precondition(written >= 0 && written <= storage.count - start, "decoder overran its output")
        produced += written
        return result
    }

    /// The decoded bytes, trimmed; throws if the stream ended past the cap.
    consuming func finish() throws(LoaderError) -> [UInt8] {
        guard produced <= limit else { throw .decompressedTooLarge(limit: limit) }
        if storage.count - produced > max(produced / 4, 1 << 20) {
            // Far too big a guess: copy rather than keep the slack alive.
            return Array(storage[..<produced])
        }
        storage.removeLast(storage.count - produced)
        return storage
    }
}
