// The domain's xenstore: the daemon (Sources/Xenstore), the nodes Xen's
// toolstack writes for a new PV domain, and the guest's ring served on a
// thread of its own, woken by the guest's notifications on the xenstore
// event channel and by watch events.
//
// Nodes and permissions follow libxl (tools/libs/light/libxl_create.c
// libxl__domain_make, libxl_dom.c libxl__build_post): the domain's home
// /local/domain/<id> is owned by dom0 and readable by the domain; the
// subtrees the guest writes (device, data, drivers, feature, attr, error,
// control/shutdown, ...) are owned by the domain.
import Foundation
import Logging
import Platform
import XenABI
import Xenstore

final class XenstoreService: @unchecked Sendable {
    // @unchecked: `thread` and `socket` are set by `start` and read by
    // `stop` on the runner's thread; the daemon, transport and wakeup are
    // thread-safe.
    let daemon: XenstoreDaemon
    let toolstack: Dom0Xenstore
    let guest: ConnectionID
    let transport: RingTransport
    let domain: Domain
    let logger: Logger
    private let wakeup = Wakeup()
    private var thread: WorkerThread?
    /// The Unix socket xenstore-utils use (XENSTORED_PATH), if it could be made.
    private(set) var socket: XenstoreSocketServer?

    /// - Parameter storePage: the guest's xenstore interface page (start_info store_mfn).
    init(domain: Domain, storePage: UnsafeMutableRawPointer, logger: Logger) {
        self.domain = domain
        self.logger = logger
        let daemon = XenstoreDaemon(logger: logger)
        self.daemon = daemon
        toolstack = Dom0Xenstore(daemon: daemon, role: "toolstack", logger: logger)
        let box = WakeBox()
        guest = daemon.connect(domid: DomID(rawValue: domain.domid)) { box.wake?() }
        // SAFETY: the page is guest RAM mapped for the life of the domain.
        transport = unsafe RingTransport(daemon: daemon, connection: guest, page: XenstoreRingPage(base: storePage), logger: logger)
        box.wake = { [weak self] in self?.notify() }
    }

    // MARK: The toolstack's nodes

    struct DomainInfo {
        var name: String
        var uuid: String
        var memoryKiB: UInt64
        var maxMemoryKiB: UInt64
        var vcpus: Int
        var storePFN: UInt64
        var storePort: UInt32
    }

    /// Writes what libxl writes for a new PV domain, as dom0 (the console
    /// nodes are ConsoleDevices').
    func populate(_ info: DomainInfo) {
        let id = domain.domid
        let home = "/local/domain/\(id)"
        let vm = "/vm/\(info.uuid)"
        let readOnly = ["n0", "r\(id)"]          // dom0 owns, the domain reads
        let owned = ["n\(id)"]                   // the domain owns
        mkdir(home, perms: readOnly)
        mkdir(vm, perms: readOnly)
        write("\(vm)/name", info.name); write("\(vm)/uuid", info.uuid)
        write("\(vm)/image/ostype", "linux")
        write("\(vm)/start_time", String(format: "%.2f", Date().timeIntervalSince1970))
        for dir in ["cpu", "memory", "device", "control", "store", "image"] {
            mkdir("\(home)/\(dir)", perms: readOnly)
        }
        for dir in ["data", "drivers", "feature", "attr", "error", "device/suspend/event-channel"] {
            mkdir("\(home)/\(dir)", perms: owned)
        }
        write("\(home)/name", info.name)
        write("\(home)/domid", String(id))
        write("\(home)/vm", vm)
        write("\(home)/control/platform-feature-multiprocessor-suspend", "1")
        write("\(home)/control/platform-feature-xs_reset_watches", "1")
        for node in ["shutdown", "feature-poweroff", "feature-reboot", "feature-suspend", "sysrq"] {
            mkdir("\(home)/control/\(node)", perms: owned)
        }
        for v in 0..<info.vcpus { write("\(home)/cpu/\(v)/availability", "online") }
        write("\(home)/memory/static-max", String(info.maxMemoryKiB))
        write("\(home)/memory/target", String(info.memoryKiB))
        write("\(home)/memory/videoram", "-1")
        write("\(home)/store/port", String(info.storePort))
        write("\(home)/store/ring-ref", String(info.storePFN))
        // The domain is known to xenstored (XS_INTRODUCE by the toolstack).
        request(.introduce, [String(id), String(info.storePFN), String(info.storePort)])
    }

    private func mkdir(_ path: String, perms: [String]) { toolstack.mkdir(path, perms: perms) }
    private func write(_ path: String, _ value: String) { toolstack.write(path, value) }
    private func request(_ type: XSType, _ strings: [String]) { toolstack.request(type, strings) }

    // MARK: The ring

    /// Starts serving the guest's ring, and the domain's socket at
    /// `socketPath` for Xen's xenstore tools. A socket that cannot be made
    /// (e.g. another live domain of the same name) is a warning, not fatal:
    /// the guest does not depend on it.
    func start(socketPath: String) {
        do {
            let server = try XenstoreSocketServer(daemon: daemon, path: socketPath, logger: logger)
            server.start()
            socket = server
        } catch {
            logger.warning("xenstore socket: \(error)")
        }
        _ = transport.start(resetIndices: false)
        thread = WorkerThread(name: "xenstore") { [self] in serve() }
    }

    /// The guest notified the xenstore port, or an event is queued.
    func notify() { wakeup.wake() }

    /// Stops the socket and the ring's thread (waiting for it).
    func stop() {
        socket?.stop()
        wakeup.stop()
        thread?.join()
        thread = nil
    }

    private func serve() {
        while wakeup.wait() {
            var activity = transport.process()
            var rounds = 0
            while activity.more && rounds < 64 {
                if activity.notify { domain.raise(port: domain.storePort) }
                activity = transport.process()
                rounds += 1
            }
            if activity.more { notify() }
            // A stopped ring is logged once, by RingTransport when it stops;
            // `activity.error` repeats it on every later kick, which the
            // guest controls, so it is not logged here.
            if activity.notify { domain.raise(port: domain.storePort) }
        }
    }
}

private final class WakeBox: @unchecked Sendable {
    // @unchecked: set once before any event can fire.
    var wake: (@Sendable () -> Void)?
}
