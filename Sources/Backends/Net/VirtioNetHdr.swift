// The header a TAP opened with IFF_VNET_HDR puts before every frame, in
// both directions: checksum and segmentation offload information. Linux:
// `struct virtio_net_hdr`, include/uapi/linux/virtio_net.h (Virtio 1.2
// §5.1.6), in the host's (little-endian) byte order.

/// The virtio-net header of one frame (10 bytes).
public struct VirtioNetHdr: Equatable, Sendable {
    /// `flags`: `needsCsum`, `dataValid`.
    public var flags: UInt8 = 0
    /// `gso_type`: `gsoNone`, `gsoTCPv4`, `gsoTCPv6`, with `gsoECN`.
    public var gsoType: UInt8 = Self.gsoNone
    /// `hdr_len`: bytes of headers (Ethernet to the transport header's end).
    public var hdrLen: UInt16 = 0
    /// `gso_size`: the segment payload size (the MSS).
    public var gsoSize: UInt16 = 0
    /// `csum_start`: where the checksummed data starts.
    public var csumStart: UInt16 = 0
    /// `csum_offset`: where, from `csum_start`, the checksum is stored.
    public var csumOffset: UInt16 = 0

    /// `sizeof(struct virtio_net_hdr)`, the size given to TUNSETVNETHDRSZ.
    public static let size = 10

    /// Linux: `VIRTIO_NET_HDR_F_NEEDS_CSUM`.
    public static let needsCsum: UInt8 = 1
    /// Linux: `VIRTIO_NET_HDR_F_DATA_VALID`.
    public static let dataValid: UInt8 = 2
    /// Linux: `VIRTIO_NET_HDR_GSO_NONE`.
    public static let gsoNone: UInt8 = 0
    /// Linux: `VIRTIO_NET_HDR_GSO_TCPV4`.
    public static let gsoTCPv4: UInt8 = 1
    /// Linux: `VIRTIO_NET_HDR_GSO_UDP`.
    public static let gsoUDP: UInt8 = 3
    /// Linux: `VIRTIO_NET_HDR_GSO_TCPV6`.
    public static let gsoTCPv6: UInt8 = 4
    /// Linux: `VIRTIO_NET_HDR_GSO_ECN`.
    public static let gsoECN: UInt8 = 0x80

    public init(flags: UInt8 = 0, gsoType: UInt8 = Self.gsoNone, hdrLen: UInt16 = 0, gsoSize: UInt16 = 0,
                csumStart: UInt16 = 0, csumOffset: UInt16 = 0) {
        self.flags = flags
        self.gsoType = gsoType
        self.hdrLen = hdrLen
        self.gsoSize = gsoSize
        self.csumStart = csumStart
        self.csumOffset = csumOffset
    }

    /// Decodes the header at `offset` of `bytes` (which must hold it).
    public init(decoding bytes: [UInt8], at offset: Int = 0) {
        flags = bytes[offset]
        gsoType = bytes[offset + 1]
        hdrLen = bytes.le(UInt16.self, at: offset + 2)
        gsoSize = bytes.le(UInt16.self, at: offset + 4)
        csumStart = bytes.le(UInt16.self, at: offset + 6)
        csumOffset = bytes.le(UInt16.self, at: offset + 8)
    }

    /// The ten bytes.
    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: Self.size)
        e[0] = flags
        e[1] = gsoType
        e.putLE(hdrLen, at: 2)
        e.putLE(gsoSize, at: 4)
        e.putLE(csumStart, at: 6)
        e.putLE(csumOffset, at: 8)
        return e
    }
}
