// ticker — a guest that runs until it is stopped from outside, for the domain-management tests:
// it prints "tick <n>" every 100 ms of Xen system time and never looks at xenstore, so it
// ignores control/shutdown as a guest without PV control drivers does (only `destroy` ends it).
// With `spin` on the command line it busy-waits between ticks (its vCPU is always running, so
// the domain's CPU time grows at wall-clock speed); otherwise it sleeps in SCHEDOP_block until a
// VCPUOP_set_singleshot_timer deadline. `ticks=<n>` ends the test with SUCCESS after n ticks.
// Facts: public/vcpu.h (VCPUOP_set_singleshot_timer), public/sched.h (SCHEDOP_block),
// public/xen.h (VIRQ_TIMER, vcpu_time_info).

let testName: StaticString = "ticker"

let interval: UInt64 = 100 * Time.nsPerMillisecond

nonisolated(unsafe) var timerPort: UInt32 = 0

func onTimer(_ port: UInt32) {}

func testMain() {
    let spin = Cmdline.has("spin")
    let limit = Cmdline.number("ticks")
    if !spin {
        Events.handler = onTimer
        _ = HYPERVISOR.vcpuOp(VCPUOp.stopPeriodicTimer, 0, 0)
        let bound = Evtchn.bindVIRQ(VIRQ.timer, vcpu: 0)
        guard check(bound > 0, "EVTCHNOP_bind_virq(VIRQ_TIMER) returned %d", bound) else { finish() }
        timerPort = UInt32(bound)
    }
    printf("ticker: %s, a tick every 100 ms\n", spin ? cstr("spinning") : cstr("blocking"))
    var n: UInt64 = 0
    var next = Time.now() + interval
    while limit == nil || n < limit! {
        if spin {
            while Time.now() < next {}
        } else {
            var arg = VCPUSetSingleshotTimer(timeoutAbsNs: next, flags: 0)
            _ = HYPERVISOR.vcpuOp(VCPUOp.setSingleshotTimer, 0, &arg)
            while Time.now() < next {
                Events.disable()   // SCHEDOP_block re-enables events atomically and sleeps
                _ = HYPERVISOR.block()
                Events.enable()
            }
        }
        n += 1
        printf("tick %u\n", n)
        next += interval
        // After a pause the clock has run on: tick on from now, not in a burst.
        let now = Time.now()
        if next < now { next = now + interval }
    }
}
