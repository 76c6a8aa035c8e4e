// Xen: public/io/xs_wire.h `struct xenstore_domain_interface` and
// docs/misc/xenstore-ring.txt. Checked access to a xenstore ring page that is
// shared with a guest. This file owns the only raw-pointer use of the module.
import Atomics
import XenABI

/// The xenstore interface page of one domain, mapped in this process.
///
/// Every accessor is bounds-safe by construction: fields sit at fixed
/// offsets below `byteCount`, ring bytes at `MASK_XENSTORE_IDX(index)` inside
/// their 1024-byte ring, and at most one ring's worth is copied per call, so
/// no guest-written index can make us touch memory outside the page. Index
/// words use atomic loads and stores with the orderings the ring protocol
/// needs (docs/misc/xenstore-ring.txt: "updates must be ordered carefully").
///
/// Xen: `struct xenstore_domain_interface`, public/io/xs_wire.h.
@safe
public struct XenstoreRingPage: @unchecked Sendable {
    // @unchecked: the page is shared with the guest by design; every access
    // below is either atomic (index words) or a byte copy whose racing with
    // the guest only yields garbage bytes, which the protocol layer rejects.
    private let base: UnsafeMutableRawPointer

    /// Bytes the interface occupies, through `evtchn_port` (the current
    /// header adds it at 2076, after XenABI's 2076-byte mirror).
    public static let byteCount = XenstoreDomainInterface.size + 4

    /// Wraps the page at `base`.
    ///
    /// SAFETY (caller): `base` is 4-byte aligned (pages are 4096-aligned) and
    /// `byteCount` bytes at it stay mapped, readable and writable for the
    /// lifetime of every copy of this value.
    @unsafe
    public init(base: UnsafeMutableRawPointer) {
        precondition(Int(bitPattern: base) & 3 == 0, "xenstore ring page must be 4-byte aligned")
        unsafe self.base = base
    }

    /// A 32-bit word of the interface.
    public enum Field: Sendable, CaseIterable {
        /// Xen: `req_cons`, written by us.
        case reqCons
        /// Xen: `req_prod`, written by the guest.
        case reqProd
        /// Xen: `rsp_cons`, written by the guest.
        case rspCons
        /// Xen: `rsp_prod`, written by us.
        case rspProd
        /// Xen: `server_features`.
        case serverFeatures
        /// Xen: `connection` (XENSTORE_CONNECTED / XENSTORE_RECONNECT).
        case connection
        /// Xen: `error` (XENSTORE_ERROR_*).
        case error
        /// Xen: `evtchn_port` (public/io/xs_wire.h, filled in by Xen for
        /// dom0less domains).
        case evtchnPort

        var offset: Int {
            switch self {
            case .reqCons: return XenstoreDomainInterface.Offset.reqCons
            case .reqProd: return XenstoreDomainInterface.Offset.reqProd
            case .rspCons: return XenstoreDomainInterface.Offset.rspCons
            case .rspProd: return XenstoreDomainInterface.Offset.rspProd
            case .serverFeatures: return XenstoreDomainInterface.Offset.serverFeatures
            case .connection: return XenstoreDomainInterface.Offset.connection
            case .error: return XenstoreDomainInterface.Offset.error
            case .evtchnPort: return XenstoreDomainInterface.size
            }
        }
    }

    /// One of the two byte rings.
    public enum Ring: Sendable {
        /// Xen: `req`, guest to daemon.
        case req
        /// Xen: `rsp`, daemon to guest.
        case rsp

        var offset: Int {
            switch self {
            case .req: return XenstoreDomainInterface.Offset.req
            case .rsp: return XenstoreDomainInterface.Offset.rsp
            }
        }
    }

    private func atomic(_ field: Field) -> UnsafeAtomic<UInt32> {
        // SAFETY: `field.offset` is a constant multiple of 4 below `byteCount`
        // and `base` is 4-aligned (init), so the word is in the page and
        // aligned; UInt32.AtomicRepresentation has UInt32's layout.
        unsafe UnsafeAtomic<UInt32>(
            at: (base + field.offset).assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
    }

    /// Loads `field` with acquire ordering: bytes the other side wrote before
    /// publishing this index are visible after it.
    public func load(_ field: Field) -> UInt32 {
        atomic(field).load(ordering: .acquiring)
    }

    /// Stores `field` with release ordering: every ring access made before
    /// (our reads of consumed bytes, our writes of produced ones) completes
    /// before the other side can see the new index (xenstored's `xen_mb()`
    /// before updating `req_cons` / `rsp_prod`).
    public func store(_ value: UInt32, to field: Field) {
        atomic(field).store(value, ordering: .releasing)
    }

    /// Copies `count` bytes (at most one ring's worth) of `ring` starting at
    /// stream position `index`, wrapping at the ring's end
    /// (`MASK_XENSTORE_IDX`).
    public func read(_ ring: Ring, at index: UInt32, count: Int) -> [UInt8] {
        let count = max(0, min(count, XenABI.Xenstore.ringSize))
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let offset = ring.offset + XenABI.Xenstore.maskIdx(index &+ UInt32(i))
            // SAFETY: offset < ring.offset + ringSize <= byteCount.
            bytes[i] = unsafe base.load(fromByteOffset: offset, as: UInt8.self)
        }
        return bytes
    }

    /// Writes `bytes` (at most one ring's worth; more is cut) into `ring` from
    /// stream position `index`, wrapping at the ring's end.
    public func write(_ ring: Ring, at index: UInt32, _ bytes: some Collection<UInt8>) {
        for (i, byte) in bytes.prefix(XenABI.Xenstore.ringSize).enumerated() {
            let offset = ring.offset + XenABI.Xenstore.maskIdx(index &+ UInt32(i))
            // SAFETY: offset < ring.offset + ringSize <= byteCount.
            unsafe base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
        }
    }
}
