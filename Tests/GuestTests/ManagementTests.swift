// Domain management (issue #5), as a user drives it from other processes:
// `xenolith create` without -F returns while the domain runs on; `list`,
// `console`, `shutdown -w`, `destroy`, `pause`/`unpause`, `mem-set` and
// `vcpu-set` reach it through its control socket. Each test has a runtime
// directory of its own (RuntimeBase: XENOLITH_RUNTIME_DIR), and kills
// whatever domain process is left when it ends, failed or not.
//
// Guests: Debian's stock kernel (PV control and balloon drivers) and the
// `ticker` test guest, which prints a tick every 100 ms and never reads
// xenstore (so it ignores control/shutdown, as a guest without PV drivers).
import Foundation
import Testing
import XenolithTestSupport

private func kvmAvailable() -> Bool { access("/dev/kvm", R_OK | W_OK) == 0 }

@Suite(.enabled(if: kvmAvailable(), "needs /dev/kvm"), .serialized)
struct ManagementTests {
    static let bootTimeout: TimeInterval = 300

    /// A ticker domain config (`spin`: busy between ticks).
    func tickerConfig(_ name: String, spin: Bool = false, lines: String = "") throws -> (path: String, directory: URL) {
        try XenolithProcess.writeConfig("""
            name = "\(name)"
            kernel = "\(try guestImage("ticker"))"
            memory = 64
            extra = "\(spin ? "spin" : "")"
            \(lines)
            """, name: name)
    }

    /// `xenolith create CONFIG` (detached): must return 0 with the domain running.
    func createDetached(_ base: RuntimeBase, _ path: String, _ name: String) throws -> Int32 {
        let r = try base.xenolith(["create", path], timeout: Self.bootTimeout)
        #expect(r.status == 0 && !r.timedOut, "create: status \(r.status)\n\(r.stderr)")
        #expect(r.stdout.isEmpty && r.stderr.isEmpty, "create printed:\n\(r.stdout)\(r.stderr)")
        return try #require(base.pid(of: name), "no running domain process for '\(name)' after create")
    }

    /// The last "tick <n>" in `text`.
    static func lastTick(_ text: String) -> Int {
        text.split(whereSeparator: \.isNewline).reversed()
            .compactMap { $0.hasPrefix("tick ") ? Int($0.dropFirst(5).trimmingCharacters(in: .whitespaces)) : nil }
            .first ?? 0
    }

    /// Detached Debian: list shows it; the console attaches (showing recent
    /// output first), runs a command, refuses a second client, detaches with
    /// Ctrl-] leaving the domain running; `reboot -w` restarts it; `shutdown
    /// -w` powers it off through control/shutdown and returns once the
    /// process is gone.
    @Test func detachedDebianListConsoleRebootAndShutdown() throws {
        let base = RuntimeBase()
        defer { base.cleanUp() }
        let (path, directory) = try debianConfig(extraFiles: [], name: "mgmt-a")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pid = try createDetached(base, path, "mgmt-a")

        let listed = try base.list()
        #expect(listed.count == 1)
        let row = try #require(listed.first)
        #expect(row.name == "mgmt-a" && row.domid == 1 && row.memoryMiB == 512 && row.vcpus == 1, "\(row)")
        #expect(["r-----", "-b----"].contains(row.state), "\(row)")

        let console = try base.console("mgmt-a")
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)
        let out = try console.run("echo hello-$((6*7))", timeout: 60)
        #expect(out.contains("hello-42"), "console: \(out)")
        let second = try base.xenolith(["console", "mgmt-a"], timeout: 30)
        #expect(second.status == 1 && second.stderr.contains("already attached"), "second console: \(second.stderr)")
        console.sendEscape()
        #expect(try console.waitForExit(timeout: 30) == 0)
        #expect(console.stderr.contains("detached"), "stderr: \(console.stderr)")
        #expect(RuntimeBase.isRunning(pid), "detaching the console ended the domain")

        // Attaching again shows the recent output (the ring buffer) first.
        let again = try base.console("mgmt-a")
        try again.waitFor("hello-42", timeout: 30)
        again.sendEscape()
        #expect(try again.waitForExit(timeout: 30) == 0)

        // `reboot -w`: the guest reboots through control/shutdown and
        // on_reboot="restart" builds it anew in the same process, with the
        // same domid; the console reaches the new incarnation.
        let reboot = try base.xenolith(["reboot", "-w", "mgmt-a"], timeout: 300)
        #expect(reboot.status == 0, "reboot -w: \(reboot.stderr)")
        #expect(RuntimeBase.isRunning(pid))
        #expect(try base.list().first?.domid == 1)
        let third = try base.console("mgmt-a")
        try third.waitFor("Linux version 6.1.0-", timeout: 120)
        try third.waitFor("xenolith# ", timeout: Self.bootTimeout)
        #expect(try third.run("echo again-$((6*7))", timeout: 60).contains("again-42"))
        third.sendEscape()
        #expect(try third.waitForExit(timeout: 30) == 0)

        let shutdown = try base.xenolith(["shutdown", "-w", "mgmt-a"], timeout: 200)
        #expect(shutdown.status == 0, "shutdown -w: \(shutdown.stderr)")
        #expect(!RuntimeBase.isRunning(pid), "shutdown -w returned with the domain process running")
        #expect(try base.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(base.path)/mgmt-a"), "the runtime directory was left behind")
        // The log holds the process's warnings and diagnostics: the restart, nothing else.
        let log = (try? String(contentsOfFile: "\(base.path)/~logs/mgmt-a.log", encoding: .utf8)) ?? ""
        let diagnostics = log.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("xenolith: ") }
        #expect(diagnostics == ["xenolith: domain 'mgmt-a' rebooted; restarting it"], "the domain's log:\n\(log)")
    }

    /// `mem-set` from 1024 to 512 MiB: the guest's balloon driver gives the
    /// memory back (MemTotal falls by 512 MiB, list shows 512) and the
    /// domain process's RSS falls by at least 400 MiB (the released frames
    /// are discarded from the memfd, MADV_REMOVE). The guest first dirties
    /// most of its memory, so that the frames it gives back were resident.
    @Test func memSetBalloonsDownAndTheHostGetsTheMemoryBack() throws {
        let base = RuntimeBase()
        defer { base.cleanUp() }
        let (path, directory) = try debianConfig(extraFiles: [], lines: "memory = 1024", name: "mgmt-b")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pid = try createDetached(base, path, "mgmt-b")
        let console = try base.console("mgmt-b")
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)

        func memTotal() throws -> Int {
            let out = try console.run("grep MemTotal /proc/meminfo", timeout: 60)
            let line = out.split(whereSeparator: \.isNewline).first { $0.hasPrefix("MemTotal:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let totalBefore = try memTotal()
        #expect(totalBefore > 900_000 && totalBefore <= 1_048_576, "MemTotal \(totalBefore) kB for memory=1024")
        // 850 MiB written to a tmpfs and freed again: resident on the host, free in the guest.
        let fill = try console.run("mkdir -p /mnt/fill && mount -t tmpfs -o size=900m fill /mnt/fill && "
                                   + "dd if=/dev/zero of=/mnt/fill/f bs=1M count=850 2>&1; rm /mnt/fill/f; "
                                   + "umount /mnt/fill", timeout: 600)
        #expect(fill.contains("850+0 records out"), "fill: \(fill)")
        let rssBefore = try #require(RuntimeBase.residentKiB(pid))
        #expect(rssBefore > 900_000, "RSS \(rssBefore) kB after the guest wrote 850 MiB")

        let tooBig = try base.xenolith(["mem-set", "mgmt-b", "2g"], timeout: 30)
        #expect(tooBig.status == 1 && tooBig.stderr.contains("above the domain's maximum"), "\(tooBig.stderr)")
        let set = try base.xenolith(["mem-set", "mgmt-b", "512"], timeout: 30)
        #expect(set.status == 0, "mem-set: \(set.stderr)")

        // The balloon gives back 131072 frames, a hypercall or two each.
        let deadline = Date().addingTimeInterval(900)
        var listed = try base.list().first
        while (listed?.memoryMiB ?? 0) > 512 && Date() < deadline {
            Thread.sleep(forTimeInterval: 5)
            listed = try base.list().first
        }
        #expect(listed?.memoryMiB == 512, "list: \(String(describing: listed))")
        let totalAfter = try memTotal()
        #expect(abs(totalBefore - totalAfter - 524_288) <= 4096,
                "MemTotal \(totalBefore) kB -> \(totalAfter) kB after mem-set 1024 -> 512 MiB")
        let rssAfter = try #require(RuntimeBase.residentKiB(pid))
        print("mem-set 1024 -> 512 MiB: MemTotal \(totalBefore) -> \(totalAfter) kB; "
              + "domain process VmRSS \(rssBefore) -> \(rssAfter) kB (-\((rssBefore - rssAfter) / 1024) MiB)")
        #expect(rssBefore - rssAfter >= 400 * 1024, "VmRSS \(rssBefore) kB -> \(rssAfter) kB")

        console.sendEscape()
        _ = try console.waitForExit(timeout: 30)
        #expect(try base.xenolith(["shutdown", "-w", "mgmt-b"], timeout: 200).status == 0)
        #expect(!RuntimeBase.isRunning(pid))
    }

    /// A guest that ignores control/shutdown: `shutdown -w` gives up with a
    /// clear error and a non-zero status; `destroy` ends it, and the
    /// attached console sees the end.
    @Test func destroyEndsAGuestThatIgnoresShutdown() throws {
        let base = RuntimeBase()
        defer { base.cleanUp() }
        let (path, directory) = try tickerConfig("mgmt-c")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pid = try createDetached(base, path, "mgmt-c")
        let console = try base.console("mgmt-c")
        try console.waitFor("tick 3\n", timeout: 60)

        let shutdown = try base.xenolith(["shutdown", "-w", "--timeout", "3", "mgmt-c"], timeout: 60)
        #expect(shutdown.status == 1)
        #expect(shutdown.stderr == "xenolith: shutdown domain 'mgmt-c': the guest did not power off within 3 s "
                + "(a guest without PV control ignores control/shutdown; `xenolith destroy mgmt-c` ends it)\n")
        #expect(RuntimeBase.isRunning(pid))

        let destroy = try base.xenolith(["destroy", "mgmt-c"], timeout: 60)
        #expect(destroy.status == 0 && destroy.stderr.isEmpty, "destroy: \(destroy.stderr)")
        #expect(!RuntimeBase.isRunning(pid), "destroy returned with the domain process running")
        #expect(try console.waitForExit(timeout: 30) == 0)
        #expect(try base.list().isEmpty)
        let log = (try? String(contentsOfFile: "\(base.path)/~logs/mgmt-c.log", encoding: .utf8)) ?? ""
        #expect(log.contains("xenolith: domain 'mgmt-c' destroyed"), "log: \(log)")
    }

    /// `pause` holds the vCPU: the guest prints no tick and the domain's CPU
    /// time (list) stands still; list shows "p". `unpause` resumes both.
    /// (The guest's system time, Xen's NOW(), keeps going while paused, as
    /// under Xen: the ticker goes on from the current time.)
    @Test func pauseStopsTheVCPUAndUnpauseResumesIt() throws {
        let base = RuntimeBase()
        defer { base.cleanUp() }
        let (path, directory) = try tickerConfig("mgmt-d", spin: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try createDetached(base, path, "mgmt-d")
        let console = try base.console("mgmt-d")
        try console.waitFor("tick 5\n", timeout: 60)

        #expect(try base.xenolith(["pause", "mgmt-d"], timeout: 30).status == 0)
        Thread.sleep(forTimeInterval: 0.5)  // output already in the console ring reaches us
        let paused = try #require(try base.list().first)
        #expect(paused.state == "--p---", "\(paused)")
        let ticksPaused = Self.lastTick(console.transcript)
        Thread.sleep(forTimeInterval: 3)
        let stillPaused = try #require(try base.list().first)
        #expect(Self.lastTick(console.transcript) == ticksPaused, "ticks went on while paused")
        #expect(stillPaused.cpuSeconds == paused.cpuSeconds, "CPU time \(paused.cpuSeconds) -> \(stillPaused.cpuSeconds) s while paused")
        let again = try base.xenolith(["pause", "mgmt-d"], timeout: 30)
        #expect(again.status == 1 && again.stderr.contains("already paused"), "\(again.stderr)")

        #expect(try base.xenolith(["unpause", "mgmt-d"], timeout: 30).status == 0)
        try console.waitFor("tick \(ticksPaused + 5)\n", timeout: 60)
        let running = try #require(try base.list().first)
        #expect(running.state == "r-----" && running.cpuSeconds > stillPaused.cpuSeconds, "\(running)")
        let notPaused = try base.xenolith(["unpause", "mgmt-d"], timeout: 30)
        #expect(notPaused.status == 1 && notPaused.stderr.contains("not paused"), "\(notPaused.stderr)")
        console.sendEscape()
        #expect(try console.waitForExit(timeout: 30) == 0)
        #expect(try base.xenolith(["destroy", "mgmt-d"], timeout: 60).status == 0)
    }

    /// Names are unique among running domains; a directory left by a dead
    /// domain (or anything else that is not a live one) is removed and its
    /// name reused; domids are the lowest free, found by name or id.
    @Test func namesAreUniqueAndStaleDirectoriesAreReclaimed() throws {
        let base = RuntimeBase()
        defer { base.cleanUp() }
        let fm = FileManager.default
        // What a domain process killed with SIGKILL leaves, with a pid that
        // no longer runs (above Linux's largest pid_max) and junk sockets.
        try fm.createDirectory(atPath: "\(base.path)/mgmt-e", withIntermediateDirectories: true)
        try "4194305 12345\n".write(toFile: "\(base.path)/mgmt-e/pid", atomically: false, encoding: .utf8)
        try "7\n".write(toFile: "\(base.path)/mgmt-e/domid", atomically: false, encoding: .utf8)
        try "junk".write(toFile: "\(base.path)/mgmt-e/control.sock", atomically: false, encoding: .utf8)
        let (path, directory) = try tickerConfig("mgmt-e")
        defer { try? fm.removeItem(at: directory) }
        let pid = try createDetached(base, path, "mgmt-e")
        #expect(try base.list().map(\.name) == ["mgmt-e"])
        #expect(try base.list().first?.domid == 1)

        let twice = try base.xenolith(["create", path], timeout: 120)
        #expect(twice.status == 2)
        #expect(twice.stderr == "xenolith: create domain 'mgmt-e': a domain named 'mgmt-e' is already running "
                + "(domid 1, pid \(pid)); names are unique\n")
        let foreground = try base.xenolith(["create", "-F", path], timeout: 120)
        #expect(foreground.status == 2 && foreground.stderr.contains("already running"), "\(foreground.stderr)")

        let second = try base.xenolith(["create", path, "name=mgmt-f"], timeout: Self.bootTimeout)
        #expect(second.status == 0, "\(second.stderr)")
        let listed = try base.list()
        #expect(listed.map { "\($0.name):\($0.domid)" } == ["mgmt-e:1", "mgmt-f:2"])
        #expect(try base.xenolith(["destroy", "2"], timeout: 60).status == 0)
        #expect(try base.list().map(\.name) == ["mgmt-e"])
        let none = try base.xenolith(["destroy", "mgmt-f"], timeout: 60)
        #expect(none.status == 1 && none.stderr.contains("no such domain"), "\(none.stderr)")
        #expect(try base.xenolith(["destroy", "mgmt-e"], timeout: 60).status == 0)
        let left = (try? fm.contentsOfDirectory(atPath: base.path)) ?? []
        #expect(left.filter { !$0.hasPrefix("~") }.isEmpty, "left behind: \(left)")
    }

    /// `vcpu-set` writes cpu/<i>/availability for every i < maxvcpus, as
    /// libxl does, and refuses counts outside 1...maxvcpus.
    @Test func vcpuSetWritesAvailabilityWithinMaxvcpus() throws {
        let base = RuntimeBase()
        defer { base.cleanUp() }
        let (path, directory) = try tickerConfig("mgmt-g", lines: "maxvcpus = 2")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try createDetached(base, path, "mgmt-g")

        let tooMany = try base.xenolith(["vcpu-set", "mgmt-g", "3"], timeout: 30)
        #expect(tooMany.status == 1)
        #expect(tooMany.stderr == "xenolith: vcpu-set domain 'mgmt-g': 3 vCPUs requested, but the domain's "
                + "maximum (maxvcpus) is 2\n")
        let none = try base.xenolith(["vcpu-set", "mgmt-g", "0"], timeout: 30)
        #expect(none.status == 2 && none.stderr.contains("at least 1 vCPU"), "\(none.stderr)")

        func availability(_ cpu: Int) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/xenstore-read")
            p.arguments = ["/local/domain/1/cpu/\(cpu)/availability"]
            p.environment = ["XENSTORED_PATH": "\(base.path)/mgmt-g/xenstore.sock"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try base.xenolith(["vcpu-set", "mgmt-g", "2"], timeout: 30).status == 0)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/xenstore-read") {
            #expect(try availability(0) == "online" && availability(1) == "online")
        }
        #expect(try base.xenolith(["vcpu-set", "mgmt-g", "1"], timeout: 30).status == 0)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/xenstore-read") {
            #expect(try availability(0) == "online" && availability(1) == "offline")
        }
        #expect(try base.xenolith(["destroy", "mgmt-g"], timeout: 60).status == 0)
    }
}
