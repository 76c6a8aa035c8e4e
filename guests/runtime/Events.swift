// Events.swift — shared_info / vcpu_info access and 2-level event channels: the event callback
// (upcall) dispatcher and the EVTCHNOP_* wrappers.
// Facts: public/xen.h `struct shared_info` (3136 bytes): vcpu_info[32] 0 (64 bytes each),
// evtchn_pending[64] 2048, evtchn_mask[64] 2560, wc_version 3072, wc_sec 3076, wc_nsec 3080;
// `struct vcpu_info` (64 bytes): evtchn_upcall_pending 0 (u8), evtchn_upcall_mask 1 (u8),
// evtchn_pending_sel 8, arch.cr2 16 (public/arch-x86/xen.h arch_vcpu_info), time 32.
// Upcall protocol (xen/common/event_2l.c; linux drivers/xen/events/events_2l.c): clear
// upcall_pending, exchange pending_sel with 0, then for each selected word handle
// pending & ~mask, clearing each pending bit before handling it. Callbacks: public/callback.h.

import Synchronization

enum SharedInfo {
    static var base: UInt64 { Runtime.image.sharedInfoSlot }
    /// vcpu_info[0] (the test guests run on vCPU 0 only).
    static var vcpuInfo: UInt64 { base }
    static var time: UInt64 { vcpuInfo + 32 }

    /// Maps the shared_info frame (a machine address in start_info) over the reserved .bss page.
    static func map() {
        let rc = HYPERVISOR.updateVAMapping(base, StartInfo.sharedInfoMachineAddress | PTE.kernelData,
                                            UVMF.invlpg)
        if rc != 0 {
            printf("ERROR: update_va_mapping(shared_info %x) returned %d\n",
                   StartInfo.sharedInfoMachineAddress, rc)
            testError("cannot map shared_info")
        }
    }

    static var upcallPending: UInt8 {
        get { Volatile.load8(vcpuInfo + 0) }
        set { Volatile.store8(vcpuInfo + 0, newValue) }
    }
    static var upcallMask: UInt8 {
        get { Volatile.load8(vcpuInfo + 1) }
        set { Volatile.store8(vcpuInfo + 1, newValue) }
    }
    static var pendingSel: UInt64 { Volatile.load64(vcpuInfo + 8) }
    static var cr2: UInt64 { Volatile.load64(vcpuInfo + 16) }

    static func atomic(_ address: UInt64) -> UnsafeMutablePointer<Atomic<UInt64>> {
        UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: UInt(address))!
    }
    static func pendingWord(_ word: UInt64) -> UInt64 { base + 2048 + word * 8 }
    static func maskWord(_ word: UInt64) -> UInt64 { base + 2560 + word * 8 }
}

enum Events {
    /// Called from the upcall for every pending, unmasked port (after its pending bit is cleared).
    nonisolated(unsafe) static var handler: ((UInt32) -> Void)? = nil
    nonisolated(unsafe) static var upcalls = 0
    /// The bounce frame of the last upcall, and what it found in vcpu_info: evtchn_upcall_pending
    /// and the evtchn_pending_sel word it took.
    nonisolated(unsafe) static var lastUpcall = TrapRecord()
    nonisolated(unsafe) static var lastUpcallPending: UInt8 = 0
    nonisolated(unsafe) static var lastPendingSel: UInt64 = 0

    static func registerCallbacks() {
        register(type: CallbackType.event, address: Traps.entry(Callback.event))
        register(type: CallbackType.failsafe, address: Traps.entry(Callback.failsafe))
    }

    @discardableResult
    static func register(type: UInt16, address: UInt64) -> Int {
        var cb = CallbackRegister(type: type, flags: CallbackFlags.maskEvents, address: address)
        let rc = HYPERVISOR.callbackOp(CallbackOp.register, &cb)
        if rc != 0 {
            printf("ERROR: callback_op(register, type %u) returned %d\n", type, rc)
            Test.record(.error)
        }
        return rc
    }

    /// Virtual interrupt flag: events are delivered while the vCPU's upcall mask is 0.
    static func enable() { SharedInfo.upcallMask = 0 }
    static func disable() { SharedInfo.upcallMask = 1 }

    static func upcall(_ frame: UnsafeMutablePointer<TrapFrame>, mask: UInt8) {
        upcalls += 1
        lastUpcall = TrapRecord(frame, mask: mask)
        lastUpcallPending = SharedInfo.upcallPending
        SharedInfo.upcallPending = 0
        let selected = SharedInfo.atomic(SharedInfo.vcpuInfo + 8).pointee
            .exchange(0, ordering: .sequentiallyConsistent)
        lastPendingSel = selected
        for word in UInt64(0)..<64 where selected & (1 << word) != 0 {
            let ready = Volatile.load64(SharedInfo.pendingWord(word))
                & ~Volatile.load64(SharedInfo.maskWord(word))
            for bit in UInt64(0)..<64 where ready & (1 << bit) != 0 {
                clearPending(UInt32(word * 64 + bit))
                handler?(UInt32(word * 64 + bit))
            }
        }
    }

    // Local bitmap operations (shared_info evtchn_pending / evtchn_mask).

    static func isPending(_ port: UInt32) -> Bool {
        Volatile.load64(SharedInfo.pendingWord(UInt64(port / 64))) & (1 << UInt64(port % 64)) != 0
    }
    static func clearPending(_ port: UInt32) {
        SharedInfo.atomic(SharedInfo.pendingWord(UInt64(port / 64))).pointee
            .bitwiseAnd(~(1 << UInt64(port % 64)), ordering: .sequentiallyConsistent)
    }
    static func isMasked(_ port: UInt32) -> Bool {
        Volatile.load64(SharedInfo.maskWord(UInt64(port / 64))) & (1 << UInt64(port % 64)) != 0
    }
    static func mask(_ port: UInt32) {
        SharedInfo.atomic(SharedInfo.maskWord(UInt64(port / 64))).pointee
            .bitwiseOr(1 << UInt64(port % 64), ordering: .sequentiallyConsistent)
    }
}

/// EVTCHNOP_* (public/event_channel.h). Results: port or 0 on success, -errno on failure.
enum Evtchn {
    static func bindIPI(vcpu: UInt32 = 0) -> Int {
        var arg = EvtchnBindIPI(vcpu: vcpu)
        let rc = HYPERVISOR.eventChannelOp(EvtchnOp.bindIPI, &arg)
        return rc < 0 ? rc : Int(arg.port)
    }
    static func bindVIRQ(_ virq: UInt32, vcpu: UInt32 = 0) -> Int {
        var arg = EvtchnBindVIRQ(virq: virq, vcpu: vcpu)
        let rc = HYPERVISOR.eventChannelOp(EvtchnOp.bindVIRQ, &arg)
        return rc < 0 ? rc : Int(arg.port)
    }
    static func allocUnbound(dom: UInt16 = DomID.selfID, remoteDom: UInt16) -> Int {
        var arg = EvtchnAllocUnbound(dom: dom, remoteDom: remoteDom)
        let rc = HYPERVISOR.eventChannelOp(EvtchnOp.allocUnbound, &arg)
        return rc < 0 ? rc : Int(arg.port)
    }
    static func send(_ port: UInt32) -> Int {
        var arg = EvtchnPortArg(port: port)
        return HYPERVISOR.eventChannelOp(EvtchnOp.send, &arg)
    }
    static func close(_ port: UInt32) -> Int {
        var arg = EvtchnPortArg(port: port)
        return HYPERVISOR.eventChannelOp(EvtchnOp.close, &arg)
    }
    static func unmask(_ port: UInt32) -> Int {
        var arg = EvtchnPortArg(port: port)
        return HYPERVISOR.eventChannelOp(EvtchnOp.unmask, &arg)
    }
    /// SCHEDOP_poll on `ports` (at most two here) until one is pending or the system time
    /// reaches `deadline` (ns; 0 = no timeout). Works with events masked, which is how the test
    /// guests wait for a backend: the caller clears the pending bits it handles.
    /// Xen: `struct sched_poll`, public/sched.h.
    @discardableResult
    static func poll(_ first: UInt32, _ second: UInt32? = nil, until deadline: UInt64) -> Int {
        var ports: (UInt32, UInt32) = (first, second ?? 0)
        return withUnsafeMutablePointer(to: &ports) { p in
            var arg = SchedPoll(ports: va(p), nrPorts: second == nil ? 1 : 2, timeout: deadline)
            return HYPERVISOR.schedOp(SchedOp.poll, &arg)
        }
    }
    static func status(_ port: UInt32, dom: UInt16 = DomID.selfID) -> (rc: Int, status: EvtchnStatus) {
        var arg = EvtchnStatus(dom: dom, port: port)
        let rc = HYPERVISOR.eventChannelOp(EvtchnOp.status, &arg)
        return (rc, arg)
    }
}
