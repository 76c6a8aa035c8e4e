// The `xenolith` executable: argument parsing only. Each subcommand turns its
// arguments into a Toolstack command value, runs it, and exits with the
// status it returns; all behaviour and messages live in Toolstack.

import ArgumentParser
import Toolstack

@main
struct Xenolith: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xenolith",
        abstract: "Run unmodified Xen PV guests under KVM, with an xl-like command line.",
        version: XenolithVersion.current,
        subcommands: [Create.self, Version.self])
}

/// `xenolith create`. Xen: `xl create`, tools/xl/xl_vmcontrol.c `main_create`.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a domain from an xl.cfg file.",
        discussion: """
            Each KEY=VALUE argument is read as one more line of the config file, \
            after it (e.g. memory=256 'name="web"' extra=console=hvc0).
            Exit status: 0 after poweroff, 2 bad input, 3 guest crash, 4 hypervisor error.
            """)

    @Flag(name: .customShort("c"), help: "Attach the guest console to this terminal.")
    var console = false

    @Flag(name: .customShort("F"), help: "Stay in the foreground until the domain ends.")
    var foreground = false

    @Option(name: .long, help: ArgumentHelp(
        "Trace subsystems, one line per event.",
        discussion: "A comma-separated list of hypercalls, traps, exits, all.",
        valueName: "list"))
    var trace: String?

    @Option(name: .customLong("console-log"), help: ArgumentHelp(
        "Record the guest console to a file.", valueName: "file"))
    var consoleLog: String?

    @Option(name: .customLong("symbols"), help: ArgumentHelp(
        "The guest kernel's System.map: name guest addresses in diagnostics.", valueName: "file"))
    var symbols: String?

    @Flag(name: [.customLong("dry-run"), .customShort("n")],
          help: "Check the configuration and print it; do not create the domain.")
    var dryRun = false

    @Argument(help: ArgumentHelp("The domain's xl.cfg file.", valueName: "config"))
    var config: String

    @Argument(help: ArgumentHelp("Settings that override the file.", valueName: "key=value"))
    var overrides: [String] = []

    func validate() throws {
        if let trace {
            do {
                _ = try TraceSubsystem.parseList(trace)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    func run() throws {
        var options = CreateOptions()
        options.attachConsole = console
        options.foreground = foreground
        options.trace = (try? trace.map(TraceSubsystem.parseList)) ?? []
        options.consoleLog = consoleLog
        options.symbols = symbols
        let command = CreateCommand(arguments: [config] + overrides, options: options, dryRun: dryRun)
        let status = command.run()
        if status != XenolithExit.ok {
            throw ExitCode(status)
        }
    }
}

/// `xenolith version`.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("xenolith \(XenolithVersion.current)")
    }
}
