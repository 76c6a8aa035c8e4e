/*
 * hypercall.S — the hypercall instruction for 64-bit PV guests without a hypercall page.
 *
 * Facts: xen docs/guest-guide/x86/hypercall-abi.rst and public/xen.h: `syscall` from guest kernel
 * mode with RAX = hypercall number, arguments in RDI, RSI, RDX, R10, R8; result (negative Xen
 * errno on failure) in RAX; RCX and R11 are clobbered by the instruction.
 *
 * Register contract: hypercall6(rdi = nr, rsi = a1, rdx = a2, rcx = a3, r8 = a4, r9 = a5)
 * follows the SysV C ABI and moves the arguments into Xen's registers. Everything it clobbers
 * (RAX, RCX, RDX, RSI, RDI, R8, R10, R11) is caller-saved in SysV.
 */
        .text
        .globl hypercall6
hypercall6:
        movq  %rdi, %rax
        movq  %rsi, %rdi
        movq  %rdx, %rsi
        movq  %rcx, %rdx
        movq  %r8,  %r10
        movq  %r9,  %r8
        syscall
        ret
