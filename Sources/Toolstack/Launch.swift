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
    public init() {}
}

/// How a domain ended; maps to the process exit status (see README).
public enum DomainExit: Sendable, Equatable {
    case poweroff
    case crashed(reason: String)
    case hypervisorError(String)

    /// Exit status of `xenolith create -F`: 0 after poweroff, 3 guest crash,
    /// 4 fatal hypervisor-side error. (2 is bad input, see `XenolithExit`.)
    public var exitStatus: Int32 {
        switch self {
        case .poweroff: return 0
        case .crashed: return 3
        case .hypervisorError: return 4
        }
    }
}

/// Process exit statuses used by the `xenolith` command.
public enum XenolithExit {
    public static let ok: Int32 = 0
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
    var log: FileHandle?
    if let path = options.consoleLog {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw LaunchError(description: "cannot write the console log '\(path)'")
        }
        log = handle
    }
    let logSink = log
    // The console's input goes to the current incarnation of the domain.
    let target = ConsoleTarget()
    let attachment = options.attachConsole ? ConsoleAttachment(input: { bytes in target.domain?.consoleInput(bytes) }) : nil
    defer { attachment?.restoreTerminal() }
    let uuid = (config.uuid ?? UUID()).uuidString.lowercased()
    var restarts: [Date] = []
    while true {
        // Every (re)start builds the domain afresh from the same images, as
        // libxl does for on_reboot="restart".
        let built: BuiltDomain
        do { built = try DomainBuilder.build(spec) } catch { throw LaunchError(description: "\(error)") }
        let runner: DomainRunner
        do {
            runner = try DomainRunner(built: built, name: config.name, consolePort: consolePort, storePort: storePort,
                                      uuid: uuid, maxMemoryKiB: UInt64(config.maxmemMiB) * 1024,
                                      disks: disks, nics: nics, channels: channels, logger: logger, trace: options.trace) { bytes in
                let data = Data(bytes)
                if attachment?.isAttached ?? true { FileHandle.standardOutput.write(data) }
                logSink?.write(data)
            }
        } catch { throw LaunchError(description: "\(error)") }
        if let symbols { runner.domain.symbolize = { symbols.symbolize($0) } }
        for pty in runner.channelPTYs {
            FileHandle.standardError.write(Data("xenolith: channel '\(pty.name)' is on \(pty.path)\r\n".utf8))
        }
        if target.domain == nil { target.domain = runner.domain; attachment?.start() } else { target.domain = runner.domain }
        let result = runner.run()
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

extension ShutdownRequest {
    var verb: String {
        switch self {
        case .poweroff: return "powered off"
        case .reboot: return "rebooted"
        case .crash: return "crashed"
        }
    }
}
