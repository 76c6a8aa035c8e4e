/// The Linux bzImage wrapper: the real-mode setup code followed by a compressed
/// vmlinux (the ELF a PV domain boots). Only the setup header fields that locate
/// that payload matter for PV; code32_start, KASLR and the rest are irrelevant.
///
/// Xen: `xc_dom_probe_bzimage_kernel` / `xc_dom_parse_bzimage_kernel`,
/// tools/libs/guest/xg_dom_bzimageloader.c. Layout: Linux
/// Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header".
enum BzImage {
    /// Byte offsets in the setup header (boot.rst field table).
    private enum Offset {
        static let setupSects = 0x1f1      // u8: 512-byte sectors of setup code after the boot sector
        static let headerMagic = 0x202     // "HdrS"
        static let version = 0x206         // u16: boot protocol version, major << 8 | minor
        static let payloadOffset = 0x248   // u32 (protocol 2.08+): payload start after the setup code
        static let payloadLength = 0x24c   // u32 (protocol 2.08+): payload length
        static let headerEnd = 0x250       // the loader reads nothing past this
    }

    private static let headerMagic: [UInt8] = Array("HdrS".utf8)
    /// payload_offset/payload_length first appear in boot protocol 2.08.
    private static let minimumVersion: UInt16 = 0x0208

    /// Whether `bytes` carries the setup header magic (the check
    /// `xc_dom_probe_bzimage_kernel` starts with).
    static func isBzImage(_ bytes: LoaderBytes) -> Bool {
        bytes.matches(headerMagic, at: Offset.headerMagic)
    }

    /// The compressed payload's byte range in `bytes`, every field checked against
    /// the file size.
    static func payloadRange(_ bytes: LoaderBytes) throws(LoaderError) -> Range<Int> {
        guard isBzImage(bytes) else { throw .notELFOrBzImage }
        guard bytes.count >= Offset.headerEnd,
              let version = bytes.u16(at: Offset.version),
              let sects = bytes.u8(at: Offset.setupSects),
              let payloadOffset = bytes.u32(at: Offset.payloadOffset),
              let payloadLength = bytes.u32(at: Offset.payloadLength)
        else { throw .bzImageHeaderTruncated }
        guard version >= minimumVersion else { throw .bzImageProtocolTooOld(version: version) }

        // boot.rst: "If this field is 0, the real value is 4."
        let setupSects = sects == 0 ? 4 : UInt64(sects)
        // At most 256 * 512 + 2^32: no overflow in UInt64.
        let start = (setupSects + 1) * 512 + UInt64(payloadOffset)
        guard let range = bytes.range(offset: start, size: UInt64(payloadLength)) else {
            throw .bzImagePayloadOutsideFile(offset: start, length: UInt64(payloadLength), fileSize: bytes.count)
        }
        return range
    }

    /// The payload's format, from its magic number. Formats Xen also recognises but
    /// this loader does not decode are reported by name.
    static func sniff(_ payload: ArraySlice<UInt8>) throws(LoaderError) -> Decompressor.Format {
        func starts(with magic: [UInt8]) -> Bool {
            payload.count >= magic.count && payload.prefix(magic.count).elementsEqual(magic)
        }
        if starts(with: [0x1f, 0x8b]) { return .gzip }
        if starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        if starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        // An LZMA-alone header: properties byte 0x5d (lc=3, lp=0, pb=2) and a
        // little-endian dictionary size whose low bytes are zero.
        if starts(with: [0x5d, 0x00, 0x00]) { return .lzma }
        if starts(with: Array("BZh".utf8)) { throw .unsupportedCompression("bzip2") }
        if starts(with: [0x89, 0x4c, 0x5a, 0x4f]) { throw .unsupportedCompression("lzo") }
        if starts(with: [0x02, 0x21, 0x4c, 0x18]) { throw .unsupportedCompression("lz4") }
        throw .unknownCompression(magic: Array(payload.prefix(6)))
    }

    /// Unpacks the vmlinux ELF from a bzImage.
    static func extractELF(_ bytes: LoaderBytes) throws(LoaderError) -> (elf: [UInt8], format: Decompressor.Format) {
        let range = try payloadRange(bytes)
        let payload = bytes.bytes[range]
        let format = try sniff(payload)
        // Linux appends the uncompressed size as a trailing u32 (size_append in
        // arch/x86/boot/compressed/Makefile); it sizes the first output buffer.
        let sizeHint = payload.count >= 4
            ? bytes.u32(at: range.upperBound - 4).map { Int($0) }
            : nil
        let elf = try Decompressor.decompress(format, payload, sizeHint: sizeHint)
        guard ELFImage.hasMagic(LoaderBytes(elf)) else { throw .bzImagePayloadNotELF }
        return (elf, format)
    }
}
