// A small domain for the PV MMU tests: 64 frames of RAM, four hypervisor
// frames above it (256 shared_info, foreign-mappable; 257 a shim frame the
// guest must never map; 258/259 our L3s for the hypervisor L4 slots), and a
// hand-built kernel page-table tree:
//
//   L4 frame 1 [0] -> L3 frame 2 [0] -> L2 frame 3 [2] -> L1 frame 4
//   L1 frame 4: [0] -> frame 10 RW  (VA 0x400000, the hypercall buffer)
//               [1] -> frame 11 RW  (VA 0x401000)
//               [2] -> frame 12 RO  (VA 0x402000)
//               [4] -> frame 4  RO  (VA 0x404000, the L1 itself, for ptwr)
//               [5] -> frame 3  RO  (VA 0x405000, the L2)
//
// Entries are written the way the domain builder writes them: without
// _PAGE_USER (upper levels P|RW|A = 0x23, L1 P|RW|A or P|A).
import GuestMemory
import Platform
import XenABI

final class MMUFixture {
    static let ramFrames: UInt64 = 64
    static let sharedInfo: UInt64 = 256
    static let shimFrame: UInt64 = 257
    static let hypervisorL3a: UInt64 = 258
    static let hypervisorL3b: UInt64 = 259

    static let l4: UInt64 = 1
    static let l3: UInt64 = 2
    static let l2: UInt64 = 3
    static let l1: UInt64 = 4
    static let buffer: UInt64 = 10
    static let baseVA: UInt64 = 0x40_0000
    static let bufferVA: UInt64 = baseVA
    static let l1SelfVA: UInt64 = baseVA + 4 * 0x1000

    static let upper: UInt64 = 0x23  // P|RW|A
    static let rwData: UInt64 = 0x23  // P|RW|A
    static let roData: UInt64 = 0x21  // P|A
    static let user: UInt64 = 0x4

    static let hypervisorEntries: [(slot: Int, entry: UInt64)] = [
        (256, pte(hypervisorL3a, 0x63)),
        (257, pte(hypervisorL3b, 0x63)),
    ]

    let memory: GuestMemory
    let mmu: MMU
    let vcpu = PVVCPU(id: 0)

    /// `populatedFrames` and `maxPages` as MMU.init (nil: all 64 frames).
    init(buildTree: Bool = true, populatedFrames: UInt64? = nil, maxPages: UInt64? = nil) throws {
        memory = try GuestMemory(layout: [
            ("ram", 0, Self.ramFrames * 4096),
            ("hypervisor", Self.sharedInfo << 12, 4 * 4096),
        ])
        mmu = MMU(memory: memory, ramFrames: Self.ramFrames, populatedFrames: populatedFrames, maxPages: maxPages,
                  isForeignMappable: { $0 == MMUFixture.sharedInfo },
                  hypervisorL4Entries: Self.hypervisorEntries)
        if buildTree {
            set(Self.l4, 0, pte(Self.l3, Self.upper))
            set(Self.l3, 0, pte(Self.l2, Self.upper))
            set(Self.l2, 2, pte(Self.l1, Self.upper))
            set(Self.l1, 0, pte(Self.buffer, Self.rwData))
            set(Self.l1, 1, pte(11, Self.rwData))
            set(Self.l1, 2, pte(12, Self.roData))
            set(Self.l1, 4, pte(Self.l1, Self.roData))
            set(Self.l1, 5, pte(Self.l2, Self.roData))
        }
    }

    /// Pins the tree's L4 and makes it the vCPU's kernel base pointer.
    func boot() throws {
        try mmu.pin(level: 4, mfn: Self.l4)
        try mmu.setBaseptr(vcpu, mfn: Self.l4, user: false)
        mmu.writablePageTables = true
    }

    var space: GuestAddressSpace { GuestAddressSpace(memory: memory, l4: Self.l4 << 12) }

    func set(_ mfn: UInt64, _ slot: Int, _ value: UInt64) {
        try? memory.store(value, at: mfn << 12 + UInt64(slot) * 8)
    }

    func get(_ mfn: UInt64, _ slot: Int) -> UInt64 {
        (try? memory.load(UInt64.self, at: mfn << 12 + UInt64(slot) * 8)) ?? 0xdead
    }

    func info(_ mfn: UInt64) -> PageTypeInfo {
        mmu.pageTypeInfo(mfn: mfn) ?? PageTypeInfo()
    }

    /// Every RAM frame has no type references.
    var noReferences: Bool {
        (0..<Self.ramFrames).allSatisfy { info($0).count == 0 && !info($0).pinned }
    }

    /// Writes `requests` as `struct mmu_update` into the buffer frame and
    /// runs mmu_update on them.
    func mmuUpdate(_ requests: [(ptr: UInt64, val: UInt64)], countVA: UInt64 = 0,
                   domid: UInt16 = DomID.self_.rawValue) -> Int64 {
        for (i, r) in requests.enumerated() {
            try? memory.store(r.ptr, at: Self.buffer << 12 + UInt64(i) * 16)
            try? memory.store(r.val, at: Self.buffer << 12 + UInt64(i) * 16 + 8)
        }
        return mmu.doMMUUpdate(vcpu: vcpu, space: space, requests: Self.bufferVA,
                               count: UInt64(requests.count), successCountVA: countVA, domid: domid)
    }

    /// Writes `ops` as `struct mmuext_op` into the buffer frame and runs
    /// mmuext_op on them.
    func extOp(_ ops: [MMUExtOpEntry], countVA: UInt64 = 0) -> Int64 {
        for (i, op) in ops.enumerated() {
            let ma = Self.buffer << 12 + UInt64(i * MMUExtOpEntry.size)
            try? memory.store(op.cmd, at: ma)
            try? memory.store(op.arg1, at: ma + 8)
            try? memory.store(op.arg2, at: ma + 16)
        }
        return mmu.doMMUExtOp(vcpu: vcpu, space: space, ops: Self.bufferVA, count: UInt64(ops.count),
                              successCountVA: countVA, domid: DomID.self_.rawValue)
    }
}

func pte(_ mfn: UInt64, _ flags: UInt64) -> UInt64 { mfn << 12 | flags }

func errno(_ e: XenErrno) -> Int64 { -Int64(e.rawValue) }
