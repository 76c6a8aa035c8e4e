// Launch: the seam between the command line (config parsing, options) and a
// running domain (VMM). Owned by the VMM side; the `create` command calls it.

/// Options of `xenolith create` that are not part of the domain's xl.cfg.
public struct CreateOptions: Sendable {
    /// `-c`: attach the guest console to stdin/stdout.
    public var attachConsole: Bool = false
    /// `-F`: stay in the foreground until the domain ends.
    public var foreground: Bool = false
    /// `--trace`: subsystems to trace (hypercalls, traps, ...).
    public var trace: Set<String> = []
    /// `--console-log FILE`: record the guest console.
    public var consoleLog: String? = nil
    /// `--symbols FILE`: the guest kernel's System.map, for diagnostics.
    public var symbols: String? = nil
    /// The process is the detached domain process `create` (without -F)
    /// started: console output goes only to the ring buffer (and the
    /// console log), stdout and stderr to the domain's log file.
    public var detached: Bool = false
    /// Called once, when the domain is built and about to run for the
    /// first time (the detached process reports readiness here).
    public var onRunning: (@Sendable () -> Void)? = nil
    public init() {}
}

/// How a domain ended; maps to the process exit status (see README).
public enum DomainExit: Sendable, Equatable {
    case poweroff
    /// `xenolith destroy` (or SIGTERM) ended it.
    case destroyed
    case crashed(reason: String)
    case hypervisorError(String)

    /// Exit status of `xenolith create -F`: 0 after poweroff or destroy,
    /// 3 guest crash, 4 fatal hypervisor-side error. (2 is bad input, see
    /// `XenolithExit`.)
    public var exitStatus: Int32 {
        switch self {
        case .poweroff, .destroyed: return 0
        case .crashed: return 3
        case .hypervisorError: return 4
        }
    }
}

/// Process exit statuses used by the `xenolith` command.
public enum XenolithExit {
    public static let ok: Int32 = 0
    /// A domain-management request failed: no such domain, refused by the
    /// domain, or timed out (xl exits with EXIT_FAILURE too).
    public static let failure: Int32 = 1
    public static let badInput: Int32 = 2
    public static let guestCrashed: Int32 = 3
    public static let hypervisorError: Int32 = 4
}

import DomainBuilder
import Foundation
import Logging
import Platform
import VMM

/// A launch failure the user can act on (bad kernel, missing shim, ...).
public struct LaunchError: Error, CustomStringConvertible {
    public var description: String
}

/// Finds the shim built by scripts/build-shim: $XENOLITH_SHIM, next to the
/// executable, or in the package's .build directory.
func locateShim() -> String? {
    if let p = ProcessInfo.processInfo.environment["XENOLITH_SHIM"] { return p }
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for candidate in [exe.appendingPathComponent("xenolith-shim.elf"),
                      exe.appendingPathComponent("../xenolith-shim.elf"),
                      exe.appendingPathComponent("../../xenolith-shim.elf")] {
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate.standardized.path }
    }
    return nil
}

/// Where console input goes; set once the domain exists.
final class ConsoleTarget: @unchecked Sendable {
    // @unchecked: written once before the console starts reading.
    var domain: Domain?
}

/// Builds and runs the domain until it ends (`xenolith create -F`).
public func launchDomain(_ config: DomainConfig, _ options: CreateOptions) throws -> DomainExit {
    // A missing image is bad input, reported before anything is built.
    for disk in config.disks where !FileManager.default.fileExists(atPath: disk.target.resolved) {
        throw LaunchError(description: "disk '\(disk.vdev)': image '\(disk.target.given)' does not exist")
    }
    let kernel: KernelImage
    do { kernel = try KernelImage.load(contentsOf: config.kernel.resolved) } catch {
        if case .cannotRead = error { throw LaunchError(description: "\(error)") }
        throw LaunchError(description: "kernel '\(config.kernel.given)': \(error)")
    }
    var ramdisk: [UInt8]?
    if let rd = config.ramdisk {
        guard let data = FileManager.default.contents(atPath: rd.resolved) else {
            throw LaunchError(description: "ramdisk: cannot read '\(rd.given)'")
        }
        ramdisk = [UInt8](data)
    }
    guard let shimPath = locateShim(), let shimData = FileManager.default.contents(atPath: shimPath) else {
        throw LaunchError(description: "shim: xenolith-shim.elf not found (run scripts/build, or set XENOLITH_SHIM)")
    }
    let shim: ShimImage
    do { shim = try ShimImage.parse([UInt8](shimData)) } catch { throw LaunchError(description: "shim: \(error)") }
    let disks = config.disks.map {
        BlockDeviceSpec(path: $0.target.resolved, vdev: $0.vdev, devid: $0.devid, readOnly: $0.readOnly,
                        discard: $0.discard)
    }
    // MACs not given are chosen once, so a restarted domain keeps them
    // (libxl keeps them in the domain's config).
    var rng = SystemRandomNumberGenerator()
    let nics = config.nics.map { $0.withMAC { MACAddress.xenRandom(using: &rng) } }.map {
        NetworkDeviceSpec(devid: $0.devid, mac: $0.mac?.bytes ?? [], bridge: $0.bridge, vifname: $0.vifname,
                          ip: $0.ip, script: $0.script, trusted: $0.trusted)
    }
    let channels = config.channels.enumerated().map { i, c in
        let connection: ConsoleChannelSpec.Connection
        switch c.connection {
        case .socket(let path): connection = .socket(path: path.resolved)
        case .pty: connection = .pty
        }
        return ConsoleChannelSpec(name: c.name, connection: connection, devid: UInt32(i + 1))
    }
    let consolePort: UInt32 = 1, storePort: UInt32 = 2
    let spec = DomainSpec(memoryMiB: UInt64(config.memoryMiB), maxMemMiB: UInt64(config.maxmemMiB),
                          vcpus: config.vcpus, cmdline: config.cmdline ?? "", kernel: kernel, ramdisk: ramdisk,
                          shim: shim, consolePort: consolePort, storePort: storePort)
    var symbols: SymbolMap?
    if let path = options.symbols {
        do { symbols = try SymbolMap(contentsOf: path) } catch { throw LaunchError(description: "\(error)") }
    }
    var logger = Logger(label: "xenolith")
    logger.logLevel = options.trace.isEmpty ? .warning : .info

    // The name is claimed last among the checks, so that bad input never
    // touches the runtime directory; released (the directory removed)
    // however the domain ends.
    let claim: DomainClaim
    do { claim = try RuntimeDirectory.claim(name: config.name) } catch { throw LaunchError(description: "\(error)") }
    defer { claim.release() }
    var log: FileHandle?
    if let path = options.consoleLog {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw LaunchError(description: "cannot write the console log '\(path)'")
        }
        log = handle
    }
    let logSink = log
    if options.detached { try redirectOutputToLog(claim.directory) }
    let uuid = (config.uuid ?? UUID()).uuidString.lowercased()
    let supervisor = DomainSupervisor(name: config.name, domid: claim.domid, uuid: uuid, maxVcpus: config.maxVcpus)
    let server: ControlServer
    do {
        server = try ControlServer(path: claim.directory.controlSocket, handler: supervisor, logger: logger)
    } catch { throw LaunchError(description: "control socket '\(claim.directory.controlSocket)': \(error)") }
    server.start()
    defer {
        supervisor.console.close()
        server.stop()
    }
    // `kill <pid>` destroys the domain cleanly (backends flush), as
    // `xenolith destroy` does.
    signal(SIGTERM, SIG_IGN)
    let terminate = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    terminate.setEventHandler { supervisor.destroy() }
    terminate.resume()
    defer { terminate.cancel() }

    // The console's input goes to the current incarnation of the domain.
    let target = ConsoleTarget()
    let attachment = options.attachConsole && !options.detached
        ? ConsoleAttachment(input: { bytes in target.domain?.consoleInput(bytes) }) : nil
    defer { attachment?.restoreTerminal() }
    let toStdout = !options.detached
    var restarts: [Date] = []
    var first = true
    while true {
        if supervisor.isDestroying { return .destroyed }
        // Every (re)start builds the domain afresh from the same images, as
        // libxl does for on_reboot="restart".
        let built: BuiltDomain
        do { built = try DomainBuilder.build(spec) } catch { throw LaunchError(description: "\(error)") }
        let runner: DomainRunner
        do {
            runner = try DomainRunner(built: built, domid: claim.domid, name: config.name, consolePort: consolePort,
                                      storePort: storePort, uuid: uuid, maxMemoryKiB: UInt64(config.maxmemMiB) * 1024,
                                      disks: disks, nics: nics, channels: channels, logger: logger, trace: options.trace) { bytes in
                supervisor.console.output(bytes)
                if toStdout && (attachment?.isAttached ?? true) { FileHandle.standardOutput.write(Data(bytes)) }
                logSink?.write(Data(bytes))
            }
        } catch { throw LaunchError(description: "\(error)") }
        runner.xenstoreSocketPath = claim.directory.xenstoreSocket
        if let symbols { runner.domain.symbolize = { symbols.symbolize($0) } }
        for pty in runner.channelPTYs {
            FileHandle.standardError.write(Data("xenolith: channel '\(pty.name)' is on \(pty.path)\r\n".utf8))
        }
        if target.domain == nil { target.domain = runner.domain; attachment?.start() } else { target.domain = runner.domain }
        supervisor.setRunner(runner, restart: !first)
        if first {
            first = false
            if options.detached { redirectErrorsToLog() }
            options.onRunning?()
        }
        let result = runner.run()
        supervisor.setRunner(nil)
        if supervisor.isDestroying { return .destroyed }
        let request: ShutdownRequest
        switch result {
        case .shutdown(let r): request = r
        case .fault(let reason): return .hypervisorError(reason)
        }
        let action: ActionOnShutdown
        switch request {
        case .poweroff: action = config.onPoweroff
        case .reboot: action = config.onReboot
        case .crash: action = config.onCrash
        }
        switch action {
        case .restart, .renameRestart, .coredumpRestart:
            // A domain that keeps dying at once would spin: xl stops after
            // repeated quick restarts too.
            let now = Date()
            restarts = restarts.filter { now.timeIntervalSince($0) < 60 } + [now]
            guard restarts.count <= 10 else {
                return .hypervisorError("domain '\(config.name)' restarted 10 times within a minute; giving up")
            }
            FileHandle.standardError.write(Data("\r\nxenolith: domain '\(config.name)' \(request.verb); restarting it\r\n".utf8))
            continue
        default:
            switch request {
            case .poweroff, .reboot: return .poweroff
            case .crash(let reason): return .crashed(reason: reason)
            }
        }
    }
}

/// The detached domain process writes its stdout to its log file
/// (`<base>/~logs/<name>.log`) from now on; stderr follows once the domain
/// runs (`redirectErrorsToLog`), so that errors before that reach the
/// `create` that started it.
func redirectOutputToLog(_ directory: RuntimeDirectory) throws {
    let logs = "\(directory.base)/~logs"
    if (try? ControlSys.status(logs)) == nil { try? ControlSys.mkdir(logs, 0o700) }
    do {
        let fd = try ControlSys.openForWriting(directory.logFile)
        ControlSys.dup2(fd, STDOUT_FILENO)
        ControlSys.close(fd)
    } catch {
        throw LaunchError(description: "log file '\(directory.logFile)': \(error)")
    }
}

/// Points stderr at the log stdout already goes to: the end of file the
/// starting `create` waits for.
func redirectErrorsToLog() {
    ControlSys.dup2(STDOUT_FILENO, STDERR_FILENO)
}

extension ShutdownRequest {
    var verb: String {
        switch self {
        case .poweroff: return "powered off"
        case .reboot: return "rebooted"
        case .crash: return "crashed"
        }
    }
}
