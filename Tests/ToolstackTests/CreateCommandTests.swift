import Foundation
import Synchronization
import Testing
@testable import Toolstack

/// `xenolith create` after argument parsing: messages and exit statuses.
@Suite struct CreateCommandTests {
    /// Records what a command writes.
    final class Recorder: Sendable {
        private let text = Mutex<(out: String, err: String)>(("", ""))
        var out: String { text.withLock { $0.out } }
        var err: String { text.withLock { $0.err } }
        var output: CommandOutput {
            CommandOutput(standardOutput: { line in self.text.withLock { $0.out += line } },
                          standardError: { line in self.text.withLock { $0.err += line } })
        }
    }

    /// A config file in a fresh directory, removed by `cleanUp`.
    struct Fixture {
        let directory: URL
        let path: String

        init(_ text: String) throws {
            directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("xenolith-create-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("web.cfg").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        func cleanUp() { try? FileManager.default.removeItem(at: directory) }
    }

    private static let good = "name = 'web'\nkernel = '/boot/vmlinuz'\nmemory = 64\n"

    private func run(_ text: String, _ extra: [String] = [], dryRun: Bool = false,
                     launch: CreateCommand.Launcher = { _, _ in .poweroff }) throws -> (Int32, Recorder) {
        let fixture = try Fixture(text)
        defer { fixture.cleanUp() }
        let recorder = Recorder()
        let command = CreateCommand(arguments: [fixture.path] + extra, dryRun: dryRun, workingDirectory: "/")
        return (command.run(output: recorder.output, launch: launch), recorder)
    }

    @Test("bad input is one line and exit status 2", arguments: [
        ("memory 256", [], "xenolith: {cfg}:1: expected '=' after 'memory'"),
        (good + "vfb = []", [], "xenolith: create domain 'web': {cfg}:4: config key 'vfb' is not supported yet"),
        (good + "disk = [ '/d.img,raw,xvda,rw,x' ]", [],
         "xenolith: create domain 'web': {cfg}:4: disk '/d.img,raw,xvda,rw,x': too many positional parameters at 'x'"),
        (good + "memroy = 1", [],
         "xenolith: create domain 'web': {cfg}:4: unknown config key 'memroy' (did you mean 'memory'?)"),
        (good, ["memory=0"], "xenolith: create domain 'web': override 'memory=0': "
            + "config key 'memory' must be at least 1 MiB, not 0"),
        (good, ["=1"], "xenolith: override '=1': expected a config key, found '='"),
        (good, ["other.cfg"], "xenolith: unexpected argument 'other.cfg': the config file is '{cfg}' "
            + "and overrides have the form KEY=VALUE"),
        ("name = 'a b'\nkernel = '/k'", [], "xenolith: {cfg}:1: invalid domain name 'a b': use only letters, "
            + "digits, '_', '.' and '-'"),
        ("kernel = '/k'", [], "xenolith: config key 'name' is required"),
    ] as [(String, [String], String)])
    func badInput(text: String, extra: [String], expected: String) throws {
        let fixture = try Fixture(text)
        defer { fixture.cleanUp() }
        let recorder = Recorder()
        var launched = false
        let status = CreateCommand(arguments: [fixture.path] + extra, workingDirectory: "/")
            .run(output: recorder.output) { _, _ in launched = true; return .poweroff }
        #expect(status == XenolithExit.badInput)
        #expect(recorder.err == expected.replacingOccurrences(of: "{cfg}", with: fixture.path) + "\n")
        #expect(recorder.out.isEmpty)
        #expect(!launched)
    }

    @Test func missingConfigFile() {
        let recorder = Recorder()
        let status = CreateCommand(arguments: ["/nonexistent/web.cfg"]).run(output: recorder.output)
        #expect(status == XenolithExit.badInput)
        #expect(recorder.err == "xenolith: cannot read config file '/nonexistent/web.cfg': no such file or directory\n")
    }

    @Test func noConfigFile() {
        let recorder = Recorder()
        #expect(CreateCommand(arguments: ["memory=1"]).run(output: recorder.output) == XenolithExit.badInput)
        #expect(recorder.err == "xenolith: no config file given\n")
    }

    @Test func overridesMayComeBeforeTheConfigFile() throws {
        let fixture = try Fixture(Self.good)
        defer { fixture.cleanUp() }
        let recorder = Recorder()
        let status = CreateCommand(arguments: ["memory=96", fixture.path], dryRun: true).run(output: recorder.output)
        #expect(status == XenolithExit.ok)
        #expect(recorder.out.contains("memory = 96\n"))
    }

    @Test func dryRunPrintsTheConfigAndDoesNotLaunch() throws {
        var launched = false
        let (status, recorder) = try run(Self.good + "root = '/dev/xvda'\ncmdline = 'quiet'", dryRun: true) { _, _ in
            launched = true
            return .poweroff
        }
        #expect(status == XenolithExit.ok)
        #expect(!launched)
        #expect(recorder.out.hasPrefix(
            "name = \"web\"\ntype = \"pv\"\nkernel = \"/boot/vmlinuz\"\ncmdline = \"quiet\"\nmemory = 64\n"))
        #expect(recorder.err == "xenolith: warning: ignoring root= and extra= in favour of cmdline=\n")
    }

    @Test func launchGetsTheConfigAndOptions() throws {
        let fixture = try Fixture(Self.good)
        defer { fixture.cleanUp() }
        var options = CreateOptions()
        options.trace = ["traps"]
        var seen: (DomainConfig, CreateOptions)?
        let status = CreateCommand(arguments: [fixture.path, "vcpus=2"], options: options)
            .run(output: Recorder().output) { config, options in
                seen = (config, options)
                return .poweroff
            }
        #expect(status == XenolithExit.ok)
        #expect(seen?.0.vcpus == 2)
        #expect(seen?.1.trace == ["traps"])
    }

    struct KernelError: Error, CustomStringConvertible {
        var description: String { "kernel: not an ELF or bzImage\n(second line)" }
    }

    @Test("domain endings", arguments: [
        (DomainExit.poweroff, nil, XenolithExit.ok, ""),
        (.crashed(reason: "triple fault at 0xffffffff81000000"), nil, XenolithExit.guestCrashed,
         "xenolith: domain 'web' crashed: triple fault at 0xffffffff81000000\n"),
        (.hypervisorError("kvm run failed"), nil, XenolithExit.hypervisorError,
         "xenolith: domain 'web': hypervisor error: kvm run failed\n"),
        (.poweroff, KernelError(), XenolithExit.badInput,
         "xenolith: create domain 'web': kernel: not an ELF or bzImage (second line)\n"),
    ] as [(DomainExit, KernelError?, Int32, String)])
    func endings(exit: DomainExit, error: KernelError?, status: Int32, message: String) throws {
        let (result, recorder) = try run(Self.good) { _, _ in
            if let error { throw error }
            return exit
        }
        #expect(result == status)
        #expect(recorder.err == message)
    }

    @Test("--trace lists", arguments: [
        ("hypercalls,traps", ["hypercalls", "traps"]),
        ("exits", ["exits"]),
        ("all", ["hypercalls", "traps", "exits"]),
        ("traps, all,", ["hypercalls", "traps", "exits"]),
        ("", []),
    ] as [(String, Set<String>)])
    func traceLists(list: String, expected: Set<String>) throws {
        #expect(try TraceSubsystem.parseList(list) == expected)
    }

    @Test func unknownTraceSubsystem() {
        #expect(throws: TraceListError(item: "xenstore")) { try TraceSubsystem.parseList("traps,xenstore") }
        #expect(TraceListError(item: "x").description
            == "unknown trace subsystem 'x' (valid: hypercalls, traps, exits, all)")
    }
}
