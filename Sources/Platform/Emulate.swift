// Emulation of the privileged and forced-emulation instructions a PV guest
// kernel executes at CPL3 (xen/arch/x86/pv/emul-priv-op.c, emul-inv-op.c),
// and the PV CPUID policy (xen/arch/x86/cpuid.c, cpu-policy.c).
import CHostSys
import XenABI
import XenPV

extension Domain {
    static let xenMajor: UInt32 = 4, xenMinor: UInt32 = 17

    func registers(_ f: Frame) -> RegisterFile {
        var r = RegisterFile()
        for i in 0..<16 { r[i] = f[register: i] }
        r.rip = f.rip
        r.rflags = f.rflags
        return r
    }

    func portNumber(_ port: PrivilegedInstruction.Port, _ f: Frame) -> UInt16 {
        switch port {
        case .immediate(let p): return UInt16(p)
        case .dx: return UInt16(truncatingIfNeeded: f[register: 2])
        }
    }

    func bytes(_ raw: [UInt8]) -> InstructionBytes {
        InstructionBytes(count: raw.count) { raw[$0] }
    }

    /// #GP from the guest: emulate what Xen emulates; anything else is
    /// bounced to the guest as the #GP it was.
    func emulatePrivileged(_ v: PVVCPU, _ f: Frame) -> Emulation {
        func bounceException(_ v: PVVCPU, _ f: Frame, vector: Int, errorCode: UInt64?) -> Emulation {
            .handled(self.bounceException(v, f, vector: vector, errorCode: errorCode))
        }
        func softwareInterrupt(_ v: PVVCPU, _ f: Frame, _ n: Int, length: Int) -> Emulation {
            .handled(self.softwareInterrupt(v, f, n, length: length))
        }
        let raw = fetch(v, f.rip)
        guard let (insn, len) = PrivilegedInstruction.decode(bytes(raw)) else { return bounceException(v, f, vector: 13, errorCode: f.errorCode) }
        let next = f.rip &+ UInt64(len)
        // `int n` through a gate: every shim gate is DPL0, so `int n` arrives
        // here as #GP(n*8+2) (or as #UD, see emulateInvalidOp).
        switch insn {
        case .int(let n) where f.errorCode == UInt64(n) * 8 + 2: return softwareInterrupt(v, f, Int(n), length: len)
        case .int3 where f.errorCode == 3 * 8 + 2: return softwareInterrupt(v, f, 3, length: len)
        case .into where f.errorCode == 4 * 8 + 2: return softwareInterrupt(v, f, 4, length: len)
        case .int, .int3, .into: return bounceException(v, f, vector: 13, errorCode: f.errorCode)
        default: break
        }
        guard v.kernelMode else { return bounceException(v, f, vector: 13, errorCode: f.errorCode) }
        switch insn {
        case .wrmsr:
            let msr = UInt32(truncatingIfNeeded: f[register: 1])
            let value = (f[register: 2] << 32) | (f[register: 0] & 0xffff_ffff)
            guard writeMSR(v, msr, value) else { return bounceException(v, f, vector: 13, errorCode: 0) }
        case .rdmsr:
            let msr = UInt32(truncatingIfNeeded: f[register: 1])
            guard let value = readMSR(v, msr) else { return bounceException(v, f, vector: 13, errorCode: 0) }
            f[register: 0] = value & 0xffff_ffff
            f[register: 2] = value >> 32
        case .movFromCR(let cr, let gpr):
            switch cr {
            case 0: f[register: gpr] = 0x8005_0033 | (v.virtualTS ? 8 : 0)
            case 2: f[register: gpr] = (try? memory.load(UInt64.self, at: v.vcpuInfoAddress + 16)) ?? 0
            case 3: f[register: gpr] = v.currentTable
            case 4: f[register: gpr] = v.guestCR4 | 0x620 // PAE, OSFXSR, OSXMMEXCPT
            default: return bounceException(v, f, vector: 13, errorCode: 0)
            }
        case .movToCR(let cr, let gpr):
            switch cr {
            case 0: v.virtualTS = f[register: gpr] & 8 != 0
            case 4: v.guestCR4 = f[register: gpr] & ((1 << 2) | (1 << 3)) // TSD, DE
            default: return bounceException(v, f, vector: 13, errorCode: 0)
            }
        case .clts: v.virtualTS = false
        case .wbinvd, .invd: break
        case .cli, .sti:
            guard v.iopl >= 1 else { return bounceException(v, f, vector: 13, errorCode: f.errorCode) }
        case .portIn(let size, let port):
            guard v.iopl >= 1 else { return bounceException(v, f, vector: 13, errorCode: f.errorCode) }
            // A domU owns no ports: reads return all-ones, except the PIT's
            // channel 2 (emul-priv-op.c guest_io_read, byte by byte).
            let base = portNumber(port, f)
            var value: UInt64 = 0
            for i in 0..<size {
                let byte = pit.read(port: base &+ UInt16(i)) ?? 0xff
                value |= UInt64(byte) << (8 * UInt64(i))
            }
            let mask: UInt64 = size == 1 ? 0xff : size == 2 ? 0xffff : 0xffff_ffff
            let keep: UInt64 = size == 4 ? 0 : ~mask
            f[register: 0] = (f[register: 0] & keep) | value
        case .portOut(let size, let port):
            guard v.iopl >= 1 else { return bounceException(v, f, vector: 13, errorCode: f.errorCode) }
            let base = portNumber(port, f)
            let value = f[register: 0]
            for i in 0..<size {
                _ = pit.write(port: base &+ UInt16(i), value: UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))))
            }
        case .cpuid:
            emulateCPUID(f)
        default:
            return bounceException(v, f, vector: 13, errorCode: f.errorCode)
        }
        if trace.contains("traps") { logger.info("emulated \(insn.mnemonic) vcpu\(v.id) at 0x\(String(f.rip, radix: 16))") }
        f.rip = next
        return .emulated
    }

    /// #UD: the forced-emulation prefix `ud2; "xen"; cpuid` (emul-inv-op.c).
    /// Delivers software interrupt `n` (the `int n` of `length` bytes at
    /// f.rip) if the guest's trap entry allows it, else #GP(n*8+2) at the
    /// instruction. Xen: permit_softint (xen/arch/x86/traps.c).
    func softwareInterrupt(_ v: PVVCPU, _ f: Frame, _ n: Int, length: Int) -> EntryOutcome {
        let dpl = Int(v.trapTable[n].flags & 3)
        guard dpl >= (v.kernelMode ? 1 : 3), v.trapTable[n].address != 0 else {
            return bounceException(v, f, vector: 13, errorCode: UInt64(n * 8 + 2))
        }
        f.rip &+= UInt64(length)
        return bounceException(v, f, vector: n, errorCode: nil)
    }

    /// What the emulation of a faulting instruction did.
    enum Emulation {
        /// Emulated; the guest continues after it (events are checked).
        case emulated
        /// Handled with this outcome (a bounce, or the end of the domain).
        case handled(EntryOutcome)
        /// Not ours to emulate: bounce the exception as it came.
        case notEmulated
    }

    /// #UD from the guest: forced-emulation CPUID, and `int n` (on kvm-pvm
    /// hosts a software interrupt from CPL3 through a DPL0 gate arrives as
    /// #UD at the instruction, docs/kvm-pvm-findings.md).
    func emulateInvalidOp(_ v: PVVCPU, _ f: Frame) -> Emulation {
        let raw = fetch(v, f.rip)
        if let len = PrivilegedInstruction.decodeForcedEmulation(bytes(raw)) {
            emulateCPUID(f)
            f.rip &+= UInt64(len)
            return .emulated
        }
        if let (insn, len) = PrivilegedInstruction.decode(bytes(raw)) {
            switch insn {
            case .int(let n): return .handled(softwareInterrupt(v, f, Int(n), length: len))
            case .into: return .handled(softwareInterrupt(v, f, 4, length: len))
            default: break
            }
        }
        return .notEmulated
    }

    func emulateCPUID(_ f: Frame) {
        let (a, b, c, d) = cpuid(leaf: UInt32(truncatingIfNeeded: f[register: 0]), subleaf: UInt32(truncatingIfNeeded: f[register: 1]))
        f[register: 0] = UInt64(a); f[register: 3] = UInt64(b); f[register: 1] = UInt64(c); f[register: 2] = UInt64(d)
    }

    /// The PV CPUID policy: the host's leaves with what Xen hides from PV
    /// guests removed, and Xen's hypervisor leaves (docs/pv-abi-notes.md §4.3).
    public func cpuid(leaf: UInt32, subleaf: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        if leaf >= 0x4000_0000 && leaf < 0x4001_0000 {
            switch leaf {
            case 0x4000_0000: return (0x4000_0005, 0x566e_6558, 0x6558_4d4d, 0x4d4d_566e) // "XenVMMXenVMM"
            case 0x4000_0001: return (Self.xenMajor << 16 | Self.xenMinor, 0, 0, 0)
            case 0x4000_0002: return (1, 0x4000_0000, 1, 0) // 1 hypercall page, MSR base, PRESERVE_AD
            case 0x4000_0005: return (0, 40, 0, 0)           // machine address width ≤ 44: grant v1
            default: return (0, 0, 0, 0)
            }
        }
        var r: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &r) { p in
            chostsys_cpuid(leaf, subleaf, p.baseAddress!.assumingMemoryBound(to: UInt32.self))
        }
        var (a, b, c, d) = r
        switch leaf {
        case 1:
            // ECX: hide MONITOR 3, DS-CPL 4, VMX 5, SMX 6, EIST 7, TM2 8, xTPR 14, PDCM 15,
            // PCID 17, DCA 18, X2APIC 21, TSC_DEADLINE 24, XSAVE 26, OSXSAVE 27, AVX 28; set HYPERVISOR 31.
            c &= ~UInt32(0x1d26c1f8)
            c |= 1 << 31
            // EDX: hide VME 1, PSE 3, MCE 7, MTRR 12, PGE 13, MCA 14, PSE36 17, DS 21, ACPI 22, TM 29, PBE 31.
            d &= ~UInt32(0xa062708a)
        case 7 where subleaf == 0:
            // EBX: keep BMI1 3, BMI2 8, ERMS 9, ADX 19, SMAP? no, CLFLUSHOPT 23, SHA 29; hide the rest.
            b &= UInt32(0x20880308)
            c = 0
            d = 0
        case 7: (a, b, c, d) = (0, 0, 0, 0)
        case 0xd: (a, b, c, d) = (0, 0, 0, 0) // no XSAVE (hidden in leaf 1)
        case 0x8000_0001:
            // EDX: hide PAGE1GB 26, RDTSCP 27; ECX: hide SVM 2, EXTAPIC 3, OSVW 9, IBS 10, SKINIT 12, WDT 13, LWP 15, TOPOEXT 22, MONITORX 29.
            d &= ~UInt32(0xc000000)
            c &= ~UInt32(0x2040b60c)
        case 5, 6, 0xa, 0xb, 0x1f: (a, b, c, d) = (0, 0, 0, 0)
        default: break
        }
        return (a, b, c, d)
    }

    func writeMSR(_ v: PVVCPU, _ msr: UInt32, _ value: UInt64) -> Bool {
        switch msr {
        case 0xc000_0100: v.fsBase = value; v.dirty.insert(.fsBase)
        case 0xc000_0101: v.gsBaseKernel = value; if v.kernelMode { v.dirty.insert(.gsBase) }
        case 0xc000_0102: v.gsBaseUser = value; if !v.kernelMode { v.dirty.insert(.gsBase) }
        case 0x8b: guard value == 0 else { return false }
        default:
            logOnce("wrmsr-\(msr)", "guest wrmsr 0x\(String(msr, radix: 16)) refused (#GP)")
            return false
        }
        return true
    }

    func readMSR(_ v: PVVCPU, _ msr: UInt32) -> UInt64? {
        switch msr {
        case 0xc000_0100: return v.fsBase
        case 0xc000_0101: return v.activeGSBase
        case 0xc000_0102: return v.kernelMode ? v.gsBaseUser : v.gsBaseKernel
        case 0xc000_0080: return 0xd01 // SCE, LME, LMA, NXE
        case 0x277: return 0x0000_0501_0007_0406 // XEN_MSR_PAT
        case 0x1b: return 0xfee0_0900 | (v.id == 0 ? 0x100 : 0)
        case 0x8b, 0x17, 0x345: return 0
        case 0x10: return SystemClock.rdtsc()
        default:
            // Before the guest has a #GP handler Xen fakes unknown reads as 0.
            if v.trapTable[13].address == 0 { return 0 }
            logOnce("rdmsr-\(msr)", "guest rdmsr 0x\(String(msr, radix: 16)) refused (#GP)")
            return nil
        }
    }
}
