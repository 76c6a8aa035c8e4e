// hostile — every hypercall number 0-63 (except iret, 23, and the shutdown sub-ops of sched_op)
// called with garbage: NULL, unmapped, non-canonical and hypervisor-range pointers, read-only
// kernel text and the read-only M2P as output buffers, huge counts, unknown sub-ops, bad ports,
// vCPUs and domids. Each call must fail with a negative errno; the few calls for which Xen
// accepts any argument are listed in `accepted` with the reason. Afterwards the guest must be
// intact: the text canary unchanged, traps, events and the console still working.
// Facts: hypercall numbers and sub-ops from public/xen.h and the per-op headers; which
// arguments Xen accepts from xen/arch/x86/pv/callback.c (do_set_callbacks ignores the per-callback
// result and returns 0), xen/arch/x86/pv/misc-hypercalls.c (do_stack_switch, do_fpu_taskswitch
// return 0), xen/common/sched/core.c (do_set_timer_op accepts any deadline).

let testName: StaticString = "hostile"

@_extern(c, "text_canary") func textCanary()

let null: UInt64 = 0
/// No L1 maps it (kernel L2 slot 504; checked at start).
let unmapped: UInt64 = Layout.virtBase + 504 << 21
let nonCanonical: UInt64 = 0x8000_0000_0000_0000
let hypervisorRange: UInt64 = 0xffff_8000_0000_1000
let huge: UInt64 = 0xffff_ffff
let badSubop: UInt64 = 0xffff
let badDomid: UInt64 = 0x7ffe     // in the reserved range above DOMID_FIRST_RESERVED, never a domain
let badPort: UInt64 = 0xffff_ffff
let badVCPU: UInt64 = 0xffff
let hugeMFN: UInt64 = 0xf_ffff_ffff

nonisolated(unsafe) var calls = 0
/// Bit n set once hypercall n has been made.
nonisolated(unsafe) var covered: UInt64 = 0

/// `hypercall(nr, args)` must return a negative errno.
func refused(_ what: StaticString, _ nr: UInt64, _ a1: UInt64 = 0, _ a2: UInt64 = 0, _ a3: UInt64 = 0,
             _ a4: UInt64 = 0, _ a5: UInt64 = 0) {
    let rc = hypercall(nr, a1, a2, a3, a4, a5)
    calls += 1
    covered |= 1 << nr
    printf("hypercall %u %s: %d\n", nr, cstr(what), rc)
    check(rc < 0, "hypercall %u (%s) accepted garbage: returned %d", nr, cstr(what), rc)
}

/// A memory_op reservation call with a bad argument: Xen reports the number
/// of extents done, which must be 0 (xen/common/memory.c do_memory_op
/// returns start_extent for an unreadable reservation or a bad domid).
func noExtents(_ what: StaticString, _ nr: UInt64, _ a1: UInt64 = 0, _ a2: UInt64 = 0) {
    let rc = hypercall(nr, a1, a2)
    calls += 1
    covered |= 1 << nr
    printf("hypercall %u %s: %d\n", nr, cstr(what), rc)
    check(rc == 0, "hypercall %u (%s) did %d extents of garbage", nr, cstr(what), rc)
}

/// A call whose garbage Xen legitimately accepts: only logged.
func accepted(_ what: StaticString, _ nr: UInt64, _ a1: UInt64 = 0, _ a2: UInt64 = 0, _ a3: UInt64 = 0) {
    let rc = hypercall(nr, a1, a2, a3)
    calls += 1
    covered |= 1 << nr
    printf("hypercall %u %s: %d (accepted by design)\n", nr, cstr(what), rc)
}

func testMain() {
    guard PageTables.entry(for: unmapped, level: 2).map({ $0.value & PTE.present == 0 }) ?? false else {
        testError("the VA chosen as unmapped is mapped")
    }
    // Kernel text as an output buffer: the canary page, mapped read-only.
    let canary = address(of: textCanary)
    let rc = HYPERVISOR.updateVAMapping(canary, Memory.mfn(ofVA: canary) << 12 | PTE.present | PTE.accessed,
                                        UVMF.invlpg)
    guard rc == 0 else { testError("could not map the text canary read-only") }
    let m2p = Memory.m2p.vStart
    // Input structures full of 0xff bytes, and a scratch page for valid-looking ones.
    let garbage = Memory.allocatePage()
    garbage.fill(~0)
    let scratch = Memory.allocatePage()

    platformAndMMU(canary: canary, garbage: garbage.va, scratch: scratch)
    versionConsoleAndMemory(canary: canary, m2p: m2p, garbage: garbage.va, scratch: scratch)
    vcpuSchedAndCallbacks(canary: canary, garbage: garbage.va, scratch: scratch)
    eventChannels(canary: canary, scratch: scratch)
    everythingElse(garbage: garbage.va)
    printf("%u hypercalls made\n", calls)
    check(covered | 1 << Hypercall.iret == ~0, "hypercalls not exercised: mask %x", ~(covered | 1 << Hypercall.iret))

    checkStillIntact(canary: canary)
}

func platformAndMMU(canary: UInt64, garbage: UInt64, scratch: Page) {
    let H = Hypercall.self
    refused("set_trap_table(unmapped)", H.setTrapTable, unmapped)
    refused("set_trap_table(non-canonical)", H.setTrapTable, nonCanonical)
    refused("set_trap_table(hypervisor range)", H.setTrapTable, hypervisorRange)
    scratch.fill(0)
    scratch.pointer.storeBytes(of: TrapInfo(vector: 0x90, flags: 0, cs: UInt16(Selector.kernelCS),
                                            address: nonCanonical), as: TrapInfo.self)
    refused("set_trap_table(entry with a non-canonical handler)", H.setTrapTable, scratch.va)

    refused("mmu_update(unmapped, 1)", H.mmuUpdate, unmapped, 1, null, UInt64(DomID.selfID))
    refused("mmu_update(non-canonical, huge)", H.mmuUpdate, nonCanonical, huge, null, UInt64(DomID.selfID))
    refused("mmu_update(all-ones request, huge)", H.mmuUpdate, garbage, huge, null, UInt64(DomID.selfID))
    scratch.pointer.storeBytes(of: MMUUpdate(ptr: scratch.machineAddress, val: 0), as: MMUUpdate.self)
    refused("mmu_update(foreign bad domid)", H.mmuUpdate, scratch.va, 1, null, badDomid)
    scratch.pointer.storeBytes(of: MMUUpdate(ptr: hugeMFN << 12, val: 0), as: MMUUpdate.self)
    refused("mmu_update(machine address beyond RAM)", H.mmuUpdate, scratch.va, 1, null, UInt64(DomID.selfID))

    refused("set_gdt(unmapped frames, 16)", H.setGDT, unmapped, 16)
    refused("set_gdt(all-ones frames, 16)", H.setGDT, garbage, 16)
    refused("set_gdt(all-ones frames, huge)", H.setGDT, garbage, huge)

    // stack_switch stores any SS/SP: Xen only checks them when it bounces from user mode.
    accepted("stack_switch(bad ss, non-canonical sp)", H.stackSwitch, 0xffff, nonCanonical)
    // set_callbacks ignores the per-callback -EINVAL and returns 0; ours are re-registered below.
    accepted("set_callbacks(non-canonical x3)", H.setCallbacks, nonCanonical, nonCanonical, nonCanonical)
    Events.registerCallbacks()
    // fpu_taskswitch's argument is a boolean; a nonzero one would set CR0.TS and make the guest's
    // own SSE code fault with #NM, so only the harmless value is sent.
    accepted("fpu_taskswitch(0)", H.fpuTaskswitch, 0)

    refused("sched_op_compat(bad sub-op)", H.schedOpCompat, badSubop, nonCanonical)
    refused("platform_op(unmapped)", H.platformOp, unmapped)
    refused("platform_op(all-ones)", H.platformOp, garbage)
    refused("set_debugreg(bad register)", H.setDebugreg, badSubop, nonCanonical)
    refused("set_debugreg(register 8)", H.setDebugreg, 8, 0)
    refused("get_debugreg(bad register)", H.getDebugreg, badSubop)
    refused("get_debugreg(register 8)", H.getDebugreg, 8)
    refused("update_descriptor(machine address beyond RAM)", H.updateDescriptor, hugeMFN << 12, ~0)
    refused("update_descriptor(unaligned address)", H.updateDescriptor, scratch.machineAddress + 3, 0)
    refused("hypercall 11 (unused)", 11, nonCanonical, huge)

    refused("multicall(unmapped, 1)", H.multicall, unmapped, 1)
    refused("multicall(non-canonical, huge)", H.multicall, nonCanonical, huge)
    refused("multicall(hypervisor range, 1)", H.multicall, hypervisorRange, 1)

    refused("update_va_mapping(non-canonical va)", H.updateVAMapping, nonCanonical, 0, UVMF.invlpg)
    refused("update_va_mapping(hypervisor va)", H.updateVAMapping, hypervisorRange, 0, UVMF.invlpg)
    refused("update_va_mapping(va without an L1)", H.updateVAMapping, unmapped, scratch.machineAddress | PTE.kernelData,
            UVMF.invlpg)
    refused("update_va_mapping(canary, frame beyond RAM)", H.updateVAMapping, canary,
            hugeMFN << 12 | PTE.present, UVMF.invlpg)
    refused("update_va_mapping_otherdomain(bad domid)", H.updateVAMappingOtherdomain, canary, 0, UVMF.invlpg,
            badDomid)

    refused("mmuext_op(unmapped, 1)", H.mmuextOp, unmapped, 1, null, UInt64(DomID.selfID))
    refused("mmuext_op(non-canonical, huge)", H.mmuextOp, nonCanonical, huge, null, UInt64(DomID.selfID))
    refused("mmuext_op(all-ones command)", H.mmuextOp, garbage, 1, null, UInt64(DomID.selfID))
    func onHugeMFN(_ what: StaticString, _ cmd: UInt32) {
        scratch.pointer.storeBytes(of: MMUExtOpArgs(cmd: cmd, arg1: hugeMFN), as: MMUExtOpArgs.self)
        refused(what, H.mmuextOp, scratch.va, 1, null, UInt64(DomID.selfID))
    }
    onHugeMFN("mmuext_op(pin_l1_table, frame beyond RAM)", MMUExtOp.pinL1Table)
    onHugeMFN("mmuext_op(pin_l4_table, frame beyond RAM)", MMUExtOp.pinL4Table)
    onHugeMFN("mmuext_op(unpin_table, frame beyond RAM)", MMUExtOp.unpinTable)
    onHugeMFN("mmuext_op(new_baseptr, frame beyond RAM)", MMUExtOp.newBaseptr)
    onHugeMFN("mmuext_op(new_user_baseptr, frame beyond RAM)", MMUExtOp.newUserBaseptr)
    scratch.pointer.storeBytes(of: MMUExtOpArgs(cmd: MMUExtOp.pinL1Table, arg1: 0), as: MMUExtOpArgs.self)
    refused("mmuext_op(foreign bad domid)", H.mmuextOp, scratch.va, 1, null, badDomid)
}

func versionConsoleAndMemory(canary: UInt64, m2p: UInt64, garbage: UInt64, scratch: Page) {
    let H = Hypercall.self
    refused("xen_version(bad sub-op)", H.xenVersion, badSubop, scratch.va)
    refused("xen_version(extraversion -> kernel text)", H.xenVersion, XenVer.extraversion, canary)
    refused("xen_version(compile_info -> kernel text)", H.xenVersion, XenVer.compileInfo, canary)
    refused("xen_version(capabilities -> hypervisor range)", H.xenVersion, XenVer.capabilities, hypervisorRange)
    refused("xen_version(changeset -> non-canonical)", H.xenVersion, XenVer.changeset, nonCanonical)
    refused("xen_version(platform_parameters -> M2P)", H.xenVersion, XenVer.platformParameters, m2p)
    refused("xen_version(get_features -> kernel text)", H.xenVersion, XenVer.getFeatures, canary)
    refused("xen_version(get_features -> unmapped)", H.xenVersion, XenVer.getFeatures, unmapped)
    refused("xen_version(guest_handle -> kernel text)", H.xenVersion, XenVer.guestHandle, canary)
    refused("xen_version(extraversion -> NULL)", H.xenVersion, XenVer.extraversion, null)

    refused("console_io(bad sub-op)", H.consoleIO, badSubop, 0, scratch.va)
    refused("console_io(write, huge, unmapped)", H.consoleIO, ConsoleIOCmd.write, huge, unmapped)
    refused("console_io(write, 16, non-canonical)", H.consoleIO, ConsoleIOCmd.write, 16, nonCanonical)
    refused("console_io(write, 16, hypervisor range)", H.consoleIO, ConsoleIOCmd.write, 16, hypervisorRange)

    refused("memory_op(bad sub-op)", H.memoryOp, 0x3f, garbage)
    refused("memory_op(machphys_mapping -> kernel text)", H.memoryOp, XenMem.machphysMapping, canary)
    refused("memory_op(machphys_mapping -> M2P)", H.memoryOp, XenMem.machphysMapping, m2p)
    refused("memory_op(machphys_mapping -> non-canonical)", H.memoryOp, XenMem.machphysMapping, nonCanonical)
    noExtents("memory_op(increase_reservation, unmapped)", H.memoryOp, XenMem.increaseReservation, unmapped)
    noExtents("memory_op(populate_physmap, hypervisor range)", H.memoryOp, XenMem.populatePhysmap, hypervisorRange)
    scratch.fill(0)
    scratch.pointer.storeBytes(of: XenMemoryMap(nrEntries: 4, buffer: canary), as: XenMemoryMap.self)
    refused("memory_op(memory_map -> kernel text)", H.memoryOp, XenMem.memoryMap, scratch.va)
    scratch.pointer.storeBytes(of: XenMemoryReservation(extentStart: scratch.va + 2048, nrExtents: 1,
                                                        domid: UInt16(badDomid)), as: XenMemoryReservation.self)
    noExtents("memory_op(decrease_reservation, bad domid)", H.memoryOp, XenMem.decreaseReservation, scratch.va)

    refused("grant_table_op(bad sub-op)", H.grantTableOp, badSubop, scratch.va, 1)
    refused("grant_table_op(setup_table, unmapped)", H.grantTableOp, GnttabOp.setupTable, unmapped, 1)
    refused("grant_table_op(query_size -> kernel text)", H.grantTableOp, GnttabOp.querySize, canary, 1)
    refused("grant_table_op(query_size, huge count)", H.grantTableOp, GnttabOp.querySize, scratch.va, huge)
    refused("vm_assist(bad command)", H.vmAssist, badSubop, VMAssist.typeWritablePagetables)
    refused("vm_assist(enable, bad type)", H.vmAssist, VMAssist.cmdEnable, 63)
}

func vcpuSchedAndCallbacks(canary: UInt64, garbage: UInt64, scratch: Page) {
    let H = Hypercall.self
    // set_timer_op takes any deadline (0 cancels, the far future never fires); cancelled after.
    accepted("set_timer_op(far future)", H.setTimerOp, ~0)
    accepted("set_timer_op(0)", H.setTimerOp, 0)

    refused("vcpu_op(bad sub-op)", H.vcpuOp, badSubop, 0, scratch.va)
    refused("vcpu_op(is_up, bad vcpu)", H.vcpuOp, VCPUOp.isUp, badVCPU)
    refused("vcpu_op(up, bad vcpu)", H.vcpuOp, VCPUOp.up, badVCPU)
    refused("vcpu_op(down, bad vcpu)", H.vcpuOp, VCPUOp.down, badVCPU)
    refused("vcpu_op(initialise, bad vcpu, unmapped)", H.vcpuOp, VCPUOp.initialise, badVCPU, unmapped)
    refused("vcpu_op(set_singleshot_timer, unmapped)", H.vcpuOp, VCPUOp.setSingleshotTimer, 0, unmapped)
    refused("vcpu_op(register_runstate_memory_area, non-canonical)", H.vcpuOp,
            VCPUOp.registerRunstateMemoryArea, 0, nonCanonical)
    refused("vcpu_op(get_runstate_info -> kernel text)", H.vcpuOp, VCPUOp.getRunstateInfo, 0, canary)
    refused("vcpu_op(register_vcpu_info, unmapped)", H.vcpuOp, VCPUOp.registerVCPUInfo, 0, unmapped)

    refused("set_segment_base(bad selector kind)", H.setSegmentBase, 99, 0)
    refused("set_segment_base(FS, non-canonical)", H.setSegmentBase, SegBase.fs, nonCanonical)

    refused("sched_op(bad sub-op)", H.schedOp, badSubop, scratch.va)
    refused("sched_op(poll, unmapped)", H.schedOp, SchedOp.poll, unmapped)
    refused("sched_op(shutdown_code, unmapped)", H.schedOp, SchedOp.shutdownCode, unmapped)
    refused("sched_op(watchdog, unmapped)", H.schedOp, SchedOp.watchdog, unmapped)
    scratch.fill(0)
    scratch.pointer.storeBytes(of: SchedPoll(ports: unmapped, nrPorts: UInt32(huge), timeout: 1), as: SchedPoll.self)
    refused("sched_op(poll, unmapped ports, huge count)", H.schedOp, SchedOp.poll, scratch.va)

    refused("callback_op(bad sub-op)", H.callbackOp, badSubop, scratch.va)
    refused("callback_op(register, unmapped)", H.callbackOp, CallbackOp.register, unmapped)
    scratch.pointer.storeBytes(of: CallbackRegister(type: CallbackType.event, address: nonCanonical),
                               as: CallbackRegister.self)
    refused("callback_op(register event, non-canonical)", H.callbackOp, CallbackOp.register, scratch.va)
    scratch.pointer.storeBytes(of: CallbackRegister(type: 0xffff, address: Traps.entry(Callback.event)),
                               as: CallbackRegister.self)
    refused("callback_op(register, bad type)", H.callbackOp, CallbackOp.register, scratch.va)
    scratch.pointer.storeBytes(of: CallbackUnregister(type: CallbackType.event), as: CallbackUnregister.self)
    refused("callback_op(unregister event)", H.callbackOp, CallbackOp.unregister, scratch.va)

    refused("nmi_op(bad sub-op)", H.nmiOp, badSubop, scratch.va)
    scratch.fill(0)
    scratch.pointer.storeBytes(of: nonCanonical, as: UInt64.self)   // xennmi_callback.handler_address
    refused("nmi_op(register_callback, non-canonical)", H.nmiOp, 0, scratch.va)
    refused("xsm_op(unmapped)", H.xsmOp, unmapped)
    refused("xenoprof_op(bad sub-op)", H.xenoprofOp, badSubop, unmapped)
}

func eventChannels(canary: UInt64, scratch: Page) {
    func op<T>(_ what: StaticString, _ cmd: UInt64, _ arg: T) {
        scratch.fill(0)
        scratch.pointer.storeBytes(of: arg, as: T.self)
        refused(what, Hypercall.eventChannelOp, cmd, scratch.va)
    }
    refused("event_channel_op(bad sub-op)", Hypercall.eventChannelOp, badSubop, scratch.va)
    refused("event_channel_op(send, unmapped)", Hypercall.eventChannelOp, EvtchnOp.send, unmapped)
    refused("event_channel_op(alloc_unbound <- kernel text)", Hypercall.eventChannelOp, EvtchnOp.allocUnbound, canary)
    refused("event_channel_op(status <- kernel text)", Hypercall.eventChannelOp, EvtchnOp.status, canary)
    op("event_channel_op(send, bad port)", EvtchnOp.send, EvtchnPortArg(port: UInt32(badPort)))
    op("event_channel_op(close, bad port)", EvtchnOp.close, EvtchnPortArg(port: UInt32(badPort)))
    op("event_channel_op(unmask, bad port)", EvtchnOp.unmask, EvtchnPortArg(port: UInt32(badPort)))
    op("event_channel_op(status, bad port)", EvtchnOp.status, EvtchnStatus(dom: DomID.selfID, port: UInt32(badPort)))
    op("event_channel_op(status, bad domid)", EvtchnOp.status, EvtchnStatus(dom: UInt16(badDomid), port: 1))
    op("event_channel_op(bind_virq, bad virq)", EvtchnOp.bindVIRQ, EvtchnBindVIRQ(virq: 0xffff, vcpu: 0))
    op("event_channel_op(bind_virq, bad vcpu)", EvtchnOp.bindVIRQ, EvtchnBindVIRQ(virq: VIRQ.timer, vcpu: UInt32(badVCPU)))
    op("event_channel_op(bind_ipi, bad vcpu)", EvtchnOp.bindIPI, EvtchnBindIPI(vcpu: UInt32(badVCPU)))
    op("event_channel_op(alloc_unbound, bad domid)", EvtchnOp.allocUnbound,
       EvtchnAllocUnbound(dom: UInt16(badDomid), remoteDom: DomID.selfID))
    op("event_channel_op(bind_interdomain, bad domid)", EvtchnOp.bindInterdomain,
       EvtchnBindInterdomain(remoteDom: UInt16(badDomid), remotePort: 1))
    op("event_channel_op(bind_vcpu, bad port)", EvtchnOp.bindVCPU, EvtchnBindVCPU(port: UInt32(badPort), vcpu: 0))
    op("event_channel_op(reset, bad domid)", EvtchnOp.reset, UInt16(badDomid))
    refused("event_channel_op_compat(unmapped)", Hypercall.eventChannelOpCompat, unmapped)
}

func everythingElse(garbage: UInt64) {
    let H = Hypercall.self
    refused("event_channel_op_compat(all-ones)", H.eventChannelOpCompat, garbage)
    refused("physdev_op_compat(unmapped)", H.physdevOpCompat, unmapped)
    refused("physdev_op_compat(all-ones)", H.physdevOpCompat, garbage)
    refused("physdev_op(bad sub-op)", H.physdevOp, badSubop, garbage)
    refused("physdev_op(set_iopl, unmapped)", H.physdevOp, PhysdevOp.setIOPL, unmapped)
    refused("physdev_op(set_iopl, iopl 0xffffffff)", H.physdevOp, PhysdevOp.setIOPL, garbage)
    refused("hvm_op(bad sub-op)", H.hvmOp, badSubop, garbage)
    refused("hvm_op(get_param, unmapped)", H.hvmOp, 1, unmapped)
    refused("sysctl(unmapped)", H.sysctl, unmapped)
    refused("sysctl(all-ones)", H.sysctl, garbage)
    refused("domctl(unmapped)", H.domctl, unmapped)
    refused("domctl(all-ones)", H.domctl, garbage)
    refused("kexec_op(bad sub-op)", H.kexecOp, badSubop, garbage)
    refused("tmem_op(unmapped)", H.tmemOp, unmapped)
    refused("argo_op(bad sub-op)", H.argoOp, badSubop, unmapped, unmapped, huge, huge)
    refused("xenpmu_op(bad sub-op)", H.xenpmuOp, badSubop, unmapped)
    refused("dm_op(bad domid, huge, unmapped)", H.dmOp, badDomid, huge, unmapped)
    refused("hypfs_op(bad sub-op)", H.hypfsOp, badSubop, unmapped, huge, unmapped, huge)
    refused("arch_0 (mca)(unmapped)", H.arch0, unmapped)
    refused("arch_1(unmapped)", H.arch0 + 1, unmapped, huge)
    for nr in UInt64(43)...47 { refused("unassigned", nr, nonCanonical, huge, unmapped, huge, nonCanonical) }
    for nr in UInt64(50)...63 { refused("unassigned", nr, nonCanonical, huge, unmapped, huge, nonCanonical) }
}

/// The guest survived: its text, trap table, event delivery and console still work.
func checkStillIntact(canary: UInt64) {
    var intact = true
    for i in UInt64(0)..<Layout.pageSize where Volatile.load8(canary + i) != 0xcc {
        intact = false
    }
    check(intact, "a hypercall wrote into the read-only kernel text")
    if let l1 = PageTables.entry(for: canary, level: 1) {
        check(l1.value & PTE.present != 0 && l1.value & PTE.rw == 0
              && (l1.value & PTE.addressMask) >> 12 == Memory.mfn(ofVA: canary),
              "the canary mapping changed: PTE %x", l1.value)
    }

    let t = Traps.catching { probeInt3() }
    check(t?.vector == Vector.breakpoint, "the trap table no longer delivers int3")

    let port = Evtchn.bindIPI(vcpu: 0)
    if check(port > 0, "EVTCHNOP_bind_ipi after the garbage returned %d", port) {
        let before = Events.upcalls
        Events.enable()
        _ = Evtchn.send(UInt32(port))
        Events.disable()
        check(Events.upcalls > before, "event delivery no longer works")
        _ = Evtchn.close(UInt32(port))
    }
    printf("still alive after %u garbage hypercalls\n", calls)
    let rc = Console.ioWrite("hostile: console_io still works\n")
    check(rc >= 0, "console_io after the garbage returned %d", rc)
}
