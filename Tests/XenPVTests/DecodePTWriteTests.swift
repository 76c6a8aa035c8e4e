// Tests for PTWriteOp (Sources/XenPV/Decode). Golden byte sequences were
// produced by the LLVM assembler (clang -c, llvm-objdump -d); the expected
// results of `apply` were recorded by executing the same bytes on the host
// CPU with the same register and memory values.

import Testing
@testable import XenPV

/// The register state every case starts from.
let ptRegisters: RegisterFile = {
    var r = RegisterFile()
    r.rax = 0x1111_2222_3333_4455
    r.rcx = 3
    r.rdx = 0x8000_0000_0000_0067
    r.rbx = 0x5555_6666_7777_8888
    r.rsi = 0x0000_0001_2345_6027
    r.rdi = 0xffff_8880_0010_0000
    r.r8 = 0xffff_8880_0020_0000
    r.r15 = 0xabcd_ef01_2345_6789
    r.rip = 0xffff_ffff_8100_0000
    r.rflags = 0x202
    return r
}()
let ptFSBase: UInt64 = 0x7f00_0000_0000
let ptGSBase: UInt64 = 0xffff_8880_7fc0_0000

struct PTDecodeCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var kind: PTWriteOp.Kind
    var size: Int
    var source: UInt64
    var destination: RegisterOperand?
    var locked: Bool
    var address: UInt64
    var testDescription: String { name }
}

private func reg(_ n: Int, _ size: Int, rex: Bool = true) -> RegisterOperand {
    RegisterOperand(encoded: n, size: size, hasREX: rex)
}

private let rdi = ptRegisters.rdi
private let rip = ptRegisters.rip

let ptDecodeCases: [PTDecodeCase] = [
    .init(name: "xchgq %rax,(%rdi)", bytes: [0x48, 0x87, 0x07], kind: .xchg, size: 8,
          source: 0x1111_2222_3333_4455, destination: reg(0, 8), locked: true, address: rdi),
    .init(name: "lock xchgq %rax,(%rdi)", bytes: [0xf0, 0x48, 0x87, 0x07], kind: .xchg, size: 8,
          source: 0x1111_2222_3333_4455, destination: reg(0, 8), locked: true, address: rdi),
    .init(name: "lock andb $0xfd,(%rdi)", bytes: [0xf0, 0x80, 0x27, 0xfd], kind: .alu(.and), size: 1,
          source: 0xfd, destination: nil, locked: true, address: rdi),
    .init(name: "lock btrq $5,(%rdi)", bytes: [0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05], kind: .bitOp(.btr),
          size: 8, source: 5, destination: nil, locked: true, address: rdi),
    .init(name: "movq %rsi,0x8(%rdi,%rcx,8)", bytes: [0x48, 0x89, 0x74, 0xcf, 0x08], kind: .store, size: 8,
          source: 0x1_2345_6027, destination: nil, locked: false, address: rdi + 8 + 3 * 8),
    .init(name: "lock cmpxchgq %rdx,(%rdi)", bytes: [0xf0, 0x48, 0x0f, 0xb1, 0x17], kind: .cmpxchg, size: 8,
          source: 0x8000_0000_0000_0067, destination: reg(0, 8), locked: true, address: rdi),
    .init(name: "lock cmpxchg8b (%rdi)", bytes: [0xf0, 0x0f, 0xc7, 0x0f], kind: .cmpxchg8b, size: 8,
          source: 0x3_7777_8888, destination: nil, locked: true, address: rdi),
    .init(name: "cmpxchg8b (%rdi)", bytes: [0x0f, 0xc7, 0x0f], kind: .cmpxchg8b, size: 8,
          source: 0x3_7777_8888, destination: nil, locked: false, address: rdi),
    .init(name: "movl %esi,(%rdi)", bytes: [0x89, 0x37], kind: .store, size: 4,
          source: 0x2345_6027, destination: nil, locked: false, address: rdi),
    .init(name: "movq %rsi,0x1234(%rip)", bytes: [0x48, 0x89, 0x35, 0x34, 0x12, 0x00, 0x00], kind: .store,
          size: 8, source: 0x1_2345_6027, destination: nil, locked: false, address: rip + 7 + 0x1234),
    .init(name: "movq $-1,0x10(%rip)", bytes: [0x48, 0xc7, 0x05, 0x10, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff],
          kind: .store, size: 8, source: .max, destination: nil, locked: false, address: rip + 11 + 0x10),
    .init(name: "movq %rax,%fs:(%rdi)", bytes: [0x64, 0x48, 0x89, 0x07], kind: .store, size: 8,
          source: 0x1111_2222_3333_4455, destination: nil, locked: false, address: rdi &+ ptFSBase),
    .init(name: "movq %rdx,%gs:0x18", bytes: [0x65, 0x48, 0x89, 0x14, 0x25, 0x18, 0x00, 0x00, 0x00], kind: .store,
          size: 8, source: 0x8000_0000_0000_0067, destination: nil, locked: false, address: ptGSBase + 0x18),
    .init(name: "movb $0x12,(%rax)", bytes: [0xc6, 0x00, 0x12], kind: .store, size: 1,
          source: 0x12, destination: nil, locked: false, address: 0x1111_2222_3333_4455),
    .init(name: "movw $0x1234,(%rax)", bytes: [0x66, 0xc7, 0x00, 0x34, 0x12], kind: .store, size: 2,
          source: 0x1234, destination: nil, locked: false, address: 0x1111_2222_3333_4455),
    .init(name: "movl $0x80000000,(%rax)", bytes: [0xc7, 0x00, 0x00, 0x00, 0x00, 0x80], kind: .store, size: 4,
          source: 0x8000_0000, destination: nil, locked: false, address: 0x1111_2222_3333_4455),
    .init(name: "movq $0x7fffffff,(%rax)", bytes: [0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f], kind: .store,
          size: 8, source: 0x7fff_ffff, destination: nil, locked: false, address: 0x1111_2222_3333_4455),
    .init(name: "movq $-2,(%rax)", bytes: [0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff], kind: .store, size: 8,
          source: 0xffff_ffff_ffff_fffe, destination: nil, locked: false, address: 0x1111_2222_3333_4455),
    .init(name: "movb %ah,(%rdi)", bytes: [0x88, 0x27], kind: .store, size: 1,
          source: 0x44, destination: nil, locked: false, address: rdi),
    .init(name: "movb %sil,(%rdi)", bytes: [0x40, 0x88, 0x37], kind: .store, size: 1,
          source: 0x27, destination: nil, locked: false, address: rdi),
    .init(name: "movw %r15w,(%r8)", bytes: [0x66, 0x45, 0x89, 0x38], kind: .store, size: 2,
          source: 0x6789, destination: nil, locked: false, address: 0xffff_8880_0020_0000),
    .init(name: "xchgl %ecx,(%rdi)", bytes: [0x87, 0x0f], kind: .xchg, size: 4,
          source: 3, destination: reg(1, 4), locked: true, address: rdi),
    .init(name: "xchgb %bh,(%rdi)", bytes: [0x86, 0x3f], kind: .xchg, size: 1,
          source: 0x88, destination: reg(7, 1, rex: false), locked: true, address: rdi),
    .init(name: "cmpxchgl %ecx,(%rdi)", bytes: [0x0f, 0xb1, 0x0f], kind: .cmpxchg, size: 4,
          source: 3, destination: reg(0, 4), locked: false, address: rdi),
    .init(name: "cmpxchgb %dl,(%rdi)", bytes: [0x0f, 0xb0, 0x17], kind: .cmpxchg, size: 1,
          source: 0x67, destination: reg(0, 1), locked: false, address: rdi),
    .init(name: "lock orq %rax,(%rdi)", bytes: [0xf0, 0x48, 0x09, 0x07], kind: .alu(.or), size: 8,
          source: 0x1111_2222_3333_4455, destination: nil, locked: true, address: rdi),
    .init(name: "lock orq $0x20,(%rdi)", bytes: [0xf0, 0x48, 0x83, 0x0f, 0x20], kind: .alu(.or), size: 8,
          source: 0x20, destination: nil, locked: true, address: rdi),
    .init(name: "lock andq $-2,(%rdi)", bytes: [0xf0, 0x48, 0x83, 0x27, 0xfe], kind: .alu(.and), size: 8,
          source: 0xffff_ffff_ffff_fffe, destination: nil, locked: true, address: rdi),
    .init(name: "addl $0x12345678,(%rdi)", bytes: [0x81, 0x07, 0x78, 0x56, 0x34, 0x12], kind: .alu(.add), size: 4,
          source: 0x1234_5678, destination: nil, locked: false, address: rdi),
    .init(name: "subq %rcx,(%rdi)", bytes: [0x48, 0x29, 0x0f], kind: .alu(.sub), size: 8,
          source: 3, destination: nil, locked: false, address: rdi),
    .init(name: "xorl %edx,(%rdi)", bytes: [0x31, 0x17], kind: .alu(.xor), size: 4,
          source: 0x67, destination: nil, locked: false, address: rdi),
    .init(name: "lock adcq %rcx,(%rdi)", bytes: [0xf0, 0x48, 0x11, 0x0f], kind: .alu(.adc), size: 8,
          source: 3, destination: nil, locked: true, address: rdi),
    .init(name: "lock sbbq %rcx,(%rdi)", bytes: [0xf0, 0x48, 0x19, 0x0f], kind: .alu(.sbb), size: 8,
          source: 3, destination: nil, locked: true, address: rdi),
    .init(name: "lock incq (%rdi)", bytes: [0xf0, 0x48, 0xff, 0x07], kind: .alu(.inc), size: 8,
          source: 0, destination: nil, locked: true, address: rdi),
    .init(name: "lock decl (%rdi)", bytes: [0xf0, 0xff, 0x0f], kind: .alu(.dec), size: 4,
          source: 0, destination: nil, locked: true, address: rdi),
    .init(name: "notq (%rdi)", bytes: [0x48, 0xf7, 0x17], kind: .alu(.not), size: 8,
          source: 0, destination: nil, locked: false, address: rdi),
    .init(name: "negq (%rdi)", bytes: [0x48, 0xf7, 0x1f], kind: .alu(.neg), size: 8,
          source: 0, destination: nil, locked: false, address: rdi),
    .init(name: "lock btsq $63,(%rdi)", bytes: [0xf0, 0x48, 0x0f, 0xba, 0x2f, 0x3f], kind: .bitOp(.bts), size: 8,
          source: 63, destination: nil, locked: true, address: rdi),
    .init(name: "lock btcl $33,(%rdi) (offset mod 32)", bytes: [0xf0, 0x0f, 0xba, 0x3f, 0x21], kind: .bitOp(.btc),
          size: 4, source: 1, destination: nil, locked: true, address: rdi),
    .init(name: "btsq %rcx,(%rdi)", bytes: [0x48, 0x0f, 0xab, 0x0f], kind: .bitOp(.bts), size: 8,
          source: 3, destination: nil, locked: false, address: rdi),
    .init(name: "btsw %cx,(%rdi)", bytes: [0x66, 0x0f, 0xab, 0x0f], kind: .bitOp(.bts), size: 2,
          source: 3, destination: nil, locked: false, address: rdi),
    .init(name: "lock xaddq %rax,(%rdi)", bytes: [0xf0, 0x48, 0x0f, 0xc1, 0x07], kind: .xadd, size: 8,
          source: 0x1111_2222_3333_4455, destination: reg(0, 8), locked: true, address: rdi),
    .init(name: "stosq", bytes: [0x48, 0xab], kind: .stos, size: 8,
          source: 0x1111_2222_3333_4455, destination: nil, locked: false, address: rdi),
    .init(name: "stosl", bytes: [0xab], kind: .stos, size: 4,
          source: 0x3333_4455, destination: nil, locked: false, address: rdi),
    .init(name: "stosb", bytes: [0xaa], kind: .stos, size: 1,
          source: 0x55, destination: nil, locked: false, address: rdi),
    .init(name: "stosw", bytes: [0x66, 0xab], kind: .stos, size: 2,
          source: 0x4455, destination: nil, locked: false, address: rdi),
    .init(name: "movabs %rax,0x1122334455667788", bytes: [0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
          kind: .store, size: 8, source: 0x1111_2222_3333_4455, destination: nil, locked: false,
          address: 0x1122_3344_5566_7788),
    .init(name: "addr32 mov %rax,0x11223344", bytes: [0x67, 0x48, 0x89, 0x04, 0x25, 0x44, 0x33, 0x22, 0x11],
          kind: .store, size: 8, source: 0x1111_2222_3333_4455, destination: nil, locked: false,
          address: 0x1122_3344),
    .init(name: "movl %eax,(%edi)", bytes: [0x67, 0x89, 0x07], kind: .store, size: 4,
          source: 0x3333_4455, destination: nil, locked: false, address: 0x0010_0000),
]

/// Encodings that are not single memory writes the PT emulation accepts.
let ptUnsupportedEncodings: [Encoding] = [
    Encoding("rep stosq", [0xf3, 0x48, 0xab]),
    Encoding("movsq", [0x48, 0xa5]),
    Encoding("cmpxchg16b (%rdi)", [0x48, 0x0f, 0xc7, 0x0f]),
    Encoding("cmpq $0,(%rdi) (no write)", [0x48, 0x83, 0x3f, 0x00]),
    Encoding("lock btrq %rax,(%rdi) (bit offset outside the operand)", [0xf0, 0x48, 0x0f, 0xb3, 0x07]),
    Encoding("lock movq %rax,(%rdi) (#UD)", [0xf0, 0x48, 0x89, 0x07]),
    Encoding("lock stosq (#UD)", [0xf0, 0x48, 0xab]),
    Encoding("mov %rax,%rdi (register destination)", [0x48, 0x89, 0xc7]),
    Encoding("lock orq %rax,%rdi (register destination)", [0xf0, 0x48, 0x09, 0xc7]),
    Encoding("movq (%rdi),%rax (a read)", [0x48, 0x8b, 0x07]),
    Encoding("btq $5,(%rdi) (no write)", [0x48, 0x0f, 0xba, 0x27, 0x05]),
    Encoding("testq $1,(%rdi) (no write)", [0x48, 0xf7, 0x07, 0x01, 0x00, 0x00, 0x00]),
    Encoding("wrmsr", [0x0f, 0x30]),
]

struct PTApplyCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var rflags: UInt64 = 0x202
    var rdx: UInt64 = 0x8000_0000_0000_0067
    var old: UInt64
    /// The memory after the instruction, as the CPU left it.
    var memory: UInt64
    var writes: Bool = true
    /// RFLAGS after the instruction, as the CPU left it.
    var flags: UInt64
    /// Registers the CPU changed, with their new values.
    var changed: [Pair] = []
    struct Pair: Sendable { var register: Int; var value: UInt64 }
    var testDescription: String { name }
}

private func set(_ register: Int, _ value: UInt64) -> PTApplyCase.Pair { .init(register: register, value: value) }

let ptApplyCases: [PTApplyCase] = [
    .init(name: "xchgq %rax,(%rdi)", bytes: [0x48, 0x87, 0x07], old: 0x1234_5067,
          memory: 0x1111_2222_3333_4455, flags: 0x202, changed: [set(0, 0x1234_5067)]),
    .init(name: "lock andb $0xfd,(%rdi)", bytes: [0xf0, 0x80, 0x27, 0xfd], old: 0x67, memory: 0x65, flags: 0x206),
    .init(name: "lock btrq $5,(%rdi)", bytes: [0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05], old: 0x8000_0000_1234_5067,
          memory: 0x8000_0000_1234_5047, flags: 0x203),
    .init(name: "lock cmpxchgq %rdx,(%rdi) equal", bytes: [0xf0, 0x48, 0x0f, 0xb1, 0x17], old: 0x1111_2222_3333_4455,
          memory: 0x8000_0000_0000_0067, flags: 0x246),
    .init(name: "lock cmpxchgq %rdx,(%rdi) different", bytes: [0xf0, 0x48, 0x0f, 0xb1, 0x17], old: 0x1234_5067,
          memory: 0x1234_5067, writes: false, flags: 0x216, changed: [set(0, 0x1234_5067)]),
    .init(name: "lock cmpxchg8b (%rdi) equal", bytes: [0xf0, 0x0f, 0xc7, 0x0f], rdx: 0x67, old: 0x67_3333_4455,
          memory: 0x3_7777_8888, flags: 0x242),
    .init(name: "lock cmpxchg8b (%rdi) different", bytes: [0xf0, 0x0f, 0xc7, 0x0f], old: 0x1234,
          memory: 0x1234, writes: false, flags: 0x202, changed: [set(0, 0x1234), set(2, 0)]),
    .init(name: "cmpxchgl %ecx,(%rdi) different zero-extends EAX", bytes: [0x0f, 0xb1, 0x0f], old: 1,
          memory: 1, writes: false, flags: 0x202, changed: [set(0, 1)]),
    .init(name: "xchgb %bh,(%rdi)", bytes: [0x86, 0x3f], old: 0x12, memory: 0x88, flags: 0x202,
          changed: [set(3, 0x5555_6666_7777_1288)]),
    .init(name: "lock orq $0x20,(%rdi)", bytes: [0xf0, 0x48, 0x83, 0x0f, 0x20], old: 0x8000_0000_0000_0047,
          memory: 0x8000_0000_0000_0067, flags: 0x282),
    .init(name: "lock andq $-2,(%rdi)", bytes: [0xf0, 0x48, 0x83, 0x27, 0xfe], old: 1, memory: 0, flags: 0x246),
    .init(name: "addl $0x12345678,(%rdi) overflows", bytes: [0x81, 0x07, 0x78, 0x56, 0x34, 0x12], old: 0x7000_0000,
          memory: 0x8234_5678, flags: 0xa86),
    .init(name: "subq %rcx,(%rdi) borrows", bytes: [0x48, 0x29, 0x0f], old: 2,
          memory: 0xffff_ffff_ffff_ffff, flags: 0x297),
    .init(name: "xorl %edx,(%rdi)", bytes: [0x31, 0x17], old: 0x67, memory: 0, flags: 0x246),
    .init(name: "lock adcq %rcx,(%rdi) with CF", bytes: [0xf0, 0x48, 0x11, 0x0f], rflags: 0x203,
          old: 0xffff_ffff_ffff_fffc, memory: 0, flags: 0x257),
    .init(name: "lock sbbq %rcx,(%rdi) with CF", bytes: [0xf0, 0x48, 0x19, 0x0f], rflags: 0x203,
          old: 4, memory: 0, flags: 0x246),
    .init(name: "lock incq (%rdi) overflows", bytes: [0xf0, 0x48, 0xff, 0x07], old: 0x7fff_ffff_ffff_ffff,
          memory: 0x8000_0000_0000_0000, flags: 0xa96),
    .init(name: "lock decl (%rdi) keeps CF", bytes: [0xf0, 0xff, 0x0f], rflags: 0x203, old: 0,
          memory: 0xffff_ffff, flags: 0x297),
    .init(name: "notq (%rdi)", bytes: [0x48, 0xf7, 0x17], old: 0xff,
          memory: 0xffff_ffff_ffff_ff00, flags: 0x202),
    .init(name: "negq (%rdi) of 0", bytes: [0x48, 0xf7, 0x1f], old: 0, memory: 0, flags: 0x246),
    .init(name: "negq (%rdi) of 1", bytes: [0x48, 0xf7, 0x1f], old: 1, memory: 0xffff_ffff_ffff_ffff, flags: 0x297),
    .init(name: "lock btsq $63,(%rdi)", bytes: [0xf0, 0x48, 0x0f, 0xba, 0x2f, 0x3f], old: 0,
          memory: 0x8000_0000_0000_0000, flags: 0x202),
    .init(name: "lock btcl $33,(%rdi)", bytes: [0xf0, 0x0f, 0xba, 0x3f, 0x21], old: 2, memory: 0, flags: 0x203),
    .init(name: "btsw %cx,(%rdi)", bytes: [0x66, 0x0f, 0xab, 0x0f], old: 0xfff7, memory: 0xffff, flags: 0x202),
    .init(name: "lock xaddq %rax,(%rdi)", bytes: [0xf0, 0x48, 0x0f, 0xc1, 0x07], old: 0xffff_ffff_ffff_ffff,
          memory: 0x1111_2222_3333_4454, flags: 0x213, changed: [set(0, 0xffff_ffff_ffff_ffff)]),
    .init(name: "stosq with DF set steps down", bytes: [0x48, 0xab], rflags: 0x602, old: 0,
          memory: 0x1111_2222_3333_4455, flags: 0x602, changed: [set(7, 0xffff_8880_0010_0000 - 8)]),
    .init(name: "stosb steps up", bytes: [0xaa], old: 0, memory: 0x55, flags: 0x202,
          changed: [set(7, 0xffff_8880_0010_0000 + 1)]),
    .init(name: "movb %ah,(%rdi)", bytes: [0x88, 0x27], old: 0, memory: 0x44, flags: 0x202),
    .init(name: "movw %r15w,(%r8)", bytes: [0x66, 0x45, 0x89, 0x38], old: 0, memory: 0x6789, flags: 0x202),
]

@Suite("Decode: page-table write emulation")
struct DecodePTWriteTests {
    @Test("decode assembled memory writes", arguments: ptDecodeCases)
    func decode(_ c: PTDecodeCase) throws {
        let op = try #require(PTWriteOp.decode(InstructionBytes(c.bytes + [0x90]), registers: ptRegisters))
        #expect(op.kind == c.kind)
        #expect(op.size == c.size)
        #expect(op.sourceValue == c.source)
        #expect(op.destinationRegister == c.destination)
        #expect(op.locked == c.locked)
        #expect(op.length == c.bytes.count)
        #expect(op.linearAddress(registers: ptRegisters, fsBase: ptFSBase, gsBase: ptGSBase) == c.address)
    }

    @Test("every truncation is nil", arguments: ptDecodeCases)
    func truncated(_ c: PTDecodeCase) {
        for n in 0..<c.bytes.count {
            #expect(PTWriteOp.decode(InstructionBytes(Array(c.bytes[0..<n])), registers: ptRegisters) == nil)
        }
    }

    @Test("unsupported writes and non-writes are nil", arguments: ptUnsupportedEncodings)
    func unsupported(_ e: Encoding) {
        #expect(PTWriteOp.decode(InstructionBytes(e.bytes), registers: ptRegisters) == nil)
    }

    @Test("apply matches the CPU", arguments: ptApplyCases)
    func apply(_ c: PTApplyCase) throws {
        var regs = ptRegisters
        regs.rflags = c.rflags
        regs.rdx = c.rdx
        let op = try #require(PTWriteOp.decode(InstructionBytes(c.bytes), registers: regs))
        let result = op.apply(old: c.old, registers: regs)
        #expect(result.writes == c.writes)
        if c.writes {
            #expect(result.newValue == c.memory)
        }
        var expected = regs
        for pair in c.changed { expected[pair.register] = pair.value }
        expected.rflags = c.flags
        expected.rip = regs.rip + UInt64(c.bytes.count)
        #expect(result.registers == expected)
        #expect(result.flags & result.flagsMask == c.flags & result.flagsMask)
    }

    @Test("flag masks follow the SDM's defined flags")
    func flagMasks() throws {
        let status = RegisterFile.Flag.status
        func mask(_ bytes: [UInt8]) throws -> UInt64 {
            let op = try #require(PTWriteOp.decode(InstructionBytes(bytes), registers: ptRegisters))
            return op.apply(old: 0, registers: ptRegisters).flagsMask
        }
        #expect(try mask([0x48, 0x89, 0x07]) == 0)                                        // mov
        #expect(try mask([0x48, 0x87, 0x07]) == 0)                                        // xchg
        #expect(try mask([0xf0, 0x48, 0x0f, 0xb1, 0x17]) == status)                       // cmpxchg
        #expect(try mask([0xf0, 0x0f, 0xc7, 0x0f]) == RegisterFile.Flag.zero)             // cmpxchg8b
        #expect(try mask([0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05]) == RegisterFile.Flag.carry) // btr
        #expect(try mask([0xf0, 0x80, 0x27, 0xfd]) == status & ~RegisterFile.Flag.adjust) // and
        #expect(try mask([0xf0, 0x48, 0xff, 0x07]) == status & ~RegisterFile.Flag.carry)  // inc
        #expect(try mask([0x48, 0xf7, 0x17]) == 0)                                        // not
    }

    @Test("register writes: 32-bit zero-extends, 8/16-bit merge, high bytes")
    func registerWrites() {
        var r = RegisterFile()
        r.rax = 0xffff_ffff_ffff_ffff
        r.write(RegisterOperand(encoded: 0, size: 4, hasREX: false), 0x1234_5678_9abc_def0)
        #expect(r.rax == 0x9abc_def0)
        r.rbx = 0xffff_ffff_ffff_ffff
        r.write(RegisterOperand(encoded: 3, size: 2, hasREX: false), 0x1234)
        #expect(r.rbx == 0xffff_ffff_ffff_1234)
        r.write(RegisterOperand(encoded: 3, size: 1, hasREX: false), 0x56)
        #expect(r.rbx == 0xffff_ffff_ffff_1256)
        // Encoded 7 without REX is BH; with REX it is DIL.
        let bh = RegisterOperand(encoded: 7, size: 1, hasREX: false)
        #expect(bh.number == 3 && bh.isHighByte)
        r.write(bh, 0xab)
        #expect(r.rbx == 0xffff_ffff_ffff_ab56)
        #expect(r.read(bh) == 0xab)
        let dil = RegisterOperand(encoded: 7, size: 1, hasREX: true)
        #expect(dil.number == 7 && !dil.isHighByte)
        r.write(RegisterOperand(encoded: 15, size: 8, hasREX: true), 42)
        #expect(r.r15 == 42)
        #expect(r[15] == 42 && r[31] == 42)  // numbers are taken modulo 16
    }
}
