// Where a frame's TCP or UDP checksum lives, found from its headers as
// Linux's skb_checksum_setup does for netback (net/core/skbuff.c:
// skb_checksum_setup_ipv4 / _ipv6 / skb_checksum_setup_ip): Ethernet,
// then IPv4 (no fragments) or IPv6 with its extension headers (hop-by-hop,
// routing, destination options, AH; a fragment header only for the first,
// unfragmented piece), then TCP or UDP. Also the pseudo-header sum a
// "checksum blank" packet carries in that field, and the 16-bit ones'
// complement sum to fill a blank checksum in software. Pure functions over
// bytes.

/// The transport checksum of a frame: `csumStart` is the transport
/// header's offset, `csumOffset` the checksum field's offset in it
/// (virtio_net_hdr's csum_start / csum_offset).
public struct NetChecksumSetup: Equatable, Sendable {
    /// IP version: 4 or 6.
    public var ipVersion: Int
    /// IPPROTO_TCP (6) or IPPROTO_UDP (17).
    public var transport: UInt8
    /// Offset of the transport header in the frame.
    public var csumStart: Int
    /// Offset of the checksum field in the transport header (16 for TCP, 6 for UDP).
    public var csumOffset: Int
    /// Bytes from the frame's start to the end of the transport header.
    public var headerLength: Int
    /// The pseudo-header sum for the frame's length, folded, not
    /// complemented: what a checksum-blank packet holds in its checksum
    /// field (`~csum_tcpudp_magic(..., 0)` / `~csum_ipv6_magic(..., 0)`).
    public var pseudoHeaderSum: UInt16

    /// IPPROTO_TCP.
    public static let tcp: UInt8 = 6
    /// IPPROTO_UDP.
    public static let udp: UInt8 = 17

    /// True for TCP over IPv4 (the only protocol of XEN_NETIF_GSO_TYPE_TCPV4).
    public var isTCPv4: Bool { ipVersion == 4 && transport == Self.tcp }
    /// True for TCP over IPv6.
    public var isTCPv6: Bool { ipVersion == 6 && transport == Self.tcp }
}

/// Why a frame's checksum cannot be set up (the packet is dropped, as
/// netback drops it: "Can't setup checksum in net_tx_action").
public enum NetChecksumError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not IPv4 or IPv6 (the EtherType), e.g. VLAN-tagged.
    case notIP(etherType: UInt16)
    /// The headers end before they should.
    case truncated
    /// An IPv4 header length below 20 bytes.
    case badIPv4HeaderLength(Int)
    /// An IP fragment other than a whole packet.
    case fragment
    /// Neither TCP nor UDP (after any IPv6 extension headers).
    case unsupportedProtocol(UInt8)
    /// IPv6 extension headers beyond 256 bytes (`MAX_IPV6_HDR_LEN`).
    case ipv6HeadersTooLong

    public var description: String {
        switch self {
        case .notIP(let t): return "EtherType 0x\(String(t, radix: 16)) is not IPv4 or IPv6"
        case .truncated: return "headers truncated"
        case .badIPv4HeaderLength(let n): return "IPv4 header length \(n)"
        case .fragment: return "IP fragment"
        case .unsupportedProtocol(let p): return "IP protocol \(p) is not TCP or UDP"
        case .ipv6HeadersTooLong: return "IPv6 extension headers too long"
        }
    }
}

extension NetChecksumSetup {
    /// The most header bytes `parse` looks at: Ethernet, up to 256 bytes
    /// of IP headers (`MAX_IPV6_HDR_LEN`; IPv4's are at most 60), and a TCP
    /// header of at most 60.
    public static let maxHeaderBytes = 14 + 256 + 60

    /// Finds the checksum of the frame whose first bytes are `header`
    /// (at least its headers, or the whole frame) and whose total length
    /// is `frameLength`.
    ///
    /// Linux: `skb_checksum_setup`, net/core/skbuff.c.
    public static func parse(_ header: ArraySlice<UInt8>, frameLength: Int) throws(NetChecksumError) -> NetChecksumSetup {
        let h = Array(header)
        func u8(_ i: Int) throws(NetChecksumError) -> UInt8 {
            guard i < h.count, i < frameLength else { throw .truncated }
            return h[i]
        }
        func be16(_ i: Int) throws(NetChecksumError) -> UInt16 {
            UInt16(try u8(i)) << 8 | UInt16(try u8(i + 1))
        }
        let etherType = try be16(12)
        let l3 = 14
        var sum: UInt32 = 0
        let ipVersion: Int
        let transport: UInt8
        let start: Int
        switch etherType {
        case 0x0800:
            let ihl = Int(try u8(l3) & 0x0f) * 4
            guard ihl >= 20 else { throw .badIPv4HeaderLength(ihl) }
            _ = try u8(l3 + ihl - 1)
            // MF set or a non-zero offset: ip_is_fragment.
            guard try be16(l3 + 6) & 0x3fff == 0 else { throw .fragment }
            ipVersion = 4
            transport = try u8(l3 + 9)
            start = l3 + ihl
            for i in stride(from: 12, to: 20, by: 2) { sum += UInt32(try be16(l3 + i)) }
        case 0x86dd:
            var next = try u8(l3 + 6)
            var off = l3 + 40
            _ = try u8(off - 1)
            // Extension headers, as skb_checksum_setup_ipv6.
            loop: while true {
                guard off - l3 <= 256 else { throw .ipv6HeadersTooLong }
                switch next {
                case 0, 43, 60: // hop-by-hop, routing, destination options
                    let len = (Int(try u8(off + 1)) + 1) * 8
                    next = try u8(off)
                    off += len
                case 51: // authentication header
                    let len = (Int(try u8(off + 1)) + 2) * 4
                    next = try u8(off)
                    off += len
                case 44: // fragment: offset and M bit must be zero
                    guard try be16(off + 2) & 0xfff9 == 0 else { throw .fragment }
                    next = try u8(off)
                    off += 8
                default:
                    break loop
                }
            }
            guard off - l3 <= 256 else { throw .ipv6HeadersTooLong }
            ipVersion = 6
            transport = next
            start = off
            for i in stride(from: 8, to: 40, by: 2) { sum += UInt32(try be16(l3 + i)) }
        default:
            throw .notIP(etherType: etherType)
        }
        let csumOffset: Int
        let headerLength: Int
        switch transport {
        case Self.tcp:
            csumOffset = 16
            let doff = Int(try u8(start + 12) >> 4) * 4
            headerLength = start + max(doff, 20)
        case Self.udp:
            csumOffset = 6
            headerLength = start + 8
        default:
            throw .unsupportedProtocol(transport)
        }
        _ = try u8(start + csumOffset + 1)
        _ = try u8(headerLength - 1)
        let l4Length = frameLength - start
        sum += UInt32(transport)
        sum += UInt32(l4Length & 0xffff) + UInt32(l4Length >> 16)
        return NetChecksumSetup(ipVersion: ipVersion, transport: transport, csumStart: start, csumOffset: csumOffset,
                                headerLength: headerLength, pseudoHeaderSum: fold(sum))
    }

    /// Folds a 32-bit ones' complement accumulator to 16 bits.
    public static func fold(_ value: UInt32) -> UInt16 {
        var s = value
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        return UInt16(s)
    }

    /// The 16-bit ones' complement sum of `bytes` (big-endian words, an odd
    /// last byte padded with zero), added to `initial`.
    public static func sum(_ bytes: Span<UInt8>, initial: UInt32 = 0) -> UInt32 {
        var s = UInt64(initial)
        var i = 0
        let n = bytes.count
        while i + 1 < n {
            s += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < n { s += UInt64(bytes[i]) << 8 }
        while s >> 32 != 0 { s = (s & 0xffff_ffff) + (s >> 32) }
        return UInt32(s)
    }

    /// Completes a blank checksum in place in the frame `buffer[frame]`:
    /// sums the frame from `start` (the field holds the pseudo-header sum)
    /// and stores the complement at `start + offset`; a zero UDP result is
    /// sent as 0xffff (RFC 768). False if the field is outside the frame.
    ///
    /// Linux: `skb_checksum_help`, net/core/dev.c.
    public static func complete(_ buffer: inout [UInt8], frame: Range<Int>, start: Int, offset: Int) -> Bool {
        guard start >= 0, offset >= 0, start + offset + 2 <= frame.count else { return false }
        let at = frame.lowerBound + start
        let s = sum(buffer.span.extracting(at ..< frame.upperBound))
        var c = ~fold(s)
        if c == 0 && offset == 6 { c = 0xffff }
        buffer[at + offset] = UInt8(c >> 8)
        buffer[at + offset + 1] = UInt8(c & 0xff)
        return true
    }
}
