// Writable page tables: emulated guest-kernel writes to L1 tables through
// the L1's read-only self mapping at F.l1SelfVA.
import GuestMemory
import Platform
import Testing
import XenABI
import XenPV

@Suite struct MMUPTWriteTests {
    static let rip: UInt64 = 0xFFFF_FFFF_8100_0000
    /// #PF error code of a guest-kernel (CPL3) write to a present page.
    static let writeFault: UInt64 = 0x7

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let slot: Int
        let byteOffset: UInt64
        let rax: UInt64
        let rcx: UInt64
        /// The L1 entry afterwards.
        let expected: UInt64
        /// rax afterwards.
        let raxAfter: UInt64
        /// RFLAGS bits checked afterwards: (mask, value).
        let flags: (UInt64, UInt64)
        var testDescription: String { name }
    }

    static let zf: UInt64 = 1 << 6
    static let cf: UInt64 = 1
    static let present11 = pte(11, 0x27)  // slot 1 after validation: P|RW|U|A

    static let handled: [Case] = [
        Case(name: "mov %rax,(%rdi) into an empty slot", bytes: [0x48, 0x89, 0x07], slot: 8, byteOffset: 0,
             rax: pte(13, 0x23), rcx: 0, expected: pte(13, 0x27), raxAfter: pte(13, 0x23), flags: (0, 0)),
        Case(name: "mov %rax,(%rdi) replacing a mapping", bytes: [0x48, 0x89, 0x07], slot: 1, byteOffset: 0,
             rax: pte(13, 0x21), rcx: 0, expected: pte(13, 0x25), raxAfter: pte(13, 0x21), flags: (0, 0)),
        Case(name: "xchg %rax,(%rdi) clears and returns the old entry", bytes: [0x48, 0x87, 0x07], slot: 1,
             byteOffset: 0, rax: 0, rcx: 0, expected: 0, raxAfter: present11, flags: (0, 0)),
        Case(name: "lock andb $0xfd,(%rdi) write-protects", bytes: [0xf0, 0x80, 0x27, 0xfd], slot: 1,
             byteOffset: 0, rax: 0, rcx: 0, expected: pte(11, 0x25), raxAfter: 0, flags: (zf, 0)),
        Case(name: "lock btrq $5,(%rdi) clears Accessed", bytes: [0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05], slot: 1,
             byteOffset: 0, rax: 0, rcx: 0, expected: pte(11, 0x07), raxAfter: 0, flags: (cf, cf)),
        Case(name: "lock cmpxchg %rcx,(%rdi) succeeds", bytes: [0xf0, 0x48, 0x0f, 0xb1, 0x0f], slot: 1,
             byteOffset: 0, rax: present11, rcx: pte(14, 0x23), expected: pte(14, 0x27), raxAfter: present11,
             flags: (zf, zf)),
        Case(name: "lock cmpxchg %rcx,(%rdi) fails", bytes: [0xf0, 0x48, 0x0f, 0xb1, 0x0f], slot: 1,
             byteOffset: 0, rax: 0x1234, rcx: pte(14, 0x23), expected: present11, raxAfter: present11,
             flags: (zf, 0)),
        Case(name: "mov %eax,4(%rdi) sets NX in the high half", bytes: [0x89, 0x47, 0x04], slot: 1,
             byteOffset: 0, rax: 0x8000_0000, rcx: 0, expected: present11 | 1 << 63, raxAfter: 0x8000_0000,
             flags: (0, 0)),
        Case(name: "movl $0,(%rdi) clears the low half", bytes: [0xc7, 0x07, 0, 0, 0, 0], slot: 1,
             byteOffset: 0, rax: 0, rcx: 0, expected: 0, raxAfter: 0, flags: (0, 0)),
    ]

    static func registers(_ c: Case) -> RegisterFile {
        var r = RegisterFile()
        r.rip = rip
        r.rdi = F.l1SelfVA + UInt64(c.slot) * 8 + c.byteOffset
        r.rax = c.rax
        r.rcx = c.rcx
        r.rflags = 0x202
        return r
    }

    @Test(arguments: handled)
    func handledWrites(_ c: Case) throws {
        let f = try F()
        try f.boot()
        var regs = Self.registers(c)
        let handled = f.mmu.emulatePTWrite(vcpu: f.vcpu, faultAddress: regs.rdi, errorCode: Self.writeFault,
                                           registers: &regs, fetch: { rip throws(XenErrno) in
                                               #expect(rip == Self.rip)
                                               return c.bytes + [0x90, 0x90]
                                           })
        #expect(handled)
        #expect(f.get(F.l1, c.slot) == c.expected)
        #expect(regs.rip == Self.rip + UInt64(c.bytes.count))
        #expect(regs.rax == c.raxAfter)
        #expect(regs.rflags & c.flags.0 == c.flags.1)
        // Writable references follow the entry.
        for frame: UInt64 in [11, 13, 14] {
            let mappedRW = (0..<512).contains { f.get(F.l1, $0) & 0x3 == 0x3 && (f.get(F.l1, $0) & PageTableEntry.addressMask) >> 12 == frame }
            #expect(f.info(frame).count == (mappedRW ? 1 : 0), "frame \(frame)")
        }
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let cr2: UInt64
        let rdi: UInt64
        let rax: UInt64
        let errorCode: UInt64
        var kernelMode = true
        var enabled = true
        var testDescription: String { name }
    }

    static let slot1 = F.l1SelfVA + 8
    static let mov: [UInt8] = [0x48, 0x89, 0x07]

    static let refused: [Refusal] = [
        Refusal(name: "writable page tables off", bytes: mov, cr2: slot1, rdi: slot1, rax: 0,
                errorCode: writeFault, enabled: false),
        Refusal(name: "guest user mode", bytes: mov, cr2: slot1, rdi: slot1, rax: 0, errorCode: writeFault,
                kernelMode: false),
        Refusal(name: "not-present fault", bytes: mov, cr2: slot1, rdi: slot1, rax: 0, errorCode: 0x6),
        Refusal(name: "read fault", bytes: mov, cr2: slot1, rdi: slot1, rax: 0, errorCode: 0x5),
        Refusal(name: "reserved-bit fault", bytes: mov, cr2: slot1, rdi: slot1, rax: 0, errorCode: 0xf),
        Refusal(name: "instruction fetch", bytes: mov, cr2: slot1, rdi: slot1, rax: 0, errorCode: 0x17),
        Refusal(name: "write to an L2 (only L1s are emulated)", bytes: mov, cr2: F.baseVA + 0x5010,
                rdi: F.baseVA + 0x5010, rax: 0, errorCode: writeFault),
        Refusal(name: "write to an ordinary read-only page", bytes: mov, cr2: F.baseVA + 0x2000,
                rdi: F.baseVA + 0x2000, rax: 0, errorCode: writeFault),
        Refusal(name: "fault on a writable mapping", bytes: mov, cr2: F.bufferVA, rdi: F.bufferVA, rax: 0,
                errorCode: writeFault),
        Refusal(name: "new entry maps a page table writable", bytes: mov, cr2: slot1, rdi: slot1,
                rax: pte(F.l2, 0x23), errorCode: writeFault),
        Refusal(name: "new entry maps a shim frame", bytes: mov, cr2: slot1, rdi: slot1,
                rax: pte(F.shimFrame, 0x21), errorCode: writeFault),
        Refusal(name: "new entry has PCD", bytes: mov, cr2: slot1, rdi: slot1, rax: pte(13, 0x31),
                errorCode: writeFault),
        Refusal(name: "misaligned 8-byte write", bytes: mov, cr2: slot1 + 1, rdi: slot1 + 1, rax: 0,
                errorCode: writeFault),
        Refusal(name: "write to another page than CR2", bytes: mov, cr2: slot1, rdi: F.baseVA + 0x5008, rax: 0,
                errorCode: writeFault),
        Refusal(name: "not a write (ud2)", bytes: [0x0f, 0x0b], cr2: slot1, rdi: slot1, rax: 0,
                errorCode: writeFault),
        Refusal(name: "rep stos", bytes: [0xf3, 0x48, 0xab], cr2: slot1, rdi: slot1, rax: 0,
                errorCode: writeFault),
        Refusal(name: "truncated instruction", bytes: [0x48, 0x89], cr2: slot1, rdi: slot1, rax: 0,
                errorCode: writeFault),
        Refusal(name: "fault in the hypervisor hole", bytes: mov, cr2: 0xFFFF_8000_0000_0008,
                rdi: 0xFFFF_8000_0000_0008, rax: 0, errorCode: writeFault),
    ]

    @Test(arguments: refused)
    func refusedWrites(_ r: Refusal) throws {
        let f = try F()
        try f.boot()
        f.mmu.writablePageTables = r.enabled
        f.vcpu.kernelMode = r.kernelMode
        let before = (0..<512).map { f.get(F.l1, $0) }
        var regs = RegisterFile()
        regs.rip = Self.rip
        regs.rdi = r.rdi
        regs.rax = r.rax
        let saved = regs
        let handled = f.mmu.emulatePTWrite(vcpu: f.vcpu, faultAddress: r.cr2, errorCode: r.errorCode,
                                           registers: &regs, fetch: { _ throws(XenErrno) in r.bytes })
        #expect(!handled)
        #expect(regs == saved)
        #expect((0..<512).map { f.get(F.l1, $0) } == before)
        #expect(f.info(11).count == 1 && f.info(F.l2).count == 1)
    }

    @Test func fetchFailureIsNotHandled() throws {
        let f = try F()
        try f.boot()
        var regs = RegisterFile()
        regs.rdi = Self.slot1
        #expect(!f.mmu.emulatePTWrite(vcpu: f.vcpu, faultAddress: Self.slot1, errorCode: Self.writeFault,
                                      registers: &regs, fetch: { _ throws(XenErrno) in throw .EFAULT }))
    }

    @Test func shadowFlushOnlyWhenAPresentEntryChanges() throws {
        let f = try F()
        try f.boot()
        _ = f.mmu.takeShadowSync()
        var regs = RegisterFile()
        regs.rip = Self.rip
        regs.rdi = F.l1SelfVA + 8 * 8
        regs.rax = pte(13, 0x27)
        #expect(f.mmu.emulatePTWrite(vcpu: f.vcpu, faultAddress: regs.rdi, errorCode: Self.writeFault,
                                     registers: &regs, fetch: { _ throws(XenErrno) in Self.mov }))
        #expect(f.mmu.takeShadowSync().addresses.isEmpty)
        regs.rip = Self.rip
        regs.rax = 0
        #expect(f.mmu.emulatePTWrite(vcpu: f.vcpu, faultAddress: regs.rdi, errorCode: Self.writeFault,
                                     registers: &regs, fetch: { _ throws(XenErrno) in Self.mov }))
        #expect(f.mmu.takeShadowSync().addresses == [F.l1 * 4096 + 8 * 8])
        #expect(f.info(13).count == 0)
    }
}
