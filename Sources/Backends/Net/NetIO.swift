// The host side of a vif: a packet device whose queues are file
// descriptors carrying one Ethernet frame per read or write, each behind a
// virtio_net_hdr (a TAP opened with IFF_VNET_HDR, or in tests one end of a
// SOCK_SEQPACKET socket pair). Frames go out with writev(2) straight from
// the granted guest pages; they come in with read(2) into the queue's
// buffer. Every host call goes through NetSyscalls, so tests can count and
// fail them (swift-system Sources/System/Internals/Syscalls.swift).
import Glibc
import Synchronization

/// The offloads the reader of a device accepts (TUNSETOFFLOAD's TUN_F_*,
/// linux/if_tun.h): what the host may hand us for the guest.
public struct NetOffloads: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Frames with a blank (partial) checksum. Linux: `TUN_F_CSUM`.
    public static let csum = NetOffloads(rawValue: 0x01)
    /// TCP over IPv4 up to 64 KiB. Linux: `TUN_F_TSO4`.
    public static let tso4 = NetOffloads(rawValue: 0x02)
    /// TCP over IPv6 up to 64 KiB. Linux: `TUN_F_TSO6`.
    public static let tso6 = NetOffloads(rawValue: 0x04)
}

/// A host packet device with one or more queues.
public protocol NetDevice: AnyObject, Sendable {
    /// The host's name for it (the TAP's), for messages.
    var name: String { get }
    /// Queues it can have open at once.
    var maxQueues: Int { get }
    /// The channels of queues `0..<count`, opening those not open yet.
    /// Queue 0 stays open for the device's life, so the host interface
    /// persists across frontend reconnections.
    func openQueues(_ count: Int) throws(NetDeviceError) -> [NetFrameChannel]
    /// Closes the channels of queues `count...` (queue 0 never).
    func closeQueues(from count: Int)
    /// Tells the host which offloads our reader accepts.
    func setOffloads(_ offloads: NetOffloads) throws(NetDeviceError)
}

/// One queue of a device: a non-blocking descriptor with one frame per
/// read or write, each after a `VirtioNetHdr`. Owns the descriptor.
public final class NetFrameChannel: Sendable {
    /// The descriptor, to poll for readability.
    public let descriptor: Int32
    let sys: NetSyscalls

    /// Takes ownership of `descriptor` (made non-blocking here).
    public init(descriptor: Int32, sys: NetSyscalls = NetSyscalls()) {
        self.descriptor = descriptor
        self.sys = sys
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    deinit {
        sys.close(descriptor)
    }

    /// Sends one frame gathered from `count` iovecs; the byte count sent.
    func send(_ iov: UnsafePointer<iovec>, count: Int) throws(HostErrno) -> Int {
        try unsafe sys.writev(descriptor, iov, count: count)
    }

    /// Reads one frame into `buffer`; its length, or nil when none waits.
    func receive(into buffer: inout [UInt8]) throws(HostErrno) -> Int? {
        try sys.read(descriptor, into: &buffer)
    }
}

/// Why a device could not be set up or used. One line each, naming the
/// device and what to do.
public enum NetDeviceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Opening /dev/net/tun or TUNSETIFF failed.
    case open(name: String, errno: Int32)
    /// The TAP exists with other settings (TUNSETIFF said EINVAL).
    case incompatible(name: String)
    /// A configuration ioctl failed (`what` names it).
    case configure(name: String, what: String, errno: Int32)
    /// SIOCBRADDIF failed.
    case bridge(name: String, bridge: String, errno: Int32)
    /// More queues than the device has.
    case queues(name: String, requested: Int, max: Int)

    public var description: String {
        switch self {
        case .open(let n, let e):
            let hint: String
            switch e {
            case EPERM, EACCES:
                hint = "; creating a TAP needs CAP_NET_ADMIN (run as root, or create it first: ip tuntap add \(n) mode tap vnet_hdr multi_queue user $USER)"
            case ENOENT, ENODEV:
                hint = "; /dev/net/tun is missing (modprobe tun)"
            case EBUSY:
                hint = "; another process is attached to it"
            default:
                hint = ""
            }
            return "TAP '\(n)': cannot open: \(HostErrno(e))\(hint)"
        case .incompatible(let n):
            return "TAP '\(n)': exists with incompatible flags (it must be a TAP; recreate it with: ip tuntap add \(n) mode tap vnet_hdr multi_queue)"
        case .configure(let n, let what, let e):
            return "TAP '\(n)': \(what) failed: \(HostErrno(e))"
        case .bridge(let n, let b, let e):
            let hint = e == ENODEV ? " (no such bridge)" : e == EOPNOTSUPP || e == EINVAL ? " (not a bridge)" : ""
            return "TAP '\(n)': cannot add it to bridge '\(b)': \(HostErrno(e))\(hint)"
        case .queues(let n, let r, let m):
            return "TAP '\(n)': \(r) queues requested, the device has at most \(m)"
        }
    }
}

/// The calls the funnel makes, for counting and failure injection.
enum NetSyscall: Hashable, Sendable, CaseIterable {
    case read, writev, close
}

/// Typed wrappers over the host calls of the network backend's data path.
/// Every call retries EINTR and returns failures as the host errno.
public final class NetSyscalls: Sendable {
    private struct Injection {
        var counts: [NetSyscall: Int] = [:]
        var failures: [NetSyscall: Int32] = [:]
    }

    private let injection = Mutex(Injection())

    public init() {}

    /// How many times `call` was made.
    func count(_ call: NetSyscall) -> Int {
        injection.withLock { $0.counts[call, default: 0] }
    }

    /// Makes every later `call` fail with `errno` (nil: succeed again).
    func fail(_ call: NetSyscall, errno: Int32?) {
        injection.withLock { $0.failures[call] = errno }
    }

    private func enter(_ call: NetSyscall) -> Int32? {
        injection.withLock { state in
            state.counts[call, default: 0] += 1
            return state.failures[call]
        }
    }

    /// One writev(2); the bytes written.
    func writev(_ fd: Int32, _ iov: UnsafePointer<iovec>, count: Int) throws(HostErrno) -> Int {
        if let e = enter(.writev) { throw HostErrno(e) }
        while true {
            // SAFETY: the caller passes `count` initialised iovecs whose
            // buffers (granted guest pages, a header) stay alive for the call.
            let n = unsafe Glibc.writev(fd, iov, Int32(count))
            if n >= 0 { return n }
            if errno != EINTR { throw HostErrno(errno) }
        }
    }

    /// One read(2) into `buffer`; nil on EAGAIN (nothing waiting).
    func read(_ fd: Int32, into buffer: inout [UInt8]) throws(HostErrno) -> Int? {
        if let e = enter(.read) { throw HostErrno(e) }
        while true {
            // SAFETY: the pointer covers the array's storage for the call.
            let n = unsafe buffer.withUnsafeMutableBytes { unsafe Glibc.read(fd, $0.baseAddress, $0.count) }
            if n >= 0 { return n }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            if errno != EINTR { throw HostErrno(errno) }
        }
    }

    func close(_ fd: Int32) {
        _ = enter(.close)
        _ = Glibc.close(fd)
    }
}
