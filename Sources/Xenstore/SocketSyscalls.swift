// The single funnel for every system call the xenstore socket server makes
// (socket, bind, accept, poll, recv/send, the file-system calls around the
// socket file), so that tracing or failure injection has one place to hook
// (swift-system Sources/System/Internals/Syscalls.swift). It holds the
// socket server's only unsafe code: filling a `sockaddr_un` and handing
// buffers to the kernel.
//
// Xen: tools/xenstored/posix.c `init_sockets` (socket, bind, chmod 0600,
// listen) and tools/libs/store/xs.c `get_socket` (how clients connect).
import Glibc

/// Thin, typed wrappers over the host calls the socket server needs. Every
/// call retries EINTR; failures come back as the host errno.
enum SocketSys {
    /// A failed host call: its errno.
    struct Failure: Error, Equatable, Sendable {
        var errno: Int32

        var isWouldBlock: Bool { errno == EAGAIN || errno == EWOULDBLOCK }
    }

    /// What `stat`/`lstat` report about a path, reduced to what we check.
    struct FileStatus: Equatable, Sendable {
        var mode: UInt32
        var uid: UInt32
        var device: UInt
        var inode: UInt

        var isSocket: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFSOCK) }
        var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
        /// The permission bits (`mode & 07777`).
        var permissions: UInt32 { mode & 0o7777 }
    }

    /// Bytes available for a path in `sockaddr_un.sun_path`, its NUL
    /// excluded (108 on Linux, so 107).
    static let maxSocketPathBytes: Int = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    private static let streamFlags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        | Int32(SOCK_NONBLOCK.rawValue)

    /// Flags of every `send`: never raise SIGPIPE on a peer that went away
    /// (xenstored ignores SIGPIPE process-wide; a library must not), never block.
    private static let sendFlags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)

    // MARK: Sockets

    /// A non-blocking, close-on-exec AF_UNIX stream socket.
    static func unixStreamSocket() throws(Failure) -> Int32 {
        let fd = Glibc.socket(AF_UNIX, streamFlags, 0)
        if fd < 0 { throw Failure(errno: Glibc.errno) }
        return fd
    }

    /// A connected pair of non-blocking, close-on-exec AF_UNIX stream
    /// sockets (a self-pipe: Glibc's module map lacks eventfd and pipe2).
    static func socketPair() throws(Failure) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        // SAFETY: `fds` has room for the two descriptors socketpair writes.
        let rc = unsafe Glibc.socketpair(AF_UNIX, streamFlags, 0, &fds)
        if rc != 0 { throw Failure(errno: Glibc.errno) }
        return (fds[0], fds[1])
    }

    /// Runs `body` with a `sockaddr_un` for `path`. Callers check the length
    /// against `maxSocketPathBytes` first.
    private static func withAddress<R>(_ path: String,
                                       _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        precondition(bytes.count <= maxSocketPathBytes && !bytes.contains(0),
                     "socket paths are checked before they reach the funnel")
        // SAFETY: `sun_path` is a 108-byte C array inside `address`; we copy
        // at most 107 bytes and `sockaddr_un()` zeroed the rest, so the path
        // stays NUL-terminated.
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

    static func bind(_ fd: Int32, path: String) throws(Failure) {
        let rc = unsafe withAddress(path) { unsafe Glibc.bind(fd, $0, $1) }
        if rc != 0 { throw Failure(errno: Glibc.errno) }
    }

    /// Connects `fd` to `path`. On a non-blocking socket a full backlog
    /// gives EAGAIN rather than waiting.
    static func connect(_ fd: Int32, path: String) throws(Failure) {
        while true {
            let rc = unsafe withAddress(path) { unsafe Glibc.connect(fd, $0, $1) }
            if rc == 0 { return }
            if Glibc.errno == EINTR { continue }
            throw Failure(errno: Glibc.errno)
        }
    }

    static func listen(_ fd: Int32, backlog: Int32) throws(Failure) {
        if Glibc.listen(fd, backlog) != 0 { throw Failure(errno: Glibc.errno) }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec
    /// socket; EAGAIN when none is pending. Glibc's module map lacks
    /// accept4, so the flags are set right after: a fork in that window
    /// could inherit the descriptor, which only delays that client's EOF.
    static func accept(_ fd: Int32) throws(Failure) -> Int32 {
        while true {
            // Null address and length: the peer address is not wanted.
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                let flags = Glibc.fcntl(client, F_GETFL)
                guard flags >= 0, Glibc.fcntl(client, F_SETFL, flags | O_NONBLOCK) == 0,
                      Glibc.fcntl(client, F_SETFD, FD_CLOEXEC) == 0 else {
                    let failure = Failure(errno: Glibc.errno)
                    Glibc.close(client)
                    throw failure
                }
                return client
            }
            if Glibc.errno == EINTR { continue }
            throw Failure(errno: Glibc.errno)
        }
    }

    /// Receives at most `maxCount` bytes; an empty result is end of stream.
    static func receive(_ fd: Int32, maxCount: Int) throws(Failure) -> [UInt8] {
        var failure: Int32 = 0
        // SAFETY: recv writes at most `maxCount` bytes into the buffer of
        // capacity `maxCount`; `count` is set to exactly what it wrote.
        let bytes = unsafe [UInt8](unsafeUninitializedCapacity: maxCount) { buffer, count in
            while true {
                let n = unsafe Glibc.recv(fd, buffer.baseAddress, maxCount, Int32(MSG_DONTWAIT))
                if n >= 0 {
                    count = n
                    return
                }
                if Glibc.errno == EINTR { continue }
                failure = Glibc.errno
                count = 0
                return
            }
        }
        if failure != 0 { throw Failure(errno: failure) }
        return bytes
    }

    /// Sends what the socket accepts now of `bytes`; the count sent.
    /// MSG_NOSIGNAL turns a vanished peer into EPIPE instead of SIGPIPE.
    static func send(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws(Failure) -> Int {
        while true {
            // SAFETY: the kernel reads `buffer.count` bytes of a live buffer.
            let n = unsafe bytes.withUnsafeBytes { buffer in
                unsafe Glibc.send(fd, buffer.baseAddress, buffer.count, sendFlags)
            }
            if n >= 0 { return n }
            if Glibc.errno == EINTR { continue }
            throw Failure(errno: Glibc.errno)
        }
    }

    /// poll(2) over `fds`, filling their `revents`; EINTR counts as no event.
    static func poll(_ fds: inout [pollfd], timeoutMilliseconds: Int32) throws(Failure) -> Int {
        // SAFETY: the kernel reads and writes exactly `fds.count` entries.
        let rc = unsafe fds.withUnsafeMutableBufferPointer { buffer in
            unsafe Glibc.poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMilliseconds)
        }
        if rc >= 0 { return Int(rc) }
        if Glibc.errno == EINTR { return 0 }
        throw Failure(errno: Glibc.errno)
    }

    static func close(_ fd: Int32) {
        // Linux releases the descriptor even when close reports EINTR, so
        // retrying could close a descriptor another thread just opened.
        _ = Glibc.close(fd)
    }

    // MARK: Files

    static func unlink(_ path: String) throws(Failure) {
        // SAFETY: the String is bridged to a NUL-terminated C string for the call.
        if unsafe Glibc.unlink(path) != 0 { throw Failure(errno: Glibc.errno) }
    }

    static func chmod(_ path: String, _ mode: mode_t) throws(Failure) {
        // SAFETY: as in `unlink`.
        if unsafe Glibc.chmod(path, mode) != 0 { throw Failure(errno: Glibc.errno) }
    }

    static func mkdir(_ path: String, _ mode: mode_t) throws(Failure) {
        // SAFETY: as in `unlink`.
        if unsafe Glibc.mkdir(path, mode) != 0 { throw Failure(errno: Glibc.errno) }
    }

    /// `lstat` (the link itself) or `stat` (what it points to).
    static func status(_ path: String, followLinks: Bool) throws(Failure) -> FileStatus {
        var info = Glibc.stat()
        // SAFETY: `info` is a live, correctly sized `struct stat`; `path` is
        // bridged to a NUL-terminated C string for the call.
        let rc: Int32
        if followLinks {
            rc = unsafe stat(path, &info)
        } else {
            rc = unsafe lstat(path, &info)
        }
        if rc != 0 { throw Failure(errno: Glibc.errno) }
        return FileStatus(mode: info.st_mode, uid: info.st_uid, device: UInt(info.st_dev), inode: UInt(info.st_ino))
    }

    static func effectiveUserID() -> UInt32 {
        Glibc.geteuid()
    }

    // MARK: Threads

    static func currentThread() -> pthread_t {
        Glibc.pthread_self()
    }

    static func sameThread(_ a: pthread_t, _ b: pthread_t) -> Bool {
        Glibc.pthread_equal(a, b) != 0
    }

    /// The host's text for `errno` (strerror).
    static func describe(_ errno: Int32) -> String {
        // SAFETY: strerror returns a NUL-terminated static or thread-local
        // string, copied before any other libc call.
        guard let text = unsafe Glibc.strerror(errno) else { return "errno \(errno)" }
        return unsafe String(cString: text)
    }
}
