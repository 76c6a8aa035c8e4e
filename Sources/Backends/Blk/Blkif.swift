// Xen: public/io/blkif.h. The block ring's wire format for the x86_64 ABI
// ("x86_64-abi", XEN_IO_PROTO_ABI_X86_64): operations, statuses, the request
// variants and the response, with sizes and offsets checked against the
// header in BlkifLayoutTests.
//
// These mirror XenABI's style (one `Offset` enum per struct) but live in
// Backends because XenABI has no io/blkif.h yet; they move to
// XenABI/IO/Blkif.swift unchanged when it does. Parsing here is pure and safe:
// values are decoded from a private copy of the ring entry, never in place.
import XenABI

/// A request operation code (`blkif_request.operation`).
///
/// A struct, not an enum, so a guest's unknown value survives to be answered
/// with `BLKIF_RSP_EOPNOTSUPP`.
public struct BlkifOp: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Xen: `BLKIF_OP_READ`, public/io/blkif.h.
    public static let read = BlkifOp(rawValue: 0)
    /// Xen: `BLKIF_OP_WRITE`, public/io/blkif.h.
    public static let write = BlkifOp(rawValue: 1)
    /// Writes before it complete before it; writes after it wait for it.
    ///
    /// Xen: `BLKIF_OP_WRITE_BARRIER`, public/io/blkif.h.
    public static let writeBarrier = BlkifOp(rawValue: 2)
    /// Commit the backing store's volatile cache to stable storage.
    ///
    /// Xen: `BLKIF_OP_FLUSH_DISKCACHE`, public/io/blkif.h.
    public static let flushDiskcache = BlkifOp(rawValue: 3)
    /// Reserved (SLES device-specific packets); answered EOPNOTSUPP.
    ///
    /// Xen: `BLKIF_OP_RESERVED_1`, public/io/blkif.h.
    public static let reserved1 = BlkifOp(rawValue: 4)
    /// Xen: `BLKIF_OP_DISCARD`, public/io/blkif.h.
    public static let discard = BlkifOp(rawValue: 5)
    /// A read or write whose segments are in granted indirect pages.
    ///
    /// Xen: `BLKIF_OP_INDIRECT`, public/io/blkif.h.
    public static let indirect = BlkifOp(rawValue: 6)

    public var description: String {
        switch rawValue {
        case 0: return "BLKIF_OP_READ"
        case 1: return "BLKIF_OP_WRITE"
        case 2: return "BLKIF_OP_WRITE_BARRIER"
        case 3: return "BLKIF_OP_FLUSH_DISKCACHE"
        case 4: return "BLKIF_OP_RESERVED_1"
        case 5: return "BLKIF_OP_DISCARD"
        case 6: return "BLKIF_OP_INDIRECT"
        default: return "op \(rawValue)"
        }
    }
}

/// A response status (`blkif_response.status`).
public struct BlkifRsp: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Xen: `BLKIF_RSP_OKAY`, public/io/blkif.h.
    public static let okay = BlkifRsp(rawValue: 0)
    /// The operation failed (-EIO to the frontend).
    ///
    /// Xen: `BLKIF_RSP_ERROR`, public/io/blkif.h.
    public static let error = BlkifRsp(rawValue: -1)
    /// The operation is not supported.
    ///
    /// Xen: `BLKIF_RSP_EOPNOTSUPP`, public/io/blkif.h.
    public static let eopnotsupp = BlkifRsp(rawValue: -2)

    public var description: String {
        switch rawValue {
        case 0: return "BLKIF_RSP_OKAY"
        case -1: return "BLKIF_RSP_ERROR"
        case -2: return "BLKIF_RSP_EOPNOTSUPP"
        default: return "status \(rawValue)"
        }
    }
}

/// Bits of the backend's `info` xenstore node.
public struct Vdisk: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Xen: `VDISK_CDROM`, public/io/blkif.h.
    public static let cdrom = Vdisk(rawValue: 0x1)
    /// Xen: `VDISK_REMOVABLE`, public/io/blkif.h.
    public static let removable = Vdisk(rawValue: 0x2)
    /// Xen: `VDISK_READONLY`, public/io/blkif.h.
    public static let readonly = Vdisk(rawValue: 0x4)
}

/// Constants of public/io/blkif.h.
public enum Blkif {
    /// Segments a direct request carries.
    ///
    /// Xen: `BLKIF_MAX_SEGMENTS_PER_REQUEST`, public/io/blkif.h.
    public static let maxSegmentsPerRequest = 11

    /// Indirect pages one `BLKIF_OP_INDIRECT` request may name.
    ///
    /// Xen: `BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST`, public/io/blkif.h.
    public static let maxIndirectPagesPerRequest = 8

    /// Segment descriptors in one indirect page
    /// (`PAGE_SIZE / sizeof(struct blkif_request_segment)`).
    public static let segmentsPerIndirectFrame = 4096 / BlkifRequestSegment.size

    /// The discard request asks for the data to be made unrecoverable.
    ///
    /// Xen: `BLKIF_DISCARD_SECURE`, public/io/blkif.h.
    public static let discardSecure: UInt8 = 1 << 0

    /// Sector unit of every sector-based field (`sector_number`,
    /// `first_sect`, the `sectors` node) while the frontend has not set
    /// `feature-large-sector-size`.
    public static let sectorSize = 512

    /// Sectors in one 4 KiB page: `last_sect` must be below this.
    public static let sectorsPerPage = 4096 / sectorSize

    /// `sizeof(union blkif_sring_entry)` on x86_64: the request, which is
    /// larger than the response.
    public static let sringEntrySize = BlkifRequest.size

    /// Indirect pages needed for `segments` segments
    /// (`INDIRECT_PAGES(n)` in Linux's blkback/blkfront).
    public static func indirectPages(segments: Int) -> Int {
        (segments + segmentsPerIndirectFrame - 1) / segmentsPerIndirectFrame
    }
}

/// The ABI named by the frontend's `protocol` node.
///
/// Xen: `XEN_IO_PROTO_ABI_*`, public/io/protocols.h.
public enum BlkifProtocol: String, Sendable {
    /// Xen: `XEN_IO_PROTO_ABI_X86_64`, the native ABI of this backend.
    case x86_64 = "x86_64-abi"
    /// Xen: `XEN_IO_PROTO_ABI_X86_32` (32-bit PV guests; not supported).
    case x86_32 = "x86_32-abi"
}

/// One data segment: a granted page and the inclusive sector range in it.
///
/// Xen: `struct blkif_request_segment`, public/io/blkif.h.
public struct BlkifRequestSegment: Equatable, Sendable {
    /// Xen: `gref`.
    public var gref: GrantRef
    /// Xen: `first_sect`; first 512-byte sector in the page (inclusive).
    public var firstSect: UInt8
    /// Xen: `last_sect`; last 512-byte sector in the page (inclusive).
    public var lastSect: UInt8

    /// `sizeof(struct blkif_request_segment)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `gref`.
        public static let gref = 0
        /// Xen: `first_sect`.
        public static let firstSect = 4
        /// Xen: `last_sect`.
        public static let lastSect = 5
    }

    public init(gref: GrantRef, firstSect: UInt8, lastSect: UInt8) {
        self.gref = gref
        self.firstSect = firstSect
        self.lastSect = lastSect
    }

    /// Decodes the segment at `offset` of `bytes` (which must hold it).
    public init(decoding bytes: [UInt8], at offset: Int) {
        gref = GrantRef(rawValue: bytes.le(UInt32.self, at: offset + Offset.gref))
        firstSect = bytes[offset + Offset.firstSect]
        lastSect = bytes[offset + Offset.lastSect]
    }

    /// Encodes the segment (padding zero), as a frontend would.
    public func encode(into bytes: inout [UInt8], at offset: Int) {
        bytes.putLE(gref.rawValue, at: offset + Offset.gref)
        bytes[offset + Offset.firstSect] = firstSect
        bytes[offset + Offset.lastSect] = lastSect
    }

    /// True if `first_sect <= last_sect < sectors per page`, the check
    /// blkback applies before mapping anything.
    public var isValid: Bool {
        firstSect <= lastSect && Int(lastSect) < Blkif.sectorsPerPage
    }

    /// Sectors the segment covers (meaningful only when `isValid`).
    public var sectorCount: Int { Int(lastSect) - Int(firstSect) + 1 }
}

/// A read, write, barrier or flush request with direct segments.
///
/// Xen: `struct blkif_request`, public/io/blkif.h.
public struct BlkifRequest: Equatable, Sendable {
    /// Xen: `operation`.
    public var operation: BlkifOp
    /// Xen: `nr_segments`, as the guest wrote it (may exceed 11).
    public var nrSegments: UInt8
    /// Xen: `handle`.
    public var handle: UInt16
    /// Xen: `id`; echoed in the response.
    public var id: UInt64
    /// Xen: `sector_number`.
    public var sectorNumber: UInt64
    /// Xen: `seg`; the first `min(nr_segments, 11)` entries.
    public var seg: [BlkifRequestSegment]

    /// `sizeof(struct blkif_request)` on x86_64.
    public static let size = 112

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `operation`.
        public static let operation = 0
        /// Xen: `nr_segments`.
        public static let nrSegments = 1
        /// Xen: `handle`.
        public static let handle = 2
        /// Xen: `id`.
        public static let id = 8
        /// Xen: `sector_number`.
        public static let sectorNumber = 16
        /// Xen: `seg`.
        public static let seg = 24
    }

    public init(operation: BlkifOp, nrSegments: UInt8? = nil, handle: UInt16 = 0, id: UInt64,
                sectorNumber: UInt64, seg: [BlkifRequestSegment]) {
        self.operation = operation
        self.nrSegments = nrSegments ?? UInt8(truncatingIfNeeded: seg.count)
        self.handle = handle
        self.id = id
        self.sectorNumber = sectorNumber
        self.seg = seg
    }

    /// Decodes a copied ring entry (`BlkifRequest.size` bytes).
    public init(decoding e: [UInt8]) {
        operation = BlkifOp(rawValue: e[Offset.operation])
        nrSegments = e[Offset.nrSegments]
        handle = e.le(UInt16.self, at: Offset.handle)
        id = e.le(UInt64.self, at: Offset.id)
        sectorNumber = e.le(UInt64.self, at: Offset.sectorNumber)
        let n = min(Int(nrSegments), Blkif.maxSegmentsPerRequest)
        seg = (0..<n).map { BlkifRequestSegment(decoding: e, at: Offset.seg + $0 * BlkifRequestSegment.size) }
    }

    /// The 112-byte ring entry, as a frontend would write it.
    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: Self.size)
        e[Offset.operation] = operation.rawValue
        e[Offset.nrSegments] = nrSegments
        e.putLE(handle, at: Offset.handle)
        e.putLE(id, at: Offset.id)
        e.putLE(sectorNumber, at: Offset.sectorNumber)
        for (i, s) in seg.prefix(Blkif.maxSegmentsPerRequest).enumerated() {
            s.encode(into: &e, at: Offset.seg + i * BlkifRequestSegment.size)
        }
        return e
    }
}

/// A discard request.
///
/// Xen: `struct blkif_request_discard`, public/io/blkif.h.
public struct BlkifRequestDiscard: Equatable, Sendable {
    /// Xen: `flag`; `BLKIF_DISCARD_SECURE` or zero.
    public var flag: UInt8
    /// Xen: `handle`.
    public var handle: UInt16
    /// Xen: `id`.
    public var id: UInt64
    /// Xen: `sector_number`.
    public var sectorNumber: UInt64
    /// Xen: `nr_sectors`.
    public var nrSectors: UInt64

    /// `sizeof(struct blkif_request_discard)` on x86_64.
    public static let size = 32

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `operation`.
        public static let operation = 0
        /// Xen: `flag`.
        public static let flag = 1
        /// Xen: `handle`.
        public static let handle = 2
        /// Xen: `id`.
        public static let id = 8
        /// Xen: `sector_number`.
        public static let sectorNumber = 16
        /// Xen: `nr_sectors`.
        public static let nrSectors = 24
    }

    public init(flag: UInt8 = 0, handle: UInt16 = 0, id: UInt64, sectorNumber: UInt64, nrSectors: UInt64) {
        self.flag = flag
        self.handle = handle
        self.id = id
        self.sectorNumber = sectorNumber
        self.nrSectors = nrSectors
    }

    /// Decodes a copied ring entry.
    public init(decoding e: [UInt8]) {
        flag = e[Offset.flag]
        handle = e.le(UInt16.self, at: Offset.handle)
        id = e.le(UInt64.self, at: Offset.id)
        sectorNumber = e.le(UInt64.self, at: Offset.sectorNumber)
        nrSectors = e.le(UInt64.self, at: Offset.nrSectors)
    }

    /// The 112-byte ring entry, as a frontend would write it.
    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: BlkifRequest.size)
        e[Offset.operation] = BlkifOp.discard.rawValue
        e[Offset.flag] = flag
        e.putLE(handle, at: Offset.handle)
        e.putLE(id, at: Offset.id)
        e.putLE(sectorNumber, at: Offset.sectorNumber)
        e.putLE(nrSectors, at: Offset.nrSectors)
        return e
    }
}

/// A read or write whose segment descriptors sit in granted indirect pages.
///
/// Xen: `struct blkif_request_indirect`, public/io/blkif.h.
public struct BlkifRequestIndirect: Equatable, Sendable {
    /// Xen: `indirect_op`; must be READ or WRITE.
    public var indirectOp: BlkifOp
    /// Xen: `nr_segments`.
    public var nrSegments: UInt16
    /// Xen: `id`.
    public var id: UInt64
    /// Xen: `sector_number`.
    public var sectorNumber: UInt64
    /// Xen: `handle`.
    public var handle: UInt16
    /// Xen: `indirect_grefs`; the first `min(INDIRECT_PAGES(nr_segments), 8)`.
    public var indirectGrefs: [GrantRef]

    /// `sizeof(struct blkif_request_indirect)` on x86_64.
    public static let size = 64

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `operation`.
        public static let operation = 0
        /// Xen: `indirect_op`.
        public static let indirectOp = 1
        /// Xen: `nr_segments`.
        public static let nrSegments = 2
        /// Xen: `id`.
        public static let id = 8
        /// Xen: `sector_number`.
        public static let sectorNumber = 16
        /// Xen: `handle`.
        public static let handle = 24
        /// Xen: `indirect_grefs`.
        public static let indirectGrefs = 28
    }

    public init(indirectOp: BlkifOp, nrSegments: UInt16, id: UInt64, sectorNumber: UInt64,
                handle: UInt16 = 0, indirectGrefs: [GrantRef]) {
        self.indirectOp = indirectOp
        self.nrSegments = nrSegments
        self.id = id
        self.sectorNumber = sectorNumber
        self.handle = handle
        self.indirectGrefs = indirectGrefs
    }

    /// Decodes a copied ring entry.
    public init(decoding e: [UInt8]) {
        indirectOp = BlkifOp(rawValue: e[Offset.indirectOp])
        nrSegments = e.le(UInt16.self, at: Offset.nrSegments)
        id = e.le(UInt64.self, at: Offset.id)
        sectorNumber = e.le(UInt64.self, at: Offset.sectorNumber)
        handle = e.le(UInt16.self, at: Offset.handle)
        let n = min(Blkif.indirectPages(segments: Int(nrSegments)), Blkif.maxIndirectPagesPerRequest)
        indirectGrefs = (0..<n).map { GrantRef(rawValue: e.le(UInt32.self, at: Offset.indirectGrefs + $0 * 4)) }
    }

    /// The 112-byte ring entry, as a frontend would write it.
    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: BlkifRequest.size)
        e[Offset.operation] = BlkifOp.indirect.rawValue
        e[Offset.indirectOp] = indirectOp.rawValue
        e.putLE(nrSegments, at: Offset.nrSegments)
        e.putLE(id, at: Offset.id)
        e.putLE(sectorNumber, at: Offset.sectorNumber)
        e.putLE(handle, at: Offset.handle)
        for (i, g) in indirectGrefs.prefix(Blkif.maxIndirectPagesPerRequest).enumerated() {
            e.putLE(g.rawValue, at: Offset.indirectGrefs + i * 4)
        }
        return e
    }
}

/// A response: the request's id and operation, and a status.
///
/// Xen: `struct blkif_response`, public/io/blkif.h.
public struct BlkifResponse: Equatable, Sendable {
    /// Xen: `id`.
    public var id: UInt64
    /// Xen: `operation`.
    public var operation: BlkifOp
    /// Xen: `status`.
    public var status: BlkifRsp

    /// `sizeof(struct blkif_response)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `id`.
        public static let id = 0
        /// Xen: `operation`.
        public static let operation = 8
        /// Xen: `status`.
        public static let status = 10
    }

    public init(id: UInt64, operation: BlkifOp, status: BlkifRsp) {
        self.id = id
        self.operation = operation
        self.status = status
    }

    /// Decodes a response (as a frontend would).
    public init(decoding e: [UInt8]) {
        id = e.le(UInt64.self, at: Offset.id)
        operation = BlkifOp(rawValue: e[Offset.operation])
        status = BlkifRsp(rawValue: Int16(bitPattern: e.le(UInt16.self, at: Offset.status)))
    }

    /// The 16 bytes of the response; the padding byte at 9 is zero.
    public func encoded() -> [UInt8] {
        var e = [UInt8](repeating: 0, count: Self.size)
        e.putLE(id, at: Offset.id)
        e[Offset.operation] = operation.rawValue
        e.putLE(UInt16(bitPattern: status.rawValue), at: Offset.status)
        return e
    }
}

/// One request as copied off the ring, by variant. Parsing is total: any
/// 112 bytes decode to some case, and validation happens on this copy.
public enum BlkRequest: Equatable, Sendable {
    /// READ, WRITE, WRITE_BARRIER or FLUSH_DISKCACHE.
    case readWrite(BlkifRequest)
    /// DISCARD.
    case discard(BlkifRequestDiscard)
    /// INDIRECT.
    case indirect(BlkifRequestIndirect)
    /// Anything else: answered EOPNOTSUPP with the id and operation echoed.
    case other(operation: BlkifOp, id: UInt64)

    /// Decodes one ring entry (`Blkif.sringEntrySize` bytes).
    public init(entry e: [UInt8]) {
        precondition(e.count >= Blkif.sringEntrySize, "a ring entry is copied whole")
        let op = BlkifOp(rawValue: e[BlkifRequest.Offset.operation])
        switch op {
        case .read, .write, .writeBarrier, .flushDiskcache:
            self = .readWrite(BlkifRequest(decoding: e))
        case .discard:
            self = .discard(BlkifRequestDiscard(decoding: e))
        case .indirect:
            self = .indirect(BlkifRequestIndirect(decoding: e))
        default:
            // `id` is at offset 8 in every variant.
            self = .other(operation: op, id: e.le(UInt64.self, at: BlkifRequest.Offset.id))
        }
    }

    /// The guest's `id`, echoed in the response.
    public var id: UInt64 {
        switch self {
        case .readWrite(let r): return r.id
        case .discard(let r): return r.id
        case .indirect(let r): return r.id
        case .other(_, let id): return id
        }
    }
}

extension [UInt8] {
    /// Little-endian integer at `offset` (bounds-checked by the array).
    func le<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size {
            v |= T(truncatingIfNeeded: self[offset + i]) << (8 * i)
        }
        return v
    }

    /// Stores `value` little-endian at `offset` (bounds-checked by the array).
    mutating func putLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for i in 0..<MemoryLayout<T>.size {
            self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i))
        }
    }
}
