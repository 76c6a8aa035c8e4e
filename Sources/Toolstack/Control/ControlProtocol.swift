// The control socket's protocol: what `xenolith list/console/shutdown/...`
// ask a domain process (Xen: the domctls and xenstore writes libxl makes
// on xl's behalf; here the domain process makes them for the client).
//
// Wire: one request per connection. The client sends one JSON object on
// one line (ControlRequest), the server answers one line (ControlReply)
// and closes, except after a successful `console`: then the connection
// carries the raw console, guest output to the client (the recent output
// first, from the ring buffer) and keystrokes to the guest, until either
// side closes. Lines are at most `maxLineBytes`.
//
// Trust: whoever can connect may do anything to the domain, as anyone who
// can run xl as root may. The socket's directory is 0700 and the socket
// 0600; the server also checks the peer's uid (SO_PEERCRED) against its
// own (root may always connect).
import Foundation

/// One request. Xen: the xl subcommand it stands for is named per case.
public enum ControlOp: String, Codable, Sendable, CaseIterable {
    /// `xl list`: the domain's status.
    case info
    /// `xl console`: attach to the console.
    case console
    /// `xl shutdown` / `xl reboot`: control/shutdown = `reason`.
    case shutdown
    /// `xl destroy`: end the domain now.
    case destroy
    /// `xl pause` / `xl unpause`.
    case pause, unpause
    /// `xl mem-set`: memory/target = `memoryKiB`.
    case memSet = "mem-set"
    /// `xl vcpu-set`: `vcpus` vCPUs online.
    case vcpuSet = "vcpu-set"
}

public struct ControlRequest: Codable, Sendable, Equatable {
    public var op: ControlOp
    /// shutdown: "poweroff" or "reboot".
    public var reason: String?
    /// mem-set: the new target in KiB.
    public var memoryKiB: UInt64?
    /// vcpu-set: how many vCPUs are to be online.
    public var vcpus: Int?

    public init(op: ControlOp, reason: String? = nil, memoryKiB: UInt64? = nil, vcpus: Int? = nil) {
        self.op = op
        self.reason = reason
        self.memoryKiB = memoryKiB
        self.vcpus = vcpus
    }
}

/// A domain's state as `list` shows it (Xen: libxl_dominfo).
public struct DomainInfo: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Not yet running: being built (first start or a restart).
        case building
        case running, blocked, paused, shutdown
        /// Being destroyed.
        case dying
    }
    public var name: String
    public var domid: UInt16
    public var uuid: String
    /// The domain process.
    public var pid: Int32
    public var state: State
    /// Frames the domain owns, in KiB (Xen: current_memkb).
    public var memoryKiB: UInt64
    /// memory/target (the balloon target), in KiB.
    public var targetKiB: UInt64?
    /// memory/static-max (maxmem), in KiB (Xen: max_memkb).
    public var maxMemoryKiB: UInt64
    /// vCPUs online (Xen: vcpu_online).
    public var vcpus: Int
    /// maxvcpus (Xen: vcpu_max_id + 1).
    public var maxVcpus: Int
    /// CPU time of the current incarnation, in seconds (Xen: cpu_time).
    public var cpuTime: Double
    /// How many times on_reboot/on_crash="restart" rebuilt the domain.
    public var restarts: Int

    public init(name: String, domid: UInt16, uuid: String, pid: Int32, state: State, memoryKiB: UInt64,
                targetKiB: UInt64?, maxMemoryKiB: UInt64, vcpus: Int, maxVcpus: Int, cpuTime: Double,
                restarts: Int) {
        self.name = name
        self.domid = domid
        self.uuid = uuid
        self.pid = pid
        self.state = state
        self.memoryKiB = memoryKiB
        self.targetKiB = targetKiB
        self.maxMemoryKiB = maxMemoryKiB
        self.vcpus = vcpus
        self.maxVcpus = maxVcpus
        self.cpuTime = cpuTime
        self.restarts = restarts
    }

    /// xl list's six state letters, "rbpscd" (tools/xl/xl_list.c
    /// list_domains): running, blocked, paused, shutdown, crashed, dying.
    public var stateLetters: String {
        let letters: [Character] = [
            state == .running ? "r" : "-",
            state == .blocked ? "b" : "-",
            state == .paused ? "p" : "-",
            state == .shutdown ? "s" : "-",
            "-",
            state == .dying ? "d" : "-",
        ]
        return String(letters)
    }
}

public struct ControlReply: Codable, Sendable, Equatable {
    public var ok: Bool
    /// Why the request failed: a lower-case clause.
    public var error: String?
    /// `info`, and after every successful request: the domain now.
    public var info: DomainInfo?

    public static func failure(_ error: String) -> ControlReply { ControlReply(ok: false, error: error, info: nil) }
    public static func success(_ info: DomainInfo? = nil) -> ControlReply { ControlReply(ok: true, error: nil, info: info) }
}

/// Newline-framed JSON.
public enum ControlWire {
    /// The longest line either side accepts.
    public static let maxLineBytes = 64 * 1024

    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // JSONEncoder never emits a raw newline (strings escape it), so one
        // value is one line.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return [UInt8](data) + [0x0A]
    }

    public static func decode<T: Decodable>(_ type: T.Type, from line: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(line))
    }

    /// Splits `buffer` at its first newline: the line (without it) and
    /// what follows; nil while no newline has arrived.
    public static func splitLine(_ buffer: [UInt8]) -> (line: [UInt8], rest: [UInt8])? {
        guard let i = buffer.firstIndex(of: 0x0A) else { return nil }
        return (Array(buffer[..<i]), Array(buffer[(i + 1)...]))
    }
}
