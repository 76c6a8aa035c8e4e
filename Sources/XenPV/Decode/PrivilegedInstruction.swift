// The privileged and I/O instructions a PV guest kernel executes at CPL 3
// and which therefore reach the hypervisor as #GP (or #UD) to be emulated.
//
// Xen: emulate_privileged_op and its x86_emulate hooks
// (xen/arch/x86/pv/emul-priv-op.c), emulate_forced_invalid_op
// (xen/arch/x86/pv/emul-inv-op.c), and the software-interrupt check in
// do_general_protection (xen/arch/x86/traps.c).

/// A recognised privileged instruction with its operands.
///
/// Register numbers are 0-15 (RegisterFile numbering). Decoding does not
/// check privilege, CPUID features or which control registers exist; the
/// emulator decides those (e.g. CR1, CR5-CR7, CR9-CR15 are #UD, SDM Vol. 2B
/// "MOV—Move to/from Control Registers").
public enum PrivilegedInstruction: Sendable, Equatable {
    /// Where IN/OUT take the port number from.
    public enum Port: Sendable, Equatable {
        /// E4-E7: an 8-bit immediate port.
        case immediate(UInt8)
        /// EC-EF: the port in DX.
        case dx
    }

    /// INS/OUTS (6C-6F): the operands of one string I/O instruction.
    public struct StringIO: Sendable, Equatable {
        /// 1, 2 or 4 bytes per element.
        public var size: Int
        /// A REP prefix (F3h; F2h acts the same for INS/OUTS): rCX counts.
        public var rep: Bool
        /// 8, or 4 under 67h: rSI/rDI/rCX are then used as 32-bit
        /// registers.
        public var addressSize: Int
        /// The memory segment: ES for INS (not overridable), the override
        /// or DS for OUTS (SDM Vol. 2B "OUTS").
        public var segment: MemoryOperand.Segment
    }

    /// 0F 30.
    case wrmsr
    /// 0F 32.
    case rdmsr
    /// 0F 31.
    case rdtsc
    /// 0F 01 F9.
    case rdtscp
    /// 0F 33.
    case rdpmc
    /// 0F A2.
    case cpuid
    /// 0F 20 /r: `mov %crN, %gpr` (ModRM.reg + REX.R = cr, ModRM.rm +
    /// REX.B = gpr; always 64-bit in 64-bit mode).
    case movFromCR(cr: Int, gpr: Int)
    /// 0F 22 /r: `mov %gpr, %crN`.
    case movToCR(cr: Int, gpr: Int)
    /// 0F 21 /r: `mov %drN, %gpr` (dr 0-7; REX.R is #UD).
    case movFromDR(dr: Int, gpr: Int)
    /// 0F 23 /r: `mov %gpr, %drN`.
    case movToDR(dr: Int, gpr: Int)
    /// 0F 06.
    case clts
    /// 0F 09.
    case wbinvd
    /// 0F 08.
    case invd
    /// F4.
    case hlt
    /// FA.
    case cli
    /// FB.
    case sti
    /// E4/E5/EC/ED: read `size` (1, 2 or 4) bytes from a port into
    /// AL/AX/EAX. E5/ED are 32-bit unless 66h makes them 16-bit; REX.W is
    /// ignored (SDM Vol. 2A "IN").
    case portIn(size: Int, port: Port)
    /// E6/E7/EE/EF: write AL/AX/EAX to a port.
    case portOut(size: Int, port: Port)
    /// 6C/6D.
    case ins(StringIO)
    /// 6E/6F.
    case outs(StringIO)
    /// CD ib.
    case int(vector: UInt8)
    /// CC.
    case int3
    /// CE. #UD in 64-bit mode (SDM Vol. 2A "INTn/INTO/INT3/INT1"); decoded
    /// so the #UD can be reported precisely.
    case into
    /// F1 (INT1 / ICEBP).
    case int1
    /// 0F 01 D1.
    case xsetbv
    /// 0F 01 D0.
    case xgetbv
    /// 0F 01 F8.
    case swapgs
    /// 0F 01 /2, memory only.
    case lgdt(MemoryOperand)
    /// 0F 01 /3, memory only.
    case lidt(MemoryOperand)
    /// 0F 00 /2.
    case lldt(RMOperand)
    /// 0F 00 /3.
    case ltr(RMOperand)
    /// 0F 01 /6.
    case lmsw(RMOperand)
    /// 0F 01 /7, memory only.
    case invlpg(MemoryOperand)

    /// The assembler mnemonic, for traces.
    public var mnemonic: StaticString {
        switch self {
        case .wrmsr: return "wrmsr"
        case .rdmsr: return "rdmsr"
        case .rdtsc: return "rdtsc"
        case .rdtscp: return "rdtscp"
        case .rdpmc: return "rdpmc"
        case .cpuid: return "cpuid"
        case .movFromCR, .movToCR: return "mov cr"
        case .movFromDR, .movToDR: return "mov dr"
        case .clts: return "clts"
        case .wbinvd: return "wbinvd"
        case .invd: return "invd"
        case .hlt: return "hlt"
        case .cli: return "cli"
        case .sti: return "sti"
        case .portIn: return "in"
        case .portOut: return "out"
        case .ins: return "ins"
        case .outs: return "outs"
        case .int: return "int"
        case .int3: return "int3"
        case .into: return "into"
        case .int1: return "int1"
        case .xsetbv: return "xsetbv"
        case .xgetbv: return "xgetbv"
        case .swapgs: return "swapgs"
        case .lgdt: return "lgdt"
        case .lidt: return "lidt"
        case .lldt: return "lldt"
        case .ltr: return "ltr"
        case .lmsw: return "lmsw"
        case .invlpg: return "invlpg"
        }
    }

    /// Decodes the instruction at the start of `bytes` if it is one of the
    /// privileged instructions above; `nil` for anything else, for
    /// truncated bytes, and for a LOCK prefix (which makes all of them #UD;
    /// AMD's `lock mov cr0` alias for CR8 is not accepted).
    public static func decode(_ bytes: InstructionBytes) -> (instruction: PrivilegedInstruction, length: Int)? {
        guard let insn = DecodedInstruction(decoding: bytes), !insn.prefixes.lock else {
            return nil
        }
        guard let instruction = classify(insn) else { return nil }
        return (instruction, insn.length)
    }

    static func classify(_ insn: DecodedInstruction) -> PrivilegedInstruction? {
        let p = insn.prefixes
        // The 16/32-bit choice for IN/OUT/INS/OUTS; REX.W does not make
        // them 64-bit.
        let wordSize = p.operandSize ? 2 : 4
        switch insn.map {
        case .primary:
            switch insn.opcode {
            case 0xf4: return .hlt
            case 0xfa: return .cli
            case 0xfb: return .sti
            case 0xe4: return .portIn(size: 1, port: .immediate(UInt8(truncatingIfNeeded: insn.immediate)))
            case 0xe5: return .portIn(size: wordSize, port: .immediate(UInt8(truncatingIfNeeded: insn.immediate)))
            case 0xe6: return .portOut(size: 1, port: .immediate(UInt8(truncatingIfNeeded: insn.immediate)))
            case 0xe7: return .portOut(size: wordSize, port: .immediate(UInt8(truncatingIfNeeded: insn.immediate)))
            case 0xec: return .portIn(size: 1, port: .dx)
            case 0xed: return .portIn(size: wordSize, port: .dx)
            case 0xee: return .portOut(size: 1, port: .dx)
            case 0xef: return .portOut(size: wordSize, port: .dx)
            case 0x6c, 0x6d, 0x6e, 0x6f:
                let io = StringIO(size: insn.opcode & 1 == 0 ? 1 : wordSize,
                                  rep: p.repeatPrefix != nil,
                                  addressSize: insn.addressSize,
                                  segment: insn.opcode <= 0x6d ? .es : (p.segment ?? .ds))
                return insn.opcode <= 0x6d ? .ins(io) : .outs(io)
            case 0xcd: return .int(vector: UInt8(truncatingIfNeeded: insn.immediate))
            case 0xcc: return .int3
            case 0xce: return .into
            case 0xf1: return .int1
            default: return nil
            }
        case .twoByte:
            switch insn.opcode {
            case 0x30: return .wrmsr
            case 0x31: return .rdtsc
            case 0x32: return .rdmsr
            case 0x33: return .rdpmc
            case 0xa2: return .cpuid
            case 0x06: return .clts
            case 0x08: return .invd
            case 0x09: return .wbinvd
            case 0x20, 0x21, 0x22, 0x23:
                guard let m = insn.modRM else { return nil }
                switch insn.opcode {
                case 0x20: return .movFromCR(cr: m.reg, gpr: m.rm)
                case 0x22: return .movToCR(cr: m.reg, gpr: m.rm)
                case 0x21 where m.reg < 8: return .movFromDR(dr: m.reg, gpr: m.rm)
                case 0x23 where m.reg < 8: return .movToDR(dr: m.reg, gpr: m.rm)
                default: return nil  // DR8-DR15 are #UD.
                }
            case 0x00:
                guard let m = insn.modRM, let operand = insn.rmOperand else { return nil }
                switch m.regField {
                case 2: return .lldt(operand)
                case 3: return .ltr(operand)
                default: return nil
                }
            case 0x01:
                return group7(insn)
            default:
                return nil
            }
        }
    }

    /// 0F 01 (group 7, SDM Vol. 2D Table A-6): memory forms by ModRM.reg,
    /// register forms by the whole ModRM byte.
    static func group7(_ insn: DecodedInstruction) -> PrivilegedInstruction? {
        guard let m = insn.modRM else { return nil }
        if let memory = insn.memory {
            switch m.regField {
            case 2: return .lgdt(memory)
            case 3: return .lidt(memory)
            case 6: return .lmsw(.memory(memory))
            case 7: return .invlpg(memory)
            default: return nil
            }
        }
        let p = insn.prefixes
        let noMandatoryPrefix = !p.operandSize && p.repeatPrefix == nil
        switch m.raw {
        // XGETBV/XSETBV are "NP": 66/F2/F3 make them #UD (SDM Vol. 2D).
        case 0xd0 where noMandatoryPrefix: return .xgetbv
        case 0xd1 where noMandatoryPrefix: return .xsetbv
        case 0xf8: return .swapgs
        case 0xf9 where p.repeatPrefix == nil: return .rdtscp
        case 0xf0...0xf7: return .lmsw(.register(m.rm))
        default: return nil
        }
    }

    /// The forced-emulation prefix: `ud2; .ascii "xen"` (0F 0B 78 65 6E)
    /// followed by `cpuid` (0F A2), which a PV guest uses to get the
    /// hypervisor's filtered CPUID. Returns the length of the whole
    /// sequence (7) to skip after emulating CPUID, or `nil`.
    ///
    /// Xen: `emulate_forced_invalid_op`, xen/arch/x86/pv/emul-inv-op.c;
    /// `XEN_EMULATE_PREFIX`, public/arch-x86/xen.h.
    public static func decodeForcedEmulation(_ bytes: InstructionBytes) -> Int? {
        let signature: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0x0f, 0x0b, 0x78, 0x65, 0x6e)
        guard bytes[0] == signature.0, bytes[1] == signature.1, bytes[2] == signature.2,
              bytes[3] == signature.3, bytes[4] == signature.4,
              bytes[5] == 0x0f, bytes[6] == 0xa2 else {
            return nil
        }
        return 7
    }
}
