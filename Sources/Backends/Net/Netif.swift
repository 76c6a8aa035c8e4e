// Xen: public/io/netif.h. The network rings' wire format for the x86_64 ABI:
// the transmit request and response, the receive request and response, the
// extra-info slot that overlays either, their flags and statuses, with
// sizes and offsets checked against the header in NetifLayoutTests.
//
// Like Blkif.swift these mirror XenABI's style (one `Offset` enum per
// struct) and move to XenABI/IO/Netif.swift unchanged when that exists.
// Parsing is pure and safe: values are decoded from a private copy of a
// ring slot, never in place.
import XenABI

/// Flags of a transmit request (`netif_tx_request.flags`).
public struct NetTxFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The protocol checksum field is blank (holds the pseudo-header sum).
    ///
    /// Xen: `NETTXF_csum_blank`, public/io/netif.h.
    public static let csumBlank = NetTxFlags(rawValue: 1 << 0)
    /// The data has been validated against its protocol checksum.
    ///
    /// Xen: `NETTXF_data_validated`, public/io/netif.h.
    public static let dataValidated = NetTxFlags(rawValue: 1 << 1)
    /// The packet continues in the next request.
    ///
    /// Xen: `NETTXF_more_data`, public/io/netif.h.
    public static let moreData = NetTxFlags(rawValue: 1 << 2)
    /// The request is followed by extra-info slots.
    ///
    /// Xen: `NETTXF_extra_info`, public/io/netif.h.
    public static let extraInfo = NetTxFlags(rawValue: 1 << 3)
}

/// Flags of a receive response (`netif_rx_response.flags`).
public struct NetRxFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Xen: `NETRXF_data_validated`, public/io/netif.h.
    public static let dataValidated = NetRxFlags(rawValue: 1 << 0)
    /// Xen: `NETRXF_csum_blank`, public/io/netif.h.
    public static let csumBlank = NetRxFlags(rawValue: 1 << 1)
    /// Xen: `NETRXF_more_data`, public/io/netif.h.
    public static let moreData = NetRxFlags(rawValue: 1 << 2)
    /// Xen: `NETRXF_extra_info`, public/io/netif.h.
    public static let extraInfo = NetRxFlags(rawValue: 1 << 3)
    /// Deprecated GSO prefix descriptor; never sent by this backend.
    ///
    /// Xen: `NETRXF_gso_prefix`, public/io/netif.h.
    public static let gsoPrefix = NetRxFlags(rawValue: 1 << 4)
}

/// A response status: negative is an error, and for receive responses a
/// non-negative value is the slot's byte count.
public struct NetifRsp: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Xen: `NETIF_RSP_DROPPED`, public/io/netif.h.
    public static let dropped = NetifRsp(rawValue: -2)
    /// Xen: `NETIF_RSP_ERROR`, public/io/netif.h.
    public static let error = NetifRsp(rawValue: -1)
    /// Xen: `NETIF_RSP_OKAY`, public/io/netif.h.
    public static let okay = NetifRsp(rawValue: 0)
    /// The response of an extra-info slot (no id).
    ///
    /// Xen: `NETIF_RSP_NULL`, public/io/netif.h.
    public static let null = NetifRsp(rawValue: 1)

    public var description: String {
        switch rawValue {
        case -2: return "NETIF_RSP_DROPPED"
        case -1: return "NETIF_RSP_ERROR"
        case 0: return "NETIF_RSP_OKAY"
        case 1: return "NETIF_RSP_NULL"
        default: return "status \(rawValue)"
        }
    }
}

/// The kind of an extra-info slot (`netif_extra_info.type`). A struct so
/// a guest's unknown value survives to be refused.
public struct NetifExtraType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Never valid in a slot.
    ///
    /// Xen: `XEN_NETIF_EXTRA_TYPE_NONE`, public/io/netif.h.
    public static let none = NetifExtraType(rawValue: 0)
    /// Xen: `XEN_NETIF_EXTRA_TYPE_GSO`, public/io/netif.h.
    public static let gso = NetifExtraType(rawValue: 1)
    /// Xen: `XEN_NETIF_EXTRA_TYPE_MCAST_ADD`, public/io/netif.h.
    public static let mcastAdd = NetifExtraType(rawValue: 2)
    /// Xen: `XEN_NETIF_EXTRA_TYPE_MCAST_DEL`, public/io/netif.h.
    public static let mcastDel = NetifExtraType(rawValue: 3)
    /// Xen: `XEN_NETIF_EXTRA_TYPE_HASH`, public/io/netif.h.
    public static let hash = NetifExtraType(rawValue: 4)
    /// One past the last valid type.
    ///
    /// Xen: `XEN_NETIF_EXTRA_TYPE_MAX`, public/io/netif.h.
    public static let max = NetifExtraType(rawValue: 5)

    /// True for GSO, MCAST_ADD, MCAST_DEL and HASH.
    public var isValid: Bool { rawValue != 0 && rawValue < Self.max.rawValue }

    public var description: String {
        switch rawValue {
        case 0: return "XEN_NETIF_EXTRA_TYPE_NONE"
        case 1: return "XEN_NETIF_EXTRA_TYPE_GSO"
        case 2: return "XEN_NETIF_EXTRA_TYPE_MCAST_ADD"
        case 3: return "XEN_NETIF_EXTRA_TYPE_MCAST_DEL"
        case 4: return "XEN_NETIF_EXTRA_TYPE_HASH"
        default: return "extra type \(rawValue)"
        }
    }
}

/// The protocol of a GSO packet (`netif_extra_info.u.gso.type`).
public struct NetifGsoType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Xen: `XEN_NETIF_GSO_TYPE_NONE`, public/io/netif.h.
    public static let none = NetifGsoType(rawValue: 0)
    /// Xen: `XEN_NETIF_GSO_TYPE_TCPV4`, public/io/netif.h.
    public static let tcpv4 = NetifGsoType(rawValue: 1)
    /// Xen: `XEN_NETIF_GSO_TYPE_TCPV6`, public/io/netif.h.
    public static let tcpv6 = NetifGsoType(rawValue: 2)

    public var description: String {
        switch rawValue {
        case 0: return "XEN_NETIF_GSO_TYPE_NONE"
        case 1: return "XEN_NETIF_GSO_TYPE_TCPV4"
        case 2: return "XEN_NETIF_GSO_TYPE_TCPV6"
        default: return "GSO type \(rawValue)"
        }
    }
}

/// Constants of public/io/netif.h and of Linux netback's limits.
public enum Netif {
    /// Slots a packet may use that every backend must accept.
    ///
    /// Xen: `XEN_NETIF_NR_SLOTS_MIN`, public/io/netif.h.
    public static let nrSlotsMin = 18

    /// Largest transmit packet (`size` is 16 bits).
    ///
    /// Xen: `XEN_NETIF_MAX_TX_SIZE`, public/io/netif.h.
    public static let maxTxSize = 0xFFFF

    /// Data slots of a transmit packet above which it is dropped with an
    /// error (Linux: `XEN_NETBK_LEGACY_SLOTS_MAX`, the historical
    /// MAX_SKB_FRAGS, drivers/net/xen-netback/common.h).
    public static let legacySlotsMax = nrSlotsMin

    /// Data slots of a transmit packet from which the frontend is treated
    /// as malicious and the queue halted (Linux: `FATAL_SKB_SLOTS_DEFAULT`,
    /// drivers/net/xen-netback/netback.c).
    public static let fatalSlots = 20

    /// An Ethernet header: the least the first transmit slot must hold
    /// (Linux netback's "Bad packet size" check, `ETH_HLEN`).
    public static let ethHeaderLength = 14

    /// The page size of data and ring slots.
    ///
    /// Xen: `XEN_PAGE_SIZE`.
    public static let pageSize = 4096

    /// `sizeof(union netif_tx_sring_entry)`: the 12-byte request.
    public static let txSringEntrySize = NetifTxRequest.size

    /// `sizeof(union netif_rx_sring_entry)`: request and response are both 8.
    public static let rxSringEntrySize = NetifRxRequest.size

    /// Entries of a one-page transmit ring (`NET_TX_RING_SIZE`, 256).
    public static let txRingSize = Sring.ringSize(pages: 1, entrySize: txSringEntrySize)

    /// Entries of a one-page receive ring (`NET_RX_RING_SIZE`, 256).
    public static let rxRingSize = Sring.ringSize(pages: 1, entrySize: rxSringEntrySize)
}

/// One transmit slot: a granted buffer and a part of a packet.
///
/// Xen: `struct netif_tx_request`, public/io/netif.h.
public struct NetifTxRequest: Equatable, Sendable {
    /// Xen: `gref`.
    public var gref: GrantRef
    /// Xen: `offset`; where the data starts in the granted page.
    public var offset: UInt16
    /// Xen: `flags` (`NETTXF_*`).
    public var flags: NetTxFlags
    /// Xen: `id`; echoed in the response.
    public var id: UInt16
    /// Xen: `size`; the whole packet's size in the first slot of a packet,
    /// this slot's size in the others.
    public var size: UInt16

    /// `sizeof(struct netif_tx_request)`.
    public static let size = 12

    /// Byte offset of each member.
    public enum Offset {
        /// Xen: `gref`.
        public static let gref = 0
        /// Xen: `offset`.
        public static let offset = 4
        /// Xen: `flags`.
        public static let flags = 6
        /// Xen: `id`.
        public static let id = 8
        /// Xen: `size`.
        public static let size = 10
    }

    public init(gref: GrantRef, offset: UInt16, flags: NetTxFlags = [], id: UInt16, size: UInt16) {
        self.gref = gref
        self.offset = offset
        self.flags = flags
        self.id = id
        self.size = size
    }

    /// Decodes a copied ring slot (at least 12 bytes).
    public init(decoding e: [UInt8]) {
        gref = GrantRef(rawValue: e.le(UInt32.self, at: Offset.gref))
        offset = e.le(UInt16.self, at: Offset.offset)
        flags = NetTxFlags(rawValue: e.le(UInt16.self, at: Offset.flags))
        id = e.le(UInt16.self, at: Offset.id)
        size = e.le(UInt16.self, at: Offset.size)
    }

    /// The 12-byte slot, as a frontend would write it.
    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: Self.size)
        e.putLE(gref.rawValue, at: Offset.gref)
        e.putLE(offset, at: Offset.offset)
        e.putLE(flags.rawValue, at: Offset.flags)
        e.putLE(id, at: Offset.id)
        e.putLE(size, at: Offset.size)
        return e
    }
}

/// An extra-info slot: GSO parameters, a multicast filter change or a
/// hash, following a transmit request with `NETTXF_extra_info` or a receive
/// response with `NETRXF_extra_info`. The union is kept as its six raw
/// bytes; the accessors read the member `type` selects.
///
/// Xen: `struct netif_extra_info`, public/io/netif.h.
public struct NetifExtraInfo: Equatable, Sendable {
    /// Xen: `type` (`XEN_NETIF_EXTRA_TYPE_*`).
    public var type: NetifExtraType
    /// Xen: `flags` (`XEN_NETIF_EXTRA_FLAG_*`).
    public var flags: UInt8
    /// Xen: `u`, the six bytes of the union.
    public var u: [UInt8]

    /// `sizeof(struct netif_extra_info)`; a transmit slot has 4 more bytes
    /// of padding after it.
    public static let size = 8

    /// Another extra-info slot follows.
    ///
    /// Xen: `XEN_NETIF_EXTRA_FLAG_MORE`, public/io/netif.h.
    public static let flagMore: UInt8 = 1 << 0

    /// Byte offset of each member.
    public enum Offset {
        /// Xen: `type`.
        public static let type = 0
        /// Xen: `flags`.
        public static let flags = 1
        /// Xen: `u`.
        public static let u = 2
        /// Xen: `u.gso.size`.
        public static let gsoSize = 2
        /// Xen: `u.gso.type`.
        public static let gsoType = 4
        /// Xen: `u.gso.pad`.
        public static let gsoPad = 5
        /// Xen: `u.gso.features`.
        public static let gsoFeatures = 6
        /// Xen: `u.mcast.addr`.
        public static let mcastAddr = 2
        /// Xen: `u.hash.type`.
        public static let hashType = 2
        /// Xen: `u.hash.algorithm`.
        public static let hashAlgorithm = 3
        /// Xen: `u.hash.value`.
        public static let hashValue = 4
    }

    public init(type: NetifExtraType, flags: UInt8 = 0, u: [UInt8]) {
        precondition(u.count == 6, "the union is six bytes")
        self.type = type
        self.flags = flags
        self.u = u
    }

    /// A GSO extra: `size` is the segment size (the MSS for TCP).
    public static func gso(size: UInt16, type: NetifGsoType, features: UInt16 = 0, more: Bool = false) -> NetifExtraInfo {
        var e = [UInt8](repeating: 0, count: Self.size)
        e.putLE(size, at: Offset.gsoSize)
        e[Offset.gsoType] = type.rawValue
        e.putLE(features, at: Offset.gsoFeatures)
        return NetifExtraInfo(type: .gso, flags: more ? flagMore : 0, u: Array(e[2..<8]))
    }

    /// Decodes the eight bytes at `offset` of a copied slot.
    public init(decoding e: [UInt8], at offset: Int = 0) {
        type = NetifExtraType(rawValue: e[offset + Offset.type])
        flags = e[offset + Offset.flags]
        u = Array(e[(offset + Offset.u) ..< (offset + Offset.u + 6)])
    }

    /// The eight bytes of the structure.
    public func encoded() -> [UInt8] {
        [type.rawValue, flags] + u
    }

    /// Another extra-info slot follows this one.
    public var hasMore: Bool { flags & Self.flagMore != 0 }

    /// Xen: `u.gso.size`.
    public var gsoSize: UInt16 { UInt16(u[0]) | UInt16(u[1]) << 8 }
    /// Xen: `u.gso.type`.
    public var gsoType: NetifGsoType { NetifGsoType(rawValue: u[2]) }
    /// Xen: `u.gso.features`.
    public var gsoFeatures: UInt16 { UInt16(u[4]) | UInt16(u[5]) << 8 }
    /// Xen: `u.mcast.addr`.
    public var mcastAddr: [UInt8] { u }
}

/// The answer to one transmit slot.
///
/// Xen: `struct netif_tx_response`, public/io/netif.h.
public struct NetifTxResponse: Equatable, Sendable {
    /// Xen: `id`; the request's.
    public var id: UInt16
    /// Xen: `status`.
    public var status: NetifRsp

    /// `sizeof(struct netif_tx_response)`; the rest of the 12-byte slot is
    /// left as it was.
    public static let size = 4

    /// Byte offset of each member.
    public enum Offset {
        /// Xen: `id`.
        public static let id = 0
        /// Xen: `status`.
        public static let status = 2
    }

    public init(id: UInt16, status: NetifRsp) {
        self.id = id
        self.status = status
    }

    public init(decoding e: [UInt8]) {
        id = e.le(UInt16.self, at: Offset.id)
        status = NetifRsp(rawValue: Int16(bitPattern: e.le(UInt16.self, at: Offset.status)))
    }

    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: Self.size)
        e.putLE(id, at: Offset.id)
        e.putLE(UInt16(bitPattern: status.rawValue), at: Offset.status)
        return e
    }
}

/// A buffer the frontend offers for received data: one granted page.
///
/// Xen: `struct netif_rx_request`, public/io/netif.h.
public struct NetifRxRequest: Equatable, Sendable {
    /// Xen: `id`; echoed in the response.
    public var id: UInt16
    /// Xen: `gref`.
    public var gref: GrantRef

    /// `sizeof(struct netif_rx_request)`.
    public static let size = 8

    /// Byte offset of each member.
    public enum Offset {
        /// Xen: `id`.
        public static let id = 0
        /// Xen: `pad`.
        public static let pad = 2
        /// Xen: `gref`.
        public static let gref = 4
    }

    public init(id: UInt16, gref: GrantRef) {
        self.id = id
        self.gref = gref
    }

    public init(decoding e: [UInt8]) {
        id = e.le(UInt16.self, at: Offset.id)
        gref = GrantRef(rawValue: e.le(UInt32.self, at: Offset.gref))
    }

    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: Self.size)
        e.putLE(id, at: Offset.id)
        e.putLE(gref.rawValue, at: Offset.gref)
        return e
    }
}

/// What was put in a receive buffer.
///
/// Xen: `struct netif_rx_response`, public/io/netif.h.
public struct NetifRxResponse: Equatable, Sendable {
    /// Xen: `id`; the request's.
    public var id: UInt16
    /// Xen: `offset`; where the data starts in the page.
    public var offset: UInt16
    /// Xen: `flags` (`NETRXF_*`).
    public var flags: NetRxFlags
    /// Xen: `status`; bytes in this slot, or a negative `NETIF_RSP_*`.
    public var status: Int16

    /// `sizeof(struct netif_rx_response)`.
    public static let size = 8

    /// Byte offset of each member.
    public enum Offset {
        /// Xen: `id`.
        public static let id = 0
        /// Xen: `offset`.
        public static let offset = 2
        /// Xen: `flags`.
        public static let flags = 4
        /// Xen: `status`.
        public static let status = 6
    }

    public init(id: UInt16, offset: UInt16 = 0, flags: NetRxFlags = [], status: Int16) {
        self.id = id
        self.offset = offset
        self.flags = flags
        self.status = status
    }

    public init(decoding e: [UInt8]) {
        id = e.le(UInt16.self, at: Offset.id)
        offset = e.le(UInt16.self, at: Offset.offset)
        flags = NetRxFlags(rawValue: e.le(UInt16.self, at: Offset.flags))
        status = Int16(bitPattern: e.le(UInt16.self, at: Offset.status))
    }

    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: Self.size)
        e.putLE(id, at: Offset.id)
        e.putLE(offset, at: Offset.offset)
        e.putLE(flags.rawValue, at: Offset.flags)
        e.putLE(UInt16(bitPattern: status), at: Offset.status)
        return e
    }
}
