// Minimal VMs that check what this host's KVM does with the instruction
// classes and transitions the shim relies on (docs/kvm-pvm-host.md): long
// mode entered through KVM_SET_SREGS straight at CPL3, `syscall` to a CPL0
// LSTAR handler, `iretq` back, an interrupt gate reached from CPL3, the CPL0
// instructions the shim uses, and KVM_INTERRUPT injection.
import CKVM
import Glibc
import Foundation
import Testing
@testable import KVM

/// Guest-physical layout of the minimal VM (identity-mapped, first 2 MiB).
private enum Mini {
    static let pml4: UInt64 = 0x1000, pdpt: UInt64 = 0x2000, pd: UInt64 = 0x3000
    static let gdt: UInt64 = 0x5000, idt: UInt64 = 0x6000, tss: UInt64 = 0x7000
    static let kernel: UInt64 = 0x8000, user: UInt64 = 0x9000
    static let kernelStackTop: UInt64 = 0xC000, userStackTop: UInt64 = 0xE000
    static let size = 2 << 20

    // CPL0: the LSTAR handler switches to its stack, builds an iretq frame from
    // RCX/R11, exits with `out 0x10`, then returns to CPL3.
    static let lstar: [UInt8] = [0x48, 0x89, 0xe3, 0x48, 0xc7, 0xc4, 0x00, 0xc0, 0x00, 0x00, 0x6a, 0x1b,
                                 0x53, 0x41, 0x53, 0x6a, 0x23, 0x51, 0xe6, 0x10, 0x48, 0xcf]
    // CPL0 vector 0x40: `mov $0x40,%eax; out 0x11; iretq`.
    static let irq40: [UInt8] = [0xb8, 0x40, 0x00, 0x00, 0x00, 0xe6, 0x11, 0x48, 0xcf]
    // CPL0 vector 6 (#UD from CPL3): mov cr3/cr0/cr4, rdmsr/wrmsr KERNEL_GS_BASE,
    // swapgs x2, xchg, lock bts, lock cmpxchg, rep stosb, invlpg, rdtsc, cpuid,
    // skip the ud2 (`addq $2,(%rsp)`), then `out 0x12; iretq`.
    static let ops: [UInt8] = [0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x0f, 0x20, 0xc0, 0x0f, 0x20, 0xe0,
                               0xb9, 0x02, 0x01, 0x00, 0xc0, 0x0f, 0x32, 0x0f, 0x30, 0x0f, 0x01, 0xf8,
                               0x0f, 0x01, 0xf8, 0x48, 0x87, 0x04, 0x24, 0x48, 0x87, 0x04, 0x24, 0xf0,
                               0x48, 0x0f, 0xba, 0x6c, 0x24, 0xf8, 0x00, 0xf0, 0x48, 0x0f, 0xb1, 0x4c,
                               0x24, 0xf8, 0xb9, 0x08, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x7c, 0x24, 0xc0,
                               0xf3, 0xaa, 0x0f, 0x01, 0x3c, 0x24, 0x0f, 0x31, 0x0f, 0xa2, 0x48, 0x83,
                               0x04, 0x24, 0x02, 0xe6, 0x12, 0x48, 0xcf]
    // CPL3: `mov $1,%eax; syscall; ud2; 1: pause; jmp 1b`.
    // (A software `int n` through a DPL3 gate ends this host's VMs with a
    // shutdown exit, so the shim keeps every gate at DPL0 and emulates `int n`
    // from the resulting #GP, as Xen does for gates the guest may not use.)
    static let userCode: [UInt8] = [0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0x0b, 0xf3, 0x90, 0xeb, 0xfc]
}

private func kvmAvailable() -> Bool { access("/dev/kvm", R_OK | W_OK) == 0 }

@Suite(.enabled(if: kvmAvailable(), "needs /dev/kvm"))
struct MinimalVMTests {
    @Test func cpl3SyscallInterruptAndShimInstructions() throws {
        let kvm = try KVMSystem()
        let vm = try kvm.createVM()
        let mem = mmap(nil, Mini.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(mem, Mini.size) }
        try vm.setMemoryRegion(slot: 0, guestPhys: 0, size: UInt64(Mini.size), hostAddress: mem)

        func put64(_ gpa: UInt64, _ v: UInt64) { mem.storeBytes(of: v, toByteOffset: Int(gpa), as: UInt64.self) }
        func put(_ gpa: UInt64, _ bytes: [UInt8]) {
            for (i, b) in bytes.enumerated() { mem.storeBytes(of: b, toByteOffset: Int(gpa) + i, as: UInt8.self) }
        }
        // Page tables: one 2 MiB user-accessible identity page.
        put64(Mini.pml4, Mini.pdpt | 0x7)
        put64(Mini.pdpt, Mini.pd | 0x7)
        put64(Mini.pd, 0x0 | 0x87)
        // GDT: 0x08 kernel CS, 0x10 kernel DS, 0x18 user DS, 0x20 user CS, 0x28 TSS.
        put64(Mini.gdt + 0x08, 0x00af_9b00_0000_ffff)
        put64(Mini.gdt + 0x10, 0x00cf_9300_0000_ffff)
        put64(Mini.gdt + 0x18, 0x00cf_f300_0000_ffff)
        put64(Mini.gdt + 0x20, 0x00af_fb00_0000_ffff)
        let tssLimit: UInt64 = 0x67
        put64(Mini.gdt + 0x28, tssLimit | ((Mini.tss & 0xff_ffff) << 16) | (0x89 << 40) | ((Mini.tss >> 24) & 0xff) << 56)
        put64(Mini.gdt + 0x30, Mini.tss >> 32)
        put64(Mini.tss + 4, Mini.kernelStackTop) // RSP0
        // IDT gates: 0x40 (external interrupt), 6 (#UD).
        func gate(_ vector: UInt64, _ handler: UInt64, dpl: UInt64) {
            let lo = (handler & 0xffff) | (0x08 << 16) | ((0x8e | dpl << 5) << 40) | ((handler >> 16) & 0xffff) << 48
            put64(Mini.idt + vector * 16, lo)
            put64(Mini.idt + vector * 16 + 8, handler >> 32)
        }
        gate(0x40, Mini.kernel + 0x100, dpl: 0)
        gate(0x6, Mini.kernel + 0x200, dpl: 0)
        put(Mini.kernel, Mini.lstar)
        put(Mini.kernel + 0x100, Mini.irq40)
        put(Mini.kernel + 0x200, Mini.ops)
        put(Mini.user, Mini.userCode)

        let vcpu = try vm.createVCPU(id: 0)
        try vcpu.setCPUID(try kvm.supportedCPUID())
        var s = try vcpu.getSregs()
        s.cr3 = Mini.pml4
        s.cr4 = X86.cr4PAE | X86.cr4OSFXSR | X86.cr4OSXMMEXCPT
        s.cr0 = X86.cr0PE | X86.cr0MP | X86.cr0ET | X86.cr0NE | X86.cr0WP | X86.cr0PG
        s.efer = X86.eferLME | X86.eferLMA | X86.eferSCE | X86.eferNXE
        s.cs = .code64(selector: 0x23, dpl: 3)
        s.ss = .data(selector: 0x1b, dpl: 3)
        s.ds = .null; s.es = .null; s.fs = .null; s.gs = .null
        s.tr = .tss(selector: 0x28, base: Mini.tss, limit: UInt32(tssLimit))
        s.gdt.base = Mini.gdt; s.gdt.limit = 0x37
        s.idt.base = Mini.idt; s.idt.limit = 0xfff
        try vcpu.setSregs(s)
        try vcpu.setMSRs([(X86.msrLSTAR, Mini.kernel), (X86.msrSTAR, (0x10 << 48) | (0x08 << 32)),
                          (X86.msrSFMASK, X86.rflagsIF)])
        var r = kvm_regs()
        r.rip = Mini.user; r.rsp = Mini.userStackTop; r.rflags = X86.rflagsReserved1 | X86.rflagsIF
        try vcpu.setRegs(r)

        // 1. `syscall` from CPL3 reaches the CPL0 LSTAR handler.
        #expect(try vcpu.runOnce() == .io(port: 0x10, size: 1, out: true, data: 1))
        // 2. A fault from CPL3 reaches its gate, which runs every CPL0 instruction class the shim uses.
        let exit2 = try vcpu.runOnce()
        if case .io(0x12, _, _, _) = exit2 {} else {
            let regs = try vcpu.getRegs()
            Issue.record("CPL0 instruction run failed: \(exit2) at rip 0x\(String(regs.rip, radix: 16))")
        }
        #expect(exit2 == .io(port: 0x12, size: 1, out: true, data: 0) || { if case .io(0x12, _, true, _) = exit2 { return true }; return false }())
        // 3. A vCPU spinning at CPL3 is kicked out of KVM_RUN by a signal
        // (with immediate_exit set first, so a kick cannot be lost), and an
        // interrupt queued with KVM_INTERRUPT reaches its CPL0 gate.
        installKickSignalHandler()
        let target = pthread_self()
        let kicker = Thread { usleep(50_000); vcpu.requestImmediateExit(); pthread_kill(target, SIGUSR1) }
        kicker.start()
        let k = try vcpu.runOnce()
        #expect(k == .interrupted)
        try vcpu.injectInterrupt(vector: 0x40)
        let exit3 = try vcpu.runOnce()
        #expect(exit3 == .io(port: 0x11, size: 1, out: true, data: 0x40))
    }
}

private func installKickSignalHandler() {
    var sa = sigaction()
    sa.__sigaction_handler.sa_handler = { _ in }
    sigemptyset(&sa.sa_mask)
    sa.sa_flags = 0
    sigaction(SIGUSR1, &sa, nil)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGUSR1)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}
