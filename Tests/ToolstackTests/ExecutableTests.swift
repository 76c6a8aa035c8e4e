import Foundation
import Testing
import XenolithTestSupport

/// The built `xenolith` binary, run as a user would: bad input must give one
/// line on stderr and exit status 2, never a trap or a usage dump.
@Suite struct ExecutableTests {
    static func run(_ arguments: [String]) throws -> XenolithProcess.Result {
        try XenolithProcess.run(arguments, timeout: 60)
    }

    @Test("malformed input: one line, status 2", arguments: [
        ("name = 'web'\nkernel = '/k'\nmemory 256\n", [String](), "xenolith: web.cfg:3: expected '=' after 'memory'"),
        ("name = 'web'\nkernel = '/k'\n", ["memory=0"],
         "xenolith: create domain 'web': override 'memory=0': config key 'memory' must be at least 1 MiB, not 0"),
        ("name = 'web'\nkernel = '/k'\ndisk = [ '/d.img,qcow2,xvda' ]\n", [],
         "xenolith: create domain 'web': web.cfg:3: disk '/d.img,qcow2,xvda': format 'qcow2' is not supported yet (supported: 'raw')"),
        ("name = 'web'\nkernel = '/k'\ndisk = [ '/nonexistent/d.img,raw,xvda,rw' ]\n", [],
         "xenolith: create domain 'web': disk 'xvda': image '/nonexistent/d.img' does not exist"),
        ("name = 'web'\nkernel = '/k'\nvfb = []\n", [],
         "xenolith: create domain 'web': web.cfg:3: config key 'vfb' is not supported yet"),
        ("name = 'web'\nkernel = '/k'\nfrobnicate = 1\n", [],
         "xenolith: create domain 'web': web.cfg:3: unknown config key 'frobnicate'"),
    ])
    func malformed(text: String, overrides: [String], expected: String) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("xenolith-exe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("web.cfg").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        let result = try Self.run(["create", path] + overrides)
        #expect(result.status == 2)
        #expect(result.stderr == expected.replacingOccurrences(of: "web.cfg", with: path) + "\n")
        #expect(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2)
        #expect(!result.stderr.contains("Fatal error"))
        #expect(!result.stderr.contains("Backtrace"))
        #expect(!result.stderr.contains("Usage:"))
        #expect(result.stdout.isEmpty)
    }

    @Test func missingFile() throws {
        let result = try Self.run(["create", "/nonexistent/web.cfg"])
        #expect(result.status == 2)
        #expect(result.stderr
            == "xenolith: cannot read config file '/nonexistent/web.cfg': no such file or directory\n")
    }

    @Test func badOptionExitsNonZero() throws {
        let result = try Self.run(["create", "--trace", "bogus", "web.cfg"])
        #expect(result.status != 0)
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func version() throws {
        let result = try Self.run(["version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("xenolith "))
    }
}
