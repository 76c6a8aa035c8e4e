// usermode — guest user mode: a user L4 (slots 0-255 only) built, pinned and installed with
// MMUEXT_NEW_USER_BASEPTR; the syscall callback and kernel stack (stack_switch) registered; the
// iret hypercall with CS RPL 3 enters user mode; a user `syscall` bounces to the callback in
// kernel mode on the kernel stack with RCX/R11/RAX/RSP/SS as the user left them, and iret returns
// to user mode with the callback's RAX; a user page fault is delivered to the kernel with the U bit
// set, CS RPL 3 and CR2. Finally the kernel page tables do not map the user VAs.
// Facts: public/xen.h (MMUEXT_NEW_USER_BASEPTR, stack_switch), public/callback.h
// (CALLBACKTYPE_syscall), public/arch-x86/xen-x86_64.h (iret_context; RPL 3 in CS returns to
// user mode), xen/arch/x86/pv/domain.c toggle_guest_mode (user -> kernel switches to the kernel
// L4 and kernel_sp), xen/arch/x86/x86_64/entry.S (syscall bounce frame: RCX, R11, RIP = RCX, CS,
// RFLAGS, RSP, SS; create_bounce_frame keeps CS RPL 3 for user-mode frames).

let testName: StaticString = "usermode"

@_extern(c, "user_code_page") func userCodePage()
@_extern(c, "user_after_syscall") func userAfterSyscall()
@_extern(c, "user_fault") func userFault()
@_extern(c, "user_enter") func userEnter(_ frame: UnsafeMutableRawPointer, _ kernel: UnsafeMutableRawPointer) -> UInt64
/// Resumes the caller of user_enter (which returns `value`); does not return.
@_extern(c, "user_exit") func userExit(_ kernel: UnsafeMutableRawPointer, _ value: UInt64)

/// User address space: code at 4 MiB, a stack page above it, nothing at 5 MiB.
let userCodeVA: UInt64 = 0x40_0000
let userStackVA: UInt64 = 0x41_0000
let userStackTop: UInt64 = userStackVA + Layout.pageSize
let userUnmappedVA: UInt64 = 0x50_0010
let userFlags: UInt64 = PTE.present | PTE.user | PTE.accessed
let userRFLAGS: UInt64 = RFlags.reserved1 | RFlags.interruptEnable

/// Where user_exit resumes the kernel (traps.S KernelContext: rbx, rbp, r12-r15, rsp).
nonisolated(unsafe) var kernelContext: UnsafeMutableRawPointer? = nil
nonisolated(unsafe) var syscallFrame: TrapRecord? = nil
nonisolated(unsafe) var syscallRAX: UInt64 = 0
nonisolated(unsafe) var syscallRCX: UInt64 = 0
nonisolated(unsafe) var syscallR11: UInt64 = 0
nonisolated(unsafe) var userTrap: TrapRecord? = nil

func testMain() {
    let afterSyscallVA = userCodeVA + address(of: userAfterSyscall) - address(of: userCodePage)
    let faultVA = userCodeVA + address(of: userFault) - address(of: userCodePage)
    let kernelStackTop = Runtime.image.kernelStackTop

    guard buildUserAddressSpace() else { finish() }
    var rc = Events.register(type: CallbackType.syscall, address: Traps.entry(Callback.syscall))
    check(rc == 0, "callback_op(register, CALLBACKTYPE_syscall) returned %d", rc)
    rc = HYPERVISOR.stackSwitch(ss: Selector.kernelSS, sp: kernelStackTop)
    check(rc == 0, "stack_switch returned %d", rc)
    Traps.hook = onTrap

    printf("entering user mode at %x\n", userCodeVA)
    var frame = IretContext(rip: userCodeVA, cs: Selector.userCS, rflags: userRFLAGS,
                            rsp: userStackTop, ss: Selector.userSS)
    var context: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
    let how = withUnsafeMutableBytes(of: &frame) { f in
        withUnsafeMutableBytes(of: &context) { c in
            kernelContext = c.baseAddress!
            return userEnter(f.baseAddress!, c.baseAddress!)
        }
    }
    kernelContext = nil
    Traps.hook = nil
    Events.disable()
    printf("back in the kernel (%u)\n", how)

    if let s = syscallFrame {
        printf("syscall: rax %x, rcx %x, r11 %x, cs %x, rsp %x\n", syscallRAX, syscallRCX, syscallR11, s.cs, s.rsp)
        check(syscallRAX == 42, "syscall callback saw rax %x, expected 42", syscallRAX)
        check(syscallRCX == afterSyscallVA, "syscall callback saw rcx %x, expected the user RIP %x",
              syscallRCX, afterSyscallVA)
        check(s.rip == afterSyscallVA, "syscall frame RIP %x, expected %x", s.rip, afterSyscallVA)
        check(syscallR11 == userRFLAGS, "syscall callback saw r11 %x, expected the user RFLAGS %x",
              syscallR11, userRFLAGS)
        check(s.selector == Selector.userCS, "syscall frame CS %x, expected e033", s.selector)
        check(s.rflags == userRFLAGS, "syscall frame RFLAGS %x, expected %x", s.rflags, userRFLAGS)
        check(s.rsp == userStackTop, "syscall frame RSP %x, expected the user stack %x", s.rsp, userStackTop)
        check(s.ss == Selector.userSS, "syscall frame SS %x, expected e02b", s.ss)
        check(s.frameTop == kernelStackTop & ~15, "syscall frame at %x, expected at kernel_sp %x",
              s.frameTop, kernelStackTop)
        check(s.maskInHandler == 1, "upcall mask %u in the syscall callback, expected 1 (CALLBACKF_mask_events)",
              s.maskInHandler)
    } else {
        check(false, "the user syscall never reached the syscall callback")
    }

    if let t = userTrap {
        printf("user trap: vector %u, error %x, rip %x, cs %x, cr2 %x\n", t.vector, t.errorCode, t.rip, t.cs, t.cr2)
        check(t.vector == Vector.pageFault, "user mode ended with vector %u, expected 14 (#PF)", t.vector)
        check(t.errorCode & PFError.user != 0, "user #PF error code %x lacks the U bit", t.errorCode)
        check(t.errorCode & (PFError.present | PFError.write) == 0,
              "user #PF error code %x, expected a not-present read", t.errorCode)
        check(t.cr2 == userUnmappedVA, "user #PF cr2 %x, expected %x (the syscall's return value)",
              t.cr2, userUnmappedVA)
        check(t.rip == faultVA, "user #PF RIP %x, expected %x", t.rip, faultVA)
        check(t.selector == Selector.userCS, "user #PF CS %x, expected e033 (RPL 3 kept)", t.selector)
        check(t.rsp == userStackTop && t.ss == Selector.userSS, "user #PF RSP %x SS %x", t.rsp, t.ss)
        check(t.savedMask == 0, "user #PF saved upcall mask %u, expected 0 (user ran with IF set)", t.savedMask)
        check(t.frameTop == kernelStackTop & ~15, "user #PF frame at %x, expected at kernel_sp", t.frameTop)
    } else {
        check(false, "user mode did not end with a trap")
    }

    // Back on the kernel L4: the user mappings are not there.
    if let t = Traps.catching({ _ = probeRead(userCodeVA) }) {
        check(t.errorCode & PFError.user == 0, "kernel-mode #PF error code %x has the U bit", t.errorCode)
    } else {
        check(false, "the kernel page tables map the user code VA")
    }
}

/// User L4 -> L3 -> L2 -> L1 mapping the code page (read-only) and a stack page; all user, all
/// read-only in the kernel's view, the L4 pinned and installed as the user base pointer.
func buildUserAddressSpace() -> Bool {
    let l4 = Memory.allocatePage(), l3 = Memory.allocatePage(), l2 = Memory.allocatePage()
    let l1 = Memory.allocatePage(), stack = Memory.allocatePage()
    let codeMFN = Memory.mfn(ofVA: address(of: userCodePage))
    let tableFlags = userFlags | PTE.rw
    Volatile.store64(l1.va + PageTables.index(userCodeVA, level: 1) * 8, codeMFN << 12 | userFlags)
    Volatile.store64(l1.va + PageTables.index(userStackVA, level: 1) * 8,
                     stack.machineAddress | userFlags | PTE.rw | PTE.dirty)
    Volatile.store64(l2.va + PageTables.index(userCodeVA, level: 2) * 8, l1.machineAddress | tableFlags)
    Volatile.store64(l3.va + PageTables.index(userCodeVA, level: 3) * 8, l2.machineAddress | tableFlags)
    Volatile.store64(l4.va + PageTables.index(userCodeVA, level: 4) * 8, l3.machineAddress | tableFlags)
    guard check(Memory.setWritable(l1, false) == 0 && Memory.setWritable(l2, false) == 0
                && Memory.setWritable(l3, false) == 0 && Memory.setWritable(l4, false) == 0,
                "remapping the user page tables read-only failed") else { return false }
    var rc = Memory.mmuext(MMUExtOp.pinL4Table, l4.mfn)
    guard check(rc == 0, "MMUEXT_PIN_L4_TABLE of the user L4 returned %d", rc) else { return false }
    rc = Memory.mmuext(MMUExtOp.newUserBaseptr, l4.mfn)
    return check(rc == 0, "MMUEXT_NEW_USER_BASEPTR returned %d", rc)
}

/// Trap hook while user mode runs: answers the syscall, ends the run on any trap from user mode.
func onTrap(_ frame: UnsafeMutablePointer<TrapFrame>) -> Bool {
    let f = frame.pointee
    if f.vector == Callback.syscall {
        syscallFrame = TrapRecord(frame, mask: SharedInfo.upcallMask)
        syscallRAX = f.rax
        syscallRCX = f.rcx
        syscallR11 = f.r11
        frame.pointee.rax = userUnmappedVA   // returned to user mode, which dereferences it
        return true
    }
    if f.cs & 3 == 3, let context = kernelContext {
        userTrap = TrapRecord(frame, mask: SharedInfo.upcallMask)
        userExit(context, f.vector)   // does not return
    }
    return false
}
