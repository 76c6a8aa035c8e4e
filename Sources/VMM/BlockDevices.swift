// The domain's virtual block devices: for each disk of the config, the
// xenstore nodes the toolstack writes for a vbd, and the xenbus half of a
// block backend (the state machine of Linux xen-blkback's xenbus.c) around
// a Backends.BlockBackend, with one worker thread per ring.
//
// Nodes and permissions follow libxl (tools/libs/light/libxl_disk.c
// `libxl__device_disk_setdefault`/`device_disk_add`, libxl_device.c
// `libxl__device_generic_add`): the backend directory
// /local/domain/0/backend/vbd/<domid>/<devid> is owned by dom0 and readable
// by the domain; the frontend directory /local/domain/<domid>/device/vbd/
// <devid> is owned by the domain and readable by dom0.
//
// State machine (blkback `frontend_changed`; states of public/io/xenbus.h):
// the backend starts in InitWait with its transport parameters published;
// frontend Initialised or Connected → read the ring references and event
// channels, attach, bind the ports, publish the device nodes, Connected;
// frontend Closing → Closing (the frontend finishes its close when it sees
// that: at shutdown Linux's xenbus reacts to nothing else, and waits 5 s
// for it); frontend Closed → unbind, detach, Closed; frontend Initialising
// while we are Closed → InitWait again (a frontend that resets itself).
// A failed connect, and a ring that stops on a protocol violation while
// connected, are fatal to the device as Linux's `xenbus_dev_fatal`: the
// reason goes to the backend's `error` node, the rings are released, and
// the backend switches to Closing; the frontend recovers through Closed and
// Initialising. (Linux blkback only halts a ring with bogus indices and
// stays Connected, which leaves the frontend waiting for responses that
// never come and the ring granted for ever.) Each device reacts only to
// its own frontend's state watch, as blkback's per-device watch does.
//
// Beyond blkback: a Linux blkfront that is unbound or unloaded and bound
// again does not go back to Initialising. Its xenbus device keeps the
// Closed state, and from Closed blkfront reconnects only when it sees the
// backend Connected (`blkback_changed`: a fresh ring, Initialised, then it
// reads the device nodes; under Xen such a disk stays gone until the
// toolstack unplugs and replugs it). So after a close the frontend asked
// for, once its driver has let go of the device and bound it again (Linux's
// xenbus watches the backend's state node exactly while a driver is bound;
// the daemon tells us when such a watch comes or goes), the backend offers
// the device again: device nodes, then Connected with no ring attached; the
// frontend's new ring is attached when it reports Initialised. A close we
// started (a failed connect, a halted ring) is not offered again.
//
// Threads: one xenbus thread per domain, woken by watch events on a dom0
// connection to the domain's xenstore (and by the daemon when a watch on a
// backend's state node comes or goes) and by ring workers reporting a
// fault; one worker per connected ring, woken by the guest's EVTCHNOP_send
// on that ring's port (the handler only sets a flag). Lock rules: each
// wakeup's flag is under its own NSCondition; a device's connection
// (`VBD.workers`, `VBD.state` and the rebind flags) is touched only by the
// xenbus thread, or by `stop` after that thread has ended; `VBD.ringFault`
// is under its Mutex (set by a worker, taken by the xenbus thread).
import Backends
import Foundation
import Logging
import Platform
import Synchronization
import XenABI
import Xenstore

/// One disk to export to the guest (the toolstack's `DiskSpec`, as the VMM needs it).
public struct BlockDeviceSpec: Sendable, Hashable {
    /// Image file or block device.
    public var path: String
    /// The guest's name for it (`xvda`), for the `dev` node and messages.
    public var vdev: String
    /// Xen virtual device number (docs/misc/vbd-interface.txt).
    public var devid: UInt32
    public var readOnly: Bool
    /// Offer discard (libxl's `discard-enable`).
    public var discard: Bool

    public init(path: String, vdev: String, devid: UInt32, readOnly: Bool, discard: Bool = true) {
        self.path = path
        self.vdev = vdev
        self.devid = devid
        self.readOnly = readOnly
        self.discard = discard
    }
}

/// One ring of a connected vbd: processes it whenever the guest notifies,
/// and reports the first fault that halts the ring (`onFault`, once).
final class RingWorker: Sendable {
    let queue: Int
    let port: UInt32
    let wakeup = Wakeup()
    private let thread: WorkerThread

    init(backend: BlockBackend, queue: Int, port: UInt32, domain: Domain, name: String,
         onFault: @escaping @Sendable (BlkifRingFault) -> Void) {
        self.queue = queue
        self.port = port
        let wakeup = self.wakeup
        thread = WorkerThread(name: name) {
            var reported = false
            while wakeup.wait() {
                let r = backend.process(queue: queue)
                if r.notify { domain.raise(port: port) }
                // A halted ring answers every later kick with the same
                // fault; `.detached` is our own doing, not the guest's.
                if let fault = r.fault, fault != .detached, !reported {
                    reported = true
                    onFault(fault)
                }
                // Budget spent: come back at once, after others had a turn.
                if r.moreWork { wakeup.wake() }
            }
        }
    }

    func stop() {
        wakeup.stop()
        thread.join()
    }
}

/// One virtual block device: its backend and, when connected, its rings.
final class VBD: @unchecked Sendable {
    // @unchecked: the `var`s belong to the xenbus thread (and to
    // `BlockDevices.stop` once that thread has ended).
    let spec: BlockDeviceSpec
    let backend: BlockBackend
    let backendPath: String
    let frontendPath: String
    /// The state published in the backend's `state` node.
    var state: XenbusState = .initialising
    var workers: [RingWorker] = []
    /// A failed connect has been logged at error level (later ones at debug).
    var loggedConnectFailure = false
    /// The first ring of the current connection that halted, and why.
    let ringFault = Mutex<(queue: Int, fault: BlkifRingFault)?>(nil)
    /// We switched to Closing ourselves (a failed connect).
    var closedByBackend = false
    /// The frontend closed the device and has not reconnected since.
    var awaitingRebind = false
    /// While awaiting a rebind, the frontend's driver let go of the device.
    var frontendUnbound = false

    /// Whether the rings are attached (`connect` ran and was not undone).
    var attached: Bool { !workers.isEmpty }

    init(spec: BlockDeviceSpec, backend: BlockBackend, domid: UInt16) {
        self.spec = spec
        self.backend = backend
        backendPath = "/local/domain/0/backend/vbd/\(domid)/\(spec.devid)"
        frontendPath = "/local/domain/\(domid)/device/vbd/\(spec.devid)"
    }
}

/// Why connecting to a frontend failed (blkback's `xenbus_dev_fatal` cases).
struct VBDConnectError: Error, CustomStringConvertible {
    var description: String
}

final class BlockDevices: @unchecked Sendable {
    // @unchecked: immutable after init except `thread`, set by `start` and
    // read by `stop` on the same (runner) thread; devices per VBD's rule.
    let domain: Domain
    let xs: Dom0Xenstore
    let grants: GrantAccess
    let logger: Logger
    let devices: [VBD]
    private let wakeup: Wakeup
    private var thread: WorkerThread?

    /// Opens every image (read-only for `access=ro`); the error names the
    /// disk and what failed.
    /// `frames` is the domain's memory manager's accounting of grant
    /// mappings (GrantAccess.swift).
    init(specs: [BlockDeviceSpec], domain: Domain, daemon: XenstoreDaemon, frames: GrantFrameReferences?,
         logger: Logger) throws(VMMError) {
        self.domain = domain
        self.logger = logger
        let wakeup = Wakeup()
        self.wakeup = wakeup
        xs = Dom0Xenstore(daemon: daemon, role: "vbd backend", logger: logger) { wakeup.wake() }
        grants = GrantAccess(memory: domain.memory, tableBase: domain.grantFramesBase, ramPages: domain.ramPages,
                             maxFrames: domain.maxGrantFrames, frameReferences: frames,
                             nrFrames: { [weak domain] in domain?.nrGrantFrames ?? 0 })
        var devices: [VBD] = []
        for spec in specs {
            var options = BlockBackend.Options()
            options.discard = spec.discard
            var blkLogger = logger
            blkLogger[metadataKey: "vdev"] = "\(spec.vdev)"
            do {
                let backend = try BlockBackend(path: spec.path, readOnly: spec.readOnly, options: options, logger: blkLogger)
                devices.append(VBD(spec: spec, backend: backend, domid: domain.domid))
            } catch {
                xs.disconnect()
                throw .setup("disk '\(spec.vdev)': \(error)")
            }
        }
        self.devices = devices
    }

    // MARK: The toolstack's nodes

    /// Writes each vbd's backend and frontend directories as libxl does,
    /// with the backend already in InitWait (blkback's probe has run).
    func publish() {
        let id = domain.domid
        for d in devices {
            let be = d.backendPath, fe = d.frontendPath
            mkdir(be, perms: ["n0", "r\(id)"])
            let nodes: [(String, String)] = [
                ("frontend", fe), ("frontend-id", "\(id)"), ("online", "1"),
                ("state", "\(XenbusState.initialising)"),
                ("params", d.spec.path), ("mode", d.spec.readOnly ? "r" : "w"), ("type", "phy"),
                ("dev", d.spec.vdev), ("removable", "0"), ("bootable", "1"),
                ("discard-enable", d.spec.discard ? "1" : "0"),
            ]
            for (k, v) in nodes { write("\(be)/\(k)", v) }
            for (k, v) in d.backend.transportNodes.sorted(by: { $0.key < $1.key }) { write("\(be)/\(k)", v) }
            setState(d, .initWait)
            mkdir(fe, perms: ["n\(id)", "r0"])
            for (k, v) in [("backend", be), ("backend-id", "0"), ("state", "\(XenbusState.initialising)"),
                           ("virtual-device", "\(d.spec.devid)"), ("device-type", "disk")] {
                write("\(fe)/\(k)", v)
            }
            request(.watch, ["\(fe)/state", "vbd-\(d.spec.devid)"])
            xs.daemon.notifyWatchChanges(on: "\(be)/state", to: xs.connection)
        }
    }

    // MARK: Lifecycle

    /// Starts the xenbus thread (before the vCPU runs).
    func start() {
        guard !devices.isEmpty else { return }
        thread = WorkerThread(name: "xenbus-vbd") { [self] in
            while wakeup.wait() {
                var changed = Set<UInt32>()
                for event in xs.takeEvents() {
                    if let devid = Self.devid(ofWatchEvent: event) { changed.insert(devid) }
                }
                for d in devices {
                    if let report = d.ringFault.withLock({ r in defer { r = nil }; return r }) {
                        ringFailed(d, queue: report.queue, fault: report.fault)
                    }
                    if changed.contains(d.spec.devid) { frontendChanged(d) }
                    // Watch presence changes carry no event: check every device.
                    offerAgainIfRebound(d)
                }
            }
        }
    }

    /// The device a watch event is for: its token is "vbd-<devid>"
    /// (`publish`); nil for anything else.
    static func devid(ofWatchEvent event: XSMessage) -> UInt32? {
        let fields = event.payload.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2 else { return nil }
        let token = String(decoding: fields[1], as: UTF8.self)
        guard token.hasPrefix("vbd-") else { return nil }
        return UInt32(token.dropFirst(4))
    }

    /// Ends the xenbus thread, disconnects every ring and flushes the images.
    func stop() {
        wakeup.stop()
        thread?.join()
        thread = nil
        for d in devices {
            disconnect(d)
            do { try d.backend.flush() } catch {
                logger.error("disk '\(d.spec.vdev)': flushing '\(d.spec.path)' failed: \(error)")
            }
        }
        xs.disconnect()
    }

    // MARK: The state machine

    /// Linux: `frontend_changed`, drivers/block/xen-blkback/xenbus.c.
    func frontendChanged(_ d: VBD) {
        guard let text = read("\(d.frontendPath)/state"), let raw = Int(text) else { return }
        switch XenbusState(rawValue: raw) {
        case .initialising:
            // The frontend reset itself: offer a new connection.
            if d.state == .closed || d.state == .connected {
                disconnect(d)
                d.closedByBackend = false
                d.awaitingRebind = false
                setState(d, .initWait)
            }
        case .initialised, .connected:
            // Two watch events in close succession must not connect twice.
            guard !d.attached else { return }
            do {
                try connect(d)
                d.awaitingRebind = false
            } catch {
                // The frontend can retry at will: log the first failure,
                // the rest at debug level; the error node always has it.
                if d.loggedConnectFailure {
                    logger.debug("disk '\(d.spec.vdev)' of domain \(domain.domid): \(error)")
                } else {
                    d.loggedConnectFailure = true
                    logger.error("disk '\(d.spec.vdev)' of domain \(domain.domid): \(error) (further connect failures of this disk at debug level)")
                }
                write("\(d.backendPath)/error", "\(error)")
                disconnect(d)
                d.closedByBackend = true
                setState(d, .closing)
            }
        case .closing:
            guard d.state != .closing && d.state != .closed else { return }
            setState(d, .closing)
        case .closed:
            guard d.state != .closed else { return }
            disconnect(d)
            d.awaitingRebind = !d.closedByBackend
            d.frontendUnbound = false
            setState(d, .closed)
        default:
            break
        }
    }

    /// A ring of a connected device halted on a protocol violation: the
    /// device is closed as after a fatal error (see the file comment).
    /// Linux: `xenbus_dev_fatal`, drivers/xen/xenbus/xenbus_client.c.
    func ringFailed(_ d: VBD, queue: Int, fault: BlkifRingFault) {
        guard d.state == .connected else { return }
        write("\(d.backendPath)/error", "queue \(queue): \(fault)")
        disconnect(d)
        d.closedByBackend = true
        setState(d, .closing)
    }

    /// After a close the frontend asked for: notes when its driver lets go
    /// of the device, and offers the device again once a driver watches it
    /// again with the frontend still Closed (see the file comment).
    func offerAgainIfRebound(_ d: VBD) {
        guard d.state == .closed, d.awaitingRebind else { return }
        guard xs.daemon.isWatched("\(d.backendPath)/state", by: DomID(rawValue: domain.domid)) else {
            d.frontendUnbound = true
            return
        }
        guard d.frontendUnbound, read("\(d.frontendPath)/state") == "\(XenbusState.closed)" else { return }
        d.awaitingRebind = false
        d.frontendUnbound = false
        for (k, v) in d.backend.deviceNodes.sorted(by: { $0.key < $1.key }) { write("\(d.backendPath)/\(k)", v) }
        setState(d, .connected)
    }

    /// Reads the frontend's ring details, attaches, binds the ports and
    /// switches to Connected (unless the device was offered again as
    /// Connected: the frontend has read the device nodes already).
    /// Linux: `connect_ring`, `read_per_ring_refs`, `connect`.
    func connect(_ d: VBD) throws {
        let fe = d.frontendPath
        let orderText = read("\(fe)/ring-page-order")
        guard let order = Int(orderText ?? "0"), (0...d.backend.options.maxRingPageOrder).contains(order) else {
            throw VBDConnectError(description: "bad ring-page-order '\(orderText ?? "")'")
        }
        let queuesText = read("\(fe)/multi-queue-num-queues")
        guard let queues = Int(queuesText ?? "1"), (1...d.backend.options.maxQueues).contains(queues) else {
            throw VBDConnectError(description: "bad multi-queue-num-queues '\(queuesText ?? "")'")
        }
        var refs: [[GrantRef]] = []
        var ports: [UInt32] = []
        for q in 0..<queues {
            let dir = queues == 1 ? fe : "\(fe)/queue-\(q)"
            var ring: [GrantRef] = []
            if orderText == nil, let single = read("\(dir)/ring-ref") {
                guard let v = UInt32(single) else { throw VBDConnectError(description: "bad \(dir)/ring-ref '\(single)'") }
                ring.append(GrantRef(rawValue: v))
            } else {
                for i in 0..<(1 << order) {
                    guard let text = read("\(dir)/ring-ref\(i)"), let v = UInt32(text) else {
                        throw VBDConnectError(description: "missing or bad \(dir)/ring-ref\(i)")
                    }
                    ring.append(GrantRef(rawValue: v))
                }
            }
            guard let text = read("\(dir)/event-channel"), let port = UInt32(text) else {
                throw VBDConnectError(description: "missing or bad \(dir)/event-channel")
            }
            refs.append(ring)
            ports.append(port)
        }
        try d.backend.attach(grants: grants, ringRefs: refs, ringPageOrder: order, protocol: read("\(fe)/protocol"))
        for (q, port) in ports.enumerated() {
            let xenbus = self.wakeup
            let worker = RingWorker(backend: d.backend, queue: q, port: port, domain: domain,
                                    name: "vbd-\(d.spec.vdev)-q\(q)") { [weak d] fault in
                d?.ringFault.withLock { if $0 == nil { $0 = (q, fault) } }
                xenbus.wake()
            }
            d.workers.append(worker)
            let wakeup = worker.wakeup
            do {
                try domain.bindBackend(port: port) { wakeup.wake() }
            } catch {
                throw VBDConnectError(description: "cannot bind event channel \(port) of queue \(q): "
                                      + "not a port of the domain unbound to domain 0 (-\(error.rawValue))")
            }
        }
        // The reason of an earlier failure no longer applies.
        request(.rm, ["\(d.backendPath)/error"])
        if d.state != .connected {
            for (k, v) in d.backend.deviceNodes.sorted(by: { $0.key < $1.key }) { write("\(d.backendPath)/\(k)", v) }
            setState(d, .connected)
        }
        // Requests queued before the bind were not signalled to us.
        for w in d.workers { w.wakeup.wake() }
    }

    /// Unbinds the ports, stops the workers and detaches the rings.
    /// Linux: `xen_blkif_disconnect`.
    func disconnect(_ d: VBD) {
        for w in d.workers { domain.unbindBackend(port: w.port) }
        for w in d.workers { w.stop() }
        d.workers = []
        d.backend.detach()
        // The workers are stopped: a fault they reported belongs to the
        // connection just ended.
        d.ringFault.withLock { $0 = nil }
    }

    private func setState(_ d: VBD, _ state: XenbusState) {
        d.state = state
        write("\(d.backendPath)/state", "\(state)")
    }

    private func read(_ path: String) -> String? { xs.read(path) }
    private func write(_ path: String, _ value: String) { xs.write(path, value) }
    private func mkdir(_ path: String, perms: [String]) { xs.mkdir(path, perms: perms) }
    private func request(_ type: XSType, _ strings: [String]) { xs.request(type, strings) }
}
