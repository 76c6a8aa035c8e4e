// The test plays a network frontend (Linux netfront's use of the ring.h
// FRONT_RING macros) over the `Frontend` guest of Frontend.swift, and the
// host side of the device: a SOCK_SEQPACKET socket pair per queue, one end
// given to the backend as its NetFrameChannel, the other read and written
// by the test as the TAP's peer would be.
import Glibc
import GuestMemory
import Synchronization
import Testing
import XenABI
@testable import Backends

/// The frontend half of one netif ring (transmit: 12-byte entries,
/// receive: 8-byte entries) on one granted page.
final class NetFrontRing {
    let fe: Frontend
    let frame: UInt64
    let ref: GrantRef
    let entrySize: Int
    let size: UInt32
    var reqProdPvt: UInt32
    var rspCons: UInt32

    init(_ fe: Frontend, entrySize: Int, start: UInt32 = 0) throws {
        self.fe = fe
        let p = try fe.grantedPage()
        frame = p.frame
        ref = p.ref
        self.entrySize = entrySize
        size = Sring.ringSize(pages: 1, entrySize: entrySize)
        reqProdPvt = start
        rspCons = start
        try header(Sring.Offset.reqProd, start)
        try header(Sring.Offset.rspProd, start)
        try header(Sring.Offset.reqEvent, start &+ 1)
        try header(Sring.Offset.rspEvent, start &+ 1)
    }

    func header(_ offset: Int, _ value: UInt32) throws {
        try fe.memory.storeRelease32(value, at: (frame << 12) + UInt64(offset))
    }

    func header(_ offset: Int) throws -> UInt32 {
        try fe.memory.loadAcquire32(at: (frame << 12) + UInt64(offset))
    }

    private func slotAddress(_ index: UInt32) -> UInt64 {
        (frame << 12) + UInt64(Sring.Offset.ring + Int(index & (size - 1)) * entrySize)
    }

    /// Queues one request (visible after `publish`).
    func push(_ bytes: [UInt8]) throws {
        precondition(bytes.count <= entrySize)
        try fe.memory.write(bytes, at: slotAddress(reqProdPvt))
        reqProdPvt &+= 1
    }

    /// RING_PUSH_REQUESTS.
    func publish() throws {
        try header(Sring.Offset.reqProd, reqProdPvt)
    }

    /// The raw bytes of every response since the last call; re-arms
    /// rsp_event (RING_FINAL_CHECK_FOR_RESPONSES).
    func responses() throws -> [[UInt8]] {
        let prod = try header(Sring.Offset.rspProd)
        var out: [[UInt8]] = []
        while rspCons != prod {
            out.append(try fe.memory.read(at: slotAddress(rspCons), count: entrySize))
            rspCons &+= 1
        }
        try header(Sring.Offset.rspEvent, rspCons &+ 1)
        return out
    }
}

/// A NetDevice whose queues are socket pairs; the test holds the peers.
final class SocketPairDevice: NetDevice, @unchecked Sendable {
    // @unchecked: `state` is behind its Mutex; the rest is immutable.
    let name = "socketpair"
    let maxQueues: Int
    let sys = NetSyscalls()
    private struct State {
        var channels: [NetFrameChannel] = []
        var peers: [Int32] = []
        var offloads: [NetOffloads] = []
    }
    private let state = Mutex(State())

    init(maxQueues: Int = 4) {
        self.maxQueues = maxQueues
    }

    deinit {
        state.withLock { for p in $0.peers { close(p) } }
    }

    func openQueues(_ count: Int) throws(NetDeviceError) -> [NetFrameChannel] {
        guard count <= maxQueues else { throw .queues(name: name, requested: count, max: maxQueues) }
        return state.withLock { s in
            while s.channels.count < count {
                var fds: [Int32] = [0, 0]
                precondition(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds) == 0)
                var size: Int32 = 1 << 20
                for fd in fds {
                    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(4))
                    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(4))
                }
                _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
                s.channels.append(NetFrameChannel(descriptor: fds[0], sys: sys))
                s.peers.append(fds[1])
            }
            return Array(s.channels.prefix(count))
        }
    }

    func closeQueues(from count: Int) {
        state.withLock { s in
            let keep = max(1, count)
            while s.channels.count > keep {
                s.channels.removeLast()
                close(s.peers.removeLast())
            }
        }
    }

    func setOffloads(_ offloads: NetOffloads) throws(NetDeviceError) {
        state.withLock { $0.offloads.append(offloads) }
    }

    var offloadsSet: [NetOffloads] { state.withLock { $0.offloads } }

    /// Every message the backend sent on `queue` so far.
    func hostReceive(queue: Int = 0) -> [[UInt8]] {
        let fd = state.withLock { $0.peers[queue] }
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 70_000)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { break }
            out.append(Array(buffer[0..<n]))
        }
        return out
    }

    /// Sends one message (virtio header and frame) to the backend.
    func hostSend(_ bytes: [UInt8], queue: Int = 0) {
        let fd = state.withLock { $0.peers[queue] }
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        precondition(n == bytes.count, "socket pair send: \(n), errno \(errno)")
    }
}

/// A backend on a SocketPairDevice attached to transmit and receive rings
/// of a Frontend, `queues` of each.
final class NetHarness {
    let fe: Frontend
    let device: SocketPairDevice
    let backend: NetBackend
    let tx: [NetFrontRing]
    let rx: [NetFrontRing]
    private var nextID: UInt16 = 0

    init(queues: Int = 1, features: NetBackend.FrontendFeatures = .linuxNetfront, start: UInt32 = 0,
         options: NetBackend.Options = NetBackend.Options(), ramPages: UInt64 = 1024) throws {
        let fe = try Frontend(ramPages: ramPages)
        self.fe = fe
        device = SocketPairDevice()
        backend = NetBackend(device: device, options: options)
        tx = try (0..<queues).map { _ in try NetFrontRing(fe, entrySize: Netif.txSringEntrySize, start: start) }
        rx = try (0..<queues).map { _ in try NetFrontRing(fe, entrySize: Netif.rxSringEntrySize, start: start) }
        try backend.attach(grants: fe.grants, rings: zip(tx, rx).map { NetBackend.QueueRings(tx: $0.ref, rx: $1.ref) },
                           features: features)
    }

    func id() -> UInt16 {
        nextID &+= 1
        return nextID
    }

    /// A granted read-only page holding `bytes` at `offset`.
    func dataPage(_ bytes: ArraySlice<UInt8>, offset: Int = 0) throws -> GrantRef {
        let f = try fe.allocPage(fill: 0xCC)
        try fe.memory.write(bytes, at: (f << 12) + UInt64(offset))
        return try fe.grant(f, readonly: true)
    }

    /// The transmit requests for `frame`: the first slot at `offset` in its
    /// page holding `firstLength` bytes, then slots of at most `chunk`
    /// bytes, with `flags` on the first and `extras` after it.
    func txRequests(_ frame: [UInt8], firstLength: Int? = nil, offset: Int = 0, chunk: Int = 4096,
                    flags: NetTxFlags = [], extras: [NetifExtraInfo] = []) throws -> [[UInt8]] {
        let first = min(firstLength ?? min(frame.count, 4096 - offset), frame.count)
        var slots: [(GrantRef, Int, Int)] = [(try dataPage(frame[0..<first], offset: offset), offset, first)]
        var at = first
        while at < frame.count {
            let n = min(chunk, frame.count - at)
            slots.append((try dataPage(frame[at..<(at + n)]), 0, n))
            at += n
        }
        var out: [[UInt8]] = []
        for (i, s) in slots.enumerated() {
            var f: NetTxFlags = i == 0 ? flags : []
            if i == 0 && !extras.isEmpty { f.insert(.extraInfo) }
            if i < slots.count - 1 { f.insert(.moreData) }
            out.append(NetifTxRequest(gref: s.0, offset: UInt16(s.1), flags: f, id: id(),
                                      size: UInt16(i == 0 ? frame.count : s.2)).encoded())
            if i == 0 {
                for (k, e) in extras.enumerated() {
                    var x = e
                    x.flags = k < extras.count - 1 ? NetifExtraInfo.flagMore : 0
                    out.append(x.encoded() + [0, 0, 0, 0])
                }
            }
        }
        return out
    }

    /// Pushes `slots` on transmit queue `queue`, publishes, processes, and
    /// returns the responses.
    @discardableResult
    func transmit(_ slots: [[UInt8]], queue: Int = 0) throws -> (responses: [NetifTxResponse], result: NetBackend.ProcessResult) {
        for s in slots { try tx[queue].push(s) }
        try tx[queue].publish()
        let result = backend.process(queue: queue)
        return (try tx[queue].responses().map { NetifTxResponse(decoding: $0) }, result)
    }

    /// Posts `count` receive buffers on queue `queue`; their (id, frame).
    @discardableResult
    func postRx(_ count: Int, queue: Int = 0, readonly: Bool = false) throws -> [(id: UInt16, frame: UInt64)] {
        var out: [(UInt16, UInt64)] = []
        for _ in 0..<count {
            let f = try fe.allocPage(fill: 0xAA)
            let ref = try fe.grant(f, readonly: readonly)
            let i = id()
            try rx[queue].push(NetifRxRequest(id: i, gref: ref).encoded())
            out.append((i, f))
        }
        try rx[queue].publish()
        return out
    }

    /// The receive responses since the last call.
    func rxResponses(queue: Int = 0) throws -> [[UInt8]] {
        try rx[queue].responses()
    }
}

/// A deterministic Ethernet frame: an IPv4 (or IPv6) TCP or UDP packet of
/// `payload` bytes from 10.0.0.1 to 10.0.0.2, checksum field holding the
/// pseudo-header sum (as a checksum-blank sender leaves it) unless `full`.
func ipFrame(payload: Int, v6: Bool = false, udp: Bool = false, full: Bool = false, seed: UInt8 = 1) -> [UInt8] {
    var f: [UInt8] = [2, 0, 0, 0, 0, 2, 0, 0x16, 0x3e, 0, 0, 1]
    f += v6 ? [0x86, 0xdd] : [0x08, 0x00]
    let l4Length = (udp ? 8 : 20) + payload
    let proto: UInt8 = udp ? 17 : 6
    if v6 {
        f += [0x60, 0, 0, 0, UInt8(l4Length >> 8), UInt8(l4Length & 0xff), proto, 64]
        f += [0xfd, 0] + [UInt8](repeating: 0, count: 13) + [1]
        f += [0xfd, 0] + [UInt8](repeating: 0, count: 13) + [2]
    } else {
        let total = 20 + l4Length
        f += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
    }
    let l4 = f.count
    if udp {
        f += [0x30, 0x39, 0x00, 0x50, UInt8(l4Length >> 8), UInt8(l4Length & 0xff), 0, 0]
    } else {
        f += [0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]
    }
    for i in 0..<payload { f.append(UInt8(truncatingIfNeeded: i &* 7 &+ Int(seed))) }
    let setup = try! NetChecksumSetup.parse(f[...], frameLength: f.count)
    let at = l4 + (udp ? 6 : 16)
    f[at] = UInt8(setup.pseudoHeaderSum >> 8)
    f[at + 1] = UInt8(setup.pseudoHeaderSum & 0xff)
    if full { _ = NetChecksumSetup.complete(&f, frame: 0..<f.count, start: l4, offset: udp ? 6 : 16) }
    return f
}

/// True if the frame's TCP/UDP checksum verifies (the ones' complement sum
/// over the pseudo-header and the segment is 0xffff).
func checksumValid(_ f: [UInt8]) -> Bool {
    guard let setup = try? NetChecksumSetup.parse(f[...], frameLength: f.count) else { return false }
    // The pseudo-header sum plus the segment (with its checksum field).
    let s = NetChecksumSetup.sum(f.span.extracting(setup.csumStart...), initial: UInt32(setup.pseudoHeaderSum))
    return NetChecksumSetup.fold(s) == 0xffff
}
