// The host side of one vbd: the disk image file or block device, and the
// positional I/O on it. Data moves with preadv/pwritev directly between the
// image and granted guest pages; there is no bounce buffer. Every host call
// goes through BlkSyscalls.
//
// Linux blkback's counterpart is the bio layer (xen_vbd_create for opening
// and sizing; blkdev_issue_discard / REQ_PREFLUSH for discard and flush).
import Glibc

/// An open disk image: its size in 512-byte sectors and the I/O on it.
final class BlkImage: Sendable {
    enum Kind: Sendable { case file, blockDevice }

    let path: String
    let readOnly: Bool
    let kind: Kind
    /// Image size in bytes (a trailing partial sector is not addressable).
    let sizeBytes: UInt64
    /// Capacity in 512-byte sectors (the `sectors` node).
    let sectors: UInt64
    /// The host's preferred I/O size (`st_blksize`): the discard granularity.
    let blockSize: Int
    /// fallocate(PUNCH_HOLE | KEEP_SIZE) works here (probed for files past
    /// the end, where it changes nothing; assumed for block devices).
    let canPunchHoles: Bool
    let sys: BlkSyscalls
    private let fd: Int32

    /// Opens `path` (O_RDWR, or O_RDONLY when `readOnly`; close-on-exec)
    /// and sizes it.
    init(path: String, readOnly: Bool, sys: BlkSyscalls = BlkSyscalls()) throws(BlockBackendError) {
        let fd: Int32
        do {
            fd = try sys.open(path, flags: (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC)
        } catch {
            throw .open(path: path, readOnly: readOnly, errno: error.code)
        }
        let kind: Kind
        let size: Int64
        let blockSize: Int
        do {
            let st = try sys.fstat(fd)
            switch st.mode & UInt32(S_IFMT) {
            case UInt32(S_IFREG):
                kind = .file
                size = st.size
            case UInt32(S_IFBLK):
                kind = .blockDevice
                size = try sys.seekEnd(fd)
            default:
                sys.close(fd)
                throw BlockBackendError.notADisk(path: path)
            }
            blockSize = st.blockSize
        } catch let e as BlockBackendError {
            throw e
        } catch let e as HostErrno {
            sys.close(fd)
            throw .size(path: path, errno: e.code)
        } catch {
            sys.close(fd)
            throw .size(path: path, errno: EIO)
        }
        guard size >= Int64(Blkif.sectorSize) else {
            sys.close(fd)
            throw .empty(path: path, bytes: UInt64(max(size, 0)))
        }
        self.path = path
        self.readOnly = readOnly
        self.kind = kind
        self.sizeBytes = UInt64(size)
        self.sectors = UInt64(size) / UInt64(Blkif.sectorSize)
        // Discard extents: a power of two of at least one sector.
        let granularity = blockSize > 0 && blockSize & (blockSize - 1) == 0 ? blockSize : Blkif.sectorSize
        self.blockSize = max(granularity, Blkif.sectorSize)
        self.sys = sys
        self.fd = fd
        self.canPunchHoles = !readOnly && (kind == .blockDevice || Self.probePunchHole(
            sys: sys, fd: fd, at: (UInt64(size) + UInt64(self.blockSize)) & ~UInt64(self.blockSize - 1),
            length: UInt64(self.blockSize)))
    }

    deinit {
        sys.close(fd)
    }

    /// Punches a hole past the end of the file, which holds no data, to
    /// learn whether the file system supports it.
    private static func probePunchHole(sys: BlkSyscalls, fd: Int32, at offset: UInt64, length: UInt64) -> Bool {
        do {
            try sys.fallocate(fd, mode: BlkSyscalls.fallocPunchHole | BlkSyscalls.fallocKeepSize,
                              offset: Int64(offset), length: Int64(length))
            return true
        } catch {
            return false
        }
    }

    /// Fills the guest pages of `v` from the image starting at byte
    /// `offset`, all of them or an error (an end-of-file short read is EIO:
    /// the image shrank under us).
    func read(_ v: inout GuestIOVector, at offset: UInt64) throws(HostErrno) {
        try transfer(&v, at: offset, write: false)
    }

    /// Writes the guest pages of `v` to the image starting at byte
    /// `offset`, all or an error.
    func write(_ v: inout GuestIOVector, at offset: UInt64) throws(HostErrno) {
        try transfer(&v, at: offset, write: true)
    }

    /// Makes every completed write durable (fdatasync(2)).
    func flush() throws(HostErrno) {
        try sys.fdatasync(fd)
    }

    /// Deallocates `[offset, offset+length)`; it reads as zeros afterwards
    /// (fallocate(2) `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`).
    func punchHole(offset: UInt64, length: UInt64) throws(HostErrno) {
        try sys.fallocate(fd, mode: BlkSyscalls.fallocPunchHole | BlkSyscalls.fallocKeepSize,
                          offset: Int64(offset), length: Int64(length))
    }

    /// The preadv/pwritev loop: at most IOV_MAX iovecs per call, resuming
    /// after short transfers.
    private func transfer(_ v: inout GuestIOVector, at offset: UInt64, write: Bool) throws(HostErrno) {
        var position = Int64(offset)
        while v.remaining > 0 {
            // SAFETY: `withNext` hands out `count` iovecs of `v`, which
            // point into granted frames `v` keeps mapped during the call.
            let done = try unsafe v.withNext(BlkSyscalls.iovMax) { (iov, count) throws(HostErrno) -> Int in
                write ? try unsafe sys.pwritev(fd, iov, count: count, offset: position)
                      : try unsafe sys.preadv(fd, iov, count: count, offset: position)
            }
            guard done > 0 else { throw HostErrno(EIO) }
            position += Int64(done)
            v.consume(done)
        }
    }
}
