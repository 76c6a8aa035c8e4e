// Platform: the host half of the Xen PV hypercall interface and the
// domain-wide state behind it (xen/common, xen/arch/x86/pv). It sees guest
// memory and a notify protocol, never KVM (STYLE.md §1).
//
// Error model: a bad guest call gets a Xen errno; guest behaviour we cannot
// continue from ends the domain with a one-line reason (`crash`).
// Concurrency: hypercalls run on the calling vCPU's thread; event-channel
// state is shared and guarded by `lock`; shutdown is recorded under it too.
import CHostSys
import Foundation
import GuestMemory
import Logging
import XenABI
import XenPV

/// How the domain asked to end (SCHEDOP_shutdown) or was ended.
public enum ShutdownRequest: Sendable, Equatable {
    case poweroff
    case reboot
    case crash(String)
}

/// What a vCPU's host loop must do after an entry.
public enum EntryOutcome {
    case resume
    case shutdown(ShutdownRequest)
}

/// Hooks the VMM provides.
public protocol DomainHost: AnyObject, Sendable {
    /// Interrupt `vcpu` so it notices a pending event (or wake it if blocked).
    func kick(vcpu: Int)
    /// Guest console output (console ring or console_io).
    func consoleOutput(_ bytes: [UInt8])
    /// Arm (or cancel with nil) vCPU `vcpu`'s timer at system time `ns`.
    func setTimer(vcpu: Int, deadline: UInt64?)
}

public final class Domain: @unchecked Sendable {
    // @unchecked: shared state is guarded by `lock`; per-vCPU state is only
    // touched by its own thread (PVVCPU).
    /// The domain's id, given by the toolstack (lowest free id >= 1 among
    /// the host's running domains; Toolstack RuntimeDirectory).
    public let domid: UInt16
    public let name: String
    public let memory: GuestMemory
    public let ramPages: UInt64
    public let vcpus: [PVVCPU]
    public let sharedInfo: UInt64
    public let logger: Logger
    public var trace: Set<String>
    public weak var host: DomainHost?
    public let clock: SystemClock
    public let lock = NSLock()

    // Event channels (guarded by lock).
    var ports: [EventChannel]
    // Console (start_info ring).
    public let consoleRing: UInt64
    public let consolePort: UInt32
    /// Console input not yet in the ring (guarded by consoleLock).
    var pendingConsoleInput: [UInt8] = []
    let consoleLock = NSLock()
    public let storePort: UInt32
    public let storeRing: UInt64
    // Memory assists.
    public var vmAssist: UInt64 = 0
    public let m2pVirtBase: UInt64
    public let grantFramesBase: UInt64
    /// Grant frames the guest has set up (guarded by lock), and the most it
    /// may (the frames the layout reserves, given by the VMM).
    var grantFramesInUse: UInt32 = 0
    public let grantFramesMax: Int
    public var mmuHook: MMUHooks?
    /// Names a guest kernel address (`--symbols`), for diagnostics.
    public var symbolize: (@Sendable (UInt64) -> String?)?
    /// Called when the guest notifies the xenstore event channel (the
    /// xenstore service wakes and serves the ring). Set by the VMM.
    public var storeNotify: (@Sendable () -> Void)?
    /// The handlers of ports bound by a backend in this process
    /// (`bindBackend`), called on the guest's EVTCHNOP_send (guarded by lock).
    var backendHandlers: [UInt32: @Sendable () -> Void] = [:]
    /// Blocks the calling vCPU until an event (or one of the polled ports,
    /// or the timeout in system ns) is pending. Set by the VMM.
    public var blockHook: ((PVVCPU, (ports: [UInt32], timeout: UInt64?)?) -> Void)?

    /// PIT channel 2, the one device port a PV domU sees (Devices/PIT.swift).
    let pit = PIT()
    var loggedOnce = Set<String>()
    public private(set) var shutdownRequest: ShutdownRequest?

    public init(domid: UInt16 = 1, name: String, memory: GuestMemory, ramPages: UInt64, vcpuCount: Int, sharedInfo: UInt64,
                consoleRing: UInt64, consolePort: UInt32, storeRing: UInt64, storePort: UInt32,
                m2pVirtBase: UInt64, grantFramesBase: UInt64, grantFramesMax: Int = 32,
                logger: Logger, trace: Set<String>) {
        self.domid = domid
        self.name = name
        self.memory = memory
        self.ramPages = ramPages
        self.vcpus = (0..<vcpuCount).map { PVVCPU(id: $0) }
        self.sharedInfo = sharedInfo
        self.consoleRing = consoleRing
        self.consolePort = consolePort
        self.storeRing = storeRing
        self.storePort = storePort
        self.m2pVirtBase = m2pVirtBase
        self.grantFramesBase = grantFramesBase
        self.grantFramesMax = grantFramesMax
        self.logger = logger
        self.trace = trace
        self.clock = SystemClock()
        self.ports = [EventChannel](repeating: EventChannel(), count: EventChannel.maxPorts)
        for v in vcpus { v.vcpuInfoAddress = sharedInfo + UInt64(SharedInfo.vcpuInfoOffset(v.id)) }
        vcpus[0].online = true
        // Pre-bound inter-domain ports to the console and xenstore backends (dom0).
        ports[Int(consolePort)] = EventChannel(state: .interdomain(remoteDom: 0, remotePort: 0))
        ports[Int(storePort)] = EventChannel(state: .interdomain(remoteDom: 0, remotePort: 0))
    }

    /// Logs a guest-triggerable message once per key (STYLE.md §5).
    func logOnce(_ key: String, _ message: @autoclosure () -> String) {
        lock.lock()
        let first = loggedOnce.insert(key).inserted
        lock.unlock()
        if first { logger.warning("\(message())") }
    }

    /// Records how the domain is to end; the first request wins. The
    /// guest's SCHEDOP_shutdown and the toolstack's `destroy` both end here
    /// (Xen: domain_shutdown, xen/common/domain.c).
    public func requestShutdown(_ r: ShutdownRequest) {
        lock.lock()
        if shutdownRequest == nil { shutdownRequest = r }
        lock.unlock()
    }

    /// Ends the domain from a guest action we cannot continue from.
    public func crash(_ reason: String) -> EntryOutcome {
        requestShutdown(.crash(reason))
        return .shutdown(shutdownRequest ?? .crash(reason))
    }
}

/// Page-table operations the MMU provides (Platform/Memory/MMU.swift).
public protocol MMUHooks: AnyObject {
    func mmuUpdate(_ d: Domain, _ v: PVVCPU, _ args: [UInt64]) -> UInt64
    func updateVAMapping(_ d: Domain, _ v: PVVCPU, _ args: [UInt64]) -> UInt64
    func mmuextOp(_ d: Domain, _ v: PVVCPU, _ args: [UInt64]) -> UInt64
    func emulatePTWrite(_ d: Domain, _ v: PVVCPU, _ frame: Frame, cr2: UInt64) -> Bool
    func setGDT(_ d: Domain, _ v: PVVCPU, frames: [UInt64], entries: UInt64) -> UInt64
    func updateDescriptor(_ d: Domain, _ v: PVVCPU, address: UInt64, descriptor: UInt64) -> UInt64
    var needsShadowFlush: Bool { get set }
    /// Page-table entries to re-write at CPL0, or a full flush (MMU.takeShadowSync).
    func takeShadowSync() -> (addresses: [UInt64], fullFlush: Bool)
    /// Whether RAM frame `mfn` currently belongs to the guest (not released
    /// by decrease_reservation).
    func isOwnedFrame(_ mfn: UInt64) -> Bool
}

/// Domain system time (ns since creation) and its relation to the TSC,
/// published to the guest as pvclock (public/xen.h vcpu_time_info).
public final class SystemClock: @unchecked Sendable {
    // @unchecked: immutable after init.
    public let startMonotonic: UInt64
    public let startRealtime: (sec: UInt64, nsec: UInt64)
    public let tscHz: UInt64
    public let tscAtStart: UInt64

    public init() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let mono = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        let tsc0 = SystemClock.rdtsc()
        // Calibrate the TSC against CLOCK_MONOTONIC over 20 ms.
        usleep(20_000)
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let mono1 = UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        let tsc1 = SystemClock.rdtsc()
        tscHz = (tsc1 &- tsc0) * 1_000_000_000 / max(1, mono1 - mono)
        startMonotonic = mono
        tscAtStart = tsc0
        var rt = timespec()
        clock_gettime(CLOCK_REALTIME, &rt)
        // Wallclock at system time 0: now minus the time since `mono`.
        let total = UInt64(rt.tv_sec) * 1_000_000_000 + UInt64(rt.tv_nsec) - (mono1 - mono)
        startRealtime = (total / 1_000_000_000, total % 1_000_000_000)
    }

    public static func rdtsc() -> UInt64 { chostsys_rdtsc() }

    /// System time now, in ns.
    public func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec) - startMonotonic
    }
}
