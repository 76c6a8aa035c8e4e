// Finding the transport checksum as Linux skb_checksum_setup does, the
// pseudo-header sum, and completing a blank checksum in software.
import Testing
@testable import Backends

@Suite struct NetChecksumTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func findsTheField(v6: Bool, udp: Bool) throws {
        let f = ipFrame(payload: 100, v6: v6, udp: udp)
        let s = try NetChecksumSetup.parse(f[...], frameLength: f.count)
        #expect(s.ipVersion == (v6 ? 6 : 4))
        #expect(s.transport == (udp ? 17 : 6))
        #expect(s.csumStart == (v6 ? 54 : 34))
        #expect(s.csumOffset == (udp ? 6 : 16))
        #expect(s.headerLength == s.csumStart + (udp ? 8 : 20))
        // The field holds the pseudo-header sum (ipFrame put it there).
        let field = UInt16(f[s.csumStart + s.csumOffset]) << 8 | UInt16(f[s.csumStart + s.csumOffset + 1])
        #expect(field == s.pseudoHeaderSum)
    }

    /// The pseudo-header sum of a known IPv4 TCP segment: 10.0.0.1 →
    /// 10.0.0.2, protocol 6, length 120: 0x0a00 + 0x0001 + 0x0a00 + 0x0002
    /// + 6 + 120 = 0x1481.
    @Test func pseudoHeaderGolden() throws {
        let f = ipFrame(payload: 100)
        #expect(try NetChecksumSetup.parse(f[...], frameLength: f.count).pseudoHeaderSum == 0x1481)
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func completesBlankChecksums(v6: Bool, udp: Bool) throws {
        var f = ipFrame(payload: 1001, v6: v6, udp: udp)
        #expect(!checksumValid(f))
        let s = try NetChecksumSetup.parse(f[...], frameLength: f.count)
        #expect(NetChecksumSetup.complete(&f, frame: 0..<f.count, start: s.csumStart, offset: s.csumOffset))
        #expect(checksumValid(f))
        #expect(!NetChecksumSetup.complete(&f, frame: 0..<f.count, start: f.count - 1, offset: 6))
    }

    @Test func ipv6ExtensionHeadersAreWalked() throws {
        var f = ipFrame(payload: 10, v6: true)
        // Insert a hop-by-hop header (8 bytes) before TCP.
        let tcp = Array(f[54...])
        f = Array(f[0..<54])
        f[20] = 0                                       // next header: hop-by-hop
        f += [6, 0, 1, 4, 0, 0, 0, 0]                   // next TCP, length 0 (8 bytes), PadN
        f += tcp
        let s = try NetChecksumSetup.parse(f[...], frameLength: f.count)
        #expect(s.csumStart == 62 && s.transport == 6)
    }

    enum Bad: CaseIterable { case vlan, truncated, shortIHL, fragment, icmp, v6Fragment }

    @Test(arguments: Bad.allCases)
    func refusesWhatLinuxRefuses(_ c: Bad) {
        var f = ipFrame(payload: 40)
        let expected: NetChecksumError
        switch c {
        case .vlan:
            f.insert(contentsOf: [0x81, 0x00, 0, 5], at: 12)
            expected = .notIP(etherType: 0x8100)
        case .truncated:
            f = Array(f[0..<40])
            expected = .truncated
        case .shortIHL:
            f[14] = 0x44
            expected = .badIPv4HeaderLength(16)
        case .fragment:
            f[20] = 0x20                                   // MF
            expected = .fragment
        case .icmp:
            f[23] = 1
            expected = .unsupportedProtocol(1)
        case .v6Fragment:
            f = ipFrame(payload: 40, v6: true)
            let tcp = Array(f[54...])
            f = Array(f[0..<54])
            f[20] = 44
            f += [6, 0, 0x00, 0x09, 0, 0, 0, 1]            // offset 1, M set
            f += tcp
            expected = .fragment
        }
        #expect(throws: expected) { try NetChecksumSetup.parse(f[...], frameLength: f.count) }
    }
}
