// The test plays the guest: a GuestMemory with RAM and a synthetic v1 grant
// table, pages it allocates and grants to domain 0, and the frontend half
// of a blkif ring (ring.h FRONT_RING macros, as Linux blkfront uses them).
// Plus a temporary disk image with helpers to read it back.
import Glibc
import GuestMemory
import Synchronization
import Testing
import XenABI
@testable import Backends

/// A guest with `ramPages` of RAM and a grant table of `tableFrames` frames.
final class Frontend {
    static let tableBase: UInt64 = 0x4000_0000
    let memory: GuestMemory
    let ramPages: UInt64
    let grants: GrantAccess
    /// Frames the guest has "set up" (GrantAccess reads it per map).
    let setupFrames: FrameCount
    private var nextFrame: UInt64 = 1
    private var nextRef: UInt32 = Gnttab.nrReservedEntries
    /// Frames handed out (ring, data, indirect pages).
    private(set) var allocated: [UInt64] = []

    init(ramPages: UInt64 = 1024, tableFrames: UInt32 = 4) throws {
        self.ramPages = ramPages
        memory = try GuestMemory(layout: [
            (name: "ram", base: 0, size: ramPages * 4096),
            (name: "gnttab", base: Self.tableBase, size: UInt64(tableFrames) * 4096),
        ])
        let frames = FrameCount(tableFrames)
        setupFrames = frames
        grants = GrantAccess(memory: memory, tableBase: Self.tableBase, ramPages: ramPages,
                             maxFrames: tableFrames, nrFrames: { frames.value.load(ordering: .relaxed) })
    }

    /// A fresh page of RAM, filled with `fill`.
    func allocPage(fill: UInt8 = 0) throws -> UInt64 {
        let f = nextFrame
        nextFrame += 1
        precondition(f < ramPages, "test guest out of RAM")
        try memory.write([UInt8](repeating: fill, count: 4096), at: f << 12)
        allocated.append(f)
        return f
    }

    /// Writes a grant entry for `frame` and returns its reference.
    func grant(_ frame: UInt64, readonly: Bool = false, domid: UInt16 = 0,
               flags: UInt16? = nil, ref: GrantRef? = nil) throws -> GrantRef {
        let r = ref ?? GrantRef(rawValue: nextRef)
        if ref == nil { nextRef += 1 }
        let f = flags ?? (GTF.permitAccess.rawValue | (readonly ? GTF.readonly.rawValue : 0))
        try setEntry(r, flags: f, domid: domid, frame: UInt32(truncatingIfNeeded: frame))
        return r
    }

    func setEntry(_ ref: GrantRef, flags: UInt16, domid: UInt16, frame: UInt32) throws {
        let raw = UInt64(flags) | UInt64(domid) << 16 | UInt64(frame) << 32
        try memory.store(raw, at: Self.tableBase + UInt64(ref.rawValue) * 8)
    }

    func entry(_ ref: GrantRef) throws -> (flags: UInt16, domid: UInt16, frame: UInt32) {
        let raw = try memory.load(UInt64.self, at: Self.tableBase + UInt64(ref.rawValue) * 8)
        return (UInt16(truncatingIfNeeded: raw), UInt16(truncatingIfNeeded: raw >> 16), UInt32(raw >> 32))
    }

    /// A page granted to the backend, filled with `fill`.
    func grantedPage(fill: UInt8 = 0, readonly: Bool = false) throws -> (frame: UInt64, ref: GrantRef) {
        let f = try allocPage(fill: fill)
        return (f, try grant(f, readonly: readonly))
    }

    func page(_ frame: UInt64) throws -> [UInt8] {
        try memory.read(at: frame << 12, count: 4096)
    }

    /// All of RAM, with the `excluding` frames zeroed (they may change).
    func ramSnapshot(excluding: Set<UInt64> = []) throws -> Snapshot {
        var bytes = try memory.read(at: 0, count: Int(ramPages) * 4096)
        for f in excluding where f < ramPages {
            let lo = Int(f) * 4096
            bytes.replaceSubrange(lo ..< lo + 4096, with: repeatElement(0, count: 4096))
        }
        return Snapshot(bytes: bytes)
    }
}

/// Bytes compared with memcmp (fast in debug builds).
struct Snapshot: Equatable {
    let bytes: [UInt8]
    static func == (a: Snapshot, b: Snapshot) -> Bool {
        a.bytes.count == b.bytes.count && a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }
}

/// The guest's current grant-table size (GNTTABOP_setup_table's result).
final class FrameCount: Sendable {
    let value: Atomic<UInt32>
    init(_ n: UInt32) { value = Atomic(n) }
}

/// The frontend half of one blkif ring on `1 << order` granted pages.
final class FrontRing {
    let fe: Frontend
    let frames: [UInt64]
    let refs: [GrantRef]
    let size: UInt32
    var reqProdPvt: UInt32
    var rspCons: UInt32

    /// SHARED_RING_INIT + FRONT_RING_INIT, with every index starting at
    /// `start` (to test wrap-around) and the events at `start + 1`.
    init(_ fe: Frontend, order: Int = 0, start: UInt32 = 0) throws {
        self.fe = fe
        var frames: [UInt64] = []
        var refs: [GrantRef] = []
        for _ in 0..<(1 << order) {
            let p = try fe.grantedPage()
            frames.append(p.frame)
            refs.append(p.ref)
        }
        self.frames = frames
        self.refs = refs
        size = Sring.ringSize(pages: frames.count, entrySize: Blkif.sringEntrySize)
        reqProdPvt = start
        rspCons = start
        try header(Sring.Offset.reqProd, start)
        try header(Sring.Offset.rspProd, start)
        try header(Sring.Offset.reqEvent, start &+ 1)
        try header(Sring.Offset.rspEvent, start &+ 1)
    }

    func header(_ offset: Int, _ value: UInt32) throws {
        try fe.memory.storeRelease32(value, at: (frames[0] << 12) + UInt64(offset))
    }

    func header(_ offset: Int) throws -> UInt32 {
        try fe.memory.loadAcquire32(at: (frames[0] << 12) + UInt64(offset))
    }

    private func ringBytes(at index: UInt32, count: Int, write: [UInt8]? = nil) throws -> [UInt8] {
        var offset = Sring.Offset.ring + Int(index & (size - 1)) * Blkif.sringEntrySize
        var out: [UInt8] = []
        var done = 0
        while done < count {
            let page = offset / 4096
            let inPage = offset % 4096
            let n = min(count - done, 4096 - inPage)
            let addr = (frames[page] << 12) + UInt64(inPage)
            if let write {
                try fe.memory.write(write[done ..< done + n], at: addr)
            } else {
                out += try fe.memory.read(at: addr, count: n)
            }
            offset += n
            done += n
        }
        return out
    }

    /// Queues one request (not yet visible: see `publish`).
    func push(_ entry: [UInt8]) throws {
        precondition(entry.count == Blkif.sringEntrySize)
        _ = try ringBytes(at: reqProdPvt, count: entry.count, write: entry)
        reqProdPvt &+= 1
    }

    /// RING_PUSH_REQUESTS.
    func publish() throws {
        try header(Sring.Offset.reqProd, reqProdPvt)
    }

    /// Every response produced since the last call; re-arms rsp_event for
    /// the next one (RING_FINAL_CHECK_FOR_RESPONSES).
    func responses() throws -> [BlkifResponse] {
        let prod = try header(Sring.Offset.rspProd)
        var out: [BlkifResponse] = []
        while rspCons != prod {
            out.append(BlkifResponse(decoding: try ringBytes(at: rspCons, count: BlkifResponse.size)))
            rspCons &+= 1
        }
        try header(Sring.Offset.rspEvent, rspCons &+ 1)
        return out
    }
}

/// A temporary disk image of `sectors` sectors, filled with `Image.pattern`.
final class Image {
    let path: String

    init(sectors: Int, fill: Bool = true, mode: mode_t = 0o600) throws {
        var template = Array("/tmp/xenolith-blk-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw HostErrno(errno) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd) }
        fchmod(fd, mode)
        if fill {
            var bytes = [UInt8](repeating: 0, count: sectors * 512)
            for i in bytes.indices { bytes[i] = Image.pattern(i) }
            try Image.pwriteAll(fd, bytes, at: 0)
        } else {
            guard ftruncate(fd, off_t(sectors * 512)) == 0 else { throw HostErrno(errno) }
        }
    }

    deinit { unlink(path) }

    /// The initial content of byte `offset`: depends on the sector and the
    /// position in it, so misplaced sectors show.
    static func pattern(_ offset: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (offset / 512) &* 7 &+ offset &+ 0x5a)
    }

    static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int) throws {
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n == bytes.count else { throw HostErrno(errno) }
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw HostErrno(errno) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n == count else { throw HostErrno(errno) }
        return out
    }

    func write(_ bytes: [UInt8], at offset: Int) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw HostErrno(errno) }
        defer { close(fd) }
        try Image.pwriteAll(fd, bytes, at: offset)
    }

    var size: Int {
        var st = stat()
        stat(path, &st)
        return Int(st.st_size)
    }

    /// 512-byte blocks allocated to the file.
    var allocatedBlocks: Int {
        var st = stat()
        stat(path, &st)
        return Int(st.st_blocks)
    }

    /// lseek(SEEK_HOLE) from `offset`: where the next hole starts.
    func nextHole(from offset: Int) -> Int {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        return Int(lseek(fd, off_t(offset), 4 /* SEEK_HOLE, linux/fs.h */))
    }

    /// The whole file.
    func snapshot() throws -> Snapshot {
        Snapshot(bytes: try read(at: 0, count: size))
    }
}

/// A backend over an Image, attached to a FrontRing of a Frontend.
final class Harness {
    let fe: Frontend
    let image: Image
    let backend: BlockBackend
    let ring: FrontRing

    init(sectors: Int = 2048, readOnly: Bool = false, order: Int = 0, start: UInt32 = 0,
         options: BlockBackend.Options = BlockBackend.Options(), ramPages: UInt64 = 1024) throws {
        fe = try Frontend(ramPages: ramPages)
        image = try Image(sectors: sectors)
        backend = try BlockBackend(path: image.path, readOnly: readOnly, options: options)
        ring = try FrontRing(fe, order: order, start: start)
        try backend.attach(grants: fe.grants, ringRefs: [ring.refs], ringPageOrder: order)
    }

    /// Pushes `entries`, publishes, processes, and returns the responses.
    @discardableResult
    func run(_ entries: [[UInt8]]) throws -> (responses: [BlkifResponse], result: BlockBackend.ProcessResult) {
        for e in entries { try ring.push(e) }
        try ring.publish()
        let result = backend.process()
        return (try ring.responses(), result)
    }

    /// One request, one response.
    func one(_ entry: [UInt8]) throws -> BlkifResponse {
        let (rs, _) = try run([entry])
        try #require(rs.count == 1)
        return rs[0]
    }

    var sys: BlkSyscalls { backend.image.sys }
}

/// Deterministic randomness for the hostile-input sweep (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
