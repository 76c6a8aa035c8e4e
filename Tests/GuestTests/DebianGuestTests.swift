// Debian 12's stock kernel (linux-image-amd64, unmodified) as a PV guest,
// driven through its console as a person would (issue #3). The kernel and
// the base initramfs come from scripts/debian-guest (Debian packages,
// cached); each test appends its own cpio archive to that initramfs (the
// kernel unpacks concatenated archives in order), carrying the workload
// script the test runs.
import Foundation
import Testing
import XenolithTestSupport

private func kvmAvailable() -> Bool { access("/dev/kvm", R_OK | W_OK) == 0 }

/// The default guest's directory (scripts/debian-guest --print-dir).
func debianGuestDirectory() throws -> String {
    let env = ProcessInfo.processInfo.environment
    let cache = env["XENOLITH_CACHE"] ?? ((env["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")) + "/xenolith")
    let dir = cache + "/debian-12"
    guard FileManager.default.fileExists(atPath: dir + "/.complete") else {
        throw XenolithProcess.Failure("\(dir) has no default guest: run scripts/debian-guest (scripts/test does)")
    }
    return dir
}

/// A newc cpio archive (the initramfs format, linux
/// Documentation/driver-api/early-userspace/buffer-format.rst) of regular
/// files, ending with the trailer.
func cpioArchive(_ files: [(path: String, mode: UInt32, contents: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    func pad() { while out.count % 4 != 0 { out.append(0) } }
    func entry(_ name: String, mode: UInt32, _ data: [UInt8], ino: Int) {
        let fields: [UInt32] = [UInt32(ino), mode, 0, 0, 1, 0, UInt32(data.count), 0, 0, 0, 0, UInt32(name.utf8.count + 1), 0]
        out += Array("070701".utf8)
        for f in fields { out += Array(String(format: "%08X", f).utf8) }
        out += Array(name.utf8) + [0]
        pad()
        out += data
        pad()
    }
    for (i, f) in files.enumerated() { entry(f.path, mode: f.mode, f.contents, ino: 1000 + i) }
    entry("TRAILER!!!", mode: 0, [], ino: 0)
    return out
}

/// Writes a config for the default kernel with the default initramfs plus
/// `extraFiles`, and `lines`; returns its path and directory. Tests that use
/// the domain's xenstore socket give the domain a `name` of their own (the
/// socket's path is per name).
func debianConfig(extraFiles: [(path: String, mode: UInt32, contents: [UInt8])], lines: String = "",
                  name: String = "debian-test") throws
    -> (path: String, directory: URL) {
    let dir = try debianGuestDirectory()
    let base = try Data(contentsOf: URL(fileURLWithPath: dir + "/initrd.img"))
    var initrd = [UInt8](base)
    while initrd.count % 4 != 0 { initrd.append(0) }
    initrd += cpioArchive(extraFiles)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xenolith-debian-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let initrdPath = directory.appendingPathComponent("initrd-test.img").path
    try Data(initrd).write(to: URL(fileURLWithPath: initrdPath))
    let path = directory.appendingPathComponent("debian.cfg").path
    try """
        name = "\(name)"
        kernel = "\(dir)/vmlinuz"
        ramdisk = "\(initrdPath)"
        memory = 512
        extra = "console=hvc0"
        on_crash = "destroy"
        \(lines)
        """.write(toFile: path, atomically: true, encoding: .utf8)
    return (path, directory)
}

/// The workload the test adds to the initramfs: prints its checks as
/// `name: ok` / `name: FAILED`.
let workloadScript = """
    #!/bin/sh
    # fork/exec-heavy: 100 short-lived processes, each exec'ing a program.
    i=0
    while [ $i -lt 100 ]; do /bin/true || { echo "forkexec: FAILED at $i"; exit 1; }; i=$((i+1)); done
    echo "forkexec: ok ($i processes)"
    # CPU + memory, self-checking: 64 MiB of deterministic text in memory
    # (tmpfs), compressed and decompressed, must hash like the original.
    # (256 MiB takes over 15 minutes at today's cost per shim entry; issue #6.)
    seq 1 9000000 | head -c 67108864 > /tmp/data
    bytes=$(wc -c < /tmp/data)
    direct=$(sha256sum < /tmp/data)
    round=$(gzip -1 -c /tmp/data | gzip -dc | sha256sum)
    rm /tmp/data
    if [ "$direct" = "$round" ] && [ "$bytes" = 67108864 ]; then echo "compress64: ok"; else echo "compress64: FAILED ($bytes bytes, $direct vs $round)"; fi
    """

@Suite(.enabled(if: kvmAvailable(), "needs /dev/kvm"), .serialized)
struct DebianGuestTests {
    static let bootTimeout: TimeInterval = 240

    /// The domain's xenstore socket (XenstoreSocketServer.defaultPath).
    static func socketPath(_ name: String) -> String {
        if getuid() == 0 { return "/run/xenolith/\(name)/xenstore.sock" }
        let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"] ?? "/tmp/xenolith-\(getuid())"
        return "\(runtime)/xenolith/\(name)/xenstore.sock"
    }

    /// The domain's id, from its runtime directory beside the socket (the
    /// lowest id free on the host when it started: 1 unless other domains
    /// run).
    static func domid(_ name: String) -> String {
        let directory = (socketPath(name) as NSString).deletingLastPathComponent
        return (try? String(contentsOfFile: directory + "/domid", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "1"
    }

    /// Runs a host tool; returns its stdout.
    func runTool(_ path: String, _ arguments: [String], environment: [String: String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The domain's home in xenstore, /local/domain/<domid>, found by its
    /// name with Xen's tools (xenstore-list, xenstore-read).
    func domainPath(_ name: String, environment: [String: String]) throws -> String {
        let ids = try runTool("/usr/bin/xenstore-list", ["/local/domain"], environment: environment)
        for id in ids.split(whereSeparator: \.isNewline) where id != "0" {
            let home = "/local/domain/\(id)"
            let n = try runTool("/usr/bin/xenstore-read", ["\(home)/name"], environment: environment)
            if n.trimmingCharacters(in: .whitespacesAndNewlines) == name { return home }
        }
        throw XenolithProcess.Failure("no domain named \(name) in /local/domain (\(ids))")
    }

    @Test func bootsToAShellRunsWorkloadsAndPowersOff() throws {
        let (path, directory) = try debianConfig(extraFiles: [("usr/bin/xenolith-workload", 0o100755, Array(workloadScript.utf8))])
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("Xenolith default guest: Debian", timeout: Self.bootTimeout)
        try console.waitFor("xenolith# ", timeout: 60)

        let uname = try console.run("uname -a", timeout: 60)
        #expect(uname.contains("Linux xenolith 6.1.0-") && uname.contains("x86_64"), "uname -a: \(uname)")
        let cpuinfo = try console.run("cat /proc/cpuinfo", timeout: 60)
        #expect(cpuinfo.contains("processor\t: 0") && cpuinfo.contains("flags"), "cpuinfo: \(cpuinfo)")
        #expect(cpuinfo.contains(" hypervisor"), "the guest sees the hypervisor flag")
        let meminfo = try console.run("cat /proc/meminfo", timeout: 60)
        let total = meminfo.split(whereSeparator: \.isNewline).first { $0.hasPrefix("MemTotal:") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        #expect(total > 400_000 && total <= 524_288, "MemTotal \(total) kB for memory=512")

        let work = try console.run("xenolith-workload", timeout: 1500)
        #expect(work.contains("forkexec: ok"), "workload: \(work)")
        #expect(work.contains("compress64: ok"), "workload: \(work)")

        // No kernel BUG, WARNING (WARN() prints "WARNING: CPU:") or Oops.
        let dmesg = try console.run("dmesg", timeout: 120)
        let bad = dmesg.split(whereSeparator: \.isNewline).filter {
            $0.contains("BUG:") || $0.contains("kernel BUG") || $0.contains("WARNING: CPU:") || $0.contains("Oops")
        }
        #expect(bad.isEmpty, "dmesg: \(bad.joined(separator: "\n"))")

        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0, "stderr: \(console.stderr)")
    }

    /// The smallest and a large memory size both boot to the shell.
    @Test(arguments: [128, 4096]) func bootsWithMemory(_ mib: Int) throws {
        let (path, directory) = try debianConfig(extraFiles: [], lines: "memory = \(mib)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)
        let meminfo = try console.run("grep MemTotal /proc/meminfo", timeout: 60)
        let kb = Int(meminfo.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0
        #expect(kb > mib * 1024 * 6 / 10 && kb <= mib * 1024, "MemTotal \(kb) kB for memory=\(mib)")
        // Xen's own xenstore-ls (xenstore-utils) reads the running domain's
        // tree through its socket, including nodes the guest's drivers wrote.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/xenstore-ls") {
            let env = ["XENSTORED_PATH": Self.socketPath("debian-test")]
            let tree = try runTool("/usr/bin/xenstore-ls", [try domainPath("debian-test", environment: env)], environment: env)
            #expect(tree.contains("feature-poweroff = \"1\"") && tree.contains("static-max = \"\(mib * 1024)\""), "xenstore-ls: \(tree)")
        }
        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0)
    }

    /// A kernel panic (sysrq c) follows on_crash and gives the crash status.
    /// `reboot` in the guest restarts the domain (on_reboot="restart", xl's
    /// default); the new incarnation boots to the shell and powers off.
    @Test func rebootRestartsTheDomain() throws {
        let (path, directory) = try debianConfig(extraFiles: [])
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)
        console.send("reboot")
        try console.waitFor("Linux version 6.1.0-", timeout: 120)
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)
        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0)
        #expect(console.stderr.contains("rebooted; restarting"), "stderr: \(console.stderr)")
    }

    /// Two disks through the block backend and Debian's xen-blkfront: a
    /// read-write raw image the guest reads (the host's bytes, by hash) and
    /// writes (exactly the MiB it wrote lands in the image), and a read-only
    /// one the guest cannot write.
    @Test func blockDevicesReadWriteAndReadOnly() throws {
        let images = FileManager.default.temporaryDirectory.appendingPathComponent("xenolith-vbd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: images) }
        let rw = images.appendingPathComponent("rw.img").path
        let ro = images.appendingPathComponent("ro.img").path
        let original = Self.diskPattern(mib: 64)
        try original.write(to: URL(fileURLWithPath: rw))
        try original.write(to: URL(fileURLWithPath: ro))
        let mib = 1 << 20
        // What the guest writes at 8 MiB, carried in its initramfs (a shell
        // pipeline would cost a system call per line on today's guests).
        let written = Self.diskPattern(mib: 1, seed: 0x9e37_79b9)

        let (path, directory) = try debianConfig(extraFiles: [("xenolith-vbd-data", 0o100644, [UInt8](written))], lines: """
            disk = [ '\(rw),raw,xvda,rw', 'format=raw, vdev=xvdb, access=ro, target=\(ro)' ]
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)

        // The last line `command` printed (the console ends lines with \r\n).
        func value(_ command: String) throws -> String {
            let out = try console.run(command, timeout: 120)
            return out.split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        #expect(try value("cat /sys/block/xvda/size") == "131072")
        #expect(try value("cat /sys/block/xvdb/ro") == "1")
        let firstMiB = try value("dd if=/dev/xvda bs=1M count=1 2>/dev/null | sha256sum")
        #expect(firstMiB.hasPrefix(Self.sha256(original.prefix(mib))), "guest: \(firstMiB)")
        let write = try value("dd if=/xenolith-vbd-data of=/dev/xvda bs=1M seek=8 conv=fsync 2>/dev/null; echo rc=$?")
        #expect(write == "rc=0")
        let readBack = try value("dd if=/dev/xvda bs=1M skip=8 count=1 2>/dev/null | sha256sum")
        #expect(readBack.hasPrefix(Self.sha256(written)), "guest: \(readBack)")
        let refused = try value("dd if=/xenolith-vbd-data of=/dev/xvdb bs=1M count=1 conv=fsync 2>/dev/null; echo rc=$?")
        #expect(refused != "rc=0" && refused.hasPrefix("rc="), "write to the read-only disk: \(refused)")
        let roHash = try value("dd if=/dev/xvdb bs=1M count=1 2>/dev/null | sha256sum")
        #expect(roHash.hasPrefix(Self.sha256(original.prefix(mib))), "guest: \(roHash)")

        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0, "stderr: \(console.stderr)")
        let after = try Data(contentsOf: URL(fileURLWithPath: rw))
        #expect(after.count == original.count)
        #expect(after[(8 * mib)..<(9 * mib)] == written)
        #expect(after.prefix(8 * mib) == original.prefix(8 * mib))
        #expect(after.suffix(from: 9 * mib) == original.suffix(from: 9 * mib))
        #expect(try Data(contentsOf: URL(fileURLWithPath: ro)) == original)
    }

    /// `mib` MiB of a deterministic pattern: one MiB of a byte sequence,
    /// repeated with each copy's first eight bytes set to its index.
    static func diskPattern(mib: Int, seed: UInt32 = 0x1234_5678) -> Data {
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var x = seed
        for i in block.indices {
            x = x &* 1_664_525 &+ 1_013_904_223
            block[i] = UInt8(truncatingIfNeeded: x >> 24)
        }
        var out = Data(capacity: mib << 20)
        for k in 0..<mib {
            withUnsafeBytes(of: UInt64(k).littleEndian) { for (i, b) in $0.enumerated() { block[i] = b } }
            out.append(contentsOf: block)
        }
        return out
    }

    /// The lower-case hex SHA-256 of `data`, as sha256sum prints it (host tool).
    static func sha256(_ data: Data) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        guard (try? p.run()) != nil else { return "sha256sum unavailable" }
        let writer = Thread { input.fileHandleForWriting.write(data); try? input.fileHandleForWriting.close() }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: out, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    /// maxmem above memory: the guest boots with `memory` and its balloon
    /// driver grows it to maxmem when the toolstack raises memory/target
    /// (written here through the domain's xenstore socket, as xl mem-set does).
    @Test func balloonGrowsToMaxmem() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/xenstore-write") else {
            Issue.record("needs xenstore-utils (scripts/setup installs it)")
            return
        }
        let name = "debian-balloon"
        let (path, directory) = try debianConfig(extraFiles: [], lines: "memory = 256\nmaxmem = 512", name: name)
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)
        func memTotal() throws -> Int {
            let line = try console.run("grep MemTotal /proc/meminfo", timeout: 60)
            return Int(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0
        }
        let before = try memTotal()
        #expect(before > 150_000 && before <= 262_144, "MemTotal \(before) kB for memory=256")
        let target = try console.run("cat /sys/devices/system/xen_memory/xen_memory0/target_kb", timeout: 60)
        #expect(target.contains("262144"), "balloon target: \(target)")
        let env = ["XENSTORED_PATH": Self.socketPath(name)]
        let home = try domainPath(name, environment: env)
        _ = try runTool("/usr/bin/xenstore-write", ["\(home)/memory/target", "524288"], environment: env)
        // The balloon driver works in steps; wait for it to reach the target.
        var after = before
        for _ in 0..<60 {
            after = try memTotal()
            if after > before + 200_000 { break }
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(after > before + 200_000 && after <= 524_288, "MemTotal \(before) kB -> \(after) kB after target 512 MiB")
        // The memory is usable: fill 300 MiB of tmpfs and read it back.
        let fill = try console.run("dd if=/dev/zero of=/tmp/fill bs=1M count=300 2>&1 | tail -n 1; rm /tmp/fill; echo filled", timeout: 300)
        #expect(fill.contains("filled") && !fill.contains("No space"), "fill: \(fill)")
        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0, "stderr: \(console.stderr)")
    }

    @Test func sysrqCrashGivesTheCrashStatus() throws {
        let (path, directory) = try debianConfig(extraFiles: [])
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)
        console.send("echo c > /proc/sysrq-trigger")
        #expect(try console.waitForExit(timeout: 120) == 3)
        #expect(console.stderr.contains("crash"), "stderr: \(console.stderr)")
    }
}
