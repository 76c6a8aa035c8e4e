// pagetables — the PV MMU: a new L1 (mapped read-only, pinned) hooked into the kernel L2 with
// mmu_update; mappings made with mmu_update and update_va_mapping; an unmapped VA faults;
// MMUEXT_PIN/UNPIN semantics; a stale TLB entry after mmu_update cleared by MMUEXT_INVLPG_LOCAL and
// MMUEXT_TLB_FLUSH_LOCAL; writable page tables (a plain store into a pinned, read-only L1 is
// emulated); a writable mapping of a page-table page is refused; mmu_updates batched in a
// multicall; a second L4 (copy of the current one plus one extra slot) pinned, switched to with
// MMUEXT_NEW_BASEPTR and back.
// Facts: public/xen.h (mmu_update, mmuext_op, update_va_mapping, UVMF_*, VMASST_*,
// multicall_entry); xen/arch/x86/mm.c (page types: a frame with a writable mapping cannot become a
// page table and a page table cannot get a writable mapping; double pin/unpin -> -EINVAL;
// mmu_update does not flush the caller's TLB); xen/arch/x86/pv/ro-page-fault.c (ptwr emulation).

let testName: StaticString = "pagetables"

/// A 2 MiB region of the kernel L2 without an L1: slot 496, 992 MiB above VIRT_BASE.
let scratchVA: UInt64 = Layout.virtBase + 496 << 21
/// L4 slot 8 (0x0000040000000000): empty in the builder's L4, mapped only by the second L4.
let otherSlot: UInt64 = 8
let otherVA: UInt64 = otherSlot << 39

/// Test pattern of data frame `n`.
func pattern(_ n: UInt64) -> UInt64 { 0x5a5a_0000_0000_0000 | n << 32 | n }

func testMain() {
    let l1 = Memory.allocatePage()
    let data = (Memory.allocatePage(), Memory.allocatePage(), Memory.allocatePage())
    data.0.fill(pattern(1))
    data.1.fill(pattern(2))
    data.2.fill(pattern(3))
    let pte0 = l1.machineAddress            // L1 entry 0 maps scratchVA

    // A new L1, read-only and pinned, hooked into the kernel L2.
    guard let l2e = PageTables.entry(for: scratchVA, level: 2), l2e.value & PTE.present == 0 else {
        testError("the scratch VA already has an L1")
    }
    check(Memory.setWritable(l1, false) == 0, "remapping the new L1 read-only failed")
    check(Memory.mmuext(MMUExtOp.pinL1Table, l1.mfn) == 0, "MMUEXT_PIN_L1_TABLE of the new L1 failed")
    var rc = Memory.mmuUpdate(l2e.machineAddress, l1.machineAddress | PTE.table)
    check(rc == 0, "mmu_update hooking the L1 into the L2 returned %d", rc)
    check(l2e.value & PTE.addressMask == l1.machineAddress && l2e.value & PTE.present != 0,
          "L2 entry reads back %x", l2e.value)

    // Map a frame with mmu_update; write through the new VA, read through the frame's own VA.
    rc = Memory.mmuUpdate(pte0, data.0.machineAddress | PTE.kernelData)
    check(rc == 0, "mmu_update mapping a data frame returned %d", rc)
    expectContents(scratchVA, pattern(1), "mapping made with mmu_update")
    if let t = Traps.catching({ probeWrite(scratchVA + 8, 0x1234) }) {
        check(false, "store through the new VA faulted (error %x)", t.errorCode)
    }
    check(Volatile.load64(data.0.va + 8) == 0x1234, "store through the new VA did not reach the frame")
    Volatile.store64(data.0.va + 8, pattern(1))

    // Remap with update_va_mapping(UVMF_INVLPG).
    rc = HYPERVISOR.updateVAMapping(scratchVA, data.1.machineAddress | PTE.kernelData, UVMF.invlpg)
    check(rc == 0, "update_va_mapping remap returned %d", rc)
    expectContents(scratchVA, pattern(2), "remap with update_va_mapping")

    // Unmap: reads and writes fault with P = 0, in kernel mode (U = 0).
    rc = HYPERVISOR.updateVAMapping(scratchVA, 0, UVMF.invlpg)
    check(rc == 0, "update_va_mapping unmap returned %d", rc)
    if let t = Traps.catching({ _ = probeRead(scratchVA + 16) }) {
        check(t.vector == Vector.pageFault && t.errorCode == 0 && t.cr2 == scratchVA + 16,
              "read of the unmapped VA: vector %u, error %x, cr2 %x", t.vector, t.errorCode, t.cr2)
    } else {
        check(false, "read of the unmapped VA did not fault")
    }

    checkPinning()

    // mmu_update does not flush: after a remap only an explicit flush guarantees the new frame.
    _ = Memory.mmuUpdate(pte0, data.0.machineAddress | PTE.kernelData)
    _ = Memory.mmuext(MMUExtOp.invlpgLocal, scratchVA)
    expectContents(scratchVA, pattern(1), "mapping before the unflushed update")
    _ = Memory.mmuUpdate(pte0, data.1.machineAddress | PTE.kernelData)
    rc = Memory.mmuext(MMUExtOp.invlpgLocal, scratchVA)
    check(rc == 0, "MMUEXT_INVLPG_LOCAL returned %d", rc)
    expectContents(scratchVA, pattern(2), "after mmu_update + MMUEXT_INVLPG_LOCAL")
    _ = Memory.mmuUpdate(pte0, data.2.machineAddress | PTE.kernelData)
    rc = Memory.mmuext(MMUExtOp.tlbFlushLocal)
    check(rc == 0, "MMUEXT_TLB_FLUSH_LOCAL returned %d", rc)
    expectContents(scratchVA, pattern(3), "after mmu_update + MMUEXT_TLB_FLUSH_LOCAL")

    // Writable page tables: a plain store into the pinned, read-only L1 is emulated.
    rc = HYPERVISOR.vmAssist(VMAssist.cmdEnable, VMAssist.typeWritablePagetables)
    check(rc == 0, "vm_assist(enable, writable_pagetables) returned %d", rc)
    if let t = Traps.catching({ probeWrite(l1.va, data.0.machineAddress | PTE.kernelData) }) {
        check(false, "direct PTE store faulted: vector %u, error %x, cr2 %x", t.vector, t.errorCode, t.cr2)
    }
    check(Volatile.load64(l1.va) & PTE.addressMask == data.0.machineAddress,
          "L1 entry after the direct store reads %x", Volatile.load64(l1.va))
    _ = Memory.mmuext(MMUExtOp.invlpgLocal, scratchVA)
    expectContents(scratchVA, pattern(1), "mapping written by a direct PTE store")

    // A page-table page must not become writable, by mmu_update or update_va_mapping.
    rc = Memory.mmuUpdate(l1.machineAddress + 8, l1.machineAddress | PTE.kernelData)
    check(rc < 0, "mmu_update mapping the pinned L1 writable returned %d, expected an error", rc)
    check(Volatile.load64(l1.va + 8) & PTE.present == 0, "the refused L1 entry was written anyway")
    rc = HYPERVISOR.updateVAMapping(l1.va, l1.machineAddress | PTE.kernelData, UVMF.invlpg)
    check(rc < 0, "update_va_mapping making the pinned L1 writable returned %d, expected an error", rc)

    checkMulticall(l1, data)
    checkSecondL4(l1)
}

func expectContents(_ va: UInt64, _ expected: UInt64, _ what: StaticString) {
    var value: UInt64 = 0
    if let t = Traps.catching({ value = probeRead(va) }) {
        check(false, "%s: reading %x faulted (error %x)", cstr(what), va, t.errorCode)
        return
    }
    check(value == expected, "%s: read %x, expected %x", cstr(what), value, expected)
}

func checkPinning() {
    let table = Memory.allocatePage()
    check(Memory.setWritable(table, false) == 0, "remapping a table page read-only failed")
    var rc = Memory.mmuext(MMUExtOp.pinL1Table, table.mfn)
    check(rc == 0, "MMUEXT_PIN_L1_TABLE returned %d", rc)
    rc = Memory.mmuext(MMUExtOp.pinL1Table, table.mfn)
    check(rc < 0, "pinning an already pinned L1 returned %d, expected an error", rc)
    rc = Memory.mmuext(MMUExtOp.unpinTable, table.mfn)
    check(rc == 0, "MMUEXT_UNPIN_TABLE returned %d", rc)
    rc = Memory.mmuext(MMUExtOp.unpinTable, table.mfn)
    check(rc < 0, "unpinning a table that is not pinned returned %d, expected an error", rc)
}

/// Three mmu_updates in one multicall map scratchVA + 1, 2, 3 pages to the three data frames.
func checkMulticall(_ l1: Page, _ data: (Page, Page, Page)) {
    var reqs = (MMUUpdate(ptr: l1.machineAddress + 8, val: data.0.machineAddress | PTE.kernelData),
                MMUUpdate(ptr: l1.machineAddress + 16, val: data.1.machineAddress | PTE.kernelData),
                MMUUpdate(ptr: l1.machineAddress + 24, val: data.2.machineAddress | PTE.kernelData))
    var calls = (MulticallEntry(), MulticallEntry(), MulticallEntry())
    let rc = withUnsafeMutableBytes(of: &reqs) { r in
        withUnsafeMutableBytes(of: &calls) { c in
            for i in 0..<3 {
                var entry = MulticallEntry(op: Hypercall.mmuUpdate)
                entry.args = (va(r.baseAddress! + i * MemoryLayout<MMUUpdate>.size), 1, 0,
                              UInt64(DomID.selfID), 0, 0)
                c.storeBytes(of: entry, toByteOffset: i * MemoryLayout<MulticallEntry>.size, as: MulticallEntry.self)
            }
            return HYPERVISOR.multicall(c.baseAddress!, 3)
        }
    }
    check(rc == 0, "multicall returned %d", rc)
    check(Int64(bitPattern: calls.0.result) == 0 && Int64(bitPattern: calls.1.result) == 0
          && Int64(bitPattern: calls.2.result) == 0,
          "multicall results %d %d %d", Int64(bitPattern: calls.0.result), Int64(bitPattern: calls.1.result),
          Int64(bitPattern: calls.2.result))
    _ = Memory.mmuext(MMUExtOp.tlbFlushLocal)
    expectContents(scratchVA + 0x1000, pattern(1), "multicall mapping 1")
    expectContents(scratchVA + 0x2000, pattern(2), "multicall mapping 2")
    expectContents(scratchVA + 0x3000, pattern(3), "multicall mapping 3")
}

/// A copy of the current L4 with slot 8 -> L3 -> L2 -> the test L1; visible only while loaded.
func checkSecondL4(_ l1: Page) {
    let l4 = Memory.allocatePage(), l3 = Memory.allocatePage(), l2 = Memory.allocatePage()
    let currentL4 = StartInfo.ptBase
    for i in UInt64(0)..<512 { Volatile.store64(l4.va + i * 8, Volatile.load64(currentL4 + i * 8)) }
    guard check(Volatile.load64(l4.va + otherSlot * 8) & PTE.present == 0, "L4 slot 8 is already in use") else {
        return
    }
    Volatile.store64(l2.va, l1.machineAddress | PTE.table)
    Volatile.store64(l3.va, l2.machineAddress | PTE.table)
    Volatile.store64(l4.va + otherSlot * 8, l3.machineAddress | PTE.table)
    check(Memory.setWritable(l2, false) == 0 && Memory.setWritable(l3, false) == 0
          && Memory.setWritable(l4, false) == 0, "remapping the tables of the second L4 read-only failed")
    var rc = Memory.mmuext(MMUExtOp.pinL4Table, l4.mfn)
    guard check(rc == 0, "MMUEXT_PIN_L4_TABLE of the copied L4 returned %d", rc) else { return }

    let originalMFN = Memory.mfn(ofVA: currentL4)
    check(Traps.catching({ _ = probeRead(otherVA) }) != nil, "slot 8 is mapped before the switch")
    rc = Memory.mmuext(MMUExtOp.newBaseptr, l4.mfn)
    check(rc == 0, "MMUEXT_NEW_BASEPTR to the second L4 returned %d", rc)
    PageTables.rootVA = l4.va
    expectContents(otherVA, pattern(1), "slot 8 through the second L4")
    rc = Memory.mmuext(MMUExtOp.newBaseptr, originalMFN)
    check(rc == 0, "MMUEXT_NEW_BASEPTR back to the original L4 returned %d", rc)
    PageTables.rootVA = 0
    check(Traps.catching({ _ = probeRead(otherVA) }) != nil, "slot 8 still mapped after switching back")
    rc = Memory.mmuext(MMUExtOp.unpinTable, l4.mfn)
    check(rc == 0, "MMUEXT_UNPIN_TABLE of the second L4 returned %d", rc)
}
