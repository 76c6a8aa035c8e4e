// A TAP device as a vif's host side: what Xen's vif-bridge hotplug script
// and netback's xenvif_alloc do for a vif, done by us. The TAP is opened
// with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE (one descriptor
// per queue), its virtio header size set with TUNSETVNETHDRSZ, given
// netback's MAC FE:FF:FF:FF:FF:FF (so a bridge never takes it as its own
// address), brought up, and added to a bridge when one is named. An
// existing TAP of that name (`ip tuntap add NAME mode tap ...`) is used as
// it is; one created here disappears with the process.
//
// Linux: drivers/net/tun.c (TUNSETIFF, TUNSETOFFLOAD), Documentation/
// networking/tuntap.rst; xen-netback interface.c `xenvif_alloc`.
import CHostSys
import Glibc
import Synchronization

/// A TAP device with up to `maxQueues` queues.
public final class TapDevice: NetDevice {
    public let name: String
    public let maxQueues: Int
    let sys: NetSyscalls
    private let multiQueue: Bool
    private let channels: Mutex<[NetFrameChannel]>

    /// The MAC netback gives the backend's end of every vif.
    public static let backendMAC: [UInt8] = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff]

    /// Opens (or creates) the TAP `name` with its first queue, brings it up
    /// and adds it to `bridge` if given.
    public init(name: String, bridge: String?, maxQueues: Int, sys: NetSyscalls = NetSyscalls()) throws(NetDeviceError) {
        precondition(maxQueues >= 1)
        self.sys = sys
        var multiQueue = true
        var opened = try Self.open(name, multiQueue: true)
        if case .failure(.incompatible) = opened {
            // A TAP created without multi_queue: use it with one queue.
            multiQueue = false
            opened = try Self.open(name, multiQueue: false)
        }
        let (fd, actual) = try opened.get()
        self.name = actual
        self.multiQueue = multiQueue
        self.maxQueues = multiQueue ? maxQueues : 1
        let first = NetFrameChannel(descriptor: fd, sys: sys)
        channels = Mutex([first])
        try Self.check(chostsys_tap_set_vnet_hdr_size(fd, Int32(VirtioNetHdr.size)), actual, "TUNSETVNETHDRSZ")
        try Self.check(chostsys_tap_set_offload(fd, 0), actual, "TUNSETOFFLOAD")
        var mac = Self.backendMAC
        try Self.check(unsafe mac.withUnsafeMutableBufferPointer { unsafe chostsys_netif_set_hwaddr(actual, $0.baseAddress) },
                       actual, "setting its MAC (SIOCSIFHWADDR)")
        if let bridge {
            // SAFETY: the strings are bridged to NUL-terminated C strings for the call.
            let r = unsafe chostsys_bridge_add_interface(bridge, actual)
            // Already a port of that bridge (an existing TAP): fine.
            if r < 0 && -r != EBUSY { throw .bridge(name: actual, bridge: bridge, errno: -r) }
        }
        // SAFETY: as above.
        try Self.check(unsafe chostsys_netif_set_up(actual), actual, "bringing it up (SIOCSIFFLAGS)")
    }

    private static func open(_ name: String, multiQueue: Bool) throws(NetDeviceError) -> Result<(Int32, String), NetDeviceError> {
        var out = [CChar](repeating: 0, count: Int(CHOSTSYS_IFNAMSIZ))
        // SAFETY: `out` has CHOSTSYS_IFNAMSIZ bytes, as the function writes.
        let fd = unsafe out.withUnsafeMutableBufferPointer { unsafe chostsys_tap_open(name, multiQueue ? 1 : 0, $0.baseAddress) }
        if fd == -EINVAL { return .failure(.incompatible(name: name)) }
        guard fd >= 0 else { throw .open(name: name, errno: -fd) }
        let actual = String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .success((fd, actual))
    }

    private static func check(_ r: Int32, _ name: String, _ what: String) throws(NetDeviceError) {
        if r < 0 { throw .configure(name: name, what: what, errno: -r) }
    }

    public func openQueues(_ count: Int) throws(NetDeviceError) -> [NetFrameChannel] {
        guard count >= 1, count <= maxQueues else { throw .queues(name: name, requested: count, max: maxQueues) }
        return try channels.withLock { (open) throws(NetDeviceError) -> [NetFrameChannel] in
            while open.count < count {
                let (fd, _) = try Self.open(name, multiQueue: multiQueue).get()
                let r = chostsys_tap_set_vnet_hdr_size(fd, Int32(VirtioNetHdr.size))
                let channel = NetFrameChannel(descriptor: fd, sys: sys)
                try Self.check(r, name, "TUNSETVNETHDRSZ")
                open.append(channel)
            }
            return Array(open.prefix(count))
        }
    }

    public func closeQueues(from count: Int) {
        // A channel closes its descriptor when released; the kernel then
        // detaches that queue from the TAP.
        channels.withLock { open in
            let keep = max(1, count)
            if open.count > keep { open.removeLast(open.count - keep) }
        }
    }

    public func setOffloads(_ offloads: NetOffloads) throws(NetDeviceError) {
        let fd = channels.withLock { $0[0].descriptor }
        try Self.check(chostsys_tap_set_offload(fd, offloads.rawValue), name, "TUNSETOFFLOAD")
    }
}
