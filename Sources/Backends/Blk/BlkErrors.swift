// The block backend's errors, one type per operation (STYLE.md §4):
// opening the image (host side, shown to the user), attaching to the rings
// (the frontend's xenstore parameters; the xenbus layer reports it as
// xenbus_dev_fatal would), a ring that stopped (frontend protocol
// violation), and why a single request was refused (answered on the ring).
import Glibc
import XenABI

/// `BlockBackend.init` failed: the disk image cannot serve as a vbd.
public enum BlockBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// open(2) failed.
    case open(path: String, readOnly: Bool, errno: Int32)
    /// The path is neither a regular file nor a block device.
    case notADisk(path: String)
    /// fstat(2) or lseek(2) could not tell the size.
    case size(path: String, errno: Int32)
    /// Smaller than one 512-byte sector.
    case empty(path: String, bytes: UInt64)

    public var description: String {
        switch self {
        case .open(let p, let ro, let e):
            let hint = e == EACCES || e == EROFS || e == EPERM
                ? (ro ? "; check the file's permissions" : "; check its permissions or attach it read-only (mode 'r')")
                : e == ENOENT ? "; check the path in the disk spec" : ""
            return "disk image '\(p)': cannot open \(ro ? "read-only" : "read-write"): \(HostErrno(e))\(hint)"
        case .notADisk(let p):
            return "disk image '\(p)': not a regular file or block device"
        case .size(let p, let e):
            return "disk image '\(p)': cannot determine its size: \(HostErrno(e))"
        case .empty(let p, let n):
            return "disk image '\(p)': \(n) bytes is smaller than one 512-byte sector"
        }
    }
}

/// `BlockBackend.attach` (or `BlkifRing.init`) refused the frontend's
/// transport parameters. Linux blkback fails `connect_ring` for the same.
public indirect enum BlkAttachError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `protocol` node names an ABI we do not serve (x86_32-abi, or
    /// unknown).
    case protocolUnsupported(String)
    /// `multi-queue-num-queues` is 0 or above `multi-queue-max-queues`.
    case queueCount(requested: Int, max: Int)
    /// `ring-page-order` is above `max-ring-page-order`.
    case ringPageOrder(requested: Int, max: Int)
    /// A queue has the wrong number of ring references for the order.
    case ringRefCount(queue: Int, expected: Int, got: Int)
    /// Already attached; detach first (xenbus reconnect).
    case alreadyAttached
    /// A ring page's grant is unusable.
    case ringGrant(page: Int, GrantError)
    /// The ring header cannot be read (unreachable for RAM pages).
    case ringUnreadable
    /// The ring's indices are inconsistent at attach
    /// (`req_prod - rsp_prod > size`, Linux `xen_blkif_map`).
    case ringIndices(reqProd: UInt32, rspProd: UInt32, size: UInt32)
    /// The error concerns queue `n` (`queue-n/` in xenstore).
    case queue(Int, BlkAttachError)

    public var description: String {
        switch self {
        case .protocolUnsupported(let p): return "unsupported frontend protocol '\(p)' (only x86_64-abi)"
        case .queueCount(let n, let max): return "frontend requested \(n) queues (1...\(max) allowed)"
        case .ringPageOrder(let o, let max): return "frontend ring-page-order \(o) exceeds max-ring-page-order \(max)"
        case .ringRefCount(let q, let e, let g): return "queue \(q): \(g) ring references for \(e) ring pages"
        case .alreadyAttached: return "already connected to a ring"
        case .ringGrant(let page, let e): return "ring page \(page): \(e)"
        case .ringUnreadable: return "ring header unreadable"
        case .ringIndices(let p, let r, let s): return "bogus ring indices at attach: req_prod \(p) - rsp_prod \(r) > ring size \(s)"
        case .queue(let q, let e): return "queue \(q): \(e)"
        }
    }
}

/// Why a ring stopped. Once stopped it stays stopped until detached; the
/// xenbus layer reports it (blkback only halts the ring and waits for a
/// disconnect; the VMM's BlockDevices also closes the device, as
/// `xenbus_dev_fatal` would).
public enum BlkifRingFault: Error, Equatable, Sendable, CustomStringConvertible {
    /// `req_prod - req_cons > ring size`
    /// (Xen: `RING_REQUEST_PROD_OVERFLOW`, public/io/ring.h).
    case producerOverflow(reqProd: UInt32, reqCons: UInt32, size: UInt32)
    /// `req_cons - rsp_prod_pvt >= ring size` (Xen:
    /// `RING_REQUEST_CONS_OVERFLOW`); unreachable with in-order responses.
    case consumerOverflow(reqCons: UInt32, rspProdPvt: UInt32)
    /// A ring page could not be accessed (unreachable for RAM pages).
    case memory
    /// The ring was detached.
    case detached

    public var description: String {
        switch self {
        case .producerOverflow(let p, let c, let s):
            return "frontend provided bogus ring requests (req_prod \(p) - req_cons \(c) = \(p &- c) > \(s)); ring halted"
        case .consumerOverflow(let c, let r):
            return "ring consumer overflow (req_cons \(c), rsp_prod_pvt \(r)); ring halted"
        case .memory: return "ring page not accessible; ring halted"
        case .detached: return "ring detached"
        }
    }

    /// A short key naming the kind of fault, for log-once.
    var kind: String {
        switch self {
        case .producerOverflow: return "producer-overflow"
        case .consumerOverflow: return "consumer-overflow"
        case .memory: return "memory"
        case .detached: return "detached"
        }
    }
}

/// Why one request was answered with an error status. Guest-caused, so it
/// is logged once per kind and counted, never fatal.
public enum BlkRequestFault: Error, Equatable, Sendable, CustomStringConvertible {
    /// `nr_segments` is 0 for a read/write, above 11 for a direct request,
    /// or above `feature-max-indirect-segments` for an indirect one.
    case badSegmentCount(op: BlkifOp, count: Int)
    /// `indirect_op` is not READ or WRITE.
    case badIndirectOp(BlkifOp)
    /// A segment has `first_sect > last_sect` or `last_sect > 7`.
    case badSegment(index: Int, firstSect: UInt8, lastSect: UInt8)
    /// The sectors run past the end of the disk (or overflow).
    case beyondEnd(sector: UInt64, count: UInt64, capacity: UInt64)
    /// A write, flush or discard on a read-only disk.
    case readOnlyDevice(BlkifOp)
    /// A data or indirect page grant is unusable.
    case grant(GrantError)
    /// The host I/O failed.
    case io(BlkifOp, errno: Int32)
    /// An operation this backend does not implement.
    case unsupportedOperation(BlkifOp)
    /// `BLKIF_DISCARD_SECURE` without `discard-secure`.
    case secureDiscardUnsupported
    /// Discard is off (`discard-enable` 0) or the file system cannot punch holes.
    case discardUnsupported(errno: Int32)
    /// The host says the flush is not supported (EINVAL from fdatasync).
    case flushUnsupported(errno: Int32)

    /// The status blkback answers with.
    public var status: BlkifRsp {
        switch self {
        case .unsupportedOperation, .secureDiscardUnsupported, .discardUnsupported, .flushUnsupported:
            return .eopnotsupp
        default:
            return .error
        }
    }

    /// A short key naming the kind of fault, for log-once.
    var kind: String {
        switch self {
        case .badSegmentCount: return "segment-count"
        case .badIndirectOp: return "indirect-op"
        case .badSegment: return "segment"
        case .beyondEnd: return "beyond-end"
        case .readOnlyDevice: return "read-only"
        case .grant: return "grant"
        case .io: return "io"
        case .unsupportedOperation(let op): return "op-\(op.rawValue)"
        case .secureDiscardUnsupported: return "secure-discard"
        case .discardUnsupported: return "discard"
        case .flushUnsupported: return "flush"
        }
    }

    public var description: String {
        switch self {
        case .badSegmentCount(let op, let n): return "\(op): bad number of segments (\(n))"
        case .badIndirectOp(let op): return "BLKIF_OP_INDIRECT: invalid indirect operation \(op)"
        case .badSegment(let i, let f, let l): return "segment \(i): first_sect \(f), last_sect \(l) (need first <= last <= 7)"
        case .beyondEnd(let s, let n, let c): return "sectors \(s)+\(n) beyond the end of the disk (\(c) sectors)"
        case .readOnlyDevice(let op): return "\(op) on a read-only disk"
        case .grant(let e): return "\(e)"
        case .io(let op, let e): return "\(op): host I/O failed: \(HostErrno(e))"
        case .unsupportedOperation(let op): return "\(op) not supported"
        case .secureDiscardUnsupported: return "BLKIF_OP_DISCARD with BLKIF_DISCARD_SECURE not supported (discard-secure is 0)"
        case .discardUnsupported(let e): return "BLKIF_OP_DISCARD not supported by the image: \(HostErrno(e))"
        case .flushUnsupported(let e): return "flush not supported by the image: \(HostErrno(e))"
        }
    }
}
