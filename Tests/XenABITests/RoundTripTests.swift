import Testing
import XenABI

/// One wire struct's load/store check: `fields` are the byte ranges its
/// stored fields cover; every other byte is padding or an array that
/// `store(to:)` must leave alone.
struct RoundTripCase: Sendable, CustomTestStringConvertible {
    let name: String
    let size: Int
    let fields: [Range<Int>]
    let run: @Sendable (UnsafeRawPointer, UnsafeMutableRawPointer) -> Bool

    init(_ name: String, size: Int, fields: [Range<Int>],
         run: @escaping @Sendable (UnsafeRawPointer, UnsafeMutableRawPointer) -> Bool) {
        self.name = name
        self.size = size
        self.fields = fields
        self.run = run
    }

    var testDescription: String { name }
}

@Test("load then store copies exactly the field bytes", arguments: roundTripCases)
func roundTrip(_ c: RoundTripCase) {
    // A pattern with no two equal neighbouring bytes, so a shifted or
    // narrowed field shows up.
    let source = (0..<c.size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    var dest = [UInt8](repeating: 0, count: c.size)
    let reloadedEqual = source.withUnsafeBytes { src in
        dest.withUnsafeMutableBytes { dst in
            c.run(src.baseAddress!, dst.baseAddress!)
        }
    }
    #expect(reloadedEqual)
    var covered = [Bool](repeating: false, count: c.size)
    for range in c.fields {
        #expect(range.upperBound <= c.size, "\(c.name): field \(range) beyond size")
        for i in range where i < c.size { covered[i] = true }
    }
    for i in 0..<c.size {
        #expect(dest[i] == (covered[i] ? source[i] : 0), "\(c.name): byte \(i)")
    }
}

@Test func fieldsDoNotOverlap() {
    for c in roundTripCases {
        let sorted = c.fields.sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.upperBound <= b.lowerBound, "\(c.name): \(a) overlaps \(b)")
        }
    }
}
