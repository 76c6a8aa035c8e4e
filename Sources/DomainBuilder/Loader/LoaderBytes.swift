/// A bounds-checked little-endian view of a kernel image held in memory.
///
/// Every offset and size read from an ELF or bzImage header is hostile, so each
/// accessor returns nil instead of trapping when the request leaves the buffer or
/// its arithmetic would overflow. Values are assembled byte by byte: no unaligned
/// pointer loads, no unsafe code.
struct LoaderBytes {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var count: Int { bytes.count }

    /// The in-bounds byte range [offset, offset + size), or nil if any part of it
    /// lies outside the buffer or the end overflows.
    func range(offset: UInt64, size: UInt64) -> Range<Int>? {
        let (end, overflow) = offset.addingReportingOverflow(size)
        guard !overflow, end <= UInt64(bytes.count) else { return nil }
        // Both fit in Int because they are at most bytes.count.
        return Int(offset)..<Int(end)
    }

    func u8(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        return bytes[offset]
    }

    func u16(at offset: Int) -> UInt16? {
        load(at: offset, width: 2).map { UInt16(truncatingIfNeeded: $0) }
    }

    func u32(at offset: Int) -> UInt32? {
        load(at: offset, width: 4).map { UInt32(truncatingIfNeeded: $0) }
    }

    func u64(at offset: Int) -> UInt64? {
        load(at: offset, width: 8)
    }

    /// A little-endian unsigned value of `width` (1...8) bytes.
    func load(at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, width > 0, width <= 8, offset <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for index in stride(from: width - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        return value
    }

    /// Whether the bytes at `offset` equal `prefix` (false when out of bounds).
    func matches(_ prefix: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= bytes.count - prefix.count else { return false }
        return bytes[offset..<offset + prefix.count].elementsEqual(prefix)
    }
}
