// One granted frame "mapped" by a backend in this process: the result of
// GrantAccess.map. Xen: the active grant entry's pin plus the host mapping
// `GNTTABOP_map_grant_ref` returns (xen/common/grant_table.c).
import GuestMemory
import XenABI

/// A pinned grant: the frame, whether we may write it, and where it is in
/// this process. Valid until passed to `GrantAccess.unmap` (once).
///
/// The host pointer stays dereferenceable for the life of this value: the
/// frame is guest RAM (checked when mapped) and the value keeps the
/// `GuestMemory` that owns the mapping alive.
@safe
public struct GrantMapping: @unchecked Sendable {
    // @unchecked: `base` points into guest RAM, which is shared with the guest
    // by design; the pointer itself is immutable.

    /// The grant reference.
    public let ref: GrantRef
    /// The granted machine frame (guest RAM).
    public let frame: UInt64
    /// True if the grant was pinned for writing (`GTF_writing` set).
    public let writable: Bool
    /// Keeps the mapping behind `base` alive.
    let memory: GuestMemory
    /// SAFETY: the host address of `frame`, 4096 bytes, inside `memory`.
    private let base: UnsafeMutableRawPointer

    init(ref: GrantRef, frame: UInt64, writable: Bool, memory: GuestMemory, base: UnsafeMutableRawPointer) {
        self.ref = ref
        self.frame = frame
        self.writable = writable
        self.memory = memory
        unsafe self.base = base
    }

    /// Machine address of the frame's first byte.
    public var machineAddress: UInt64 { frame << 12 }

    /// The frame's bytes in this process (4096 of them). Writing through it
    /// is allowed only when `writable`.
    @unsafe
    public var baseAddress: UnsafeMutableRawPointer { unsafe base }
}
