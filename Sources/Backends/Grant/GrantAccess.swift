// Xen: public/grant_table.h (grant_entry_v1, GTF_*) and the mapping half of
// xen/common/grant_table.c (`map_grant_ref`, `_set_status_v1`,
// `unmap_common`, `gnttab_clear_flags`).
//
// Our backends are domain 0 in the same process as the guest's memory, so
// "mapping" a grant is: validate the guest's grant_entry_v1, mark it in use
// the way Xen does, and hand out the host address of the frame, which is
// already mapped (GuestMemory). No copy, no page-table work.
import GuestMemory
import Synchronization
import XenABI

/// The grant table of one guest (version 1), as its backends use it.
///
/// Checks per map, as Xen's `_set_status_v1`: the reference is inside the
/// frames the guest set up; the entry's type is `GTF_permit_access` without
/// `GTF_sub_page`; its domid is the backend's; a writable mapping needs no
/// `GTF_readonly`; the frame is guest RAM. The entry is read and marked with
/// one 64-bit compare-and-exchange (`GTF_reading`, plus `GTF_writing` for a
/// writable mapping), retried at most five times against a guest rewriting
/// it. Xen does the same with a 32-bit cmpxchg over flags and domid;
/// GuestMemory has no 16- or 32-bit compare-and-exchange, but every v1 entry
/// is an aligned 8-byte word, so the 64-bit one covers flags, domid and
/// frame at once and the frame we use is the one that passed the checks.
///
/// A reference mapped several times (the same page in two segments, two
/// queues, two devices) is pinned once with counts, as Xen's active grant
/// entry: the frame is fixed by the first pin, `GTF_writing` is cleared when
/// the last writable pin goes and `GTF_reading` with the last pin, so the
/// guest's `gnttab_end_foreign_access` fails exactly while we may touch the
/// page. Share one `GrantAccess` between all backends of a domain.
///
/// The frame itself is checked with the domain's memory manager
/// (`GrantFrameReferences`), as Xen's `map_grant_ref` takes `get_page` on
/// the granting domain's page and, for a writable mapping,
/// `get_page_type(PGT_writable_page)`: a frame the domain gave back, or a
/// page table or descriptor page mapped writable, is refused, and a frame
/// stays writable-typed while any writable pin holds it (so the guest
/// cannot make it a page table under our writes). Without the hook (unit
/// tests) every RAM frame is accepted.
///
/// Concurrency: `Sendable`; the pin table is behind one Mutex, taken once
/// per map or unmap. The atomics on guest entries run under it.
public final class GrantAccess: Sendable {
    /// Entries in one 4 KiB grant frame (`sizeof(grant_entry_v1_t)` is 8).
    public static let entriesPerFrame = UInt32(4096 / GrantEntryV1.size)

    /// The guest's memory (RAM and the hypervisor region with the table).
    public let memory: GuestMemory
    /// Machine address of grant frame 0 (`Domain.grantFramesBase`).
    public let tableBase: UInt64
    /// Guest RAM is machine frames `0 ..< ramPages`; grants must name one.
    public let ramPages: UInt64
    /// The domain the entries must be granted to: the backend's, 0.
    public let backendDomid: DomID
    /// Frames reserved for the table (Xen's `max_grant_frames`).
    public let maxFrames: UInt32
    /// Frames the guest has set up (GNTTABOP_setup_table); read per map.
    private let nrFrames: @Sendable () -> UInt32
    /// The domain's memory manager's view of a frame, if there is one.
    private let frameReferences: GrantFrameReferences?
    /// Pinned references (Xen's active grant entries). Lock rule: held
    /// while a guest entry is examined and marked, so pins and flags agree.
    private let active: Mutex<[UInt32: ActiveGrant]>

    private struct ActiveGrant {
        var frame: UInt64
        var pins: Int
        var writers: Int
    }

    /// A table at `tableBase` of which the guest has set up `nrFrames()`
    /// frames (at most `maxFrames`).
    public init(memory: GuestMemory, tableBase: UInt64, ramPages: UInt64,
                backendDomid: DomID = DomID(rawValue: 0), maxFrames: UInt32 = 32,
                frameReferences: GrantFrameReferences? = nil,
                nrFrames: @escaping @Sendable () -> UInt32) {
        precondition(tableBase & 0xfff == 0, "grant frames are page-aligned")
        self.memory = memory
        self.tableBase = tableBase
        self.ramPages = ramPages
        self.backendDomid = backendDomid
        // Keeps `entryLimit` within UInt32 (Xen's own limit is far lower).
        self.maxFrames = min(maxFrames, UInt32.max / Self.entriesPerFrame)
        self.nrFrames = nrFrames
        self.frameReferences = frameReferences
        self.active = Mutex([:])
    }

    /// Entries the guest may use now (`nr_grant_entries`).
    public var entryLimit: UInt32 {
        min(nrFrames(), maxFrames) * Self.entriesPerFrame
    }

    /// References currently pinned (for leak checks).
    public var pinnedCount: Int {
        active.withLock { $0.count }
    }

    /// A snapshot of the guest's entry for `ref` (diagnostics, tests).
    public func entry(_ ref: GrantRef) throws(GrantError) -> GrantEntryV1 {
        let raw = try loadEntry(ref, limit: entryLimit)
        return GrantEntryV1(flags: UInt16(truncatingIfNeeded: raw),
                            domid: DomID(rawValue: UInt16(truncatingIfNeeded: raw >> 16)),
                            frame: UInt32(truncatingIfNeeded: raw >> 32))
    }

    /// Validates `ref` and pins it for reading, or for reading and writing.
    ///
    /// Xen: `GNTTABOP_map_grant_ref` (GNTMAP_host_map, GNTMAP_readonly when
    /// `!writable`), xen/common/grant_table.c.
    public func map(_ ref: GrantRef, writable: Bool) throws(GrantError) -> GrantMapping {
        let limit = entryLimit
        let addr = try entryAddress(ref, limit: limit)
        let frame: UInt64 = try active.withLock { (table) throws(GrantError) -> UInt64 in
            if var a = table[ref.rawValue] {
                // Already pinned: Xen skips the type and domid checks
                // (`act->pin` is set) but a first writable pin still needs
                // the entry to allow writing.
                if writable && a.writers == 0 {
                    _ = try setStatus(ref, at: addr, writable: true, checkType: false)
                    if let refusal = frameReferences?.get(a.frame, true) {
                        clearFlags(at: addr, [.writing])
                        throw refusal.error(ref, frame: a.frame)
                    }
                }
                a.pins += 1
                if writable { a.writers += 1 }
                table[ref.rawValue] = a
                return a.frame
            }
            let seen = try setStatus(ref, at: addr, writable: writable, checkType: true)
            let frame = seen >> 32
            guard frame < ramPages, isRAMFrame(frame) else {
                // Undo our marks, as Xen's failure path (`gnttab_clear_flags`).
                clearFlags(at: addr, writable ? [.reading, .writing] : [.reading])
                throw .frameNotRAM(ref, frame: frame)
            }
            if let refusal = frameReferences?.get(frame, writable) {
                clearFlags(at: addr, writable ? [.reading, .writing] : [.reading])
                throw refusal.error(ref, frame: frame)
            }
            table[ref.rawValue] = ActiveGrant(frame: frame, pins: 1, writers: writable ? 1 : 0)
            return frame
        }
        // SAFETY: `frame` is guest RAM (checked above, under the lock), so
        // its 4096 bytes are inside a live GuestMemory region.
        guard let base = unsafe memory.pointer(frame << 12, 4096) else {
            preconditionFailure("RAM frame 0x\(String(frame, radix: 16)) has no mapping")
        }
        return unsafe GrantMapping(ref: ref, frame: frame, writable: writable, memory: memory, base: base)
    }

    /// Maps every `(ref, writable)` or none: on the first failure the ones
    /// already pinned are unpinned and the error is thrown.
    public func mapAll(_ grants: [(ref: GrantRef, writable: Bool)]) throws(GrantError) -> [GrantMapping] {
        var done: [GrantMapping] = []
        done.reserveCapacity(grants.count)
        for g in grants {
            do {
                done.append(try map(g.ref, writable: g.writable))
            } catch {
                unmapAll(done)
                throw error
            }
        }
        return done
    }

    /// Drops one pin of `mapping`; the last writable pin clears
    /// `GTF_writing`, the last pin `GTF_reading`.
    ///
    /// Xen: `GNTTABOP_unmap_grant_ref` (`unmap_common_complete`,
    /// `gnttab_clear_flags`), xen/common/grant_table.c.
    public func unmap(_ mapping: GrantMapping) {
        let addr = tableBase + UInt64(mapping.ref.rawValue) * UInt64(GrantEntryV1.size)
        active.withLock { table in
            guard var a = table[mapping.ref.rawValue], a.pins > 0 else { return }
            a.pins -= 1
            var clear: GTF = []
            if mapping.writable && a.writers > 0 {
                a.writers -= 1
                if a.writers == 0 {
                    clear.insert(.writing)
                    frameReferences?.put(a.frame, true)
                }
            }
            if a.pins == 0 {
                clear.insert(.reading)
                table[mapping.ref.rawValue] = nil
            } else {
                table[mapping.ref.rawValue] = a
            }
            if !clear.isEmpty { clearFlags(at: addr, clear) }
        }
    }

    /// Unmaps each of `mappings`.
    public func unmapAll(_ mappings: [GrantMapping]) {
        for m in mappings { unmap(m) }
    }

    // MARK: - Entry access

    private func entryAddress(_ ref: GrantRef, limit: UInt32) throws(GrantError) -> UInt64 {
        guard ref.rawValue < limit else { throw .refOutOfRange(ref, limit: limit) }
        return tableBase + UInt64(ref.rawValue) * UInt64(GrantEntryV1.size)
    }

    private func loadEntry(_ ref: GrantRef, limit: UInt32) throws(GrantError) -> UInt64 {
        let addr = try entryAddress(ref, limit: limit)
        do {
            return try memory.load(UInt64.self, at: addr)
        } catch {
            throw .tableUnreadable(ref)
        }
    }

    /// Checks the entry and sets `GTF_reading` (and `GTF_writing`) with a
    /// compare-and-exchange; returns the entry as it was when marked.
    ///
    /// Xen: `_set_status_v1`, xen/common/grant_table.c.
    private func setStatus(_ ref: GrantRef, at addr: UInt64, writable: Bool,
                           checkType: Bool) throws(GrantError) -> UInt64 {
        var seen: UInt64
        do {
            seen = try memory.load(UInt64.self, at: addr)
        } catch {
            throw .tableUnreadable(ref)
        }
        // Only v1 maps: a sub-page grant (v2 only) is refused with the type.
        let mask = GTF.typeMask.rawValue | GTF.subPage.rawValue
        var retries = 0
        while true {
            let flags = UInt16(truncatingIfNeeded: seen)
            let domid = UInt16(truncatingIfNeeded: seen >> 16)
            if checkType {
                guard flags & mask == GTF.permitAccess.rawValue else {
                    throw .notPermitted(ref, flags: flags)
                }
                guard domid == backendDomid.rawValue else {
                    throw .wrongDomain(ref, domid: DomID(rawValue: domid))
                }
            }
            var marks = GTF.reading.rawValue
            if writable {
                guard flags & GTF.readonly.rawValue == 0 else { throw .readOnly(ref) }
                marks |= GTF.writing.rawValue
            }
            let result: (exchanged: Bool, original: UInt64)
            do {
                result = try memory.compareExchange64(at: addr, expected: seen, desired: seen | UInt64(marks))
            } catch {
                throw .tableUnreadable(ref)
            }
            if result.exchanged { return seen }
            if retries == 4 { throw .unstable(ref) }
            retries += 1
            seen = result.original
        }
    }

    private func clearFlags(at addr: UInt64, _ flags: GTF) {
        // The address passed the range check when the pin was taken and the
        // table frames never go away, so this cannot fail; if it did there
        // would be no flag left to clear.
        _ = try? memory.fetchAnd64(at: addr, ~UInt64(flags.rawValue))
    }

    private func isRAMFrame(_ frame: UInt64) -> Bool {
        // SAFETY: only asks whether the frame is mapped; nothing is dereferenced.
        unsafe memory.pointer(frame << 12, 4096) != nil
    }
}

/// How a domain's memory manager accounts for a backend's grant mappings.
///
/// `get(frame, writable)` is asked before a frame is first pinned, and
/// before its first writable pin: nil accepts (and, for a writable pin,
/// takes a writable type reference), otherwise it says why not. `put(frame,
/// true)` drops that reference when the last writable pin goes; a read-only
/// `get` takes nothing and has no `put`.
///
/// Xen: `get_page` / `get_page_type(PGT_writable_page)` in `map_grant_ref`,
/// `put_page_type` in `unmap_common_complete` (xen/common/grant_table.c).
public struct GrantFrameReferences: Sendable {
    public var get: @Sendable (_ frame: UInt64, _ writable: Bool) -> GrantFrameRefusal?
    public var put: @Sendable (_ frame: UInt64, _ writable: Bool) -> Void

    public init(get: @escaping @Sendable (_ frame: UInt64, _ writable: Bool) -> GrantFrameRefusal?,
                put: @escaping @Sendable (_ frame: UInt64, _ writable: Bool) -> Void) {
        self.get = get
        self.put = put
    }
}

/// Why the memory manager refused a frame.
public enum GrantFrameRefusal: Sendable, Equatable {
    /// The domain does not own the frame.
    case notOwned
    /// The frame has a type a writable mapping cannot share (page table,
    /// descriptor page).
    case typed

    func error(_ ref: GrantRef, frame: UInt64) -> GrantError {
        switch self {
        case .notOwned: return .frameNotOwned(ref, frame: frame)
        case .typed: return .frameTyped(ref, frame: frame)
        }
    }
}
