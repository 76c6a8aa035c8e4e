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
        subcommands: [Create.self, List.self, Console.self, Shutdown.self, Reboot.self, Destroy.self,
                      Pause.self, Unpause.self, MemSet.self, VcpuSet.self, Version.self])
}

/// Ends the command with `status` unless it is 0.
private func finish(_ status: Int32) throws {
    if status != XenolithExit.ok { throw ExitCode(status) }
}

/// `xenolith create`. Xen: `xl create`, tools/xl/xl_vmcontrol.c `main_create`.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a domain from an xl.cfg file.",
        discussion: """
            Each KEY=VALUE argument is read as one more line of the config file, \
            after it (e.g. memory=256 'name="web"' extra=console=hvc0).
            Without -F the domain runs on in a process of its own and create returns \
            once it runs (0), or with the error that stopped it.
            Exit status of -F: 0 after poweroff or destroy, 2 bad input, 3 guest crash, \
            4 hypervisor error.
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

    /// Internal: this process is the detached domain process `create`
    /// (without -F) started (DetachedDomain.swift).
    @Flag(name: .customLong("detached-child"), help: .hidden)
    var detachedChild = false

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
        options.detached = detachedChild
        let arguments = [config] + overrides
        let command = CreateCommand(arguments: arguments, options: options, dryRun: dryRun)
        let status = command.run(detach: { config, output in
            DetachedDomain.start(config: config, arguments: arguments, options: options, output: output)
        })
        try finish(status)
    }
}

/// `xenolith list`. Xen: `xl list`, tools/xl/xl_list.c.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List running domains: name, id, memory (MiB), vCPUs, state, CPU time (s).",
        discussion: "State letters as xl: r running, b blocked, p paused, s shutdown, d dying.")

    @Argument(help: ArgumentHelp("Domains to show (default: all).", valueName: "domain"))
    var domains: [String] = []

    func run() throws { try finish(ListCommand(qualifiers: domains).run()) }
}

/// `xenolith console`. Xen: `xl console`.
struct Console: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attach to a domain's console (Ctrl-] detaches; the domain keeps running).")

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    func run() throws { try finish(ConsoleCommand(qualifier: domain).run()) }
}

/// `xenolith shutdown`. Xen: `xl shutdown`.
struct Shutdown: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a domain's guest to power off (xenstore control/shutdown).")

    @Flag(name: .customShort("w"), help: "Wait until the domain has ended.")
    var wait = false

    @Option(name: .long, help: ArgumentHelp("How long -w waits.", valueName: "seconds"))
    var timeout: Double = 120

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    func run() throws {
        try finish(ShutdownCommand(qualifier: domain, reboot: false, wait: wait, timeout: timeout).run())
    }
}

/// `xenolith reboot`. Xen: `xl reboot`.
struct Reboot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a domain's guest to reboot (xenstore control/shutdown); on_reboot decides what follows.")

    @Flag(name: .customShort("w"), help: "Wait until the domain has restarted (or ended).")
    var wait = false

    @Option(name: .long, help: ArgumentHelp("How long -w waits.", valueName: "seconds"))
    var timeout: Double = 120

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    func run() throws {
        try finish(ShutdownCommand(qualifier: domain, reboot: true, wait: wait, timeout: timeout).run())
    }
}

/// `xenolith destroy`. Xen: `xl destroy`.
struct Destroy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End a domain now, whatever its guest does (disk images are flushed).")

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    func run() throws { try finish(DestroyCommand(qualifier: domain).run()) }
}

/// `xenolith pause`. Xen: `xl pause`.
struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop a domain's vCPUs until unpause.")

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    func run() throws { try finish(PauseCommand(qualifier: domain, pause: true).run()) }
}

/// `xenolith unpause`. Xen: `xl unpause`.
struct Unpause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Let a paused domain's vCPUs run again.")

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    func run() throws { try finish(PauseCommand(qualifier: domain, pause: false).run()) }
}

/// `xenolith mem-set`. Xen: `xl mem-set`.
struct MemSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mem-set",
        abstract: "Set a domain's memory target; the guest's balloon driver gives memory back or takes it.",
        discussion: "SIZE is a number with an optional unit b, k, m, g or t (m when none), at most maxmem.")

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    @Argument(help: ArgumentHelp("The new target.", valueName: "size"))
    var size: String

    func run() throws { try finish(MemSetCommand(qualifier: domain, size: size).run()) }
}

/// `xenolith vcpu-set`. Xen: `xl vcpu-set`.
struct VcpuSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vcpu-set",
        abstract: "Set how many of a domain's vCPUs are online (1 to maxvcpus).")

    @Argument(help: ArgumentHelp("The domain's name or id.", valueName: "domain"))
    var domain: String

    @Argument(help: ArgumentHelp("vCPUs to have online.", valueName: "count"))
    var count: Int

    func run() throws { try finish(VcpuSetCommand(qualifier: domain, count: count).run()) }
}

/// `xenolith version`.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("xenolith \(XenolithVersion.current)")
    }
}
