// The part of the i8254 PIT a PV guest sees: channel 2 and its gate/output
// through port 0x61 (ports 0x42, 0x43, 0x61). Xen emulates exactly these for
// PV guests (xen/arch/x86/pv/emul-priv-op.c guest_io_read/guest_io_write →
// pv_pit_handler, xen/arch/x86/emul-i8254.c); Linux uses them to calibrate the
// TSC (arch/x86/kernel/tsc.c quick_pit_calibrate, pit_calibrate_tsc). Every
// other port of a domU reads as all-ones and ignores writes.
//
// The counter runs from the host's monotonic clock at 1.193182 MHz. Modes
// 0 and 1 count down once (OUT goes high at zero; the count wraps and keeps
// falling), modes 2 and 3 reload; mode 3 counts by two. A gate that is low
// holds the count; raising it restarts the count in modes 1, 2, 3 and 5,
// as on the real chip.
import Foundation

final class PIT: @unchecked Sendable {
    // @unchecked: all state is guarded by `lock`.
    private let lock = NSLock()
    static let hz: UInt64 = 1_193_182

    private var reload: UInt32 = 0x10000
    private var mode: UInt8 = 0
    private var access: UInt8 = 3        // 1 lo, 2 hi, 3 lo then hi
    private var writeHigh = false        // next write of a lo/hi pair is the high byte
    private var readHigh = false         // next read of a lo/hi pair is the high byte
    private var pendingLow: UInt8 = 0
    private var latched: UInt16?
    private var start: UInt64 = 0        // ns when counting (re)started
    private var heldCount: UInt32 = 0    // count while the gate is low
    private var gate = false
    private var speaker = false
    private var refresh = false
    private let now: () -> UInt64

    init(now: @escaping () -> UInt64 = PIT.monotonicNanoseconds) {
        self.now = now
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Handles a port read; nil for ports the PIT does not own.
    func read(port: UInt16) -> UInt8? {
        lock.lock(); defer { lock.unlock() }
        switch port {
        case 0x42:
            let value = latched ?? UInt16(truncatingIfNeeded: currentCount())
            let byte: UInt8
            switch access {
            case 1: byte = UInt8(truncatingIfNeeded: value)
            case 2: byte = UInt8(truncatingIfNeeded: value >> 8)
            default:
                byte = readHigh ? UInt8(truncatingIfNeeded: value >> 8) : UInt8(truncatingIfNeeded: value)
                readHigh.toggle()
            }
            if access != 3 || !readHigh { latched = nil }
            return byte
        case 0x61:
            refresh.toggle()
            return (gate ? 1 : 0) | (speaker ? 2 : 0) | (refresh ? 0x10 : 0) | (output() ? 0x20 : 0)
        case 0x43:
            return 0xff
        default:
            return nil
        }
    }

    /// Handles a port write; false for ports the PIT does not own.
    func write(port: UInt16, value: UInt8) -> Bool {
        lock.lock(); defer { lock.unlock() }
        switch port {
        case 0x43:
            let channel = value >> 6
            if channel == 3 {
                // Read-back: bit 3 selects channel 2; bit 5 clear latches its count.
                if value & 0x08 != 0, value & 0x20 == 0 { latched = UInt16(truncatingIfNeeded: currentCount()); readHigh = false }
                return true
            }
            guard channel == 2 else { return true }
            let rw = (value >> 4) & 3
            if rw == 0 {
                if latched == nil { latched = UInt16(truncatingIfNeeded: currentCount()); readHigh = false }
                return true
            }
            access = rw
            mode = (value >> 1) & 7
            if mode > 5 { mode -= 4 }   // 6 and 7 are modes 2 and 3
            writeHigh = false
            readHigh = false
            latched = nil
        case 0x42:
            switch access {
            case 1: load(UInt32(value))
            case 2: load(UInt32(value) << 8)
            default:
                if writeHigh { load(UInt32(pendingLow) | UInt32(value) << 8) } else { pendingLow = value }
                writeHigh.toggle()
            }
        case 0x61:
            let newGate = value & 1 != 0
            if newGate && !gate {
                if mode != 0 && mode != 4 { start = now() } else { start = now() &- ticksToNs(reload &- heldCount) }
            } else if !newGate && gate {
                heldCount = currentCount()
            }
            gate = newGate
            speaker = value & 2 != 0
        default:
            return false
        }
        return true
    }

    private func load(_ value: UInt32) {
        reload = value == 0 ? 0x10000 : value
        heldCount = reload
        start = now()
    }

    private func ticksToNs(_ ticks: UInt32) -> UInt64 { UInt64(ticks) * 1_000_000_000 / Self.hz }

    private func elapsedTicks() -> UInt64 {
        (now() &- start) * Self.hz / 1_000_000_000
    }

    /// The count now (0 ... 0xffff as the chip would show it).
    private func currentCount() -> UInt32 {
        guard gate else { return heldCount & 0xffff }
        let ticks = elapsedTicks()
        switch mode {
        case 2:
            return reload - UInt32(ticks % UInt64(reload))
        case 3:
            return (reload - UInt32((ticks * 2) % UInt64(reload))) & ~1
        default:
            // Modes 0, 1, 4, 5: one pass down, then the count wraps.
            return UInt32((UInt64(reload) &- ticks) & 0xffff)
        }
    }

    /// OUT2: high after the terminal count in modes 0/1; the square wave in
    /// mode 3; high except for one tick in modes 2/4/5 (approximated high).
    private func output() -> Bool {
        guard gate else { return mode != 0 }
        let ticks = elapsedTicks()
        switch mode {
        case 0, 1: return ticks >= UInt64(reload)
        case 3: return (ticks % UInt64(reload)) < UInt64(reload) / 2
        default: return true
        }
    }
}
