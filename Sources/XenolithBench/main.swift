// xenolith-bench: runs bench/xbench.c three ways — directly on the host,
// inside a Xenolith PV guest (the default Debian kernel and initramfs) and
// inside QEMU/KVM with the same kernel where that boots — alternating over
// several runs, and prints a table of medians with ratios to the host, plus
// JSON. In the Xenolith guest every benchmark is bracketed by sync points
// where the harness reads the domain's counters (xenolith's `kill -USR2`
// state report): shim entries and exits to the host process per operation.
//
// Usage: xenolith-bench [--runs N] [--json FILE] [--no-qemu] [--xbench PATH]
//                       [--guest-dir DIR] [--guests DIR] [--work DIR] [NAME...]
// (--guests: the built test guests, default <bin>/guests where scripts/bench builds them)
// scripts/bench builds everything and runs this.
import Foundation
import XenolithTestSupport

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

struct Options {
    var runs = 3
    var json: String?
    var qemu = true
    var xbench: String?
    var guestDir: String?
    var work: String?
    var guests: String?
    var only: [String] = []

    static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw BenchError("\(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--runs":
                guard let n = Int(try value()), (1...50).contains(n) else { throw BenchError("--runs takes 1...50") }
                o.runs = n
            case "--json": o.json = try value()
            case "--no-qemu": o.qemu = false
            case "--xbench": o.xbench = try value()
            case "--guest-dir": o.guestDir = try value()
            case "--work": o.work = try value()
            case "--guests": o.guests = try value()
            case "-h", "--help":
                print("usage: xenolith-bench [--runs N] [--json FILE] [--no-qemu] [--xbench PATH] [--guest-dir DIR] [--guests DIR] [--work DIR] [NAME...]")
                exit(0)
            case let a where a.hasPrefix("-"): throw BenchError("unknown option \(a)")
            default: o.only.append(args[i])
            }
            i += 1
        }
        return o
    }
}

/// One figure of one run.
struct Figure {
    var value: Double
    var unit: String
    var operations: Int
    /// Xenolith only: shim entries and exits to the host during the benchmark.
    var shimEntries: UInt64?
    var exits: UInt64?
    var seconds: Double?
}

/// The domain's counters, from one `kill -USR2` state report.
struct Counters {
    var shimEntries: UInt64 = 0
    var exits: UInt64 = 0
    var kicks: UInt64 = 0

    /// Sums every "shim entries by vector:" and "KVM_RUN calls" line of the
    /// report (one per vCPU).
    init(report: Substring) {
        for line in report.split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("shim entries by vector:") {
                for pair in text.dropFirst("shim entries by vector:".count).split(separator: " ") {
                    if let n = pair.split(separator: ":").last.flatMap({ UInt64($0) }) { shimEntries += n }
                }
            } else if text.hasPrefix("KVM_RUN calls") {
                let words = text.split(separator: " ")
                if words.count > 2, let n = UInt64(words[2].trimmingCharacters(in: .punctuationCharacters)) { exits += n }
                if let k = words.firstIndex(of: "kicks"), k + 1 < words.count,
                   let n = UInt64(words[k + 1].trimmingCharacters(in: .punctuationCharacters)) { kicks += n }
            }
        }
    }
    init() {}
}

let reportMarker = "(kill -USR2):"

/// Asks a running xenolith for its state report and waits for it.
func snapshot(_ session: ConsoleSession) throws -> Counters {
    let before = session.stderr.components(separatedBy: reportMarker).count
    kill(session.processIdentifier, SIGUSR2)
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
        let text = session.stderr
        let parts = text.components(separatedBy: reportMarker)
        // The report is complete once its last line ("KVM_RUN calls ...") is there.
        if parts.count > before, let last = parts.last, last.contains("KVM_RUN calls"), last.hasSuffix("\n") {
            return Counters(report: Substring(last))
        }
        usleep(5000)
    }
    throw BenchError("no state report from xenolith within 20 s (kill -USR2)")
}

func runProcess(_ path: String, _ args: [String], timeout: TimeInterval = 900) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// "xbench <name> <value> <unit> <ops>" lines.
func parseFigures(_ text: String) -> [String: Figure] {
    var out: [String: Figure] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
        let w = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard w.count == 5, w[0] == "xbench", let v = Double(w[2]), let n = Int(w[4]) else { continue }
        out[String(w[1])] = Figure(value: v, unit: String(w[3]), operations: n)
    }
    return out
}

// MARK: The three ways

struct Setup {
    var xbench: String
    var kernel: String
    var initrd: String
    var disk: String
    var work: URL
    var only: [String]
    var benchGuest: String
}

func hostRun(_ s: Setup) throws -> [String: Figure] {
    let r = try runProcess(s.xbench, ["--disk", s.disk, "--exec", "/bin/true"] + s.only)
    guard r.status == 0 else { throw BenchError("xbench on the host failed (status \(r.status)): \(r.err)") }
    return parseFigures(r.out)
}

/// Boots the Debian kernel under Xenolith with xbench in its initramfs and
/// runs it with sync points; also measures launch to /init.
func xenolithRun(_ s: Setup) throws -> [String: Figure] {
    let cfg = s.work.appendingPathComponent("bench.cfg").path
    try """
        name = "xenolith-bench"
        kernel = "\(s.kernel)"
        ramdisk = "\(s.initrd)"
        memory = 512
        extra = "console=hvc0 rdinit=/xbench-init"
        disk = [ 'format=raw, vdev=xvdb, access=rw, target=\(s.disk)' ]
        on_crash = "destroy"
        """.write(toFile: cfg, atomically: true, encoding: .utf8)
    let start = Date()
    let session = try ConsoleSession(arguments: [cfg])
    defer { if session.processIdentifier > 0 { kill(session.processIdentifier, SIGKILL) } }
    try session.waitFor("XBENCH-INIT-START", timeout: 300)
    var figures: [String: Figure] = [:]
    figures["launch_to_init"] = Figure(value: Date().timeIntervalSince(start), unit: "s", operations: 1)
    try session.waitFor("xenolith# ", timeout: 300)
    let names = s.only.isEmpty ? [] : ["sync_overhead"] + s.only
    session.send("xbench --sync --disk /dev/xvdb --exec /bin/true \(names.joined(separator: " "))")
    var begin: (Counters, Date)?
    var last: (name: String, entries: UInt64, exits: UInt64, seconds: Double)?
    while true {
        let chunk = try session.waitFor("\n", timeout: 1800)
        // (A tty ends lines with "\r\n", which Swift reads as one Character.)
        let line = chunk.replacingOccurrences(of: "\r", with: "").split(separator: "\n").last.map(String.init) ?? ""
        let w = line.split(separator: " ")
        if w.first == "xbench-sync", w.count == 3 {
            let c = try snapshot(session)
            if w[2] == "begin" {
                begin = (c, Date())
            } else if let b = begin {
                last = (String(w[1]), c.shimEntries - b.0.shimEntries, c.exits - b.0.exits, Date().timeIntervalSince(b.1))
                begin = nil
            }
            session.send("")
        } else if w.first == "xbench", w.count == 5, var f = parseFigures(line).first {
            if let l = last, l.name == f.key {
                // Less what the bracketing itself cost (measured first).
                let overhead = figures["sync_overhead"]
                f.value.shimEntries = l.entries - min(l.entries, overhead?.shimEntries ?? 0)
                f.value.exits = l.exits - min(l.exits, overhead?.exits ?? 0)
                f.value.seconds = l.seconds
            }
            figures[f.key] = f.value
        } else if line.hasPrefix("xbench done") {
            break
        } else if line.hasPrefix("xbench: ") {
            throw BenchError("xbench in the Xenolith guest: \(line)")
        }
    }
    session.send("poweroff")
    _ = try? session.waitForExit(timeout: 120)
    return figures
}

/// The hypervisor figures: the `bench` test guest (guests/bench), which
/// prints xbench lines of its own.
func hypervisorRun(_ s: Setup) throws -> [String: Figure] {
    guard FileManager.default.fileExists(atPath: s.benchGuest) else {
        throw BenchError("no test guest at \(s.benchGuest) (scripts/build-guests builds it)")
    }
    let cfg = s.work.appendingPathComponent("bench-guest.cfg").path
    try "name = \"xenolith-bench-guest\"\nkernel = \"\(s.benchGuest)\"\nmemory = 64\n".write(toFile: cfg, atomically: true, encoding: .utf8)
    let xenolith = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("xenolith").path
    let r = try runProcess(xenolith, ["create", "-F", cfg])
    guard r.status == 0, r.out.contains("Test result: SUCCESS") else {
        throw BenchError("the bench test guest failed (status \(r.status)): \(r.out.suffix(300)) \(r.err.suffix(300))")
    }
    return parseFigures(r.out)
}

/// QEMU/KVM with the same kernel and initramfs, where it boots; a kernel
/// that cannot run (kvm-pvm hosts: the kernel's CPL0 code hits
/// instructions KVM's emulator refuses) is reported, not waited for.
func qemuRun(_ s: Setup) throws -> [String: Figure] {
    guard let qemu = ["/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64"]
        .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw BenchError("qemu-system-x86_64 is not installed (scripts/setup installs qemu-system-x86)")
    }
    func launch(cpu: String) throws -> (ConsoleSession, Date) {
        let start = Date()
        let session = try ConsoleSession(executable: URL(fileURLWithPath: qemu), arguments: [
            "-enable-kvm", "-cpu", cpu, "-m", "512", "-smp", "1", "-nographic", "-no-reboot",
            "-kernel", s.kernel, "-initrd", s.initrd,
            "-append", "console=ttyS0 earlyprintk=ttyS0 rdinit=/xbench-init panic=-1",
            "-drive", "file=\(s.disk),if=virtio,format=raw,cache=none",
        ])
        return (session, start)
    }
    func failure(_ session: ConsoleSession, _ what: String) -> BenchError {
        kill(session.processIdentifier, SIGKILL)
        let why = session.stderr.split(whereSeparator: \.isNewline).prefix(2).joined(separator: " / ")
        let tail = session.transcript.replacingOccurrences(of: "\r", with: "").split(whereSeparator: \.isNewline).suffix(1).joined()
        return BenchError("did not boot (\(what)): \(why.isEmpty ? "last output: " + tail : why)")
    }
    // `-cpu host` first, as asked; some KVMs refuse an MSR QEMU sets for it
    // (IA32_ARCH_CAPABILITIES): then without that feature.
    var (session, start) = try launch(cpu: "host")
    do {
        // The kernel's first line within a minute, else it is not going to boot
        // (its CPL0 code runs in KVM's instruction emulator on kvm-pvm hosts).
        try session.waitFor("Linux version", timeout: 60)
    } catch {
        guard session.stderr.contains("failed to set MSR") else { throw failure(session, "no kernel output within 60 s") }
        kill(session.processIdentifier, SIGKILL)
        (session, start) = try launch(cpu: "host,-arch-capabilities")
        do { try session.waitFor("Linux version", timeout: 60) } catch {
            throw failure(session, "-cpu host refused an MSR; with host,-arch-capabilities no kernel output within 60 s")
        }
    }
    defer { kill(session.processIdentifier, SIGKILL) }
    do {
        try session.waitFor("XBENCH-INIT-START", timeout: 240)
    } catch {
        throw failure(session, "no /init within 240 s")
    }
    var figures: [String: Figure] = [:]
    figures["launch_to_init"] = Figure(value: Date().timeIntervalSince(start), unit: "s", operations: 1)
    try session.waitFor("xenolith# ", timeout: 300)
    // Debian's initramfs here carries the Xen frontends, not virtio: the
    // disk benchmarks run only if a virtio disk appeared.
    session.send("if [ -b /dev/vda ]; then xbench --disk /dev/vda \(s.only.joined(separator: " ")); else xbench \(s.only.joined(separator: " ")); fi")
    let out = try session.waitFor("xbench done", timeout: 1800)
    figures.merge(parseFigures(out)) { $1 }
    session.send("poweroff")
    _ = try? session.waitForExit(timeout: 60)
    return figures
}

// MARK: Preparing the guest

/// newc cpio of regular files (the kernel unpacks archives appended to the initramfs).
func cpio(_ files: [(String, UInt32, [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    func pad() { while out.count % 4 != 0 { out.append(0) } }
    func entry(_ name: String, _ mode: UInt32, _ data: [UInt8], _ ino: Int) {
        let fields: [UInt32] = [UInt32(ino), mode, 0, 0, 1, 0, UInt32(data.count), 0, 0, 0, 0, UInt32(name.utf8.count + 1), 0]
        out += Array("070701".utf8)
        for f in fields { out += Array(String(format: "%08X", f).utf8) }
        out += Array(name.utf8) + [0]
        pad()
        out += data
        pad()
    }
    for (i, f) in files.enumerated() { entry(f.0, f.1, f.2, 2000 + i) }
    entry("TRAILER!!!", 0, [], 0)
    return out
}

func prepare(_ o: Options) throws -> Setup {
    let env = ProcessInfo.processInfo.environment
    let guestDir = o.guestDir ?? ((env["XENOLITH_CACHE"] ?? ((env["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")) + "/xenolith")) + "/debian-12")
    guard FileManager.default.fileExists(atPath: guestDir + "/.complete") else {
        throw BenchError("no default guest in \(guestDir): run scripts/debian-guest (scripts/bench does)")
    }
    let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let xbench = o.xbench ?? here.appendingPathComponent("xbench").path
    guard FileManager.default.isExecutableFile(atPath: xbench) else {
        throw BenchError("no xbench binary at \(xbench) (scripts/bench builds it)")
    }
    let work = URL(fileURLWithPath: o.work ?? (NSTemporaryDirectory() + "xenolith-bench-\(getpid())"))
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    // The initramfs: Debian's default one plus xbench and an rdinit that
    // marks the first thing /init-time userspace does.
    var initrd = [UInt8](try Data(contentsOf: URL(fileURLWithPath: guestDir + "/initrd.img")))
    while initrd.count % 4 != 0 { initrd.append(0) }
    let rdinit = "#!/bin/sh\necho XBENCH-INIT-START >/dev/console\nexec /init\n"
    initrd += cpio([("usr/bin/xbench", 0o100755, [UInt8](try Data(contentsOf: URL(fileURLWithPath: xbench)))),
                    ("xbench-init", 0o100755, Array(rdinit.utf8))])
    let initrdPath = work.appendingPathComponent("initrd-bench.img").path
    try Data(initrd).write(to: URL(fileURLWithPath: initrdPath))
    // The scratch disk: 512 MiB of written (allocated) blocks, the same
    // file for every way, so reads hit real data.
    let disk = work.appendingPathComponent("disk.img").path
    if !FileManager.default.fileExists(atPath: disk) {
        guard FileManager.default.createFile(atPath: disk, contents: nil) else { throw BenchError("cannot create \(disk)") }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: disk))
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var x: UInt32 = 0x2545_f491
        for i in block.indices { x = x &* 1_664_525 &+ 1_013_904_223; block[i] = UInt8(truncatingIfNeeded: x >> 24) }
        for _ in 0..<512 { h.write(Data(block)) }
        try h.synchronize()
        try h.close()
    }
    let benchGuest = o.guests.map { $0 + "/bench.elf" }
        ?? here.appendingPathComponent("guests/bench.elf").path
    return Setup(xbench: xbench, kernel: guestDir + "/vmlinuz", initrd: initrdPath, disk: disk, work: work, only: o.only,
                 benchGuest: benchGuest)
}

// MARK: Report

func median(_ xs: [Double]) -> Double? {
    guard !xs.isEmpty else { return nil }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

let order = ["launch_to_init", "null_syscall", "clock_gettime", "page_fault", "fork_exit", "fork_exec", "pipe_rtt",
             "mmap_munmap", "ctx_switch", "mem_bw", "disk_seq_write", "disk_seq_read", "disk_rand_read",
             "tcp_send", "tcp_receive", "tcp_rtt", "null_hypercall", "trap_bounce", "evtchn_backend_rtt"]
/// Rates: bigger is better, the ratio is inverted so that > 1 always means slower than the host.
let rates: Set<String> = ["MiB/s", "IOPS", "Mbit/s"]

func main() -> Int32 {
    let options: Options
    do { options = try Options.parse(Array(CommandLine.arguments.dropFirst())) } catch {
        FileHandle.standardError.write(Data("xenolith-bench: \(error)\n".utf8)); return 2
    }
    let setup: Setup
    do { setup = try prepare(options) } catch {
        FileHandle.standardError.write(Data("xenolith-bench: \(error)\n".utf8)); return 1
    }
    var runs: [String: [[String: Figure]]] = ["host": [], "xenolith": [], "hypervisor": [], "qemu": []]
    var failures: [String: String] = [:]
    func say(_ s: String) { FileHandle.standardError.write(Data("xenolith-bench: \(s)\n".utf8)) }
    for r in 1...options.runs {
        for way in ["host", "xenolith", "hypervisor", "qemu"] {
            if way == "qemu" && (!options.qemu || failures["qemu"] != nil) { continue }
            if way == "hypervisor" && !options.only.isEmpty { continue }
            say("run \(r)/\(options.runs): \(way)")
            do {
                let f: [String: Figure]
                switch way {
                case "host": f = try hostRun(setup)
                case "xenolith": f = try xenolithRun(setup)
                case "hypervisor": f = try hypervisorRun(setup)
                default: f = try qemuRun(setup)
                }
                runs[way]!.append(f)
            } catch {
                failures[way] = "\(error)"
                say("\(way): \(error)")
            }
        }
    }
    // The table.
    func med(_ way: String, _ name: String) -> Figure? {
        let fs = runs[way]!.compactMap { $0[name] }
        guard let v = median(fs.map(\.value)), let first = fs.first else { return nil }
        return Figure(value: v, unit: first.unit, operations: first.operations)
    }
    func fmt(_ v: Double) -> String { v >= 100 ? String(format: "%.0f", v) : v >= 10 ? String(format: "%.1f", v) : String(format: "%.2f", v) }
    func ratio(_ f: Figure?, _ h: Figure?) -> String {
        guard let f, let h, h.value > 0, f.value > 0 else { return "-" }
        return fmt(rates.contains(f.unit) ? h.value / f.value : f.value / h.value) + "x"
    }
    var lines = ["| figure | unit | host | xenolith | ratio | qemu/kvm | ratio | shim entries/op | exits/op | exits/s |",
                 "|---|---|---|---|---|---|---|---|---|---|"]
    var json: [[String: Any]] = []
    for name in order where name != "sync_overhead" {
        let h = med("host", name), x = med("xenolith", name) ?? med("hypervisor", name), q = med("qemu", name)
        guard h != nil || x != nil || q != nil else { continue }
        let unit = (h ?? x ?? q)!.unit
        var entriesPerOp = "-", exitsPerOp = "-", exitsPerSecond = "-"
        let xs = runs["xenolith"]!.compactMap { $0[name] }
        if let e = median(xs.compactMap { f in f.shimEntries.map { Double($0) / Double(f.operations) } }) { entriesPerOp = fmt(e) }
        if let e = median(xs.compactMap { f in f.exits.map { Double($0) / Double(f.operations) } }) { exitsPerOp = fmt(e) }
        if let e = median(xs.compactMap { f in f.exits.flatMap { ex in f.seconds.map { Double(ex) / max($0, 1e-9) } } }) { exitsPerSecond = fmt(e) }
        lines.append("| \(name) | \(unit) | \(h.map { fmt($0.value) } ?? "-") | \(x.map { fmt($0.value) } ?? "-") | \(ratio(x, h)) | \(q.map { fmt($0.value) } ?? "-") | \(ratio(q, h)) | \(entriesPerOp) | \(exitsPerOp) | \(exitsPerSecond) |")
        var j: [String: Any] = ["name": name, "unit": unit]
        if let h { j["host"] = h.value }
        if let x { j["xenolith"] = x.value }
        if let q { j["qemu"] = q.value }
        if entriesPerOp != "-" { j["shim_entries_per_op"] = Double(entriesPerOp) }
        if exitsPerOp != "-" { j["exits_per_op"] = Double(exitsPerOp) }
        if exitsPerSecond != "-" { j["exits_per_second"] = Double(exitsPerSecond) }
        json.append(j)
    }
    print(lines.joined(separator: "\n"))
    print("ratio: time relative to the host (rates inverted), so > 1 is slower; medians of \(options.runs) runs")
    for (way, why) in failures.sorted(by: { $0.key < $1.key }) { print("\(way): \(why)") }
    if let path = options.json {
        let doc: [String: Any] = ["runs": options.runs, "figures": json, "failures": failures]
        guard let data = try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]),
              FileManager.default.createFile(atPath: path, contents: data) else {
            say("cannot write \(path)")
            return 1
        }
    }
    if options.work == nil { try? FileManager.default.removeItem(at: setup.work) }
    return failures["host"] != nil || failures["xenolith"] != nil || failures["hypervisor"] != nil ? 1 : 0
}

exit(main())
