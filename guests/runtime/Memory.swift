// Memory.swift — frames and page tables: P2M (start_info.mfn_list) and M2P
// (XENMEM_machphys_mapping) translation, a pool of page-aligned .bss pages, page-table walks of
// the initial mapping, and the MMU hypercalls.
// Facts: initial mapping VA = VIRT_BASE + pfn * 4096 for every frame from PFN 0 to its end
// (public/xen.h "Start-of-day memory layout"); P2M = u64 MFN per PFN; M2P = u64 PFN per MFN,
// read-only, location from XENMEM_machphys_mapping (public/memory.h struct xen_machphys_mapping);
// mmu_update ptr = machine address of the entry | MMU_* command, mmuext_op, update_va_mapping:
// public/xen.h. 4-level paging, 9 index bits per level (Intel SDM vol. 3 §4.5).

struct Page {
    let va: UInt64
    var pointer: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: UInt(va))! }
    var pfn: UInt64 { Memory.pfn(ofVA: va) }
    var mfn: UInt64 { Memory.mfn(ofPFN: pfn) }
    var machineAddress: UInt64 { mfn << 12 }

    func fill(_ value: UInt64) {
        for i in 0..<512 { Volatile.store64(va + UInt64(i) * 8, value) }
    }
}

enum Memory {
    nonisolated(unsafe) static var m2p = XenMachphysMapping()
    nonisolated(unsafe) private static var poolUsed: UInt64 = 0

    static func setUp() {
        let rc = HYPERVISOR.memoryOp(XenMem.machphysMapping, &m2p)
        if rc != 0 {
            printf("ERROR: memory_op(XENMEM_machphys_mapping) returned %d\n", rc)
            Test.record(.error)
        }
    }

    static func pfn(ofVA va: UInt64) -> UInt64 { (va - Layout.virtBase) >> 12 }
    static func va(ofPFN pfn: UInt64) -> UInt64 { Layout.virtBase + pfn << 12 }
    static func mfn(ofPFN pfn: UInt64) -> UInt64 { Volatile.load64(StartInfo.mfnList + pfn * 8) }
    static func mfn(ofVA va: UInt64) -> UInt64 { mfn(ofPFN: pfn(ofVA: va)) }

    /// The PFN the M2P records for `mfn`, if the M2P covers it.
    static func pfn(ofMFN mfn: UInt64) -> UInt64? {
        guard m2p.vStart != 0, mfn <= m2p.maxMFN, m2p.vStart + mfn * 8 + 8 <= m2p.vEnd else { return nil }
        return Volatile.load64(m2p.vStart + mfn * 8)
    }

    /// A zeroed, page-aligned page of the image's .bss pool (mapped RW in the initial mapping).
    static func allocatePage() -> Page {
        guard poolUsed < Runtime.image.pagePoolPages else { testError("page pool exhausted") }
        let page = Page(va: Runtime.image.pagePool + poolUsed * Layout.pageSize)
        poolUsed += 1
        return page
    }

    // MMU hypercalls.

    static func mmuUpdate(_ entryMachineAddress: UInt64, _ value: UInt64,
                          command: UInt64 = MMUCmd.normalPTUpdate) -> Int {
        var req = MMUUpdate(ptr: entryMachineAddress | command, val: value)
        return withUnsafeBytes(of: &req) { HYPERVISOR.mmuUpdate($0.baseAddress!, 1) }
    }

    static func mmuext(_ cmd: UInt32, _ arg1: UInt64 = 0, _ arg2: UInt64 = 0) -> Int {
        var op = MMUExtOpArgs(cmd: cmd, arg1: arg1, arg2: arg2)
        return withUnsafeBytes(of: &op) { HYPERVISOR.mmuextOp($0.baseAddress!, 1) }
    }

    /// Remaps `page` at its own VA, read-only or writable.
    static func setWritable(_ page: Page, _ writable: Bool) -> Int {
        let flags = writable ? PTE.kernelData : (PTE.present | PTE.accessed)
        return HYPERVISOR.updateVAMapping(page.va, page.machineAddress | flags, UVMF.invlpg)
    }
}

/// Walks the 4-level tables of the initial mapping.
enum PageTables {
    /// VA of the kernel L4 currently in use (start_info.pt_base until a test switches).
    nonisolated(unsafe) static var rootVA: UInt64 = 0

    struct Entry {
        /// VA of the 8-byte entry (read-only for pinned tables) and its machine address.
        let va: UInt64
        let machineAddress: UInt64
        var value: UInt64 { Volatile.load64(va) }
    }

    static func index(_ va: UInt64, level: Int) -> UInt64 { (va >> UInt64(12 + 9 * (level - 1))) & 511 }

    /// The entry for `va` at `level` (4 = L4 ... 1 = L1), or nil if a higher level is not present
    /// or a table is outside the guest's RAM.
    static func entry(for va: UInt64, level: Int) -> Entry? {
        var tableVA = rootVA != 0 ? rootVA : StartInfo.ptBase
        var l = 4
        while true {
            let entryVA = tableVA + index(va, level: l) * 8
            let tableMFN = Memory.mfn(ofVA: tableVA)
            let entry = Entry(va: entryVA, machineAddress: (tableMFN << 12) + index(va, level: l) * 8)
            if l == level { return entry }
            let value = entry.value
            guard value & PTE.present != 0,
                  let pfn = Memory.pfn(ofMFN: (value & PTE.addressMask) >> 12),
                  pfn < StartInfo.nrPages else { return nil }
            tableVA = Memory.va(ofPFN: pfn)
            l -= 1
        }
    }
}
