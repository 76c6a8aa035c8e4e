// Running the built `xenolith` executable from tests, as a user would, with
// a watchdog so a hung guest fails its test instead of hanging the suite.
import Foundation

public enum XenolithProcess {
    /// The `xenolith` executable in the build products directory that holds
    /// the running test bundle (SwiftPM builds every product before tests).
    public static let executable: URL? = {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directories = [here.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent()]
        if let xctest = here.pathComponents.lastIndex(where: { $0.hasSuffix(".xctest") }) {
            directories.append(URL(fileURLWithPath: NSString.path(withComponents: Array(here.pathComponents[..<xctest]))))
        }
        return directories.map { $0.appendingPathComponent("xenolith") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// The repository root (this file is Tests/Support/XenolithProcess.swift).
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True if the watchdog killed the process.
        public var timedOut: Bool
    }

    /// Runs xenolith with `arguments`; kills it after `timeout` seconds.
    public static func run(_ arguments: [String], timeout: TimeInterval = 120,
                           environment: [String: String]? = nil) throws -> Result {
        guard let executable else {
            throw Failure("the xenolith executable is not next to the test bundle; build it first")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let killed = Watchdog()
        let pid = process.processIdentifier
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler { killed.fire(); kill(pid, SIGKILL) }
        timer.resume()
        // Read both pipes concurrently so neither can fill and block the child.
        let errData = Collector()
        let errThread = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errThread.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        while !errThread.isFinished { usleep(1000) }
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: errData.get(), as: UTF8.self),
                      timedOut: killed.fired)
    }

    /// Writes `text` as `<name>.cfg` in a fresh temporary directory.
    public static func writeConfig(_ text: String, name: String = "domain") throws -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xenolith-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("\(name).cfg").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, directory)
    }
}

private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func fire() { lock.lock(); value = true; lock.unlock() }
    var fired: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

private final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
