// One request, from its private copy to its response: the checks and the
// host I/O of Linux blkback's dispatch_rw_block_io, xen_blkbk_parse_indirect,
// dispatch_discard_io and dispatch_other_io
// (drivers/block/xen-blkback/blkback.c), done synchronously.
//
// Order per request: parse the copy; check the segment count; read the
// indirect descriptors (pinned read-only, copied, unpinned); check every
// segment (first_sect <= last_sect <= 7) and the sector range against the
// capacity; refuse anything but reads on a read-only disk; pin every data
// grant (writable for reads into the guest), all or none; only then touch
// the image; unpin; answer. A grant that fails any check therefore costs no
// I/O, and the grants are released before the frontend sees the response
// (blkback's xen_blkbk_unmap_and_respond), so its end_foreign_access works.
import Glibc
import GuestMemory
import Logging
import XenABI

extension BlockBackend {
    /// Answers one request entry (`Blkif.sringEntrySize` bytes).
    func dispatch(_ entry: [UInt8], grants: GrantAccess) -> BlkifResponse {
        let request = BlkRequest(entry: entry)
        let responseOp = Self.responseOperation(request)
        let fault: BlkRequestFault?
        do throws(BlkRequestFault) {
            switch request {
            case .readWrite(let r):
                try readWrite(op: r.operation, sector: r.sectorNumber, count: Int(r.nrSegments),
                              segments: .direct(r.seg), grants: grants)
            case .indirect(let r):
                guard r.indirectOp == .read || r.indirectOp == .write else {
                    throw BlkRequestFault.badIndirectOp(r.indirectOp)
                }
                metrics.update { $0.indirectReq += 1 }
                try readWrite(op: r.indirectOp, sector: r.sectorNumber, count: Int(r.nrSegments),
                              segments: .indirect(r.indirectGrefs), grants: grants)
            case .discard(let r):
                try discard(r)
            case .other(let op, _):
                throw BlkRequestFault.unsupportedOperation(op)
            }
            fault = nil
        } catch {
            fault = error
        }
        guard let fault else {
            return BlkifResponse(id: request.id, operation: responseOp, status: .okay)
        }
        let status = fault.status
        metrics.update { status == .eopnotsupp ? ($0.unsupported += 1) : ($0.errors += 1) }
        metrics.logOnce(logger, key: fault.kind, "request id \(request.id): \(fault) -> \(status)")
        return BlkifResponse(id: request.id, operation: responseOp, status: status)
    }

    /// The operation a response echoes: the request's, except the inner one
    /// for BLKIF_OP_INDIRECT (blkback's `req_operation`).
    static func responseOperation(_ request: BlkRequest) -> BlkifOp {
        switch request {
        case .readWrite(let r): return r.operation
        case .indirect(let r): return r.indirectOp
        case .discard: return .discard
        case .other(let op, _): return op
        }
    }

    enum SegmentSource {
        case direct([BlkifRequestSegment])
        case indirect([GrantRef])
    }

    // MARK: - Read, write, flush, barrier

    /// READ, WRITE, FLUSH_DISKCACHE, WRITE_BARRIER (direct or indirect).
    /// Flush and barrier: fdatasync (every earlier write is complete, as
    /// requests finish before they are answered), then write the segments
    /// if any, then fdatasync again so that data is durable too.
    private func readWrite(op: BlkifOp, sector: UInt64, count: Int, segments source: SegmentSource,
                           grants: GrantAccess) throws(BlkRequestFault) {
        let isFlush = op == .flushDiskcache || op == .writeBarrier
        let maxCount: Int
        switch source {
        case .direct: maxCount = Blkif.maxSegmentsPerRequest
        case .indirect: maxCount = options.maxIndirectSegments
        }
        guard count <= maxCount, count > 0 || isFlush else {
            throw .badSegmentCount(op: op, count: count)
        }
        let segments: [BlkifRequestSegment]
        switch source {
        case .direct(let s): segments = s
        case .indirect(let grefs): segments = try indirectSegments(grefs, count: count, grants: grants)
        }
        var nsec: UInt64 = 0
        for (i, s) in segments.enumerated() {
            guard s.isValid else { throw .badSegment(index: i, firstSect: s.firstSect, lastSect: s.lastSect) }
            nsec += UInt64(s.sectorCount)
        }
        if nsec > 0 {
            guard sector <= sectors, nsec <= sectors - sector else {
                throw .beyondEnd(sector: sector, count: nsec, capacity: sectors)
            }
        }
        guard op == .read || !readOnly else { throw .readOnlyDevice(op) }

        let intoGuest = op == .read
        let mappings: [GrantMapping]
        do {
            mappings = try grants.mapAll(segments.map { (ref: $0.gref, writable: intoGuest) })
        } catch {
            throw .grant(error)
        }
        defer { grants.unmapAll(mappings) }

        if isFlush {
            metrics.update { $0.fReq += 1 }
            try flush(op)
        }
        if !segments.isEmpty {
            var vector = GuestIOVector(segments: segments, mappings: mappings)
            let offset = sector * UInt64(Blkif.sectorSize)
            do {
                if intoGuest {
                    try image.read(&vector, at: offset)
                } else {
                    try image.write(&vector, at: offset)
                }
            } catch {
                throw .io(op, errno: error.code)
            }
            metrics.update {
                if intoGuest {
                    $0.rdReq += 1
                    $0.rdSect += nsec
                } else {
                    if !isFlush { $0.wrReq += 1 }
                    $0.wrSect += nsec
                }
            }
            if isFlush { try flush(op) }
        }
    }

    private func flush(_ op: BlkifOp) throws(BlkRequestFault) {
        do {
            try image.flush()
        } catch {
            // fdatasync's EINVAL/EROFS: "fd is bound to a file which does not
            // support synchronization" — blkback's BLK_STS_NOTSUPP.
            if error.code == EINVAL || error.code == EROFS || error.code == EOPNOTSUPP {
                throw .flushUnsupported(errno: error.code)
            }
            throw .io(op, errno: error.code)
        }
    }

    /// Copies `count` segment descriptors out of the indirect pages (pinned
    /// read-only for the copy only).
    ///
    /// Linux: `xen_blkbk_parse_indirect`.
    private func indirectSegments(_ grefs: [GrantRef], count: Int,
                                  grants: GrantAccess) throws(BlkRequestFault) -> [BlkifRequestSegment] {
        let pages = Blkif.indirectPages(segments: count)
        precondition(pages <= grefs.count, "parsing keeps INDIRECT_PAGES(nr_segments) grefs, and count is bounded")
        let mappings: [GrantMapping]
        do {
            mappings = try grants.mapAll(grefs.prefix(pages).map { (ref: $0, writable: false) })
        } catch {
            throw .grant(error)
        }
        defer { grants.unmapAll(mappings) }
        var segments: [BlkifRequestSegment] = []
        segments.reserveCapacity(count)
        for (p, m) in mappings.enumerated() {
            let n = min(Blkif.segmentsPerIndirectFrame, count - p * Blkif.segmentsPerIndirectFrame)
            let bytes: [UInt8]
            do {
                bytes = try grants.memory.read(at: m.machineAddress, count: n * BlkifRequestSegment.size)
            } catch {
                throw .grant(.frameNotRAM(m.ref, frame: m.frame))
            }
            for i in 0..<n {
                segments.append(BlkifRequestSegment(decoding: bytes, at: i * BlkifRequestSegment.size))
            }
        }
        return segments
    }

    // MARK: - Discard

    /// DISCARD: punch a hole over the sectors. blkback checks the range and
    /// the read-only mode first (`xen_vbd_translate`), as here. It would
    /// quietly do a plain discard for BLKIF_DISCARD_SECURE without
    /// `discard-secure`; we answer EOPNOTSUPP instead, since a punched hole
    /// is not a secure erase and we never advertise `discard-secure`.
    private func discard(_ r: BlkifRequestDiscard) throws(BlkRequestFault) {
        if r.nrSectors > 0 {
            guard r.sectorNumber <= sectors, r.nrSectors <= sectors - r.sectorNumber else {
                throw .beyondEnd(sector: r.sectorNumber, count: r.nrSectors, capacity: sectors)
            }
        }
        guard !readOnly else { throw .readOnlyDevice(.discard) }
        metrics.update { $0.dsReq += 1 }
        guard r.flag & Blkif.discardSecure == 0 else { throw .secureDiscardUnsupported }
        guard discardEnabled else { throw .discardUnsupported(errno: EOPNOTSUPP) }
        guard r.nrSectors > 0 else { return }
        let sectorSize = UInt64(Blkif.sectorSize)
        do {
            try image.punchHole(offset: r.sectorNumber * sectorSize, length: r.nrSectors * sectorSize)
        } catch {
            if error.code == EOPNOTSUPP || error.code == ENOSYS {
                throw .discardUnsupported(errno: error.code)
            }
            throw .io(.discard, errno: error.code)
        }
    }
}
