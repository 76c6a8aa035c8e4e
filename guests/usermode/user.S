/*
 * user.S — the code the `usermode` guest runs in guest user mode. It occupies a page of its own,
 * which the guest maps (read-only, user) at a low VA in its user page tables.
 *
 * Facts: 64-bit PV user code makes system calls with `syscall`; the hypervisor bounces them to
 * the registered CALLBACKTYPE_syscall callback with RCX = RIP after the instruction and
 * R11 = RFLAGS (public/callback.h; xen/arch/x86/x86_64/entry.S lstar_enter/switch_to_kernel).
 *
 * Register contract: entered at user_code_page by the iret hypercall. Issues syscall with
 * RAX = 42, then loads from the address the kernel returned in RAX (the test returns an unmapped
 * address, so this faults and the kernel never resumes user mode). Position-independent.
 */
        .section .text.user, "ax", @progbits
        .balign 4096
        .globl user_code_page, user_after_syscall, user_fault
user_code_page:
        movl  $42, %eax
        syscall
user_after_syscall:
user_fault:
        movq  (%rax), %rbx
1:      ud2
        jmp   1b
        .balign 4096
