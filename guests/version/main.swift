// version — xen_version sub-ops and the hypervisor CPUID leaves reached through the PV
// forced-emulation prefix.
// Facts: public/version.h (XENVER_* numbers, output sizes: extraversion 16, compile_info 144,
// capabilities 1024, changeset 64, platform_parameters 8, feature_info 8, guest_handle 16);
// public/features.h (XENFEAT_* bits); xen/common/kernel.c do_xen_version (unknown sub-op ->
// -ENOSYS); xen/arch/x86/cpuid.c (leaf 0x40000000: "XenVMMXenVMM", EAX = last leaf;
// 0x40000001: EAX = major << 16 | minor); prefix bytes from public/arch-x86/xen.h.

let testName: StaticString = "version"

@_extern(c, "xen_cpuid")
func xenCPUID(_ leaf: UInt32, _ subleaf: UInt32, _ out: UnsafeMutableRawPointer) -> UInt64

/// Byte written around every output buffer to catch writes past the documented size.
let sentinel: UInt8 = 0xa5

func testMain() {
    let version = HYPERVISOR.xenVersion(XenVer.version)
    printf("XENVER_version: %x (%u.%u)\n", version, version >> 16, version & 0xffff)
    check(version > 0, "XENVER_version returned %d", version)

    let buffer = Memory.allocatePage()
    if query(XenVer.extraversion, size: 16, buffer) {
        checkString(buffer.va, size: 16, "extraversion")
        printf("XENVER_extraversion: '%s'\n", buffer.va)
    }
    if query(XenVer.compileInfo, size: 144, buffer) {
        // struct xen_compile_info: compiler[64] 0, compile_by[16] 64, compile_domain[32] 80,
        // compile_date[32] 112.
        checkString(buffer.va, size: 64, "compile_info.compiler")
        checkString(buffer.va + 64, size: 16, "compile_info.compile_by")
        checkString(buffer.va + 80, size: 32, "compile_info.compile_domain")
        checkString(buffer.va + 112, size: 32, "compile_info.compile_date")
        printf("XENVER_compile_info: compiler '%s', date '%s'\n", buffer.va, buffer.va + 112)
    }
    if query(XenVer.capabilities, size: 1024, buffer) {
        checkString(buffer.va, size: 1024, "capabilities")
        printf("XENVER_capabilities: '%s'\n", buffer.va)
        check(CString.contains(buffer.pointer, max: 1024, "xen-3.0-x86_64"),
              "capabilities do not include xen-3.0-x86_64")
    }
    if query(XenVer.changeset, size: 64, buffer) {
        checkString(buffer.va, size: 64, "changeset")
        printf("XENVER_changeset: '%s'\n", buffer.va)
    }
    if query(XenVer.platformParameters, size: 8, buffer) {
        let virtStart = Volatile.load64(buffer.va)
        printf("XENVER_platform_parameters: virt_start %x\n", virtStart)
        check(virtStart >= Layout.hypervisorVirtStart, "virt_start %x below %x", virtStart,
              Layout.hypervisorVirtStart)
    }
    checkFeatures()

    let pagesize = HYPERVISOR.xenVersion(XenVer.pagesize)
    check(pagesize == 4096, "XENVER_pagesize returned %d", pagesize)
    if query(XenVer.guestHandle, size: 16, buffer) {
        printf("XENVER_guest_handle: %016x%016x\n", Volatile.load64(buffer.va).byteSwapped,
               Volatile.load64(buffer.va + 8).byteSwapped)
    }
    let unknown = HYPERVISOR.xenVersion(0xffff, buffer.va)
    check(unknown == -XenErrno.ENOSYS, "unknown xen_version sub-op returned %d, expected -38", unknown)

    checkCPUID(version: version)
}

/// Calls xen_version(cmd, buffer) on a sentinel-filled page; checks success and that nothing past
/// `size` bytes was written.
func query(_ cmd: UInt64, size: UInt64, _ buffer: Page) -> Bool {
    for i in 0..<Layout.pageSize { Volatile.store8(buffer.va + i, sentinel) }
    let rc = HYPERVISOR.xenVersion(cmd, buffer.va)
    guard check(rc == 0, "xen_version(%u) returned %d", cmd, rc) else { return false }
    for i in size..<Layout.pageSize where Volatile.load8(buffer.va + i) != sentinel {
        check(false, "xen_version(%u) wrote byte %u, past its %u-byte result", cmd, i, size)
        break
    }
    return true
}

/// A C string field must be NUL-terminated inside its `size` bytes.
func checkString(_ address: UInt64, size: UInt64, _ what: StaticString) {
    var i: UInt64 = 0
    while i < size, Volatile.load8(address + i) != 0 { i += 1 }
    if i == size {
        check(false, "%s is not NUL-terminated within %u bytes", cstr(what), size)
        Volatile.store8(address + size - 1, 0)   // keep the later printf bounded
    }
}

func checkFeatures() {
    var info = XenFeatureInfo(submapIdx: 0)
    let rc = withUnsafeMutablePointer(to: &info) { HYPERVISOR.xenVersion(XenVer.getFeatures, va($0)) }
    guard check(rc == 0, "XENVER_get_features returned %d", rc) else { return }
    let map = info.submap
    printf("XENVER_get_features: submap 0 = %08x\n", map)
    func bit(_ n: Int) -> Bool { map & (1 << UInt32(n)) != 0 }
    check(bit(XenFeat.mmuPTUpdatePreserveAD), "XENFEAT_mmu_pt_update_preserve_ad (5) not set")
    check(bit(XenFeat.gnttabMapAvailBits), "XENFEAT_gnttab_map_avail_bits (7) not set")
    check(!bit(XenFeat.autoTranslatedPhysmap), "XENFEAT_auto_translated_physmap (2) set for a PV guest")
    check(!bit(XenFeat.supervisorModeKernel), "XENFEAT_supervisor_mode_kernel (3) set")
    check(!bit(XenFeat.dom0), "XENFEAT_dom0 (11) set for a domU")
}

func checkCPUID(version: Int) {
    var regs: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    let faulted = withUnsafeMutableBytes(of: &regs) { xenCPUID(0x4000_0000, 0, $0.baseAddress!) }
    guard check(faulted == 0, "forced-emulation CPUID raised #UD (vector %u)", Traps.last.vector) else { return }
    printf("CPUID 0x40000000: eax %x, signature %08x %08x %08x\n", regs.0, regs.1, regs.2, regs.3)
    // "XenVMMXenVMM" as the little-endian words EBX, ECX, EDX.
    check(regs.1 == 0x566e_6558 && regs.2 == 0x6558_4d4d && regs.3 == 0x4d4d_566e,
          "CPUID 0x40000000 signature is not XenVMMXenVMM")
    check(regs.0 >= 0x4000_0002, "CPUID 0x40000000 max leaf %x < 0x40000002", regs.0)

    regs = (0, 0, 0, 0)
    _ = withUnsafeMutableBytes(of: &regs) { xenCPUID(0x4000_0001, 0, $0.baseAddress!) }
    printf("CPUID 0x40000001: eax %x\n", regs.0)
    check(Int(regs.0) == version, "CPUID 0x40000001 eax %x differs from XENVER_version %x", regs.0, version)
}
