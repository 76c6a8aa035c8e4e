// Boots each PV test kernel of guests/ (built by scripts/build-guests into
// .build/guests) with `xenolith create -F`, as a user would, and asserts on
// what the guest printed and how the domain ended. Each guest checks one
// part of the CPU-level ABI and ends with "Test result: SUCCESS" only if all
// of its own checks passed (guests/README.md).
import Foundation
import Testing
import XenolithTestSupport

private func kvmAvailable() -> Bool { access("/dev/kvm", R_OK | W_OK) == 0 }

/// The built test guest `name`, or a failure naming the build step.
func guestImage(_ name: String) throws -> String {
    let directory = ProcessInfo.processInfo.environment["XENOLITH_GUESTS"]
        ?? XenolithProcess.repository.appendingPathComponent(".build/guests").path
    let path = "\(directory)/\(name).elf"
    guard FileManager.default.fileExists(atPath: path) else {
        throw XenolithProcess.Failure("\(path) is missing: run scripts/build-guests (scripts/test does)")
    }
    return path
}

/// Boots guest `name` with extra config lines; returns the process result.
func boot(_ name: String, _ extra: String = "", arguments: [String] = [], timeout: TimeInterval = 120) throws
    -> XenolithProcess.Result {
    let config = "name = \"\(name)\"\nkernel = \"\(try guestImage(name))\"\nmemory = 64\n" + extra
    let (path, directory) = try XenolithProcess.writeConfig(config, name: name)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try XenolithProcess.run(["create", "-F"] + arguments + [path], timeout: timeout)
}

/// What every passing guest run looks like.
func expectSuccess(_ name: String, _ r: XenolithProcess.Result) {
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: true)
    #expect(!r.timedOut, "\(name) did not finish (killed by the watchdog)")
    #expect(lines.first == "--- Xenolith test guest: \(name) ---", "\(name) stdout:\n\(r.stdout)")
    #expect(lines.last == "Test result: SUCCESS", "\(name) stdout:\n\(r.stdout)\nstderr:\n\(r.stderr)")
    #expect(!lines.contains { $0.hasPrefix("FAIL") || $0.hasPrefix("ERROR") }, "\(name) stdout:\n\(r.stdout)")
    #expect(r.status == 0, "\(name) exit status \(r.status); stderr:\n\(r.stderr)")
    #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Backtrace"))
}

@Suite(.enabled(if: kvmAvailable(), "needs /dev/kvm"), .serialized)
struct GuestTests {
    @Test(arguments: ["hello", "version", "events", "exceptions", "pagetables", "usermode", "hostile"])
    func guestPasses(_ name: String) throws {
        expectSuccess(name, try boot(name))
    }

    /// The timers guest compares the PV wallclock with the host's clock.
    @Test func timersAgainstHostClock() throws {
        let now = Int(Date().timeIntervalSince1970)
        let r = try boot("timers", "extra = \"hosttime=\(now)\"\n")
        expectSuccess("timers", r)
        #expect(r.stdout.contains("wallclock:") && !r.stdout.contains("comparison skipped"))
    }

    /// SCHEDOP_shutdown(SHUTDOWN_crash) ends the domain with the crash status
    /// (3) and one line naming the reason.
    @Test func guestCrashExitStatus() throws {
        let r = try boot("hello", "extra = \"crash\"\non_crash = \"destroy\"\n")
        #expect(r.status == 3, "status \(r.status), stderr:\n\(r.stderr)")
        #expect(r.stdout.contains("cmd_line asks for a crash"))
        let errorLines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("xenolith:") }
        #expect(errorLines.count == 1 && errorLines[0].contains("crash"), "stderr:\n\(r.stderr)")
    }

    /// --console-log records exactly what the console printed.
    @Test func consoleLogRecordsTheConsole() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("xenolith-console-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let r = try boot("events", arguments: ["--console-log", log])
        expectSuccess("events", r)
        let recorded = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(recorded == r.stdout, "console log:\n\(recorded)")
    }

    /// --trace hypercalls prints one line per hypercall with its arguments
    /// and result; --trace traps one per bounced trap.
    @Test func traceSwitch() throws {
        let r = try boot("exceptions", arguments: ["--trace", "hypercalls,traps"])
        expectSuccess("exceptions", r)
        #expect(r.stderr.contains("hypercall vcpu0 __HYPERVISOR_set_trap_table("))
        #expect(r.stderr.contains("hypercall vcpu0 iret -> "))
        #expect(r.stderr.contains("trap vcpu0 vector 6 "))
    }
}

/// Kernels that are not PV kernels, or are damaged: one line, status 2.
@Suite(.enabled(if: kvmAvailable(), "needs /dev/kvm"))
struct BadKernelTests {
    func create(kernel: String) throws -> XenolithProcess.Result {
        let (path, directory) = try XenolithProcess.writeConfig("name = \"bad\"\nkernel = \"\(kernel)\"\nmemory = 64\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try XenolithProcess.run(["create", "-F", path], timeout: 60)
    }

    func expectOneLineError(_ r: XenolithProcess.Result, containing text: String) {
        #expect(r.status == 2, "status \(r.status), stderr:\n\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("xenolith: ") && lines[0].contains(text), "stderr:\n\(r.stderr)")
    }

    @Test func nativeExecutableIsNotAPVKernel() throws {
        expectOneLineError(try create(kernel: "/bin/true"), containing: "/bin/true")
    }

    @Test func truncatedKernel() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try guestImage("hello")))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xenolith-trunc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("hello-truncated.elf").path
        try whole.prefix(whole.count / 3).write(to: URL(fileURLWithPath: path))
        expectOneLineError(try create(kernel: path), containing: "hello-truncated.elf")
    }

    @Test func elfWithoutXenNotes() throws {
        // busybox-static (scripts/setup installs it): a static ET_EXEC without Xen notes.
        expectOneLineError(try create(kernel: "/bin/busybox"), containing: "no Xen PV notes")
    }

    @Test func textFileAsKernel() throws {
        expectOneLineError(try create(kernel: "/etc/os-release"), containing: "not an ELF or bzImage")
    }

    @Test func missingRamdisk() throws {
        let (path, directory) = try XenolithProcess.writeConfig(
            "name = \"bad\"\nkernel = \"\(try guestImage("hello"))\"\nramdisk = \"/nonexistent/initrd.img\"\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        expectOneLineError(try XenolithProcess.run(["create", "-F", path], timeout: 60), containing: "/nonexistent/initrd.img")
    }

    @Test func missingKernel() throws {
        expectOneLineError(try create(kernel: "/nonexistent/vmlinuz"), containing: "/nonexistent/vmlinuz")
    }
}
