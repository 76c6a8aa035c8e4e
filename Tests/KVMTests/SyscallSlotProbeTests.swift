// Which L4 slots a `syscall` from CPL3 may land in (LSTAR) on this host.
import CKVM
import Glibc
import Testing
@testable import KVM

@Suite(.enabled(if: access("/dev/kvm", R_OK | W_OK) == 0, "needs /dev/kvm"))
struct SyscallSlotProbeTests {
    @Test(arguments: [(0, UInt64(7)), (258, 5)])
    func lstarSlot(slot: Int, l4Flags: UInt64) throws {
        for variant in 0..<4 where !(variant == 3 && slot == 0) { try run(slot: slot, l4Flags: l4Flags, variant: variant) }
    }
    func run(slot: Int, l4Flags: UInt64, variant: Int) throws {
        let kvm = try KVMSystem()
        let vm = try kvm.createVM()
        let size = 4 << 20
        let mem = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(mem, size) }
        try vm.setMemoryRegion(slot: 0, guestPhys: 0, size: UInt64(size), hostAddress: mem)
        func put64(_ gpa: UInt64, _ v: UInt64) { mem.storeBytes(of: v, toByteOffset: Int(gpa), as: UInt64.self) }
        func put(_ gpa: UInt64, _ bytes: [UInt8]) { for (i, b) in bytes.enumerated() { mem.storeBytes(of: b, toByteOffset: Int(gpa) + i, as: UInt8.self) } }
        put64(0x1000, 0x2000 | 7); put64(0x2000, 0x3000 | 7); put64(0x3000, 0x4000 | 7)
        for i in 0..<512 { put64(0x4000 + UInt64(i) * 8, UInt64(i) << 12 | 7) }
        // Kernel alias: slot -> 0x6000 (pdpt) -> 0x7000 (pd) -> 0xA000 (pt: 0x8000 at index 0), supervisor.
        if slot != 0 {
            put64(0x1000 + UInt64(slot) * 8, 0x6000 | (l4Flags & 7))
            let f = l4Flags & 7; put64(0x6000, 0x7000 | f); put64(0x7000, 0xA000 | f); put64(0xA000, 0x8000 | f); put64(0xA008, 0xB000 | 3)
        }
        put64(0x5000 + 0x08, 0x00af_9b00_0000_ffff); put64(0x5000 + 0x10, 0x00cf_9300_0000_ffff)
        put64(0x5000 + 0x18, 0x00cf_f300_0000_ffff); put64(0x5000 + 0x20, 0x00af_fb00_0000_ffff)
        put(0x8000, (variant == 1 ? [0x0f, 0x01, 0xf8, 0x0f, 0x01, 0xf8] : variant == 2 ? [0x65, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0] : variant == 3 ? [0x48, 0x89, 0x25, 0xf9, 0x0f, 0, 0, 0x48, 0x8b, 0x05, 0xf2, 0x0f, 0, 0, 0x48, 0xc1, 0xe8, 0x08] : []) + [0x48, 0x89, 0xe3, 0x48, 0xc7, 0xc4, 0x00, 0xc0, 0x00, 0x00, 0x6a, 0x1b,
                     0x53, 0x41, 0x53, 0x6a, 0x23, 0x51, 0xe6, 0x10, 0x48, 0xcf])
                put(0x9000, [0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, 0x0f, 0x05, 0xeb, 0xf4])
        put64(0x100000, 0xAA); put64(0xD000, 0x55); put64(0, 0x33)
        let vcpu = try vm.createVCPU(id: 0)
        try vcpu.setCPUID(try kvm.supportedCPUID())
        var s = try vcpu.getSregs()
        s.cr3 = 0x1000; s.cr4 = X86.cr4PAE | X86.cr4OSFXSR
        s.cr0 = X86.cr0PE | X86.cr0ET | X86.cr0NE | X86.cr0WP | X86.cr0PG
        s.efer = X86.eferLME | X86.eferLMA | X86.eferSCE | X86.eferNXE
        s.cs = .code64(selector: 0x23, dpl: 3); s.ss = .data(selector: 0x1b, dpl: 3)
        s.gdt.base = 0x5000; s.gdt.limit = 0x27
        try vcpu.setSregs(s)
        var lstar: UInt64 = 0x8000
        if slot != 0 { lstar = (UInt64(slot) << 39) | (slot >= 256 ? 0xFFFF_0000_0000_0000 : 0) }
        if l4Flags & 0x100 != 0 { lstar = 0x8000 }
        try vcpu.setMSRs([(X86.msrLSTAR, lstar), (X86.msrSTAR, (0x10 << 48) | (0x08 << 32)), (X86.msrSFMASK, X86.rflagsIF), (X86.msrKernelGSBase, 0xD000)])
        var r = kvm_regs(); r.rip = 0x9000; r.rsp = 0xE000; r.rflags = 0x202
        try vcpu.setRegs(r)
        let e = try vcpu.runOnce()
        let regs = try vcpu.getRegs()
        print("PROBE v\(variant) slot \(slot) flags \(l4Flags): \(e) rip 0x\(String(regs.rip, radix: 16))")
        #expect(e == .io(port: 0x10, size: 1, out: true, data: 0xAA))
    }
}
