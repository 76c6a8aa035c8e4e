// What the toolstack does to a running domain from another thread (the
// control socket's, Toolstack/Control): pause and unpause its vCPUs, read
// its state and CPU time, and make the requests libxl makes through
// xenstore (control/shutdown, memory/target, cpu/<n>/availability).
//
// Xen: domain_pause_by_systemcontroller / domain_unpause_by_systemcontroller
// (xen/common/domain.c, XEN_DOMCTL_pausedomain), getdomaininfo
// (xen/common/domctl.c: running/blocked/paused flags, cpu_time),
// libxl_domain_shutdown / libxl_domain_reboot (libxl_domain.c,
// libxl__domain_pvcontrol_write), libxl_set_memory_target (libxl_mem.c),
// libxl_set_vcpuonline (libxl_domain.c, the xenstore path for PV guests).
//
// Concurrency: every method may be called from any thread. The pause gate
// and CPU-time baseline live in `RunnerControl` under its own condition;
// the vCPU thread only touches it at the top of its run loop (one lock
// round trip per exit, noise beside the exit itself).
import Foundation
import Glibc
import Platform

/// Lets the vCPU threads through or holds them. Xen counts the system
/// controller's pauses (controller_pause_count, up to 255); a flag here:
/// pausing a paused domain, or unpausing a running one, is refused.
final class PauseGate: @unchecked Sendable {
    // @unchecked: all state is guarded by `condition`.
    private let condition = NSCondition()
    private var paused = false
    /// Set for good by `release` (destroy): nobody waits any more.
    private var released = false
    /// vCPU threads waiting in the gate.
    private var parked = 0

    var isPaused: Bool {
        condition.lock(); defer { condition.unlock() }
        return paused && !released
    }

    var parkedCount: Int {
        condition.lock(); defer { condition.unlock() }
        return parked
    }

    /// Returns false if already paused (or released).
    func pause() -> Bool {
        condition.lock(); defer { condition.unlock() }
        guard !paused && !released else { return false }
        paused = true
        return true
    }

    /// Returns false if it was not paused.
    func unpause() -> Bool {
        condition.lock(); defer { condition.unlock() }
        guard paused else { return false }
        paused = false
        condition.broadcast()
        return true
    }

    /// Opens the gate for good (the domain is being destroyed).
    func release() {
        condition.lock()
        released = true
        condition.broadcast()
        condition.unlock()
    }

    /// Called by a vCPU thread: waits while the domain is paused.
    func wait() {
        condition.lock()
        parked += 1
        condition.broadcast()
        while paused && !released { condition.wait() }
        parked -= 1
        condition.unlock()
    }
}

/// The runner's control state (one stored property of DomainRunner).
final class RunnerControl: @unchecked Sendable {
    // @unchecked: `cpuBaseline` is guarded by `lock`; `gate` is thread-safe.
    let gate = PauseGate()
    private let lock = NSLock()
    /// The vCPU thread's CPU clock when `run` started (ns), so that the
    /// domain's CPU time leaves out the build before it.
    private var cpuBaseline: UInt64?

    func runStarted() {
        let now = Self.threadCPUTime(pthread_self())
        lock.lock(); cpuBaseline = now; lock.unlock()
    }

    var baseline: UInt64? {
        lock.lock(); defer { lock.unlock() }
        return cpuBaseline
    }

    /// CPU time consumed by thread `t` (ns), 0 if it cannot be read.
    static func threadCPUTime(_ t: pthread_t) -> UInt64 {
        var clock = clockid_t()
        guard pthread_getcpuclockid(t, &clock) == 0 else { return 0 }
        var ts = timespec()
        guard clock_gettime(clock, &ts) == 0 else { return 0 }
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// What `xl list` shows of a domain (Xen: struct xen_domctl_getdomaininfo,
/// public/domctl.h; the XEN_DOMINF_* flags).
public struct RunnerStatus: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// A vCPU is in KVM_RUN or handling an exit (XEN_DOMINF_running).
        case running
        /// The vCPU waits for an event in SCHEDOP_block/poll (XEN_DOMINF_blocked).
        case blocked
        /// `xenolith pause` holds the vCPUs (XEN_DOMINF_paused).
        case paused
        /// The guest asked to shut down and the domain is ending (XEN_DOMINF_shutdown).
        case shutdown
    }
    public var state: State
    /// CPU time of the vCPU threads since the domain started running, in
    /// ns (Xen: cpu_time, the sum of the vCPUs' run time). It includes the
    /// time the host spends on the vCPU's exits, as Xen's includes its own
    /// work on behalf of the vCPU; it stands still while paused or blocked.
    public var cpuTimeNs: UInt64
    /// Frames the domain owns, in KiB (Xen: tot_pages, XENMEM_current_reservation).
    public var currentMemoryKiB: UInt64
    /// The most it may own, in KiB (Xen: max_pages).
    public var maxReservationKiB: UInt64
    /// vCPUs the guest has up (Xen: nr_online_vcpus).
    public var onlineVCPUs: Int
    /// vCPUs the domain has (Xen: max_vcpus).
    public var maxVCPUs: Int
}

/// A toolstack request the running domain refuses, as a lower-case clause.
public struct RunnerControlError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension DomainRunner {
    /// The domain's xenstore home, /local/domain/<domid>.
    var xenstoreHome: String { "/local/domain/\(domain.domid)" }

    // MARK: Pause

    /// Holds the vCPUs outside KVM_RUN until `unpause`. Returns once the
    /// vCPU runs no guest code: waiting in the gate, or blocked in
    /// SCHEDOP_block/poll (it passes the gate before it runs again), as
    /// Xen's domain_pause waits with vcpu_sleep_sync. Guest system time
    /// (pvclock, Xen's NOW()) keeps going while paused, as under Xen; the
    /// domain's CPU time stands still. Returns false if already paused.
    @discardableResult
    public func pause() -> Bool {
        guard control.gate.pause() else { return false }
        for v in domain.vcpus { kick(vcpu: v.id) }
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            if control.gate.parkedCount > 0 || isBlocked || isFinished { break }
            usleep(1000)
        }
        return true
    }

    /// Lets the vCPUs run again. Returns false if the domain was not paused.
    @discardableResult
    public func unpause() -> Bool {
        control.gate.unpause()
    }

    public var isPaused: Bool { control.gate.isPaused }

    /// Called by the vCPU thread at the top of its loop while the gate is
    /// closed: waits, then returns the shutdown request that ended the
    /// pause (destroy), if any.
    func waitWhilePaused() -> ShutdownRequest? {
        control.gate.wait()
        return domain.shutdownRequest
    }

    private var isBlocked: Bool {
        lock.lock(); defer { lock.unlock() }
        return blocked
    }

    private var isFinished: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopping
    }

    // MARK: Destroy

    /// Ends the run loop as soon as possible whatever the guest does (Xen:
    /// domain_kill): the vCPU leaves KVM_RUN or SCHEDOP_block, `run()`
    /// returns, and its teardown stops the backends (block images are
    /// flushed and closed) and the xenstore socket.
    public func destroy() {
        domain.requestShutdown(.poweroff)
        control.gate.release()
        lock.lock(); lock.broadcast(); lock.unlock()
        // Also before `run` has started: the first KVM_RUN returns at once
        // (immediate_exit stays set until a KVM_RUN sees it).
        vcpu.requestImmediateExit()
        for v in domain.vcpus { kick(vcpu: v.id) }
    }

    // MARK: Status

    public var status: RunnerStatus {
        lock.lock()
        let thread = vcpuThread
        let isBlocked = blocked
        let ended = stopping
        lock.unlock()
        var cpu: UInt64 = 0
        if let thread, let base = control.baseline {
            let now = RunnerControl.threadCPUTime(thread)
            cpu = now > base ? now - base : 0
        }
        let state: RunnerStatus.State
        if ended || domain.shutdownRequest != nil {
            state = .shutdown
        } else if control.gate.isPaused {
            state = .paused
        } else if isBlocked {
            state = .blocked
        } else {
            state = .running
        }
        let mmu = (domain.mmuHook as? DomainMMU)?.mmu
        let current = (mmu?.currentReservation ?? domain.ramPages) * 4
        let max = (mmu?.maximumReservation ?? domain.ramPages) * 4
        // `online` belongs to the vCPU's thread; a stale read only shows a
        // vCPU going up or down a moment late.
        let online = domain.vcpus.filter { $0.online }.count
        return RunnerStatus(state: state, cpuTimeNs: cpu, currentMemoryKiB: current, maxReservationKiB: max,
                            onlineVCPUs: online, maxVCPUs: domain.vcpus.count)
    }

    /// A node of the domain's xenstore, read as dom0 (relative paths are
    /// under /local/domain/<domid>).
    public func readXenstore(_ path: String) -> String? {
        xenstore.toolstack.read(path.hasPrefix("/") ? path : "\(xenstoreHome)/\(path)")
    }

    // MARK: Requests through xenstore

    /// Asks the guest to shut down the PV way: control/shutdown = "poweroff"
    /// or "reboot" (Linux drivers/xen/manage.c watches it, acknowledges by
    /// writing "" and runs orderly_poweroff / orderly_reboot). Xen: libxl
    /// libxl__domain_pvcontrol_write. A guest without PV control ignores it.
    public func requestGuestShutdown(_ reason: String) throws(RunnerControlError) {
        guard ["poweroff", "reboot", "halt", "suspend"].contains(reason) else {
            throw RunnerControlError("unknown shutdown reason '\(reason)'")
        }
        guard domain.shutdownRequest == nil else { throw RunnerControlError("the domain is already shutting down") }
        xenstore.toolstack.write("\(xenstoreHome)/control/shutdown", reason)
    }

    /// Sets the balloon target to `kib` KiB as libxl_set_memory_target does
    /// (absolute, enforced): refused above memory/static-max; the maximum
    /// reservation becomes the target plus libxl's slack
    /// (LIBXL_MAXMEM_CONSTANT, 1 MiB), so the guest cannot grow past it;
    /// memory/target and /vm/<uuid>/memory (MiB) are written. Linux's
    /// balloon driver (drivers/xen/xen-balloon.c watch_target) then gives
    /// frames back with XENMEM_decrease_reservation or takes them again.
    /// Deviation: libxl subtracts memory/videoram; a PV domain's is "-1"
    /// (none), which we read as 0.
    public func setMemoryTarget(kib: UInt64) throws(RunnerControlError) {
        let staticMax = readXenstore("memory/static-max").flatMap { UInt64($0) }
        guard let staticMax else { throw RunnerControlError("memory/static-max is missing from xenstore") }
        guard kib <= staticMax else {
            throw RunnerControlError("\(kib / 1024) MiB is above the domain's maximum (maxmem) of \(staticMax / 1024) MiB")
        }
        guard kib >= 4 else { throw RunnerControlError("a memory target of \(kib) KiB is below one page") }
        if let mmu = (domain.mmuHook as? DomainMMU)?.mmu {
            let slackKiB: UInt64 = 1024
            mmu.maximumReservation = (kib + slackKiB) / 4
        }
        xenstore.toolstack.write("\(xenstoreHome)/memory/target", String(kib))
        if let vm = readXenstore("vm") {
            xenstore.toolstack.write("\(vm)/memory", String(kib / 1024))
        }
    }

    /// Sets cpu/<i>/availability to "online" for i < `online` and "offline"
    /// for the rest of the `maxVCPUs` (libxl__set_vcpuonline_xenstore).
    /// Linux's drivers/xen/cpu_hotplug.c watches "cpu" and brings vCPUs up
    /// or down to match. Refused unless 1 <= online <= maxVCPUs.
    public func setVCPUsOnline(_ online: Int, maxVCPUs: Int) throws(RunnerControlError) {
        guard online >= 1 else { throw RunnerControlError("a domain needs at least 1 vCPU, not \(online)") }
        guard online <= maxVCPUs else {
            throw RunnerControlError("\(online) vCPUs requested, but the domain's maximum (maxvcpus) is \(maxVCPUs)")
        }
        for i in 0..<maxVCPUs {
            xenstore.toolstack.write("\(xenstoreHome)/cpu/\(i)/availability", i < online ? "online" : "offline")
        }
    }
}
