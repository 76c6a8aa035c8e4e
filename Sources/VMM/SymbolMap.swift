// Guest kernel symbols from a System.map (the real one is in Debian's
// linux-image-*-dbg package; the one in the image package is a placeholder):
// turns a guest RIP into `function+0xoffset` in diagnostics.
import Foundation

public struct SymbolMap: Sendable {
    private let addresses: [UInt64]
    private let names: [String]

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `address type name` lines; only text symbols (t/T) count.
    public init(contentsOf path: String) throws(LoadError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read symbol map '\(path)'")
        }
        var entries: [(UInt64, String)] = []
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, fields[1] == "t" || fields[1] == "T",
                  let address = UInt64(fields[0], radix: 16) else { continue }
            entries.append((address, String(fields[2])))
        }
        guard !entries.isEmpty else {
            throw LoadError(description: "'\(path)' has no text symbols (Debian's image package ships a placeholder System.map; the real one is in linux-image-*-dbg)")
        }
        entries.sort { $0.0 < $1.0 }
        addresses = entries.map(\.0)
        names = entries.map(\.1)
    }

    /// `name+0xoffset` for `address`, nil below the first symbol.
    public func symbolize(_ address: UInt64) -> String? {
        var lo = 0, hi = addresses.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if addresses[mid] <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let offset = address - addresses[lo - 1]
        guard offset < 1 << 24 else { return nil }
        return "\(names[lo - 1])+0x\(String(offset, radix: 16))"
    }
}
