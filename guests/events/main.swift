// events — 2-level event channels and the event callback: an IPI port sent to self is delivered
// as an upcall on the way out of EVTCHNOP_send; a masked port (evtchn_mask bit) is left pending
// without an upcall until EVTCHNOP_unmask re-raises it; with evtchn_upcall_mask set nothing is
// delivered, and after clearing it xen_version(0) forces the pending upcall; the upcall frame
// (evtchn_upcall_pending and the port's evtchn_pending_sel bit set) and mask; alloc_unbound +
// status + close; sending on a closed port fails.
// Facts: public/event_channel.h (EVTCHNOP_*, EVTCHNSTAT_*); xen/common/event_2l.c
// (evtchn_2l_set_pending: a masked port only sets its pending bit; evtchn_2l_unmask re-raises
// pending_sel/upcall_pending); xen/arch/x86/x86_64/entry.S (events are tested on every return to
// the guest, so xen_version(0) delivers a pending upcall: Linux xen_force_evtchn_callback);
// upcall bounce with the mask set to 1 (create_bounce_frame, TBF_INTERRUPT).

let testName: StaticString = "events"

nonisolated(unsafe) var deliveries = 0
nonisolated(unsafe) var watchedPort: UInt32 = 0

func onEvent(_ port: UInt32) {
    if port == watchedPort { deliveries += 1 }
}

func testMain() {
    Events.handler = onEvent
    let bound = Evtchn.bindIPI(vcpu: 0)
    guard check(bound > 0, "EVTCHNOP_bind_ipi(vcpu 0) returned %d", bound) else { return }
    let port = UInt32(bound)
    watchedPort = port
    printf("IPI port %u\n", port)
    if let status = checkedStatus(port) {
        check(status.status == EvtchnStat.ipi && status.vcpu == 0,
              "status of the IPI port: status %u vcpu %u, expected 5 (ipi) on vcpu 0", status.status, status.vcpu)
    }

    // Unmasked port, events enabled: the upcall happens before EVTCHNOP_send returns.
    Events.enable()
    var rc = Evtchn.send(port)
    check(rc == 0, "EVTCHNOP_send returned %d", rc)
    check(deliveries == 1, "%u upcalls for the IPI after send, expected 1", deliveries)
    let frame = Events.lastUpcall
    check(Events.lastUpcallPending == 1, "evtchn_upcall_pending was %u in the upcall, expected 1",
          Events.lastUpcallPending)
    check(Events.lastPendingSel & (1 << UInt64(port / 64)) != 0,
          "evtchn_pending_sel %x lacks the IPI port's word %u", Events.lastPendingSel, port / 64)
    check(frame.maskInHandler == 1, "upcall mask %u inside the event callback, expected 1", frame.maskInHandler)
    check(frame.savedMask == 0 && frame.rflags & RFlags.interruptEnable != 0,
          "upcall frame: saved mask %u, rflags %x (expected mask 0, IF set)", frame.savedMask, frame.rflags)
    check(frame.selector == Selector.kernelCS & ~3, "upcall frame CS %x, expected e030", frame.selector)
    check(SharedInfo.upcallMask == 0, "upcall mask %u after the callback's iret, expected 0", SharedInfo.upcallMask)
    check(!Events.isPending(port), "the IPI port is still pending after its upcall")

    // Masked port: the pending bit is set, nothing is delivered; EVTCHNOP_unmask delivers it.
    Events.mask(port)
    let upcallsBefore = Events.upcalls
    rc = Evtchn.send(port)
    check(rc == 0, "EVTCHNOP_send on a masked port returned %d", rc)
    check(deliveries == 1, "a masked port was delivered")
    check(Events.isPending(port), "a send on a masked port did not set its pending bit")
    rc = Evtchn.unmask(port)
    check(rc == 0, "EVTCHNOP_unmask returned %d", rc)
    check(!Events.isMasked(port), "EVTCHNOP_unmask left the mask bit set")
    check(deliveries == 2, "%u deliveries after EVTCHNOP_unmask, expected 2", deliveries)
    check(Events.upcalls > upcallsBefore, "no upcall after EVTCHNOP_unmask")

    // Upcall mask set: pending but not delivered until it is cleared and a hypercall returns.
    Events.disable()
    rc = Evtchn.send(port)
    check(rc == 0, "EVTCHNOP_send with events masked returned %d", rc)
    check(deliveries == 2, "an upcall was delivered while evtchn_upcall_mask was 1")
    check(SharedInfo.upcallPending != 0, "evtchn_upcall_pending not set for a pending port")
    check(Events.isPending(port), "pending bit not set while events are masked")
    Events.enable()
    _ = HYPERVISOR.xenVersion(XenVer.version)
    check(deliveries == 3, "%u deliveries after clearing the mask + xen_version(0), expected 3", deliveries)

    // alloc_unbound, status, close; a closed port cannot be used.
    let unbound = Evtchn.allocUnbound(dom: DomID.selfID, remoteDom: DomID.selfID)
    if check(unbound > 0, "EVTCHNOP_alloc_unbound(DOMID_SELF, DOMID_SELF) returned %d", unbound) {
        let other = UInt32(unbound)
        if let status = checkedStatus(other) {
            check(status.status == EvtchnStat.unbound, "status of the unbound port: %u, expected 1", status.status)
        }
        rc = Evtchn.close(other)
        check(rc == 0, "EVTCHNOP_close of the unbound port returned %d", rc)
        if let status = checkedStatus(other) {
            check(status.status == EvtchnStat.closed, "status after close: %u, expected 0 (closed)", status.status)
        }
        rc = Evtchn.send(other)
        check(rc < 0, "EVTCHNOP_send on a closed port returned %d, expected an error", rc)
    }
    rc = Evtchn.close(port)
    check(rc == 0, "EVTCHNOP_close of the IPI port returned %d", rc)
    rc = Evtchn.send(port)
    check(rc < 0, "EVTCHNOP_send on the closed IPI port returned %d, expected an error", rc)
    check(deliveries == 3, "the closed IPI port was delivered")
    Events.disable()
}

func checkedStatus(_ port: UInt32) -> EvtchnStatus? {
    let (rc, status) = Evtchn.status(port)
    return check(rc == 0, "EVTCHNOP_status(port %u) returned %d", port, rc) ? status : nil
}
