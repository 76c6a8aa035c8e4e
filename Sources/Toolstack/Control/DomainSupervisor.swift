// The domain process's answer to the control socket: it outlives each
// incarnation of the domain (on_reboot="restart" builds a new one in the
// same process), holds the console ring, and turns requests into calls on
// the current DomainRunner (VMM/DomainRunner+Control.swift).
//
// Lifecycle: `building` until Launch hands over the first runner, then
// the runner's own states; between incarnations `building` again; once
// `destroy` is asked, `dying` until the process exits.
import Foundation
import VMM

final class DomainSupervisor: ControlHandler, @unchecked Sendable {
    // @unchecked: `runner`, `restarts` and `destroying` are guarded by `lock`.
    let name: String
    let domid: UInt16
    let uuid: String
    let maxVcpus: Int
    let console = ConsoleHub()
    private let lock = NSLock()
    private var runner: DomainRunner?
    private var restarts = 0
    private var destroying = false

    init(name: String, domid: UInt16, uuid: String, maxVcpus: Int) {
        self.name = name
        self.domid = domid
        self.uuid = uuid
        self.maxVcpus = maxVcpus
    }

    /// The incarnation now running (nil while one is being built).
    func setRunner(_ r: DomainRunner?, restart: Bool = false) {
        if restart { console.newIncarnation() }
        lock.lock()
        runner = r
        if restart { restarts += 1 }
        let destroyNow = destroying && r != nil
        lock.unlock()
        if destroyNow { r?.destroy() }
    }

    var isDestroying: Bool {
        lock.lock(); defer { lock.unlock() }
        return destroying
    }

    /// `destroy`, also on SIGTERM: the current incarnation stops and no
    /// new one is built.
    func destroy() {
        lock.lock()
        destroying = true
        let r = runner
        lock.unlock()
        r?.destroy()
    }

    private var current: (DomainRunner?, Int, Bool) {
        lock.lock(); defer { lock.unlock() }
        return (runner, restarts, destroying)
    }

    func consoleInput(_ bytes: [UInt8]) {
        current.0?.domain.consoleInput(bytes)
    }

    func info() -> DomainInfo {
        let (runner, restarts, dying) = current
        var info = DomainInfo(name: name, domid: domid, uuid: uuid, pid: ControlSys.processID, state: .building,
                              memoryKiB: 0, targetKiB: nil, maxMemoryKiB: 0, vcpus: 0, maxVcpus: maxVcpus,
                              cpuTime: 0, restarts: restarts)
        if let runner {
            let status = runner.status
            switch status.state {
            case .running: info.state = .running
            case .blocked: info.state = .blocked
            case .paused: info.state = .paused
            case .shutdown: info.state = .shutdown
            }
            info.memoryKiB = status.currentMemoryKiB
            info.targetKiB = runner.readXenstore("memory/target").flatMap { UInt64($0) }
            info.maxMemoryKiB = runner.readXenstore("memory/static-max").flatMap { UInt64($0) } ?? status.maxReservationKiB
            info.vcpus = status.onlineVCPUs
            info.cpuTime = Double(status.cpuTimeNs) / 1e9
        }
        if dying { info.state = .dying }
        return info
    }

    func handle(_ request: ControlRequest) -> ControlReply {
        if request.op == .info { return .success(info()) }
        if request.op == .destroy {
            destroy()
            return .success(info())
        }
        let (runner, _, dying) = current
        guard !dying else { return .failure("the domain is being destroyed") }
        guard let runner else { return .failure("the domain is being built or restarted; try again in a moment") }
        do {
            switch request.op {
            case .info, .destroy, .console:
                return .failure("'\(request.op.rawValue)' is not a request of its own here")
            case .shutdown:
                try runner.requestGuestShutdown(request.reason ?? "poweroff")
            case .pause:
                guard runner.pause() else { return .failure("the domain is already paused") }
            case .unpause:
                guard runner.unpause() else { return .failure("the domain is not paused") }
            case .memSet:
                guard let kib = request.memoryKiB else { return .failure("mem-set without a size") }
                try runner.setMemoryTarget(kib: kib)
            case .vcpuSet:
                guard let n = request.vcpus else { return .failure("vcpu-set without a count") }
                try runner.setVCPUsOnline(n, maxVCPUs: maxVcpus)
            }
        } catch {
            return .failure(error.description)
        }
        return .success(info())
    }
}
