// Fixed machine (KVM guest-physical) and virtual addresses of a Xenolith
// domain, each with its reason (firecracker src/vmm/src/arch/x86_64/layout.rs).
//
// Guest RAM is machine frames 0..<nr_pages (identity P2M by default,
// DESIGN.md decision 5). Everything the hypervisor owns lives in one region
// far above RAM, mapped for ring 0 at the start of Xen's reserved range
// (L4 slot 256; CPL3 cannot touch that slot on kvm-pvm hosts, which suits
// hypervisor-private data) and, for the read-only M2P, in slot 257 where the
// guest kernel can read it (docs/kvm-pvm-host.md).

import XenPV

public enum Layout {
    /// Machine address of the hypervisor region: 512 GiB, above any RAM size
    /// we accept, below the 48-bit physical limit.
    public static let xenBase: UInt64 = 0x80_0000_0000
    /// Virtual address of the hypervisor region (L4 slot 256, ring 0 only).
    public static let xenVirtBase: UInt64 = 0xFFFF_8000_0000_0000
    /// Virtual address of the read-only M2P (L4 slot 257, guest-readable).
    public static let m2pVirtBase: UInt64 = 0xFFFF_8080_0000_0000
    public static let m2pL4Slot = 257
    /// Virtual address of the shim's `syscall` page alias (L4 slot 258,
    /// read-only, user-readable): on kvm-pvm hosts a `syscall` from CPL3 only
    /// reaches a user-accessible LSTAR outside slot 256 (docs/kvm-pvm-findings.md).
    public static let syscallAliasVirtBase: UInt64 = ShimFrame.syscallPageAlias
    public static let syscallL4Slot = 258
    /// Virtual address of the shim's direct map of guest RAM (L4 slot 262,
    /// as Xen's, supervisor-only, 2 MiB pages): the shim replays page-table
    /// writes the host validated through it, at CPL0, so that KVM's shadow
    /// MMU sees them (docs/kvm-pvm-findings.md, ShadowCPL0WriteTests).
    public static let directMapVirtBase: UInt64 = 0xFFFF_8300_0000_0000
    public static let directMapL4Slot = 262
    public static let shimL4Slot = 256

    // Offsets inside the hypervisor region.
    /// shared_info: a hypervisor page the guest maps by MFN (public/xen.h).
    public static let sharedInfo: UInt64 = 0x0
    /// The IDT the host builds from the shim's vector table.
    public static let idt: UInt64 = 0x1000
    /// An all-zero page mapped read-only where a GDT frame is missing.
    public static let zeroPage: UInt64 = 0x2000
    /// Page tables of the hypervisor's own mappings (slots 256 and 257).
    public static let pageTables: UInt64 = 0x10000
    public static let pageTablesEnd: UInt64 = 0x100000
    /// The shim image, linked at xenVirtBase + shimImage (shim/shim.ld).
    public static let shimImage: UInt64 = 0x100000
    public static let shimImageEnd: UInt64 = 0x200000
    /// Per-vCPU areas: stack, per-CPU data, TSS, GDT.
    public static let vcpuAreas: UInt64 = 0x200000
    public static let vcpuAreaSize: UInt64 = 0x20000
    public static let maxVCPUs = 32
    /// Grant-table frames (GNTTABOP_setup_table).
    public static let grantFrames: UInt64 = 0x600000
    public static let maxGrantFrames = 32
    /// The M2P table (one u64 per machine frame of RAM).
    public static let m2p: UInt64 = 0x800000

    // Inside a vCPU area.
    public static let vcpuStackTop: UInt64 = 0x4000
    public static let vcpuPerCPU: UInt64 = 0x4000
    public static let vcpuTSS: UInt64 = 0x6000
    /// The shadow-sync queue the host fills and the shim applies on its
    /// way back to the guest (ShimSyncQueue in XenPV/ShimFrame.swift).
    public static let vcpuSyncQueue: UInt64 = 0x7000
    public static let vcpuGDT: UInt64 = 0x10000
    /// Xen reserves GDT page 14 (entries 0xe000>>3 ...) for itself.
    public static let gdtReservedPage = 14
    public static let gdtLimit: UInt16 = 0xe04f

    // Selectors in the reserved GDT page (Xen: xen/arch/x86/include/asm/desc.h).
    public static let hypervisorCS: UInt16 = 0xe008
    public static let hypervisorDS: UInt16 = 0xe010
    public static let flatRing3CS32: UInt16 = 0xe023
    public static let flatRing3DS: UInt16 = 0xe02b
    public static let flatRing3CS64: UInt16 = 0xe033
    public static let tssSelector: UInt16 = 0xe040

    /// Whether `rip` is shim code in slot 256 (not the slot-258 syscall
    /// page, which guest-mode entries pass through).
    public static func isHypervisorText(_ rip: UInt64) -> Bool {
        rip >= xenVirtBase && rip < xenVirtBase + (UInt64(1) << 39)
    }

    public static func vcpuArea(_ vcpu: Int) -> UInt64 { vcpuAreas + UInt64(vcpu) * vcpuAreaSize }

    /// Size of the hypervisor region for a domain with `ramPages` frames.
    public static func regionSize(ramPages: UInt64) -> UInt64 {
        m2p + ((ramPages * 8 + 0xfff) & ~0xfff)
    }
}
