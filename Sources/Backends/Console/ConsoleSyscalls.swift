// The single funnel for every host call the console backend makes: the
// Unix socket a `connection=socket` channel listens on, the pseudo-terminal
// of a `connection=pty` one, the self-pipe that wakes its loop, and poll
// (swift-system Sources/System/Internals/Syscalls.swift). It holds the
// console backend's unsafe code: a `sockaddr_un`, buffers handed to the
// kernel, and the out-parameters of openpty/ttyname_r.
//
// Xenstore's socket server has a funnel of its own for the same calls;
// Backends may not import Xenstore (Backends.swift), so the few socket
// wrappers are written again here rather than moved into a shared target.
import Glibc

/// Thin, typed wrappers over the host calls of the console backend. Every
/// call retries EINTR and returns failures as the host errno.
enum ConsoleSys {
    /// Bytes available for a path in `sockaddr_un.sun_path`, its NUL
    /// excluded (108 on Linux, so 107).
    static let maxSocketPathBytes: Int = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    private static let streamFlags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        | Int32(SOCK_NONBLOCK.rawValue)

    /// Never raise SIGPIPE on a peer that went away, never block.
    private static let sendFlags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)

    // MARK: Sockets

    /// A non-blocking, close-on-exec AF_UNIX stream socket.
    static func unixStreamSocket() throws(HostErrno) -> Int32 {
        let fd = Glibc.socket(AF_UNIX, streamFlags, 0)
        if fd < 0 { throw HostErrno(errno) }
        return fd
    }

    /// A connected pair of non-blocking, close-on-exec AF_UNIX stream
    /// sockets (a self-pipe: Glibc's module map lacks eventfd and pipe2).
    static func socketPair() throws(HostErrno) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        // SAFETY: `fds` has room for the two descriptors socketpair writes.
        let rc = unsafe Glibc.socketpair(AF_UNIX, streamFlags, 0, &fds)
        if rc != 0 { throw HostErrno(errno) }
        return (fds[0], fds[1])
    }

    /// Runs `body` with a `sockaddr_un` for `path`. Callers check the length
    /// against `maxSocketPathBytes` first.
    private static func withAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        precondition(bytes.count <= maxSocketPathBytes && !bytes.contains(0),
                     "socket paths are checked before they reach the funnel")
        // SAFETY: `sun_path` is a 108-byte C array inside `address`; at most
        // 107 bytes are copied and `sockaddr_un()` zeroed the rest, so the
        // path stays NUL-terminated.
        unsafe withUnsafeMutableBytes(of: &address.sun_path) { raw in
            unsafe raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        // SAFETY: `sockaddr_un` starts with the `sockaddr` header; the kernel
        // reads `length` bytes, all inside `address`, which outlives `body`.
        return unsafe withUnsafePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe body($0, length) }
        }
    }

    static func bind(_ fd: Int32, path: String) throws(HostErrno) {
        let rc = unsafe withAddress(path) { unsafe Glibc.bind(fd, $0, $1) }
        if rc != 0 { throw HostErrno(errno) }
    }

    /// Connects `fd` to `path` (to probe a socket file for a listener).
    static func connect(_ fd: Int32, path: String) throws(HostErrno) {
        while true {
            let rc = unsafe withAddress(path) { unsafe Glibc.connect(fd, $0, $1) }
            if rc == 0 { return }
            if errno == EINTR { continue }
            throw HostErrno(errno)
        }
    }

    static func listen(_ fd: Int32, backlog: Int32) throws(HostErrno) {
        if Glibc.listen(fd, backlog) != 0 { throw HostErrno(errno) }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec
    /// socket; EAGAIN when none is pending.
    static func accept(_ fd: Int32) throws(HostErrno) -> Int32 {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                do {
                    try setNonBlockingCloseOnExec(client)
                } catch {
                    Glibc.close(client)
                    throw error
                }
                return client
            }
            if errno == EINTR { continue }
            throw HostErrno(errno)
        }
    }

    /// Sends what the socket takes now of `bytes`; the count sent.
    /// MSG_NOSIGNAL turns a vanished peer into EPIPE instead of SIGPIPE.
    static func send(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws(HostErrno) -> Int {
        while true {
            // SAFETY: the kernel reads `buffer.count` bytes of a live buffer.
            let n = unsafe bytes.withUnsafeBytes { buffer in
                unsafe Glibc.send(fd, buffer.baseAddress, buffer.count, sendFlags)
            }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw HostErrno(errno)
        }
    }

    // MARK: Descriptors

    /// read(2) of at most `maxCount` bytes; an empty result is end of file.
    static func read(_ fd: Int32, maxCount: Int) throws(HostErrno) -> [UInt8] {
        var failure: Int32 = 0
        // SAFETY: read writes at most `maxCount` bytes into the buffer of
        // that capacity; `count` is set to exactly what it wrote.
        let bytes = unsafe [UInt8](unsafeUninitializedCapacity: maxCount) { buffer, count in
            while true {
                let n = unsafe Glibc.read(fd, buffer.baseAddress, maxCount)
                if n >= 0 {
                    count = n
                    return
                }
                if errno == EINTR { continue }
                failure = errno
                count = 0
                return
            }
        }
        if failure != 0 { throw HostErrno(failure) }
        return bytes
    }

    /// write(2) of what the descriptor takes now of `bytes`; the count written.
    static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws(HostErrno) -> Int {
        while true {
            // SAFETY: the kernel reads `buffer.count` bytes of a live buffer.
            let n = unsafe bytes.withUnsafeBytes { buffer in
                unsafe Glibc.write(fd, buffer.baseAddress, buffer.count)
            }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw HostErrno(errno)
        }
    }

    /// poll(2) over `fds`, filling their `revents`; EINTR counts as no event.
    static func poll(_ fds: inout [pollfd], timeoutMilliseconds: Int32) throws(HostErrno) -> Int {
        // SAFETY: the kernel reads and writes exactly `fds.count` entries.
        let rc = unsafe fds.withUnsafeMutableBufferPointer { buffer in
            unsafe Glibc.poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMilliseconds)
        }
        if rc >= 0 { return Int(rc) }
        if errno == EINTR { return 0 }
        throw HostErrno(errno)
    }

    static func setNonBlockingCloseOnExec(_ fd: Int32) throws(HostErrno) {
        let flags = Glibc.fcntl(fd, F_GETFL)
        guard flags >= 0, Glibc.fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0,
              Glibc.fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 else { throw HostErrno(errno) }
    }

    static func close(_ fd: Int32) {
        // Linux releases the descriptor even when close reports EINTR, so
        // retrying could close a descriptor another thread just opened.
        _ = Glibc.close(fd)
    }

    // MARK: Pseudo-terminals

    /// A new pseudo-terminal: the master (non-blocking, close-on-exec), the
    /// slave (close-on-exec) in raw mode, and the slave's path. Raw, as
    /// xenconsoled makes its ptys (`cfmakeraw`, tools/console/daemon/io.c):
    /// the bytes are the guest's, the line discipline the opener's.
    static func openPTY() throws(HostErrno) -> (master: Int32, slave: Int32, path: String) {
        var master: Int32 = -1
        var slave: Int32 = -1
        // SAFETY: openpty writes the two descriptors into the two live
        // Int32s; no name buffer, terminal settings or window size is passed.
        guard unsafe Glibc.openpty(&master, &slave, nil, nil, nil) == 0 else { throw HostErrno(errno) }
        do throws(HostErrno) {
            try setNonBlockingCloseOnExec(master)
            guard Glibc.fcntl(slave, F_SETFD, FD_CLOEXEC) == 0 else { throw HostErrno(errno) }
            var settings = termios()
            // SAFETY: `settings` is a live termios for each call.
            guard unsafe Glibc.tcgetattr(slave, &settings) == 0 else { throw HostErrno(errno) }
            unsafe Glibc.cfmakeraw(&settings)
            guard unsafe Glibc.tcsetattr(slave, TCSANOW, &settings) == 0 else { throw HostErrno(errno) }
            var name = [CChar](repeating: 0, count: 256)
            // SAFETY: ttyname_r writes at most `name.count` bytes, NUL included.
            let rc = unsafe Glibc.ttyname_r(slave, &name, name.count)
            guard rc == 0 else { throw HostErrno(rc) }
            let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return (master, slave, path)
        } catch {
            Glibc.close(master)
            Glibc.close(slave)
            throw error
        }
    }

    // MARK: Files

    /// The type, device and inode of `path` itself (lstat), to recognise
    /// our socket file later.
    static func fileIdentity(_ path: String) throws(HostErrno) -> (isSocket: Bool, device: UInt, inode: UInt) {
        var info = Glibc.stat()
        // SAFETY: `info` is a live `struct stat`; `path` is bridged to a
        // NUL-terminated C string for the call.
        guard unsafe Glibc.lstat(path, &info) == 0 else { throw HostErrno(errno) }
        return (info.st_mode & S_IFMT == S_IFSOCK, UInt(info.st_dev), UInt(info.st_ino))
    }

    static func unlink(_ path: String) throws(HostErrno) {
        // SAFETY: the String is bridged to a NUL-terminated C string for the call.
        if unsafe Glibc.unlink(path) != 0 { throw HostErrno(errno) }
    }

    static func chmod(_ path: String, _ mode: mode_t) throws(HostErrno) {
        // SAFETY: as in `unlink`.
        if unsafe Glibc.chmod(path, mode) != 0 { throw HostErrno(errno) }
    }
}
