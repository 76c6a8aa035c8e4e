// Why a grant reference could not be mapped: the checks of Xen's
// `map_grant_ref` / `_set_status_v1` (xen/common/grant_table.c), each with
// the GNTST code Xen would have returned.
import XenABI

/// A grant the frontend named cannot be used. Always the guest's doing (or
/// its race with us); never a trap.
public enum GrantError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The reference is past the entries of the frames the guest set up.
    case refOutOfRange(GrantRef, limit: UInt32)
    /// The entry's type is not `GTF_permit_access` (or it has `GTF_sub_page`,
    /// which a v1 mapping refuses).
    case notPermitted(GrantRef, flags: UInt16)
    /// The entry grants the page to another domain.
    case wrongDomain(GrantRef, domid: DomID)
    /// A writable mapping of an entry with `GTF_readonly`.
    case readOnly(GrantRef)
    /// The granted frame is not guest RAM.
    case frameNotRAM(GrantRef, frame: UInt64)
    /// The granted frame is RAM the domain does not own (it gave it back
    /// with XENMEM_decrease_reservation, or never populated it): Xen's
    /// `get_page` for the granting domain fails.
    case frameNotOwned(GrantRef, frame: UInt64)
    /// A writable mapping of a frame the domain uses as a page table or
    /// descriptor page: Xen's `get_page_type(PGT_writable_page)` fails.
    case frameTyped(GrantRef, frame: UInt64)
    /// The entry kept changing under our compare-and-exchange (Xen gives up
    /// after five attempts: "Shared grant entry is unstable").
    case unstable(GrantRef)
    /// The table frame holding the entry is not mapped (a misconfigured
    /// `GrantAccess`, not guest input).
    case tableUnreadable(GrantRef)

    /// The reference concerned.
    public var ref: GrantRef {
        switch self {
        case .refOutOfRange(let r, _), .notPermitted(let r, _), .wrongDomain(let r, _),
             .readOnly(let r), .frameNotRAM(let r, _), .frameNotOwned(let r, _), .frameTyped(let r, _),
             .unstable(let r), .tableUnreadable(let r):
            return r
        }
    }

    /// What `GNTTABOP_map_grant_ref` would put in `status`.
    public var status: GNTST {
        switch self {
        case .refOutOfRange: return .badGntref
        case .frameNotRAM: return .badPage
        case .notPermitted, .wrongDomain, .readOnly, .frameNotOwned, .frameTyped, .unstable, .tableUnreadable:
            return .generalError
        }
    }

    public var description: String {
        let r = ref.rawValue
        switch self {
        case .refOutOfRange(_, let limit): return "grant \(r): reference out of range (table has \(limit) entries)"
        case .notPermitted(_, let flags): return "grant \(r): not GTF_permit_access (flags 0x\(String(flags, radix: 16)))"
        case .wrongDomain(_, let d): return "grant \(r): granted to domain \(d.rawValue), not to the backend"
        case .readOnly: return "grant \(r): read-only grant used for a write into guest memory"
        case .frameNotRAM(_, let f): return "grant \(r): frame 0x\(String(f, radix: 16)) is not guest RAM"
        case .frameNotOwned(_, let f): return "grant \(r): frame 0x\(String(f, radix: 16)) is not the domain's (given back or never populated)"
        case .frameTyped(_, let f): return "grant \(r): frame 0x\(String(f, radix: 16)) is a page table or descriptor page, not mappable writable"
        case .unstable: return "grant \(r): entry is unstable (changed under compare-and-exchange)"
        case .tableUnreadable: return "grant \(r): grant table frame not mapped"
        }
    }
}
