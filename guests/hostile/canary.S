/*
 * canary.S — one page of the `hostile` guest's kernel text that is never executed. The guest maps
 * it read-only and passes its address as the output buffer of hypercalls; afterwards every byte
 * must still be 0xcc.
 *
 * Facts: a PV guest's read-only mapping must be honoured when the hypervisor copies results into
 * guest memory (Xen's copy_to_guest runs with CR0.WP set and fails with -EFAULT;
 * xen/arch/x86/usercopy.c).
 *
 * Register contract: none; text_canary is data in .text, never called.
 */
        .section .text.canary, "ax", @progbits
        .balign 4096
        .globl text_canary
text_canary:
        .fill 4096, 1, 0xcc
