// hello — first contact with the hypervisor: console output through the console ring and through
// console_io, one hypercall through the hypercall page, and the start-of-day state: start_info,
// entry registers and the initial mapping.
// Facts: public/xen.h (struct start_info, "Start-of-day memory layout"),
// tools/libs/guest/xg_dom_x86.c (vcpu_x86_64: CS 0xe033, SS 0xe02b, DS/ES/FS/GS 0, RSI =
// start_info; setup_pgtables_pv: page-table frames mapped read-only; alloc_pgtables_pv: the
// mapping ends on a 4 MiB boundary with >= 512 KiB after the boot stack), public/xen.h
// shared_info comment (vcpu_info[].evtchn_upcall_mask = 1 at start).
// Command line: `crash` makes the guest call SCHEDOP_shutdown(SHUTDOWN_crash) instead of finishing.

let testName: StaticString = "hello"

@_extern(c, "hypercall_page_xen_version")
func hypercallPageXenVersion(_ cmd: UInt64, _ arg: UInt64) -> Int64

func testMain() {
    printf("Hello from a Xenolith PV guest\n")
    let rc = Console.ioWrite("Hello from a Xenolith PV guest (console_io)\n")
    check(rc >= 0, "console_io(CONSOLEIO_write) returned %d", rc)

    if CString.contains(StartInfo.cmdLine, max: StartInfo.cmdLineSize, "crash") {
        printf("cmd_line asks for a crash: SCHEDOP_shutdown(SHUTDOWN_crash)\n")
        Console.drain()
        _ = HYPERVISOR.shutdown(ShutdownReason.crash)
        testError("SCHEDOP_shutdown(SHUTDOWN_crash) returned")
    }

    checkStartInfo()
    checkEntryState()
    checkInitialMapping()
    checkHypercallPage()
}

func checkStartInfo() {
    printf("start_info: magic '%s', nr_pages %u, flags %x, cmd_line '%s'\n",
           cstr(StartInfo.magic), StartInfo.nrPages, StartInfo.flags, cstr(StartInfo.cmdLine))
    printf("start_info: shared_info %x, console mfn %x evtchn %u, store mfn %x evtchn %u\n",
           StartInfo.sharedInfoMachineAddress, StartInfo.consoleMFN, StartInfo.consoleEvtchn,
           StartInfo.storeMFN, StartInfo.storeEvtchn)
    printf("start_info: pt_base %x, nr_pt_frames %u, mfn_list %x\n",
           StartInfo.ptBase, StartInfo.nrPTFrames, StartInfo.mfnList)

    check(CString.hasPrefix(StartInfo.magic, "xen-3.0-x86_64"), "start_info.magic is not xen-3.0-x86_64")
    check(StartInfo.nrPages > 0, "start_info.nr_pages is 0")
    check(StartInfo.consoleEvtchn != 0, "start_info.console.domU.evtchn is 0")
    check(StartInfo.sharedInfoMachineAddress != 0 && StartInfo.sharedInfoMachineAddress & 0xfff == 0,
          "start_info.shared_info %x is not a page address", StartInfo.sharedInfoMachineAddress)
    check(StartInfo.flags & 2 == 0, "start_info.flags has SIF_INITDOMAIN set for a domU")
    check(StartInfo.nrPTFrames > 0, "start_info.nr_pt_frames is 0")
}

func checkEntryState() {
    let image = Runtime.image
    printf("entry: cs %x, ss %x, ds %x, es %x, fs %x\n",
           image.bootCS, image.bootSS, image.bootDS, image.bootES, image.bootFS)
    printf("entry: gs %x, rsp %x, rflags %x, start_info %x, upcall mask %u\n",
           image.bootGS, image.bootRSP, image.bootRFLAGS, StartInfo.base, Runtime.initialUpcallMask)
    // Xen enters with FLAT_KERNEL_CS/SS. On kvm-pvm hosts CPL3 code always
    // runs on the host's own flat ring-3 selectors (0x33/0x2b), whatever the
    // VMM loads, so a read of CS/SS shows those (docs/kvm-pvm-findings.md).
    check(image.bootCS == Selector.kernelCS || image.bootCS == Selector.hostFlatCS,
          "entry CS %x, expected e033 (or the kvm-pvm host's 33)", image.bootCS)
    check(image.bootSS == Selector.kernelSS || image.bootSS == Selector.hostFlatSS,
          "entry SS %x, expected e02b (or the kvm-pvm host's 2b)", image.bootSS)
    check(image.bootDS == 0 && image.bootES == 0 && image.bootFS == 0 && image.bootGS == 0,
          "entry data selectors are not null")
    check(image.bootRFLAGS & RFlags.interruptEnable != 0, "entry RFLAGS.IF clear (%x)", image.bootRFLAGS)
    check(image.bootRFLAGS & 0x3000 == 0, "entry RFLAGS.IOPL not 0 (%x)", image.bootRFLAGS)
    check(image.bootRSP & 0xfff == 0, "entry RSP %x is not the top of a page", image.bootRSP)
    check(StartInfo.base & 0xfff == 0, "start_info %x is not page-aligned", StartInfo.base)
    check(Runtime.initialUpcallMask == 1, "vcpu_info[0].evtchn_upcall_mask was %u at entry, expected 1",
          Runtime.initialUpcallMask)
}

func checkInitialMapping() {
    // The initial mapping is the run of present L2 entries of the L2 that maps VIRT_BASE.
    guard let firstL2 = PageTables.entry(for: Layout.virtBase, level: 2) else {
        check(false, "no L2 table maps VIRT_BASE")
        return
    }
    var l2Count: UInt64 = 0
    while l2Count < 512, Volatile.load64(firstL2.va + l2Count * 8) & PTE.present != 0 { l2Count += 1 }
    let end = Layout.virtBase + l2Count << 21
    printf("initial mapping: %x-%x (%u L2 entries)\n", Layout.virtBase, end, l2Count)

    let ptEnd = StartInfo.ptBase + StartInfo.nrPTFrames * Layout.pageSize
    check(end & 0x3f_ffff == 0, "initial mapping ends at %x, not on a 4 MiB boundary", end)
    check(Runtime.image.imageEnd <= end, "image end %x lies beyond the initial mapping", Runtime.image.imageEnd)
    check(StartInfo.ptBase >= Layout.virtBase && ptEnd <= end,
          "page tables %x-%x not inside the initial mapping", StartInfo.ptBase, ptEnd)
    check(StartInfo.base >= Layout.virtBase && StartInfo.base < end, "start_info not inside the initial mapping")
    check(end >= Runtime.image.bootRSP + 512 * 1024,
          "less than 512 KiB mapped after the boot stack (rsp %x, end %x)", Runtime.image.bootRSP, end)
    if let last = PageTables.entry(for: end - Layout.pageSize, level: 1) {
        check(last.value & PTE.present != 0, "last page of the initial mapping is not present")
    } else {
        check(false, "no L1 maps the last page of the initial mapping")
    }

    // Page tables are mapped read-only, and P2M/M2P agree on the L4's frame.
    if let l4 = PageTables.entry(for: StartInfo.ptBase, level: 1) {
        let pte = l4.value
        let pfn = Memory.pfn(ofVA: StartInfo.ptBase)
        check(pte & PTE.present != 0 && pte & PTE.rw == 0, "L4 page mapped with PTE %x, expected read-only", pte)
        check((pte & PTE.addressMask) >> 12 == Memory.mfn(ofPFN: pfn),
              "L4 PTE %x does not map the P2M's MFN %x", pte, Memory.mfn(ofPFN: pfn))
        check(Memory.pfn(ofMFN: Memory.mfn(ofPFN: pfn)) == pfn, "M2P does not invert the P2M for the L4 frame")
    } else {
        check(false, "no L1 maps pt_base")
    }
    if let text = PageTables.entry(for: Runtime.image.imageStart, level: 1) {
        check(text.value & PTE.rw != 0, "image mapped read-only (PTE %x)", text.value)
    }
}

func checkHypercallPage() {
    let page = Runtime.image.hypercallPage
    check(page != 0 && page & 0xfff == 0, "hypercall page %x not page-aligned", page)
    let stub = page + 17 * 32
    guard check(Volatile.load8(stub) != 0xcc, "hypercall page slot 17 was not filled in") else { return }
    let viaSyscall = HYPERVISOR.xenVersion(XenVer.version)
    let viaPage = Int(hypercallPageXenVersion(XenVer.version, 0))
    printf("xen_version: %x via syscall, %x via the hypercall page\n", viaSyscall, viaPage)
    check(viaSyscall > 0, "xen_version(XENVER_version) returned %d", viaSyscall)
    check(viaPage == viaSyscall, "hypercall page returned %x, syscall returned %x", viaPage, viaSyscall)
}
