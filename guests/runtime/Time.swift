// Time.swift — Xen system time (pvclock) and wallclock.
// Facts: public/xen.h `struct vcpu_time_info` (32 bytes): version 0 (u32, odd while updating),
// tsc_timestamp 8, system_time 16, tsc_to_system_mul 24 (u32), tsc_shift 28 (i8), flags 29;
// now = system_time + (((tsc - tsc_timestamp) << or >> shift) * mul) >> 32 (the comment above
// the struct in public/xen.h). Wallclock at system time 0: shared_info wc_version 3072,
// wc_sec 3076, wc_nsec 3080 (same version protocol).

@_extern(c, "read_tsc") func readTSC() -> UInt64
@_extern(c, "msr_write_read") func msrWriteRead(_ msr: UInt32, _ value: UInt64) -> UInt64

enum Time {
    static let nsPerSecond: UInt64 = 1_000_000_000
    static let nsPerMillisecond: UInt64 = 1_000_000

    /// Current system time in ns, from vCPU 0's vcpu_info.time.
    static func now() -> UInt64 {
        let t = SharedInfo.time
        while true {
            let version = Volatile.load32(t + 0)
            if version & 1 != 0 { continue }
            let tscTimestamp = Volatile.load64(t + 8)
            let systemTime = Volatile.load64(t + 16)
            let mul = Volatile.load32(t + 24)
            let shift = Int8(bitPattern: Volatile.load8(t + 28))
            let tsc = readTSC()
            if Volatile.load32(t + 0) != version { continue }
            var delta = tsc &- tscTimestamp
            delta = shift < 0 ? delta >> UInt64(-Int(shift)) : delta << UInt64(shift)
            let product = delta.multipliedFullWidth(by: UInt64(mul))
            return systemTime &+ ((product.high << 32) | (product.low >> 32))
        }
    }

    /// Seconds and nanoseconds since the Unix epoch: the wallclock base plus system time.
    static func wallclock() -> (seconds: UInt64, nanoseconds: UInt64) {
        let base = SharedInfo.base
        while true {
            let version = Volatile.load32(base + 3072)
            if version & 1 != 0 { continue }
            let sec = UInt64(Volatile.load32(base + 3076))
            let nsec = UInt64(Volatile.load32(base + 3080))
            if Volatile.load32(base + 3072) != version { continue }
            let total = sec &* nsPerSecond &+ nsec &+ now()
            return (total / nsPerSecond, total % nsPerSecond)
        }
    }
}
