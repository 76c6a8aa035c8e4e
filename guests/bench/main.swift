// bench — hypervisor figures for xenolith-bench (not a conformance test):
// the cost of a null hypercall (xen_version(XENVER_version)), of a trap
// bounced to the guest kernel (#UD from ud2, through the guest's trap table
// and back with the iret hypercall), and of an event-channel round trip
// through a backend (an XS_READ on the xenstore ring: request, notify, the
// daemon's reply and its notification). Each prints
// `xbench <name> <ns per operation> ns <operations>` (bench/xbench.c's
// format), measured with pvclock system time, then the usual result line.
// Facts: public/version.h, public/io/xs_wire.h (struct xsd_sockmsg,
// xenstore_domain_interface), public/event_channel.h (EVTCHNOP_send).

let testName: StaticString = "bench"

func report(_ name: StaticString, _ start: UInt64, _ operations: UInt64) {
    let ns = (Time.now() &- start) / operations
    printf("xbench %s %u ns %u\n", cstr(name), ns, operations)
}

func testMain() {
    let hypercalls: UInt64 = 2000
    var start = Time.now()
    for _ in 0..<hypercalls { _ = HYPERVISOR.xenVersion(XenVer.version) }
    report("null_hypercall", start, hypercalls)

    let traps: UInt64 = 1000
    let before = Traps.count
    start = Time.now()
    for _ in 0..<traps { probeUD2() }
    report("trap_bounce", start, traps)
    check(Traps.count - before == Int(traps), "%d of the ud2 traps came back", Traps.count - before)

    let reads: UInt64 = 500
    start = Time.now()
    var ok: UInt64 = 0
    for _ in 0..<reads where XenstoreProbe.readDomid() { ok += 1 }
    report("evtchn_backend_rtt", start, reads)
    check(ok == reads, "%u of the xenstore reads were answered", ok)
    finish()
}

/// A minimal xenstore request/reply over the start_info ring: XS_READ of
/// "domid" (relative to the domain's home), waiting for the reply with
/// SCHEDOP_block between checks.
enum XenstoreProbe {
    static let request: StaticString = "domid"

    static func readDomid() -> Bool {
        guard let pfn = Memory.pfn(ofMFN: StartInfo.storeMFN), pfn < StartInfo.nrPages else { return false }
        let ring = Memory.va(ofPFN: pfn)
        // struct xsd_sockmsg { u32 type, req_id, tx_id, len; } + payload.
        var message: (UInt32, UInt32, UInt32, UInt32) = (2 /* XS_READ */, 1, 0, UInt32(request.utf8CodeUnitCount + 1))
        let written = withUnsafeBytes(of: &message) { header in
            put(ring, header.baseAddress!, 16) && put(ring, UnsafeRawPointer(request.utf8Start), request.utf8CodeUnitCount)
                && put(ring, zeroByte, 1)
        }
        guard written else { return false }
        _ = Evtchn.send(StartInfo.storeEvtchn)
        // Wait for and consume the reply (header, then its payload).
        var header: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        guard withUnsafeMutableBytes(of: &header, { get(ring, $0.baseAddress!, 16) }) else { return false }
        var left = Int(header.3)
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while left > 0 {
            let n = min(left, 32)
            guard withUnsafeMutableBytes(of: &scratch, { get(ring, $0.baseAddress!, n) }) else { return false }
            left -= n
        }
        _ = Evtchn.send(StartInfo.storeEvtchn)
        return header.0 == 2
    }

    nonisolated(unsafe) static var zero: UInt8 = 0
    static var zeroByte: UnsafeRawPointer { withUnsafePointer(to: &zero) { UnsafeRawPointer($0) } }

    // xenstore_domain_interface: req[1024], rsp[1024], req_cons, req_prod, rsp_cons, rsp_prod.
    static func put(_ ring: UInt64, _ bytes: UnsafeRawPointer, _ count: Int) -> Bool {
        for i in 0..<count {
            var spins = 0
            while Volatile.load32(ring + 2052) &- Volatile.load32(ring + 2048) >= 1024 {
                _ = Evtchn.send(StartInfo.storeEvtchn)
                _ = HYPERVISOR.yield()
                spins += 1
                if spins > 100_000 { return false }
            }
            let prod = Volatile.load32(ring + 2052)
            Volatile.store8(ring + UInt64(prod & 1023), bytes.load(fromByteOffset: i, as: UInt8.self))
            Volatile.store32(ring + 2052, prod &+ 1)
        }
        return true
    }

    static func get(_ ring: UInt64, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Bool {
        for i in 0..<count {
            var spins = 0
            while Volatile.load32(ring + 2060) == Volatile.load32(ring + 2056) {
                _ = HYPERVISOR.yield()
                spins += 1
                if spins > 100_000 { return false }
            }
            let cons = Volatile.load32(ring + 2056)
            bytes.storeBytes(of: Volatile.load8(ring + 1024 + UInt64(cons & 1023)), toByteOffset: i, as: UInt8.self)
            Volatile.store32(ring + 2056, cons &+ 1)
        }
        return true
    }
}
