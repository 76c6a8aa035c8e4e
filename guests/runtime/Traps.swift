// Traps.swift — the trap table, the Swift side of the entry stubs in traps.S, and probes: small
// assembly functions (instructions.S) that raise one exception with an exception-table fixup, so
// that a test can provoke a fault and inspect exactly what the hypervisor delivered.
// Facts: set_trap_table takes struct trap_info[] terminated by address 0 and merges entries
// (xen/arch/x86/pv/callback.c do_set_trap_table); flags bits 0-1 = DPL for `int n`, bit 2 = mask
// events (public/arch-x86/xen.h TI_GET_DPL/TI_GET_IF); bounce frame per
// xen/arch/x86/x86_64/entry.S create_bounce_frame; #PF address in vcpu_info.arch.cr2
// (public/arch-x86/xen.h struct arch_vcpu_info).

/// traps.S frame, lowest address first: the 15 GPRs pushed by trap_common, the pseudo-vector and
/// error code pushed by the stub, then the bounce frame written by the hypervisor (without the
/// RCX/R11 words, which the stub popped into the GPR slots).
struct TrapFrame {
    var r15: UInt64, r14: UInt64, r13: UInt64, r12: UInt64, r11: UInt64, r10: UInt64
    var r9: UInt64, r8: UInt64, rbp: UInt64, rdi: UInt64, rsi: UInt64, rdx: UInt64
    var rcx: UInt64, rbx: UInt64, rax: UInt64
    var vector: UInt64
    var errorCode: UInt64
    var rip: UInt64
    var cs: UInt64        // bits 0-15 selector, bits 32-39 saved evtchn_upcall_mask
    var rflags: UInt64
    var rsp: UInt64
    var ss: UInt64

    /// The address just above the SS word: where the hypervisor started the frame (16-aligned).
    static func frameTop(_ frame: UnsafeMutablePointer<TrapFrame>) -> UInt64 {
        va(UnsafeRawPointer(frame)) + UInt64(MemoryLayout<TrapFrame>.size)
    }
}

/// Pseudo-vectors of the callbacks (traps.S).
enum Callback {
    static let event: UInt64 = 0x100
    static let syscall: UInt64 = 0x101
    static let failsafe: UInt64 = 0x102
}

/// Probe identifiers, as in the exception table of instructions.S.
enum Probe: UInt64 {
    case none = 0, cpuid, read, write, divideError, int3, ud2, hlt, int80, int81
}

/// What a handled trap looked like.
struct TrapRecord {
    var vector: UInt64 = 0
    var errorCode: UInt64 = 0
    var rip: UInt64 = 0
    var cs: UInt64 = 0
    var rflags: UInt64 = 0
    var rsp: UInt64 = 0
    var ss: UInt64 = 0
    var frameTop: UInt64 = 0
    /// vcpu_info.arch.cr2 when the handler ran.
    var cr2: UInt64 = 0
    /// evtchn_upcall_mask when the handler ran.
    var maskInHandler: UInt8 = 0
    var probe = Probe.none
    /// True if RIP named the probe's instruction, false if it pointed past it.
    var ripAtInstruction = false

    var selector: UInt64 { cs & 0xffff }
    var savedMask: UInt64 { (cs >> 32) & 0xff }

    init() {}
    init(_ frame: UnsafeMutablePointer<TrapFrame>, mask: UInt8) {
        let f = frame.pointee
        vector = f.vector
        errorCode = f.errorCode
        rip = f.rip
        cs = f.cs
        rflags = f.rflags
        rsp = f.rsp
        ss = f.ss
        frameTop = TrapFrame.frameTop(frame)
        cr2 = SharedInfo.cr2
        maskInHandler = mask
    }
}

@_extern(c, "probe_read") func probeRead(_ address: UInt64) -> UInt64
@_extern(c, "probe_write") func probeWrite(_ address: UInt64, _ value: UInt64)
@_extern(c, "probe_divide_error") func probeDivideError()
@_extern(c, "probe_int3") func probeInt3()
@_extern(c, "probe_ud2") func probeUD2()
@_extern(c, "probe_hlt") func probeHlt()
@_extern(c, "probe_int80") func probeInt80()
@_extern(c, "probe_int81") func probeInt81()

enum Traps {
    /// A guest's own handler, consulted first; returns true if it handled the trap.
    nonisolated(unsafe) static var hook: ((UnsafeMutablePointer<TrapFrame>) -> Bool)? = nil
    /// Traps handled through the exception table, and the last one.
    nonisolated(unsafe) static var count = 0
    nonisolated(unsafe) static var last = TrapRecord()

    /// Trap-table flags: DPL for software `int n` in bits 0-1, bit 2 masks events on entry.
    static let maskEvents: UInt8 = 4

    /// The entry stub of `vector` (0-31, 0x80, 0x81) or callback pseudo-vector from traps.S.
    static func entry(_ vector: UInt64) -> UInt64 {
        let index: UInt64
        switch vector {
        case 0..<32: index = vector
        case 0x80: index = 32
        case 0x81: index = 33
        case Callback.event: index = 34
        case Callback.syscall: index = 35
        default: index = 36
        }
        return Volatile.load64(Runtime.image.trapEntryTable + index * 8)
    }

    /// Installs (merges) one trap-table entry.
    @discardableResult
    static func set(vector: UInt8, flags: UInt8) -> Int {
        var table = (TrapInfo(vector: vector, flags: flags, cs: UInt16(Selector.kernelCS),
                              address: entry(UInt64(vector))),
                     TrapInfo())
        return withUnsafeBytes(of: &table) { HYPERVISOR.setTrapTable($0.baseAddress!) }
    }

    /// Vectors 0-31, all masking events; #BP (3) and #OF (4) reachable from `int3`/`into`.
    static func installDefaultTable() {
        for v in 0..<32 {
            let dpl: UInt8 = (v == 3 || v == 4) ? 3 : 0
            let rc = set(vector: UInt8(v), flags: dpl | maskEvents)
            if rc != 0 {
                printf("ERROR: set_trap_table(vector %u) returned %d\n", v, rc)
                Test.record(.error)
            }
        }
    }

    /// Runs `body` and returns the trap it took through a probe's fixup, if any.
    static func catching(_ body: () -> Void) -> TrapRecord? {
        let before = count
        body()
        return count == before ? nil : last
    }

    /// Resumes at a probe's fixup if the trap hit one; records the trap.
    static func fixup(_ frame: UnsafeMutablePointer<TrapFrame>, mask: UInt8) -> Bool {
        let image = Runtime.image
        var entry = image.exTableStart
        while entry + 24 <= image.exTableEnd {
            let faultRIP = Volatile.load64(entry)
            let resumeRIP = Volatile.load64(entry + 8)
            let rip = frame.pointee.rip
            if rip == faultRIP || rip == resumeRIP {
                var record = TrapRecord(frame, mask: mask)
                record.probe = Probe(rawValue: Volatile.load64(entry + 16)) ?? .none
                record.ripAtInstruction = rip == faultRIP
                last = record
                count += 1
                frame.pointee.rip = resumeRIP
                return true
            }
            entry += 24
        }
        return false
    }

    static func unexpected(_ frame: UnsafeMutablePointer<TrapFrame>) -> Never {
        let f = frame.pointee
        printf("FAIL: unexpected trap: vector %x, error code %x, rip %x, cs %x\n",
               f.vector, f.errorCode, f.rip, f.cs)
        printf("FAIL:   rflags %x, rsp %x, ss %x, cr2 %x\n", f.rflags, f.rsp, f.ss, SharedInfo.cr2)
        Test.record(.failure)
        finish()
    }
}

/// Every entry stub of traps.S calls this with the frame it built.
@_cdecl("xenolith_trap")
func xenolithTrap(_ raw: UnsafeMutableRawPointer) {
    let mask = SharedInfo.upcallMask
    let frame = raw.bindMemory(to: TrapFrame.self, capacity: 1)
    switch frame.pointee.vector {
    case Callback.event:
        Events.upcall(frame, mask: mask)
        return
    case Callback.failsafe:
        testError("failsafe callback: the hypervisor could not return to the guest")
    default:
        break
    }
    if let hook = Traps.hook, hook(frame) { return }
    if Traps.fixup(frame, mask: mask) { return }
    Traps.unexpected(frame)
}
