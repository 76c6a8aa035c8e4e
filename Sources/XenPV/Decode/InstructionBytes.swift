// The bytes fetched at a faulting guest RIP, as a fixed-size value.
//
// The decoders in this folder run in the ring-0 shim (Embedded Swift, no
// allocator) as well as in the host, so an instruction is carried as a
// 16-byte tuple plus a count instead of an Array. Only the first 15 bytes are
// ever looked at: an x86 instruction is at most 15 bytes long (Intel SDM
// Vol. 2A §2.3.11, "AVX Instruction Length"; Vol. 3A §6.15 #GP for longer
// instructions).
//
// Xen analogue: the `insn_fetch` buffer of x86_emulate
// (xen/arch/x86/x86_emulate/private.h).

/// Up to 16 instruction bytes copied from guest memory at the faulting RIP.
///
/// `count` says how many of `bytes` are valid; a fetch that stopped early at
/// an unmapped page gives a short count and the decoders answer `nil` when
/// the instruction needs more bytes than were fetched.
public struct InstructionBytes: Sendable {
    /// The architectural maximum instruction length (Intel SDM Vol. 2A
    /// §2.3.11): a decoder never reads byte 15 or beyond.
    public static let maximumLength = 15

    /// The bytes, first byte first. Bytes at and past `count` are ignored.
    public var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                       UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    /// The number of valid bytes; values outside 0...16 are treated as
    /// clamped to that range.
    public var count: Int

    /// No bytes.
    public init() {
        bytes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        count = 0
    }

    /// Copies `count` bytes (at most 16) produced by `byte(i)` for
    /// `i` in `0..<count`, e.g. from a guest-memory read.
    public init(count: Int, _ byte: (Int) -> UInt8) {
        self.init()
        let n = count < 0 ? 0 : (count > 16 ? 16 : count)
        for i in 0..<n {
            _ = append(byte(i))
        }
    }

    /// Appends one byte; returns `false` (and changes nothing) when all 16
    /// slots are full.
    @discardableResult
    public mutating func append(_ byte: UInt8) -> Bool {
        let n = count < 0 ? 0 : count
        guard n < 16 else { return false }
        switch n {
        case 0: bytes.0 = byte
        case 1: bytes.1 = byte
        case 2: bytes.2 = byte
        case 3: bytes.3 = byte
        case 4: bytes.4 = byte
        case 5: bytes.5 = byte
        case 6: bytes.6 = byte
        case 7: bytes.7 = byte
        case 8: bytes.8 = byte
        case 9: bytes.9 = byte
        case 10: bytes.10 = byte
        case 11: bytes.11 = byte
        case 12: bytes.12 = byte
        case 13: bytes.13 = byte
        case 14: bytes.14 = byte
        default: bytes.15 = byte
        }
        count = n + 1
        return true
    }

    /// The byte at `index`, or `nil` when `index` is past `count` or past
    /// the 15-byte architectural limit.
    public subscript(index: Int) -> UInt8? {
        guard index >= 0, index < count, index < InstructionBytes.maximumLength else {
            return nil
        }
        switch index {
        case 0: return bytes.0
        case 1: return bytes.1
        case 2: return bytes.2
        case 3: return bytes.3
        case 4: return bytes.4
        case 5: return bytes.5
        case 6: return bytes.6
        case 7: return bytes.7
        case 8: return bytes.8
        case 9: return bytes.9
        case 10: return bytes.10
        case 11: return bytes.11
        case 12: return bytes.12
        case 13: return bytes.13
        default: return bytes.14
        }
    }

    /// The `size`-byte little-endian value at `index` (size 1...8), or `nil`
    /// when any of its bytes is missing.
    func littleEndian(at index: Int, size: Int) -> UInt64? {
        var value: UInt64 = 0
        var i = 0
        while i < size {
            guard let b = self[index &+ i] else { return nil }
            value |= UInt64(b) &<< UInt64(8 &* i)
            i += 1
        }
        return value
    }
}
