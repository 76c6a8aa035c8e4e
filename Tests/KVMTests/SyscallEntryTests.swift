// What `syscall` from CPL3 does on this host, and the entry path the shim
// builds on it (shim/entry.S, docs/kvm-pvm-findings.md):
// - it reaches LSTAR only if LSTAR's page is user-accessible and outside L4
//   slot 256 (a supervisor-only or slot-256 LSTAR ends the VM);
// - the code there runs with user permissions and the user's %gs (`swapgs`
//   or a store to a supervisor page there ends the VM);
// - a `ud2` there is delivered through the IDT like any exception, with
//   RIP = LSTAR and RCX/R11 holding the user's RIP/RFLAGS.
import CKVM
import Glibc
import Testing
@testable import KVM

@Suite(.enabled(if: access("/dev/kvm", R_OK | W_OK) == 0, "needs /dev/kvm"))
struct SyscallEntryTests {
    /// Identity-maps the first 2 MiB (user), aliases page 0x8000 in slot
    /// 258 (user read-only), puts `handler` at LSTAR = that alias + 0x40, and runs CPL3 code at 0x9000 that
    /// does `mov (0x100000),%rax; syscall; jmp .`.
    func run(handler: [UInt8], udGate: [UInt8]? = nil) throws -> (VCPUExit, kvm_regs) {
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
        // Slot 258 → 0x6000 → 0x7000 → 0xA000 → page 0x8000, user read-only.
        put64(0x1000 + 258 * 8, 0x6000 | 5); put64(0x6000, 0x7000 | 5); put64(0x7000, 0xA000 | 5); put64(0xA000, 0x8000 | 5)
        put64(0x5000 + 0x08, 0x00af_9b00_0000_ffff); put64(0x5000 + 0x10, 0x00cf_9300_0000_ffff)
        put64(0x5000 + 0x18, 0x00cf_f300_0000_ffff); put64(0x5000 + 0x20, 0x00af_fb00_0000_ffff)
        // TSS at 0xB000 (RSP0 0xC000), #UD gate at 0xD000 → handler at 0xE800 (identity, supervisor OK).
        put64(0x5000 + 0x28, 0x67 | (0xB000 << 16) | (0x89 << 40)); put64(0x5000 + 0x30, 0)
        put64(0xB000 + 4, 0xC000)
        let gateHandler: UInt64 = 0xE800
        put64(0xD000 + 6 * 16, (gateHandler & 0xffff) | (0x08 << 16) | (0x8e << 40) | ((gateHandler >> 16) & 0xffff) << 48)
        put64(0xD000 + 6 * 16 + 8, 0)
        put(0x8040, handler)
        if let udGate { put(gateHandler, udGate) }
        put(0x9000, [0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, 0x0f, 0x05, 0xeb, 0xfe])
        put64(0x100000, 0xAA)
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
        try vcpu.setMSRs([(X86.msrLSTAR, 0xFFFF_8100_0000_0040), (X86.msrSTAR, (0x10 << 48) | (0x08 << 32)),
                          (X86.msrSFMASK, X86.rflagsIF)])
        var r = kvm_regs(); r.rip = 0x9000; r.rsp = 0xE000; r.rflags = 0x202
        try vcpu.setRegs(r)
        let exit = try vcpu.runOnce()
        return (exit, try vcpu.getRegs())
    }

    /// `out %al, $0x10` at LSTAR: the syscall reached the user-readable alias.
    @Test func syscallReachesUserReadableLSTAR() throws {
        let (exit, regs) = try run(handler: [0xe6, 0x10])
        #expect(exit == .io(port: 0x10, size: 1, out: true, data: 0xAA))
        #expect(regs.rcx == 0x900a, "RCX holds the RIP after the syscall")
    }

    /// `ud2` at LSTAR reaches the #UD gate; the gate's handler reports the
    /// frame's RIP low byte and RCX's low byte (`mov (%rsp),%rax; out; mov
    /// %rcx,%rax; out`), the shim's syscall-entry mechanism.
    @Test func ud2AtLSTARIsDeliveredThroughTheIDT() throws {
        let (exit, regs) = try run(handler: [0x0f, 0x0b],
                                   udGate: [0x48, 0x8b, 0x04, 0x24, 0xe6, 0x11, 0xf4])
        #expect(exit == .io(port: 0x11, size: 1, out: true, data: 0x40), "frame RIP is LSTAR (low byte 0x40)")
        #expect(regs.rcx == 0x900a)
    }
}
