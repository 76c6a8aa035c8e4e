// The PV domain builder: lays out a domain exactly as Xen's toolstack does
// (xen tools/libs/guest/xg_dom_core.c xc_dom_build_image, xg_dom_x86.c
// alloc_magic_pages_pv, alloc_pgtables_pv, setup_pgtables_pv,
// start_info_x86_64, shared_info_x86_64, vcpu_x86_64), plus the hypervisor
// region this project needs (shim, IDT, GDTs, M2P). See docs/pv-abi-notes.md §1.
import GuestMemory
import XenABI

public struct BuildError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// What the builder needs to know.
public struct DomainSpec: Sendable {
    public var memoryMiB: UInt64
    public var maxMemMiB: UInt64
    public var vcpus: Int
    public var cmdline: String
    public var kernel: KernelImage
    public var ramdisk: [UInt8]?
    public var shim: ShimImage
    /// Event channel ports pre-bound to the console and xenstore backends.
    public var consolePort: UInt32
    public var storePort: UInt32

    public init(memoryMiB: UInt64, maxMemMiB: UInt64, vcpus: Int, cmdline: String, kernel: KernelImage,
                ramdisk: [UInt8]?, shim: ShimImage, consolePort: UInt32, storePort: UInt32) {
        self.memoryMiB = memoryMiB; self.maxMemMiB = maxMemMiB; self.vcpus = vcpus
        self.cmdline = cmdline; self.kernel = kernel; self.ramdisk = ramdisk; self.shim = shim
        self.consolePort = consolePort; self.storePort = storePort
    }
}

/// The result: memory filled in, and where things are.
public struct BuiltDomain: @unchecked Sendable {
    // @unchecked: GuestMemory is a thread-safe reference type (see its file).
    public var memory: GuestMemory
    /// RAM frames `0 ..< ramPages`: room for `maxmem`.
    public var ramPages: UInt64
    /// Frames `0 ..< nrPages` are the guest's at boot (start_info nr_pages,
    /// `memory`); the rest are for its balloon driver to populate.
    public var nrPages: UInt64
    public var entry: UInt64
    public var stackTop: UInt64
    public var startInfoVA: UInt64
    public var startInfoPFN: UInt64
    public var consolePFN: UInt64
    public var storePFN: UInt64
    /// Machine address of the initial (kernel) L4.
    public var l4: UInt64
    /// Machine addresses of the frames of both initial page-table trees.
    public var pageTableFrames: [UInt64]
    public var sharedInfoMFN: UInt64
    public var shim: ShimImage
    /// L4 entries the hypervisor installs in slots 256-271 of every guest L4.
    public var hypervisorL4Entries: [(slot: Int, entry: UInt64)]
    /// Machine address of the L1 entries mapping vCPU `i`'s 16 GDT pages.
    public var gdtL1Entries: [UInt64]
}

public enum DomainBuilder {
    static let pageSize: UInt64 = 4096
    static let pteP: UInt64 = 1, pteRW: UInt64 = 2, pteU: UInt64 = 4, pteA: UInt64 = 0x20, pteD: UInt64 = 0x40
    static let pteNX: UInt64 = 1 << 63
    /// Entry flags of the builder's upper levels (xg_dom_x86.c: L4/L3/L2_PROT).
    static let upperProt: UInt64 = pteP | pteRW | pteA | pteD | pteU
    /// L1 flags (L1_PROT); validation adds _PAGE_USER like Xen does on pin.
    static let l1Prot: UInt64 = pteP | pteRW | pteA | pteU

    public static func build(_ spec: DomainSpec) throws(BuildError) -> BuiltDomain {
        let k = spec.kernel
        guard spec.memoryMiB >= 1, spec.memoryMiB <= 256 * 1024 else {
            throw BuildError("memory must be between 1 MiB and 256 GiB")
        }
        guard spec.vcpus >= 1, spec.vcpus <= Layout.maxVCPUs else {
            throw BuildError("vcpus must be between 1 and \(Layout.maxVCPUs)")
        }
        guard spec.maxMemMiB >= spec.memoryMiB, spec.maxMemMiB <= 256 * 1024 else {
            throw BuildError("maxmem must be between memory (\(spec.memoryMiB) MiB) and 256 GiB")
        }
        // RAM is sized for maxmem; the guest starts with nr_pages = memory
        // and its balloon driver populates the rest (libxl: max_memkb vs
        // target_memkb; xc_dom builds a P2M of the initial pages only).
        let ramPages = spec.maxMemMiB * 256
        let nrPages = spec.memoryMiB * 256
        let virtBase = k.virtBase

        // 1. Walk PFNs upward from the kernel image (xc_dom_build_image).
        let kernelFirstPFN = (k.virtKStart - virtBase) / pageSize
        var cursor = (k.virtKEnd - virtBase + pageSize - 1) / pageSize
        let modStartPFN = k.notes.modStartPFN
        var ramdiskPFN: UInt64 = 0
        let ramdiskPages = UInt64(((spec.ramdisk?.count ?? 0) + 4095) / 4096)
        if spec.ramdisk != nil && !modStartPFN {
            ramdiskPFN = cursor          // mapped initrd right after the kernel
            cursor += ramdiskPages
        }
        let usesInitP2M = k.notes.initP2M != nil
        let p2mPages = (nrPages * 8 + pageSize - 1) / pageSize
        var p2mPFN: UInt64 = 0
        if !usesInitP2M {
            p2mPFN = cursor             // P2M inside the initial mapping
            cursor += p2mPages
        }
        let startInfoPFN = cursor, storePFN = cursor + 1, consolePFN = cursor + 2
        cursor += 3
        // 2. Page tables for [virtBase, mapEnd) (alloc_pgtables_pv / count_pgtables).
        let ptFirstPFN = cursor
        var ptCount: UInt64 = 0
        var mapEnd: UInt64 = 0
        for _ in 0..<16 {
            let extra: UInt64 = 1 + 128 // boot stack + 512 KiB padding
            let end = virtBase + (cursor + ptCount + extra) * pageSize
            mapEnd = (end + 0x3f_ffff) & ~0x3f_ffff
            let l1s = (mapEnd - virtBase + 0x1f_ffff) >> 21
            let need = 3 + l1s
            if need == ptCount { break }
            ptCount = need
        }
        guard mapEnd - virtBase <= 1 << 30 else { throw BuildError("kernel image and initial mapping exceed 1 GiB") }
        guard (virtBase >> 30) & 511 == (mapEnd - 1) >> 30 & 511 || mapEnd - virtBase <= 1 << 30 else {
            throw BuildError("initial mapping crosses a 1 GiB boundary")
        }
        cursor += ptCount
        let stackPFN = cursor
        cursor += 1
        let mappedEndPFN = (mapEnd - virtBase) / pageSize
        cursor = mappedEndPFN
        if spec.ramdisk != nil && modStartPFN {
            ramdiskPFN = cursor
            cursor += ramdiskPages
        }
        var p2mTablesFirst: UInt64 = 0, p2mTableCount: UInt64 = 0
        if usesInitP2M {
            p2mPFN = cursor
            cursor += p2mPages
            p2mTablesFirst = cursor
            p2mTableCount = 2 + (p2mPages + 511) / 512 // L3, L2, L1s
            guard p2mPages <= 512 * 512 else { throw BuildError("P2M too large for one L2") }
            cursor += p2mTableCount
        }
        guard cursor <= nrPages else {
            throw BuildError("memory=\(spec.memoryMiB) MiB is too small for this kernel and ramdisk (needs \((cursor * 4096 + 0xfffff) >> 20) MiB)")
        }

        // 3. Memory: RAM and the hypervisor region.
        let regionSize = Layout.regionSize(ramPages: ramPages)
        let memory: GuestMemory
        do {
            memory = try GuestMemory(layout: [("ram", 0, ramPages * pageSize),
                                              ("xen", Layout.xenBase, regionSize)])
        } catch {
            throw BuildError(error.description)
        }
        func w64(_ v: UInt64, _ a: UInt64) throws(BuildError) {
            do { try memory.store(v, at: a) } catch { throw BuildError("internal layout error at 0x\(String(a, radix: 16))") }
        }
        func wbytes(_ b: some Collection<UInt8>, _ a: UInt64) throws(BuildError) {
            do { try memory.write(b, at: a) } catch { throw BuildError("internal layout error at 0x\(String(a, radix: 16))") }
        }

        // 4. Kernel segments by p_paddr, ramdisk.
        for seg in k.segments {
            try wbytes(seg.data, kernelFirstPFN * pageSize + seg.destOffset)
        }
        if let rd = spec.ramdisk { try wbytes(rd, ramdiskPFN * pageSize) }

        // 5. P2M (identity) and M2P (identity for the initial pages;
        // INVALID_M2P_ENTRY for frames above them, which nobody owns yet).
        for pfn in 0..<nrPages { try w64(pfn, p2mPFN * pageSize + pfn * 8) }
        for mfn in 0..<nrPages { try w64(mfn, Layout.xenBase + Layout.m2p + mfn * 8) }
        for mfn in nrPages..<ramPages { try w64(~0, Layout.xenBase + Layout.m2p + mfn * 8) }

        // 6. Initial page tables: kernel mapping under L4[511]→L3[510]→L2.
        let l4 = ptFirstPFN * pageSize
        let l3 = l4 + pageSize, l2 = l3 + pageSize
        let l1First = l2 + pageSize
        var ptFrames = Set<UInt64>((0..<ptCount).map { ptFirstPFN + $0 })
        if usesInitP2M { for i in 0..<p2mTableCount { ptFrames.insert(p2mTablesFirst + i) } }
        try w64(l3 | upperProt, l4 + UInt64((virtBase >> 39) & 511) * 8)
        try w64(l2 | upperProt, l3 + UInt64((virtBase >> 30) & 511) * 8)
        let l1Count = ptCount - 3
        for i in 0..<l1Count {
            try w64((l1First + i * pageSize) | upperProt, l2 + UInt64((virtBase >> 21) & 511 + i) * 8)
        }
        for pfn in 0..<mappedEndPFN {
            let va = virtBase + pfn * pageSize
            let l1 = l1First + ((va - virtBase) >> 21) * pageSize
            let rw: UInt64 = ptFrames.contains(pfn) ? 0 : pteRW
            try w64((pfn * pageSize) | (l1Prot & ~pteRW) | rw, l1 + UInt64((va >> 12) & 511) * 8)
        }
        // The P2M at INIT_P2M with its own tables (alloc_p2m_list_x86_64).
        if let p2mVA = k.notes.initP2M {
            let pl3 = p2mTablesFirst * pageSize, pl2 = pl3 + pageSize, pl1 = pl2 + pageSize
            try w64(pl3 | upperProt, l4 + ((p2mVA >> 39) & 511) * 8)
            try w64(pl2 | upperProt, pl3 + ((p2mVA >> 30) & 511) * 8)
            for i in 0..<((p2mPages + 511) / 512) {
                try w64((pl1 + i * pageSize) | upperProt, pl2 + (((p2mVA >> 21) & 511) + i) * 8)
            }
            for i in 0..<p2mPages {
                try w64(((p2mPFN + i) * pageSize) | l1Prot, pl1 + i * 8)
            }
        }

        // 7. The hypervisor's own mappings (slots 256 and 257).
        guard let syscallPage = spec.shim.symbols["shim_syscall_page"],
              syscallPage >= Layout.xenVirtBase + Layout.shimImage,
              syscallPage < Layout.xenVirtBase + Layout.shimImageEnd else {
            throw BuildError("shim syscall page outside the shim image")
        }
        let (hvEntries, gdtL1) = try buildHypervisorTables(memory: memory, regionSize: regionSize,
                                                            ramPages: ramPages, vcpus: spec.vcpus,
                                                            syscallPage: Layout.xenBase + (syscallPage - Layout.xenVirtBase),
                                                            w64: w64)
        for (slot, e) in hvEntries { try w64(e, l4 + UInt64(slot) * 8) }

        // 8. The shim image.
        for seg in spec.shim.segments {
            guard seg.vaddr >= Layout.xenVirtBase + Layout.shimImage,
                  seg.vaddr + seg.memSize <= Layout.xenVirtBase + Layout.shimImageEnd else {
                throw BuildError("shim segment at 0x\(String(seg.vaddr, radix: 16)) outside its reserved range")
            }
            try wbytes(seg.data, Layout.xenBase + (seg.vaddr - Layout.xenVirtBase))
        }

        // 9. start_info (start_info_x86_64).
        let si = startInfoPFN * pageSize
        try wbytes(Array("xen-3.0-x86_64".utf8), si)
        var info = StartInfo(nrPages: nrPages, sharedInfo: Layout.xenBase + Layout.sharedInfo,
                             flags: modStartPFN && spec.ramdisk != nil ? StartInfoFlags.modStartPFN.rawValue : 0,
                             storeMfn: storePFN, storeEvtchn: spec.storePort,
                             consoleMfn: consolePFN, consoleEvtchn: spec.consolePort,
                             ptBase: virtBase + l4, nrPtFrames: ptCount,
                             mfnList: usesInitP2M ? k.notes.initP2M! : virtBase + p2mPFN * pageSize,
                             modStart: spec.ramdisk == nil ? 0 : (modStartPFN ? ramdiskPFN : virtBase + ramdiskPFN * pageSize),
                             modLen: spec.ramdisk == nil ? 0 : (modStartPFN ? ramdiskPages * pageSize : UInt64(spec.ramdisk!.count)),
                             firstP2mPfn: usesInitP2M ? p2mPFN : 0,
                             nrP2mFrames: usesInitP2M ? p2mPages + p2mTableCount : 0)
        if modStartPFN && spec.ramdisk != nil { info.modLen = UInt64(spec.ramdisk!.count) }
        guard let siPtr = memory.pointer(si, StartInfo.size) else { throw BuildError("start_info outside RAM") }
        info.store(to: siPtr)
        let cmd = Array(spec.cmdline.utf8.prefix(1023)) + [0]
        try wbytes(cmd, si + UInt64(StartInfo.Offset.cmdLine))

        // 10. shared_info: every vcpu_info masked (shared_info_x86_64).
        for i in 0..<SharedInfo.vcpuInfoCount {
            try wbytes([1], Layout.xenBase + Layout.sharedInfo + UInt64(SharedInfo.vcpuInfoOffset(i) + 1))
        }

        // 11. Hypercall page, if the kernel asks for one
        // (xen/arch/x86/pv/hypercall.c pv_ring3_init_hypercall_page).
        if let hp = k.virtHypercallPage {
            let base = hp - virtBase
            for i in 0..<128 {
                let stub: [UInt8] = i == Int(Hypercall.iret.rawValue)
                    ? [0x51, 0x41, 0x53, 0x50, 0xb8, UInt8(i), 0, 0, 0, 0x0f, 0x05]
                    : [0x51, 0x41, 0x53, 0xb8, UInt8(i), 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3]
                try wbytes(stub, base + UInt64(i) * 32)
            }
        }

        return BuiltDomain(memory: memory, ramPages: ramPages, nrPages: nrPages, entry: k.virtEntry,
                           stackTop: virtBase + (stackPFN + 1) * pageSize,
                           startInfoVA: virtBase + si, startInfoPFN: startInfoPFN,
                           consolePFN: consolePFN, storePFN: storePFN, l4: l4,
                           pageTableFrames: ptFrames.sorted(), sharedInfoMFN: (Layout.xenBase + Layout.sharedInfo) >> 12,
                           shim: spec.shim, hypervisorL4Entries: hvEntries, gdtL1Entries: gdtL1)
    }

    /// Page tables for slot 256 (whole hypervisor region, ring 0 only),
    /// slot 257 (the M2P, guest-readable) and slot 258 (the shim's syscall
    /// page, read-only, user-readable), the IDT, GDT page 14 and TSS of each
    /// vCPU. Returns the L4 entries and each vCPU's GDT L1-entry base.
    static func buildHypervisorTables(memory: GuestMemory, regionSize: UInt64, ramPages: UInt64, vcpus: Int,
                                      syscallPage: UInt64,
                                      w64: (UInt64, UInt64) throws(BuildError) -> Void) throws(BuildError)
        -> ([(slot: Int, entry: UInt64)], [UInt64]) {
        let base = Layout.xenBase
        var next = base + Layout.pageTables
        func alloc() throws(BuildError) -> UInt64 {
            guard next < base + Layout.pageTablesEnd else { throw BuildError("hypervisor page-table area exhausted") }
            defer { next += pageSize }
            return next
        }
        let kernelRW = pteP | pteRW | pteA | pteD
        // Slot 256: L3[0] → L2 → L1s, 4 KiB pages of the region.
        let l3 = try alloc(), l2 = try alloc()
        try w64(l2 | kernelRW, l3)
        let l1Count = (regionSize + 0x1f_ffff) >> 21
        guard l1Count <= 512 else { throw BuildError("hypervisor region too large") }
        var l1s: [UInt64] = []
        for i in 0..<l1Count {
            let l1 = try alloc()
            l1s.append(l1)
            try w64(l1 | kernelRW, l2 + i * 8)
        }
        for page in 0..<(regionSize / pageSize) {
            let off = page * pageSize
            var flags = kernelRW
            if off < Layout.shimImage || off >= Layout.shimImageEnd { flags |= pteNX }
            try w64((base + off) | flags, l1s[Int(page / 512)] + (page % 512) * 8)
        }
        // Slot 257: the M2P, read-only and user-readable.
        let m2pPages = (ramPages * 8 + pageSize - 1) / pageSize
        let ml3 = try alloc(), ml2 = try alloc()
        try w64(ml2 | pteP | pteU | pteA, ml3)
        let ml1Count = (m2pPages + 511) / 512
        for i in 0..<ml1Count {
            let l1 = try alloc()
            try w64(l1 | pteP | pteU | pteA, ml2 + i * 8)
            for j in 0..<min(512, m2pPages - i * 512) {
                try w64((base + Layout.m2p + (i * 512 + j) * pageSize) | pteP | pteU | pteA | pteNX, l1 + j * 8)
            }
        }
        // Slot 258: the syscall page alias, L3[0] → L2[0] → L1[0].
        let sl3 = try alloc(), sl2 = try alloc(), sl1 = try alloc()
        try w64(sl2 | pteP | pteU | pteA, sl3)
        try w64(sl1 | pteP | pteU | pteA, sl2)
        try w64(syscallPage | pteP | pteU | pteA, sl1)
        // Slot 262: direct map of guest RAM for the shim (Layout.directMapVirtBase),
        // 2 MiB pages, supervisor read-write, never executable.
        let pteLarge: UInt64 = 1 << 7
        let ramBytes = ramPages * pageSize
        let dl3 = try alloc()
        let gib: UInt64 = 1 << 30, twoMiB: UInt64 = 1 << 21
        for i in 0..<((ramBytes + gib - 1) / gib) {
            let dl2 = try alloc()
            try w64(dl2 | kernelRW, dl3 + i * 8)
            for j in 0..<UInt64(512) where i * gib + j * twoMiB < ramBytes {
                try w64((i * gib + j * twoMiB) | kernelRW | pteLarge | pteNX, dl2 + j * 8)
            }
        }
        // Per-vCPU GDT: pages 0-13 show the zero page until set_gdt; page 14 is ours.
        var gdtL1: [UInt64] = []
        for v in 0..<vcpus {
            let area = Layout.vcpuArea(v)
            let gdtPage0 = (area + Layout.vcpuGDT) / pageSize
            let entryAddr = l1s[Int(gdtPage0 / 512)] + (gdtPage0 % 512) * 8
            gdtL1.append(entryAddr)
            for p in 0..<16 where p != Layout.gdtReservedPage {
                try w64((base + Layout.zeroPage) | pteP | pteA | pteNX, entryAddr + UInt64(p) * 8)
            }
            let page14 = base + area + Layout.vcpuGDT + UInt64(Layout.gdtReservedPage) * pageSize
            // 0xe008 CS64 DPL0, 0xe010 DS DPL0, 0xe020 CS32 DPL3, 0xe028 DS DPL3, 0xe030 CS64 DPL3.
            try w64(0x00af_9b00_0000_ffff, page14 + 0x08)
            try w64(0x00cf_9300_0000_ffff, page14 + 0x10)
            try w64(0x00cf_fb00_0000_ffff, page14 + 0x20)
            try w64(0x00cf_f300_0000_ffff, page14 + 0x28)
            try w64(0x00af_fb00_0000_ffff, page14 + 0x30)
            let tssVA = Layout.xenVirtBase + area + Layout.vcpuTSS
            let limit: UInt64 = 0x67
            try w64(limit | (tssVA & 0xff_ffff) << 16 | 0x89 << 40 | ((tssVA >> 24) & 0xff) << 56, page14 + 0x40)
            try w64(tssVA >> 32, page14 + 0x48)
            // TSS: RSP0 = IST1 = stack top; I/O bitmap offset past the limit (no I/O from CPL3).
            try w64(Layout.xenVirtBase + area + Layout.vcpuStackTop, base + area + Layout.vcpuTSS + 4)
            try w64(Layout.xenVirtBase + area + Layout.vcpuStackTop, base + area + Layout.vcpuTSS + 0x24)
            // IST2: the event-check vector's stack, 0x3000 below the main top (shim/entry.S).
            try w64(Layout.xenVirtBase + area + Layout.vcpuStackTop - 0x3000, base + area + Layout.vcpuTSS + 0x2c)
            try w64(UInt64(0x68) << 48, base + area + Layout.vcpuTSS + 0x60)
            // Per-CPU data: scratch, stack top, id.
            try w64(Layout.xenVirtBase + area + Layout.vcpuStackTop, base + area + Layout.vcpuPerCPU + 8)
            try w64(UInt64(v), base + area + Layout.vcpuPerCPU + 16)
        }
        let l4Shim = l3 | kernelRW
        let l4M2P = ml3 | pteP | pteU | pteA
        let l4Syscall = sl3 | pteP | pteU | pteA
        return ([(Layout.shimL4Slot, l4Shim), (Layout.m2pL4Slot, l4M2P), (Layout.syscallL4Slot, l4Syscall),
                 (Layout.directMapL4Slot, dl3 | kernelRW)], gdtL1)
    }

    /// Fills the IDT from the shim's vector table: 256 DPL0 interrupt gates.
    /// (Software `int n` from the guest then arrives as #GP(n*8+2), which the
    /// host emulates as Xen does; DPL3 gates end the VM on kvm-pvm hosts.)
    public static func buildIDT(_ built: BuiltDomain) throws(BuildError) {
        guard let table = built.shim.symbols["shim_vector_table"] else { throw BuildError("shim lacks its vector table") }
        for v in 0..<256 {
            let stubAddr = Layout.xenBase + (table - Layout.xenVirtBase) + UInt64(v) * 8
            guard let stub = try? built.memory.load(UInt64.self, at: stubAddr) else { throw BuildError("shim vector table unreadable") }
            // IST 1: every entry lands at the top of the vCPU's shim stack,
            // also the #UD of a `syscall` (which arrives at CPL0, shim/entry.S).
            // The event-check vector has a stack of its own (IST 2, shim/entry.S).
            let ist: UInt64 = v == 0xf0 ? 2 : 1
            let lo = (stub & 0xffff) | UInt64(Layout.hypervisorCS) << 16 | ist << 32 | UInt64(0x8e) << 40 | ((stub >> 16) & 0xffff) << 48
            let gate = Layout.xenBase + Layout.idt + UInt64(v) * 16
            do {
                try built.memory.store(lo, at: gate)
                try built.memory.store(stub >> 32, at: gate + 8)
            } catch { throw BuildError("IDT outside the hypervisor region") }
        }
    }
}
