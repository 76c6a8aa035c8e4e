// The domain's PV consoles in xenstore, and the xenbus half of the
// secondary consoles' backend.
//
// Console 0 is the start_info console (served by Platform's drainConsole /
// consoleInput). Its nodes are what libxl writes for it
// (tools/libs/light/libxl_console.c `libxl__device_console_add` with a
// build state, via libxl_device.c `libxl__device_generic_add`): a backend
// directory /local/domain/0/backend/console/<domid>/0 (frontend,
// frontend-id, online, state 1, protocol "vt100"), and the frontend
// /local/domain/<domid>/console, which for console 0 is read-only to the
// guest ("Console 0 is a special case", libxl__device_generic_add): backend,
// backend-id (libxl writes this one with the ordinary frontend permissions,
// owned by the domain), limit, type "xenconsoled", output "pty", tty, port,
// ring-ref (the console page's mfn). Console 0 has no xenbus state machine:
// hvc_xen's xenbus driver refuses devid 0 (`xencons_probe`), and nothing
// moves its backend state off 1, as under xenconsoled.
//
// `tty`: xenconsoled writes the slave of the pty it opens for console 0
// there, and `xl console` reads it. Xenolith has no such pty: console 0 is
// the xenolith process's own stdin/stdout (`create -c`) and console log. So
// `tty` keeps the empty value libxl writes before xenconsoled runs, which is
// what a host without a running xenconsoled shows, and `xl console`-style
// tools get the same "no tty" answer they would get there.
//
// Secondary consoles are xl.cfg `channel`s, numbered from 1 in config order
// (libxl_create.c: "We map channels to IOEMU consoles starting at 1").
// libxl writes them with `libxl__init_console_from_channel` for QEMU
// (type "ioemu"): backend /local/domain/0/backend/console/<domid>/<N>
// (frontend, frontend-id, online, state 1, protocol, name, connection,
// path for a socket), frontend /local/domain/<domid>/device/console/<N>
// owned by the domain (backend, backend-id, state 1, protocol) with the
// guest-read-only nodes name, limit, type, output ("pty" or
// "chardev:libxl-channel<N>"), tty. For a pty the backend writes the slave's
// path to the frontend's `tty`, as QEMU (`xenstore_store_pv_console_info`)
// and xenconsoled do and docs/misc/console.txt says.
//
// State machine (QEMU's xen_console / legacy xen_backend, the console end
// of Linux's hvc_xen `xencons_connect_backend`/`xencons_backend_changed`):
// the backend starts in InitWait; frontend Initialised or Connected → read
// `ring-ref` (a grant reference) and `port`, map the page, bind the port,
// Connected (hvc_xen answers Connected); frontend Closing or Closed →
// unbind, unmap, Closed; frontend Initialising while we are Closed or
// Connected (the driver was reloaded) → InitWait again.
//
// Threads: one xenbus thread for all consoles, woken by watch events; one
// thread per channel running its ConsoleBackend's poll loop for the life
// of the domain (the host end exists before the guest connects). Lock
// rule: a channel's `state` and `port` are touched only by the xenbus
// thread, or by `stop` after that thread has ended.
import Backends
import Foundation
import Logging
import Platform
import XenABI
import Xenstore

/// One `channel` of the config (the toolstack's ChannelSpec, as the VMM needs it).
public struct ConsoleChannelSpec: Sendable, Hashable {
    public enum Connection: Sendable, Hashable {
        /// xenolith listens on a Unix socket at the path.
        case socket(path: String)
        /// xenolith opens a pseudo-terminal.
        case pty
    }

    /// The channel's name (the `name` node the guest reads).
    public var name: String
    public var connection: Connection
    /// The console's device number, 1 for the first channel.
    public var devid: UInt32

    public init(name: String, connection: Connection, devid: UInt32) {
        self.name = name
        self.connection = connection
        self.devid = devid
    }
}

/// One secondary console: its backend and its xenbus state.
final class ConsoleChannel: @unchecked Sendable {
    // @unchecked: `state`, `port` belong to the xenbus thread (and to
    // `ConsoleDevices.stop` once it has ended); `thread` to the runner's.
    let spec: ConsoleChannelSpec
    let backend: ConsoleBackend
    let backendPath: String
    let frontendPath: String
    var state: XenbusState = .initialising
    /// The frontend's event channel while connected.
    var port: UInt32?
    var thread: WorkerThread?

    init(spec: ConsoleChannelSpec, backend: ConsoleBackend, domid: UInt16) {
        self.spec = spec
        self.backend = backend
        backendPath = "/local/domain/0/backend/console/\(domid)/\(spec.devid)"
        frontendPath = "/local/domain/\(domid)/device/console/\(spec.devid)"
    }
}

/// Why connecting to a console frontend failed (as xenbus_dev_fatal would say).
struct ConsoleConnectError: Error, CustomStringConvertible {
    var description: String
}

final class ConsoleDevices: @unchecked Sendable {
    // @unchecked: immutable after init except `thread`, set by `start` and
    // read by `stop` on the runner's thread; channels per their rule.
    let domain: Domain
    let xs: Dom0Xenstore
    let grants: GrantAccess
    let logger: Logger
    let channels: [ConsoleChannel]
    /// Console 0's page (its mfn) and event channel, from start_info.
    let primaryRingMFN: UInt64
    let primaryPort: UInt32
    private let wakeup: Wakeup
    private var thread: WorkerThread?

    /// libxl's `LIBXL_XENCONSOLE_LIMIT`: the `limit` node (bytes a console
    /// backend buffers), also our backends' buffer.
    static let limit = 1_048_576
    /// libxl's `LIBXL_XENCONSOLE_PROTOCOL`.
    static let protocolName = "vt100"

    /// Makes each channel's host end (listening socket or pty); the error
    /// names the channel and what failed.
    init(channels specs: [ConsoleChannelSpec], domain: Domain, daemon: XenstoreDaemon, grants: GrantAccess,
         primaryRingMFN: UInt64, primaryPort: UInt32, logger: Logger) throws(VMMError) {
        self.domain = domain
        self.grants = grants
        self.logger = logger
        self.primaryRingMFN = primaryRingMFN
        self.primaryPort = primaryPort
        let wakeup = Wakeup()
        self.wakeup = wakeup
        xs = Dom0Xenstore(daemon: daemon, role: "console backend", logger: logger) { wakeup.wake() }
        var channels: [ConsoleChannel] = []
        for spec in specs {
            var channelLogger = logger
            channelLogger[metadataKey: "channel"] = "\(spec.name)"
            var options = ConsoleBackend.Options()
            options.bufferLimit = Self.limit
            let host: ConsoleBackend.HostConnection
            switch spec.connection {
            case .socket(let path): host = .socket(path: path)
            case .pty: host = .pty
            }
            do {
                let backend = try ConsoleBackend(hostConnection: host, options: options, logger: channelLogger)
                channels.append(ConsoleChannel(spec: spec, backend: backend, domid: domain.domid))
            } catch {
                for c in channels { c.backend.close() }
                xs.disconnect()
                throw .setup("channel '\(spec.name)': \(error)")
            }
        }
        self.channels = channels
    }

    /// Each pty channel's name and slave path, for the user.
    var ptys: [(name: String, path: String)] {
        channels.compactMap { c in c.backend.ttyPath.map { (c.spec.name, $0) } }
    }

    // MARK: The toolstack's nodes

    /// Writes console 0's nodes and each channel's backend and frontend
    /// directories as libxl does, each channel's backend in InitWait.
    func publish() {
        let id = domain.domid
        let backendPerms = ["n0", "r\(id)"]        // dom0 owns, the domain reads
        let frontendPerms = ["n\(id)", "r0"]       // the domain owns, dom0 reads
        let readOnlyFrontendPerms = backendPerms

        // Console 0.
        let be0 = "/local/domain/0/backend/console/\(id)/0"
        let fe0 = "/local/domain/\(id)/console"
        xs.mkdir(be0, perms: backendPerms)
        for (k, v) in [("frontend", fe0), ("frontend-id", "\(id)"), ("online", "1"),
                       ("state", "\(XenbusState.initialising)"), ("protocol", Self.protocolName)] {
            xs.write("\(be0)/\(k)", v)
        }
        xs.mkdir(fe0, perms: readOnlyFrontendPerms)
        xs.write("\(fe0)/backend", be0)
        xs.write("\(fe0)/backend-id", "0", perms: frontendPerms)
        for (k, v) in [("limit", "\(Self.limit)"), ("type", "xenconsoled"), ("output", "pty"), ("tty", ""),
                       ("port", "\(primaryPort)"), ("ring-ref", "\(primaryRingMFN)")] {
            xs.write("\(fe0)/\(k)", v, perms: readOnlyFrontendPerms)
        }

        // Channels.
        for c in channels {
            let be = c.backendPath, fe = c.frontendPath, n = c.spec.devid
            xs.mkdir(be, perms: backendPerms)
            var backendNodes = [("frontend", fe), ("frontend-id", "\(id)"), ("online", "1"),
                                ("state", "\(XenbusState.initialising)"), ("protocol", Self.protocolName),
                                ("name", c.spec.name)]
            let output: String
            switch c.spec.connection {
            case .socket(let path):
                backendNodes += [("connection", "socket"), ("path", path)]
                output = "chardev:libxl-channel\(n)"
            case .pty:
                backendNodes.append(("connection", "pty"))
                output = "pty"
            }
            for (k, v) in backendNodes { xs.write("\(be)/\(k)", v) }
            xs.mkdir(fe, perms: frontendPerms)
            for (k, v) in [("backend", be), ("backend-id", "0"), ("state", "\(XenbusState.initialising)"),
                           ("protocol", Self.protocolName)] {
                xs.write("\(fe)/\(k)", v)
            }
            for (k, v) in [("name", c.spec.name), ("limit", "\(Self.limit)"), ("type", "ioemu"),
                           ("output", output), ("tty", c.backend.ttyPath ?? "")] {
                xs.write("\(fe)/\(k)", v, perms: readOnlyFrontendPerms)
            }
            if let tty = c.backend.ttyPath {
                logger.notice("channel '\(c.spec.name)' of domain \(id) is on \(tty)")
            }
            setState(c, .initWait)
            xs.request(.watch, ["\(fe)/state", "console-\(n)"])
        }
    }

    // MARK: Lifecycle

    /// Starts each channel's loop and the xenbus thread (before the vCPU runs).
    func start() {
        guard !channels.isEmpty else { return }
        for c in channels {
            let backend = c.backend
            c.thread = WorkerThread(name: "console-\(c.spec.devid)") { backend.run() }
        }
        thread = WorkerThread(name: "xenbus-console") { [self] in
            while wakeup.wait() {
                xs.discardEvents()
                for c in channels { frontendChanged(c) }
            }
        }
    }

    /// Ends the xenbus thread, disconnects every ring, stops each loop and
    /// closes the host ends (removing the socket files).
    func stop() {
        wakeup.stop()
        thread?.join()
        thread = nil
        for c in channels {
            disconnect(c)
            c.backend.stop()
            c.thread?.join()
            c.thread = nil
            c.backend.close()
        }
        xs.disconnect()
    }

    // MARK: The state machine

    /// QEMU: `xen_be_frontend_changed` / `xen_be_check_state` for the
    /// console device; Linux: `xencons_backend_changed` is the other end.
    func frontendChanged(_ c: ConsoleChannel) {
        guard let text = xs.read("\(c.frontendPath)/state"), let raw = Int(text) else { return }
        switch XenbusState(rawValue: raw) {
        case .initialising:
            // hvc_xen was unbound and bound again: offer a new connection.
            if c.state == .closed || c.state == .connected {
                disconnect(c)
                setState(c, .initWait)
            }
        case .initialised, .connected:
            guard c.state != .connected else { return }
            do {
                try connect(c)
            } catch {
                logger.error("channel '\(c.spec.name)' of domain \(domain.domid): \(error)")
                xs.write("\(c.backendPath)/error", "\(error)")
                disconnect(c)
                setState(c, .closing)
            }
        case .closing, .closed:
            guard c.state != .closed else { return }
            disconnect(c)
            setState(c, .closed)
        default:
            break
        }
    }

    /// Reads `ring-ref` (a grant reference, as hvc_xen writes it) and
    /// `port`, maps the page, binds the port and switches to Connected.
    /// QEMU: `con_initialise` + `xen_be_bind_evtchn`.
    func connect(_ c: ConsoleChannel) throws {
        let fe = c.frontendPath
        guard let refText = xs.read("\(fe)/ring-ref"), let ref = UInt32(refText) else {
            throw ConsoleConnectError(description: "missing or bad \(fe)/ring-ref")
        }
        guard let portText = xs.read("\(fe)/port"), let port = UInt32(portText) else {
            throw ConsoleConnectError(description: "missing or bad \(fe)/port")
        }
        let domain = self.domain
        try c.backend.attach(grants: grants, ringRef: GrantRef(rawValue: ref)) { domain.raise(port: port) }
        let backend = c.backend
        do {
            try domain.bindBackend(port: port) { backend.kick() }
        } catch {
            throw ConsoleConnectError(description: "cannot bind event channel \(port): \(error)")
        }
        c.port = port
        setState(c, .connected)
        // Output written before the bind was not signalled to us.
        c.backend.kick()
    }

    /// Unbinds the port and unmaps the ring. QEMU: `con_disconnect`.
    func disconnect(_ c: ConsoleChannel) {
        if let port = c.port { domain.unbindBackend(port: port) }
        c.port = nil
        c.backend.detach()
    }

    private func setState(_ c: ConsoleChannel, _ state: XenbusState) {
        c.state = state
        xs.write("\(c.backendPath)/state", "\(state)")
    }
}
