// mmuext_op: pinning, base pointers, TLB flushes, LDT and page clear/copy.
// Xen: do_mmuext_op (xen/arch/x86/mm.c).
import GuestMemory
import XenABI

extension MMU {
    /// `mmuext_op(ops, count, success_count, foreigndom)`: runs each 24-byte
    /// `struct mmuext_op` read from guest VA `ops` in order, stopping at the
    /// first error, and writes the number done to `successCountVA` (a u32)
    /// when it is not 0. Returns 0 or -errno:
    /// - PIN_L1..L4_TABLE, UNPIN_TABLE, NEW_BASEPTR, NEW_USER_BASEPTR: see
    ///   `pin`, `unpin`, `setBaseptr`.
    /// - TLB_FLUSH_LOCAL/ALL, INVLPG_LOCAL/ALL: 0 (host writes already set
    ///   `needsShadowFlush`); TLB_FLUSH_MULTI, INVLPG_MULTI: -EINVAL if the
    ///   vCPU bitmap at `arg2` is unreadable.
    /// - SET_LDT: -EINVAL for more than 8192 entries, or a base that is not
    ///   page-aligned or not a guest address.
    /// - CLEAR_PAGE, COPY_PAGE: RAM frames only; the destination must be
    ///   able to take the writable type (-EINVAL otherwise).
    /// - FLUSH_CACHE, FLUSH_CACHE_GLOBAL: -EACCES (a domU may not flush
    ///   caches); MARK/UNMARK_SUPER: -EOPNOTSUPP; anything else -ENOSYS.
    ///
    /// Xen: `__HYPERVISOR_mmuext_op`, do_mmuext_op (xen/arch/x86/mm.c).
    public func doMMUExtOp(vcpu: PVVCPU, space: GuestAddressSpace, ops: UInt64, count: UInt64,
                           successCountVA: UInt64, domid: UInt16) -> Int64 {
        let n = UInt32(truncatingIfNeeded: count)
        guard n <= mmuMaximumBatch else { return -Int64(XenErrno.EINVAL.rawValue) }
        guard Self.isGuestRange(ops, bytes: UInt64(n) * UInt64(MMUExtOpEntry.size)) else {
            return -Int64(XenErrno.EFAULT.rawValue)
        }
        guard domid == DomID.self_.rawValue else { return -Int64(XenErrno.ESRCH.rawValue) }
        return lock.withLock { _ in
            var done: UInt32 = 0
            var rc: XenErrno?
            while done < n {
                let va = ops &+ UInt64(done) * UInt64(MMUExtOpEntry.size)
                do throws(XenErrno) {
                    let op = try Self.readExtOp(space, at: va)
                    try extOpOne(op, vcpu: vcpu, space: space)
                } catch {
                    rc = error
                    break
                }
                done += 1
            }
            if successCountVA != 0 { try? space.store(done, at: successCountVA) }
            return rc.map { -Int64($0.rawValue) } ?? 0
        }
    }

    func extOpOne(_ op: MMUExtOpEntry, vcpu: PVVCPU, space: GuestAddressSpace) throws(XenErrno) {
        switch MMUExtOp(rawValue: op.cmd) {
        case .pinL1Table, .pinL2Table, .pinL3Table, .pinL4Table:
            try pinLocked(level: Int(op.cmd) + 1, mfn: op.arg1)

        case .unpinTable:
            try unpinLocked(mfn: op.arg1)

        case .newBaseptr:
            try setBaseptrLocked(vcpu, mfn: op.arg1, user: false)

        case .newUserBaseptr:
            try setBaseptrLocked(vcpu, mfn: op.arg1, user: true)

        case .tlbFlushLocal, .invlpgLocal, .tlbFlushAll, .invlpgAll:
            // KVM's TLB is coherent with what the guest can write; our own
            // writes are covered by needsShadowFlush.
            break

        case .tlbFlushMulti, .invlpgMulti:
            // Xen: vcpumask_to_pcpumask; an unreadable bitmap is -EINVAL.
            guard (try? space.load(UInt64.self, at: op.arg2)) != nil else { throw .EINVAL }

        case .flushCache, .flushCacheGlobal:
            throw .EACCES  // !cache_flush_permitted(domU)

        case .setLDT:
            // Xen reads nr_ents as an unsigned int; with 0 entries the base
            // is ignored.
            let entries = UInt32(truncatingIfNeeded: op.arg2)
            let base = entries == 0 ? 0 : op.arg1
            guard entries <= 8192 else { throw .EINVAL }
            if entries != 0 {
                guard base & 0xfff == 0, GuestAddressSpace.isGuestAddress(base) else { throw .EINVAL }
            }
            vcpu.ldtBase = base
            vcpu.ldtEntries = entries

        case .clearPage:
            let mfn = op.arg1
            guard types.isRAM(mfn) else { throw .EINVAL }
            do throws(XenErrno) { try types.getPageType(mfn, .writable) } catch { throw .EINVAL }
            defer { types.putPageType(mfn) }
            try memory.zero(at: mfn << PageTableEntry.pageShift, count: Int(PageTableEntry.pageSize))
            types.needsShadowFlush = true  // KVM may shadow the frame from an earlier use

        case .copyPage:
            let dst = op.arg1
            let src = op.arg2
            guard types.isRAM(src), types.isRAM(dst) else { throw .EINVAL }
            do throws(XenErrno) { try types.getPageType(dst, .writable) } catch { throw .EINVAL }
            defer { types.putPageType(dst) }
            if src != dst {
                let bytes = try memory.read(at: src << PageTableEntry.pageShift, count: Int(PageTableEntry.pageSize))
                try memory.write(bytes, at: dst << PageTableEntry.pageShift)
            }
            types.needsShadowFlush = true

        case .markSuper, .unmarkSuper:
            throw .EOPNOTSUPP

        default:
            throw .ENOSYS
        }
    }

    /// Reads one `struct mmuext_op` (u32 cmd, 4 bytes padding, u64 arg1,
    /// u64 arg2) from guest VA `va`.
    static func readExtOp(_ space: GuestAddressSpace, at va: UInt64) throws(XenErrno) -> MMUExtOpEntry {
        let size = UInt64(MMUExtOpEntry.size)
        if va & 0xfff <= 0x1000 - size {
            let ma = try space.translate(va, write: false)
            let m = space.memory
            return MMUExtOpEntry(cmd: try m.load(UInt32.self, at: ma + UInt64(MMUExtOpEntry.Offset.cmd)),
                                 arg1: try m.load(UInt64.self, at: ma + UInt64(MMUExtOpEntry.Offset.arg1)),
                                 arg2: try m.load(UInt64.self, at: ma + UInt64(MMUExtOpEntry.Offset.arg2)))
        }
        return MMUExtOpEntry(cmd: try space.load(UInt32.self, at: va &+ UInt64(MMUExtOpEntry.Offset.cmd)),
                             arg1: try space.load(UInt64.self, at: va &+ UInt64(MMUExtOpEntry.Offset.arg1)),
                             arg2: try space.load(UInt64.self, at: va &+ UInt64(MMUExtOpEntry.Offset.arg2)))
    }
}
