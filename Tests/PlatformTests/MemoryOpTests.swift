// memory_op as the guest issues it (Domain.doMemoryOp through the hypercall
// dispatcher): command and start-extent decoding, the reservation queries
// and their errors, and the frames the hypervisor itself uses. Xen:
// do_memory_op (xen/common/memory.c), arch_memory_op (xen/arch/x86/mm.c).
import GuestMemory
import Logging
@testable import Platform
import Testing
import XenABI

/// The MMU fixture wrapped in a Domain whose console ring is frame 20 and
/// xenstore ring frame 21, with vCPU 0 on the fixture's page tables.
final class MemoryOpFixture {
    let f: MMUFixture
    let domain: Domain
    var vcpu: PVVCPU { domain.vcpus[0] }

    init(populatedFrames: UInt64? = nil, maxPages: UInt64? = nil) throws {
        f = try MMUFixture(populatedFrames: populatedFrames, maxPages: maxPages)
        domain = Domain(name: "balloon", memory: f.memory, ramPages: MMUFixture.ramFrames, vcpuCount: 1,
                        sharedInfo: MMUFixture.sharedInfo << 12, consoleRing: 20 << 12, consolePort: 1,
                        storeRing: 21 << 12, storePort: 2, m2pVirtBase: 0xFFFF_8080_0000_0000,
                        grantFramesBase: 0, logger: Logger(label: "test"), trace: [])
        domain.mmuHook = DomainMMU(mmu: f.mmu)
        try f.mmu.pin(level: 4, mfn: MMUFixture.l4)
        try f.mmu.setBaseptr(vcpu, mfn: MMUFixture.l4, user: false)
    }

    /// memory_op(cmd, arg) as the guest's hypercall returns it.
    func memoryOp(_ cmd: UInt64, _ arg: UInt64 = MMUFixture.reservationVA) -> Int64 {
        Int64(bitPattern: domain.call(vcpu, Hypercall.memoryOp.rawValue, [cmd, arg, 0, 0, 0]))
    }

    /// Writes a struct xen_memory_reservation (extent list in frame 11).
    func reservation(_ list: [UInt64], domid: UInt16 = DomID.self_.rawValue) {
        f.writeList(list)
        let r = MMUFixture.buffer << 12 + 0x800
        try? f.memory.store(MMUFixture.listVA, at: r)
        try? f.memory.store(UInt64(list.count), at: r + 8)
        try? f.memory.store(UInt32(0), at: r + 16)
        try? f.memory.store(UInt32(0), at: r + 20)
        try? f.memory.store(domid, at: r + 24)
    }

    /// Writes a struct xen_memory_domain and returns its VA.
    func memoryDomain(_ domid: UInt16) -> UInt64 {
        try? f.memory.store(domid, at: MMUFixture.buffer << 12 + 0x900)
        return MMUFixture.bufferVA + 0x900
    }
}

@Suite struct MemoryOpTests {
    static let decrease = MemoryOp.decreaseReservation.rawValue
    static let populate = MemoryOp.populatePhysmap.rawValue
    static let current = MemoryOp.currentReservation.rawValue
    static let maximum = MemoryOp.maximumReservation.rawValue

    @Test func reservationQueriesFollowDecreaseAndPopulate() throws {
        let m = try MemoryOpFixture(populatedFrames: 48, maxPages: 56)
        let selfVA = m.memoryDomain(DomID.self_.rawValue)
        #expect(m.memoryOp(Self.current, selfVA) == 48)
        #expect(m.memoryOp(Self.maximum, selfVA) == 56)
        m.reservation([30, 31])
        #expect(m.memoryOp(Self.decrease) == 2)
        #expect(m.memoryOp(Self.current, selfVA) == 46)
        m.reservation([30, 31, 50])
        #expect(m.memoryOp(Self.populate) == 3)
        #expect(m.f.list(3) == [30, 31, 50])
        #expect(m.memoryOp(Self.current, m.memoryDomain(m.domain.domid)) == 49)
        #expect(m.memoryOp(Self.maximum, selfVA) == 56)
    }

    struct QueryError: CustomTestStringConvertible, Sendable {
        let name: String
        let cmd: UInt64
        let domid: UInt16
        let error: XenErrno
        var testDescription: String { name }
    }

    @Test(arguments: [
        QueryError(name: "dom0 exists: XSM says no", cmd: current, domid: 0, error: .EPERM),
        QueryError(name: "no such domain", cmd: maximum, domid: 9, error: .ESRCH),
        QueryError(name: "DOMID_IO", cmd: current, domid: 0x7FF1, error: .ESRCH),
        QueryError(name: "start extent bits", cmd: current | 1 << 6, domid: DomID.self_.rawValue, error: .EINVAL),
        QueryError(name: "maximum_ram_page with start extent", cmd: MemoryOp.maximumRamPage.rawValue | 1 << 6,
                   domid: DomID.self_.rawValue, error: .EINVAL),
        QueryError(name: "exchange", cmd: MemoryOp.exchange.rawValue, domid: 0, error: .ENOSYS),
        QueryError(name: "exchange with start extent", cmd: MemoryOp.exchange.rawValue | 1 << 6, domid: 0,
                   error: .EINVAL),
        QueryError(name: "acquire_resource is not machphys_mapping", cmd: 28, domid: 0, error: .ENOSYS),
        QueryError(name: "machphys_mapping with start extent", cmd: MemoryOp.machphysMapping.rawValue | 1 << 6,
                   domid: 0, error: .ENOSYS),
    ])
    func queryErrors(_ q: QueryError) throws {
        let m = try MemoryOpFixture()
        #expect(m.memoryOp(q.cmd, m.memoryDomain(q.domid)) == -Int64(q.error.rawValue))
    }

    @Test func unreadableQueryIsEFAULT() throws {
        let m = try MemoryOpFixture()
        #expect(m.memoryOp(Self.current, 0x10_0000_0000) == -Int64(XenErrno.EFAULT.rawValue))
    }

    @Test func reservationErrorsReturnTheStartExtentNotAnErrno() throws {
        let m = try MemoryOpFixture()
        m.reservation([30], domid: 0)
        #expect(m.memoryOp(Self.decrease) == 0)
        #expect(m.memoryOp(Self.decrease, 0x10_0000_0000) == 0)
        #expect(m.memoryOp(Self.decrease | 5 << 6, 0x10_0000_0000) == 5)
        #expect(m.f.mmu.currentReservation == 64)
    }

    @Test func startExtentComesFromTheHighBitsOfCmd() throws {
        let m = try MemoryOpFixture()
        m.reservation([MMUFixture.l4, 30, 31])
        #expect(m.memoryOp(Self.decrease | 1 << 6) == 3)
        #expect(!m.f.mmu.isOwned(mfn: 30) && m.f.mmu.isOwned(mfn: MMUFixture.l4))
    }

    @Test func ringAndVCPUInfoFramesAreNotReleased() throws {
        let m = try MemoryOpFixture()
        m.reservation([30, 20])
        #expect(m.memoryOp(Self.decrease) == 1)    // the console ring
        m.reservation([21])
        #expect(m.memoryOp(Self.decrease) == 0)    // the xenstore ring
        m.vcpu.vcpuInfoAddress = 40 << 12 + 0x40  // as VCPUOP_register_vcpu_info leaves it
        m.vcpu.vcpuInfoRegistered = true
        m.reservation([40])
        #expect(m.memoryOp(Self.decrease) == 0)
        m.reservation([41])
        #expect(m.memoryOp(Self.decrease) == 1)
        #expect(m.f.mmu.currentReservation == 62)
    }

    @Test func withoutTheMMUReservationOpsAreENOSYS() throws {
        let m = try MemoryOpFixture()
        m.domain.mmuHook = nil
        m.reservation([30])
        #expect(m.memoryOp(Self.decrease) == -Int64(XenErrno.ENOSYS.rawValue))
        #expect(m.memoryOp(Self.current, m.memoryDomain(DomID.self_.rawValue)) == 64)
    }
}
