// Executing a decoded page-table write against the old memory value: the
// pure "what would the CPU have done" step of writable page tables. The
// caller validates `newValue` as a PTE before storing it.
//
// Xen: the x86_emulate write/cmpxchg callbacks ptwr_emulated_write and
// ptwr_emulated_cmpxchg, xen/arch/x86/pv/ro-page-fault.c.

/// The outcome of one emulated page-table write.
public struct PTWriteResult: Sendable, Equatable {
    /// The `size`-byte value to store (zero above `size`).
    public var newValue: UInt64
    /// Whether memory is written. `false` only for a failed CMPXCHG or
    /// CMPXCHG8B: the processor then writes back the old value (SDM
    /// Vol. 2A "CMPXCHG"), which changes nothing.
    public var writes: Bool
    /// The registers after the instruction retires: GPR results applied,
    /// RFLAGS updated under `flagsMask`, RIP advanced past the instruction.
    public var registers: RegisterFile
    /// The RFLAGS bits the instruction defines, at their values.
    public var flags: UInt64
    /// Which RFLAGS bits `flags` sets; flags the SDM leaves undefined are
    /// not in the mask and keep their old values.
    public var flagsMask: UInt64
}

extension PTWriteOp {
    /// Computes what the instruction does given `old`, the `size`-byte
    /// value currently at the destination (bits above `size` are ignored),
    /// and `registers`, the state at the faulting instruction.
    public func apply(old: UInt64, registers: RegisterFile) -> PTWriteResult {
        let old = RegisterFile.truncate(old, toSize: size)
        let source = sourceValue
        var regs = registers
        var newValue = source
        var writes = true
        var flags: UInt64 = 0
        var mask: UInt64 = 0

        switch kind {
        case .store:
            break

        case .stos:
            // rDI steps by the element size, down when DF is set
            // (SDM Vol. 2B "STOS"); with 67h it is EDI.
            let rdi = RegisterOperand(encoded: 7, size: memory.addressSize, hasREX: true)
            let step = UInt64(truncatingIfNeeded: size)
            let next = registers.rflags & RegisterFile.Flag.direction != 0
                ? registers.read(rdi) &- step : registers.read(rdi) &+ step
            regs.write(rdi, next)

        case .xchg:
            if let r = destinationRegister { regs.write(r, old) }

        case .xadd:
            let sum = ArithmeticFlags.add(old, source, carry: 0, size: size)
            newValue = sum.result
            (flags, mask) = (sum.flags, RegisterFile.Flag.status)
            if let r = destinationRegister { regs.write(r, old) }

        case .cmpxchg:
            // Compare as CMP accumulator, destination (SDM Vol. 2A "CMPXCHG").
            let accumulator = RegisterOperand(encoded: 0, size: size, hasREX: true)
            let cmp = ArithmeticFlags.sub(registers.read(accumulator), old, borrow: 0, size: size)
            (flags, mask) = (cmp.flags, RegisterFile.Flag.status)
            if cmp.result == 0 {
                newValue = source
            } else {
                newValue = old
                writes = false
                regs.write(destinationRegister ?? accumulator, old)
            }

        case .cmpxchg8b:
            // Only ZF is defined (SDM Vol. 2A "CMPXCHG8B/CMPXCHG16B").
            mask = RegisterFile.Flag.zero
            let edxEax = ((registers.rdx & 0xffff_ffff) &<< 32) | (registers.rax & 0xffff_ffff)
            if edxEax == old {
                flags = RegisterFile.Flag.zero
            } else {
                newValue = old
                writes = false
                regs.write(RegisterOperand(encoded: 0, size: 4, hasREX: true), old)
                regs.write(RegisterOperand(encoded: 2, size: 4, hasREX: true), old &>> 32)
            }

        case .alu(let alu):
            (newValue, flags, mask) = PTWriteOp.alu(alu, old, source, size: size,
                                                    carryIn: registers.rflags & RegisterFile.Flag.carry)

        case .bitOp(let bitOp):
            // CF is the selected bit; OF, SF, AF, PF are undefined and ZF
            // is unchanged (SDM Vol. 2A "BTS").
            let bit = (1 as UInt64) &<< (source & 63)
            flags = old & bit != 0 ? RegisterFile.Flag.carry : 0
            mask = RegisterFile.Flag.carry
            switch bitOp {
            case .bts: newValue = old | bit
            case .btr: newValue = old & ~bit
            case .btc: newValue = old ^ bit
            }
        }

        regs.rflags = (registers.rflags & ~mask) | (flags & mask)
        regs.rip = registers.rip &+ UInt64(truncatingIfNeeded: length)
        return PTWriteResult(newValue: RegisterFile.truncate(newValue, toSize: size),
                             writes: writes, registers: regs, flags: flags, flagsMask: mask)
    }

    /// Result and flags of a read-modify-write ALU operation (SDM Vol. 2A/2B
    /// per instruction; Vol. 1 Appendix A, EFLAGS cross-reference).
    static func alu(_ op: ALUOp, _ a: UInt64, _ b: UInt64, size: Int,
                    carryIn: UInt64) -> (UInt64, UInt64, UInt64) {
        let all = RegisterFile.Flag.status
        // AND/OR/XOR clear CF and OF and leave AF undefined.
        let logic = all & ~RegisterFile.Flag.adjust
        // INC/DEC leave CF unchanged.
        let noCarry = all & ~RegisterFile.Flag.carry
        let cin: UInt64 = carryIn != 0 ? 1 : 0
        switch op {
        case .add:
            let r = ArithmeticFlags.add(a, b, carry: 0, size: size)
            return (r.result, r.flags, all)
        case .adc:
            let r = ArithmeticFlags.add(a, b, carry: cin, size: size)
            return (r.result, r.flags, all)
        case .sub:
            let r = ArithmeticFlags.sub(a, b, borrow: 0, size: size)
            return (r.result, r.flags, all)
        case .sbb:
            let r = ArithmeticFlags.sub(a, b, borrow: cin, size: size)
            return (r.result, r.flags, all)
        case .inc:
            let r = ArithmeticFlags.add(a, 1, carry: 0, size: size)
            return (r.result, r.flags, noCarry)
        case .dec:
            let r = ArithmeticFlags.sub(a, 1, borrow: 0, size: size)
            return (r.result, r.flags, noCarry)
        case .neg:
            // CF is set unless the operand was 0 (SDM Vol. 2B "NEG"), which
            // is exactly the borrow of 0 - a.
            let r = ArithmeticFlags.sub(0, a, borrow: 0, size: size)
            return (r.result, r.flags, all)
        case .and:
            let r = RegisterFile.truncate(a & b, toSize: size)
            return (r, ArithmeticFlags.signZeroParity(r, size: size), logic)
        case .or:
            let r = RegisterFile.truncate(a | b, toSize: size)
            return (r, ArithmeticFlags.signZeroParity(r, size: size), logic)
        case .xor:
            let r = RegisterFile.truncate(a ^ b, toSize: size)
            return (r, ArithmeticFlags.signZeroParity(r, size: size), logic)
        case .not:
            // NOT affects no flags.
            return (RegisterFile.truncate(~a, toSize: size), 0, 0)
        }
    }
}

/// Status-flag computation for `size`-byte integer arithmetic (Intel SDM
/// Vol. 1 §3.4.3.1).
enum ArithmeticFlags {
    static func signBit(_ size: Int) -> UInt64 {
        (1 as UInt64) &<< UInt64(truncatingIfNeeded: (size &* 8 &- 1) & 63)
    }

    /// SF, ZF and PF of a truncated result. PF reflects the low byte only.
    static func signZeroParity(_ r: UInt64, size: Int) -> UInt64 {
        var f: UInt64 = 0
        if r & signBit(size) != 0 { f |= RegisterFile.Flag.sign }
        if r == 0 { f |= RegisterFile.Flag.zero }
        if (r & 0xff).nonzeroBitCount & 1 == 0 { f |= RegisterFile.Flag.parity }
        return f
    }

    /// `a + b + carry` at `size` bytes with CF, PF, AF, ZF, SF, OF.
    static func add(_ a: UInt64, _ b: UInt64, carry: UInt64, size: Int) -> (result: UInt64, flags: UInt64) {
        let a = RegisterFile.truncate(a, toSize: size)
        let b = RegisterFile.truncate(b, toSize: size)
        let r = RegisterFile.truncate(a &+ b &+ carry, toSize: size)
        let msb = signBit(size)
        var f = signZeroParity(r, size: size)
        // Carry out of the top bit: both set, or one set and the sum bit clear.
        if ((a & b) | ((a | b) & ~r)) & msb != 0 { f |= RegisterFile.Flag.carry }
        if (a ^ r) & (b ^ r) & msb != 0 { f |= RegisterFile.Flag.overflow }
        if (a ^ b ^ r) & 0x10 != 0 { f |= RegisterFile.Flag.adjust }
        return (r, f)
    }

    /// `a - b - borrow` at `size` bytes with CF, PF, AF, ZF, SF, OF.
    static func sub(_ a: UInt64, _ b: UInt64, borrow: UInt64, size: Int) -> (result: UInt64, flags: UInt64) {
        let a = RegisterFile.truncate(a, toSize: size)
        let b = RegisterFile.truncate(b, toSize: size)
        let r = RegisterFile.truncate(a &- b &- borrow, toSize: size)
        let msb = signBit(size)
        var f = signZeroParity(r, size: size)
        // Borrow out of the top bit.
        if ((~a & b) | (~(a ^ b) & r)) & msb != 0 { f |= RegisterFile.Flag.carry }
        if (a ^ b) & (a ^ r) & msb != 0 { f |= RegisterFile.Flag.overflow }
        if (a ^ b ^ r) & 0x10 != 0 { f |= RegisterFile.Flag.adjust }
        return (r, f)
    }
}
