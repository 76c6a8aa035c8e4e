// The domain's virtual network interfaces: for each vif of the config, the
// host TAP (what libxl's vif-bridge hotplug script sets up), the xenstore
// nodes the toolstack writes for a vif, and the xenbus half of a network
// backend (the state machine of Linux xen-netback's xenbus.c) around a
// Backends.NetBackend, with one worker thread per queue.
//
// Nodes and permissions follow libxl (tools/libs/light/libxl_nic.c
// `libxl__set_xenstore_nic`, libxl_device.c `libxl__device_generic_add`):
// the backend directory /local/domain/0/backend/vif/<domid>/<devid> is
// owned by dom0 and readable by the domain; the frontend directory
// /local/domain/<domid>/device/vif/<devid> is owned by the domain and
// readable by dom0, except its `mtu` node, which the domain may only read.
// There are no hotplug scripts: the TAP exists (and is in its bridge)
// before the nodes are written, so `hotplug-status` is "connected" at once.
//
// State machine (netback `frontend_changed` / `set_backend_state`; states
// of public/io/xenbus.h): the backend starts in InitWait with its features
// published; frontend Connected → read the rings, event channels and
// features, attach, bind the ports, Connected; frontend Closing → Closing;
// Closed → Closed; Initialising after that (netfront reloaded) → InitWait
// again. Disconnecting unbinds, stops the workers and detaches.
//
// Threads: one xenbus thread for all vifs, woken by watch events on a dom0
// connection; one worker per connected queue, blocked in poll(2) on the
// queue's TAP descriptor (frames for the guest) and a pipe the guest's
// EVTCHNOP_send on the queue's ports writes to (the handler, on the vCPU
// thread, only writes a byte). Lock rules: a vif's `state` and `workers`
// are changed only by the xenbus thread, or by `stop` after that thread has
// ended, under the vif's lock so the state report can read them.
import Backends
import Foundation
import Logging
import Platform
import Synchronization
import XenABI
import Xenstore

/// One vif to give the guest (the toolstack's `NicSpec`, as the VMM needs it).
public struct NetworkDeviceSpec: Sendable, Hashable {
    /// Device number (`handle`).
    public var devid: Int
    /// The guest's MAC (six bytes).
    public var mac: [UInt8]
    /// Bridge to add the TAP to.
    public var bridge: String?
    /// The TAP's name; nil: libxl's `vif<domid>.<devid>`.
    public var vifname: String?
    /// `ip=`, recorded in the backend's `ip` node.
    public var ip: String?
    /// `script=` (vif-bridge), recorded in the `script` node.
    public var script: String?
    /// The frontend's `trusted` node.
    public var trusted: Bool

    public init(devid: Int, mac: [UInt8], bridge: String? = nil, vifname: String? = nil, ip: String? = nil,
                script: String? = nil, trusted: Bool = true) {
        precondition(mac.count == 6)
        self.devid = devid
        self.mac = mac
        self.bridge = bridge
        self.vifname = vifname
        self.ip = ip
        self.script = script
        self.trusted = trusted
    }

    /// `LIBXL_MAC_FMT`.
    var macText: String { mac.map { String(format: "%02x", $0) }.joined(separator: ":") }
}

/// A pipe a kick writes one byte into, to wake a thread blocked in poll(2)
/// (Swift's Glibc module has no eventfd).
final class KickPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init?() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Wakes the reader; a full pipe already means "wake up".
    func kick() {
        var b: UInt8 = 1
        _ = write(writeEnd, &b, 1)
    }

    /// Empties the pipe.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }
}

/// One queue of a connected vif: processes it whenever the guest kicks one
/// of its ports or the TAP has frames (while the guest has buffers).
final class NetQueueWorker: Sendable {
    let queue: Int
    let txPort: UInt32
    let rxPort: UInt32
    let pipe: KickPipe
    /// Kicks received from the guest (EVTCHNOP_send on the queue's ports).
    let kicks = Atomic<UInt64>(0)
    /// Events raised to the guest.
    let events = Atomic<UInt64>(0)
    private let stopping = Atomic<Bool>(false)
    private let thread: Mutex<WorkerThread?>

    /// Without `feature-rx-notify` a frontend posts buffers without telling
    /// us: look again this often while a frame waits (netback polls too).
    static let rxPollInterval: Int32 = 10

    init(backend: NetBackend, queue: Int, txPort: UInt32, rxPort: UInt32, rxNotify: Bool, domain: Domain,
         name: String, pipe: KickPipe) {
        self.queue = queue
        self.txPort = txPort
        self.rxPort = rxPort
        self.pipe = pipe
        thread = Mutex(nil)
        let device = backend.deviceDescriptor(queue: queue) ?? -1
        let worker = WorkerThread(name: name) { [self] in
            var halted = false
            var rxWaiting = false
            while !stopping.load(ordering: .acquiring) {
                if !halted {
                    let r = backend.process(queue: queue)
                    if r.notifyTx { domain.raise(port: txPort); events.add(1, ordering: .relaxed) }
                    if r.notifyRx && !(r.notifyTx && rxPort == txPort) {
                        domain.raise(port: rxPort)
                        events.add(1, ordering: .relaxed)
                    }
                    // A halted queue was reported by the backend; it waits
                    // for the frontend to reconnect (netback disables the vif).
                    halted = r.fault != nil
                    rxWaiting = r.rxWaiting
                    if r.moreWork { continue }
                }
                var fds = [pollfd(fd: pipe.readEnd, events: Int16(POLLIN), revents: 0)]
                if !halted && !rxWaiting && device >= 0 {
                    fds.append(pollfd(fd: device, events: Int16(POLLIN), revents: 0))
                }
                let timeout: Int32 = rxWaiting && !rxNotify && !halted ? Self.rxPollInterval : -1
                _ = poll(&fds, nfds_t(fds.count), timeout)
                pipe.drain()
            }
        }
        thread.withLock { $0 = worker }
    }

    /// What the guest's EVTCHNOP_send on a port of this queue runs (on
    /// the vCPU's thread): count and wake.
    func kick() {
        kicks.add(1, ordering: .relaxed)
        pipe.kick()
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        pipe.kick()
        let t = thread.withLock { $0 }
        t?.join()
    }
}

/// One virtual network interface: its TAP, its backend and, when
/// connected, its queue workers.
final class VIF: Sendable {
    let spec: NetworkDeviceSpec
    let backend: NetBackend
    let backendPath: String
    let frontendPath: String
    /// Changed only by the xenbus thread (and by `NetworkDevices.stop` once
    /// that thread has ended); the lock lets the state report read it.
    private let live = Mutex(Live())

    private struct Live {
        var state: XenbusState = .initialising
        var workers: [NetQueueWorker] = []
        /// Kicks and events of the workers of earlier connections.
        var pastKicks: UInt64 = 0
        var pastEvents: UInt64 = 0
    }

    var state: XenbusState {
        get { live.withLock { $0.state } }
        set { live.withLock { $0.state = newValue } }
    }

    var workers: [NetQueueWorker] {
        get { live.withLock { $0.workers } }
        set { live.withLock { $0.workers = newValue } }
    }

    /// Drops the workers (stopped by the caller), keeping their counts.
    func retireWorkers() {
        live.withLock { l in
            for w in l.workers {
                l.pastKicks += w.kicks.load(ordering: .relaxed)
                l.pastEvents += w.events.load(ordering: .relaxed)
            }
            l.workers = []
        }
    }

    /// State, queues, kicks and events so far, read together.
    var activity: (state: XenbusState, queues: Int, kicks: UInt64, events: UInt64) {
        live.withLock { l in
            (l.state, l.workers.count,
             l.pastKicks + l.workers.reduce(0) { $0 + $1.kicks.load(ordering: .relaxed) },
             l.pastEvents + l.workers.reduce(0) { $0 + $1.events.load(ordering: .relaxed) })
        }
    }

    init(spec: NetworkDeviceSpec, backend: NetBackend, domid: UInt16) {
        self.spec = spec
        self.backend = backend
        backendPath = "/local/domain/0/backend/vif/\(domid)/\(spec.devid)"
        frontendPath = "/local/domain/\(domid)/device/vif/\(spec.devid)"
    }

    var name: String { backend.device.name }
}

/// Why connecting to a frontend failed (netback's `xenbus_dev_fatal` cases).
struct VIFConnectError: Error, CustomStringConvertible {
    var description: String
}

final class NetworkDevices: @unchecked Sendable {
    // @unchecked: immutable after init except `thread`, set by `start` and
    // read by `stop` on the same (runner) thread; devices per VIF's rule.
    let domain: Domain
    let xs: Dom0Xenstore
    let grants: GrantAccess
    let logger: Logger
    let devices: [VIF]
    private let wakeup: Wakeup
    private var thread: WorkerThread?

    /// The MTU libxl writes for every vif (`LIBXL_DEVICE_NIC_MTU_DEFAULT`).
    static let mtu = 1500

    /// Creates (or opens) every TAP and its backend; the error names the
    /// vif and what failed. `grants` is the domain's grant table as every
    /// backend shares it (one pin table).
    init(specs: [NetworkDeviceSpec], domain: Domain, daemon: XenstoreDaemon, grants: GrantAccess, logger: Logger,
         options: NetBackend.Options = NetBackend.Options()) throws(VMMError) {
        self.domain = domain
        self.logger = logger
        let wakeup = Wakeup()
        self.wakeup = wakeup
        xs = Dom0Xenstore(daemon: daemon, role: "vif backend", logger: logger) { wakeup.wake() }
        self.grants = grants
        var devices: [VIF] = []
        for spec in specs {
            let tapName = spec.vifname ?? "vif\(domain.domid).\(spec.devid)"
            var netLogger = logger
            netLogger[metadataKey: "vif"] = "\(tapName)"
            do {
                let tap = try TapDevice(name: tapName, bridge: spec.bridge, maxQueues: options.maxQueues)
                let backend = NetBackend(device: tap, options: options, logger: netLogger)
                devices.append(VIF(spec: spec, backend: backend, domid: domain.domid))
            } catch {
                xs.disconnect()
                throw .setup("vif \(spec.devid): \(error)")
            }
        }
        self.devices = devices
    }

    // MARK: The toolstack's nodes

    /// Writes each vif's backend and frontend directories as libxl does,
    /// with the backend already in InitWait (netback's probe has run).
    func publish() {
        let id = domain.domid
        for d in devices {
            let be = d.backendPath, fe = d.frontendPath
            xs.mkdir(be, perms: ["n0", "r\(id)"])
            var nodes: [(String, String)] = [
                ("frontend", fe), ("frontend-id", "\(id)"), ("online", "1"),
                ("state", "\(XenbusState.initialising)"),
                ("mac", d.spec.macText), ("handle", "\(d.spec.devid)"), ("type", "vif"),
                ("vifname", d.name), ("hotplug-status", "connected"),
            ]
            if let bridge = d.spec.bridge { nodes.append(("bridge", bridge)) }
            if let ip = d.spec.ip { nodes.append(("ip", ip)) }
            if let script = d.spec.script { nodes.append(("script", script)) }
            for (k, v) in nodes { xs.write("\(be)/\(k)", v) }
            for (k, v) in d.backend.backendNodes.sorted(by: { $0.key < $1.key }) { xs.write("\(be)/\(k)", v) }
            setState(d, .initWait)
            // `mtu` is read-only for the guest: written while the directory
            // is still dom0's, then the directory passes to the guest.
            xs.mkdir(fe, perms: ["n0", "r\(id)"])
            xs.write("\(fe)/mtu", "\(Self.mtu)")
            xs.request(.setPerms, [fe, "n\(id)", "r0"])
            for (k, v) in [("backend", be), ("backend-id", "0"), ("state", "\(XenbusState.initialising)"),
                           ("handle", "\(d.spec.devid)"), ("mac", d.spec.macText), ("trusted", d.spec.trusted ? "1" : "0")] {
                xs.write("\(fe)/\(k)", v)
            }
            xs.request(.watch, ["\(fe)/state", "vif-\(d.spec.devid)"])
        }
    }

    // MARK: Lifecycle

    /// Starts the xenbus thread (before the vCPU runs).
    func start() {
        guard !devices.isEmpty else { return }
        thread = WorkerThread(name: "xenbus-vif") { [self] in
            while wakeup.wait() {
                xs.discardEvents()
                for d in devices { frontendChanged(d) }
            }
        }
    }

    /// Ends the xenbus thread and disconnects every vif (the TAPs close
    /// with their backends).
    func stop() {
        wakeup.stop()
        thread?.join()
        thread = nil
        for d in devices { disconnect(d) }
        xs.disconnect()
    }

    /// One line per vif: counters, kicks from the guest, events to it.
    func report() -> String {
        devices.map { d in
            let c = d.backend.counters
            let (state, queues, kicks, events) = d.activity
            return "vif \(d.spec.devid) (\(d.name), state \(state), \(queues) queue(s)): "
                + "tx \(c.txPackets) packets \(c.txBytes) bytes (\(c.txGSO) GSO, \(c.txErrors) errors), "
                + "rx \(c.rxPackets) packets \(c.rxBytes) bytes (\(c.rxGSO) GSO, \(c.rxDropped) dropped, \(c.rxWaits) waits for buffers), "
                + "kicks \(kicks), events \(events), process calls \(c.processCalls)"
        }.joined(separator: "\n  ")
    }

    // MARK: The state machine

    /// Linux: `frontend_changed` / `set_backend_state`,
    /// drivers/net/xen-netback/xenbus.c.
    func frontendChanged(_ d: VIF) {
        guard let text = xs.read("\(d.frontendPath)/state"), let raw = Int(text) else { return }
        switch XenbusState(rawValue: raw) {
        case .initialising:
            // netfront (re)starting: offer a connection.
            if d.state != .initWait {
                disconnect(d)
                setState(d, .initWait)
            }
        case .connected:
            // Two watch events in close succession must not connect twice.
            guard d.state != .connected else { return }
            do {
                try connect(d)
            } catch {
                logger.error("vif \(d.spec.devid) ('\(d.name)') of domain \(domain.domid): \(error)")
                xs.write("\(d.backendPath)/error", "\(error)")
                disconnect(d)
                setState(d, .closing)
            }
        case .closing:
            guard d.state != .closing && d.state != .closed else { return }
            disconnect(d)
            setState(d, .closing)
        case .closed, .unknown:
            guard d.state != .closed else { return }
            disconnect(d)
            setState(d, .closed)
        default:
            break
        }
    }

    /// Reads the frontend's queues, rings, event channels and features,
    /// attaches, binds the ports and switches to Connected. Linux:
    /// `connect`, `connect_data_rings`, `read_xenbus_vif_flags`.
    func connect(_ d: VIF) throws {
        let fe = d.frontendPath
        let queuesText = xs.read("\(fe)/multi-queue-num-queues")
        guard let queues = Int(queuesText ?? "1"), (1...d.backend.options.maxQueues).contains(queues) else {
            throw VIFConnectError(description: "frontend requested '\(queuesText ?? "")' queues (1...\(d.backend.options.maxQueues) allowed)")
        }
        var rings: [NetBackend.QueueRings] = []
        var ports: [(tx: UInt32, rx: UInt32)] = []
        for q in 0..<queues {
            let dir = queues == 1 ? fe : "\(fe)/queue-\(q)"
            func number(_ node: String) throws -> UInt32 {
                guard let text = xs.read("\(dir)/\(node)"), let v = UInt32(text) else {
                    throw VIFConnectError(description: "missing or bad \(dir)/\(node)")
                }
                return v
            }
            rings.append(.init(tx: GrantRef(rawValue: try number("tx-ring-ref")), rx: GrantRef(rawValue: try number("rx-ring-ref"))))
            if xs.read("\(dir)/event-channel-tx") != nil {
                ports.append((try number("event-channel-tx"), try number("event-channel-rx")))
            } else {
                let p = try number("event-channel")
                ports.append((p, p))
            }
        }
        // xenbus_read_unsigned: a missing or unparsable node is 0.
        func flag(_ node: String, default value: Bool = false) -> Bool {
            guard let text = xs.read("\(fe)/\(node)") else { return value }
            return (UInt(text) ?? 0) != 0
        }
        var features = NetBackend.FrontendFeatures()
        features.rxCopy = flag("request-rx-copy")
        features.rxNotify = flag("feature-rx-notify")
        features.sg = flag("feature-sg")
        features.gsoTCPv4 = flag("feature-gso-tcpv4")
        features.gsoTCPv6 = flag("feature-gso-tcpv6")
        features.ipCsum = !flag("feature-no-csum-offload")
        features.ipv6Csum = flag("feature-ipv6-csum-offload")
        if !features.rxNotify {
            logger.warning("vif \(d.spec.devid): frontend lacks feature-rx-notify; polling for receive buffers every \(NetQueueWorker.rxPollInterval) ms")
        }
        try d.backend.attach(grants: grants, rings: rings, features: features)
        for (q, p) in ports.enumerated() {
            let pipe = KickPipe()
            guard let pipe else { throw VIFConnectError(description: "queue \(q): cannot make a wakeup pipe") }
            let worker = NetQueueWorker(backend: d.backend, queue: q, txPort: p.tx, rxPort: p.rx, rxNotify: features.rxNotify,
                                        domain: domain, name: "vif\(d.spec.devid)-q\(q)", pipe: pipe)
            d.workers.append(worker)
            for port in Set([p.tx, p.rx]) {
                do {
                    try domain.bindBackend(port: port) { worker.kick() }
                } catch {
                    throw VIFConnectError(description: "cannot bind event channel \(port) of queue \(q): \(error)")
                }
            }
        }
        setState(d, .connected)
        // Requests queued before the bind were not signalled to us.
        for w in d.workers { w.pipe.kick() }
    }

    /// Unbinds the ports, stops the workers and detaches the rings.
    /// Linux: `backend_disconnect`.
    func disconnect(_ d: VIF) {
        for w in d.workers {
            domain.unbindBackend(port: w.txPort)
            if w.rxPort != w.txPort { domain.unbindBackend(port: w.rxPort) }
        }
        for w in d.workers { w.stop() }
        d.retireWorkers()
        d.backend.detach()
    }

    private func setState(_ d: VIF, _ state: XenbusState) {
        d.state = state
        xs.write("\(d.backendPath)/state", "\(state)")
    }
}
