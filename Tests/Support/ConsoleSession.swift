// Drives a guest console through `xenolith create -F -c` (or `xenolith
// console NAME`) the way a person at a terminal would: the test writes
// command lines to the process's stdin and waits for marker lines on its
// stdout.
import Foundation

public final class ConsoleSession: @unchecked Sendable {
    // @unchecked: `buffer`, `consumed` and `exited` are guarded by `condition`.
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let condition = NSCondition()
    private var buffer = Data()
    private var consumed = 0
    private var errorText = Data()
    private var exited = false

    public struct Timeout: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `xenolith create -F -c` with `arguments` (config and
    /// overrides), through `launcher` when given (a command that runs
    /// another, e.g. `NetworkNamespace.execPrefix`).
    public convenience init(arguments: [String], launcher: [String] = []) throws {
        guard let executable = XenolithProcess.executable else {
            throw XenolithProcess.Failure("the xenolith executable is not next to the test bundle; build it first")
        }
        if let first = launcher.first {
            try self.init(executable: URL(fileURLWithPath: first),
                          arguments: Array(launcher.dropFirst()) + [executable.path, "create", "-F", "-c"] + arguments)
        } else {
            try self.init(executable: executable, arguments: ["create", "-F", "-c"] + arguments)
        }
    }

    /// Starts `xenolith <command>` (e.g. `console NAME`) with `environment`
    /// added to ours.
    public convenience init(command: [String], environment: [String: String] = [:]) throws {
        guard let executable = XenolithProcess.executable else {
            throw XenolithProcess.Failure("the xenolith executable is not next to the test bundle; build it first")
        }
        try self.init(executable: executable, arguments: command, environment: environment)
    }

    /// Starts any program whose stdin/stdout is a guest console (QEMU's
    /// `-nographic` serial console, say), with `environment` added to ours.
    public init(executable: URL, arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        process.terminationHandler = { [weak self] _ in
            guard let self else { return }
            self.condition.lock(); self.exited = true; self.condition.broadcast(); self.condition.unlock()
        }
        output.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.condition.lock(); self.buffer.append(d); self.condition.broadcast(); self.condition.unlock()
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.condition.lock(); self.errorText.append(d); self.condition.unlock()
        }
        try process.run()
    }

    /// The process's id (for signals such as xenolith's SIGUSR2 report).
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Everything the guest printed so far.
    public var transcript: String {
        condition.lock(); defer { condition.unlock() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// What xenolith wrote on stderr so far.
    public var stderr: String {
        condition.lock(); defer { condition.unlock() }
        return String(decoding: errorText, as: UTF8.self)
    }

    /// Waits until `text` appears after what earlier waits consumed;
    /// returns the output up to and including it.
    @discardableResult
    public func waitFor(_ text: String, timeout: TimeInterval) throws -> String {
        let needle = Data(text.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let r = buffer.range(of: needle, in: consumed..<buffer.count) {
                let chunk = buffer[consumed..<r.upperBound]
                consumed = r.upperBound
                return String(decoding: chunk, as: UTF8.self)
            }
            if exited {
                throw Timeout(description: "xenolith exited before the guest printed '\(text)'; last output:\n\(tail())")
            }
            if !condition.wait(until: deadline) {
                throw Timeout(description: "no '\(text)' within \(Int(timeout)) s; last output:\n\(tail())")
            }
        }
    }

    private func tail() -> String {
        String(decoding: buffer.suffix(2000), as: UTF8.self)
    }

    /// Types `line` and Return on the console.
    public func send(_ line: String) {
        type(Data((line + "\n").utf8))
    }

    /// Types Ctrl-], the console's escape: `xenolith console` detaches.
    public func sendEscape() {
        type(Data([0x1d]))
    }

    /// Writes to the process's stdin; nothing once it has ended (a write
    /// to the closed pipe would raise SIGPIPE in the test process).
    private func type(_ data: Data) {
        condition.lock()
        let gone = exited
        condition.unlock()
        guard !gone else { return }
        Self.ignoreSIGPIPE
        try? input.fileHandleForWriting.write(contentsOf: data)
    }

    /// The process may still end between the check and the write: EPIPE
    /// then, not a signal.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Runs `command` in the guest shell and returns what it printed
    /// between two unique marker lines.
    public func run(_ command: String, timeout: TimeInterval) throws -> String {
        let id = UUID().uuidString.prefix(8)
        // The markers are built by the shell so that the echo of the typed
        // command line cannot match them.
        send("echo @@\"begin\"-\(id)@@; \(command); echo @@\"end\"-\(id)@@")
        try waitFor("@@begin-\(id)@@", timeout: 30)
        let body = try waitFor("@@end-\(id)@@", timeout: timeout)
        return String(body.dropLast("@@end-\(id)@@".count))
    }

    /// Ends the process at once if it still runs. SIGKILL, not SIGTERM:
    /// xenolith started from swift-testing inherits a signal mask that
    /// blocks SIGTERM, so a SIGTERM would stay pending.
    public func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the process to end; returns its exit status.
    public func waitForExit(timeout: TimeInterval) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        while !exited {
            if !condition.wait(until: deadline) {
                condition.unlock()
                terminate()
                throw Timeout(description: "xenolith did not exit within \(Int(timeout)) s")
            }
        }
        condition.unlock()
        return process.terminationStatus
    }

    deinit {
        terminate()
    }
}
