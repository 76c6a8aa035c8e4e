// The host end of a secondary console (xl.cfg `channel`, docs/misc/
// console.txt): a Unix socket xenolith listens on (`connection=socket`,
// as QEMU's `-chardev socket,server,nowait` that libxl asks for in
// libxl_dm.c), or a pseudo-terminal (`connection=pty`, as xenconsoled's
// and QEMU's pty consoles). Plus the self-pipe that wakes the backend's
// poll loop from the event-channel handler and from `stop`.
import Glibc
import Synchronization

/// A listening Unix stream socket at a configured path.
///
/// The file is made with mode 0600 (the owner only: whoever connects talks
/// to the guest), a stale socket file nobody listens on is replaced, and
/// `close` removes the file only if it is still the one we bound.
final class ConsoleSocketListener: Sendable {
    let path: String
    /// The listening descriptor (non-blocking).
    let fd: Int32
    private let identity: (device: UInt, inode: UInt)
    private let closed = Mutex(false)

    init(path: String) throws(ConsoleBackendError) {
        guard path.utf8.count <= ConsoleSys.maxSocketPathBytes else {
            throw .pathTooLong(path: path, limit: ConsoleSys.maxSocketPathBytes)
        }
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw .socket(call: "bind", path: path, HostErrno(EINVAL))
        }
        try Self.removeStaleSocket(path)
        let fd: Int32
        do {
            fd = try ConsoleSys.unixStreamSocket()
        } catch {
            throw .socket(call: "socket", path: path, error)
        }
        var bound = false
        do {
            try ConsoleSys.bind(fd, path: path)
            bound = true
            // As xenstored: chmod before listen, so nobody connects first.
            try ConsoleSys.chmod(path, 0o600)
            // One client at a time; the next waits in the backlog.
            try ConsoleSys.listen(fd, backlog: 1)
            let id = try ConsoleSys.fileIdentity(path)
            identity = (id.device, id.inode)
        } catch {
            ConsoleSys.close(fd)
            if bound { try? ConsoleSys.unlink(path) }
            if error.code == EADDRINUSE { throw .inUse(path: path) }
            throw .socket(call: bound ? "listen" : "bind", path: path, error)
        }
        self.path = path
        self.fd = fd
    }

    /// Closes the socket and removes its file if it is still ours. Idempotent.
    func close() {
        let first = closed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        ConsoleSys.close(fd)
        if let now = try? ConsoleSys.fileIdentity(path), now.device == identity.device, now.inode == identity.inode {
            try? ConsoleSys.unlink(path)
        }
    }

    /// Removes a socket file at `path` that nobody listens on (left by a
    /// xenolith that died); refuses a live one and a file of another type.
    private static func removeStaleSocket(_ path: String) throws(ConsoleBackendError) {
        let id: (isSocket: Bool, device: UInt, inode: UInt)
        do {
            id = try ConsoleSys.fileIdentity(path)
        } catch where error.code == ENOENT {
            return
        } catch {
            throw .socket(call: "lstat", path: path, error)
        }
        guard id.isSocket else { throw .notASocket(path: path) }
        let probe: Int32
        do {
            probe = try ConsoleSys.unixStreamSocket()
        } catch {
            throw .socket(call: "socket", path: path, error)
        }
        defer { ConsoleSys.close(probe) }
        do {
            try ConsoleSys.connect(probe, path: path)
        } catch where error.code == ECONNREFUSED {
            do {
                try ConsoleSys.unlink(path)
            } catch where error.code == ENOENT {
                // Removed meanwhile.
            } catch {
                throw .socket(call: "unlink", path: path, error)
            }
            return
        } catch where error.code == EAGAIN || error.code == EINPROGRESS {
            throw .inUse(path: path)
        } catch {
            throw .socket(call: "connect", path: path, error)
        }
        throw .inUse(path: path)
    }
}

/// A pseudo-terminal: the master is the backend's end; the slave stays
/// open in this process too, so that a client closing it does not hang up
/// the master (reads would fail with EIO and poll report POLLHUP until
/// someone opened it again).
final class ConsolePTY: Sendable {
    let master: Int32
    let slave: Int32
    /// The slave's path (`/dev/pts/N`), for the `tty` node.
    let path: String
    private let closed = Mutex(false)

    init() throws(ConsoleBackendError) {
        do {
            (master, slave, path) = try ConsoleSys.openPTY()
        } catch {
            throw .pty(error)
        }
    }

    /// Closes both ends. Idempotent.
    func close() {
        let first = closed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        ConsoleSys.close(master)
        ConsoleSys.close(slave)
    }
}

/// Wakes a console backend's poll loop from other threads and carries the
/// request to stop: a self-pipe (an AF_UNIX socket pair) whose read end is
/// in the loop's poll set. It plays the part of xenconsoled's per-domain
/// event-channel descriptor.
///
/// Lock rule: `state` guards both descriptors, so `signal()` never writes
/// to a descriptor `close()` released (and the host may have reused).
final class ConsoleWakeup: Sendable {
    private struct State {
        var readFD: Int32?
        var writeFD: Int32?
        var stopRequested = false
    }

    private let state: Mutex<State>

    init() throws(HostErrno) {
        let (read, write) = try ConsoleSys.socketPair()
        state = Mutex(State(readFD: read, writeFD: write))
    }

    /// The descriptor to poll for POLLIN; nil once closed.
    var pollFD: Int32? { state.withLock { $0.readFD } }

    /// Makes the next (or current) poll return. A full socket buffer
    /// (EAGAIN) means a wakeup is already pending, which is all we need.
    func signal() {
        state.withLock { state in
            guard let fd = state.writeFD else { return }
            _ = try? ConsoleSys.send(fd, [1][...])
        }
    }

    func requestStop() {
        state.withLock { $0.stopRequested = true }
        signal()
    }

    var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Empties the pipe; whether a stop was requested.
    func drain() -> Bool {
        state.withLock { state in
            if let fd = state.readFD {
                while let bytes = try? ConsoleSys.read(fd, maxCount: 256), !bytes.isEmpty {}
            }
            return state.stopRequested
        }
    }

    /// Releases both descriptors. Idempotent.
    func close() {
        state.withLock { state in
            for fd in [state.readFD, state.writeFD].compactMap({ $0 }) { ConsoleSys.close(fd) }
            state.readFD = nil
            state.writeFD = nil
        }
    }

    deinit { close() }
}
