// Tests for the x86-64 decoder core (Sources/XenPV/Decode). Golden byte
// sequences were produced by the LLVM assembler (clang -c, llvm-objdump -d).

import Testing
@testable import XenPV

/// A named instruction encoding for argument tables.
struct Encoding: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
    var testDescription: String { name }
}

extension InstructionBytes {
    /// Test helper: the first (up to) 16 bytes of an array.
    init(_ array: [UInt8]) {
        self.init(count: array.count) { array[$0] }
    }
}

/// Every assembled case from the decoder, privileged and PT-write tests.
let assembledEncodings: [Encoding] = [
    Encoding("wrmsr", [0x0f, 0x30]),
    Encoding("rdmsr", [0x0f, 0x32]),
    Encoding("rdtsc", [0x0f, 0x31]),
    Encoding("rdtscp", [0x0f, 0x01, 0xf9]),
    Encoding("rdpmc", [0x0f, 0x33]),
    Encoding("cpuid", [0x0f, 0xa2]),
    Encoding("movq %cr4, %rax", [0x0f, 0x20, 0xe0]),
    Encoding("movq %rax, %cr4", [0x0f, 0x22, 0xe0]),
    Encoding("movq %cr8, %r9", [0x45, 0x0f, 0x20, 0xc1]),
    Encoding("movq %r9, %cr8", [0x45, 0x0f, 0x22, 0xc1]),
    Encoding("movq %cr3, %r12", [0x41, 0x0f, 0x20, 0xdc]),
    Encoding("movq %cr0, %rcx", [0x0f, 0x20, 0xc1]),
    Encoding("movq %cr2, %rdi", [0x0f, 0x20, 0xd7]),
    Encoding("movq %dr7, %rax", [0x0f, 0x21, 0xf8]),
    Encoding("movq %rdx, %dr0", [0x0f, 0x23, 0xc2]),
    Encoding("clts", [0x0f, 0x06]),
    Encoding("wbinvd", [0x0f, 0x09]),
    Encoding("invd", [0x0f, 0x08]),
    Encoding("hlt", [0xf4]),
    Encoding("cli", [0xfa]),
    Encoding("sti", [0xfb]),
    Encoding("inb $0x60, %al", [0xe4, 0x60]),
    Encoding("inw $0x71, %ax", [0x66, 0xe5, 0x71]),
    Encoding("inl $0x71, %eax", [0xe5, 0x71]),
    Encoding("outb %al, $0x80", [0xe6, 0x80]),
    Encoding("outl %eax, $0x80", [0xe7, 0x80]),
    Encoding("outw %ax, $0x80", [0x66, 0xe7, 0x80]),
    Encoding("inb %dx, %al", [0xec]),
    Encoding("inw %dx, %ax", [0x66, 0xed]),
    Encoding("inl %dx, %eax", [0xed]),
    Encoding("outb %al, %dx", [0xee]),
    Encoding("outw %ax, %dx", [0x66, 0xef]),
    Encoding("outl %eax, %dx", [0xef]),
    Encoding("insb %dx, %es:(%rdi)", [0x6c]),
    Encoding("insw %dx, %es:(%rdi)", [0x66, 0x6d]),
    Encoding("insl %dx, %es:(%rdi)", [0x6d]),
    Encoding("outsb (%rsi), %dx", [0x6e]),
    Encoding("outsw (%rsi), %dx", [0x66, 0x6f]),
    Encoding("outsl (%rsi), %dx", [0x6f]),
    Encoding("rep insb %dx, %es:(%rdi)", [0xf3, 0x6c]),
    Encoding("rep outsl (%rsi), %dx", [0xf3, 0x6f]),
    Encoding("rep outsw (%rsi), %dx", [0xf3, 0x66, 0x6f]),
    Encoding("outsb %fs:(%rsi), %dx", [0x64, 0x6e]),
    Encoding("int $0x80", [0xcd, 0x80]),
    Encoding("int3", [0xcc]),
    Encoding("<unknown>", [0xf1]),
    Encoding("xsetbv", [0x0f, 0x01, 0xd1]),
    Encoding("xgetbv", [0x0f, 0x01, 0xd0]),
    Encoding("swapgs", [0x0f, 0x01, 0xf8]),
    Encoding("lgdtq (%rax)", [0x0f, 0x01, 0x10]),
    Encoding("lidtq 0x10(%rsp)", [0x0f, 0x01, 0x5c, 0x24, 0x10]),
    Encoding("lldtw %ax", [0x0f, 0x00, 0xd0]),
    Encoding("lldtw (%rbx)", [0x0f, 0x00, 0x13]),
    Encoding("ltrw %cx", [0x0f, 0x00, 0xd9]),
    Encoding("lmsww %dx", [0x0f, 0x01, 0xf2]),
    Encoding("lmsww (%rdi)", [0x0f, 0x01, 0x37]),
    Encoding("invlpg (%rdi)", [0x0f, 0x01, 0x3f]),
    Encoding("invlpg 0x1000(%r12,%r13,4)", [0x43, 0x0f, 0x01, 0xbc, 0xac, 0x00, 0x10, 0x00, 0x00]),
    Encoding("ud2", [0x0f, 0x0b]),
    Encoding("js 0xf4 <.text+0xf4>", [0x78, 0x65]),
    Encoding("outsb (%rsi), %dx", [0x6e]),
    Encoding("cpuid", [0x0f, 0xa2]),
    Encoding("xchgq %rax, (%rdi)", [0x48, 0x87, 0x07]),
    Encoding("lock andb $-0x3, (%rdi)", [0xf0, 0x80, 0x27, 0xfd]),
    Encoding("lock btrq $0x5, (%rdi)", [0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05]),
    Encoding("movq %rsi, 0x8(%rdi,%rcx,8)", [0x48, 0x89, 0x74, 0xcf, 0x08]),
    Encoding("lock cmpxchgq %rdx, (%rdi)", [0xf0, 0x48, 0x0f, 0xb1, 0x17]),
    Encoding("lock cmpxchg8b (%rdi)", [0xf0, 0x0f, 0xc7, 0x0f]),
    Encoding("movl %esi, (%rdi)", [0x89, 0x37]),
    Encoding("movq %rsi, 0x1234(%rip)", [0x48, 0x89, 0x35, 0x34, 0x12, 0x00, 0x00]),
    Encoding("movq $-0x1, 0x10(%rip)", [0x48, 0xc7, 0x05, 0x10, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff]),
    Encoding("movq %rax, %fs:(%rdi)", [0x64, 0x48, 0x89, 0x07]),
    Encoding("movq %rdx, %gs:0x18", [0x65, 0x48, 0x89, 0x14, 0x25, 0x18, 0x00, 0x00, 0x00]),
    Encoding("movb $0x12, (%rax)", [0xc6, 0x00, 0x12]),
    Encoding("movw $0x1234, (%rax)", [0x66, 0xc7, 0x00, 0x34, 0x12]),
    Encoding("movl $0x80000000, (%rax)", [0xc7, 0x00, 0x00, 0x00, 0x00, 0x80]),
    Encoding("movq $0x7fffffff, (%rax)", [0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f]),
    Encoding("movq $-0x2, (%rax)", [0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff]),
    Encoding("movb %ah, (%rdi)", [0x88, 0x27]),
    Encoding("movb %sil, (%rdi)", [0x40, 0x88, 0x37]),
    Encoding("movw %r15w, (%r8)", [0x66, 0x45, 0x89, 0x38]),
    Encoding("xchgl %ecx, (%rdi)", [0x87, 0x0f]),
    Encoding("xchgb %bh, (%rdi)", [0x86, 0x3f]),
    Encoding("cmpxchgl %ecx, (%rdi)", [0x0f, 0xb1, 0x0f]),
    Encoding("cmpxchgb %dl, (%rdi)", [0x0f, 0xb0, 0x17]),
    Encoding("cmpxchg8b (%rdi)", [0x0f, 0xc7, 0x0f]),
    Encoding("lock orq %rax, (%rdi)", [0xf0, 0x48, 0x09, 0x07]),
    Encoding("lock orq $0x20, (%rdi)", [0xf0, 0x48, 0x83, 0x0f, 0x20]),
    Encoding("lock andq $-0x2, (%rdi)", [0xf0, 0x48, 0x83, 0x27, 0xfe]),
    Encoding("addl $0x12345678, (%rdi)", [0x81, 0x07, 0x78, 0x56, 0x34, 0x12]),
    Encoding("subq %rcx, (%rdi)", [0x48, 0x29, 0x0f]),
    Encoding("xorl %edx, (%rdi)", [0x31, 0x17]),
    Encoding("lock adcq %rcx, (%rdi)", [0xf0, 0x48, 0x11, 0x0f]),
    Encoding("lock sbbq %rcx, (%rdi)", [0xf0, 0x48, 0x19, 0x0f]),
    Encoding("lock incq (%rdi)", [0xf0, 0x48, 0xff, 0x07]),
    Encoding("lock decl (%rdi)", [0xf0, 0xff, 0x0f]),
    Encoding("notq (%rdi)", [0x48, 0xf7, 0x17]),
    Encoding("negq (%rdi)", [0x48, 0xf7, 0x1f]),
    Encoding("lock btsq $0x3f, (%rdi)", [0xf0, 0x48, 0x0f, 0xba, 0x2f, 0x3f]),
    Encoding("lock btcl $0x21, (%rdi)", [0xf0, 0x0f, 0xba, 0x3f, 0x21]),
    Encoding("btsq %rcx, (%rdi)", [0x48, 0x0f, 0xab, 0x0f]),
    Encoding("lock btrq %rax, (%rdi)", [0xf0, 0x48, 0x0f, 0xb3, 0x07]),
    Encoding("btsw %cx, (%rdi)", [0x66, 0x0f, 0xab, 0x0f]),
    Encoding("lock xaddq %rax, (%rdi)", [0xf0, 0x48, 0x0f, 0xc1, 0x07]),
    Encoding("stosq %rax, %es:(%rdi)", [0x48, 0xab]),
    Encoding("stosl %eax, %es:(%rdi)", [0xab]),
    Encoding("stosb %al, %es:(%rdi)", [0xaa]),
    Encoding("stosw %ax, %es:(%rdi)", [0x66, 0xab]),
    Encoding("rep stosq %rax, %es:(%rdi)", [0xf3, 0x48, 0xab]),
    Encoding("movsq (%rsi), %es:(%rdi)", [0x48, 0xa5]),
    Encoding("movabsq %rax, 0x1122334455667788", [0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]),
    Encoding("addr32 movq %rax, 0x11223344", [0x67, 0x48, 0x89, 0x04, 0x25, 0x44, 0x33, 0x22, 0x11]),
    Encoding("movl %eax, (%edi)", [0x67, 0x89, 0x07]),
    Encoding("movq %rax, -0x8(%rsp)", [0x48, 0x89, 0x44, 0x24, 0xf8]),
    Encoding("movq %rax, (%r13)", [0x49, 0x89, 0x45, 0x00]),
    Encoding("movq %rax, (%r12)", [0x49, 0x89, 0x04, 0x24]),
    Encoding("movq %rax, (,%rax,2)", [0x48, 0x89, 0x04, 0x45, 0x00, 0x00, 0x00, 0x00]),
    Encoding("movq %rax, (,%r12,2)", [0x4a, 0x89, 0x04, 0x65, 0x00, 0x00, 0x00, 0x00]),
    Encoding("lock xchgq %rax, (%rdi)", [0xf0, 0x48, 0x87, 0x07]),
    Encoding("cmpxchg16b (%rdi)", [0x48, 0x0f, 0xc7, 0x0f]),
    Encoding("cmpq $0x0, (%rdi)", [0x48, 0x83, 0x3f, 0x00]),
    Encoding("nop", [0x90]),
    Encoding("pushq %rbp", [0x55]),
    Encoding("pushq %r12", [0x41, 0x54]),
    Encoding("movq %rsp, %rbp", [0x48, 0x89, 0xe5]),
    Encoding("movabsq $0x1122334455667788, %rax", [0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]),
    Encoding("movl $0x12345678, %ecx", [0xb9, 0x78, 0x56, 0x34, 0x12]),
    Encoding("movw $0x1234, %cx", [0x66, 0xb9, 0x34, 0x12]),
    Encoding("movb $0x12, %r9b", [0x41, 0xb1, 0x12]),
    Encoding("callq 0x11d <.text+0x11d>", [0xe8, 0xfb, 0x00, 0x00, 0x00]),
    Encoding("jmp 0x1022 <.text+0x1022>", [0xe9, 0xfb, 0x0f, 0x00, 0x00]),
    Encoding("jmp 0x2c <.text+0x2c>", [0xeb, 0x03]),
    Encoding("jne 0x1029 <.text+0x1029>", [0x0f, 0x85, 0xfa, 0x0f, 0x00, 0x00]),
    Encoding("je 0x33 <.text+0x33>", [0x74, 0x02]),
    Encoding("enter $0x10, $0x1", [0xc8, 0x10, 0x00, 0x01]),
    Encoding("leave", [0xc9]),
    Encoding("retq $0x8", [0xc2, 0x08, 0x00]),
    Encoding("retq", [0xc3]),
    Encoding("pushq $0x12345678", [0x68, 0x78, 0x56, 0x34, 0x12]),
    Encoding("pushw $0x1234", [0x66, 0x68, 0x34, 0x12]),
    Encoding("pushq $0x12", [0x6a, 0x12]),
    Encoding("imull $0x1234, %eax, %ecx", [0x69, 0xc8, 0x34, 0x12, 0x00, 0x00]),
    Encoding("imulq $0x12, %rax, %rcx", [0x48, 0x6b, 0xc8, 0x12]),
    Encoding("testb $0x1, (%rdi)", [0xf6, 0x07, 0x01]),
    Encoding("testw $0x1234, (%rdi)", [0x66, 0xf7, 0x07, 0x34, 0x12]),
    Encoding("testl $0x12345678, 0x10(%rdi)", [0xf7, 0x47, 0x10, 0x78, 0x56, 0x34, 0x12]),
    Encoding("notl %eax", [0xf7, 0xd0]),
    Encoding("shlq $0x3, %rax", [0x48, 0xc1, 0xe0, 0x03]),
    Encoding("leaq 0x10(%rip), %rax", [0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00]),
    Encoding("movzbl (%rsi), %eax", [0x0f, 0xb6, 0x06]),
    Encoding("movslq %eax, %rax", [0x48, 0x63, 0xc0]),
    Encoding("pshufd $0x1b, %xmm1, %xmm2", [0x66, 0x0f, 0x70, 0xd1, 0x1b]),
    Encoding("cmpltps %xmm1, %xmm2", [0x0f, 0xc2, 0xd1, 0x01]),
    Encoding("shufps $0x44, %xmm3, %xmm4", [0x0f, 0xc6, 0xe3, 0x44]),
    Encoding("movdqa 0x12345678(%rax,%rbx,4), %xmm15", [0x66, 0x44, 0x0f, 0x6f, 0xbc, 0x98, 0x78, 0x56, 0x34, 0x12]),
    Encoding("endbr64", [0xf3, 0x0f, 0x1e, 0xfa]),
    Encoding("lfence", [0x0f, 0xae, 0xe8]),
    Encoding("syscall", [0x0f, 0x05]),
    Encoding("sysretq", [0x48, 0x0f, 0x07]),
    Encoding("ud2", [0x0f, 0x0b]),
    Encoding("xbegin 0x196 <.text+0x196>", [0xc7, 0xf8, 0xfa, 0x00, 0x00, 0x00]),
    Encoding("xabort $0x5", [0xc6, 0xf8, 0x05]),
    Encoding("fldz", [0xd9, 0xee]),
    Encoding("fstpt 0x8(%rsp)", [0xdb, 0x7c, 0x24, 0x08]),
    Encoding("bswapq %r13", [0x49, 0x0f, 0xcd]),
    Encoding("setne %al", [0x0f, 0x95, 0xc0]),
    Encoding("cmovneq %rbx, %rax", [0x48, 0x0f, 0x45, 0xc3]),
    Encoding("pause", [0xf3, 0x90]),
    Encoding("lock addl $0x1, %fs:0x10(%rax,%rcx,2)", [0x64, 0xf0, 0x83, 0x44, 0x48, 0x10, 0x01]),
    Encoding("rep movsb (%rsi), %es:(%rdi)", [0xf3, 0xa4]),
    Encoding("movabsl 0x1122334455667788, %eax", [0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]),
    Encoding("movl %eax, %gs:0x12345678", [0x65, 0x89, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12]),
    Encoding("nop", [0x66, 0x90]),
    Encoding("cqto", [0x48, 0x99]),
    Encoding("int3", [0xcc]),
    Encoding("popcntq %rax, %rcx", [0xf3, 0x48, 0x0f, 0xb8, 0xc8]),
    Encoding("tzcntq %rax, %rcx", [0xf3, 0x48, 0x0f, 0xbc, 0xc8]),
    Encoding("prefetcht0 (%rax)", [0x0f, 0x18, 0x08]),
    Encoding("nopw (%rax,%rax)", [0x66, 0x0f, 0x1f, 0x04, 0x00]),
    Encoding("nopw %cs:(%rax,%rax)", [0x2e, 0x66, 0x0f, 0x1f, 0x04, 0x00]),
    Encoding("xchgq %r8, %rax", [0x49, 0x90]),
    Encoding("inb $0x60, %al", [0xe4, 0x60]),
]

/// Opcode maps and encodings the decoder deliberately does not cover.
let unsupportedEncodings: [Encoding] = [
    Encoding("crc32q %rax, %rcx (0F 38 map)", [0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc8]),
    Encoding("vpaddd %ymm1, %ymm2, %ymm3 (VEX)", [0xc5, 0xed, 0xfe, 0xd9]),
    Encoding("vmovdqu64 %zmm1, %zmm2 (EVEX)", [0x62, 0xf1, 0xfe, 0x48, 0x6f, 0xd1]),
    Encoding("palignr (0F 3A map)", [0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08]),
    Encoding("femms/3DNow! (0F 0F)", [0x0f, 0x0f, 0xc1, 0xb4]),
    Encoding("push %es (06, invalid in 64-bit mode)", [0x06]),
    Encoding("aaa (37)", [0x37]),
    Encoding("pusha (60)", [0x60]),
    Encoding("group 1 alias 82", [0x82, 0xc0, 0x01]),
    Encoding("call far (9A)", [0x9a, 0, 0, 0, 0, 0, 0]),
    Encoding("jmp far (EA)", [0xea, 0, 0, 0, 0, 0, 0]),
    Encoding("C6 /1 (undefined group 11)", [0xc6, 0x08, 0x01]),
    Encoding("FE /2 (undefined group 4)", [0xfe, 0x10]),
    Encoding("FF /7 (undefined group 5)", [0xff, 0x38]),
    Encoding("XOP escape (8F /1)", [0x8f, 0xe9, 0x78, 0xe1, 0xc1]),
    Encoding("0F 04 (undefined)", [0x0f, 0x04]),
]

@Suite("Decode: instruction length and shape")
struct DecodeTests {
    @Test("length of assembled instructions", arguments: assembledEncodings)
    func length(_ e: Encoding) {
        // Trailing bytes after the instruction must not change its length.
        var padded = e.bytes
        while padded.count < 16 { padded.append(0xcc) }
        #expect(DecodedInstruction(decoding: InstructionBytes(e.bytes))?.length == e.bytes.count)
        #expect(DecodedInstruction(decoding: InstructionBytes(padded))?.length == e.bytes.count)
    }

    @Test("every truncation is nil", arguments: assembledEncodings)
    func truncated(_ e: Encoding) {
        for n in 0..<e.bytes.count {
            #expect(DecodedInstruction(decoding: InstructionBytes(Array(e.bytes[0..<n]))) == nil,
                    "prefix of \(n) bytes")
        }
    }

    @Test("unsupported maps and invalid opcodes are nil", arguments: unsupportedEncodings)
    func unsupported(_ e: Encoding) {
        var padded = e.bytes
        while padded.count < 16 { padded.append(0x00) }
        #expect(DecodedInstruction(decoding: InstructionBytes(padded)) == nil)
    }

    @Test("no bytes, or only prefixes, is nil")
    func empty() {
        #expect(DecodedInstruction(decoding: InstructionBytes()) == nil)
        #expect(DecodedInstruction(decoding: InstructionBytes([0x66, 0xf0, 0x48])) == nil)
    }

    @Test("15-byte limit")
    func fifteenByteLimit() {
        // 14 operand-size prefixes + nop is 15 bytes: allowed.
        let ok = [UInt8](repeating: 0x66, count: 14) + [0x90]
        #expect(DecodedInstruction(decoding: InstructionBytes(ok))?.length == 15)
        // One more prefix makes 16 bytes: #GP on hardware, nil here.
        let long = [UInt8](repeating: 0x66, count: 15) + [0x90]
        #expect(DecodedInstruction(decoding: InstructionBytes(long)) == nil)
        // movq $imm32, disp32(%rax,%rcx,4) with two CS prefixes is 14 bytes;
        // a third prefix reaches 15, a fourth exceeds the limit.
        let tooLong: [UInt8] = [0x2e, 0x2e, 0x48, 0xc7, 0x84, 0x88, 0x44, 0x33, 0x22, 0x11,
                                0x78, 0x56, 0x34, 0x12]
        #expect(DecodedInstruction(decoding: InstructionBytes(tooLong))?.length == 14)
        #expect(DecodedInstruction(decoding: InstructionBytes([0x2e] + tooLong))?.length == 15)
        #expect(DecodedInstruction(decoding: InstructionBytes([0x2e, 0x2e] + tooLong)) == nil)
    }

    @Test("REX counts only immediately before the opcode")
    func rexPlacement() throws {
        // 48 66 89 07: REX.W then 66: REX is ignored, so this is movw %ax,(%rdi).
        let ignored = try #require(DecodedInstruction(decoding: InstructionBytes([0x48, 0x66, 0x89, 0x07])))
        #expect(ignored.rex == 0)
        #expect(ignored.operandSize == 2)
        #expect(ignored.length == 4)
        // 66 48 89 07: REX.W wins over 66.
        let wide = try #require(DecodedInstruction(decoding: InstructionBytes([0x66, 0x48, 0x89, 0x07])))
        #expect(wide.rex == 0x48)
        #expect(wide.operandSize == 8)
        // 41 48 b8 + imm64: the last REX counts (REX.W, not REX.B).
        let two = try #require(DecodedInstruction(decoding: InstructionBytes(
            [0x41, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8])))
        #expect(two.rex == 0x48)
        #expect(two.length == 11)
    }

    @Test("ModRM, SIB and displacement forms")
    func memoryOperands() throws {
        // movq %rsi,0x8(%rdi,%rcx,8)
        let sib = try #require(DecodedInstruction(decoding: InstructionBytes([0x48, 0x89, 0x74, 0xcf, 0x08])))
        #expect(sib.memory == MemoryOperand(base: .register(7), index: 1, scale: 8, displacement: 8,
                                            addressSize: 8, segment: .ds))
        // movq %rax,-8(%rsp): SS by default for an RSP base.
        let rsp = try #require(DecodedInstruction(decoding: InstructionBytes([0x48, 0x89, 0x44, 0x24, 0xf8])))
        #expect(rsp.memory == MemoryOperand(base: .register(4), index: nil, scale: 1, displacement: -8,
                                            addressSize: 8, segment: .ss))
        // movq %rax,(%r13): mod 01 disp8 0, since r/m 101 with mod 00 is RIP-relative.
        let r13 = try #require(DecodedInstruction(decoding: InstructionBytes([0x49, 0x89, 0x45, 0x00])))
        #expect(r13.memory?.base == .register(13))
        // movq %rax,(%r12): needs a SIB (r/m 100).
        let r12 = try #require(DecodedInstruction(decoding: InstructionBytes([0x49, 0x89, 0x04, 0x24])))
        #expect(r12.memory?.base == .register(12))
        #expect(r12.memory?.index == nil)
        // movq %rax,(,%r12,2): SIB base 101 with mod 00 is disp32 without base;
        // REX.X makes index 100 mean r12.
        let noBase = try #require(DecodedInstruction(decoding: InstructionBytes(
            [0x4a, 0x89, 0x04, 0x65, 0x00, 0x00, 0x00, 0x00])))
        #expect(noBase.memory == MemoryOperand(base: .none, index: 12, scale: 2, displacement: 0,
                                               addressSize: 8, segment: .ds))
        // movq %rsi,0x1234(%rip)
        let rip = try #require(DecodedInstruction(decoding: InstructionBytes(
            [0x48, 0x89, 0x35, 0x34, 0x12, 0x00, 0x00])))
        #expect(rip.memory?.base == .rip)
        #expect(rip.memory?.displacement == 0x1234)
        // movl %eax,%gs:0x12345678
        let gs = try #require(DecodedInstruction(decoding: InstructionBytes(
            [0x65, 0x89, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12])))
        #expect(gs.memory?.segment == .gs)
        #expect(gs.memory?.base == MemoryOperand.Base.none)
    }

    @Test("effective and linear addresses wrap and honour 67h, FS and GS")
    func addresses() throws {
        var regs = RegisterFile()
        regs.rip = 0xffff_ffff_8000_0000
        regs.rdi = 0xffff_8880_0000_1000
        regs.rcx = 3
        // movq %rsi,0x8(%rdi,%rcx,8)
        let sib = try #require(DecodedInstruction(decoding: InstructionBytes([0x48, 0x89, 0x74, 0xcf, 0x08])))
        #expect(sib.linearAddress(registers: regs, fsBase: 1, gsBase: 2) == 0xffff_8880_0000_1020)
        // movq %rsi,0x1234(%rip): relative to the next instruction (7 bytes on).
        let rip = try #require(DecodedInstruction(decoding: InstructionBytes(
            [0x48, 0x89, 0x35, 0x34, 0x12, 0x00, 0x00])))
        #expect(rip.linearAddress(registers: regs, fsBase: 0, gsBase: 0) == UInt64(0xffff_ffff_8000_0000) + 7 + 0x1234)
        // movq %rax,%fs:(%rdi)
        let fs = try #require(DecodedInstruction(decoding: InstructionBytes([0x64, 0x48, 0x89, 0x07])))
        #expect(fs.linearAddress(registers: regs, fsBase: 0x10, gsBase: 0) == 0xffff_8880_0000_1010)
        // movl %eax,(%edi): 67h truncates to 32 bits before adding a segment base.
        let a32 = try #require(DecodedInstruction(decoding: InstructionBytes([0x67, 0x89, 0x07])))
        #expect(a32.linearAddress(registers: regs, fsBase: 0, gsBase: 0) == 0x1000)
        // Wrap-around: rdi = ~0, disp8 +8.
        regs.rdi = .max
        let wrap = try #require(DecodedInstruction(decoding: InstructionBytes([0x48, 0x89, 0x47, 0x08])))
        #expect(wrap.linearAddress(registers: regs, fsBase: 0, gsBase: 0) == 7)
        // movabs %rax,0x1122334455667788 (moffs64).
        let moffs = try #require(DecodedInstruction(decoding: InstructionBytes(
            [0x48, 0xa3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])))
        #expect(moffs.linearAddress(registers: regs, fsBase: 0, gsBase: 0) == 0x1122_3344_5566_7788)
        // 67 48 a3 moffs32.
        let moffs32 = try #require(DecodedInstruction(decoding: InstructionBytes(
            [0x67, 0x48, 0xa3, 0x44, 0x33, 0x22, 0x11])))
        #expect(moffs32.length == 7)
        #expect(moffs32.linearAddress(registers: regs, fsBase: 0, gsBase: 0x1000) == 0x1122_3344)
    }

    @Test("immediates sign-extend to the operand size")
    func immediates() throws {
        // movq $-2,(%rax): imm32 sign-extended to 64.
        let q = try #require(DecodedInstruction(decoding: InstructionBytes([0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff])))
        #expect(q.immediateSize == 4)
        #expect(q.immediate(signExtendedTo: 8) == 0xffff_ffff_ffff_fffe)
        // movl $0x80000000,(%rax): 32-bit, not extended.
        let l = try #require(DecodedInstruction(decoding: InstructionBytes([0xc7, 0x00, 0x00, 0x00, 0x00, 0x80])))
        #expect(l.immediate(signExtendedTo: 4) == 0x8000_0000)
        // movw $0x1234,(%rax): 66h shortens Iz to 16 bits.
        let w = try #require(DecodedInstruction(decoding: InstructionBytes([0x66, 0xc7, 0x00, 0x34, 0x12])))
        #expect(w.immediateSize == 2)
        #expect(w.immediate == 0x1234)
    }

    @Test("garbage never traps and lengths stay within 15 bytes")
    func fuzz() {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            // xorshift64*
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_f491_4f6c_dd1d
        }
        var decoded = 0
        for round in 0..<10_000 {
            var bytes = InstructionBytes()
            let a = next(), b = next()
            for i in 0..<16 {
                var byte = UInt8(truncatingIfNeeded: (i < 8 ? a : b) >> UInt64((i % 8) * 8))
                // Bias a quarter of the cases towards the privileged and
                // page-table opcodes so the later decoders see real work.
                if round % 4 == 0, i == 0 { byte = [0x0f, 0x48, 0xf0, 0x66, 0x89, 0x87][Int(b % 6)] }
                bytes.append(byte)
            }
            bytes.count = Int(next() % 17)
            var regs = RegisterFile()
            regs.rip = next()
            regs.rdi = next()
            regs.rcx = next()
            if let insn = DecodedInstruction(decoding: bytes) {
                decoded += 1
                #expect(insn.length >= 1 && insn.length <= 15 && insn.length <= bytes.count)
                _ = insn.linearAddress(registers: regs, fsBase: next(), gsBase: next())
            }
            if let p = PrivilegedInstruction.decode(bytes) {
                #expect(p.length >= 1 && p.length <= 15)
            }
            _ = PrivilegedInstruction.decodeForcedEmulation(bytes)
            if let op = PTWriteOp.decode(bytes, registers: regs) {
                #expect(op.length >= 1 && op.length <= 15)
                _ = op.linearAddress(registers: regs, fsBase: next(), gsBase: next())
                let r = op.apply(old: next(), registers: regs)
                #expect(RegisterFile.truncate(r.newValue, toSize: op.size) == r.newValue)
            }
        }
        #expect(decoded > 1000)
    }
}
