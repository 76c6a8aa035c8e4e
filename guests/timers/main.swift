// timers — Xen system time and timers: pvclock is monotonic; the default periodic timer is
// stopped (VCPUOP_stop_periodic_timer, as Linux does); VIRQ_TIMER bound with bind_virq; a
// VCPUOP_set_singleshot_timer deadline in the past raises VIRQ_TIMER at once; set_timer_op 10 ms
// ahead fires within [10 ms, 210 ms] (waiting with SCHEDOP_yield); VCPUOP_set_singleshot_timer
// 10 ms ahead fires within [10 ms, 210 ms] while the vCPU sleeps in SCHEDOP_block; the wallclock
// (shared_info wc_* + system time) is within 120 s of the host's.
// Command line: `hosttime=<unix seconds>` (the harness's clock when it started the guest); without
// it the wallclock is only checked to be after 2020-01-01.
// Facts: public/xen.h (vcpu_time_info, wc_*, VIRQ_TIMER, set_timer_op), public/vcpu.h
// (VCPUOP_set_singleshot_timer, struct vcpu_set_singleshot_timer), public/sched.h (SCHEDOP_block
// unmasks events and sleeps until one is pending); xen/common/sched/core.c
// (vcpu_singleshot_timer_fn, a past deadline fires immediately).

let testName: StaticString = "timers"

let delay: UInt64 = 10 * Time.nsPerMillisecond
let slack: UInt64 = 200 * Time.nsPerMillisecond

nonisolated(unsafe) var timerPort: UInt32 = 0
nonisolated(unsafe) var firedAt: UInt64 = 0
nonisolated(unsafe) var fired = 0

func onEvent(_ port: UInt32) {
    if port == timerPort {
        fired += 1
        firedAt = Time.now()
    }
}

func testMain() {
    checkMonotonic()
    Events.handler = onEvent
    let stopped = HYPERVISOR.vcpuOp(VCPUOp.stopPeriodicTimer, 0, 0)
    check(stopped == 0, "VCPUOP_stop_periodic_timer returned %d", stopped)
    let bound = Evtchn.bindVIRQ(VIRQ.timer, vcpu: 0)
    guard check(bound > 0, "EVTCHNOP_bind_virq(VIRQ_TIMER, vcpu 0) returned %d", bound) else { finish() }
    timerPort = UInt32(bound)
    printf("VIRQ_TIMER on port %u\n", timerPort)

    // A deadline in the past: VIRQ_TIMER pending at once (checked with events masked).
    Events.disable()
    let now = Time.now()
    var rc = setSingleshot(now > Time.nsPerMillisecond ? now - Time.nsPerMillisecond : 1)
    check(rc == 0, "VCPUOP_set_singleshot_timer(past deadline) returned %d", rc)
    let pollStart = Time.now()
    var polls = 0
    while !Events.isPending(timerPort) && Time.now() &- pollStart < 20 * Time.nsPerMillisecond
            && polls < 10_000_000 { polls += 1 }
    check(Events.isPending(timerPort), "a singleshot timer in the past did not raise VIRQ_TIMER within 20 ms")
    Events.enable()
    _ = HYPERVISOR.xenVersion(XenVer.version)
    check(fired == 1, "%u VIRQ_TIMER deliveries for the past deadline, expected 1", fired)

    // set_timer_op 10 ms ahead, waiting with SCHEDOP_yield (bounded).
    var start = Time.now()
    fired = 0
    rc = HYPERVISOR.setTimerOp(start + delay)
    check(rc == 0, "set_timer_op returned %d", rc)
    var yields = 0
    while fired == 0 && Time.now() &- start < Time.nsPerSecond && yields < 200_000 {
        _ = HYPERVISOR.yield()
        yields += 1
    }
    guard check(fired > 0, "set_timer_op: no VIRQ_TIMER within 1 s") else {
        Events.disable()
        finish()   // SCHEDOP_block below could sleep forever
    }
    checkLatency("set_timer_op", start: start, fired: firedAt)

    // VCPUOP_set_singleshot_timer 10 ms ahead, sleeping in SCHEDOP_block.
    fired = 0
    start = Time.now()
    rc = setSingleshot(start + delay)
    check(rc == 0, "VCPUOP_set_singleshot_timer returned %d", rc)
    printf("blocking until VIRQ_TIMER\n")
    var blocks = 0
    while fired == 0 && Time.now() &- start < Time.nsPerSecond && blocks < 1000 {
        Events.disable()     // SCHEDOP_block atomically re-enables events and sleeps
        rc = HYPERVISOR.block()
        check(rc == 0, "SCHEDOP_block returned %d", rc)
        Events.enable()
        _ = HYPERVISOR.xenVersion(XenVer.version)
        blocks += 1
    }
    check(fired > 0, "singleshot timer: no VIRQ_TIMER within 1 s (%u blocks)", blocks)
    if fired > 0 { checkLatency("VCPUOP_set_singleshot_timer + SCHEDOP_block", start: start, fired: firedAt) }
    Events.disable()

    checkWallclock()
}

func setSingleshot(_ deadline: UInt64) -> Int {
    var arg = VCPUSetSingleshotTimer(timeoutAbsNs: deadline, flags: 0)
    return HYPERVISOR.vcpuOp(VCPUOp.setSingleshotTimer, 0, &arg)
}

func checkLatency(_ what: StaticString, start: UInt64, fired: UInt64) {
    let elapsed = fired &- start
    printf("%s: fired after %u us\n", cstr(what), elapsed / 1000)
    check(fired >= start + delay, "%s fired after %u ns, before its 10 ms deadline", cstr(what), elapsed)
    check(fired <= start + delay + slack, "%s fired after %u ns, more than 210 ms", cstr(what), elapsed)
}

func checkMonotonic() {
    let first = Time.now()
    var previous = first
    for i in 0..<100_000 {
        let t = Time.now()
        if t < previous {
            check(false, "system time went backwards at read %u: %u after %u", i, t, previous)
            return
        }
        previous = t
    }
    printf("system time %u ns; 100000 reads took %u ns\n", first, previous - first)
    check(first > 0, "system time is 0")
    check(previous > first, "system time did not advance over 100000 reads")
}

func checkWallclock() {
    let (seconds, nanoseconds) = Time.wallclock()
    printf("wallclock: %u.%09u\n", seconds, nanoseconds)
    check(seconds > 1_577_836_800, "wallclock %u is before 2020-01-01", seconds)
    guard let host = Cmdline.number("hosttime") else {
        printf("wallclock: no hosttime= on the command line, comparison skipped\n")
        return
    }
    let difference = seconds > host ? seconds - host : host - seconds
    check(difference <= 120, "wallclock %u differs from hosttime %u by %u s", seconds, host, difference)
}
