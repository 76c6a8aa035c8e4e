// A page-table write made by ring-0 code of the VM (through the IDT, so
// really at CPL0 and run by KVM's emulator) is seen by KVM's shadow MMU:
// after it, CPL3 code reads through the new mapping without any flush.
// This is how the shim can apply page-table updates the host validated,
// instead of the host writing them and flushing every shadow page.
import CKVM
import Glibc
import Testing
@testable import KVM

@Suite(.enabled(if: access("/dev/kvm", R_OK | W_OK) == 0, "needs /dev/kvm"))
struct ShadowCPL0WriteTests {
    @Test(arguments: [false, true]) func cpl0PageTableWriteIsSeen(invlpg: Bool) throws {
        let kvm = try KVMSystem()
        let vm = try kvm.createVM()
        let size = 4 << 20
        let mem = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(mem, size) }
        try vm.setMemoryRegion(slot: 0, guestPhys: 0, size: UInt64(size), hostAddress: mem)
        func put64(_ gpa: UInt64, _ v: UInt64) { mem.storeBytes(of: v, toByteOffset: Int(gpa), as: UInt64.self) }
        func put(_ gpa: UInt64, _ bytes: [UInt8]) { for (i, b) in bytes.enumerated() { mem.storeBytes(of: b, toByteOffset: Int(gpa) + i, as: UInt8.self) } }
        // 4 KiB identity map of the first 2 MiB (user); the L1 is at 0x4000.
        put64(0x1000, 0x2000 | 7); put64(0x2000, 0x3000 | 7); put64(0x3000, 0x4000 | 7)
        for i in 0..<512 { put64(0x4000 + UInt64(i) * 8, UInt64(i) << 12 | 7) }
        // Second L1 for 2-4 MiB so 0x200000.. is mapped too (PD entry 1).
        put64(0x3008, 0x6000 | 7)
        for i in 0..<512 { put64(0x6000 + UInt64(i) * 8, (0x200000 + UInt64(i) << 12) | 7) }
        put64(0x5000 + 0x08, 0x00af_9b00_0000_ffff); put64(0x5000 + 0x10, 0x00cf_9300_0000_ffff)
        put64(0x5000 + 0x18, 0x00cf_f300_0000_ffff); put64(0x5000 + 0x20, 0x00af_fb00_0000_ffff)
        put64(0x5000 + 0x28, 0x67 | (0xB000 << 16) | (0x89 << 40)); put64(0x5000 + 0x30, 0)
        put64(0xB000 + 4, 0xC000)
        // #UD gate → 0xE800: PTE of VA 0x300000 (L1 0x6000 slot 0x100) := 0x301007;
        // [invlpg (0x300000)]; skip the ud2; out 0x12; iretq.
        let gh: UInt64 = 0xE800
        put64(0xD000 + 6 * 16, (gh & 0xffff) | (0x08 << 16) | (0x8e << 40) | ((gh >> 16) & 0xffff) << 48)
        var h: [UInt8] = [0x48, 0xc7, 0xc0, 0x07, 0x10, 0x30, 0x00,               // mov $0x301007,%rax
                          0x48, 0x89, 0x04, 0x25, 0x00, 0x68, 0x00, 0x00]          // mov %rax,0x6800
        if invlpg { h += [0x0f, 0x01, 0x3c, 0x25, 0x00, 0x00, 0x30, 0x00] }       // invlpg 0x300000
        h += [0x48, 0x83, 0x04, 0x24, 0x02, 0xe6, 0x12, 0x48, 0xcf]                 // addq $2,(%rsp); out 0x12; iretq
        put(gh, h)
        // LSTAR (user page): out 0x10 with al = the value read; then spin.
        put(0x8000, [0xe6, 0x10, 0xeb, 0xfe])
        // CPL3: mov (0x300000),%rax; ud2; mov (0x300000),%rax; syscall
        put(0x9000, [0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00, 0x0f, 0x0b,
                     0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00, 0x0f, 0x05])
        put64(0x300000, 0xAA); put64(0x301000, 0xBB)
        let vcpu = try vm.createVCPU(id: 0)
        try vcpu.setCPUID(try kvm.supportedCPUID())
        var s = try vcpu.getSregs()
        s.cr3 = 0x1000; s.cr4 = X86.cr4PAE | X86.cr4OSFXSR
        s.cr0 = X86.cr0PE | X86.cr0ET | X86.cr0NE | X86.cr0WP | X86.cr0PG
        s.efer = X86.eferLME | X86.eferLMA | X86.eferSCE | X86.eferNXE
        s.cs = .code64(selector: 0x23, dpl: 3); s.ss = .data(selector: 0x1b, dpl: 3)
        s.tr = .tss(selector: 0x28, base: 0xB000, limit: 0x67)
        s.gdt.base = 0x5000; s.gdt.limit = 0x37
        s.idt.base = 0xD000; s.idt.limit = 0xfff
        try vcpu.setSregs(s)
        try vcpu.setMSRs([(X86.msrLSTAR, 0x8000), (X86.msrSTAR, (0x10 << 48) | (0x08 << 32)), (X86.msrSFMASK, 0)])
        var r = kvm_regs(); r.rip = 0x9000; r.rsp = 0xE000; r.rflags = 0x202
        try vcpu.setRegs(r)
        let first = try vcpu.runOnce()
        #expect(first == .io(port: 0x12, size: 1, out: true, data: 0xAA) || { if case .io(0x12, _, _, _) = first { return true }; return false }(),
                "the #UD gate ran at CPL0: \(first)")
        let second = try vcpu.runOnce()
        #expect(second == .io(port: 0x10, size: 1, out: true, data: 0xBB), "CPL3 read after the CPL0 PTE write: \(second)")
    }
}
