// The decoding walk: prefixes, REX, opcode, ModRM/SIB/displacement,
// immediate. Opcode shapes come from the opcode maps in Intel SDM Vol. 2D
// Appendix A (Tables ), restricted to 64-bit mode.

extension DecodedInstruction {
    /// What follows an opcode byte.
    enum Shape {
        /// Not an instruction in 64-bit mode (#UD), or an escape we do not
        /// decode (0F 38, 0F 3A, 3DNow! 0F 0F, VEX, EVEX).
        case unsupported
        case none
        case modRM
        /// ModRM whose `mod` is ignored and always names a register
        /// (MOV to/from CR/DR, SDM Vol. 2B "MOV—Move to/from Control
        /// Registers": "the 2 bits in the mod field are ignored").
        case modRMRegister
        case modRMImm8
        /// ModRM then imm16/imm32 by operand size (Iz).
        case modRMImmZ
        /// F6/F7 (group 3): ModRM, then an immediate only for TEST (/0, /1).
        case group3(byteForm: Bool)
        case imm8
        case imm16
        /// imm16 or imm32 by operand size (Iz).
        case immZ
        /// imm16, imm32 or imm64 by operand size (Iv, MOV r, imm).
        case immV
        /// A 32-bit relative branch target. Near branches are 64-bit in
        /// 64-bit mode and 66h does not shorten the displacement on Intel
        /// processors (SDM Vol. 2A "Jcc", "JMP", "CALL": 64-bit mode).
        case rel32
        /// ENTER: imm16 then imm8.
        case enter
        /// A0-A3 MOV with a `moffs` of the address size (SDM Vol. 2A
        /// §2.2.1.4).
        case moffs
    }

    static func primaryShape(_ op: UInt8) -> Shape {
        switch op {
        case 0x00...0x3f:
            switch op & 7 {
            case 0...3: return .modRM
            case 4: return .imm8
            case 5: return .immZ
            // 06 07 0E 16 17 1E 1F 27 2F 37 3F are invalid in 64-bit mode;
            // 0F, 26, 2E, 36, 3E never get here.
            default: return .unsupported
            }
        case 0x50...0x5f: return .none
        case 0x63: return .modRM
        case 0x68: return .immZ
        case 0x69: return .modRMImmZ
        case 0x6a: return .imm8
        case 0x6b: return .modRMImm8
        case 0x6c...0x6f: return .none
        case 0x70...0x7f: return .imm8
        case 0x80, 0x83: return .modRMImm8
        case 0x81: return .modRMImmZ
        case 0x84...0x8f: return .modRM
        case 0x90...0x99, 0x9b...0x9f: return .none
        case 0xa0...0xa3: return .moffs
        case 0xa4...0xa7, 0xaa...0xaf: return .none
        case 0xa8: return .imm8
        case 0xa9: return .immZ
        case 0xb0...0xb7: return .imm8
        case 0xb8...0xbf: return .immV
        case 0xc0, 0xc1, 0xc6: return .modRMImm8
        case 0xc2, 0xca: return .imm16
        case 0xc3, 0xc9, 0xcb, 0xcc, 0xce, 0xcf: return .none
        case 0xc7: return .modRMImmZ
        case 0xc8: return .enter
        case 0xcd: return .imm8
        case 0xd0...0xd3, 0xd8...0xdf: return .modRM
        case 0xd7: return .none
        case 0xe0...0xe7, 0xeb: return .imm8
        case 0xe8, 0xe9: return .rel32
        case 0xec...0xef, 0xf1, 0xf4, 0xf5, 0xf8...0xfd: return .none
        case 0xf6: return .group3(byteForm: true)
        case 0xf7: return .group3(byteForm: false)
        case 0xfe, 0xff: return .modRM
        // 60 61 62(EVEX) 82 9A C4/C5(VEX) D4 D5 D6 EA: invalid or not decoded.
        default: return .unsupported
        }
    }

    static func twoByteShape(_ op: UInt8) -> Shape {
        switch op {
        case 0x00...0x03, 0x0d: return .modRM
        case 0x05...0x09, 0x0b, 0x0e: return .none
        case 0x10...0x1f: return .modRM
        case 0x20...0x23: return .modRMRegister
        case 0x28...0x2f: return .modRM
        case 0x30...0x35, 0x37: return .none
        case 0x40...0x6f: return .modRM
        case 0x70...0x73: return .modRMImm8
        case 0x74...0x76, 0x78, 0x79, 0x7c...0x7f: return .modRM
        case 0x77: return .none
        case 0x80...0x8f: return .rel32
        case 0x90...0x9f: return .modRM
        case 0xa0...0xa2, 0xa8...0xaa: return .none
        case 0xa3, 0xa5, 0xab, 0xad...0xaf: return .modRM
        case 0xa4, 0xac: return .modRMImm8
        case 0xb0...0xb9, 0xbb...0xbf: return .modRM
        case 0xba: return .modRMImm8
        case 0xc0, 0xc1, 0xc3, 0xc7: return .modRM
        case 0xc2, 0xc4...0xc6: return .modRMImm8
        case 0xc8...0xcf: return .none
        case 0xd0...0xff: return .modRM
        // 04 0A 0C 24-27 36 39 3B-3F 7A 7B A6 A7 are undefined; 0F (3DNow!),
        // 38 and 3A (three-byte maps) are not decoded.
        default: return .unsupported
        }
    }

    /// Decodes one 64-bit mode instruction from the start of `bytes`.
    ///
    /// Returns `nil` when the bytes are not a complete instruction within
    /// `bytes.count` and the 15-byte limit, when the opcode is invalid in
    /// 64-bit mode, or when it is in a map this decoder does not cover
    /// (0F 38, 0F 3A, 3DNow!, VEX, EVEX, XOP).
    ///
    /// Prefix rules (Intel SDM Vol. 2A §2.1.1, §2.2.1): legacy prefixes may
    /// repeat and come in any order; a REX byte counts only when it
    /// immediately precedes the opcode (a REX followed by a legacy prefix is
    /// ignored); of several REX bytes the last one counts.
    public init?(decoding bytes: InstructionBytes) {
        var i = 0
        var prefixes = Prefixes()
        var rex: UInt8 = 0
        var opcodeByte: UInt8 = 0
        scan: while true {
            // bytes[i] is nil from index 15 on, which bounds this loop.
            guard let b = bytes[i] else { return nil }
            switch b {
            case 0x66: prefixes.operandSize = true; rex = 0
            case 0x67: prefixes.addressSize = true; rex = 0
            case 0xf0: prefixes.lock = true; rex = 0
            case 0xf2: prefixes.repeatPrefix = .repne; rex = 0
            case 0xf3: prefixes.repeatPrefix = .rep; rex = 0
            case 0x26: prefixes.segment = .es; rex = 0
            case 0x2e: prefixes.segment = .cs; rex = 0
            case 0x36: prefixes.segment = .ss; rex = 0
            case 0x3e: prefixes.segment = .ds; rex = 0
            case 0x64: prefixes.segment = .fs; rex = 0
            case 0x65: prefixes.segment = .gs; rex = 0
            case 0x40...0x4f: rex = b
            default:
                opcodeByte = b
                break scan
            }
            i += 1
        }
        i += 1

        var map = OpcodeMap.primary
        var shape: Shape
        if opcodeByte == 0x0f {
            guard let b = bytes[i] else { return nil }
            i += 1
            opcodeByte = b
            map = .twoByte
            shape = DecodedInstruction.twoByteShape(b)
        } else {
            shape = DecodedInstruction.primaryShape(opcodeByte)
        }

        let rexW = rex & 8 != 0
        let rexR = Int((rex &>> 2) & 1) &<< 3
        let rexX = Int((rex &>> 1) & 1) &<< 3
        let rexB = Int(rex & 1) &<< 3
        let operandSize = rexW ? 8 : (prefixes.operandSize ? 2 : 4)
        let addressSize = prefixes.addressSize ? 4 : 8
        let defaultSegment = prefixes.segment ?? .ds

        var modRM: ModRM?
        var memory: MemoryOperand?
        var hasModRM = false
        var registerOnly = false
        var immediateSize = 0
        switch shape {
        case .unsupported: return nil
        case .none: break
        case .modRM: hasModRM = true
        case .modRMRegister: hasModRM = true; registerOnly = true
        case .modRMImm8: hasModRM = true; immediateSize = 1
        case .modRMImmZ: hasModRM = true; immediateSize = operandSize == 2 ? 2 : 4
        case .group3: hasModRM = true
        case .imm8: immediateSize = 1
        case .imm16: immediateSize = 2
        case .immZ: immediateSize = operandSize == 2 ? 2 : 4
        case .immV: immediateSize = operandSize
        case .rel32: immediateSize = 4
        case .enter: immediateSize = 3
        case .moffs:
            guard let offset = bytes.littleEndian(at: i, size: addressSize) else { return nil }
            i += addressSize
            memory = MemoryOperand(base: .none, index: nil, scale: 1,
                                   displacement: Int64(bitPattern: offset),
                                   addressSize: addressSize, segment: defaultSegment)
        }

        if hasModRM {
            guard let raw = bytes[i] else { return nil }
            i += 1
            let mod = raw &>> 6
            let rmField = Int(raw & 7)
            let m = ModRM(raw: raw, reg: Int((raw &>> 3) & 7) | rexR, rm: rmField | rexB)
            if mod != 3 && !registerOnly {
                var base = MemoryOperand.Base.register(rmField | rexB)
                var index: Int?
                var scale = 1
                var displacementSize = mod == 1 ? 1 : (mod == 2 ? 4 : 0)
                if rmField == 4 {
                    // SIB follows (SDM Vol. 2A Table 2-3, §2.2.1.2).
                    guard let sib = bytes[i] else { return nil }
                    i += 1
                    scale = 1 &<< Int(sib &>> 6)
                    let indexNumber = Int((sib &>> 3) & 7) | rexX
                    index = indexNumber == 4 ? nil : indexNumber
                    let baseField = Int(sib & 7)
                    if baseField == 5 && mod == 0 {
                        // No base, disp32, whatever REX.B says (Table 2-5).
                        base = .none
                        displacementSize = 4
                    } else {
                        base = .register(baseField | rexB)
                    }
                } else if rmField == 5 && mod == 0 {
                    // RIP-relative, whatever REX.B says (§2.2.1.6, Table 2-7).
                    base = .rip
                    displacementSize = 4
                }
                var displacement: Int64 = 0
                if displacementSize > 0 {
                    guard let d = bytes.littleEndian(at: i, size: displacementSize) else { return nil }
                    i += displacementSize
                    displacement = Int64(bitPattern: RegisterFile.signExtend(d, fromSize: displacementSize))
                }
                // SS is the default segment for rSP/rBP-based addressing; it
                // has base 0 in 64-bit mode either way (SDM Vol. 1 §3.7.5).
                var segment = defaultSegment
                if prefixes.segment == nil, case .register(let n) = base, n == 4 || n == 5 {
                    segment = .ss
                }
                memory = MemoryOperand(base: base, index: index, scale: scale,
                                       displacement: displacement,
                                       addressSize: addressSize, segment: segment)
            }
            modRM = m

            // Opcode-extension checks and ModRM-dependent immediates.
            let ext = (raw &>> 3) & 7
            if map == .primary {
                switch opcodeByte {
                case 0x8f where ext != 0:
                    return nil  // XOP escape (AMD) or undefined.
                case 0xc6, 0xc7:
                    // Group 11: MOV /0, or XABORT/XBEGIN as C6 F8 / C7 F8.
                    guard ext == 0 || raw == 0xf8 else { return nil }
                case 0xf6, 0xf7:
                    if ext < 2 {
                        immediateSize = opcodeByte == 0xf6 ? 1 : (operandSize == 2 ? 2 : 4)
                    }
                case 0xfe where ext >= 2:
                    return nil
                case 0xff where ext == 7:
                    return nil
                default:
                    break
                }
            }
        }

        var immediate: UInt64 = 0
        if immediateSize > 0 {
            guard let v = bytes.littleEndian(at: i, size: immediateSize) else { return nil }
            immediate = v
            i += immediateSize
        }
        // Every byte read went through bytes[], which refuses index >= 15,
        // so i <= 15 here.
        guard i <= InstructionBytes.maximumLength else { return nil }

        self.init(length: i, prefixes: prefixes, rex: rex, map: map, opcode: opcodeByte,
                  modRM: modRM, memory: memory, immediate: immediate,
                  immediateSize: immediateSize)
    }
}
