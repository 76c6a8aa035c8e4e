// `xenolith create` without -F: the domain gets a process of its own that
// outlives the command (xl daemonizes itself the same way: main_create
// with daemonize=1 forks, and the parent returns once the domain exists).
//
// Swift cannot fork safely, so the command runs its own executable again
// as `create -F --detached-child -- <the same config and overrides>` in a
// session of its own (posix_spawn with POSIX_SPAWN_SETSID), stdin and
// stdout on /dev/null and stderr on a pipe. The child claims the runtime
// directory, points stdout at its log file (<base>/~logs/<name>.log) and,
// once the domain is built and about to run, stderr too: the parent then
// reads end of file. Everything the child reported before that (a bad
// kernel, a name already in use) has come through the pipe and is printed
// by the parent, which exits with the child's status; otherwise the
// domain runs and the parent exits 0 (or attaches the console, with -c).
import Foundation

public enum DetachedDomain {
    /// Starts the domain of `config` detached; returns `create`'s exit status.
    /// - Parameters:
    ///   - arguments: the config file and overrides, as given to `create`.
    ///   - options: `create`'s options (forwarded: --trace, --console-log,
    ///     --symbols; -c attaches here once the domain runs).
    public static func start(config: DomainConfig, arguments: [String], options: CreateOptions,
                             output: CommandOutput) -> Int32 {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            output.diagnostic("create domain '\(config.name)': cannot find the xenolith executable (/proc/self/exe)")
            return XenolithExit.hypervisorError
        }
        let (readEnd, writeEnd): (Int32, Int32)
        let pid: Int32
        do {
            (readEnd, writeEnd) = try ControlSys.pipe()
            defer { ControlSys.close(writeEnd) }
            pid = try ControlSys.spawnInNewSession(executable, childArguments(arguments, options: options),
                                                   stderr: writeEnd)
        } catch {
            output.diagnostic("create domain '\(config.name)': cannot start the domain process: \(error)")
            return XenolithExit.hypervisorError
        }
        // End of file: the domain runs (the child moved stderr to its log),
        // or the child ended.
        var reported: [UInt8] = []
        while let chunk = try? ControlSys.read(readEnd, count: 4096), !chunk.isEmpty { reported += chunk }
        ControlSys.close(readEnd)
        if !reported.isEmpty { output.standardError(String(decoding: reported, as: UTF8.self)) }
        // End of file alone does not tell: a child on its way out closes
        // stderr before it can be reaped. It runs once the name's directory
        // is its own and its control socket answers (bound before the
        // domain was built); it failed once it can be reaped.
        let directory = RuntimeDirectory(name: config.name)
        var ended: Int32?
        let deadline = Date().addingTimeInterval(30)
        while true {
            if let status = ControlSys.waitForChild(pid, block: false) { ended = status; break }
            if directory.owner()?.pid == pid && ControlSys.answers(directory.controlSocket) { break }
            if Date() >= deadline {
                output.diagnostic("create domain '\(config.name)': the domain process (pid \(pid)) neither runs nor ends")
                return XenolithExit.hypervisorError
            }
            usleep(10_000)
        }
        guard let status = ended else {
            // Running; nobody here waits for it: when this process exits
            // it is reparented (to init or the nearest subreaper).
            if options.attachConsole { return ConsoleCommand(qualifier: config.name).run(output: output) }
            return XenolithExit.ok
        }
        if reported.isEmpty {
            // It ended after it started running: its last words are in the log.
            let log = directory.logFile
            let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
                .split(whereSeparator: \.isNewline).filter { $0.hasPrefix("xenolith: ") }
            for line in lines { output.standardError(line + "\n") }
            if status != 0 && lines.isEmpty {
                output.diagnostic("create domain '\(config.name)': the domain process ended with status \(status); see '\(log)'")
            }
        }
        return status
    }

    /// `create -F --detached-child [--trace L] [--console-log F] [--symbols F] -- ARGS`.
    static func childArguments(_ arguments: [String], options: CreateOptions) -> [String] {
        var child = ["create", "-F", "--detached-child"]
        if !options.trace.isEmpty { child += ["--trace", options.trace.sorted().joined(separator: ",")] }
        if let log = options.consoleLog { child += ["--console-log", log] }
        if let symbols = options.symbols { child += ["--symbols", symbols] }
        return child + ["--"] + arguments
    }
}
