// Segment-register values for KVM_SET_SREGS in 64-bit long mode.
import CKVM

extension kvm_segment {
    /// A 64-bit code segment (L=1) with the given selector and DPL.
    public static func code64(selector: UInt16, dpl: UInt8) -> kvm_segment {
        var s = kvm_segment()
        s.base = 0; s.limit = 0xffff_ffff; s.selector = selector
        s.type = 0xb; s.present = 1; s.dpl = dpl; s.db = 0; s.s = 1; s.l = 1; s.g = 1
        return s
    }

    /// A flat writable data segment with the given selector and DPL.
    public static func data(selector: UInt16, dpl: UInt8) -> kvm_segment {
        var s = kvm_segment()
        s.base = 0; s.limit = 0xffff_ffff; s.selector = selector
        s.type = 0x3; s.present = 1; s.dpl = dpl; s.db = 1; s.s = 1; s.l = 0; s.g = 1
        return s
    }

    /// The null selector as loaded in 64-bit mode (unusable).
    public static var null: kvm_segment {
        var s = kvm_segment()
        s.unusable = 1
        return s
    }

    /// A busy 64-bit TSS.
    public static func tss(selector: UInt16, base: UInt64, limit: UInt32) -> kvm_segment {
        var s = kvm_segment()
        s.base = base; s.limit = limit; s.selector = selector
        s.type = 0xb; s.present = 1; s.dpl = 0; s.s = 0
        return s
    }
}

/// Control-register and EFER bits used to set up long mode.
public enum X86 {
    public static let cr0PE: UInt64 = 1 << 0
    public static let cr0MP: UInt64 = 1 << 1
    public static let cr0ET: UInt64 = 1 << 4
    public static let cr0NE: UInt64 = 1 << 5
    public static let cr0WP: UInt64 = 1 << 16
    public static let cr0AM: UInt64 = 1 << 18
    public static let cr0PG: UInt64 = 1 << 31
    public static let cr4PAE: UInt64 = 1 << 5
    public static let cr4PGE: UInt64 = 1 << 7
    public static let cr4OSFXSR: UInt64 = 1 << 9
    public static let cr4OSXMMEXCPT: UInt64 = 1 << 10
    public static let cr4OSXSAVE: UInt64 = 1 << 18
    public static let eferSCE: UInt64 = 1 << 0
    public static let eferLME: UInt64 = 1 << 8
    public static let eferLMA: UInt64 = 1 << 10
    public static let eferNXE: UInt64 = 1 << 11

    public static let msrEFER: UInt32 = 0xc000_0080
    public static let msrSTAR: UInt32 = 0xc000_0081
    public static let msrLSTAR: UInt32 = 0xc000_0082
    public static let msrCSTAR: UInt32 = 0xc000_0083
    public static let msrSFMASK: UInt32 = 0xc000_0084
    public static let msrFSBase: UInt32 = 0xc000_0100
    public static let msrGSBase: UInt32 = 0xc000_0101
    public static let msrKernelGSBase: UInt32 = 0xc000_0102
    public static let msrTSCAux: UInt32 = 0xc000_0103
    public static let msrPAT: UInt32 = 0x277
    public static let msrTSC: UInt32 = 0x10

    public static let rflagsIF: UInt64 = 1 << 9
    public static let rflagsReserved1: UInt64 = 1 << 1
}
