// The single funnel for the system calls of domain management: the control
// socket (both ends), the runtime directory's files and lock, and process
// liveness (STYLE.md §3: one place to trace or fail them). Every call
// retries EINTR; failures come back as the host errno.
import Foundation
import Glibc

enum ControlSys {
    /// A failed host call: its name and errno.
    struct Failure: Error, CustomStringConvertible, Sendable {
        var call: String
        var errno: Int32
        var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }

    /// Bytes available for a path in `sockaddr_un.sun_path`, its NUL excluded.
    static let maxSocketPathBytes: Int = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    // MARK: Sockets

    /// A blocking, close-on-exec AF_UNIX stream socket.
    static func unixStreamSocket() throws(Failure) -> Int32 {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw Failure(call: "socket", errno: Glibc.errno) }
        return fd
    }

    private static func withAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        precondition(bytes.count <= maxSocketPathBytes && !bytes.contains(0),
                     "socket paths are checked before they reach the funnel")
        // SAFETY: sun_path is 108 bytes; at most 107 are copied and the
        // zeroed rest keeps the path NUL-terminated.
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    static func bind(_ fd: Int32, path: String) throws(Failure) {
        let rc = withAddress(path) { Glibc.bind(fd, $0, $1) }
        if rc != 0 { throw Failure(call: "bind", errno: Glibc.errno) }
    }

    static func listen(_ fd: Int32, backlog: Int32) throws(Failure) {
        if Glibc.listen(fd, backlog) != 0 { throw Failure(call: "listen", errno: Glibc.errno) }
    }

    static func connect(_ fd: Int32, path: String) throws(Failure) {
        while true {
            let rc = withAddress(path) { Glibc.connect(fd, $0, $1) }
            if rc == 0 { return }
            if Glibc.errno == EINTR { continue }
            throw Failure(call: "connect", errno: Glibc.errno)
        }
    }

    /// Whether a server listens on the socket file at `path` (a
    /// non-blocking connect: a full backlog still counts as listening).
    static func answers(_ path: String) -> Bool {
        guard path.utf8.count <= maxSocketPathBytes, let info = try? status(path), info.isSocket,
              let fd = try? unixStreamSocket() else { return false }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        do {
            try connect(fd, path: path)
            return true
        } catch {
            return error.errno == EAGAIN || error.errno == EINPROGRESS
        }
    }

    /// Accepts a connection (close-on-exec); EINVAL once the socket was shut down.
    static func accept(_ fd: Int32) throws(Failure) -> Int32 {
        while true {
            // accept4 is not in Glibc's module map: accept, then close-on-exec.
            let c = Glibc.accept(fd, nil, nil)
            if c >= 0 {
                _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                return c
            }
            if Glibc.errno == EINTR || Glibc.errno == ECONNABORTED { continue }
            throw Failure(call: "accept", errno: Glibc.errno)
        }
    }

    /// The peer's user id (SO_PEERCRED).
    static func peerUID(_ fd: Int32) -> UInt32? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (socket(7));
        // Glibc's module map hides it behind _GNU_SOURCE.
        var cred: [UInt32] = [0, 0, 0]
        var length = socklen_t(12)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) == 0, length == 12 else { return nil }
        return cred[1]
    }

    /// Gives `fd` a receive timeout (SO_RCVTIMEO), so a silent peer cannot
    /// hold a reader forever.
    static func setReceiveTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads up to `count` bytes; an empty array at end of file.
    static func read(_ fd: Int32, count: Int) throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n >= 0 { return Array(buffer[..<n]) }
            if Glibc.errno == EINTR { continue }
            throw Failure(call: "read", errno: Glibc.errno)
        }
    }

    /// Writes all of `bytes` (send with MSG_NOSIGNAL on sockets: a peer
    /// that went away gives EPIPE, not SIGPIPE; write(2) on other files).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], socket: Bool = true) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                socket ? Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                       : Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw Failure(call: socket ? "send" : "write", errno: Glibc.errno)
            }
            offset += n
        }
    }

    /// shutdown(2) both directions: wakes a thread blocked in accept/read on `fd`.
    static func shutdown(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// shutdown(2) of the sending direction: the peer reads end of file.
    static func shutdownWrite(_ fd: Int32) { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    static func dup2(_ from: Int32, _ to: Int32) { _ = Glibc.dup2(from, to) }

    // MARK: Files

    struct FileStatus: Sendable {
        var mode: UInt32
        var uid: UInt32
        var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
        var isSocket: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFSOCK) }
    }

    /// lstat(2): never follows a symbolic link.
    static func status(_ path: String) throws(Failure) -> FileStatus {
        var st = stat()
        if lstat(path, &st) != 0 { throw Failure(call: "lstat", errno: Glibc.errno) }
        return FileStatus(mode: st.st_mode, uid: st.st_uid)
    }

    static func mkdir(_ path: String, _ mode: mode_t) throws(Failure) {
        if Glibc.mkdir(path, mode) != 0 { throw Failure(call: "mkdir", errno: Glibc.errno) }
    }

    static func chmod(_ path: String, _ mode: mode_t) throws(Failure) {
        if Glibc.chmod(path, mode) != 0 { throw Failure(call: "chmod", errno: Glibc.errno) }
    }

    static func unlink(_ path: String) { _ = Glibc.unlink(path) }

    /// Opens `path` for writing (created 0600, truncated), never through a
    /// symbolic link.
    static func openForWriting(_ path: String) throws(Failure) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 { throw Failure(call: "open", errno: Glibc.errno) }
        return fd
    }

    /// Takes an exclusive flock on `path` (created 0600), blocking; the
    /// returned descriptor holds it until closed.
    static func lockFile(_ path: String) throws(Failure) -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 { throw Failure(call: "open", errno: Glibc.errno) }
        while flock(fd, LOCK_EX) != 0 {
            if Glibc.errno == EINTR { continue }
            let e = Glibc.errno
            Glibc.close(fd)
            throw Failure(call: "flock", errno: e)
        }
        return fd
    }

    static var effectiveUserID: UInt32 { geteuid() }

    // MARK: Processes

    /// The start time of process `pid` (field 22 of /proc/<pid>/stat, in
    /// clock ticks since boot), nil if there is no such process or it has
    /// ended (a zombie). A pid and its start time name one process even
    /// after the pid is reused.
    static func processStartTime(_ pid: Int32) -> UInt64? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces and parens):
        // state is field 3, starttime field 22.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    static var processID: Int32 { getpid() }

    /// Sends `signal` to process `pid`; false if it failed. Never to a
    /// process group (pid 0 or negative, which kill(2) would accept).
    @discardableResult
    static func kill(_ pid: Int32, _ signal: Int32) -> Bool {
        guard pid > 0 else { return false }
        return Glibc.kill(pid, signal) == 0
    }

    /// A pipe, both ends close-on-exec: (read, write).
    static func pipe() throws(Failure) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw Failure(call: "pipe", errno: Glibc.errno) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    /// glibc's POSIX_SPAWN_SETSID (spawn.h, glibc 2.26; hidden behind
    /// _GNU_SOURCE in the module map): the child calls setsid().
    private static let spawnSetSID: Int32 = 0x80

    /// Starts `executable` with `arguments` in a session of its own (no
    /// controlling terminal, its own process group: ^C and hangups of the
    /// caller's terminal do not reach it), stdin and stdout on /dev/null,
    /// stderr on `stderr`, default signal dispositions and an empty signal
    /// mask. Only 0, 1 and 2 are inherited. Returns its pid.
    ///
    /// Not Foundation's Process: it puts the child in a process group of its
    /// own, and a group leader can no longer call setsid().
    static func spawnInNewSession(_ executable: String, _ arguments: [String], stderr: Int32) throws(Failure) -> Int32 {
        // Descriptors this process inherited without close-on-exec must not
        // reach a child that outlives it: Foundation's Process, in whatever
        // started us, learns that we ended when the socket it gave us
        // closes, and a copy in the domain process would keep it open.
        // (posix_spawn_file_actions_addclosefrom_np is not in the module map.)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(spawnSetSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw Failure(call: "posix_spawn", errno: rc) }
        return pid
    }

    /// Waits for child `pid` to end (or, unless `block`, only checks);
    /// its exit status (128 + the signal if a signal ended it, as a shell
    /// reports it), nil if it has not ended.
    static func waitForChild(_ pid: Int32, block: Bool = true) -> Int32? {
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, block ? 0 : WNOHANG)
            if rc == 0 { return nil }
            if rc == pid { break }
            if Glibc.errno != EINTR { return 128 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
