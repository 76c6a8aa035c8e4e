// Opening images (and the one-line errors when that fails) and the
// xenstore nodes the backend publishes.
import Glibc
import Testing
import XenABI
@testable import Backends

@Suite struct BlockBackendTests {
    @Test func missingImage() {
        let path = "/tmp/xenolith-blk-does-not-exist-\(getpid())"
        #expect(throws: BlockBackendError.open(path: path, readOnly: false, errno: ENOENT)) {
            try BlockBackend(path: path, readOnly: false)
        }
        let text = BlockBackendError.open(path: path, readOnly: false, errno: ENOENT).description
        #expect(text.hasPrefix("disk image '\(path)': cannot open read-write: No such file or directory"))
        #expect(!text.contains("\n"))
    }

    @Test func directoryIsNotADisk() {
        #expect(throws: BlockBackendError.open(path: "/tmp", readOnly: false, errno: EISDIR)) {
            try BlockBackend(path: "/tmp", readOnly: false)
        }
        #expect(throws: BlockBackendError.notADisk(path: "/tmp")) {
            try BlockBackend(path: "/tmp", readOnly: true)
        }
    }

    @Test func emptyImage() throws {
        let image = try Image(sectors: 0, fill: false)
        #expect(throws: BlockBackendError.empty(path: image.path, bytes: 0)) {
            try BlockBackend(path: image.path, readOnly: false)
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root ignores file modes"))
    func readOnlyFileNeedsReadOnlyMode() throws {
        let image = try Image(sectors: 8, mode: 0o400)
        #expect(throws: BlockBackendError.open(path: image.path, readOnly: false, errno: EACCES)) {
            try BlockBackend(path: image.path, readOnly: false)
        }
        _ = try BlockBackend(path: image.path, readOnly: true)
    }

    @Test func sizeIsWholeSectors() throws {
        let image = try Image(sectors: 10)
        try image.write([1, 2, 3], at: 10 * 512)            // a partial eleventh sector
        let b = try BlockBackend(path: image.path, readOnly: false)
        #expect(b.sectors == 10)
        #expect(b.deviceNodes["sectors"] == "10")
    }

    @Test func nodesOfAWritableDisk() throws {
        let image = try Image(sectors: 2048)
        let b = try BlockBackend(path: image.path, readOnly: false)
        #expect(b.transportNodes == [
            "feature-max-indirect-segments": "256",
            "max-ring-page-order": "4",
            "multi-queue-max-queues": "4",
        ])
        var expected: [String: String] = [
            "sectors": "2048",
            "sector-size": "512",
            "info": "0",
            "feature-flush-cache": "1",
            "feature-barrier": "1",
            "feature-discard": b.discardEnabled ? "1" : "0",
        ]
        if b.discardEnabled {
            expected["discard-granularity"] = "\(b.image.blockSize)"
            expected["discard-alignment"] = "0"
            expected["discard-secure"] = "0"
        }
        #expect(b.deviceNodes == expected)
        #expect(b.backendNodes.count == b.transportNodes.count + b.deviceNodes.count)
        #expect(b.image.blockSize >= 512 && b.image.blockSize & (b.image.blockSize - 1) == 0)
    }

    @Test func nodesOfAReadOnlyDisk() throws {
        let image = try Image(sectors: 64)
        let b = try BlockBackend(path: image.path, readOnly: true)
        #expect(b.deviceNodes == [
            "sectors": "64",
            "sector-size": "512",
            "info": "\(Vdisk.readonly.rawValue)",
            "feature-flush-cache": "0",
            "feature-barrier": "0",
            "feature-discard": "0",
        ])
    }

    @Test func optionsAreClamped() throws {
        let image = try Image(sectors: 8)
        var o = BlockBackend.Options()
        o.maxIndirectSegments = 100_000
        o.maxQueues = 0
        o.maxRingPageOrder = -3
        let b = try BlockBackend(path: image.path, readOnly: false, options: o)
        #expect(b.transportNodes["feature-max-indirect-segments"] == "4096")
        #expect(b.transportNodes["multi-queue-max-queues"] == "1")
        #expect(b.transportNodes["max-ring-page-order"] == "0")
    }

    @Test func closesTheImage() throws {
        let image = try Image(sectors: 8)
        var sys: BlkSyscalls?
        do {
            let b = try BlockBackend(path: image.path, readOnly: false)
            sys = b.image.sys
            #expect(sys?.count(.close) == 0)
        }
        #expect(sys?.count(.close) == 1)
    }
}
