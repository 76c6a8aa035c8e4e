// mmuext_op.
import GuestMemory
import Platform
import Testing
import XenABI

@Suite struct MMUExtOpTests {
    static func op(_ cmd: MMUExtOp, _ arg1: UInt64 = 0, _ arg2: UInt64 = 0) -> MMUExtOpEntry {
        MMUExtOpEntry(cmd: cmd.rawValue, arg1: arg1, arg2: arg2)
    }

    @Test func contextSwitchBatch() throws {
        let f = try F()
        try f.boot()
        f.set(20, 0, pte(F.l3, F.upper))  // another mm's kernel L4
        f.set(21, 0, pte(F.l3, F.upper))  // and its user L4
        let countVA = F.bufferVA + 0x800
        let rc = f.extOp([
            Self.op(.pinL4Table, 20), Self.op(.pinL4Table, 21),
            Self.op(.newBaseptr, 20), Self.op(.newUserBaseptr, 21),
            Self.op(.setLDT, 0, 0), Self.op(.tlbFlushLocal), Self.op(.invlpgLocal, F.baseVA),
            Self.op(.tlbFlushAll), Self.op(.invlpgAll, 0xFFFF_8000_0000_0000),
            Self.op(.tlbFlushMulti, 0, F.bufferVA), Self.op(.invlpgMulti, F.baseVA, F.bufferVA),
        ], countVA: countVA)
        #expect(rc == 0)
        #expect(try f.memory.load(UInt32.self, at: F.buffer << 12 + 0x800) == 11)
        #expect(f.vcpu.guestTable == 20 << 12 && f.vcpu.guestTableUser == 21 << 12)
        #expect(f.info(20).count == 2 && f.info(21).count == 2)
        #expect(f.info(F.l4).count == 1)  // only the pin is left
        #expect(f.info(F.l3).count == 3)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let op: MMUExtOpEntry
        let error: XenErrno
        var testDescription: String { name }
    }

    static let failing: [Case] = [
        Case(name: "unknown command 14", op: MMUExtOpEntry(cmd: 14), error: .ENOSYS),
        Case(name: "unknown command 99", op: MMUExtOpEntry(cmd: 99), error: .ENOSYS),
        Case(name: "flush cache", op: op(.flushCache), error: .EACCES),
        Case(name: "flush cache global", op: op(.flushCacheGlobal), error: .EACCES),
        Case(name: "mark super", op: op(.markSuper, 0), error: .EOPNOTSUPP),
        Case(name: "unmark super", op: op(.unmarkSuper, 0), error: .EOPNOTSUPP),
        Case(name: "flush multi, unreadable mask", op: op(.tlbFlushMulti, 0, 0x7000_0000), error: .EINVAL),
        Case(name: "invlpg multi, mask in the hole", op: op(.invlpgMulti, 0, 0xFFFF_8000_0000_0000), error: .EINVAL),
        Case(name: "LDT too large", op: op(.setLDT, 0x1000_0000, 8193), error: .EINVAL),
        Case(name: "LDT unaligned", op: op(.setLDT, 0x1000_0008, 16), error: .EINVAL),
        Case(name: "LDT in the hypervisor hole", op: op(.setLDT, 0xFFFF_8000_0000_0000, 16), error: .EINVAL),
        Case(name: "LDT non-canonical", op: op(.setLDT, 0x0000_8000_0000_0000, 16), error: .EINVAL),
        Case(name: "pin outside RAM", op: op(.pinL1Table, F.shimFrame), error: .EINVAL),
        Case(name: "pin a writable frame", op: op(.pinL2Table, F.buffer), error: .EINVAL),
        Case(name: "double pin", op: op(.pinL4Table, F.l4), error: .EINVAL),
        Case(name: "unpin unpinned", op: op(.unpinTable, F.l1), error: .EINVAL),
        Case(name: "kernel baseptr 0", op: op(.newBaseptr, 0), error: .EINVAL),
        Case(name: "baseptr to an L1", op: op(.newBaseptr, F.l1), error: .EINVAL),
        Case(name: "user baseptr outside RAM", op: op(.newUserBaseptr, 1 << 30), error: .EINVAL),
        Case(name: "clear a page table", op: op(.clearPage, F.l2), error: .EINVAL),
        Case(name: "clear outside RAM", op: op(.clearPage, F.sharedInfo), error: .EINVAL),
        Case(name: "copy onto a page table", op: op(.copyPage, F.l1, 30), error: .EINVAL),
        Case(name: "copy from outside RAM", op: op(.copyPage, 30, F.shimFrame), error: .EINVAL),
    ]

    @Test(arguments: failing)
    func failingOps(_ c: Case) throws {
        let f = try F()
        try f.boot()
        let countVA = F.bufferVA + 0x800
        try f.memory.store(UInt32(0xffff), at: F.buffer << 12 + 0x800)
        // One good op first: the count must say 1.
        #expect(f.extOp([Self.op(.tlbFlushLocal), c.op], countVA: countVA) == errno(c.error))
        #expect(try f.memory.load(UInt32.self, at: F.buffer << 12 + 0x800) == 1)
        #expect(f.info(F.l4) == PageTypeInfo(type: .l4, count: 2, validated: true, pinned: true))
        #expect(f.vcpu.guestTable == F.l4 << 12)
    }

    @Test func setLDT() throws {
        let f = try F()
        try f.boot()
        #expect(f.extOp([Self.op(.setLDT, 0x1000_0000, 8192)]) == 0)
        #expect(f.vcpu.ldtBase == 0x1000_0000 && f.vcpu.ldtEntries == 8192)
        #expect(f.extOp([Self.op(.setLDT, 0x1234, 0)]) == 0)  // no entries: base ignored
        #expect(f.vcpu.ldtBase == 0 && f.vcpu.ldtEntries == 0)
    }

    @Test func clearAndCopyPage() throws {
        let f = try F()
        try f.boot()
        try f.memory.store(UInt64(0x1122), at: 30 << 12 + 16)
        #expect(f.extOp([Self.op(.copyPage, 31, 30)]) == 0)
        #expect(f.get(31, 2) == 0x1122)
        #expect(f.extOp([Self.op(.clearPage, 31)]) == 0)
        #expect(f.get(31, 2) == 0)
        #expect(f.info(31).count == 0)
        // Writable-mapped frames may be cleared; page tables may be the source.
        #expect(f.extOp([Self.op(.clearPage, 11)]) == 0)
        #expect(f.extOp([Self.op(.copyPage, 31, F.l1)]) == 0)
        #expect(f.get(31, 0) == f.get(F.l1, 0))
    }

    @Test func hostileBatches() throws {
        let f = try F()
        try f.boot()
        #expect(f.mmu.doMMUExtOp(vcpu: f.vcpu, space: f.space, ops: F.bufferVA, count: 1 << 21,
                                 successCountVA: 0, domid: 0x7FF0) == errno(.EINVAL))
        #expect(f.mmu.doMMUExtOp(vcpu: f.vcpu, space: f.space, ops: F.bufferVA, count: 1,
                                 successCountVA: 0, domid: 1) == errno(.ESRCH))
        #expect(f.mmu.doMMUExtOp(vcpu: f.vcpu, space: f.space, ops: 0xFFFF_8000_0000_0000, count: 1,
                                 successCountVA: 0, domid: 0x7FF0) == errno(.EFAULT))
        #expect(f.mmu.doMMUExtOp(vcpu: f.vcpu, space: f.space, ops: 0x7000_0000, count: 1,
                                 successCountVA: 0, domid: 0x7FF0) == errno(.EFAULT))
        // Zero ops: nothing happens, count 0 written.
        #expect(f.mmu.doMMUExtOp(vcpu: f.vcpu, space: f.space, ops: 0, count: 0,
                                 successCountVA: 0, domid: 0x7FF0) == 0)
    }

    @Test func forkExitCycleLeavesNoReferences() throws {
        // Pin a fresh tree per "process", switch to it and back, unpin: no leaks.
        let f = try F()
        try f.boot()
        for round in 0..<20 {
            let l4: UInt64 = 40, l3: UInt64 = 41, l2: UInt64 = 42, l1: UInt64 = 43
            for frame in [l4, l3, l2, l1] { try f.memory.zero(at: frame << 12, count: 4096) }
            f.set(l4, 0, pte(l3, F.upper))
            f.set(l4, 511, pte(F.l3, F.upper))  // shared kernel half
            f.set(l3, 0, pte(l2, F.upper))
            f.set(l2, 0, pte(l1, F.upper))
            f.set(l1, round, pte(50, F.rwData))
            #expect(f.extOp([Self.op(.pinL1Table, l1), Self.op(.pinL4Table, l4),
                             Self.op(.newBaseptr, l4), Self.op(.newBaseptr, F.l4),
                             Self.op(.unpinTable, l4), Self.op(.unpinTable, l1)]) == 0)
            #expect(f.info(50).count == 0)
            #expect([l4, l3, l2, l1].allSatisfy { f.info($0).count == 0 })
            #expect(f.info(F.l3).count == 1)
        }
    }
}
