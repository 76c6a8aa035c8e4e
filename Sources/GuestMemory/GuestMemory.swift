// GuestMemory: the machine memory of one domain, as the host sees it.
//
// A domain's machine address space (Xen's "machine frames"; in Xenolith the
// KVM guest-physical frames, DESIGN.md decision 5) is made of regions, each
// backed by its own memfd mapped once into this process: guest RAM at 0 and
// the hypervisor region (shim, shared_info, M2P, ...) high above it.
// Every access is bounds-checked against the regions and performed with
// unaligned loads/stores; nothing here trusts an address. Errors are Xen
// errnos (`EFAULT`) because every caller is on a guest-facing path.
//
// Concurrency: the mapping never moves while the object lives; concurrent
// access to the same bytes by several vCPU threads is the guest's business,
// exactly as on hardware. Atomic accessors exist for words the guest shares
// with us (event bitmaps, ring indices). XenconsRing.swift is the one ring
// protocol kept here: the console page, served by both Platform (console 0)
// and Backends (secondary consoles).
import Atomics
import CHostSys
import Glibc
import XenABI

/// One contiguous, memfd-backed range of machine memory.
public struct MemoryRegion: Sendable {
    public let name: String
    public let base: UInt64
    public let size: UInt64
    /// SAFETY: `host` stays mapped (size bytes) until the owning GuestMemory deinit.
    public nonisolated(unsafe) let host: UnsafeMutableRawPointer
    public let fd: Int32

    public var end: UInt64 { base + size }
}

public struct GuestMemoryError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Bounds-checked machine memory of one domain. Owns the mappings.
public final class GuestMemory: @unchecked Sendable {
    // @unchecked: `regions` is immutable after init; the bytes behind it are
    // shared with the guest by design.
    public let regions: [MemoryRegion]

    /// Creates one memfd-backed region per (name, base, size), page-aligned.
    public init(layout: [(name: String, base: UInt64, size: UInt64)]) throws(GuestMemoryError) {
        var made: [MemoryRegion] = []
        for r in layout {
            precondition(r.base & 0xfff == 0 && r.size & 0xfff == 0 && r.size > 0)
            let fd = chostsys_memfd_create("xenolith-\(r.name)")
            guard fd >= 0 else {
                Self.release(made)
                throw GuestMemoryError(description: "memfd_create for \(r.name): \(String(cString: strerror(errno)))")
            }
            guard ftruncate(fd, off_t(r.size)) == 0 else {
                let e = errno
                close(fd)
                Self.release(made)
                throw GuestMemoryError(description: "cannot allocate \(r.size >> 20) MiB for \(r.name): \(String(cString: strerror(e)))")
            }
            let p = mmap(nil, Int(r.size), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0)
            guard let p, p != MAP_FAILED else {
                let e = errno
                close(fd)
                Self.release(made)
                throw GuestMemoryError(description: "mmap of \(r.name): \(String(cString: strerror(e)))")
            }
            made.append(MemoryRegion(name: r.name, base: r.base, size: r.size, host: p, fd: fd))
        }
        regions = made
    }

    private static func release(_ regions: [MemoryRegion]) {
        for r in regions {
            munmap(r.host, Int(r.size))
            close(r.fd)
        }
    }

    deinit { Self.release(regions) }

    /// The host pointer for `[addr, addr+length)` if it lies inside one region.
    @inline(__always)
    public func pointer(_ addr: UInt64, _ length: Int) -> UnsafeMutableRawPointer? {
        for r in regions where addr >= r.base {
            let off = addr &- r.base
            if off < r.size, UInt64(length) <= r.size &- off {
                return r.host + Int(off)
            }
        }
        return nil
    }

    /// True if the machine frame exists in some region.
    public func isValidFrame(_ mfn: UInt64) -> Bool {
        mfn < (1 << 40) && pointer(mfn << 12, 4096) != nil
    }

    public func load<T: FixedWidthInteger>(_: T.Type, at addr: UInt64) throws(XenErrno) -> T {
        guard let p = pointer(addr, MemoryLayout<T>.size) else { throw .EFAULT }
        return T(littleEndian: p.loadUnaligned(as: T.self))
    }

    public func store<T: FixedWidthInteger>(_ value: T, at addr: UInt64) throws(XenErrno) {
        guard let p = pointer(addr, MemoryLayout<T>.size) else { throw .EFAULT }
        p.storeBytes(of: value.littleEndian, as: T.self)
    }

    public func read(at addr: UInt64, count: Int) throws(XenErrno) -> [UInt8] {
        guard count >= 0, let p = pointer(addr, count) else { throw .EFAULT }
        return Array(UnsafeRawBufferPointer(start: p, count: count))
    }

    public func write(_ bytes: some Collection<UInt8>, at addr: UInt64) throws(XenErrno) {
        guard let p = pointer(addr, bytes.count) else { throw .EFAULT }
        var i = 0
        for b in bytes {
            p.storeBytes(of: b, toByteOffset: i, as: UInt8.self)
            i += 1
        }
    }

    public func zero(at addr: UInt64, count: Int) throws(XenErrno) {
        guard let p = pointer(addr, count) else { throw .EFAULT }
        memset(p, 0, count)
    }

    /// Gives the memory behind the page-aligned range `[addr, addr+count)`
    /// back to the host, leaving it reading as zeros: the range becomes a
    /// hole in the region's memfd, so the process RSS falls, and a later
    /// access (by the host or, through KVM, the guest) gets fresh zeroed
    /// pages. `madvise(MADV_REMOVE)` on our shared mapping is the same as
    /// `fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)` on the memfd
    /// (madvise(2)); KVM drops its mappings of the pages through its MMU
    /// notifier. If the kernel refuses, the range is zeroed in place
    /// instead (same contents, memory kept). -EFAULT unless the range lies
    /// inside one region; -EINVAL unless it is page-aligned.
    ///
    /// Xen: freed pages are scrubbed before reuse (xen/common/page_alloc.c).
    public func discard(at addr: UInt64, count: Int) throws(XenErrno) {
        guard count >= 0, let p = pointer(addr, count) else { throw .EFAULT }
        guard addr & 0xfff == 0, count & 0xfff == 0 else { throw .EINVAL }
        guard count > 0 else { return }
        // SAFETY: `p ..< p+count` is inside one live MAP_SHARED mapping
        // (checked above) and page-aligned (regions start page-aligned).
        if madvise(p, count, MADV_REMOVE) != 0 {
            memset(p, 0, count)
        }
    }

    /// Atomic compare-and-exchange of an aligned 8-byte word (guest-shared data).
    public func compareExchange64(at addr: UInt64, expected: UInt64, desired: UInt64) throws(XenErrno) -> (exchanged: Bool, original: UInt64) {
        guard addr & 7 == 0, let p = pointer(addr, 8) else { throw .EFAULT }
        // SAFETY: 8-byte aligned, inside a live mapping (checked above).
        let a = UnsafeAtomic<UInt64>(at: p.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        return a.compareExchange(expected: expected, desired: desired, ordering: .sequentiallyConsistent)
    }

    /// Atomically ORs `bits` into the aligned 8-byte word; returns the old value.
    public func fetchOr64(at addr: UInt64, _ bits: UInt64) throws(XenErrno) -> UInt64 {
        guard addr & 7 == 0, let p = pointer(addr, 8) else { throw .EFAULT }
        let a = UnsafeAtomic<UInt64>(at: p.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        return a.loadThenBitwiseOr(with: bits, ordering: .sequentiallyConsistent)
    }

    /// Atomically ANDs `bits` into the aligned 8-byte word; returns the old value.
    public func fetchAnd64(at addr: UInt64, _ bits: UInt64) throws(XenErrno) -> UInt64 {
        guard addr & 7 == 0, let p = pointer(addr, 8) else { throw .EFAULT }
        let a = UnsafeAtomic<UInt64>(at: p.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
        return a.loadThenBitwiseAnd(with: bits, ordering: .sequentiallyConsistent)
    }

    /// Ring index publication: stores an aligned 4-byte index with release
    /// ordering, so every byte written before it is visible first
    /// (public/io/ring.h and xenstore/console rings: "wmb() before prod").
    public func storeRelease32(_ value: UInt32, at addr: UInt64) throws(XenErrno) {
        guard addr & 3 == 0, let p = pointer(addr, 4) else { throw .EFAULT }
        let a = UnsafeAtomic<UInt32>(at: p.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
        a.store(value, ordering: .releasing)
    }

    /// Ring index consumption: loads an aligned 4-byte index with acquire
    /// ordering, so the bytes it covers are read after it ("rmb() after prod").
    public func loadAcquire32(at addr: UInt64) throws(XenErrno) -> UInt32 {
        guard addr & 3 == 0, let p = pointer(addr, 4) else { throw .EFAULT }
        let a = UnsafeAtomic<UInt32>(at: p.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
        return a.load(ordering: .acquiring)
    }
}
