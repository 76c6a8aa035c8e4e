// The guest's general-purpose registers as the instruction decoders and the
// page-table write emulation see them, with the x86 rules for partial
// register reads and writes.
//
// Xen analogue: struct cpu_user_regs (public/arch-x86/xen-x86_64.h) as used
// by x86_emulate's `decode_gpr` (xen/arch/x86/x86_emulate/decode.c).

/// The 16 general-purpose registers, RIP and RFLAGS of one vCPU.
///
/// Register numbers follow the instruction encoding (Intel SDM Vol. 2A
/// §2.2.1.2, Table 2-4): 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi,
/// 7 rdi, 8-15 r8-r15.
public struct RegisterFile: Sendable, Equatable {
    public var rax: UInt64 = 0
    public var rcx: UInt64 = 0
    public var rdx: UInt64 = 0
    public var rbx: UInt64 = 0
    public var rsp: UInt64 = 0
    public var rbp: UInt64 = 0
    public var rsi: UInt64 = 0
    public var rdi: UInt64 = 0
    public var r8: UInt64 = 0
    public var r9: UInt64 = 0
    public var r10: UInt64 = 0
    public var r11: UInt64 = 0
    public var r12: UInt64 = 0
    public var r13: UInt64 = 0
    public var r14: UInt64 = 0
    public var r15: UInt64 = 0
    /// The address of the instruction being decoded (the faulting RIP).
    public var rip: UInt64 = 0
    public var rflags: UInt64 = 0

    /// All registers zero.
    public init() {}

    /// The full 64-bit register `number`; only the low 4 bits of `number`
    /// are used, so any value is safe.
    public subscript(number: Int) -> UInt64 {
        get {
            switch number & 15 {
            case 0: return rax
            case 1: return rcx
            case 2: return rdx
            case 3: return rbx
            case 4: return rsp
            case 5: return rbp
            case 6: return rsi
            case 7: return rdi
            case 8: return r8
            case 9: return r9
            case 10: return r10
            case 11: return r11
            case 12: return r12
            case 13: return r13
            case 14: return r14
            default: return r15
            }
        }
        set {
            switch number & 15 {
            case 0: rax = newValue
            case 1: rcx = newValue
            case 2: rdx = newValue
            case 3: rbx = newValue
            case 4: rsp = newValue
            case 5: rbp = newValue
            case 6: rsi = newValue
            case 7: rdi = newValue
            case 8: r8 = newValue
            case 9: r9 = newValue
            case 10: r10 = newValue
            case 11: r11 = newValue
            case 12: r12 = newValue
            case 13: r13 = newValue
            case 14: r14 = newValue
            default: r15 = newValue
            }
        }
    }

    /// Reads a register operand of its size, zero-extended to 64 bits.
    public func read(_ operand: RegisterOperand) -> UInt64 {
        let full = self[operand.number]
        if operand.isHighByte {
            return (full &>> 8) & 0xff
        }
        return RegisterFile.truncate(full, toSize: operand.size)
    }

    /// Writes a register operand with the 64-bit mode rules (Intel SDM
    /// Vol. 1 §3.4.1.1): a 32-bit write zero-extends into bits 63:32, an
    /// 8- or 16-bit write leaves the other bits unchanged, and AH/CH/DH/BH
    /// replace bits 15:8.
    public mutating func write(_ operand: RegisterOperand, _ value: UInt64) {
        let old = self[operand.number]
        switch operand.size {
        case 1 where operand.isHighByte:
            self[operand.number] = (old & ~0xff00) | ((value & 0xff) &<< 8)
        case 1:
            self[operand.number] = (old & ~0xff) | (value & 0xff)
        case 2:
            self[operand.number] = (old & ~0xffff) | (value & 0xffff)
        case 4:
            self[operand.number] = value & 0xffff_ffff
        default:
            self[operand.number] = value
        }
    }

    /// `value` reduced to its low `size` bytes (size 1, 2, 4 or 8; any other
    /// size keeps all 64 bits).
    static func truncate(_ value: UInt64, toSize size: Int) -> UInt64 {
        switch size {
        case 1: return value & 0xff
        case 2: return value & 0xffff
        case 4: return value & 0xffff_ffff
        default: return value
        }
    }

    /// The low `size` bytes of `value` sign-extended to 64 bits.
    static func signExtend(_ value: UInt64, fromSize size: Int) -> UInt64 {
        switch size {
        case 1: return UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: value)))
        case 2: return UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: value)))
        case 4: return UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value)))
        default: return value
        }
    }
}

extension RegisterFile {
    /// RFLAGS bits (Intel SDM Vol. 1 §3.4.3, Figure 3-8).
    public enum Flag {
        /// CF, bit 0.
        public static let carry: UInt64 = 1 &<< 0
        /// PF, bit 2.
        public static let parity: UInt64 = 1 &<< 2
        /// AF, bit 4.
        public static let adjust: UInt64 = 1 &<< 4
        /// ZF, bit 6.
        public static let zero: UInt64 = 1 &<< 6
        /// SF, bit 7.
        public static let sign: UInt64 = 1 &<< 7
        /// DF, bit 10: string instructions step down when set.
        public static let direction: UInt64 = 1 &<< 10
        /// OF, bit 11.
        public static let overflow: UInt64 = 1 &<< 11
        /// The six status flags (SDM Vol. 1 §3.4.3.1).
        public static let status: UInt64 = carry | parity | adjust | zero | sign | overflow
    }
}

/// A general-purpose register operand as an instruction names it: number,
/// width and whether it is one of the legacy high-byte registers.
public struct RegisterOperand: Sendable, Equatable {
    /// Register number 0-15 (for a high-byte register, the number of the
    /// full register: AH is 0, CH 1, DH 2, BH 3).
    public var number: Int
    /// Operand size in bytes: 1, 2, 4 or 8.
    public var size: Int
    /// AH, CH, DH or BH (bits 15:8).
    public var isHighByte: Bool

    /// The register an instruction encodes as `encoded` (0-15, REX bits
    /// already merged) at `size` bytes. Without any REX prefix, byte
    /// registers 4-7 are AH, CH, DH, BH; with one they are SPL, BPL, SIL,
    /// DIL (Intel SDM Vol. 2A §2.2.1.2, Table 2-4 / §3.1.1.1 Table 3-1).
    public init(encoded: Int, size: Int, hasREX: Bool) {
        let n = encoded & 15
        if size == 1, !hasREX, n >= 4, n <= 7 {
            number = n - 4
            isHighByte = true
        } else {
            number = n
            isHighByte = false
        }
        self.size = size
    }
}
