import Testing
import XenABI

@Test("golden bytes of evtchn_alloc_unbound")
func evtchnAllocUnboundGolden() {
    let value = EvtchnAllocUnbound(dom: .self_, remoteDom: DomID(rawValue: 0), port: EvtchnPort(rawValue: 0x1234_5678))
    var bytes = [UInt8](repeating: 0xAA, count: EvtchnAllocUnbound.size)
    bytes.withUnsafeMutableBytes { value.store(to: $0.baseAddress!) }
    #expect(bytes == [
        0xF0, 0x7F,              // dom = DOMID_SELF
        0x00, 0x00,              // remote_dom = 0
        0x78, 0x56, 0x34, 0x12,  // port
    ])
}

@Test("golden bytes of mmuext_op, including untouched padding")
func mmuextOpGolden() {
    let value = MMUExtOpEntry(cmd: MMUExtOp.pinL4Table.rawValue, arg1: 0x1122, arg2: 3)
    var bytes = [UInt8](repeating: 0xAA, count: MMUExtOpEntry.size)
    bytes.withUnsafeMutableBytes { value.store(to: $0.baseAddress!) }
    #expect(bytes == [
        0x03, 0x00, 0x00, 0x00,                          // cmd = MMUEXT_PIN_L4_TABLE
        0xAA, 0xAA, 0xAA, 0xAA,                          // padding, left alone
        0x22, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // arg1 (mfn)
        0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // arg2
    ])
}

@Test("loads work at unaligned addresses")
func unalignedLoad() {
    var bytes = [UInt8](repeating: 0, count: 1 + VCPUTimeInfo.size)
    let value = VCPUTimeInfo(version: 2, tscTimestamp: 0x0102_0304_0506_0708, systemTime: 99,
                             tscToSystemMul: 0x8000_0000, tscShift: -1, flags: VCPUTimeInfoFlags.tscStableBit.rawValue)
    bytes.withUnsafeMutableBytes { value.store(to: $0.baseAddress! + 1) }
    let loaded = bytes.withUnsafeBytes { VCPUTimeInfo(loadingFrom: $0.baseAddress! + 1) }
    #expect(loaded == value)
}

@Test("evtchn_status union views", arguments: [
    (EvtchnStat.unbound, UInt64(0x0000_0000_0000_0007)),
    (EvtchnStat.interdomain, UInt64(0x0000_0042_0000_0007)),
])
func evtchnStatusUnion(_ status: EvtchnStat, _ raw: UInt64) {
    var s = EvtchnStatus(status: status.rawValue)
    if status == .unbound {
        s.unboundDom = DomID(rawValue: 7)
    } else {
        s.interdomainDom = DomID(rawValue: 7)
        s.interdomainPort = EvtchnPort(rawValue: 0x42)
    }
    #expect(s.u == raw)
    #expect(s.interdomainDom == DomID(rawValue: 7))
}

@Test("names for logs", arguments: [
    (Hypercall.iret.name.description, "__HYPERVISOR_iret"),
    (Hypercall.consoleIO.name.description, "__HYPERVISOR_console_io"),
    (Hypercall(rawValue: 11).name.description, "unknown"),
    (XenErrno.EINVAL.name.description, "XEN_EINVAL"),
    (XenErrno.EAGAIN.name.description, "XEN_EAGAIN"),
    (EvtchnOp.bindIPI.name.description, "EVTCHNOP_bind_ipi"),
    (XSType.transactionStart.name.description, "XS_TRANSACTION_START"),
])
func names(_ got: String, _ want: String) {
    #expect(got == want)
}

@Test("errno as a hypercall return value", arguments: [XenErrno.EPERM, .EINVAL, .ENOSYS, .ECONNREFUSED])
func errnoReturnValue(_ e: XenErrno) {
    #expect(Int64(bitPattern: e.hypercallReturnValue) == -Int64(e.rawValue))
    #expect(XenErrno(hypercallReturnValue: e.hypercallReturnValue) == e)
}

@Test func errnoNotInRange() {
    #expect(XenErrno(hypercallReturnValue: 0) == nil)
    #expect(XenErrno(hypercallReturnValue: 5) == nil)
    #expect(XenErrno(hypercallReturnValue: UInt64(bitPattern: -4096)) == nil)
}

@Test("page-table indices", arguments: [
    (UInt64(0xFFFF_8000_0000_0000), 256, 0, 0, 0),
    (UInt64(0xFFFF_FFFF_8000_0000), 511, 510, 0, 0),
    (UInt64(0x0000_0000_0040_3000), 0, 0, 2, 3),
])
func pageTableIndices(_ va: UInt64, _ l4: Int, _ l3: Int, _ l2: Int, _ l1: Int) {
    #expect(PageTableEntry.l4Index(va) == l4)
    #expect(PageTableEntry.l3Index(va) == l3)
    #expect(PageTableEntry.l2Index(va) == l2)
    #expect(PageTableEntry.l1Index(va) == l1)
    #expect(PageTableEntry.index(va, level: 4) == l4)
    #expect(PageTableEntry.index(va, level: 1) == l1)
}

@Test func pageTableEntryFields() {
    let pte = PageTableEntry(mfn: 0x1234, flags: PageTableEntry.present | PageTableEntry.rw | PageTableEntry.nx)
    #expect(pte.rawValue == 0x8000_0000_0123_4003)
    #expect(pte.mfn == 0x1234)
    #expect(pte.isPresent)
    #expect(pte.flags == PageTableEntry.present | PageTableEntry.rw | PageTableEntry.nx)
    #expect(PageTableEntry.isCanonical(XenX86_64.hypervisorVirtStart))
    #expect(!PageTableEntry.isCanonical(0x0000_8000_0000_0000))
}

@Test func xsdErrors() {
    #expect(Xenstore.xsdErrorString(for: .ENOENT).description == "ENOENT")
    #expect(Xenstore.xsdErrorString(for: .ERANGE).description == "EINVAL")
    #expect(Xenstore.xsdError(at: Xenstore.xsdErrorsCount) == nil)
}

@Test func sharedInfoHelpers() {
    #expect(SharedInfo.vcpuInfoOffset(1) == 64)
    #expect(SharedInfo.evtchnPendingWordOffset(port: EvtchnPort(rawValue: 65)) == 2048 + 8)
    #expect(SharedInfo.evtchnMaskWordOffset(port: EvtchnPort(rawValue: 4095)) == 2560 + 63 * 8)
    #expect(VCPUGuestContext.trapCtxtOffset(14) == 720 + 14 * 16)
    #expect(Hypercall.xenVersion.pageOffset == 17 * 32)
    #expect(MemoryOp.fromArgument((5 << 6) | 6) == .populatePhysmap)
}
