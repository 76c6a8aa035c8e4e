// Issue #4 at the domain level: the `hostilefront` guest (guests/hostilefront/main.swift)
// attacks the block backend and xenstore through its real rings, grants and event channels.
// Whatever it does, the process must keep serving it until it powers off, the other disk must
// keep working, and the images must change only where the guest made valid writes.
import Foundation
import Testing
import XenolithTestSupport

private func kvmUsable() -> Bool { access("/dev/kvm", R_OK | W_OK) == 0 }

@Suite(.enabled(if: kvmUsable(), "needs /dev/kvm"), .serialized)
struct HostileFrontendTests {
    /// The harness's image contents; the guest checks its first page against the same formula
    /// (`imageByte` in the guest).
    static func image(seed: UInt64, bytes: Int = 1 << 20) -> Data {
        Data((0..<UInt64(bytes)).map { o in UInt8(truncatingIfNeeded: (o >> 9) &* 0x9d &+ o &* 7 &+ seed) })
    }

    /// The page the guest writes (`writtenByte` in the guest).
    static func written(seed: UInt64) -> Data {
        Data((0..<UInt64(4096)).map { i in UInt8(truncatingIfNeeded: i &* 13 &+ seed) })
    }

    /// The first byte where `actual` differs from `expected`, for the failure message.
    static func firstDifference(_ actual: Data, _ expected: Data) -> String {
        guard actual.count == expected.count else { return "size \(actual.count), expected \(expected.count)" }
        guard let i = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
            return "identical"
        }
        return "byte \(i) (sector \(i / 512)) is \(actual[i]), expected \(expected[i])"
    }

    @Test func hostileFrontendLeavesProcessDevicesAndImagesIntact() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("xenolith-hostilefront-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let xvda = directory.appendingPathComponent("xvda.img")
        let xvdb = directory.appendingPathComponent("xvdb.img")
        // Seeds and sectors as in the guest: image seeds 0x11/0x22, written pages 0xA5 at xvda
        // sector 64 and 0x5B at xvdb sector 128.
        var expectedA = Self.image(seed: 0x11)
        var expectedB = Self.image(seed: 0x22)
        try expectedA.write(to: xvda)
        try expectedB.write(to: xvdb)
        expectedA.replaceSubrange(64 * 512 ..< 64 * 512 + 4096, with: Self.written(seed: 0xA5))
        expectedB.replaceSubrange(128 * 512 ..< 128 * 512 + 4096, with: Self.written(seed: 0x5B))

        let r = try boot("hostilefront", "disk = [ '\(xvda.path),raw,xvda,rw', '\(xvdb.path),raw,xvdb,rw' ]\n")
        expectSuccess("hostilefront", r)

        let a = try Data(contentsOf: xvda), b = try Data(contentsOf: xvdb)
        #expect(a == expectedA, "xvda: \(Self.firstDifference(a, expectedA))")
        #expect(b == expectedB, "xvdb: \(Self.firstDifference(b, expectedB))")

        // The refusals are reported, the process did not trap, and a guest cannot flood the
        // log (each kind of refusal is logged once; kicking a stopped xenstore ring logs nothing).
        #expect(r.stderr.contains("BLKIF_RSP_ERROR"), "stderr:\n\(r.stderr)")
        #expect(r.stderr.contains("ring halted"), "stderr:\n\(r.stderr)")
        #expect(r.stderr.contains("xenstore ring stopped"), "stderr:\n\(r.stderr)")
        for crash in ["Fatal error", "Backtrace", "Segmentation fault", "Illegal instruction", "Trace/breakpoint"] {
            #expect(!r.stderr.contains(crash), "stderr:\n\(r.stderr)")
        }
        let lines = r.stderr.split(separator: "\n").count
        #expect(lines <= 30, "\(lines) lines on stderr:\n\(r.stderr)")
    }
}
