// The shim ELF (built by scripts/build-shim): its loadable segments and the
// symbols the host needs to wire it up (IDT stubs, syscall entries).

import XenPV

public struct ShimImage: Sendable {
    public struct Segment: Sendable {
        public var vaddr: UInt64
        public var data: [UInt8]
        public var memSize: UInt64
    }
    public var segments: [Segment]
    public var symbols: [String: UInt64]

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses the shim ELF. The file comes from our own build, but is still
    /// read with bounds checks: a stale or damaged build must give an error.
    public static func parse(_ b: [UInt8]) throws(LoadError) -> ShimImage {
        func u16(_ o: Int) throws(LoadError) -> UInt64 {
            guard o >= 0, o + 2 <= b.count else { throw LoadError(description: "shim image truncated") }
            return UInt64(b[o]) | UInt64(b[o + 1]) << 8
        }
        func u32(_ o: Int) throws(LoadError) -> UInt64 { try u16(o) | (try u16(o + 2)) << 16 }
        func u64(_ o: Int) throws(LoadError) -> UInt64 { try u32(o) | (try u32(o + 4)) << 32 }
        guard b.count > 64, b[0] == 0x7f, b[1] == 0x45, b[2] == 0x4c, b[3] == 0x46, b[4] == 2 else {
            throw LoadError(description: "shim image is not an ELF64 file")
        }
        let phoff = Int(try u64(0x20)), shoff = Int(try u64(0x28))
        let phnum = Int(try u16(0x38)), shnum = Int(try u16(0x3c))
        var segments: [Segment] = []
        for i in 0..<phnum {
            let p = phoff + i * 56
            guard try u32(p) == 1 else { continue } // PT_LOAD
            let off = Int(try u64(p + 8)), vaddr = try u64(p + 16)
            let filesz = Int(try u64(p + 32)), memsz = try u64(p + 40)
            guard off >= 0, filesz >= 0, off + filesz <= b.count, UInt64(filesz) <= memsz else {
                throw LoadError(description: "shim segment outside the file")
            }
            segments.append(Segment(vaddr: vaddr, data: Array(b[off..<(off + filesz)]), memSize: memsz))
        }
        var symbols: [String: UInt64] = [:]
        for i in 0..<shnum {
            let s = shoff + i * 64
            guard try u32(s + 4) == 2 else { continue } // SHT_SYMTAB
            let off = Int(try u64(s + 24)), size = Int(try u64(s + 32)), link = Int(try u32(s + 40))
            let strOff = Int(try u64(shoff + link * 64 + 24))
            for j in 0..<(size / 24) {
                let e = off + j * 24
                var nameAt = strOff + Int(try u32(e))
                var name: [UInt8] = []
                while nameAt < b.count, b[nameAt] != 0, name.count < 256 { name.append(b[nameAt]); nameAt += 1 }
                symbols[String(decoding: name, as: UTF8.self)] = try u64(e + 8)
            }
        }
        for required in ["shim_vector_table", "shim_syscall_page", "shim_return_path", "shim_return_end", "shim_syscall_entry", "shim_syscall32_entry"] where symbols[required] == nil {
            throw LoadError(description: "shim image lacks symbol \(required)")
        }
        let page = symbols["shim_syscall_page"]!
        for (entry, offset) in [("shim_syscall_entry", ShimFrame.syscallEntryOffset),
                                ("shim_syscall32_entry", ShimFrame.syscall32EntryOffset)] {
            guard page & 0xfff == 0, symbols[entry] == page + offset else {
                throw LoadError(description: "shim image: \(entry) is not at offset \(offset) of the page-aligned shim_syscall_page")
            }
        }
        return ShimImage(segments: segments, symbols: symbols)
    }

    /// LSTAR/CSTAR value for a syscall entry symbol: its address in the
    /// slot-258 alias of shim_syscall_page (Layout.syscallAliasVirtBase).
    public func syscallAlias(_ symbol: String) -> UInt64? {
        guard let page = symbols["shim_syscall_page"], let e = symbols[symbol] else { return nil }
        return Layout.syscallAliasVirtBase + (e - page)
    }
}
