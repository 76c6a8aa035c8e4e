// The single funnel for every host call the block backend makes (open,
// fstat, lseek, preadv, pwritev, fdatasync, fallocate, close), so tests can
// count and fail them in one place (swift-system
// Sources/System/Internals/Syscalls.swift, Mocking.swift). Per image, not
// global: parallel tests do not see each other's faults.
//
// It holds the backend's raw system-call code. fallocate(2) is not exported
// by Swift's Glibc module (it needs _GNU_SOURCE) and the target may not add
// a C shim, so it is looked up once with dlsym and called through a C
// function pointer of its documented signature.
import Glibc
import Synchronization

/// A host errno, printed as "No such file or directory (ENOENT, 2)".
public struct HostErrno: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Int32

    public init(_ code: Int32) {
        self.code = code
    }

    public var description: String {
        // SAFETY: strerror returns a NUL-terminated string in static or
        // thread-local storage, copied at once.
        let text = unsafe String(cString: strerror(code))
        return "\(text) (errno \(code))"
    }
}

/// The calls the funnel makes, for counting and failure injection.
enum BlkSyscall: Hashable, Sendable, CaseIterable {
    case open, fstat, lseek, preadv, pwritev, fdatasync, fallocate, close
}

/// Typed wrappers over the host calls. Every call retries EINTR and
/// returns failures as the host errno.
final class BlkSyscalls: Sendable {
    /// `FALLOC_FL_KEEP_SIZE`, linux/falloc.h.
    static let fallocKeepSize: Int32 = 0x01
    /// `FALLOC_FL_PUNCH_HOLE`, linux/falloc.h.
    static let fallocPunchHole: Int32 = 0x02

    /// The iovecs one preadv/pwritev may take (`IOV_MAX`, 1024 on Linux).
    static let iovMax: Int = {
        let n = sysconf(Int32(_SC_IOV_MAX))
        return n > 0 ? n : 1024
    }()

    private typealias FallocateFunction = @convention(c) (Int32, Int32, Int, Int) -> Int32

    /// glibc's `int fallocate(int fd, int mode, off_t offset, off_t len)`
    /// (off_t is 64-bit on x86_64), or nil if the symbol is missing.
    private static let fallocateFunction: FallocateFunction? = {
        // SAFETY: dlsym with RTLD_DEFAULT (a null handle) only looks the
        // symbol up; the cast gives it glibc's documented C signature.
        guard let symbol = unsafe dlsym(nil, "fallocate") else { return nil }
        return unsafe unsafeBitCast(symbol, to: FallocateFunction.self)
    }()

    private struct Injection {
        var counts: [BlkSyscall: Int] = [:]
        var failures: [BlkSyscall: Int32] = [:]
    }

    private let injection = Mutex(Injection())

    init() {}

    // MARK: Tracing and failure injection (tests)

    /// How many times `call` was made.
    func count(_ call: BlkSyscall) -> Int {
        injection.withLock { $0.counts[call, default: 0] }
    }

    /// Makes every later `call` fail with `errno` (nil: succeed again).
    func fail(_ call: BlkSyscall, errno: Int32?) {
        injection.withLock { $0.failures[call] = errno }
    }

    /// Counts `call` and returns the injected errno, if any.
    private func enter(_ call: BlkSyscall) -> Int32? {
        injection.withLock { state in
            state.counts[call, default: 0] += 1
            return state.failures[call]
        }
    }

    // MARK: Calls

    func open(_ path: String, flags: Int32) throws(HostErrno) -> Int32 {
        if let e = enter(.open) { throw HostErrno(e) }
        while true {
            // SAFETY: the String is bridged to a NUL-terminated C string for
            // the duration of the call.
            let fd = unsafe Glibc.open(path, flags)
            if fd >= 0 { return fd }
            if errno != EINTR { throw HostErrno(errno) }
        }
    }

    /// fstat(2): (mode, size, st_blksize).
    func fstat(_ fd: Int32) throws(HostErrno) -> (mode: UInt32, size: Int64, blockSize: Int) {
        if let e = enter(.fstat) { throw HostErrno(e) }
        var st = stat()
        // SAFETY: `st` is a live, writable stat for the call.
        guard unsafe Glibc.fstat(fd, &st) == 0 else { throw HostErrno(errno) }
        return (UInt32(st.st_mode), Int64(st.st_size), Int(st.st_blksize))
    }

    /// lseek(fd, 0, SEEK_END): the size of a block device.
    func seekEnd(_ fd: Int32) throws(HostErrno) -> Int64 {
        if let e = enter(.lseek) { throw HostErrno(e) }
        let r = Glibc.lseek(fd, 0, SEEK_END)
        guard r >= 0 else { throw HostErrno(errno) }
        return Int64(r)
    }

    /// One preadv(2) of at most `iovMax` iovecs; returns the bytes read.
    func preadv(_ fd: Int32, _ iov: UnsafePointer<iovec>, count: Int, offset: Int64) throws(HostErrno) -> Int {
        if let e = enter(.preadv) { throw HostErrno(e) }
        while true {
            // SAFETY: the caller passes `count` initialised iovecs whose
            // buffers are writable guest pages kept alive for the call.
            let n = unsafe Glibc.preadv(fd, iov, Int32(count), off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw HostErrno(errno) }
        }
    }

    /// One pwritev(2) of at most `iovMax` iovecs; returns the bytes written.
    func pwritev(_ fd: Int32, _ iov: UnsafePointer<iovec>, count: Int, offset: Int64) throws(HostErrno) -> Int {
        if let e = enter(.pwritev) { throw HostErrno(e) }
        while true {
            // SAFETY: the caller passes `count` initialised iovecs whose
            // buffers are readable guest pages kept alive for the call.
            let n = unsafe Glibc.pwritev(fd, iov, Int32(count), off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw HostErrno(errno) }
        }
    }

    func fdatasync(_ fd: Int32) throws(HostErrno) {
        if let e = enter(.fdatasync) { throw HostErrno(e) }
        while Glibc.fdatasync(fd) != 0 {
            if errno != EINTR { throw HostErrno(errno) }
        }
    }

    /// fallocate(2) with `mode` over `[offset, offset+length)`.
    func fallocate(_ fd: Int32, mode: Int32, offset: Int64, length: Int64) throws(HostErrno) {
        if let e = enter(.fallocate) { throw HostErrno(e) }
        guard let function = Self.fallocateFunction else { throw HostErrno(ENOSYS) }
        while function(fd, mode, Int(offset), Int(length)) != 0 {
            if errno != EINTR { throw HostErrno(errno) }
        }
    }

    func close(_ fd: Int32) {
        _ = enter(.close)
        _ = Glibc.close(fd)
    }
}
