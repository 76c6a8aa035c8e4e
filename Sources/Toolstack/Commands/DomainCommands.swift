// The domain-management commands, after argument parsing: each finds the
// domain in the runtime directory (by name, or by domid when all digits,
// as xl does) and asks its process over the control socket.
//
// Messages: one line, `xenolith: <verb> domain '<domain>': <clause>`.
// Exit status: 0 done, 1 the request failed (no such domain, refused,
// timed out), 2 malformed arguments.
//
// Xen: tools/xl/xl_list.c (list), xl_console.c, xl_vmcontrol.c (shutdown,
// reboot, destroy, pause, unpause), xl_mem.c (mem-set), xl_vcpu.c
// (vcpu-set).
import Foundation

/// Finding a domain and asking it something, shared by the commands.
struct DomainRequester {
    let verb: String
    let qualifier: String
    let output: CommandOutput
    var base: String = RuntimeDirectory.defaultBase()

    func fail(_ clause: String) -> Int32 {
        output.diagnostic("\(verb) domain '\(qualifier)': \(clause)")
        return XenolithExit.failure
    }

    /// The live domain, or nil after printing why not.
    func find() -> LiveDomain? {
        do {
            if let domain = try RuntimeDirectory.find(qualifier, base: base) { return domain }
            _ = fail("no such domain (`xenolith list` shows the running ones)")
        } catch {
            _ = fail(error.description)
        }
        return nil
    }

    /// Sends `request`: the exit status, after printing why it failed.
    func send(_ request: ControlRequest, to domain: LiveDomain) -> Int32 {
        do {
            let reply = try ControlClient(domain: domain).send(request)
            return reply.ok ? XenolithExit.ok : fail(reply.error ?? "refused")
        } catch {
            return fail(error.description)
        }
    }

    /// Waits until `condition` holds, polling every 100 ms; false on timeout.
    static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() >= deadline { return false }
            usleep(100_000)
        }
        return true
    }
}

/// `xenolith list [DOMAIN...]`: xl list's table.
public struct ListCommand: Sendable {
    public var qualifiers: [String]
    public init(qualifiers: [String] = []) { self.qualifiers = qualifiers }

    /// xl list's header (tools/xl/xl_list.c list_domains).
    static let header = "Name                                        ID   Mem VCPUs\tState\tTime(s)"

    /// One row, in xl list's columns: name (40), domid (5), memory in MiB
    /// (5), online vCPUs (5), the six state letters, CPU seconds (8.1).
    static func row(_ info: DomainInfo) -> String {
        func right(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        let name = info.name.count >= 40 ? info.name : info.name + String(repeating: " ", count: 40 - info.name.count)
        return name + " " + right(String(info.domid), 5) + " " + right(String(info.memoryKiB / 1024), 5) + " "
            + right(String(info.vcpus), 5) + "     " + info.stateLetters + "  "
            + right(String(format: "%.1f", info.cpuTime), 8)
    }

    public func run(output: CommandOutput = .standard) -> Int32 {
        let live: [LiveDomain]
        do { live = try RuntimeDirectory.liveDomains() } catch {
            output.diagnostic("list: \(error)")
            return XenolithExit.failure
        }
        var status = XenolithExit.ok
        var chosen: [LiveDomain] = live
        if !qualifiers.isEmpty {
            chosen = []
            for q in qualifiers {
                if let d = RuntimeDirectory.match(q, in: live) {
                    chosen.append(d)
                } else {
                    output.diagnostic("list: no domain '\(q)'")
                    status = XenolithExit.failure
                }
            }
        }
        var rows: [String] = []
        for domain in chosen {
            do {
                let reply = try ControlClient(domain: domain).send(ControlRequest(op: .info), timeout: 5)
                if let info = reply.info { rows.append(Self.row(info)) }
            } catch {
                // A domain process that does not answer (wedged, or a
                // xenolith without a control socket): said, not shown.
                output.diagnostic("list: \(error.description)")
            }
        }
        if status == XenolithExit.ok || !rows.isEmpty {
            output.standardOutput(([Self.header] + rows).joined(separator: "\n") + "\n")
        }
        return status
    }
}

/// `xenolith shutdown [-w] DOMAIN` and `xenolith reboot [-w] DOMAIN`: the
/// PV way, control/shutdown in the guest's xenstore; `-w` waits for the
/// domain process to end (shutdown) or for the domain to restart (reboot).
/// Xen: main_shutdown / main_reboot, shutdown_domain / reboot_domain.
public struct ShutdownCommand: Sendable {
    public var qualifier: String
    public var reboot: Bool
    public var wait: Bool
    /// How long `-w` waits, in seconds.
    public var timeout: Double

    public init(qualifier: String, reboot: Bool = false, wait: Bool = false, timeout: Double = 120) {
        self.qualifier = qualifier
        self.reboot = reboot
        self.wait = wait
        self.timeout = timeout
    }

    public func run(output: CommandOutput = .standard) -> Int32 {
        let requester = DomainRequester(verb: reboot ? "reboot" : "shutdown", qualifier: qualifier, output: output)
        guard let domain = requester.find() else { return XenolithExit.failure }
        let before = try? ControlClient(domain: domain).send(ControlRequest(op: .info), timeout: 5).info
        let sent = requester.send(ControlRequest(op: .shutdown, reason: reboot ? "reboot" : "poweroff"), to: domain)
        guard sent == XenolithExit.ok else { return sent }
        guard wait else { return XenolithExit.ok }
        let done = DomainRequester.wait(seconds: timeout) {
            guard domain.isAlive else { return true }
            guard reboot else { return false }
            // A reboot is done once the process has built the domain anew.
            let now = try? ControlClient(domain: domain).send(ControlRequest(op: .info), timeout: 5).info
            return (now?.restarts ?? 0) > (before?.restarts ?? 0)
        }
        guard done else {
            let what = reboot ? "reboot" : "power off"
            return requester.fail("the guest did not \(what) within \(Int(timeout)) s (a guest without PV control "
                                  + "ignores control/shutdown; `xenolith destroy \(qualifier)` ends it)")
        }
        return XenolithExit.ok
    }
}

/// `xenolith destroy DOMAIN`: ends the domain now, whatever the guest does;
/// the process stops its backends (images flushed) and exits. Waits for
/// the process to end; one that does not within `timeout` (wedged) is
/// sent SIGTERM, then SIGKILL. Xen: main_destroy, libxl_domain_destroy.
public struct DestroyCommand: Sendable {
    public var qualifier: String
    public var timeout: Double

    public init(qualifier: String, timeout: Double = 15) {
        self.qualifier = qualifier
        self.timeout = timeout
    }

    public func run(output: CommandOutput = .standard) -> Int32 {
        let requester = DomainRequester(verb: "destroy", qualifier: qualifier, output: output)
        guard let domain = requester.find() else { return XenolithExit.failure }
        let asked = (try? ControlClient(domain: domain).send(ControlRequest(op: .destroy), timeout: 5))?.ok ?? false
        if !asked { ControlSys.kill(domain.pid, SIGTERM) }
        if DomainRequester.wait(seconds: timeout, until: { !domain.isAlive }) { return XenolithExit.ok }
        if asked, ControlSys.kill(domain.pid, SIGTERM),
           DomainRequester.wait(seconds: 5, until: { !domain.isAlive }) { return XenolithExit.ok }
        ControlSys.kill(domain.pid, SIGKILL)
        _ = DomainRequester.wait(seconds: 5, until: { !domain.isAlive })
        output.diagnostic("warning: destroy domain '\(qualifier)': the domain process (pid \(domain.pid)) did not "
                          + "exit within \(Int(timeout)) s; killed it (SIGKILL), its disk images may be incomplete")
        return XenolithExit.ok
    }
}

/// `xenolith pause DOMAIN` / `xenolith unpause DOMAIN`: the vCPUs stop
/// running guest code until unpaused (list shows "p", the CPU time stands
/// still; the guest's system time runs on, as under Xen).
/// Xen: main_pause / main_unpause, libxl_domain_pause.
public struct PauseCommand: Sendable {
    public var qualifier: String
    public var pause: Bool

    public init(qualifier: String, pause: Bool) {
        self.qualifier = qualifier
        self.pause = pause
    }

    public func run(output: CommandOutput = .standard) -> Int32 {
        let requester = DomainRequester(verb: pause ? "pause" : "unpause", qualifier: qualifier, output: output)
        guard let domain = requester.find() else { return XenolithExit.failure }
        return requester.send(ControlRequest(op: pause ? .pause : .unpause), to: domain)
    }
}

/// `xenolith mem-set DOMAIN SIZE`: the balloon target. Xen: main_memset,
/// libxl_set_memory_target(enforce=1).
public struct MemSetCommand: Sendable {
    public var qualifier: String
    public var size: String

    public init(qualifier: String, size: String) {
        self.qualifier = qualifier
        self.size = size
    }

    public func run(output: CommandOutput = .standard) -> Int32 {
        let requester = DomainRequester(verb: "mem-set", qualifier: qualifier, output: output)
        guard let kib = MemorySize.kibibytes(size) else {
            output.diagnostic("mem-set domain '\(qualifier)': invalid size '\(size)' "
                              + "(a number and an optional unit: b, k, m, g or t; m when none)")
            return XenolithExit.badInput
        }
        guard let domain = requester.find() else { return XenolithExit.failure }
        return requester.send(ControlRequest(op: .memSet, memoryKiB: kib), to: domain)
    }
}

/// `xenolith vcpu-set DOMAIN N`: N vCPUs online (cpu/<i>/availability).
/// Xen: main_vcpuset, libxl_set_vcpuonline.
public struct VcpuSetCommand: Sendable {
    public var qualifier: String
    public var count: Int

    public init(qualifier: String, count: Int) {
        self.qualifier = qualifier
        self.count = count
    }

    public func run(output: CommandOutput = .standard) -> Int32 {
        let requester = DomainRequester(verb: "vcpu-set", qualifier: qualifier, output: output)
        guard count >= 1 else {
            output.diagnostic("vcpu-set domain '\(qualifier)': a domain needs at least 1 vCPU, not \(count)")
            return XenolithExit.badInput
        }
        guard let domain = requester.find() else { return XenolithExit.failure }
        return requester.send(ControlRequest(op: .vcpuSet, vcpus: count), to: domain)
    }
}

/// xl's memory sizes (tools/xl/xl_utils.c parse_mem_size_kb): a decimal
/// number with an optional unit letter, b, k, m, g or t in either case;
/// no unit means MiB. Bytes are rounded down to KiB.
public enum MemorySize {
    public static func kibibytes(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var shift: Int = 10  // MiB
        var bytes = false
        if let last = text.last, !last.isNumber {
            digits = text.dropLast()
            switch last.lowercased() {
            case "b": bytes = true; shift = 0
            case "k": shift = 0
            case "m": shift = 10
            case "g": shift = 20
            case "t": shift = 30
            default: return nil
            }
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt64(digits) else { return nil }
        if bytes { return n >> 10 }
        guard n <= UInt64.max >> shift else { return nil }
        return n << shift
    }
}
