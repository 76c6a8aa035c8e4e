// Runtime.swift — start of day for every test guest: `xenolith_start` (called by head.S `_start`)
// installs the trap table and callbacks, finds the console ring and maps shared_info, prints the
// test's first line, runs the guest's `testMain()` and finishes. Also the accessors for the image
// description (head.S `image_info`), start_info and the command line.
// Facts: start_info layout public/xen.h `struct start_info` (offsets below); shared_info is not
// mapped at entry and is mapped by machine address with update_va_mapping (public/xen.h
// `HYPERVISOR_update_va_mapping`); M2P location from XENMEM_machphys_mapping (public/memory.h).

/// head.S `image_info`, eight bytes per field, in this order.
struct ImageInfo {
    var imageStart: UInt64 = 0
    var imageEnd: UInt64 = 0
    var exTableStart: UInt64 = 0
    var exTableEnd: UInt64 = 0
    var bootStackTop: UInt64 = 0
    var kernelStackTop: UInt64 = 0
    var sharedInfoSlot: UInt64 = 0
    var pagePool: UInt64 = 0
    var pagePoolPages: UInt64 = 0
    var hypercallPage: UInt64 = 0     // 0 unless the guest declares XEN_ELFNOTE_HYPERCALL_PAGE
    var trapEntryTable: UInt64 = 0    // traps.S trap_entry_table
    var bootRSP: UInt64 = 0           // registers as found at _start
    var bootCS: UInt64 = 0
    var bootSS: UInt64 = 0
    var bootDS: UInt64 = 0
    var bootES: UInt64 = 0
    var bootFS: UInt64 = 0
    var bootGS: UInt64 = 0
    var bootRFLAGS: UInt64 = 0
}

enum Runtime {
    nonisolated(unsafe) static var image = ImageInfo()
    /// `vcpu_info[0].evtchn_upcall_mask` as found at entry (the ABI says 1).
    nonisolated(unsafe) static var initialUpcallMask: UInt8 = 0xff
}

/// start_info, read at the offsets of public/xen.h `struct start_info` (1168 bytes): magic[32] 0,
/// nr_pages 32, shared_info 40, flags 48 (u32), store_mfn 56, store_evtchn 64 (u32),
/// console.domU.mfn 72, console.domU.evtchn 80 (u32), pt_base 88, nr_pt_frames 96, mfn_list 104,
/// mod_start 112, mod_len 120, cmd_line[1024] 128, first_p2m_pfn 1152, nr_p2m_frames 1160.
enum StartInfo {
    nonisolated(unsafe) static var base: UInt64 = 0

    static var magic: UnsafeRawPointer { UnsafeRawPointer(bitPattern: UInt(base))! }
    static var nrPages: UInt64 { field(32) }
    static var sharedInfoMachineAddress: UInt64 { field(40) }
    static var flags: UInt32 { UInt32(truncatingIfNeeded: field(48) as UInt64) }
    static var storeMFN: UInt64 { field(56) }
    static var storeEvtchn: UInt32 { UInt32(truncatingIfNeeded: field(64) as UInt64) }
    static var consoleMFN: UInt64 { field(72) }
    static var consoleEvtchn: UInt32 { UInt32(truncatingIfNeeded: field(80) as UInt64) }
    static var ptBase: UInt64 { field(88) }
    static var nrPTFrames: UInt64 { field(96) }
    static var mfnList: UInt64 { field(104) }
    static var cmdLine: UnsafeRawPointer { UnsafeRawPointer(bitPattern: UInt(base + 128))! }
    static let cmdLineSize = 1024

    private static func field(_ offset: UInt64) -> UInt64 {
        UnsafeRawPointer(bitPattern: UInt(base + offset))!.loadUnaligned(as: UInt64.self)
    }
}

/// The NUL-terminated start_info command line, as space-separated words.
enum Cmdline {
    /// True if `word` appears as a whole word.
    static func has(_ word: StaticString) -> Bool {
        var found = false
        forEachWord { start, length in
            if CString.equal(start, length, word) { found = true }
        }
        return found
    }

    /// The decimal value of `key=<digits>`, if present.
    static func number(_ key: StaticString) -> UInt64? {
        var result: UInt64? = nil
        let keyLength = key.utf8CodeUnitCount
        forEachWord { start, length in
            guard length > keyLength + 1, CString.equal(start, keyLength, key),
                  start.load(fromByteOffset: keyLength, as: UInt8.self) == UInt8(ascii: "=")
            else { return }
            var value: UInt64 = 0
            for i in (keyLength + 1)..<length {
                let c = start.load(fromByteOffset: i, as: UInt8.self)
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return }
                value = value &* 10 &+ UInt64(c - UInt8(ascii: "0"))
            }
            result = value
        }
        return result
    }

    private static func forEachWord(_ body: (UnsafeRawPointer, Int) -> Void) {
        let line = StartInfo.cmdLine
        var i = 0
        while i < StartInfo.cmdLineSize {
            while i < StartInfo.cmdLineSize, line.load(fromByteOffset: i, as: UInt8.self) == 32 { i += 1 }
            let start = i
            while i < StartInfo.cmdLineSize {
                let c = line.load(fromByteOffset: i, as: UInt8.self)
                if c == 0 || c == 32 { break }
                i += 1
            }
            if i > start { body(line + start, i - start) }
            if i >= StartInfo.cmdLineSize || line.load(fromByteOffset: i, as: UInt8.self) == 0 { return }
        }
    }
}

/// The image address of an assembly label declared to Swift as a C function.
func address(of label: @convention(c) () -> Void) -> UInt64 {
    UInt64(UInt(bitPattern: unsafeBitCast(label, to: UnsafeRawPointer.self)))
}

/// Helpers for NUL-terminated byte strings in guest memory.
enum CString {
    static func length(_ p: UnsafeRawPointer, max: Int) -> Int {
        var n = 0
        while n < max, p.load(fromByteOffset: n, as: UInt8.self) != 0 { n += 1 }
        return n
    }

    /// True if the `length` bytes at `p` equal `s`.
    static func equal(_ p: UnsafeRawPointer, _ length: Int, _ s: StaticString) -> Bool {
        guard length == s.utf8CodeUnitCount else { return false }
        return s.withUTF8Buffer { bytes in
            for i in 0..<length where p.load(fromByteOffset: i, as: UInt8.self) != bytes[i] {
                return false
            }
            return true
        }
    }

    /// True if the NUL-terminated string at `p` (at most `max` bytes) contains `s`.
    static func contains(_ p: UnsafeRawPointer, max: Int, _ s: StaticString) -> Bool {
        let n = length(p, max: max)
        let m = s.utf8CodeUnitCount
        guard m <= n else { return false }
        for start in 0...(n - m) where equal(p + start, m, s) { return true }
        return false
    }

    /// True if the NUL-terminated string at `p` starts with `s`.
    static func hasPrefix(_ p: UnsafeRawPointer, _ s: StaticString) -> Bool {
        equal(p, s.utf8CodeUnitCount, s)
    }
}

/// Entry from head.S with the start_info VA and the image description.
@_cdecl("xenolith_start")
func xenolithStart(_ startInfo: UnsafeRawPointer, _ imageInfo: UnsafeRawPointer) -> Never {
    StartInfo.base = va(startInfo)
    Runtime.image = imageInfo.loadUnaligned(as: ImageInfo.self)

    // Faults from here on are reported (through console_io until the ring is known).
    Traps.installDefaultTable()
    Events.registerCallbacks()
    Memory.setUp()
    Console.setUp()
    SharedInfo.map()
    Runtime.initialUpcallMask = SharedInfo.upcallMask

    Console.write("--- Xenolith test guest: ")
    Console.write(testName)
    Console.write(" ---\n")
    testMain()
    finish()
}
