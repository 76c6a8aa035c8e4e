// Console.swift — test output: the PV console ring (what the harness reads) with console_io as
// the fallback before the ring is known, and `printf`, a tiny formatter for %d %u %x %s %c with
// an optional zero-padded width (e.g. %016x).
// Facts: public/io/console.h `struct xencons_interface` (3088 bytes): in[1024] 0, out[2048] 1024,
// in_cons 3072, in_prod 3076, out_cons 3080, out_prod 3084; the producer writes bytes, then the
// index, then kicks the port with EVTCHNOP_send (public/event_channel.h). CONSOLEIO_write:
// public/xen.h `HYPERVISOR_console_io(CONSOLEIO_write, count, buffer)`.

import _Volatile

enum Volatile {
    static func load8(_ a: UInt64) -> UInt8 { VolatileMappedRegister<UInt8>(unsafeBitPattern: UInt(a)).load() }
    static func load16(_ a: UInt64) -> UInt16 { VolatileMappedRegister<UInt16>(unsafeBitPattern: UInt(a)).load() }
    static func load32(_ a: UInt64) -> UInt32 { VolatileMappedRegister<UInt32>(unsafeBitPattern: UInt(a)).load() }
    static func load64(_ a: UInt64) -> UInt64 { VolatileMappedRegister<UInt64>(unsafeBitPattern: UInt(a)).load() }
    static func store8(_ a: UInt64, _ v: UInt8) { VolatileMappedRegister<UInt8>(unsafeBitPattern: UInt(a)).store(v) }
    static func store16(_ a: UInt64, _ v: UInt16) { VolatileMappedRegister<UInt16>(unsafeBitPattern: UInt(a)).store(v) }
    static func store32(_ a: UInt64, _ v: UInt32) { VolatileMappedRegister<UInt32>(unsafeBitPattern: UInt(a)).store(v) }
    static func store64(_ a: UInt64, _ v: UInt64) { VolatileMappedRegister<UInt64>(unsafeBitPattern: UInt(a)).store(v) }
}

enum Console {
    private static let outOffset: UInt64 = 1024
    private static let outSize: UInt32 = 2048
    private static let outConsOffset: UInt64 = 3080
    private static let outProdOffset: UInt64 = 3084

    /// VA of the ring, or 0 while output goes through console_io.
    nonisolated(unsafe) static var ring: UInt64 = 0
    nonisolated(unsafe) static var port: UInt32 = 0
    nonisolated(unsafe) private static var prod: UInt32 = 0
    /// Staging buffer for console_io output.
    nonisolated(unsafe) private static var staged: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0)
    nonisolated(unsafe) private static var stagedCount = 0

    /// Finds the ring through the M2P (start_info gives its MFN) and its event channel.
    static func setUp() {
        guard let pfn = Memory.pfn(ofMFN: StartInfo.consoleMFN), pfn < StartInfo.nrPages,
              StartInfo.consoleEvtchn != 0 else {
            printf("ERROR: no usable console ring (mfn %x, evtchn %u)\n",
                   StartInfo.consoleMFN, StartInfo.consoleEvtchn)
            Test.record(.error)
            return
        }
        ring = Memory.va(ofPFN: pfn)
        port = StartInfo.consoleEvtchn
        prod = Volatile.load32(ring + outProdOffset)
    }

    static func put(_ byte: UInt8) {
        if ring == 0 {
            withUnsafeMutableBytes(of: &staged) { $0[stagedCount] = byte }
            stagedCount += 1
            if stagedCount == MemoryLayout.size(ofValue: staged) { flush() }
            return
        }
        if prod &- Volatile.load32(ring + outConsOffset) >= outSize {
            flush()
            var spins = 0
            while prod &- Volatile.load32(ring + outConsOffset) >= outSize {
                spins += 1
                if spins > 100_000 { return }   // backend gone: drop rather than hang
                _ = HYPERVISOR.yield()
            }
        }
        Volatile.store8(ring + outOffset + UInt64(prod & (outSize - 1)), byte)
        prod &+= 1
    }

    /// Publishes what `put` wrote and kicks the backend.
    static func flush() {
        if ring == 0 {
            if stagedCount > 0 {
                let count = stagedCount
                _ = withUnsafeBytes(of: &staged) { HYPERVISOR.consoleWrite($0.baseAddress!, count) }
                stagedCount = 0
            }
            return
        }
        // Volatile stores stay in program order and x86 does not reorder stores: the bytes are
        // visible before the index.
        Volatile.store32(ring + outProdOffset, prod)
        var send = EvtchnPortArg(port: port)
        _ = HYPERVISOR.eventChannelOp(EvtchnOp.send, &send)
    }

    static func write(_ s: StaticString) {
        s.withUTF8Buffer { for b in $0 { put(b) } }
        flush()
    }

    /// Waits (bounded) until the backend has consumed everything, so that the last line is not
    /// lost when the domain goes away.
    static func drain() {
        guard ring != 0 else { return }
        var spins = 0
        while Volatile.load32(ring + outConsOffset) != prod && spins < 20_000 {
            _ = HYPERVISOR.yield()
            spins += 1
        }
    }

    /// Writes `s` with console_io only (CONSOLEIO_write), bypassing the ring.
    static func ioWrite(_ s: StaticString) -> Int {
        HYPERVISOR.consoleWrite(UnsafeRawPointer(s.utf8Start), s.utf8CodeUnitCount)
    }
}

/// Up to five integer arguments of a format string, already widened (sign-extended) to 64 bits.
struct FormatArgs {
    var values: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)

    subscript(_ i: Int) -> UInt64 {
        switch i {
        case 0: values.0
        case 1: values.1
        case 2: values.2
        case 3: values.3
        default: values.4
        }
    }

    init() {}
    init(_ a: some FixedWidthInteger) { values.0 = UInt64(truncatingIfNeeded: a) }
    init(_ a: some FixedWidthInteger, _ b: some FixedWidthInteger) {
        self.init(a); values.1 = UInt64(truncatingIfNeeded: b)
    }
    init(_ a: some FixedWidthInteger, _ b: some FixedWidthInteger, _ c: some FixedWidthInteger) {
        self.init(a, b); values.2 = UInt64(truncatingIfNeeded: c)
    }
    init(_ a: some FixedWidthInteger, _ b: some FixedWidthInteger, _ c: some FixedWidthInteger,
         _ d: some FixedWidthInteger) {
        self.init(a, b, c); values.3 = UInt64(truncatingIfNeeded: d)
    }
    init(_ a: some FixedWidthInteger, _ b: some FixedWidthInteger, _ c: some FixedWidthInteger,
         _ d: some FixedWidthInteger, _ e: some FixedWidthInteger) {
        self.init(a, b, c, d); values.4 = UInt64(truncatingIfNeeded: e)
    }
}

enum Format {
    /// Formats `format` with `args` into the console, without flushing.
    static func emit(_ format: StaticString, _ args: FormatArgs) {
        format.withUTF8Buffer { f in
            var i = 0
            var next = 0
            while i < f.count {
                let c = f[i]
                i += 1
                guard c == UInt8(ascii: "%"), i < f.count else { Console.put(c); continue }
                var zeroPad = false
                var width = 0
                if f[i] == UInt8(ascii: "0") { zeroPad = true; i += 1 }
                while i < f.count, f[i] >= UInt8(ascii: "0"), f[i] <= UInt8(ascii: "9") {
                    width = width * 10 + Int(f[i] - UInt8(ascii: "0"))
                    i += 1
                }
                guard i < f.count else { break }
                let spec = f[i]
                i += 1
                if spec == UInt8(ascii: "%") { Console.put(spec); continue }
                let v = args[next]
                next += 1
                switch spec {
                case UInt8(ascii: "x"): number(v, base: 16, width: width, zeroPad: zeroPad)
                case UInt8(ascii: "u"): number(v, base: 10, width: width, zeroPad: zeroPad)
                case UInt8(ascii: "d"):
                    let s = Int64(bitPattern: v)
                    if s < 0 { Console.put(UInt8(ascii: "-")) }
                    number(s < 0 ? 0 &- v : v, base: 10, width: width, zeroPad: zeroPad)
                case UInt8(ascii: "s"): string(v)
                case UInt8(ascii: "c"): Console.put(UInt8(truncatingIfNeeded: v))
                default: Console.put(UInt8(ascii: "%")); Console.put(spec)
                }
            }
        }
    }

    private static func number(_ v: UInt64, base: UInt64, width: Int, zeroPad: Bool) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: enough for 20 digits
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                let d = UInt8(x % base)
                buf[n] = d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10
                n += 1
                x /= base
            } while x != 0
            var pad = width - n
            while pad > 0 { Console.put(zeroPad ? UInt8(ascii: "0") : UInt8(ascii: " ")); pad -= 1 }
            while n > 0 { n -= 1; Console.put(buf[n]) }
        }
    }

    /// A NUL-terminated string at guest address `address` (at most 1024 bytes).
    private static func string(_ address: UInt64) {
        guard let p = UnsafeRawPointer(bitPattern: UInt(address)) else {
            Console.write("(null)")
            return
        }
        for i in 0..<CString.length(p, max: 1024) { Console.put(p.load(fromByteOffset: i, as: UInt8.self)) }
    }
}

func printf(_ format: StaticString) {
    Format.emit(format, FormatArgs()); Console.flush()
}
func printf(_ format: StaticString, _ a: some FixedWidthInteger) {
    Format.emit(format, FormatArgs(a)); Console.flush()
}
func printf(_ format: StaticString, _ a: some FixedWidthInteger, _ b: some FixedWidthInteger) {
    Format.emit(format, FormatArgs(a, b)); Console.flush()
}
func printf(_ format: StaticString, _ a: some FixedWidthInteger, _ b: some FixedWidthInteger,
            _ c: some FixedWidthInteger) {
    Format.emit(format, FormatArgs(a, b, c)); Console.flush()
}
func printf(_ format: StaticString, _ a: some FixedWidthInteger, _ b: some FixedWidthInteger,
            _ c: some FixedWidthInteger, _ d: some FixedWidthInteger) {
    Format.emit(format, FormatArgs(a, b, c, d)); Console.flush()
}
func printf(_ format: StaticString, _ a: some FixedWidthInteger, _ b: some FixedWidthInteger,
            _ c: some FixedWidthInteger, _ d: some FixedWidthInteger, _ e: some FixedWidthInteger) {
    Format.emit(format, FormatArgs(a, b, c, d, e)); Console.flush()
}

/// The address of a string for `%s`.
func cstr(_ s: StaticString) -> UInt64 { UInt64(UInt(bitPattern: s.utf8Start)) }
func cstr(_ p: UnsafeRawPointer) -> UInt64 { va(p) }
