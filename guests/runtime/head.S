/*
 * head.S — image header shared by every Xenolith test guest: the Xen ELF notes, the entry point
 * `_start`, the stacks and page-aligned scratch memory in .bss, and the image description that
 * `_start` hands to the Swift runtime (Runtime.swift `ImageInfo`).
 *
 * Facts: note types and payloads from xen/include/public/elfnote.h; numeric notes are 8 bytes
 * (xen/common/libelf/libelf-dominfo.c elf_xen_parse_note); PADDR_OFFSET 0 + VIRT_BASE makes the
 * loader place each PT_LOAD at p_paddr + VIRT_BASE. Entry state from
 * tools/libs/guest/xg_dom_x86.c (vcpu_x86_64) and xen/include/public/xen.h ("Start-of-day
 * memory layout").
 *
 * Register contract at _start (set by the domain builder):
 *   RSI = VA of start_info, RSP = top of the builder's boot stack page,
 *   CS = 0xe033, SS = 0xe02b, DS/ES/FS/GS = 0, events masked (vcpu_info[0].evtchn_upcall_mask = 1).
 * _start records RSP, the selectors and RFLAGS as found, switches to its own 16 KiB stack, zeroes
 * .bss and calls xenolith_start(rdi = start_info VA, rsi = &image_info). It never returns.
 */

        .set VIRT_BASE, 0xffffffff80000000
        .set POOL_PAGES, 32

/* One Xen ELF note: owner "Xen", type \type, descriptor \desc. */
.macro XEN_NOTE_BEGIN type
        .pushsection .note.Xen, "a", @note
        .balign 4
        .long 2f - 1f
        .long 4f - 3f
        .long \type
1:      .asciz "Xen"
2:      .balign 4
3:
.endm
.macro XEN_NOTE_END
4:      .balign 4
        .popsection
.endm
.macro XEN_NOTE_STRING type, string
        XEN_NOTE_BEGIN \type
        .asciz "\string"
        XEN_NOTE_END
.endm
.macro XEN_NOTE_QUAD type, value
        XEN_NOTE_BEGIN \type
        .quad \value
        XEN_NOTE_END
.endm

        XEN_NOTE_STRING 6,  "Xenolith-test"                               /* GUEST_OS */
        XEN_NOTE_STRING 5,  "xen-3.0"                                     /* XEN_VERSION */
        XEN_NOTE_STRING 8,  "generic"                                     /* LOADER */
        XEN_NOTE_QUAD   3,  VIRT_BASE                                     /* VIRT_BASE */
        XEN_NOTE_QUAD   4,  0                                             /* PADDR_OFFSET */
        XEN_NOTE_QUAD   1,  _start                                        /* ENTRY */
        XEN_NOTE_QUAD   12, 0xffff800000000000                            /* HV_START_LOW */
        XEN_NOTE_STRING 10, "!writable_page_tables|pae_pgdir_above_4gb"   /* FEATURES */

        .section .text.head, "ax", @progbits
        .globl _start
_start:
        cld
        movq  %rsp, boot_rsp(%rip)
        movw  %cs, boot_cs(%rip)
        movw  %ss, boot_ss(%rip)
        movw  %ds, boot_ds(%rip)
        movw  %es, boot_es(%rip)
        movw  %fs, boot_fs(%rip)
        movw  %gs, boot_gs(%rip)
        pushfq
        popq  boot_rflags(%rip)

        leaq  boot_stack_top(%rip), %rsp
        movq  %rsi, %rbx                        /* start_info survives the clearing of .bss */

        leaq  __bss_start(%rip), %rdi
        leaq  __bss_end(%rip), %rcx
        subq  %rdi, %rcx
        xorl  %eax, %eax
        rep stosb

        movq  %rbx, %rdi
        leaq  image_info(%rip), %rsi
        call  xenolith_start
1:      ud2                                     /* xenolith_start never returns */
        jmp   1b

/*
 * The image description read by Runtime.swift (struct ImageInfo, same order, 8 bytes each).
 * hypercall_page is weak: only the `hello` guest defines one (and its note).
 */
        .weak hypercall_page
        .section .data.image_info, "aw", @progbits
        .balign 8
image_info:
        .quad _image_start, _image_end
        .quad __ex_table_start, __ex_table_end
        .quad boot_stack_top, kernel_stack_top
        .quad shared_info_slot, page_pool, POOL_PAGES
        .quad hypercall_page
        .quad trap_entry_table
boot_rsp:    .quad 0
boot_cs:     .quad 0
boot_ss:     .quad 0
boot_ds:     .quad 0
boot_es:     .quad 0
boot_fs:     .quad 0
boot_gs:     .quad 0
boot_rflags: .quad 0

        .section .bss.page_aligned, "aw", @nobits
        .balign 4096
boot_stack:        .skip 16384          /* the runtime's stack (RSP from _start onwards) */
boot_stack_top:
kernel_stack:      .skip 16384          /* kernel_sp for traps taken in guest user mode */
kernel_stack_top:
shared_info_slot:  .skip 4096           /* VA whose mapping is replaced by shared_info */
page_pool:         .skip POOL_PAGES * 4096
