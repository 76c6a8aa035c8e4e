import Foundation
import Testing

/// The built `xenolith` binary, run as a user would: bad input must give one
/// line on stderr and exit status 2, never a trap or a usage dump.
@Suite struct ExecutableTests {
    /// The `xenolith` executable in the build products directory that holds
    /// this test bundle (SwiftPM builds every product before running tests).
    static let executable: URL? = {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directories = [here.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent()]
        // macOS: .../debug/xenolithPackageTests.xctest/Contents/MacOS/xenolithPackageTests
        if let xctest = here.pathComponents.lastIndex(where: { $0.hasSuffix(".xctest") }) {
            let bundleDirectory = NSString.path(withComponents: Array(here.pathComponents[..<xctest]))
            directories.append(URL(fileURLWithPath: bundleDirectory))
        }
        return directories.map { $0.appendingPathComponent("xenolith") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct MissingExecutable: Error, CustomStringConvertible {
        var description: String { "the xenolith executable is not next to the test bundle; build it first" }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        guard let executable = Self.executable else {
            throw MissingExecutable()
        }
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("malformed input: one line, status 2", arguments: [
        ("name = 'web'\nkernel = '/k'\nmemory 256\n", [String](), "xenolith: web.cfg:3: expected '=' after 'memory'"),
        ("name = 'web'\nkernel = '/k'\n", ["memory=0"],
         "xenolith: create domain 'web': override 'memory=0': config key 'memory' must be at least 1 MiB, not 0"),
        ("name = 'web'\nkernel = '/k'\ndisk = []\n", [],
         "xenolith: create domain 'web': web.cfg:3: config key 'disk' is not supported yet"),
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
