// Host writes to guest page tables and KVM's shadow MMU (docs/kvm-pvm-host.md):
// a page-table entry the host rewrites through its own mapping is not seen by
// the vCPU (KVM shadows the tables and only tracks guest writes) until
// `VM.flushShadowMMU` drops the shadow pages.
import CKVM
import Glibc
import Testing
@testable import KVM

@Suite(.enabled(if: access("/dev/kvm", R_OK | W_OK) == 0, "needs /dev/kvm"))
struct ShadowCoherenceTests {
    @Test func hostPageTableWriteVisibleAfterShadowFlush() throws {
        let kvm = try KVMSystem()
        let vm = try kvm.createVM()
        let size = 4 << 20
        let mem = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(mem, size) }
        try vm.setMemoryRegion(slot: 0, guestPhys: 0, size: UInt64(size), hostAddress: mem)
        func put64(_ gpa: UInt64, _ v: UInt64) { mem.storeBytes(of: v, toByteOffset: Int(gpa), as: UInt64.self) }
        func put(_ gpa: UInt64, _ bytes: [UInt8]) { for (i, b) in bytes.enumerated() { mem.storeBytes(of: b, toByteOffset: Int(gpa) + i, as: UInt8.self) } }
        // 4 KiB identity mapping of the first 2 MiB, user-accessible.
        put64(0x1000, 0x2000 | 7); put64(0x2000, 0x3000 | 7); put64(0x3000, 0x4000 | 7)
        for i in 0..<512 { put64(0x4000 + UInt64(i) * 8, UInt64(i) << 12 | 7) }
        put64(0x5000 + 0x08, 0x00af_9b00_0000_ffff); put64(0x5000 + 0x10, 0x00cf_9300_0000_ffff)
        put64(0x5000 + 0x18, 0x00cf_f300_0000_ffff); put64(0x5000 + 0x20, 0x00af_fb00_0000_ffff)
        // LSTAR handler: build an iretq frame, `out 0x10`, iretq.
        put(0x8000, [0x48, 0x89, 0xe3, 0x48, 0xc7, 0xc4, 0x00, 0xc0, 0x00, 0x00, 0x6a, 0x1b,
                     0x53, 0x41, 0x53, 0x6a, 0x23, 0x51, 0xe6, 0x10, 0x48, 0xcf])
        // CPL3: `1: mov (0x100000),%rax; syscall; jmp 1b`.
        put(0x9000, [0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, 0x0f, 0x05, 0xeb, 0xf4])
        put64(0x100000, 0xAA); put64(0x101000, 0xBB)
        let vcpu = try vm.createVCPU(id: 0)
        try vcpu.setCPUID(try kvm.supportedCPUID())
        var s = try vcpu.getSregs()
        s.cr3 = 0x1000; s.cr4 = X86.cr4PAE | X86.cr4OSFXSR
        s.cr0 = X86.cr0PE | X86.cr0ET | X86.cr0NE | X86.cr0WP | X86.cr0PG
        s.efer = X86.eferLME | X86.eferLMA | X86.eferSCE | X86.eferNXE
        s.cs = .code64(selector: 0x23, dpl: 3); s.ss = .data(selector: 0x1b, dpl: 3)
        s.gdt.base = 0x5000; s.gdt.limit = 0x27
        try vcpu.setSregs(s)
        try vcpu.setMSRs([(X86.msrLSTAR, 0x8000), (X86.msrSTAR, (0x10 << 48) | (0x08 << 32)), (X86.msrSFMASK, X86.rflagsIF)])
        var r = kvm_regs(); r.rip = 0x9000; r.rsp = 0xE000; r.rflags = 0x202
        try vcpu.setRegs(r)

        #expect(try vcpu.runOnce() == .io(port: 0x10, size: 1, out: true, data: 0xAA))
        put64(0x4000 + 0x100 * 8, 0x101000 | 7)
        let scratch = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(scratch, 4096) }
        try vm.flushShadowMMU(scratchPage: scratch, guestPhys: 0x4000_0000)
        #expect(try vcpu.runOnce() == .io(port: 0x10, size: 1, out: true, data: 0xBB))
    }
}
