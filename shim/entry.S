/*
 * Xenolith shim: ring-0 entry and exit paths.
 *
 * Register contract
 * - Entered from the guest (CPL3) through the IDT (every vector, DPL0
 *   interrupt gates, CS 0xe008, IST 1) or through `syscall` (LSTAR / CSTAR,
 *   CS 0xe008), which arrives as a #UD from the syscall page (below).
 * - Every IDT entry arrives on the per-vCPU stack (TSS.IST1 = TSS.RSP0 =
 *   its top) with interrupts off, so the frame always ends at the stack top
 *   and the per-vCPU data page follows it.
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
        .if vec == 0xf0
        jmp shim_event_check_entry
        .elseif (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        pushq $vec
        .else
        pushq $0
        pushq $vec
        .endif
        jmp shim_common
        .set vec, vec + 1
        .endr

/* The `syscall` entries live in a page of their own. On kvm-pvm hosts the
 * code a `syscall` from CPL3 reaches runs with user-mode page permissions:
 * LSTAR must be user-accessible and outside L4 slot 256, and that code can
 * neither touch supervisor pages (our stack, per-vCPU data) nor run
 * privileged instructions such as `swapgs` (docs/kvm-pvm-findings.md). So
 * the host maps this page a second time, read-only and user-readable, in
 * slot 258, points LSTAR/CSTAR at it, and each entry is a single `ud2`: the
 * #UD is delivered through the IDT on the IST stack at CPL0, and shim_trap
 * turns a #UD at one of these two addresses back into the `syscall` it was
 * (RCX = guest RIP, R11 = guest RFLAGS, RSP = guest RSP, untouched). */
        .section .text.syscall, "ax"
        .align 4096
        .globl shim_syscall_page
shim_syscall_page:
        .globl shim_syscall_entry
shim_syscall_entry:
        ud2
        .align 32
        .globl shim_syscall32_entry
shim_syscall32_entry:
        ud2

        .section .text.entry, "ax"
/* The event-check vector (0xf0) the host injects to get a running vCPU into
 * the shim. On kvm-pvm an injected interrupt can stay pending across a
 * `syscall` (which clears IF) and be delivered later, even inside the shim
 * (KVM_INTERRUPT does not honour the shim's IF; docs/kvm-pvm-findings.md).
 * So its gate uses its own stack (IST2, 0x3000 below the main stack top)
 * and this stub checks where it came from: from the shim it returns at once
 * (the host delivers pending events on every way out anyway, and the main
 * frame is untouched); from the guest it moves the hardware frame to the
 * main stack and continues as any other entry. */
shim_event_check_entry:
        testb $3, 8(%rsp)           /* RPL of the interrupted CS */
        jnz 1f
        iretq
1:      pushq %rax
        leaq 48+0x3000(%rsp), %rax  /* the main stack top (IST1) */
        pushq %rbx
        movq 48(%rsp), %rbx         /* SS */
        movq %rbx, -8(%rax)
        movq 40(%rsp), %rbx         /* RSP */
        movq %rbx, -16(%rax)
        movq 32(%rsp), %rbx         /* RFLAGS */
        movq %rbx, -24(%rax)
        movq 24(%rsp), %rbx         /* CS */
        movq %rbx, -32(%rax)
        movq 16(%rsp), %rbx         /* RIP */
        movq %rbx, -40(%rax)
        popq %rbx
        leaq -40(%rax), %rax
        xchgq %rax, (%rsp)          /* restore RAX; leave the new stack pointer */
        popq %rsp                   /* onto the main stack, below the moved frame */
        pushq $0
        pushq $0xf0
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
        call shim_trap              /* returns the exit reason, or 0: no exit */
        testl %eax, %eax
        jz shim_return_path
        /* One exit to the xenolith process (32-bit `out` to
         * ShimFrame.exitPort, value = reason). The host handles the entry
         * by reading and rewriting the frame, then resumes us after it. */
        movw $0xe0, %dx
        outl %eax, %dx
/* Load the CR3 the host left (ShimPerCPU.pendingCR3, 32 bytes into the
 * per-vCPU page that follows the frame), if any. */
        movq 176+32(%rsp), %rax
        testq %rax, %rax
        jz 4f
        movq %rax, %cr3
        movq $0, 176+32(%rsp)
4:
/* Apply the shadow-sync queue the host may have filled (XenPV
 * ShimSyncQueue): page-table stores through the direct map, made here at
 * CPL0 so that KVM's shadow MMU sees them, and invlpg requests. */
        leaq 176+0x3000(%rsp), %rsi /* frame size + ShimSyncQueue.offsetFromPerCPU */
        movq (%rsi), %rcx
        testq %rcx, %rcx
        jz shim_return_path
        leaq 8(%rsi), %rdi
1:      movq (%rdi), %rdx
        movq 8(%rdi), %rax
        testb $1, %dl
        jnz 2f
        movq %rax, (%rdx)
        jmp 3f
2:      andq $-2, %rdx
        invlpg (%rdx)
3:      addq $16, %rdi
        decq %rcx
        jnz 1b
        movq $0, (%rsi)
/* From here to shim_return_end the frame is complete and only read:
 * the host may still rewrite it (to deliver an event that arrived while
 * the vCPU was on its way back) when it finds the vCPU stopped here. */
        .globl shim_return_path
shim_return_path:
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
        .globl shim_return_end
shim_return_end:

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
