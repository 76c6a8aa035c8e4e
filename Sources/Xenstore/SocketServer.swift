// Xen: tools/xenstored/posix.c `init_sockets` and core.c's socket
// connections; tools/libs/store/xs.c `xs_open`/`get_socket` for the client
// side. Serves a XenstoreDaemon on a Unix stream socket, so the stock
// xenstore-utils (`xenstore-ls`, `-read`, `-write`, `-watch`, ...) work
// against a running domain with `XENSTORED_PATH=<socket>`.
//
// Wire: the same `struct xsd_sockmsg` framing as the ring (xs.c writes the
// header, then the payload, with write(2) and reads replies with read(2)).
// There is no handshake. Traced with Debian 12's tools (Xen 4.17): they
// connect to $XENSTORED_PATH and open with XS_TRANSACTION_START (several
// paths, and always for -rm, -list, -exists) or the request itself (one
// path for -read/-write); -ls sends XS_DIRECTORY and XS_READ per node (and
// would fall back to XS_DIRECTORY_PART on E2BIG); -watch sends XS_WATCH and
// reads events on a thread of its own. None sends XS_CONTROL or
// XS_RESET_WATCHES; the daemon answers those as its op table says (ENOSYS
// for XS_CONTROL, which only xenstore-control uses).
//
// Trust: every client is a daemon connection for domain 0, privileged, as
// xenstored's socket clients are. Who may connect is decided by the socket
// file's mode, 0600, and the directory's, 0700 when we create it.
//
// Concurrency: one thread, running `SocketServerLoop`, polls the listening
// socket, every client and a self-pipe (`SocketWakeup`); daemon `onEvent`
// callbacks and `stop()` write to the self-pipe. One poll loop rather than a
// thread per client: the daemon serialises every request behind one lock
// anyway, and a single owner of all client state needs no locking of its
// own. Sockets are non-blocking; writes use MSG_NOSIGNAL, so a client that
// vanishes gives EPIPE, never SIGPIPE.
import Foundation
import Glibc
import Logging
import Synchronization

/// Serves a xenstore daemon on a Unix stream socket.
///
/// Lifecycle: `init` binds and listens (clients may connect and wait),
/// `start()` begins serving them on the server's own thread, `stop()` (or
/// deinit) closes every client and the socket and removes the socket file.
public final class XenstoreSocketServer: Sendable {
    /// The socket file.
    public let path: String
    private let daemon: XenstoreDaemon
    private let logger: Logger
    private let listenFD: Int32
    /// The socket file we bound: `stop()` removes the file only if it is
    /// still this one.
    private let boundFile: SocketSys.FileStatus
    private let wakeup: SocketWakeup
    private let lifecycle: Mutex<Lifecycle>

    private enum Lifecycle: Sendable {
        /// Bound and listening; not yet serving.
        case listening
        /// The loop runs; `done` is signalled when it has closed its clients.
        case serving(done: DispatchSemaphore)
        case stopped
    }

    /// Listens on `path`: creates missing parent directories with mode
    /// 0700, replaces a stale socket file nobody listens on, binds, sets
    /// the file's mode to 0600 and listens. Clients are served once
    /// `start()` is called.
    ///
    /// Throws `.inUse` if a server already answers on `path` ("another
    /// xenolith owns <path>"), `.notASocket` if a non-socket file is there.
    public init(daemon: XenstoreDaemon, path: String,
                logger: Logger = Logger(label: "xenolith.xenstore.socket")) throws(XenstoreSocketError) {
        guard path.utf8.count <= SocketSys.maxSocketPathBytes else {
            throw .pathTooLong(path: path, limit: SocketSys.maxSocketPathBytes)
        }
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw .system(call: "bind", path: path, errno: EINVAL)
        }
        try Self.prepareDirectory(Self.directory(of: path))
        try Self.removeStaleSocket(path)

        let fd: Int32
        do {
            fd = try SocketSys.unixStreamSocket()
        } catch {
            throw .system(call: "socket", path: path, errno: error.errno)
        }
        var bound = false
        do {
            try SocketSys.bind(fd, path: path)
            bound = true
            // Xen binds, chmods to 0600, then listens: nobody can connect
            // before the mode is set (connecting to a socket that does not
            // listen yet is refused).
            try SocketSys.chmod(path, 0o600)
            try SocketSys.listen(fd, backlog: 16)
            boundFile = try SocketSys.status(path, followLinks: false)
            wakeup = try SocketWakeup()
        } catch {
            SocketSys.close(fd)
            if bound { try? SocketSys.unlink(path) }
            if error.errno == EADDRINUSE { throw .inUse(path: path) }
            throw .system(call: bound ? "chmod/listen" : "bind", path: path, errno: error.errno)
        }
        self.path = path
        self.daemon = daemon
        self.listenFD = fd
        self.logger = logger
        self.lifecycle = Mutex(.listening)
        logger.info("xenstore socket listening", metadata: ["path": "\(path)"])
    }

    deinit {
        stop()
    }

    /// Starts serving on the server's own thread. Calling it again, or after
    /// `stop()`, does nothing.
    public func start() {
        lifecycle.withLock { state in
            guard case .listening = state else { return }
            let done = DispatchSemaphore(value: 0)
            let loop = SocketServerLoop(daemon: daemon, listenFD: listenFD, wakeup: wakeup, logger: logger)
            let thread = Thread {
                var loop = loop
                loop.run()
                done.signal()
            }
            thread.name = "xenstore-socket"
            thread.start()
            state = .serving(done: done)
        }
    }

    /// Closes every client (the daemon drops their watches and
    /// transactions), closes the socket and removes the socket file if it
    /// is still ours. Idempotent. Must not be called from the server's own
    /// thread (e.g. from a daemon hook a socket request triggers): it waits
    /// for that thread to finish.
    public func stop() {
        let previous = lifecycle.withLock { state in
            let previous = state
            state = .stopped
            return previous
        }
        switch previous {
        case .stopped:
            return
        case .listening:
            break
        case .serving(let done):
            precondition(!wakeup.isLoopThread, "XenstoreSocketServer.stop() called on the server's own thread")
            wakeup.requestStop()
            done.wait()
        }
        SocketSys.close(listenFD)
        wakeup.close()
        if let current = try? SocketSys.status(path, followLinks: false),
           current.device == boundFile.device && current.inode == boundFile.inode {
            try? SocketSys.unlink(path)
        }
        logger.info("xenstore socket closed", metadata: ["path": "\(path)"])
    }

    // MARK: Paths

    /// Where a domain's xenstore socket lives by default:
    /// `/run/xenolith/<name>/xenstore.sock` as root, otherwise
    /// `$XDG_RUNTIME_DIR/xenolith/<name>/xenstore.sock`, or
    /// `/tmp/xenolith-<uid>/<name>/xenstore.sock` without XDG_RUNTIME_DIR.
    /// Xenstored's own default is `/var/run/xenstored/socket`
    /// (XENSTORED_RUNDIR); a per-domain path lets several domains run.
    public static func defaultPath(domainName: String) -> String {
        defaultPath(domainName: domainName, euid: SocketSys.effectiveUserID(),
                    environment: ProcessInfo.processInfo.environment)
    }

    /// `defaultPath(domainName:)` for a given user and environment.
    static func defaultPath(domainName: String, euid: UInt32, environment: [String: String]) -> String {
        // A name is one path component: '/' cannot escape the directory,
        // and "", "." and ".." do not name the parent.
        var name = domainName.replacingOccurrences(of: "/", with: "_")
        if name.isEmpty || name == "." || name == ".." { name = "_" + name }
        if euid == 0 { return "/run/xenolith/\(name)/xenstore.sock" }
        // The XDG Base Directory spec: a relative value is to be ignored.
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            let base = runtime.hasSuffix("/") ? String(runtime.dropLast()) : runtime
            return "\(base)/xenolith/\(name)/xenstore.sock"
        }
        return "/tmp/xenolith-\(euid)/\(name)/xenstore.sock"
    }

    /// The directory part of `path` ("." for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Creates the missing components of `directory` with mode 0700, then
    /// checks that it is a directory owned by us or by root: a directory
    /// another user owns (say a pre-created /tmp/xenolith-<uid>) would let
    /// them swap our socket for theirs.
    static func prepareDirectory(_ directory: String) throws(XenstoreSocketError) {
        var current = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            current += "/" + component
            do {
                _ = try SocketSys.status(current, followLinks: true)
                continue
            } catch where error.errno == ENOENT {
                // Missing: create it below.
            } catch {
                throw .createDirectory(path: current, errno: error.errno)
            }
            do {
                try SocketSys.mkdir(current, 0o700)
            } catch where error.errno == EEXIST {
                // Created meanwhile by someone else; checked below.
            } catch {
                throw .createDirectory(path: current, errno: error.errno)
            }
        }
        let info: SocketSys.FileStatus
        do {
            info = try SocketSys.status(directory, followLinks: true)
        } catch {
            throw .createDirectory(path: directory, errno: error.errno)
        }
        guard info.isDirectory else { throw .untrustedDirectory(path: directory, owner: nil) }
        let euid = SocketSys.effectiveUserID()
        guard info.uid == euid || info.uid == 0 else { throw .untrustedDirectory(path: directory, owner: info.uid) }
    }

    /// Removes a socket file at `path` that nobody listens on (a xenolith
    /// that died without cleaning up). Unlike xenstored, which unlinks
    /// unconditionally ("FIXME: ... don't mug running daemon"), a socket a
    /// server still answers on is left alone.
    static func removeStaleSocket(_ path: String) throws(XenstoreSocketError) {
        let info: SocketSys.FileStatus
        do {
            info = try SocketSys.status(path, followLinks: false)
        } catch where error.errno == ENOENT {
            return
        } catch {
            throw .system(call: "lstat", path: path, errno: error.errno)
        }
        guard info.isSocket else { throw .notASocket(path: path) }
        let probe: Int32
        do {
            probe = try SocketSys.unixStreamSocket()
        } catch {
            throw .system(call: "socket", path: path, errno: error.errno)
        }
        defer { SocketSys.close(probe) }
        do {
            try SocketSys.connect(probe, path: path)
        } catch where error.errno == ECONNREFUSED {
            // Bound by a process that is gone: stale.
            do {
                try SocketSys.unlink(path)
            } catch where error.errno == ENOENT {
                // Removed meanwhile.
            } catch {
                throw .system(call: "unlink", path: path, errno: error.errno)
            }
            return
        } catch where error.isWouldBlock || error.errno == EINPROGRESS {
            // A listener whose backlog is full is still alive.
            throw .inUse(path: path)
        } catch {
            throw .system(call: "connect", path: path, errno: error.errno)
        }
        throw .inUse(path: path)
    }
}
