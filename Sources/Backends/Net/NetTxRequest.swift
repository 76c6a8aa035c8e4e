// One transmitted packet, from its ring slots to a checked description: the
// slot walk of Linux netback's xenvif_tx_build_gops, xenvif_get_extras,
// xenvif_count_requests and xenvif_set_skb_gso
// (drivers/net/xen-netback/netback.c), as a pure function over copies of
// the slots. What it decides:
//
// - a well-formed packet: the first request, its extra-info slots, the
//   following data slots, and the first slot's own length (its `size` is
//   the whole packet's, minus what the other slots carry);
// - a multicast filter change (an extra-info slot of type MCAST_ADD or
//   MCAST_DEL): answered without sending anything;
// - a packet to drop with NETIF_RSP_ERROR on every data slot, the frontend
//   otherwise behaving: more than 18 slots after the first (at most 20), a slot
//   larger than what is left of the packet, a first slot shorter than an
//   Ethernet header;
// - a protocol violation that halts the queue (netback's
//   xenvif_fatal_tx_err): a packet whose slots run past `req_prod`, more
//   than 20 slots after the first, data crossing its page, a missing or unknown
//   extra-info slot, a GSO extra with size 0 or an unknown type.
import XenABI

/// A transmitted packet whose slots passed the ring-level checks.
public struct NetTxPacket: Equatable, Sendable {
    /// The first slot as the frontend wrote it (`size` is the packet's).
    public var first: NetifTxRequest
    /// Bytes of the packet in the first slot.
    public var firstLength: Int
    /// The extra-info slots, last of each type winning (as netback).
    public var extras: [NetifExtraInfo]
    /// The other data slots, in order.
    public var frags: [NetifTxRequest]
    /// Ring slots the packet used: data slots and extra-info slots.
    public var slotCount: Int

    /// The whole packet's length (`first.size`).
    public var length: Int { Int(first.size) }

    /// The GSO extra, if any.
    public var gso: NetifExtraInfo? { extras.last { $0.type == .gso } }

    /// Each data slot's (gref, offset, length): the first with
    /// `firstLength`, the others with their own size.
    public var dataSlots: [(gref: GrantRef, offset: Int, length: Int)] {
        [(first.gref, Int(first.offset), firstLength)] + frags.map { ($0.gref, Int($0.offset), Int($0.size)) }
    }

    /// The responses, one per slot in ring order: each data slot's id with
    /// `status`, NETIF_RSP_NULL for the extra-info slots (netback's
    /// make_tx_response).
    public func responses(_ status: NetifRsp) -> [NetifTxResponse] {
        var out = [NetifTxResponse(id: first.id, status: status)]
        out += extras.map { _ in NetifTxResponse(id: 0, status: .null) }
        out += frags.map { NetifTxResponse(id: $0.id, status: status) }
        return out
    }
}

/// What the slots at `req_cons` amount to.
public enum NetTxParse: Equatable, Sendable {
    /// A packet to send.
    case packet(NetTxPacket)
    /// A multicast filter change (add when `add`), using `slots` slots;
    /// answered with `responses`.
    case multicast(add: Bool, address: [UInt8], responses: [NetifTxResponse])
    /// A packet to drop: every data slot is answered NETIF_RSP_ERROR.
    case drop(NetTxDrop, responses: [NetifTxResponse])
    /// The frontend broke the protocol: halt the queue.
    case fatal(NetTxFatal)

    /// Slots consumed (0 for a fatal error: the queue stops there).
    public var slotCount: Int {
        switch self {
        case .packet(let p): return p.slotCount
        case .multicast(_, _, let r), .drop(_, let r): return r.count
        case .fatal: return 0
        }
    }
}

/// Why a packet is dropped (answered NETIF_RSP_ERROR) although the
/// frontend may go on. Logged rate-limited; the key names the kind.
public enum NetTxDrop: Error, Equatable, Sendable, CustomStringConvertible {
    /// More than `Netif.legacySlotsMax` data slots after the first (the
    /// count seen so far).
    case tooManySlots(Int)
    /// A slot larger than what is left of the packet (a frame of 64 KiB
    /// or more whose `size` wrapped, netback says).
    case slotLargerThanPacket(slot: Int, size: Int, remaining: Int)
    /// The first slot holds less than an Ethernet header.
    case firstSlotTooShort(Int)
    /// A data grant is unusable.
    case grant(GrantError)
    /// The headers do not allow the offloads the packet asks for.
    case checksum(NetChecksumError)
    /// GSO type and headers disagree (TCPv4 GSO on a non-TCP/IPv4 packet).
    case gsoMismatch(NetifGsoType)
    /// The host device refused the frame.
    case device(HostErrno)

    var key: String {
        switch self {
        case .tooManySlots: return "tx-slots"
        case .slotLargerThanPacket: return "tx-slot-size"
        case .firstSlotTooShort: return "tx-short"
        case .grant: return "tx-grant"
        case .checksum: return "tx-checksum"
        case .gsoMismatch: return "tx-gso"
        case .device: return "tx-device"
        }
    }

    public var description: String {
        switch self {
        case .tooManySlots(let n): return "packet continues in \(n) slots after the first (at most \(Netif.legacySlotsMax)); dropped"
        case .slotLargerThanPacket(let i, let s, let r): return "slot \(i) size \(s) > remaining packet size \(r); dropped"
        case .firstSlotTooShort(let n): return "first slot holds \(n) bytes, less than an Ethernet header; dropped"
        case .grant(let e): return "\(e); packet dropped"
        case .checksum(let e): return "cannot set up checksum offload: \(e); packet dropped"
        case .gsoMismatch(let t): return "\(t) on a packet that is not TCP over that IP version; dropped"
        case .device(let e): return "host device refused the frame: \(e)"
        }
    }
}

/// A transmit-side protocol violation: the queue halts (Linux netback
/// disables the interface: xenvif_fatal_tx_err).
public enum NetTxFatal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The packet's slots (or extra-info slots) run past `req_prod`.
    case incompletePacket(published: Int)
    /// More than `Netif.fatalSlots` data slots after the first.
    case maliciousSlotCount(Int)
    /// A slot's data crosses the end of its page.
    case crossesPage(slot: Int, offset: Int, size: Int)
    /// An extra-info slot of type 0 or past XEN_NETIF_EXTRA_TYPE_MAX.
    case invalidExtraType(UInt8)
    /// A GSO extra with size 0.
    case gsoSizeZero
    /// A GSO extra with a type other than TCPv4/TCPv6.
    case badGsoType(NetifGsoType)

    public var description: String {
        switch self {
        case .incompletePacket(let n): return "packet runs past the \(n) published requests"
        case .maliciousSlotCount(let n): return "malicious frontend using \(n) slots (threshold \(Netif.fatalSlots))"
        case .crossesPage(let i, let o, let s): return "slot \(i) crosses its page (offset \(o) + size \(s) > \(Netif.pageSize))"
        case .invalidExtraType(let t): return "invalid extra-info type \(t)"
        case .gsoSizeZero: return "GSO size must not be zero"
        case .badGsoType(let t): return "bad GSO type \(t.rawValue)"
        }
    }
}

extension NetTxParse {
    /// Walks the packet at `req_cons`: `published` requests are available
    /// (at least one) and `slot(i)` copies the request `i` slots ahead.
    ///
    /// Linux: `xenvif_tx_build_gops` up to the grant operations.
    public static func parse(published: Int, slot: (Int) -> [UInt8]?) -> NetTxParse {
        precondition(published > 0, "called with a request available")
        guard let firstBytes = slot(0) else { return .fatal(.incompletePacket(published: published)) }
        let first = NetifTxRequest(decoding: firstBytes)
        var used = 1

        // Extra-info slots (xenvif_get_extras): each must exist and have a
        // valid type; the last of each type wins.
        var extras: [NetifExtraInfo] = []
        if first.flags.contains(.extraInfo) {
            while true {
                guard used < published, let bytes = slot(used) else {
                    return .fatal(.incompletePacket(published: published))
                }
                let extra = NetifExtraInfo(decoding: bytes)
                used += 1
                guard extra.type.isValid else { return .fatal(.invalidExtraType(extra.type.rawValue)) }
                extras.removeAll { $0.type == extra.type }
                extras.append(extra)
                if !extra.hasMore { break }
            }
        }
        let extraSlots = used - 1
        func nulls() -> [NetifTxResponse] { Array(repeating: NetifTxResponse(id: 0, status: .null), count: extraSlots) }

        // A multicast filter change is answered at once (netback answers
        // OKAY; the list only matters with multicast control, which we do
        // not offer, so nothing else is done with it).
        if let m = extras.last(where: { $0.type == .mcastAdd || $0.type == .mcastDel }) {
            return .multicast(add: m.type == .mcastAdd, address: m.mcastAddr,
                              responses: [NetifTxResponse(id: first.id, status: .okay)] + nulls())
        }

        // Data slots (xenvif_count_requests).
        var frags: [NetifTxRequest] = []
        var remaining = Int(first.size)
        var drop: NetTxDrop?
        var more = first.flags.contains(.moreData)
        while more {
            let index = frags.count
            guard used < published, let bytes = slot(used) else {
                return .fatal(.incompletePacket(published: published))
            }
            // Counted as netback does: the slots after the first.
            guard frags.count < Netif.fatalSlots else { return .fatal(.maliciousSlotCount(frags.count + 1)) }
            if drop == nil && frags.count >= Netif.legacySlotsMax {
                drop = .tooManySlots(frags.count + 1)
            }
            let txp = NetifTxRequest(decoding: bytes)
            used += 1
            if drop == nil && Int(txp.size) > remaining {
                drop = .slotLargerThanPacket(slot: index + 1, size: Int(txp.size), remaining: remaining)
            }
            remaining -= Int(txp.size)
            guard Int(txp.offset) + Int(txp.size) <= Netif.pageSize else {
                return .fatal(.crossesPage(slot: index + 1, offset: Int(txp.offset), size: Int(txp.size)))
            }
            frags.append(txp)
            more = txp.flags.contains(.moreData)
        }
        func errors() -> [NetifTxResponse] {
            [NetifTxResponse(id: first.id, status: .error)] + nulls() + frags.map { NetifTxResponse(id: $0.id, status: .error) }
        }
        if let drop { return .drop(drop, responses: errors()) }
        guard remaining >= Netif.ethHeaderLength else {
            return .drop(.firstSlotTooShort(remaining), responses: errors())
        }
        guard Int(first.offset) + remaining <= Netif.pageSize else {
            return .fatal(.crossesPage(slot: 0, offset: Int(first.offset), size: remaining))
        }
        if let gso = extras.last(where: { $0.type == .gso }) {
            guard gso.gsoSize != 0 else { return .fatal(.gsoSizeZero) }
            guard gso.gsoType == .tcpv4 || gso.gsoType == .tcpv6 else { return .fatal(.badGsoType(gso.gsoType)) }
        }
        return .packet(NetTxPacket(first: first, firstLength: remaining, extras: extras, frags: frags, slotCount: used))
    }
}
