// Guest virtual memory as seen through a guest L4: the host's equivalent of
// Xen's copy_from_guest / copy_to_guest for a PV guest (xen/arch/x86/usercopy.c,
// which rely on the hardware walk with the guest's page tables loaded).
import GuestMemory
import XenABI

/// Reads and writes guest virtual addresses by walking the 4-level page
/// tables rooted at `l4` (a machine address), with a guest's rights: every
/// level must be present and user-accessible, and writable for writes.
/// Addresses in the hypervisor hole and non-canonical ones fail with EFAULT.
public struct GuestAddressSpace {
    public let memory: GuestMemory
    public let l4: UInt64

    public init(memory: GuestMemory, l4: UInt64) {
        self.memory = memory
        self.l4 = l4
    }

    /// Xen's reserved virtual range (public/arch-x86/xen-x86_64.h).
    public static let hypervisorStart: UInt64 = 0xFFFF_8000_0000_0000
    public static let hypervisorEnd: UInt64 = 0xFFFF_8800_0000_0000

    public static func isGuestAddress(_ va: UInt64) -> Bool {
        PageTableEntry.isCanonical(va) && !(va >= hypervisorStart && va < hypervisorEnd)
    }

    /// The L1 entry's machine address for `va`, if the walk reaches an L1.
    public func l1EntryAddress(_ va: UInt64) throws(XenErrno) -> UInt64 {
        var table = l4 & PageTableEntry.addressMask
        for level in stride(from: 4, to: 1, by: -1) {
            let e = try memory.load(UInt64.self, at: table + UInt64(PageTableEntry.index(va, level: level)) * 8)
            guard e & PageTableEntry.present != 0, e & PageTableEntry.pse == 0 else { throw .EFAULT }
            table = e & PageTableEntry.addressMask
        }
        return table + UInt64(PageTableEntry.l1Index(va)) * 8
    }

    /// Translates `va` to a machine address with guest rights.
    public func translate(_ va: UInt64, write: Bool) throws(XenErrno) -> UInt64 {
        guard Self.isGuestAddress(va) else { throw .EFAULT }
        var table = l4 & PageTableEntry.addressMask
        var level = 4
        while true {
            let e = try memory.load(UInt64.self, at: table + UInt64(PageTableEntry.index(va, level: level)) * 8)
            guard e & PageTableEntry.present != 0, e & PageTableEntry.user != 0 else { throw .EFAULT }
            if write && e & PageTableEntry.rw == 0 { throw .EFAULT }
            if level == 1 { return (e & PageTableEntry.addressMask) | (va & 0xfff) }
            guard e & PageTableEntry.pse == 0 else { throw .EFAULT } // PV guests have no superpages
            table = e & PageTableEntry.addressMask
            level -= 1
        }
    }

    public func load<T: FixedWidthInteger>(_ type: T.Type, at va: UInt64) throws(XenErrno) -> T {
        let size = UInt64(MemoryLayout<T>.size)
        if va & 0xfff <= 0x1000 - size {
            return try memory.load(type, at: translate(va, write: false))
        }
        let bytes = try read(at: va, count: Int(size))
        var v: T = 0
        for (i, b) in bytes.enumerated() { v |= T(b) << (8 * i) }
        return v
    }

    public func store<T: FixedWidthInteger>(_ value: T, at va: UInt64) throws(XenErrno) {
        let size = UInt64(MemoryLayout<T>.size)
        if va & 0xfff <= 0x1000 - size {
            try memory.store(value, at: translate(va, write: true))
            return
        }
        var bytes: [UInt8] = []
        for i in 0..<Int(size) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
        try write(bytes, at: va)
    }

    /// Copies `count` bytes from guest virtual memory, page by page.
    public func read(at va: UInt64, count: Int) throws(XenErrno) -> [UInt8] {
        guard count >= 0, count <= 1 << 24 else { throw .EFAULT }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var addr = va
        var left = count
        while left > 0 {
            let chunk = min(left, Int(0x1000 - (addr & 0xfff)))
            let ma = try translate(addr, write: false)
            out += try memory.read(at: ma, count: chunk)
            addr &+= UInt64(chunk)
            left -= chunk
        }
        return out
    }

    /// Copies bytes into guest virtual memory, page by page. All pages are
    /// translated (and checked writable) before any byte is written.
    public func write(_ bytes: [UInt8], at va: UInt64) throws(XenErrno) {
        var pieces: [(UInt64, Range<Int>)] = []
        var addr = va
        var done = 0
        while done < bytes.count {
            let chunk = min(bytes.count - done, Int(0x1000 - (addr & 0xfff)))
            pieces.append((try translate(addr, write: true), done..<(done + chunk)))
            addr &+= UInt64(chunk)
            done += chunk
        }
        for (ma, range) in pieces { try memory.write(bytes[range], at: ma) }
    }
}
