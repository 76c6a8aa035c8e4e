// Decoding of a guest kernel's write to one of its own page-table pages.
//
// A PV guest's page tables are mapped read-only in its address space. When
// the guest kernel writes a PTE directly, the write faults (#PF, write,
// present) and the hypervisor decodes the faulting instruction, computes
// what it would have stored, validates the new PTE and performs the store
// itself: "writable page tables".
//
// Xen: ptwr_emulated_write / ptwr_emulated_cmpxchg / ptwr_emulated_update
// (xen/arch/x86/pv/ro-page-fault.c), which run x86_emulate against the
// faulting instruction.

/// One memory-writing instruction with a single memory destination,
/// reduced to what the page-table write emulation needs.
public struct PTWriteOp: Sendable, Equatable {
    /// The arithmetic/logic read-modify-write operations (SDM Vol. 2A/2B:
    /// ADD, OR, ADC, SBB, AND, SUB, XOR, INC, DEC, NOT, NEG). CMP and TEST
    /// do not write and are not decoded.
    public enum ALUOp: Sendable, Equatable {
        case add, or, adc, sbb, and, sub, xor, inc, dec, not, neg
    }

    /// Bit test-and-modify (SDM Vol. 2A "BTS", "BTR", "BTC").
    public enum BitOp: Sendable, Equatable {
        case bts, btr, btc
    }

    public enum Kind: Sendable, Equatable {
        /// MOV r/m, r (88/89); MOV r/m, imm (C6/C7 /0); MOV moffs, AL/rAX
        /// (A2/A3).
        case store
        /// A single STOS (AA/AB) to ES:rDI; rDI steps by `size` per DF.
        case stos
        /// XCHG r/m, r (86/87), always locked.
        case xchg
        /// XADD r/m, r (0F C0/C1).
        case xadd
        /// CMPXCHG r/m, r (0F B0/B1) against AL/AX/EAX/RAX.
        case cmpxchg
        /// CMPXCHG8B m64 (0F C7 /1 without REX.W) against EDX:EAX,
        /// storing ECX:EBX.
        case cmpxchg8b
        case alu(ALUOp)
        case bitOp(BitOp)
    }

    public var kind: Kind
    /// Bytes written: 1, 2, 4 or 8.
    public var size: Int
    /// The value stored or combined, truncated to `size` (immediates are
    /// sign-extended first). For bit operations, the bit number within the
    /// operand (0 ..< size*8). For `cmpxchg8b`, ECX:EBX. Unused (0) for
    /// INC, DEC, NOT, NEG.
    public var sourceValue: UInt64
    /// The register that receives the old memory value: the source register
    /// of XCHG/XADD, the accumulator of CMPXCHG (written only when the
    /// comparison fails). `nil` otherwise (CMPXCHG8B updates EDX:EAX).
    public var destinationRegister: RegisterOperand?
    /// Whether the access is atomic: a LOCK prefix, or XCHG.
    public var locked: Bool
    /// The instruction length.
    public var length: Int
    /// The memory operand written (for STOS: rDI, segment ES).
    public var memory: MemoryOperand

    /// Decodes the instruction at `registers.rip` (its bytes in `bytes`) as
    /// a memory write. Source register values are read from `registers`.
    ///
    /// Returns `nil` for anything else: instructions that do not write
    /// memory or whose destination is a register, REP string stores, MOVS,
    /// CMPXCHG16B, a LOCK prefix where the instruction does not allow one
    /// (#UD, SDM Vol. 2A "LOCK"), and BTS/BTR/BTC with a register bit
    /// offset that reaches outside the addressed operand (a bit-string
    /// access to another address, SDM Vol. 2A "BT", Table 3-2 notes).
    public static func decode(_ bytes: InstructionBytes, registers: RegisterFile) -> PTWriteOp? {
        guard let insn = DecodedInstruction(decoding: bytes) else { return nil }
        let lock = insn.prefixes.lock
        let byteForm = insn.opcode & 1 == 0
        let size = byteForm ? 1 : insn.operandSize

        if insn.map == .primary, insn.opcode == 0xaa || insn.opcode == 0xab {
            // STOS: ES:rDI, no segment override (SDM Vol. 2B "STOS").
            guard insn.prefixes.repeatPrefix == nil, !lock else { return nil }
            let rdi = MemoryOperand(base: .register(7), index: nil, scale: 1, displacement: 0,
                                    addressSize: insn.addressSize, segment: .es)
            let source = registers.read(RegisterOperand(encoded: 0, size: size, hasREX: true))
            return PTWriteOp(kind: .stos, size: size, sourceValue: source,
                             destinationRegister: nil, locked: false,
                             length: insn.length, memory: rdi)
        }

        guard let memory = insn.memory else { return nil }

        func op(_ kind: Kind, size: Int, source: UInt64, register: RegisterOperand? = nil,
                locked: Bool) -> PTWriteOp {
            PTWriteOp(kind: kind, size: size,
                      sourceValue: RegisterFile.truncate(source, toSize: size),
                      destinationRegister: register, locked: locked,
                      length: insn.length, memory: memory)
        }

        if insn.opcode == 0xa2 || insn.opcode == 0xa3, insn.map == .primary {
            guard !lock else { return nil }
            let acc = registers.read(RegisterOperand(encoded: 0, size: size, hasREX: true))
            return op(.store, size: size, source: acc, locked: false)
        }

        // Everything else has a ModRM byte naming memory.
        guard let m = insn.modRM else { return nil }
        let regOperand = RegisterOperand(encoded: m.reg, size: size, hasREX: insn.hasREX)
        let regValue = registers.read(regOperand)
        let ext = m.regField

        switch (insn.map, insn.opcode) {
        case (.primary, 0x00...0x31) where insn.opcode & 6 == 0:
            // 00/01 ADD, 08/09 OR, 10/11 ADC, 18/19 SBB, 20/21 AND, 28/29 SUB,
            // 30/31 XOR with an r/m destination (SDM Vol. 2D Table A-2).
            guard let alu = aluOp(group1: insn.opcode &>> 3) else { return nil }
            return op(.alu(alu), size: size, source: regValue, locked: lock)

        case (.primary, 0x80), (.primary, 0x81), (.primary, 0x83):
            // Group 1 (SDM Vol. 2D Table A-6); /7 is CMP.
            guard let alu = aluOp(group1: ext) else { return nil }
            let opSize = insn.opcode == 0x80 ? 1 : insn.operandSize
            return op(.alu(alu), size: opSize, source: insn.immediate(signExtendedTo: opSize),
                      locked: lock)

        case (.primary, 0x88), (.primary, 0x89):
            guard !lock else { return nil }
            return op(.store, size: size, source: regValue, locked: false)

        case (.primary, 0xc6), (.primary, 0xc7):
            // Group 11 /0 (the decoder already rejected /1-/6; /7 has no
            // memory form).
            guard !lock, ext == 0 else { return nil }
            return op(.store, size: size, source: insn.immediate(signExtendedTo: size),
                      locked: false)

        case (.primary, 0x86), (.primary, 0x87):
            return op(.xchg, size: size, source: regValue, register: regOperand, locked: true)

        case (.primary, 0xf6), (.primary, 0xf7):
            // Group 3: /2 NOT, /3 NEG; TEST, MUL and DIV do not write memory.
            switch ext {
            case 2: return op(.alu(.not), size: size, source: 0, locked: lock)
            case 3: return op(.alu(.neg), size: size, source: 0, locked: lock)
            default: return nil
            }

        case (.primary, 0xfe), (.primary, 0xff):
            // Groups 4 and 5: /0 INC, /1 DEC.
            switch ext {
            case 0: return op(.alu(.inc), size: size, source: 0, locked: lock)
            case 1: return op(.alu(.dec), size: size, source: 0, locked: lock)
            default: return nil
            }

        case (.twoByte, 0xb0), (.twoByte, 0xb1):
            let accumulator = RegisterOperand(encoded: 0, size: size, hasREX: true)
            return op(.cmpxchg, size: size, source: regValue, register: accumulator, locked: lock)

        case (.twoByte, 0xc0), (.twoByte, 0xc1):
            return op(.xadd, size: size, source: regValue, register: regOperand, locked: lock)

        case (.twoByte, 0xc7):
            // Group 9 /1: CMPXCHG8B; with REX.W it is CMPXCHG16B.
            guard ext == 1, !insn.rexW else { return nil }
            let ecxEbx = ((registers.rcx & 0xffff_ffff) &<< 32) | (registers.rbx & 0xffff_ffff)
            return op(.cmpxchg8b, size: 8, source: ecxEbx, locked: lock)

        case (.twoByte, 0xab), (.twoByte, 0xb3), (.twoByte, 0xbb):
            // BTS/BTR/BTC r/m, r: the register is a signed bit offset that
            // may address outside the operand; accept only offsets inside it.
            let opSize = insn.operandSize
            let offset = Int64(bitPattern: RegisterFile.signExtend(registers.read(
                RegisterOperand(encoded: m.reg, size: opSize, hasREX: true)), fromSize: opSize))
            guard offset >= 0, offset < Int64(opSize * 8) else { return nil }
            let bitOp: BitOp = insn.opcode == 0xab ? .bts : (insn.opcode == 0xb3 ? .btr : .btc)
            return op(.bitOp(bitOp), size: opSize, source: UInt64(offset), locked: lock)

        case (.twoByte, 0xba):
            // Group 8: /4 BT (no write), /5 BTS, /6 BTR, /7 BTC; the
            // immediate bit offset is taken modulo the operand width.
            let opSize = insn.operandSize
            let bit = insn.immediate & UInt64(opSize * 8 - 1)
            switch ext {
            case 5: return op(.bitOp(.bts), size: opSize, source: bit, locked: lock)
            case 6: return op(.bitOp(.btr), size: opSize, source: bit, locked: lock)
            case 7: return op(.bitOp(.btc), size: opSize, source: bit, locked: lock)
            default: return nil
            }

        default:
            return nil
        }
    }

    /// The group-1 operation for an opcode extension or opcode bits 5:3
    /// (SDM Vol. 2D Table A-6); `nil` for /7 CMP.
    static func aluOp(group1 n: UInt8) -> ALUOp? {
        switch n & 7 {
        case 0: return .add
        case 1: return .or
        case 2: return .adc
        case 3: return .sbb
        case 4: return .and
        case 5: return .sub
        case 6: return .xor
        default: return nil
        }
    }

    /// The linear address written, for comparison with CR2: the memory
    /// operand's effective address (RIP-relative from the next instruction,
    /// i.e. `registers.rip + length`) plus the FS/GS base if that segment
    /// is used.
    public func linearAddress(registers: RegisterFile, fsBase: UInt64, gsBase: UInt64) -> UInt64 {
        memory.linearAddress(registers: registers,
                             nextRIP: registers.rip &+ UInt64(truncatingIfNeeded: length),
                             fsBase: fsBase, gsBase: gsBase)
    }
}
