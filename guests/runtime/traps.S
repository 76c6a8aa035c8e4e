/*
 * traps.S — entry stubs for everything the hypervisor bounces into a test guest (exceptions,
 * software interrupts, the event/failsafe/syscall callbacks), the `iret` hypercall that ends each
 * of them, and the two stubs that enter and leave guest user mode.
 *
 * Facts: bounce frame layout from xen/arch/x86/x86_64/entry.S (create_bounce_frame): from the new
 * RSP upward RCX, R11, [error code], RIP, CS (| saved upcall mask << 32), RFLAGS, RSP, SS; error
 * codes for vectors 8, 10-14, 17, 21, 29, 30. iret frame from public/arch-x86/xen-x86_64.h
 * (struct iret_context: rax, r11, rcx, flags, rip, cs, rflags, rsp, ss; rax at the lowest
 * address), hypercall __HYPERVISOR_iret = 23 (public/xen.h).
 *
 * Register contract of every entry stub: on entry RSP points at the bounce frame; all GPRs hold
 * the interrupted context except RCX/R11, which are in the frame. The stub pops RCX/R11, pushes a
 * (possibly zero) error code, the pseudo-vector and all 15 GPRs, and calls
 * xenolith_trap(rdi = &TrapFrame) on a 16-byte aligned stack. The Swift side may edit the frame.
 * The stub then restores every GPR from the frame and returns with the iret hypercall
 * (flags = 0: RCX and R11 are restored from the iret frame too).
 * Pseudo-vectors above 255 name the callbacks: 0x100 event, 0x101 syscall, 0x102 failsafe.
 */

.macro ENTRY_STUB name, vector, has_error_code
        .globl \name
\name:
        popq  %rcx
        popq  %r11
        .if \has_error_code == 0
        pushq $0
        .endif
        pushq $\vector
        jmp   trap_common
.endm

        .text
        ENTRY_STUB trap_0,  0,  0
        ENTRY_STUB trap_1,  1,  0
        ENTRY_STUB trap_2,  2,  0
        ENTRY_STUB trap_3,  3,  0
        ENTRY_STUB trap_4,  4,  0
        ENTRY_STUB trap_5,  5,  0
        ENTRY_STUB trap_6,  6,  0
        ENTRY_STUB trap_7,  7,  0
        ENTRY_STUB trap_8,  8,  1
        ENTRY_STUB trap_9,  9,  0
        ENTRY_STUB trap_10, 10, 1
        ENTRY_STUB trap_11, 11, 1
        ENTRY_STUB trap_12, 12, 1
        ENTRY_STUB trap_13, 13, 1
        ENTRY_STUB trap_14, 14, 1
        ENTRY_STUB trap_15, 15, 0
        ENTRY_STUB trap_16, 16, 0
        ENTRY_STUB trap_17, 17, 1
        ENTRY_STUB trap_18, 18, 0
        ENTRY_STUB trap_19, 19, 0
        ENTRY_STUB trap_20, 20, 0
        ENTRY_STUB trap_21, 21, 1
        ENTRY_STUB trap_22, 22, 0
        ENTRY_STUB trap_23, 23, 0
        ENTRY_STUB trap_24, 24, 0
        ENTRY_STUB trap_25, 25, 0
        ENTRY_STUB trap_26, 26, 0
        ENTRY_STUB trap_27, 27, 0
        ENTRY_STUB trap_28, 28, 0
        ENTRY_STUB trap_29, 29, 1
        ENTRY_STUB trap_30, 30, 1
        ENTRY_STUB trap_31, 31, 0
        ENTRY_STUB trap_0x80, 0x80, 0
        ENTRY_STUB trap_0x81, 0x81, 0
        ENTRY_STUB event_callback,    0x100, 0
        ENTRY_STUB syscall_callback,  0x101, 0
        /* The failsafe frame also holds DS, ES, FS, GS; the Swift side only reports it. */
        ENTRY_STUB failsafe_callback, 0x102, 0

trap_common:
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq  %rsp, %rdi
        movq  %rsp, %rbp                /* callee-saved: survives the call */
        andq  $-16, %rsp
        call  xenolith_trap
        movq  %rbp, %rsp
        popq  %r15
        popq  %r14
        popq  %r13
        popq  %r12
        popq  %r11
        popq  %r10
        popq  %r9
        popq  %r8
        popq  %rbp
        popq  %rdi
        popq  %rsi
        popq  %rdx
        popq  %rcx
        popq  %rbx
        popq  %rax
        addq  $16, %rsp                 /* pseudo-vector and error code */
        /* RSP now points at RIP, CS, RFLAGS, RSP, SS: complete the iret_context below it. */
        pushq $0                        /* flags: not VGCF_in_syscall */
        pushq %rcx
        pushq %r11
        pushq %rax
        movl  $23, %eax                 /* __HYPERVISOR_iret */
        syscall
        ud2                             /* iret does not return */

/*
 * user_enter(rdi = &iret_context, rsi = &KernelContext): saves the callee-saved registers and RSP
 * into KernelContext (rbx, rbp, r12, r13, r14, r15, rsp) and leaves through the iret hypercall
 * with the given frame (CS with RPL 3 switches the vCPU to guest user mode).
 * user_exit(rdi = &KernelContext, rsi = value) resumes the caller of user_enter, which then
 * returns `value`. Called from a trap handler running on the kernel stack, which it abandons.
 */
        .globl user_enter
user_enter:
        movq  %rbx, 0(%rsi)
        movq  %rbp, 8(%rsi)
        movq  %r12, 16(%rsi)
        movq  %r13, 24(%rsi)
        movq  %r14, 32(%rsi)
        movq  %r15, 40(%rsi)
        movq  %rsp, 48(%rsi)
        movq  %rdi, %rsp
        movl  $23, %eax                 /* __HYPERVISOR_iret */
        syscall
        ud2

        .globl user_exit
user_exit:
        movq  0(%rdi), %rbx
        movq  8(%rdi), %rbp
        movq  16(%rdi), %r12
        movq  24(%rdi), %r13
        movq  32(%rdi), %r14
        movq  40(%rdi), %r15
        movq  48(%rdi), %rsp
        movq  %rsi, %rax
        ret

/* Entry addresses for the Swift runtime: vectors 0-31, 0x80, 0x81, then the three callbacks. */
        .section .rodata.trap_entries, "a", @progbits
        .balign 8
        .globl trap_entry_table
trap_entry_table:
        .quad trap_0,  trap_1,  trap_2,  trap_3,  trap_4,  trap_5,  trap_6,  trap_7
        .quad trap_8,  trap_9,  trap_10, trap_11, trap_12, trap_13, trap_14, trap_15
        .quad trap_16, trap_17, trap_18, trap_19, trap_20, trap_21, trap_22, trap_23
        .quad trap_24, trap_25, trap_26, trap_27, trap_28, trap_29, trap_30, trap_31
        .quad trap_0x80, trap_0x81
        .quad event_callback, syscall_callback, failsafe_callback
