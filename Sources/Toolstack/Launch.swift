// Launch: the seam between the command line (config parsing, options) and a
// running domain (VMM). Owned by the VMM side; the `create` command calls it.

/// Options of `xenolith create` that are not part of the domain's xl.cfg.
public struct CreateOptions: Sendable {
    /// `-c`: attach the guest console to stdin/stdout.
    public var attachConsole: Bool = false
    /// `-F`: stay in the foreground until the domain ends.
    public var foreground: Bool = false
    /// `--trace`: subsystems to trace (hypercalls, traps, ...).
    public var trace: Set<String> = []
    /// `--console-log FILE`: record the guest console.
    public var consoleLog: String? = nil
    public init() {}
}

/// How a domain ended; maps to the process exit status (see README).
public enum DomainExit: Sendable, Equatable {
    case poweroff
    case crashed(reason: String)
    case hypervisorError(String)

    /// Exit status of `xenolith create -F`: 0 after poweroff, 3 guest crash,
    /// 4 fatal hypervisor-side error. (2 is bad input, see `XenolithExit`.)
    public var exitStatus: Int32 {
        switch self {
        case .poweroff: return 0
        case .crashed: return 3
        case .hypervisorError: return 4
        }
    }
}

/// Process exit statuses used by the `xenolith` command.
public enum XenolithExit {
    public static let ok: Int32 = 0
    public static let badInput: Int32 = 2
    public static let guestCrashed: Int32 = 3
    public static let hypervisorError: Int32 = 4
}
