// Xen: public/io/console.h, docs/misc/console.txt. The backend of one
// secondary PV console (an xl.cfg `channel`): the guest's ring page, which
// Linux's hvc_xen grants (`xencons_connect_backend` writes `ring-ref` as a
// grant reference and `port`), and a host end, a Unix socket or a pty.
// Libxl gives these consoles to QEMU (`type` "ioemu", hw/char/xen_console.c);
// this is that backend, without the xenbus state machine or the event
// channel, which the xenbus layer owns (as BlockBackend).
//
// Lifecycle: init (make the host end: listen on the socket or open the pty)
// → `run()` on a thread of its own for the life of the domain → attach
// (the frontend's ring grant, at XenbusStateInitialised) / detach (Closing)
// any number of times → `stop()`, join that thread, `close()`.
//
// Data policy, guest → host: the ring is always drained into a buffer of
// at most `Options.bufferLimit` bytes (1 MiB: the `limit` the toolstack
// writes, xenconsoled's and QEMU's cap). While a socket client is
// connected the buffer applies back-pressure: the ring is drained only as
// far as there is room, so nothing is lost and a fast guest waits for a
// slow reader. While nobody is connected (and always for a pty, where we
// cannot tell whether anyone reads) output beyond the buffer is dropped,
// counted and logged once: the guest never stalls for want of a reader,
// as with xenconsoled and QEMU, and the first megabyte waits for the
// next client. Host → guest: input is read only while the guest's `in`
// ring (1 KiB) and a small staging buffer have room, so a host writer
// waits for the guest (flow control through the socket or pty).
//
// Concurrency: Sendable. The loop thread owns the host-side state (the
// client, the buffers). The ring (`connection`) is behind a Mutex that the
// loop holds while copying in or out, so `detach` waits for a copy in
// progress before unpinning the page.
import GuestMemory
import Logging
import Synchronization
import XenABI

/// The backend of one secondary PV console.
public final class ConsoleBackend: Sendable {
    /// Where the console's host end is (xl.cfg `channel` `connection=`).
    public enum HostConnection: Sendable, Hashable {
        /// Listen on a Unix stream socket at `path`; one client at a time.
        case socket(path: String)
        /// A new pseudo-terminal; its slave's path is `ttyPath`.
        case pty
    }

    public struct Options: Sendable, Equatable {
        /// Guest output held for the host end (see the data policy above).
        public var bufferLimit: Int = 1 << 20
        /// Host input read ahead of the guest's `in` ring.
        public var inputLimit: Int = 4096

        public init() {}
    }

    public let hostConnection: HostConnection
    public let options: Options
    /// The pty's slave (`/dev/pts/N`) for `.pty`; nil for a socket.
    public var ttyPath: String? { pty?.path }

    let logger: Logger
    let metrics = ConsoleMetrics()
    let listener: ConsoleSocketListener?
    let pty: ConsolePTY?
    let wakeup: ConsoleWakeup
    let connection: Mutex<Connection>

    enum Connection {
        case detached
        case attached(Attached)
    }

    struct Attached {
        let grants: GrantAccess
        let mapping: GrantMapping
        let ring: XenconsRing
        /// Raises the frontend's event channel.
        let notify: @Sendable () -> Void
    }

    /// Makes the host end: binds and listens on the socket, or opens the
    /// pty. The error says what failed in one line.
    public init(hostConnection: HostConnection, options: Options = Options(),
                logger: Logger = Logger(label: "xenolith.console")) throws(ConsoleBackendError) {
        var o = options
        o.bufferLimit = max(1, o.bufferLimit)
        o.inputLimit = max(1, o.inputLimit)
        self.options = o
        self.hostConnection = hostConnection
        self.logger = logger
        do {
            wakeup = try ConsoleWakeup()
        } catch {
            throw .wakeup(error)
        }
        switch hostConnection {
        case .socket(let path):
            do {
                listener = try ConsoleSocketListener(path: path)
            } catch {
                wakeup.close()
                throw error
            }
            pty = nil
        case .pty:
            do {
                pty = try ConsolePTY()
            } catch {
                wakeup.close()
                throw error
            }
            listener = nil
        }
        connection = Mutex(.detached)
    }

    deinit {
        detach()
        close()
    }

    /// The counters so far.
    public var counters: ConsoleCounters { metrics.snapshot }

    /// Whether a frontend ring is attached.
    public var isAttached: Bool {
        connection.withLock { c in
            if case .attached = c { return true }
            return false
        }
    }

    // MARK: - Connection

    /// Connects to the frontend's ring page: `ringRef` is the grant the
    /// frontend wrote to `ring-ref`, pinned writable while attached;
    /// `notify` raises the frontend's event channel (called on the loop's
    /// thread). Wakes the loop, so output written before the event
    /// channel was bound is seen.
    ///
    /// QEMU: `con_initialise` (hw/char/xen_console.c); Linux:
    /// `xencons_connect_backend` is the other side.
    public func attach(grants: GrantAccess, ringRef: GrantRef,
                       notify: @escaping @Sendable () -> Void) throws(ConsoleAttachError) {
        try connection.withLock { (c) throws(ConsoleAttachError) in
            if case .attached = c { throw .alreadyAttached }
            let mapping: GrantMapping
            do throws(GrantError) {
                mapping = try grants.map(ringRef, writable: true)
            } catch {
                throw .ringGrant(error)
            }
            let ring = XenconsRing(memory: grants.memory, base: mapping.machineAddress)
            c = .attached(Attached(grants: grants, mapping: mapping, ring: ring, notify: notify))
        }
        logger.info("console connected: ring grant \(ringRef.rawValue)")
        wakeup.signal()
    }

    /// Disconnects from the ring: waits for a copy in progress, then unpins
    /// the page. Buffered data stays for the host end (and input for the
    /// next connection). Idempotent.
    ///
    /// QEMU: `con_disconnect`.
    public func detach() {
        let old: Attached? = connection.withLock { c in
            defer { c = .detached }
            if case .attached(let a) = c { return a }
            return nil
        }
        if let old { old.grants.unmap(old.mapping) }
    }

    /// The guest notified the console's event channel (it wrote output or
    /// consumed input). Cheap; safe from any thread.
    public func kick() {
        wakeup.signal()
    }

    /// Asks `run()` to return (it closes any socket client first). The
    /// caller then waits for the loop's thread and calls `close()`.
    public func stop() {
        wakeup.requestStop()
    }

    /// Closes the host end: the listening socket (removing its file) or the
    /// pty, and the wakeup pipe. Call after `run()` has returned (or if it
    /// never ran). Idempotent.
    public func close() {
        listener?.close()
        pty?.close()
        wakeup.close()
    }
}
