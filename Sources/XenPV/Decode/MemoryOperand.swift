// A decoded x86-64 memory operand and its address computation.
//
// Xen analogue: the `ea` (effective address) of x86_emulate's decode state
// (xen/arch/x86/x86_emulate/decode.c).

/// A memory operand in 64-bit mode: `segment:[base + index*scale + disp]`.
///
/// Built by `DecodedInstruction` from ModRM/SIB (Intel SDM Vol. 2A §2.1.5,
/// Tables 2-2 and 2-3, as changed for 64-bit mode in §2.2.1.3-2.2.1.6) or
/// from a `moffs` operand.
public struct MemoryOperand: Sendable, Equatable {
    /// The segment register named by a prefix or implied by the base.
    /// In 64-bit mode only FS and GS add a base (SDM Vol. 1 §3.3.7.1).
    public enum Segment: UInt8, Sendable, Equatable {
        case es = 0, cs, ss, ds, fs, gs
    }

    /// What the address is computed from besides the index.
    public enum Base: Sendable, Equatable {
        /// No base: absolute `disp32` (SIB base 101b with mod 00b) or `moffs`.
        case none
        /// A general-purpose register, 0-15.
        case register(Int)
        /// RIP-relative: the address of the next instruction plus `disp32`
        /// (SDM Vol. 2A §2.2.1.6).
        case rip
    }

    public var base: Base
    /// Index register 0-15, or `nil` (SIB index 100b without REX.X).
    public var index: Int?
    /// 1, 2, 4 or 8.
    public var scale: Int
    /// The displacement sign-extended to 64 bits (a `moffs` is stored
    /// zero-extended, as its bit pattern).
    public var displacement: Int64
    /// 8, or 4 under an address-size (67h) prefix: the sum is then
    /// truncated to 32 bits and zero-extended (SDM Vol. 1 §3.3.7).
    public var addressSize: Int
    public var segment: Segment

    /// The effective address (the offset within the segment), computed with
    /// wrapping arithmetic. `nextRIP` is the address of the following
    /// instruction, used by RIP-relative operands.
    public func effectiveAddress(registers: RegisterFile, nextRIP: UInt64) -> UInt64 {
        var sum = UInt64(bitPattern: displacement)
        switch base {
        case .none: break
        case .register(let n): sum = sum &+ registers[n]
        case .rip: sum = sum &+ nextRIP
        }
        if let index {
            sum = sum &+ (registers[index] &* UInt64(truncatingIfNeeded: scale))
        }
        return addressSize == 4 ? sum & 0xffff_ffff : sum
    }

    /// The linear address: the effective address plus the FS or GS base
    /// when that segment is used; CS, DS, ES and SS have base 0 in 64-bit
    /// mode (SDM Vol. 1 §3.3.7.1).
    public func linearAddress(registers: RegisterFile, nextRIP: UInt64,
                              fsBase: UInt64, gsBase: UInt64) -> UInt64 {
        let offset = effectiveAddress(registers: registers, nextRIP: nextRIP)
        switch segment {
        case .fs: return offset &+ fsBase
        case .gs: return offset &+ gsBase
        default: return offset
        }
    }
}

/// The operand an instruction's ModRM r/m field names: a register or memory.
public enum RMOperand: Sendable, Equatable {
    /// A general-purpose register, 0-15 (ModRM.mod = 11b).
    case register(Int)
    case memory(MemoryOperand)
}
