// A minimal exact x86-64 instruction decoder: prefixes, REX, the one-byte
// and 0F two-byte opcode maps, ModRM, SIB, displacement and immediate, and
// so the instruction length. It knows instruction *shapes*, not semantics;
// PrivilegedInstruction and PTWriteOp give meaning to the few instructions
// the PV emulation paths accept.
//
// Safety: any byte sequence gives either a decoded instruction of at most
// 15 bytes or `nil`; there are no traps (all reads are bounds-checked
// through InstructionBytes, all address arithmetic wraps).
//
// Xen analogue: x86_decode / x86_decode_onebyte / x86_decode_twobyte
// (xen/arch/x86/x86_emulate/decode.c), used by emul-priv-op.c,
// emul-inv-op.c and ro-page-fault.c in xen/arch/x86/pv/.

/// One decoded 64-bit mode instruction.
public struct DecodedInstruction: Sendable, Equatable {
    /// The opcode map the opcode byte belongs to (Intel SDM Vol. 2A §2.1.2).
    public enum OpcodeMap: Sendable, Equatable {
        /// One-byte opcodes (SDM Vol. 2D Table A-2).
        case primary
        /// `0F xx` two-byte opcodes (SDM Vol. 2D Table A-3).
        case twoByte
    }

    /// Which of the group-1 repeat prefixes was given last (SDM Vol. 2A
    /// §2.1.1); it is the one that takes effect.
    public enum RepeatPrefix: Sendable, Equatable {
        /// F3h: REP / REPE.
        case rep
        /// F2h: REPNE.
        case repne
    }

    /// The legacy prefixes (SDM Vol. 2A §2.1.1).
    public struct Prefixes: Sendable, Equatable {
        /// 66h.
        public var operandSize = false
        /// 67h.
        public var addressSize = false
        /// F0h.
        public var lock = false
        public var repeatPrefix: RepeatPrefix?
        /// 2Eh, 36h, 3Eh, 26h, 64h, 65h (last one wins).
        public var segment: MemoryOperand.Segment?
        public init() {}
    }

    /// The ModRM byte with REX.R and REX.B merged (SDM Vol. 2A §2.2.1.2).
    public struct ModRM: Sendable, Equatable {
        public var raw: UInt8
        /// Bits 7:6.
        public var mod: UInt8 { raw &>> 6 }
        /// Bits 5:3 without REX.R: the opcode extension of group opcodes.
        public var regField: UInt8 { (raw &>> 3) & 7 }
        /// Bits 2:0 without REX.B.
        public var rmField: UInt8 { raw & 7 }
        /// The reg field extended by REX.R (0-15).
        public var reg: Int
        /// The r/m field extended by REX.B (0-15); a register number only
        /// when `mod == 3` (or for MOV CR/DR, which ignore `mod`).
        public var rm: Int
    }

    /// Length in bytes, 1...15.
    public var length: Int
    public var prefixes: Prefixes
    /// The REX byte (40h-4Fh) immediately before the opcode, or 0.
    public var rex: UInt8
    public var map: OpcodeMap
    public var opcode: UInt8
    public var modRM: ModRM?
    /// The memory operand, when ModRM.mod != 11b or for a `moffs` form
    /// (A0h-A3h).
    public var memory: MemoryOperand?
    /// The immediate bytes, little-endian, zero-extended (ENTER's iw, ib
    /// pair is one 3-byte immediate; a relative branch target is here too).
    public var immediate: UInt64
    /// Number of immediate bytes: 0, 1, 2, 3, 4 or 8.
    public var immediateSize: Int

    /// Whether any REX prefix is present (changes byte-register naming).
    public var hasREX: Bool { rex != 0 }
    /// REX.W.
    public var rexW: Bool { rex & 8 != 0 }

    /// The operand size for instructions whose size is v (16/32/64), in
    /// bytes: 8 with REX.W, else 2 with 66h, else 4 (SDM Vol. 1 §3.6.1,
    /// Table 3-4). Byte forms ignore it.
    public var operandSize: Int {
        rexW ? 8 : (prefixes.operandSize ? 2 : 4)
    }

    /// 4 under a 67h prefix, else 8 (SDM Vol. 1 §3.6.1, Table 3-4).
    public var addressSize: Int { prefixes.addressSize ? 4 : 8 }

    /// The immediate sign-extended from its encoded size and truncated to
    /// `size` bytes (SDM Vol. 2A §2.2.1.5: imm32 sign-extends to 64).
    public func immediate(signExtendedTo size: Int) -> UInt64 {
        let wide = RegisterFile.signExtend(immediate, fromSize: immediateSize)
        return RegisterFile.truncate(wide, toSize: size)
    }

    /// The memory operand's linear address given the registers at the
    /// faulting instruction (`registers.rip` is this instruction's address).
    public func linearAddress(registers: RegisterFile, fsBase: UInt64, gsBase: UInt64) -> UInt64? {
        guard let memory else { return nil }
        return memory.linearAddress(registers: registers,
                                    nextRIP: registers.rip &+ UInt64(truncatingIfNeeded: length),
                                    fsBase: fsBase, gsBase: gsBase)
    }

    /// The ModRM r/m operand as register or memory, if there is a ModRM.
    public var rmOperand: RMOperand? {
        if let memory { return .memory(memory) }
        if let modRM { return .register(modRM.rm) }
        return nil
    }
}
