/*
 * instructions.S — the x86 instructions Embedded Swift cannot emit: rdtsc, the PV
 * forced-emulation CPUID, and "probes" that execute one faulting or trapping instruction with an
 * exception-table entry, so that a test can provoke an exception and carry on.
 *
 * Facts: forced-emulation prefix `ud2; .ascii "xen"` before `cpuid` (bytes 0f 0b 78 65 6e 0f a2)
 * from xen/arch/x86/pv/emul-inv-op.c and public/arch-x86/xen.h (XEN_EMULATE_PREFIX).
 *
 * Exception table (section .ex_table, read by Traps.swift): 24-byte entries
 *   { u64 fault_rip; u64 resume_rip; u64 probe_id }.
 * A trap whose saved RIP equals fault_rip (a fault: RIP names the instruction) or resume_rip (a
 * trap such as int3/int n: RIP is past the instruction) is recorded and resumed at resume_rip with
 * all other registers unchanged. Probe ids match `Probe` in Traps.swift.
 *
 * Register contract: SysV C ABI for every function here.
 */

.macro EXTABLE fault, resume, id
        .pushsection .ex_table, "a", @progbits
        .balign 8
        .quad \fault, \resume, \id
        .popsection
.endm

        .text

/* u64 read_tsc(void) */
        .globl read_tsc
read_tsc:
        rdtsc
        shlq  $32, %rdx
        orq   %rdx, %rax
        ret

/*
 * u64 xen_cpuid(u32 leaf (edi), u32 subleaf (esi), u32 out[4] (rdx)): forced-emulation CPUID.
 * Writes eax, ebx, ecx, edx to out and returns 0; returns 1 if the prefix raised an exception
 * that the hypervisor did not consume (out untouched).
 */
        .globl xen_cpuid
xen_cpuid:
        pushq %rbx
        movq  %rdx, %r8
        movl  %edi, %eax
        movl  %esi, %ecx
1:      ud2
        .ascii "xen"
        cpuid
        movl  %eax, 0(%r8)
        movl  %ebx, 4(%r8)
        movl  %ecx, 8(%r8)
        movl  %edx, 12(%r8)
        xorl  %eax, %eax
        popq  %rbx
        ret
2:      movl  $1, %eax
        popq  %rbx
        ret
        EXTABLE 1b, 2b, 1

/* u64 probe_read(const u64 *addr) */
        .globl probe_read
probe_read:
        xorl  %eax, %eax
1:      movq  (%rdi), %rax
2:      ret
        EXTABLE 1b, 2b, 2

/* void probe_write(u64 *addr, u64 value) */
        .globl probe_write
probe_write:
1:      movq  %rsi, (%rdi)
2:      ret
        EXTABLE 1b, 2b, 3

/* void probe_divide_error(void): #DE, RIP at the div */
        .globl probe_divide_error
probe_divide_error:
        xorl  %ecx, %ecx
        xorl  %edx, %edx
        movl  $1, %eax
1:      divq  %rcx
2:      ret
        EXTABLE 1b, 2b, 4

/* void probe_int3(void): #BP, a trap: RIP past the one-byte int3 */
        .globl probe_int3
probe_int3:
1:      int3
2:      ret
        EXTABLE 1b, 2b, 5

/* void probe_ud2(void): #UD, RIP at the ud2 */
        .globl probe_ud2
probe_ud2:
1:      ud2
2:      ret
        EXTABLE 1b, 2b, 6

/* void probe_hlt(void): privileged at CPL3, #GP(0), RIP at the hlt */
        .globl probe_hlt
probe_hlt:
1:      hlt
2:      ret
        EXTABLE 1b, 2b, 7

/* void probe_int80(void): software interrupt 0x80, RIP past the two-byte int */
        .globl probe_int80
probe_int80:
1:      int   $0x80
2:      ret
        EXTABLE 1b, 2b, 8

/* void probe_int81(void): software interrupt 0x81 (DPL 0 entry: #GP, RIP at the int) */
        .globl probe_int81
probe_int81:
1:      int   $0x81
2:      ret
        EXTABLE 1b, 2b, 9

/*
 * u64 msr_write_read(u32 msr (edi), u64 value (rsi)): `wrmsr` then `rdmsr` of the same MSR,
 * both privileged at the guest kernel's CPL3 and emulated by the hypervisor (Xen:
 * pv/emul-priv-op.c write_msr/read_msr). Returns the value read back.
 */
        .globl msr_write_read
msr_write_read:
        movl  %edi, %ecx
        movq  %rsi, %rax
        movq  %rsi, %rdx
        shrq  $32, %rdx
        wrmsr
        xorl  %eax, %eax
        xorl  %edx, %edx
        rdmsr
        shlq  $32, %rdx
        orq   %rdx, %rax
        ret
