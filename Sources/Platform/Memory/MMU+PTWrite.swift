// Writable page tables: emulating a guest kernel's direct write to one of
// its (read-only mapped) L1 page tables.
// Xen: pv_ro_page_fault, ptwr_do_page_fault, ptwr_emulated_update
// (xen/arch/x86/pv/ro-page-fault.c) and the fixup_page_fault conditions
// (xen/arch/x86/traps.c). Instruction decoding and semantics are XenPV's
// PTWriteOp (Decode/PTWriteOp.swift, PTWriteOp+Apply.swift).
import GuestMemory
import XenABI
import XenPV

/// Page-fault error code bits (Intel SDM Vol. 3A §4.7).
enum PageFaultErrorCode {
    static let present: UInt64 = 1 << 0
    static let write: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
    static let reserved: UInt64 = 1 << 3
    static let instructionFetch: UInt64 = 1 << 4
}

extension MMU {
    /// Emulates the faulting write if it is a guest-kernel write to an L1
    /// page table. Returns true when the fault is handled: the entry was
    /// validated and written, `registers` hold the instruction's results
    /// and RIP is past it — or, rarely, nothing changed and the guest should
    /// simply re-execute (the entry's A/D bits kept changing under us; Xen's
    /// X86EMUL_RETRY). Returns false when the caller must deliver the #PF to
    /// the guest: writable page tables off, user mode, not a write to a
    /// present page, the VA not mapped read-only to a validated L1 table in
    /// the kernel page tables, an instruction that is not one supported
    /// write, an access not naturally aligned or outside the faulting page,
    /// or a new entry that does not validate.
    ///
    /// Writes of 1, 2 or 4 bytes are merged into the full 8-byte entry
    /// before it is validated (Xen: "Turn a sub-word access into a
    /// full-word access"). If RFLAGS.TF is set after a handled write, the
    /// caller delivers the single-step #DB (Xen: `ctxt.retire.singlestep`).
    ///
    /// - Parameters:
    ///   - faultAddress: CR2.
    ///   - errorCode: the #PF error code.
    ///   - registers: the guest registers at the faulting instruction.
    ///   - fetch: reads the instruction bytes at a guest RIP (up to 16).
    public func emulatePTWrite(vcpu: PVVCPU, faultAddress: UInt64, errorCode: UInt64,
                               registers: inout RegisterFile,
                               fetch: (UInt64) throws(XenErrno) -> [UInt8]) -> Bool {
        let wanted = PageFaultErrorCode.present | PageFaultErrorCode.write
        let refused = PageFaultErrorCode.reserved | PageFaultErrorCode.instructionFetch
        guard vcpu.kernelMode, errorCode & (wanted | refused) == wanted,
              GuestAddressSpace.isGuestAddress(faultAddress), vcpu.guestTable != 0 else { return false }

        // Decode outside the lock: the fetch walks guest memory.
        guard let fetched = try? fetch(registers.rip) else { return false }
        let bytes = InstructionBytes(count: min(fetched.count, 16)) { fetched[$0] }
        guard let op = PTWriteOp.decode(bytes, registers: registers) else { return false }
        let address = op.linearAddress(registers: registers, fsBase: vcpu.fsBase, gsBase: vcpu.activeGSBase)
        let size = UInt64(op.size)
        // Xen: "Only allow naturally-aligned stores within the original %cr2 page."
        guard size.nonzeroBitCount == 1, size <= 8, (address ^ faultAddress) & ~0xfff == 0,
              address & (size - 1) == 0 else { return false }

        let space = GuestAddressSpace(memory: memory, l4: vcpu.guestTable)
        return lock.withLock { _ in
            guard writablePageTablesEnabled else { return false }
            // The PTE mapping the faulting VA in the kernel tables must be
            // present and read-only, and map a validated L1 table
            // (Xen: guest_get_eff_kern_l1e, ptwr_do_page_fault).
            guard let pteAddress = try? space.l1EntryAddress(faultAddress),
                  let pte = try? memory.load(UInt64.self, at: pteAddress),
                  pte & (PageTableEntry.present | PageTableEntry.rw) == PageTableEntry.present else { return false }
            let l1 = (pte & PageTableEntry.addressMask) >> PageTableEntry.pageShift
            guard types.isValidatedTable(l1, .l1) else { return false }

            let entryAddress = (l1 << PageTableEntry.pageShift) | (address & 0xff8)
            let shift = (address & 7) * 8
            let fieldMask: UInt64 = size == 8 ? ~0 : ((1 << (size * 8)) - 1) << shift
            // Only A/D can change under us, so a few retries suffice.
            for _ in 0..<16 {
                guard let full = try? memory.load(UInt64.self, at: entryAddress) else { return false }
                let result = op.apply(old: (full & fieldMask) >> shift, registers: registers)
                guard result.writes else {
                    // A failed CMPXCHG writes nothing (the CPU writes the old
                    // value back).
                    registers = result.registers
                    return true
                }
                let merged = (full & ~fieldMask) | ((result.newValue << shift) & fieldMask)
                var new = merged
                if merged & PageTableEntry.present != 0 {
                    do throws(XenErrno) { try types.getPageFromEntry(merged, level: 1) } catch { return false }
                    new = PageTableEntry.adjustedForGuest(merged, level: 1)
                }
                guard let r = try? memory.compareExchange64(at: entryAddress, expected: full, desired: new) else {
                    types.putPageFromEntry(new, level: 1)
                    return false
                }
                if !r.exchanged {
                    types.putPageFromEntry(new, level: 1)
                    continue
                }
                types.putPageFromEntry(full, level: 1)
                if full & PageTableEntry.present != 0 && full != new { types.noteShadowWrite(entryAddress) }
                registers = result.registers
                return true
            }
            return true  // re-execute (Xen: X86EMUL_RETRY)
        }
    }
}
