/*
 * Xenolith shim: ring-0 entry and exit paths.
 *
 * Register contract
 * - Entered from the guest (CPL3) through the IDT (every vector, DPL0
 *   interrupt gates, CS 0xe008) or through `syscall` (LSTAR / CSTAR, CS 0xe008).
 * - IDT entries arrive on the per-vCPU stack from TSS.RSP0 with interrupts
 *   off. `syscall` arrives on the guest's stack: the stub swaps to the shim's
 *   per-vCPU data with `swapgs` (MSR_KERNEL_GS_BASE holds its address while
 *   the guest runs), switches to the shim stack and builds the same frame
 *   an IDT entry would, then swaps back so %gs is the guest's again.
 * - Every entry builds a ShimFrame (Sources/XenPV/ShimFrame.swift) and calls
 *   shim_trap(frame) (Swift). On return the frame, possibly rewritten by the
 *   host, is restored and `iretq` resumes the guest. `sysretq` is never used
 *   (KVM's emulator cannot run it on these hosts, docs/kvm-pvm-host.md).
 * - Only general-purpose instructions: no SSE/x87/xsave, no int3.
 */
        .code64
        .section .text.entry, "ax"

/* Per-vector stubs, 32 bytes each. Vectors that push an error code in
 * hardware: 8, 10-14, 17, 21, 29, 30 (Intel SDM vol. 3 table 6-1). */
        .align 32
        .globl shim_vector_stubs
shim_vector_stubs:
        .set vec, 0
        .rept 256
        .align 32
        .if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        pushq $vec
        .else
        pushq $0
        pushq $vec
        .endif
        jmp shim_common
        .set vec, vec + 1
        .endr

/* 64-bit `syscall`: RCX = guest RIP, R11 = guest RFLAGS, RSP = guest RSP. */
        .align 32
        .globl shim_syscall_entry
shim_syscall_entry:
        swapgs
        movq %rsp, %gs:0            /* ShimPerCPU.scratchRSP */
        movq %gs:8, %rsp            /* ShimPerCPU.stackTop */
        pushq $0xe02b               /* SS: FLAT_RING3_SS64 */
        pushq %gs:0                 /* RSP */
        pushq %r11                  /* RFLAGS */
        pushq $0xe033               /* CS: FLAT_RING3_CS64 */
        pushq %rcx                  /* RIP */
        swapgs
        pushq $0
        pushq $0x100                /* ShimFrame.vectorSyscall */
        jmp shim_common

/* Compatibility-mode `syscall` (CSTAR). */
        .align 32
        .globl shim_syscall32_entry
shim_syscall32_entry:
        swapgs
        movq %rsp, %gs:0
        movq %gs:8, %rsp
        pushq $0xe02b
        pushq %gs:0
        pushq %r11
        pushq $0xe023               /* CS: FLAT_RING3_CS32 */
        pushq %rcx
        swapgs
        pushq $0
        pushq $0x101                /* ShimFrame.vectorSyscall32 */
        jmp shim_common

shim_common:
        pushq %r15
        pushq %r14
        pushq %r13
        pushq %r12
        pushq %r11
        pushq %r10
        pushq %r9
        pushq %r8
        pushq %rbp
        pushq %rdi
        pushq %rsi
        pushq %rdx
        pushq %rcx
        pushq %rbx
        pushq %rax
        cld
        movq %rsp, %rdi
        call shim_trap
        popq %rax
        popq %rbx
        popq %rcx
        popq %rdx
        popq %rsi
        popq %rdi
        popq %rbp
        popq %r8
        popq %r9
        popq %r10
        popq %r11
        popq %r12
        popq %r13
        popq %r14
        popq %r15
        addq $16, %rsp              /* vector, error code */
        iretq

/* void shim_exit_to_host(uint32_t reason): one exit to the xenolith
 * process (32-bit `out` to ShimFrame.exitPort). The host handles the entry
 * by reading and rewriting the frame, then resumes us here. */
        .globl shim_exit_to_host
shim_exit_to_host:
        movl %edi, %eax
        movw $0xe0, %dx
        outl %eax, %dx
        ret

/* Table of the stub addresses, read by the host to build the IDT. */
        .section .rodata.vectors, "a"
        .align 8
        .globl shim_vector_table
shim_vector_table:
        .set vec, 0
        .rept 256
        .quad shim_vector_stubs + vec * 32
        .set vec, vec + 1
        .endr
        .quad shim_syscall_entry
        .quad shim_syscall32_entry

/* memset/memcpy for Embedded Swift, with string instructions only. */
        .text
        .globl memset
memset:
        movq %rdi, %r9
        movl %esi, %eax
        movq %rdx, %rcx
        rep stosb
        movq %r9, %rax
        ret
        .globl memcpy
        .globl memmove
memcpy:
memmove:
        movq %rdi, %rax
        movq %rdx, %rcx
        cmpq %rsi, %rdi
        jbe 1f
        leaq -1(%rsi,%rdx), %rsi
        leaq -1(%rdi,%rdx), %rdi
        std
        rep movsb
        cld
        ret
1:      rep movsb
        ret
