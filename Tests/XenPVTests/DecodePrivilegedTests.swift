// Tests for PrivilegedInstruction (Sources/XenPV/Decode). Golden byte
// sequences were produced by the LLVM assembler (clang -c, llvm-objdump -d).

import Testing
@testable import XenPV

struct PrivilegedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var expected: PrivilegedInstruction
    init(_ name: String, _ bytes: [UInt8], _ expected: PrivilegedInstruction) {
        self.name = name
        self.bytes = bytes
        self.expected = expected
    }
    var testDescription: String { name }
}

private let rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rdi = 7, r9 = 9, r12 = 12, r13 = 13

let privilegedCases: [PrivilegedCase] = [
    PrivilegedCase("wrmsr", [0x0f, 0x30], .wrmsr),
    PrivilegedCase("rdmsr", [0x0f, 0x32], .rdmsr),
    PrivilegedCase("rdtsc", [0x0f, 0x31], .rdtsc),
    PrivilegedCase("rdtscp", [0x0f, 0x01, 0xf9], .rdtscp),
    PrivilegedCase("rdpmc", [0x0f, 0x33], .rdpmc),
    PrivilegedCase("cpuid", [0x0f, 0xa2], .cpuid),
    PrivilegedCase("mov %cr4,%rax", [0x0f, 0x20, 0xe0], .movFromCR(cr: 4, gpr: rax)),
    PrivilegedCase("mov %rax,%cr4", [0x0f, 0x22, 0xe0], .movToCR(cr: 4, gpr: rax)),
    PrivilegedCase("mov %cr8,%r9", [0x45, 0x0f, 0x20, 0xc1], .movFromCR(cr: 8, gpr: r9)),
    PrivilegedCase("mov %r9,%cr8", [0x45, 0x0f, 0x22, 0xc1], .movToCR(cr: 8, gpr: r9)),
    PrivilegedCase("mov %cr3,%r12", [0x41, 0x0f, 0x20, 0xdc], .movFromCR(cr: 3, gpr: r12)),
    PrivilegedCase("mov %cr0,%rcx", [0x0f, 0x20, 0xc1], .movFromCR(cr: 0, gpr: rcx)),
    PrivilegedCase("mov %cr2,%rdi", [0x0f, 0x20, 0xd7], .movFromCR(cr: 2, gpr: rdi)),
    // The mod field is ignored: 0F 20 20 is still mov %cr4,%rax (no SIB/disp).
    PrivilegedCase("mov %cr4,%rax with mod 00", [0x0f, 0x20, 0x20], .movFromCR(cr: 4, gpr: rax)),
    PrivilegedCase("mov %db7,%rax", [0x0f, 0x21, 0xf8], .movFromDR(dr: 7, gpr: rax)),
    PrivilegedCase("mov %rdx,%db0", [0x0f, 0x23, 0xc2], .movToDR(dr: 0, gpr: rdx)),
    PrivilegedCase("clts", [0x0f, 0x06], .clts),
    PrivilegedCase("wbinvd", [0x0f, 0x09], .wbinvd),
    PrivilegedCase("invd", [0x0f, 0x08], .invd),
    PrivilegedCase("hlt", [0xf4], .hlt),
    PrivilegedCase("cli", [0xfa], .cli),
    PrivilegedCase("sti", [0xfb], .sti),
    PrivilegedCase("in $0x60,%al", [0xe4, 0x60], .portIn(size: 1, port: .immediate(0x60))),
    PrivilegedCase("in $0x71,%ax", [0x66, 0xe5, 0x71], .portIn(size: 2, port: .immediate(0x71))),
    PrivilegedCase("in $0x71,%eax", [0xe5, 0x71], .portIn(size: 4, port: .immediate(0x71))),
    PrivilegedCase("out %al,$0x80", [0xe6, 0x80], .portOut(size: 1, port: .immediate(0x80))),
    PrivilegedCase("out %eax,$0x80", [0xe7, 0x80], .portOut(size: 4, port: .immediate(0x80))),
    PrivilegedCase("out %ax,$0x80", [0x66, 0xe7, 0x80], .portOut(size: 2, port: .immediate(0x80))),
    PrivilegedCase("in (%dx),%al", [0xec], .portIn(size: 1, port: .dx)),
    PrivilegedCase("in (%dx),%ax", [0x66, 0xed], .portIn(size: 2, port: .dx)),
    PrivilegedCase("in (%dx),%eax", [0xed], .portIn(size: 4, port: .dx)),
    PrivilegedCase("REX.W in (%dx),%eax stays 32-bit", [0x48, 0xed], .portIn(size: 4, port: .dx)),
    PrivilegedCase("out %al,(%dx)", [0xee], .portOut(size: 1, port: .dx)),
    PrivilegedCase("out %ax,(%dx)", [0x66, 0xef], .portOut(size: 2, port: .dx)),
    PrivilegedCase("out %eax,(%dx)", [0xef], .portOut(size: 4, port: .dx)),
    PrivilegedCase("insb", [0x6c], .ins(.init(size: 1, rep: false, addressSize: 8, segment: .es))),
    PrivilegedCase("insw", [0x66, 0x6d], .ins(.init(size: 2, rep: false, addressSize: 8, segment: .es))),
    PrivilegedCase("insl", [0x6d], .ins(.init(size: 4, rep: false, addressSize: 8, segment: .es))),
    PrivilegedCase("outsb", [0x6e], .outs(.init(size: 1, rep: false, addressSize: 8, segment: .ds))),
    PrivilegedCase("outsw", [0x66, 0x6f], .outs(.init(size: 2, rep: false, addressSize: 8, segment: .ds))),
    PrivilegedCase("outsl", [0x6f], .outs(.init(size: 4, rep: false, addressSize: 8, segment: .ds))),
    PrivilegedCase("rep insb", [0xf3, 0x6c], .ins(.init(size: 1, rep: true, addressSize: 8, segment: .es))),
    PrivilegedCase("rep outsl", [0xf3, 0x6f], .outs(.init(size: 4, rep: true, addressSize: 8, segment: .ds))),
    PrivilegedCase("rep outsw", [0xf3, 0x66, 0x6f], .outs(.init(size: 2, rep: true, addressSize: 8, segment: .ds))),
    PrivilegedCase("outsb %fs:(%rsi),(%dx)", [0x64, 0x6e], .outs(.init(size: 1, rep: false, addressSize: 8, segment: .fs))),
    PrivilegedCase("addr32 rep insb", [0x67, 0xf3, 0x6c], .ins(.init(size: 1, rep: true, addressSize: 4, segment: .es))),
    PrivilegedCase("int $0x80", [0xcd, 0x80], .int(vector: 0x80)),
    PrivilegedCase("int3", [0xcc], .int3),
    PrivilegedCase("into", [0xce], .into),
    PrivilegedCase("int1 (icebp)", [0xf1], .int1),
    PrivilegedCase("xsetbv", [0x0f, 0x01, 0xd1], .xsetbv),
    PrivilegedCase("xgetbv", [0x0f, 0x01, 0xd0], .xgetbv),
    PrivilegedCase("swapgs", [0x0f, 0x01, 0xf8], .swapgs),
    PrivilegedCase("lgdt (%rax)", [0x0f, 0x01, 0x10],
                   .lgdt(MemoryOperand(base: .register(rax), index: nil, scale: 1, displacement: 0,
                                       addressSize: 8, segment: .ds))),
    PrivilegedCase("lidt 0x10(%rsp)", [0x0f, 0x01, 0x5c, 0x24, 0x10],
                   .lidt(MemoryOperand(base: .register(rsp), index: nil, scale: 1, displacement: 0x10,
                                       addressSize: 8, segment: .ss))),
    PrivilegedCase("lldt %ax", [0x0f, 0x00, 0xd0], .lldt(.register(rax))),
    PrivilegedCase("lldt (%rbx)", [0x0f, 0x00, 0x13],
                   .lldt(.memory(MemoryOperand(base: .register(rbx), index: nil, scale: 1,
                                               displacement: 0, addressSize: 8, segment: .ds)))),
    PrivilegedCase("ltr %cx", [0x0f, 0x00, 0xd9], .ltr(.register(rcx))),
    PrivilegedCase("lmsw %dx", [0x0f, 0x01, 0xf2], .lmsw(.register(rdx))),
    PrivilegedCase("lmsw (%rdi)", [0x0f, 0x01, 0x37],
                   .lmsw(.memory(MemoryOperand(base: .register(rdi), index: nil, scale: 1,
                                               displacement: 0, addressSize: 8, segment: .ds)))),
    PrivilegedCase("invlpg (%rdi)", [0x0f, 0x01, 0x3f],
                   .invlpg(MemoryOperand(base: .register(rdi), index: nil, scale: 1, displacement: 0,
                                         addressSize: 8, segment: .ds))),
    PrivilegedCase("invlpg 0x1000(%r12,%r13,4)", [0x43, 0x0f, 0x01, 0xbc, 0xac, 0x00, 0x10, 0x00, 0x00],
                   .invlpg(MemoryOperand(base: .register(r12), index: r13, scale: 4, displacement: 0x1000,
                                         addressSize: 8, segment: .ds))),
]

/// Instructions that are not privileged ops, or that are #UD as encoded.
let nonPrivilegedEncodings: [Encoding] = [
    Encoding("nop", [0x90]),
    Encoding("mov %rsp,%rbp", [0x48, 0x89, 0xe5]),
    Encoding("syscall", [0x0f, 0x05]),
    Encoding("ud2", [0x0f, 0x0b]),
    Encoding("lock cpuid (#UD)", [0xf0, 0x0f, 0xa2]),
    Encoding("lock mov %cr0,%rax (AMD CR8 alias, not accepted)", [0xf0, 0x0f, 0x20, 0xc0]),
    Encoding("mov %db8,%rax (REX.R on DR is #UD)", [0x44, 0x0f, 0x21, 0xc0]),
    Encoding("66 xgetbv (NP)", [0x66, 0x0f, 0x01, 0xd0]),
    Encoding("vmcall", [0x0f, 0x01, 0xc1]),
    Encoding("sgdt (%rax)", [0x0f, 0x01, 0x00]),
    Encoding("lgdt register form (0F 01 D0 is xgetbv, D8 is vmrun)", [0x0f, 0x01, 0xd8]),
    Encoding("sldt %ax", [0x0f, 0x00, 0xc0]),
]

@Suite("Decode: privileged instructions")
struct DecodePrivilegedTests {
    @Test("assembled privileged instructions", arguments: privilegedCases)
    func decode(_ c: PrivilegedCase) throws {
        let result = try #require(PrivilegedInstruction.decode(InstructionBytes(c.bytes + [0xcc, 0xcc])))
        #expect(result.instruction == c.expected)
        #expect(result.length == c.bytes.count)
    }

    @Test("every truncation is nil", arguments: privilegedCases)
    func truncated(_ c: PrivilegedCase) {
        for n in 0..<c.bytes.count {
            #expect(PrivilegedInstruction.decode(InstructionBytes(Array(c.bytes[0..<n]))) == nil)
        }
    }

    @Test("other instructions are not privileged", arguments: nonPrivilegedEncodings)
    func notPrivileged(_ e: Encoding) {
        #expect(PrivilegedInstruction.decode(InstructionBytes(e.bytes)) == nil)
    }

    @Test("mnemonics")
    func mnemonics() {
        #expect(PrivilegedInstruction.wrmsr.mnemonic.description == "wrmsr")
        #expect(PrivilegedInstruction.portIn(size: 1, port: .dx).mnemonic.description == "in")
    }

    @Test("forced emulation prefix: ud2; .ascii \"xen\"; cpuid")
    func forcedEmulation() {
        // From the assembler: 0f 0b (ud2), 78 65 6e ("xen"), 0f a2 (cpuid).
        let sequence: [UInt8] = [0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2]
        #expect(PrivilegedInstruction.decodeForcedEmulation(InstructionBytes(sequence)) == 7)
        #expect(PrivilegedInstruction.decodeForcedEmulation(InstructionBytes(sequence + [0x90])) == 7)
        for n in 0..<sequence.count {
            #expect(PrivilegedInstruction.decodeForcedEmulation(InstructionBytes(Array(sequence[0..<n]))) == nil)
        }
        // Only cpuid may follow the prefix.
        #expect(PrivilegedInstruction.decodeForcedEmulation(
            InstructionBytes([0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0x30])) == nil)
        #expect(PrivilegedInstruction.decodeForcedEmulation(
            InstructionBytes([0x0f, 0x0b, 0x78, 0x65, 0x6f, 0x0f, 0xa2])) == nil)
    }
}
