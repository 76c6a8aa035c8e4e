// Hypercall dispatch (xen/include/hypercall-defs.c, xen/arch/x86/pv/hypercall.c)
// and the trap paths of a PV vCPU (pv/traps.c, x86_64/entry.S, pv/iret.c).
// Every hypercall is handled here, after an exit from the shim, for now;
// the shim column says which move into the shim (issue #6).
import Foundation
import GuestMemory
import XenABI
import XenPV

extension Domain {
    /// Handles one shim entry of `v` with its frame; returns what to do next.
    public func handleEntry(_ v: PVVCPU, _ f: Frame, cr2: UInt64) -> EntryOutcome {
        let outcome = dispatchEntry(v, f, cr2: cr2)
        // RFLAGS.RF, which a fault's frame carries, is cleared on the way
        // back (as an instruction that completes clears it): an `iretq` to
        // CPL3 with RF set is a #GP on kvm-pvm hosts.
        let rflags = f.rflags
        if rflags & (1 << 16) != 0 { f.rflags = rflags & ~(1 << 16) }
        return outcome
    }

    func dispatchEntry(_ v: PVVCPU, _ f: Frame, cr2: UInt64) -> EntryOutcome {
        let vector = f.vector
        if vector != 14 { v.lastSpuriousFault = nil }
        if vector == ShimFrame.vectorSyscall || vector == ShimFrame.vectorSyscall32 {
            if v.kernelMode {
                let outcome = hypercall(v, f)
                if case .shutdown = outcome { return outcome }
            } else {
                let cb = vector == ShimFrame.vectorSyscall ? v.syscallCallback : v.syscall32Callback
                guard cb.address != 0 else { return bounceException(v, f, vector: 6, errorCode: nil) }
                if let o = bounce(v, f, to: cb.address, errorCode: nil, maskEvents: cb.maskEvents, clearDF: true) { return o }
            }
        } else if vector == ShimFrame.vectorEventCheck {
            // Nothing to do: the event check below delivers.
        } else if vector < 32 {
            if let o = handleException(v, f, vector: Int(vector), cr2: cr2) { return o }
        } else {
            logOnce("vector-\(vector)", "unexpected interrupt vector \(vector)")
        }
        if let r = shutdownRequest { return .shutdown(r) }
        return deliverEvents(v, f)
    }

    /// Bounces an event upcall if one is deliverable (test_guest_events).
    public func deliverEvents(_ v: PVVCPU, _ f: Frame) -> EntryOutcome {
        guard eventDeliverable(v), v.eventCallback.address != 0 else { return .resume }
        if trace.contains("traps") { logger.info("upcall vcpu\(v.id) -> 0x\(String(v.eventCallback.address, radix: 16))") }
        return bounce(v, f, to: v.eventCallback.address, errorCode: nil, maskEvents: true) ?? .resume
    }

    // MARK: Bounce frames (x86_64/entry.S create_bounce_frame)

    /// Builds Xen's bounce frame on the guest kernel stack and enters `handler`.
    func bounce(_ v: PVVCPU, _ f: Frame, to handler: UInt64, errorCode: UInt64?, maskEvents: Bool,
                clearDF: Bool = false) -> EntryOutcome? {
        var cs = f.cs
        var base: UInt64
        if v.kernelMode {
            base = f.rsp
            cs &= ~3  // RPL cleared: how Linux's user_mode() sees a kernel frame
        } else {
            toggleGuestMode(v, toKernel: true)
            base = v.kernelSP
        }
        base &= ~0xf
        let mask = (try? memory.load(UInt8.self, at: v.vcpuInfoAddress + 1)) ?? 1
        var flags = f.rflags & ~(1 << 9) & ~(3 << 12)
        if mask == 0 { flags |= 1 << 9 }
        var words: [UInt64] = [f[ShimFrame.rcx], f[ShimFrame.r11]]
        if let e = errorCode { words.append(e) }
        words += [f.rip, (cs & 0xffff) | UInt64(mask) << 32, flags, f.rsp, f.ss]
        let newRSP = base &- UInt64(words.count * 8)
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        var bytes: [UInt8] = []
        for w in words { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w >> (8 * UInt64(i)))) } }
        guard GuestAddressSpace.isGuestAddress(newRSP), (try? space.write(bytes, at: newRSP)) != nil else {
            return crash("cannot write a bounce frame at 0x\(String(newRSP, radix: 16)) (kernel stack not mapped; "
                         + "entry vector 0x\(String(f.vector, radix: 16)) at rip 0x\(String(f.rip, radix: 16)) cs 0x\(String(f.cs, radix: 16)))")
        }
        if maskEvents { try? memory.store(UInt8(1), at: v.vcpuInfoAddress + 1) }
        f.rsp = newRSP
        f.rip = handler
        f.cs = UInt64(0xe033)
        f.ss = UInt64(0xe02b)
        var nf = (f.rflags & ~((1 << 8) | (1 << 14) | (1 << 16) | (1 << 17) | (1 << 18))) | (1 << 9)
        nf &= ~(3 << 12)
        if clearDF { nf &= ~(1 << 10) }
        f.rflags = nf
        return nil
    }

    func bounceException(_ v: PVVCPU, _ f: Frame, vector: Int, errorCode: UInt64?) -> EntryOutcome {
        let t = v.trapTable[vector]
        if trace.contains("traps") {
            logger.info("trap vcpu\(v.id) vector \(vector) err \(errorCode.map { String($0, radix: 16) } ?? "-") rip 0x\(String(f.rip, radix: 16)) cs 0x\(String(f.cs, radix: 16)) rsp 0x\(String(f.rsp, radix: 16))")
        }
        guard t.address != 0 else {
            logger.error("vcpu\(v.id) state at the unhandled exception:\n\(describe(v, f, errorCode: errorCode))")
            return crash("unhandled exception \(vector) at rip 0x\(String(f.rip, radix: 16)) (no trap handler)")
        }
        return bounce(v, f, to: t.address, errorCode: errorCode, maskEvents: t.flags & 4 != 0) ?? deliverEvents(v, f)
    }

    /// Every register of the frame, the guest mode and the instruction bytes
    /// at RIP, for diagnostics.
    public func describe(_ v: PVVCPU, _ f: Frame, errorCode: UInt64? = nil) -> String {
        func hex(_ x: UInt64) -> String { let s = String(x, radix: 16); return String(repeating: "0", count: max(0, 16 - s.count)) + s }
        let names = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
        var lines: [String] = []
        for row in stride(from: 0, to: 16, by: 4) {
            lines.append((row..<row + 4).map { "\(names[$0].padding(toLength: 3, withPad: " ", startingAt: 0)) \(hex($0 == 4 ? f.rsp : f[register: $0]))" }.joined(separator: "  "))
        }
        if let name = symbolize?(f.rip) { lines.append("rip is \(name)") }
        lines.append("rip \(hex(f.rip))  cs \(String(f.cs, radix: 16))  ss \(String(f.ss, radix: 16))  rflags \(hex(f.rflags))  "
                     + "vector \(f.vector) error \(errorCode.map { String($0, radix: 16) } ?? "-")")
        lines.append("mode \(v.kernelMode ? "kernel" : "user")  cr3 \(hex(v.currentTable))  cr2 \(hex((try? memory.load(UInt64.self, at: v.vcpuInfoAddress + 16)) ?? 0))  "
                     + "fs_base \(hex(v.fsBase))  gs_base \(hex(v.activeGSBase))")
        let bytes = fetch(v, f.rip)
        lines.append("code at rip: " + (bytes.isEmpty ? "(unmapped)" : bytes.map { String(format: "%02x", $0) }.joined(separator: " ")))
        return lines.joined(separator: "\n")
    }

    /// Switches between virtual kernel and user mode (pv/domain.c toggle_guest_mode).
    func toggleGuestMode(_ v: PVVCPU, toKernel: Bool) {
        guard v.kernelMode != toKernel else { return }
        v.kernelMode = toKernel
        v.dirty.formUnion([.cr3, .gsBase])
    }

    static let errorCodeVectors: Set<Int> = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30]

    func handleException(_ v: PVVCPU, _ f: Frame, vector: Int, cr2: UInt64) -> EntryOutcome? {
        var err: UInt64? = Self.errorCodeVectors.contains(vector) ? f.errorCode : nil
        switch vector {
        case 13, 6:
            switch vector == 13 ? emulatePrivileged(v, f) : emulateInvalidOp(v, f) {
            case .emulated: return nil
            case .handled(let o): return o
            case .notEmulated: break
            }
        case 14:
            if v.kernelMode, let mmu = mmuHook, mmu.emulatePTWrite(self, v, f, cr2: cr2) { return nil }
            if handleSpuriousPageFault(v, f, cr2: cr2) { return nil }
            try? memory.store(cr2, at: v.vcpuInfoAddress + 16)
            // U/S reflects the virtual mode: the kernel runs at CPL3 too.
            if var e = err { e = v.kernelMode ? e & ~4 : e | 4; err = e }
        default: break
        }
        return bounceException(v, f, vector: vector, errorCode: err)
    }

    /// A #PF the guest's own page tables do not explain (the host's walk
    /// allows the access) comes from a stale KVM shadow page: flush the
    /// shadows and retry the instruction instead of bouncing the fault.
    /// The same address twice in a row is bounced after all, so a
    /// disagreement we do not understand cannot loop.
    func handleSpuriousPageFault(_ v: PVVCPU, _ f: Frame, cr2: UInt64) -> Bool {
        let write = f.errorCode & 2 != 0, fetch = f.errorCode & 0x10 != 0
        guard f.errorCode & 8 == 0, let mmu = mmuHook, GuestAddressSpace.isGuestAddress(cr2) else { return false }
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        guard (try? space.translate(cr2, write: write)) != nil else { return false }
        if fetch {
            // Instruction fetch: no level may be NX.
            var table = v.currentTable & PageTableEntry.addressMask
            for level in stride(from: 4, through: 1, by: -1) {
                guard let e = try? memory.load(UInt64.self, at: table + UInt64(PageTableEntry.index(cr2, level: level)) * 8),
                      e & PageTableEntry.nx == 0 else { return false }
                table = e & PageTableEntry.addressMask
            }
        }
        if v.lastSpuriousFault == cr2 {
            v.lastSpuriousFault = nil
            logOnce("spurious-pf", "a #PF at 0x\(String(cr2, radix: 16)) persists after a shadow flush; bouncing it to the guest")
            return false
        }
        v.lastSpuriousFault = cr2
        mmu.needsShadowFlush = true
        return true
    }

    /// Fetches up to 15 instruction bytes at the guest RIP.
    func fetch(_ v: PVVCPU, _ rip: UInt64) -> [UInt8] {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        var bytes: [UInt8] = []
        for i in 0..<15 {
            guard let b = try? space.load(UInt8.self, at: rip &+ UInt64(i)) else { break }
            bytes.append(b)
        }
        return bytes
    }
}
