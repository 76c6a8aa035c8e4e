// Debian's own kernel, ext4 and xen-blkfront on the block backend (issue
// #4): a filesystem the host made survives a guest's 512 MiB of writes and
// a reboot, checksum for checksum, and the host's e2fsck finds it clean; a
// read-only disk refuses the guest's writes and keeps its bytes; a blkfront
// that is unloaded and loaded again gets its disk back. The guest is the
// default one of scripts/debian-guest (ext4 in its initramfs), driven
// through its console; e2fsprogs (scripts/setup) makes and checks the images.
import Foundation
import Testing
import XenolithTestSupport

private func kvmAvailable() -> Bool { access("/dev/kvm", R_OK | W_OK) == 0 }

/// The path of host program `name`: e2fsprogs lives in /sbin, often not on
/// a user's PATH.
private func hostTool(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

private let haveE2fsprogs = ["mkfs.ext4", "e2fsck", "debugfs"].allSatisfy { hostTool($0) != nil }

@Suite(.enabled(if: kvmAvailable(), "needs /dev/kvm"), .serialized)
struct DebianDiskTests {
    static let bootTimeout: TimeInterval = 240
    static let mib = 1 << 20

    /// Runs host program `name`; its exit status and what it printed on
    /// stdout and stderr.
    static func host(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, output: String) {
        guard let path = hostTool(name) else { throw XenolithProcess.Failure("no \(name) on this host") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Fails with what to run when the cached default guest was built
    /// before its initramfs carried ext4 (scripts/debian-guest rebuilds it).
    static func requireExt4() throws {
        let dir = try debianGuestDirectory()
        let stamp = (try? String(contentsOfFile: dir + "/.complete", encoding: .utf8)) ?? ""
        let config = (try? String(contentsOfFile: dir + "/config", encoding: .utf8)) ?? ""
        guard stamp.contains(" ext4") || config.contains("\nCONFIG_EXT4_FS=y") else {
            throw XenolithProcess.Failure("the default guest in \(dir) has no ext4: run scripts/debian-guest (scripts/test does)")
        }
    }

    /// A fresh directory for a test's images, removed by the caller.
    static func imageDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xenolith-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A sparse file of `bytes` bytes.
    static func sparseImage(_ path: String, bytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw XenolithProcess.Failure("cannot create \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(bytes))
        try handle.close()
    }

    /// The lines `command` printed in the guest, without the console's \r
    /// and without the kernel's messages ("[   12.345678] ...") that the
    /// console shows among them.
    static func lines(_ console: ConsoleSession, _ command: String, timeout: TimeInterval = 120) throws -> [String] {
        try console.run(command, timeout: timeout).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !isKernelMessage($0) }
    }

    static func isKernelMessage(_ line: String) -> Bool {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return false }
        let stamp = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
        return !stamp.isEmpty && stamp.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// The last line `command` printed in the guest.
    static func value(_ console: ConsoleSession, _ command: String, timeout: TimeInterval = 120) throws -> String {
        try lines(console, command, timeout: timeout).last ?? ""
    }

    /// Seconds `body` took, wall clock (reported, never asserted).
    static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = Date()
        let result = try body()
        return (result, Date().timeIntervalSince(start))
    }

    /// "sha256  ./path" lines, by path.
    static func checksums(_ lines: [String]) -> [String: String] {
        var sums: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit),
                  parts[1].hasPrefix("./") else { continue }
            sums[String(parts[1])] = String(parts[0])
        }
        return sums
    }

    /// The workload of the first boot: 512 MiB of random data in files of
    /// several sizes, one of them in a subdirectory and one not a whole
    /// number of blocks. dd writes 1 MiB per system call: each system call
    /// costs a guest far more here than on hardware (README, Known limits).
    static let fillScript = """
        #!/bin/sh
        # Writes 4 x 64 MiB, 15 x 16 MiB and 16 x 1 MiB (512 MiB) of random
        # data and a 4097-byte file into the directory $1.
        fill() {
            dd if=/dev/urandom of="$1" bs=1M count="$2" 2>/dev/null || { echo "fill: FAILED writing $1"; exit 1; }
        }
        cd "$1" || exit 1
        mkdir -p small
        i=0; while [ $i -lt 4 ]; do fill big$i 64; i=$((i+1)); done
        i=0; while [ $i -lt 15 ]; do fill mid$i 16; i=$((i+1)); done
        i=0; while [ $i -lt 16 ]; do fill small/f$i 1; i=$((i+1)); done
        dd if=/dev/urandom of=odd bs=4097 count=1 2>/dev/null || { echo "fill: FAILED writing odd"; exit 1; }
        echo "fill: ok"
        """

    /// ext4 made by the host on a 1 GiB sparse image; the guest mounts it,
    /// writes 512 MiB of files, records their SHA-256 on the disk, syncs and
    /// powers off; a second boot checks every file against the record; the
    /// host's `e2fsck -fn` finds the filesystem clean after each boot and
    /// its debugfs reads a file with the guest's checksum.
    @Test(.enabled(if: haveE2fsprogs, "needs e2fsprogs (mkfs.ext4, e2fsck, debugfs; scripts/setup installs it)"))
    func ext4SurvivesWritesAndAReboot() throws {
        try Self.requireExt4()
        let images = try Self.imageDirectory()
        defer { try? FileManager.default.removeItem(at: images) }
        let image = images.appendingPathComponent("ext4.img").path
        try Self.sparseImage(image, bytes: 1 << 30)
        let mkfs = try Self.host("mkfs.ext4", ["-F", "-q", image])
        try #require(mkfs.status == 0, "mkfs.ext4: \(mkfs.output)")

        let (path, directory) = try debianConfig(
            extraFiles: [("usr/bin/xenolith-fill", 0o100755, Array(Self.fillScript.utf8))],
            lines: "disk = [ '\(image),raw,xvda,rw' ]", name: "debian-ext4")
        defer { try? FileManager.default.removeItem(at: directory) }

        // Boot 1: write, record, sync, power off.
        var console = try ConsoleSession(arguments: [path])
        let (_, boot1) = try Self.timed { try console.waitFor("xenolith# ", timeout: Self.bootTimeout) }
        #expect(try Self.value(console, "mount -t ext4 /dev/xvda /mnt && echo mounted") == "mounted")
        let (fill, fillTime) = try Self.timed { try Self.lines(console, "xenolith-fill /mnt", timeout: 1800) }
        #expect(fill.last == "fill: ok", "fill: \(fill)")
        let sizes = try Self.lines(console, "stat -c '%s %n' $(find /mnt -type f)")
        let total = sizes.compactMap { Int($0.split(separator: " ").first ?? "") }.reduce(0, +)
        #expect(total == 512 * Self.mib + 4097 && sizes.count == 36, "files: \(sizes)")
        let (recorded, hashTime) = try Self.timed {
            try Self.lines(console, "cd /mnt && sha256sum $(find . -type f ! -name SHA256SUMS | sort) > SHA256SUMS; cat SHA256SUMS; cd /",
                           timeout: 1800)
        }
        let sums = Self.checksums(recorded)
        #expect(sums.count == 36, "recorded: \(recorded)")
        let (synced, syncTime) = try Self.timed { try Self.value(console, "sync && echo synced", timeout: 600) }
        #expect(synced == "synced")
        #expect(try Self.value(console, "umount /mnt && echo unmounted", timeout: 600) == "unmounted")
        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 300) == 0, "stderr: \(console.stderr)")
        #expect(!console.transcript.contains("timeout closing device"), "blkfront's close at shutdown waited")
        let fsck1 = try Self.host("e2fsck", ["-fn", image])
        #expect(fsck1.status == 0, "e2fsck -fn after the first boot: \(fsck1.output)")

        // Boot 2: the record survived, and so did every file.
        console = try ConsoleSession(arguments: [path])
        let (_, boot2) = try Self.timed { try console.waitFor("xenolith# ", timeout: Self.bootTimeout) }
        #expect(try Self.value(console, "mount -t ext4 /dev/xvda /mnt && echo mounted") == "mounted")
        #expect(Self.checksums(try Self.lines(console, "cat /mnt/SHA256SUMS")) == sums)
        let (verify, verifyTime) = try Self.timed {
            try Self.lines(console, "cd /mnt && sha256sum -c SHA256SUMS; echo verify rc=$?; cd /", timeout: 1800)
        }
        let ok = verify.filter { $0.hasSuffix(": OK") }
        #expect(ok.count == sums.count && verify.last == "verify rc=0", "sha256sum -c: \(verify.filter { !$0.hasSuffix(": OK") })")
        #expect(Set(ok.map { String($0.dropLast(": OK".count)) }) == Set(sums.keys))
        #expect(try Self.value(console, "umount /mnt && echo unmounted", timeout: 600) == "unmounted")
        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 300) == 0, "stderr: \(console.stderr)")

        let fsck2 = try Self.host("e2fsck", ["-fn", image])
        #expect(fsck2.status == 0, "e2fsck -fn after the second boot: \(fsck2.output)")
        // The host's own ext4 reader finds what the guest wrote.
        let dumped = images.appendingPathComponent("mid3").path
        let dump = try Self.host("debugfs", ["-R", "dump /mid3 \(dumped)", image])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dumped))
        #expect(bytes.count == 16 * Self.mib, "debugfs: \(dump.output)")
        #expect(DebianGuestTests.sha256(bytes) == sums["./mid3"])

        print(String(format: "ext4 512 MiB: boot 1 %.0f s, fill %.1f s, sha256sum %.1f s, sync %.1f s; boot 2 %.0f s, sha256sum -c %.1f s",
                     boot1, fillTime, hashTime, syncTime, boot2, verifyTime))
    }

    /// A read-only ext4 disk: the guest sees it read-only, mounts it
    /// read-only, reads the host's file, and every way of writing it fails
    /// with an error; the image keeps every byte. (Linux never sends a
    /// write request for a disk the backend marks read-only; the backend
    /// refusing such requests is BackendsTests' `readOnlyDiskRefusesEveryWrite`.)
    @Test(.enabled(if: haveE2fsprogs, "needs e2fsprogs (mkfs.ext4, e2fsck, debugfs; scripts/setup installs it)"))
    func readOnlyDiskRefusesWrites() throws {
        try Self.requireExt4()
        let images = try Self.imageDirectory()
        defer { try? FileManager.default.removeItem(at: images) }
        let content = images.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        let data = DebianGuestTests.diskPattern(mib: 1)
        try data.write(to: content.appendingPathComponent("data"))
        let image = images.appendingPathComponent("ro.img").path
        try Self.sparseImage(image, bytes: 64 * Self.mib)
        let mkfs = try Self.host("mkfs.ext4", ["-F", "-q", "-d", content.path, image])
        try #require(mkfs.status == 0, "mkfs.ext4: \(mkfs.output)")
        let before = DebianGuestTests.sha256(try Data(contentsOf: URL(fileURLWithPath: image)))

        let (path, directory) = try debianConfig(extraFiles: [], lines: """
            disk = [ 'format=raw, vdev=xvda, access=ro, target=\(image)' ]
            """, name: "debian-ext4-ro")
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)

        #expect(try Self.value(console, "cat /sys/block/xvda/ro") == "1")
        // busybox mount tries read-write, is refused, and mounts read-only.
        #expect(try Self.value(console, "mount -t ext4 /dev/xvda /mnt; echo rc=$?") == "rc=0")
        let options = try Self.value(console, "grep '^/dev/xvda /mnt ' /proc/mounts")
        #expect(options.contains(" ro,") || options.contains(" ro "), "mounted: \(options)")
        #expect(try Self.value(console, "sha256sum /mnt/data").hasPrefix(DebianGuestTests.sha256(data)))

        let create = try Self.lines(console, "echo x > /mnt/new; echo rc=$?")
        #expect(create.last != "rc=0" && create.joined().contains("Read-only file system"), "create: \(create)")
        let remount = try Self.lines(console, "mount -o remount,rw /mnt; echo rc=$?")
        #expect(remount.last != "rc=0", "remount rw: \(remount)")
        let raw = try Self.lines(console, "dd if=/dev/zero of=/dev/xvda bs=4096 count=1 conv=fsync; echo rc=$?")
        let refusals = ["Operation not permitted", "Read-only file system", "I/O error", "Permission denied"]
        #expect(raw.last != "rc=0" && refusals.contains { raw.joined().contains($0) }, "dd to the disk: \(raw)")
        #expect(try Self.value(console, "sha256sum /mnt/data").hasPrefix(DebianGuestTests.sha256(data)))

        #expect(try Self.value(console, "umount /mnt && echo unmounted") == "unmounted")
        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0, "stderr: \(console.stderr)")
        #expect(DebianGuestTests.sha256(try Data(contentsOf: URL(fileURLWithPath: image))) == before)
        let fsck = try Self.host("e2fsck", ["-fn", image])
        #expect(fsck.status == 0, "e2fsck -fn: \(fsck.output)")
    }

    /// xen-blkfront unbound from its device and unloaded, then loaded again:
    /// the disk comes back with the same bytes and takes writes; the
    /// backend's state goes Closed and then Connected again. (xenbus holds
    /// a reference to a driver bound to a device, so the guest unbinds
    /// before `rmmod`, as `rmmod` alone answers EAGAIN.)
    @Test func blkfrontUnloadedAndLoadedAgainGetsItsDiskBack() throws {
        let images = try Self.imageDirectory()
        defer { try? FileManager.default.removeItem(at: images) }
        let image = images.appendingPathComponent("disk.img").path
        let original = DebianGuestTests.diskPattern(mib: 64)
        try original.write(to: URL(fileURLWithPath: image))
        let hash = DebianGuestTests.sha256(original)
        let written = DebianGuestTests.diskPattern(mib: 1, seed: 0x2545_f491)

        let name = "debian-blkfront-reload"
        let (path, directory) = try debianConfig(extraFiles: [("xenolith-vbd-data", 0o100644, [UInt8](written))],
                                                 lines: "disk = [ '\(image),raw,xvda,rw' ]", name: name)
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: Self.bootTimeout)

        // Both ends' xenbus states, through the domain's xenstore socket.
        let xenstoreRead = hostTool("xenstore-read")
        func states() throws -> String? {
            guard xenstoreRead != nil else { return nil }
            // The domain's id: the lowest free on this host, not always 1.
            let id = DebianGuestTests.domid(name)
            let r = try Self.host("xenstore-read", ["/local/domain/0/backend/vbd/\(id)/51712/state",
                                                    "/local/domain/\(id)/device/vbd/51712/state"],
                                  environment: ["XENSTORED_PATH": DebianGuestTests.socketPath(name)])
            return r.output.split(whereSeparator: \.isNewline).joined(separator: " ")
        }
        /// Polls until the states read `expected` (the guest's xenbus works asynchronously).
        func awaitStates(_ expected: String) throws -> String? {
            let deadline = Date().addingTimeInterval(30)
            var seen = try states()
            while let s = seen, s != expected, Date() < deadline {
                usleep(200_000)
                seen = try states()
            }
            return seen
        }

        #expect(try Self.value(console, "sha256sum /dev/xvda", timeout: 300).hasPrefix(hash))
        if let s = try awaitStates("4 4") { #expect(s == "4 4", "backend and frontend states before") }

        let unload = try Self.lines(console, """
            echo vbd-51712 > /sys/bus/xen/drivers/vbd/unbind && rmmod xen_blkfront; echo rc=$?; \
            grep -c '^xen_blkfront ' /proc/modules; [ -b /dev/xvda ] || echo gone
            """)
        #expect(unload == ["rc=0", "0", "gone"], "unload: \(unload)")
        if let s = try awaitStates("6 6") { #expect(s == "6 6", "Closed, both ends, while unloaded") }

        let reload = try Self.lines(console, """
            insmod $(find /lib/modules -name xen-blkfront.ko); echo rc=$?; \
            i=0; while [ ! -b /dev/xvda ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done; \
            [ -b /dev/xvda ] && echo back
            """, timeout: 120)
        #expect(reload == ["rc=0", "back"], "reload: \(reload)")
        if let s = try awaitStates("4 4") { #expect(s == "4 4", "Connected again, both ends") }

        #expect(try Self.value(console, "sha256sum /dev/xvda", timeout: 300).hasPrefix(hash))
        #expect(try Self.value(console, "dd if=/xenolith-vbd-data of=/dev/xvda bs=1M seek=8 conv=fsync 2>/dev/null; echo rc=$?") == "rc=0")
        #expect(try Self.value(console, "dd if=/dev/xvda bs=1M skip=8 count=1 2>/dev/null | sha256sum")
            .hasPrefix(DebianGuestTests.sha256(written)))
        let connects = try Self.lines(console, "dmesg | grep -c 'blkfront: xvda: '")
        #expect(connects.last == "2", "blkfront connected twice: \(connects)")
        let dmesg = try Self.lines(console, "dmesg")
        let bad = dmesg.filter { $0.contains("BUG:") || $0.contains("WARNING: CPU:") || $0.contains("Oops") }
        #expect(bad.isEmpty, "dmesg: \(bad)")

        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0, "stderr: \(console.stderr)")
        #expect(!console.transcript.contains("timeout closing device"), "blkfront's close at shutdown waited")
        let after = try Data(contentsOf: URL(fileURLWithPath: image))
        #expect(after.count == original.count)
        #expect(after[(8 * Self.mib)..<(9 * Self.mib)] == written)
        #expect(after.prefix(8 * Self.mib) == original.prefix(8 * Self.mib))
        #expect(after.suffix(from: 9 * Self.mib) == original.suffix(from: 9 * Self.mib))
    }
}
