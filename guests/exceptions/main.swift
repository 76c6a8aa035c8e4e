// exceptions — exception and software-interrupt delivery to a guest in kernel mode: #DE, #BP
// (int3 through a DPL 3 entry), #UD, #GP from hlt, #PF (not present read/write, write to a
// read-only page), `int $0x80` through a DPL 3 entry that leaves events unmasked, and `int $0x81`
// through a DPL 0 entry (#GP, error code 0x81 * 8 + 2). For each: vector, error code, saved RIP,
// CS with RPL cleared and the saved upcall mask in bits 32-39, RFLAGS.IF = !saved mask,
// RSP/SS of the interrupted context, the frame 16-byte aligned just below the old RSP, the event
// mask inside the handler, and the mask restored by the iret hypercall.
// Facts: xen/arch/x86/x86_64/entry.S (create_bounce_frame), xen/arch/x86/traps.c (#GP for a
// software interrupt whose trap_info DPL is below the caller's ring, error code vector*8+2),
// xen/arch/x86/pv/iret.c (evtchn_upcall_mask = !RFLAGS.IF), public/arch-x86/xen.h (trap_info
// flags, arch_vcpu_info.cr2).

let testName: StaticString = "exceptions"

/// No L1 table covers this VA: L2 slot 504 of the kernel L2 (the initial mapping is far smaller).
let unmappedVA: UInt64 = Layout.virtBase + 504 << 21

struct Expectation {
    var vector: UInt64
    var errorCode: UInt64 = 0
    var probe: Probe
    /// Faults report the instruction's address, traps (int3, int n) the address after it.
    var ripAtInstruction: Bool
    var maskInHandler: UInt8 = 1
    var cr2: UInt64? = nil
}

func testMain() {
    check(Traps.set(vector: 0x80, flags: 3) == 0, "set_trap_table(0x80, DPL 3, events left unmasked) failed")
    check(Traps.set(vector: 0x81, flags: 0 | Traps.maskEvents) == 0, "set_trap_table(0x81, DPL 0) failed")
    guard PageTables.entry(for: unmappedVA, level: 2).map({ $0.value & PTE.present == 0 }) ?? false else {
        testError("the VA chosen as unmapped is mapped")
    }
    let readOnly = Memory.allocatePage()
    check(Memory.setWritable(readOnly, false) == 0, "could not map a page read-only")

    // Events unmasked: the frame must carry saved mask 0 and RFLAGS.IF = 1.
    Events.enable()
    run("#DE divide error", Expectation(vector: Vector.divideError, probe: .divideError, ripAtInstruction: true)) {
        probeDivideError()
    }
    run("#BP int3", Expectation(vector: Vector.breakpoint, probe: .int3, ripAtInstruction: false)) {
        probeInt3()
    }
    run("#UD ud2", Expectation(vector: Vector.invalidOpcode, probe: .ud2, ripAtInstruction: true)) {
        probeUD2()
    }
    run("#GP(0) hlt", Expectation(vector: Vector.generalProtection, probe: .hlt, ripAtInstruction: true)) {
        probeHlt()
    }
    run("#PF read, not present",
        Expectation(vector: Vector.pageFault, errorCode: 0, probe: .read, ripAtInstruction: true, cr2: unmappedVA + 0x18)) {
        _ = probeRead(unmappedVA + 0x18)
    }
    run("#PF write, not present",
        Expectation(vector: Vector.pageFault, errorCode: PFError.write, probe: .write, ripAtInstruction: true,
                    cr2: unmappedVA + 0x20)) {
        probeWrite(unmappedVA + 0x20, 1)
    }
    run("#PF write, read-only",
        Expectation(vector: Vector.pageFault, errorCode: PFError.present | PFError.write, probe: .write,
                    ripAtInstruction: true, cr2: readOnly.va + 8)) {
        probeWrite(readOnly.va + 8, 1)
    }
    run("int $0x80 (DPL 3, events not masked)",
        Expectation(vector: 0x80, probe: .int80, ripAtInstruction: false, maskInHandler: 0)) {
        probeInt80()
    }
    run("int $0x81 (DPL 0) -> #GP",
        Expectation(vector: Vector.generalProtection, errorCode: 0x81 * 8 + 2, probe: .int81, ripAtInstruction: true)) {
        probeInt81()
    }

    // Privileged instructions the hypervisor emulates (no bounce): execution continues after them.
    let gsBase = msrWriteRead(0xc000_0101, 0xffff_ffff_8304_4000)
    printf("wrmsr/rdmsr GS_BASE emulated: read back %x\n", gsBase)
    check(gsBase == 0xffff_ffff_8304_4000, "GS_BASE read back %x after wrmsr", gsBase)
    _ = msrWriteRead(0xc000_0101, 0)

    // Events masked: saved mask 1, RFLAGS.IF = 0, and the mask stays set after iret.
    Events.disable()
    run("#BP int3 with events masked", Expectation(vector: Vector.breakpoint, probe: .int3, ripAtInstruction: false)) {
        probeInt3()
    }
    run("#UD ud2 with events masked", Expectation(vector: Vector.invalidOpcode, probe: .ud2, ripAtInstruction: true)) {
        probeUD2()
    }
}

/// Runs `body`, which must take exactly the trap described by `want`, and checks the frame.
func run(_ name: StaticString, _ want: Expectation, _ body: () -> Void) {
    let maskBefore = SharedInfo.upcallMask
    var stackMarker: UInt64 = 0
    let rspBefore = withUnsafeMutablePointer(to: &stackMarker) { va($0) }
    guard let t = Traps.catching(body) else {
        check(false, "%s: no exception delivered", cstr(name))
        return
    }
    printf("%s: vector %x, error %x, rip %x, cs %x\n", cstr(name), t.vector, t.errorCode, t.rip, t.cs)
    check(t.probe == want.probe, "%s: trap hit probe %u", cstr(name), t.probe.rawValue)
    check(t.vector == want.vector, "%s: vector %x, expected %x", cstr(name), t.vector, want.vector)
    check(t.errorCode == want.errorCode, "%s: error code %x, expected %x", cstr(name), t.errorCode, want.errorCode)
    check(t.ripAtInstruction == want.ripAtInstruction,
          "%s: saved RIP %x points %s the instruction", cstr(name), t.rip,
          t.ripAtInstruction ? cstr("at") : cstr("past"))
    check(t.selector == Selector.kernelCS & ~3, "%s: saved CS %x, expected e030 (RPL cleared: kernel mode)",
          cstr(name), t.selector)
    check(t.savedMask == UInt64(maskBefore), "%s: saved upcall mask %u in CS bits 32-39, expected %u",
          cstr(name), t.savedMask, maskBefore)
    check((t.rflags & RFlags.interruptEnable != 0) == (maskBefore == 0),
          "%s: saved RFLAGS %x, IF must be the inverse of the upcall mask %u", cstr(name), t.rflags, maskBefore)
    check(t.rflags & RFlags.reserved1 != 0, "%s: saved RFLAGS %x lacks bit 1", cstr(name), t.rflags)
    check(t.ss == Selector.kernelSS, "%s: saved SS %x, expected e02b", cstr(name), t.ss)
    // The probe ran a few frames below `stackMarker`; the frame sits just below its RSP.
    check(t.rsp < rspBefore && rspBefore - t.rsp < 2048, "%s: saved RSP %x not near the probe's stack (%x)",
          cstr(name), t.rsp, rspBefore)
    check(t.frameTop == t.rsp & ~15, "%s: frame ends at %x, expected the saved RSP %x aligned down to 16",
          cstr(name), t.frameTop, t.rsp)
    check(t.maskInHandler == want.maskInHandler, "%s: upcall mask %u inside the handler, expected %u",
          cstr(name), t.maskInHandler, want.maskInHandler)
    if let cr2 = want.cr2 {
        check(t.cr2 == cr2, "%s: vcpu_info cr2 %x, expected %x", cstr(name), t.cr2, cr2)
    }
    check(SharedInfo.upcallMask == maskBefore, "%s: upcall mask %u after iret, expected %u",
          cstr(name), SharedInfo.upcallMask, maskBefore)
}
