// Event channels, 2-level ABI (xen/common/event_channel.c, event_2l.c;
// public/event_channel.h). Pending and mask bits live in shared_info; the
// per-vCPU selector and upcall flag in that vCPU's vcpu_info.
import XenABI

public struct EventChannel: Sendable {
    public enum State: Sendable, Equatable {
        case free
        case unbound(remoteDom: UInt16)
        case interdomain(remoteDom: UInt16, remotePort: UInt32)
        case virq(UInt32)
        case ipi
    }
    public var state: State = .free
    /// The vCPU notified when the port is raised.
    public var notifyVCPU: Int = 0

    /// 2-level: 64 words of 64 bits on x86_64.
    public static let maxPorts = 4096

    public init(state: State = .free, notifyVCPU: Int = 0) {
        self.state = state
        self.notifyVCPU = notifyVCPU
    }
}

extension Domain {
    /// Raises `port`: sets its pending bit and, if unmasked, the vCPU's
    /// selector and upcall flag; kicks the vCPU when that flag goes 0→1
    /// (evtchn_2l_set_pending). Safe from any thread.
    public func raise(port: UInt32) {
        guard port > 0, port < UInt32(EventChannel.maxPorts) else { return }
        lock.lock()
        let vcpu = ports[Int(port)].notifyVCPU
        lock.unlock()
        let word = UInt64(port / 64), bit = UInt64(1) << UInt64(port % 64)
        let pendingAddr = sharedInfo + UInt64(SharedInfo.Offset.evtchnPending) + word * 8
        guard let old = try? memory.fetchOr64(at: pendingAddr, bit), old & bit == 0 else { return }
        let mask = (try? memory.load(UInt64.self, at: sharedInfo + UInt64(SharedInfo.Offset.evtchnMask) + word * 8)) ?? 0
        if mask & bit == 0 { markPending(vcpu: vcpu, word: word) }
        // A vCPU polling on this port wakes even if it is masked.
        host?.kick(vcpu: vcpu)
    }

    /// Sets pending_sel bit `word` and evtchn_upcall_pending of `vcpu`.
    func markPending(vcpu: Int, word: UInt64) {
        guard vcpu < vcpus.count else { return }
        let vi = vcpus[vcpu].vcpuInfoAddress
        let selBit = UInt64(1) << word
        _ = try? memory.fetchOr64(at: vi + 8, selBit)
        try? memory.store(UInt8(1), at: vi)
    }

    /// True if `vcpu` has an event to deliver (pending && !mask).
    public func eventDeliverable(_ v: PVVCPU) -> Bool {
        guard let w = try? memory.load(UInt16.self, at: v.vcpuInfoAddress) else { return false }
        return w & 0xff != 0 && w >> 8 == 0
    }

    public func isPending(port: UInt32) -> Bool {
        let word = UInt64(port / 64), bit = UInt64(1) << UInt64(port % 64)
        let v = (try? memory.load(UInt64.self, at: sharedInfo + UInt64(SharedInfo.Offset.evtchnPending) + word * 8)) ?? 0
        return v & bit != 0
    }

    /// Raises the port bound to (virq, vcpu), if any.
    public func raiseVIRQ(_ virq: UInt32, vcpu: Int) {
        lock.lock()
        let port = ports.firstIndex { $0.state == .virq(virq) && $0.notifyVCPU == vcpu }
        lock.unlock()
        if let port { raise(port: UInt32(port)) }
    }

    func allocPort() -> Int? {
        ports.indices.dropFirst().first { ports[$0].state == .free }
    }

    /// EVTCHNOP_* (hypercall 32).
    func doEventChannelOp(_ v: PVVCPU, cmd: UInt64, arg: UInt64) throws(XenErrno) -> UInt64 {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        switch EvtchnOp(rawValue: UInt32(truncatingIfNeeded: cmd)) {
        case .allocUnbound:
            let dom = try space.load(UInt16.self, at: arg)
            let remote = try space.load(UInt16.self, at: arg + 2)
            guard dom == DomID.self_.rawValue || dom == domid else { throw .ESRCH }
            guard remote == 0 || remote == DomID.self_.rawValue || remote == domid else { throw .ESRCH }
            lock.lock(); defer { lock.unlock() }
            guard let p = allocPort() else { throw .ENOSPC }
            ports[p] = EventChannel(state: .unbound(remoteDom: remote == DomID.self_.rawValue ? domid : remote))
            try space.store(UInt32(p), at: arg + 4)
            return 0
        case .bindVirq:
            let virq = try space.load(UInt32.self, at: arg)
            let vcpu = try space.load(UInt32.self, at: arg + 4)
            guard virq < 24 else { throw .EINVAL }
            guard Int(vcpu) < vcpus.count else { throw .ENOENT }
            lock.lock(); defer { lock.unlock() }
            if ports.contains(where: { $0.state == .virq(virq) && $0.notifyVCPU == Int(vcpu) }) { throw .EEXIST }
            guard let p = allocPort() else { throw .ENOSPC }
            ports[p] = EventChannel(state: .virq(virq), notifyVCPU: Int(vcpu))
            try space.store(UInt32(p), at: arg + 8)
            return 0
        case .bindIPI:
            let vcpu = try space.load(UInt32.self, at: arg)
            guard Int(vcpu) < vcpus.count else { throw .ENOENT }
            lock.lock(); defer { lock.unlock() }
            guard let p = allocPort() else { throw .ENOSPC }
            ports[p] = EventChannel(state: .ipi, notifyVCPU: Int(vcpu))
            try space.store(UInt32(p), at: arg + 4)
            return 0
        case .close:
            let port = try space.load(UInt32.self, at: arg)
            lock.lock(); defer { lock.unlock() }
            guard port > 0, port < UInt32(ports.count), ports[Int(port)].state != .free else { throw .EINVAL }
            if port == consolePort || port == storePort { throw .EINVAL }
            // A port bound by a backend: the backend's end goes too (Xen's
            // evtchn_close leaves the remote end unbound; our backends have
            // no port of their own, so their handler is dropped).
            backendHandlers[port] = nil
            ports[Int(port)] = EventChannel()
            return 0
        case .send:
            let port = try space.load(UInt32.self, at: arg)
            lock.lock()
            let state = port < UInt32(ports.count) ? ports[Int(port)].state : .free
            let backend = backendHandlers[port]
            lock.unlock()
            switch state {
            case .free: throw .EINVAL
            case .ipi: raise(port: port)
            case .interdomain:
                if port == consolePort { drainConsole(); flushConsoleInput() }
                if port == storePort { storeNotify?() }
                backend?()
            case .unbound(let remote):
                if remote == domid { raise(port: port) }
            case .virq: throw .EINVAL
            }
            return 0
        case .status:
            let dom = try space.load(UInt16.self, at: arg)
            let port = try space.load(UInt32.self, at: arg + 4)
            guard dom == DomID.self_.rawValue || dom == domid else { throw .ESRCH }
            guard port < UInt32(ports.count) else { throw .EINVAL }
            lock.lock()
            let ch = ports[Int(port)]
            lock.unlock()
            var status: UInt32 = 0, u: UInt64 = 0
            switch ch.state {
            case .free: status = EvtchnStat.closed.rawValue
            case .unbound(let r): status = EvtchnStat.unbound.rawValue; u = UInt64(r)
            case .interdomain(let r, let rp): status = EvtchnStat.interdomain.rawValue; u = UInt64(r) | UInt64(rp) << 32
            case .virq(let q): status = EvtchnStat.virq.rawValue; u = UInt64(q)
            case .ipi: status = EvtchnStat.ipi.rawValue
            }
            try space.store(status, at: arg + 8)
            try space.store(UInt32(ch.notifyVCPU), at: arg + 12)
            try space.store(u, at: arg + 16)
            return 0
        case .unmask:
            let port = try space.load(UInt32.self, at: arg)
            guard port < UInt32(ports.count) else { throw .EINVAL }
            let word = UInt64(port / 64), bit = UInt64(1) << UInt64(port % 64)
            let maskAddr = sharedInfo + UInt64(SharedInfo.Offset.evtchnMask) + word * 8
            let old = try memory.fetchAnd64(at: maskAddr, ~bit)
            if old & bit != 0, isPending(port: port) {
                lock.lock(); let vcpu = ports[Int(port)].notifyVCPU; lock.unlock()
                markPending(vcpu: vcpu, word: word)
            }
            return 0
        case .bindVCPU:
            let port = try space.load(UInt32.self, at: arg)
            let vcpu = try space.load(UInt32.self, at: arg + 4)
            guard Int(vcpu) < vcpus.count else { throw .ENOENT }
            lock.lock(); defer { lock.unlock() }
            guard port < UInt32(ports.count), ports[Int(port)].state != .free else { throw .EINVAL }
            ports[Int(port)].notifyVCPU = Int(vcpu)
            return 0
        default:
            logOnce("evtchn-\(cmd)", "event_channel_op \(cmd) not implemented (-ENOSYS)")
            throw .ENOSYS
        }
    }
}
