/*
 * hypercall_page.S — the `hello` guest's hypercall page: XEN_ELFNOTE_HYPERCALL_PAGE names a
 * page-aligned page of the image, which the hypervisor fills with one 32-byte stub per
 * hypercall (stub i at page + 32 * i performs hypercall i with Xen's argument registers).
 *
 * Facts: xen/include/public/elfnote.h (XEN_ELFNOTE_HYPERCALL_PAGE = 2, value = VA of the page);
 * stub contents and the 32-byte stride from xen/arch/x86/pv/hypercall.c
 * (pv_ring3_init_hypercall_page). Until the hypervisor fills it the page holds int3 bytes.
 *
 * Register contract: hypercall_page_xen_version(rdi = cmd, rsi = arg) returns RAX of
 * xen_version(cmd, arg) made through stub 17; RDI/RSI are already Xen's first two argument
 * registers. Clobbers what a hypercall clobbers (the stub itself preserves RCX/R11).
 */

        .pushsection .note.Xen, "a", @note
        .balign 4
        .long 2f - 1f
        .long 4f - 3f
        .long 2                         /* XEN_ELFNOTE_HYPERCALL_PAGE */
1:      .asciz "Xen"
2:      .balign 4
3:      .quad hypercall_page
4:      .balign 4
        .popsection

        .section .text.hypercall_page, "ax", @progbits
        .balign 4096
        .globl hypercall_page
hypercall_page:
        .fill 4096, 1, 0xcc

        .text
        .globl hypercall_page_xen_version
hypercall_page_xen_version:
        call  hypercall_page + 17 * 32
        ret
