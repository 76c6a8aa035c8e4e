// The console backend's errors, one type per operation (STYLE.md §4):
// making the host end (shown to the user when the domain is created) and
// attaching to the frontend's ring page (the xenbus layer reports it as
// xenbus_dev_fatal would). Faults of the ring itself are
// GuestMemory.XenconsRing.Fault, logged once and never fatal.
import Glibc
import XenABI

/// `ConsoleBackend.init` failed: the channel's host end cannot be made.
public enum ConsoleBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The socket path does not fit `sockaddr_un` (107 bytes on Linux).
    case pathTooLong(path: String, limit: Int)
    /// Something that is not a socket is already at the path.
    case notASocket(path: String)
    /// Another process listens on the path.
    case inUse(path: String)
    /// A host call on the socket path failed (socket, bind, chmod, listen).
    case socket(call: String, path: String, HostErrno)
    /// openpty(3) or setting the pty up failed.
    case pty(HostErrno)
    /// The wakeup self-pipe could not be made.
    case wakeup(HostErrno)

    public var description: String {
        switch self {
        case .pathTooLong(let p, let limit):
            return "socket path '\(p)' is longer than the \(limit) bytes a Unix socket path may have"
        case .notASocket(let p):
            return "socket path '\(p)' exists and is not a socket; remove it or choose another path"
        case .inUse(let p):
            return "socket path '\(p)' is in use by another process"
        case .socket(let call, let p, let e):
            let hint = e.code == ENOENT ? "; does its directory exist?" : e.code == EACCES ? "; check the directory's permissions" : ""
            return "socket path '\(p)': \(call) failed: \(e)\(hint)"
        case .pty(let e):
            return "cannot open a pseudo-terminal: \(e)"
        case .wakeup(let e):
            return "cannot make the backend's wakeup pipe: \(e)"
        }
    }
}

/// `ConsoleBackend.attach` refused the frontend's ring. Linux's hvc_xen
/// grants one page (`ring-ref`); QEMU's xen_console maps it or fails
/// `con_initialise`.
public enum ConsoleAttachError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Already attached; detach first (xenbus reconnect).
    case alreadyAttached
    /// The ring page's grant is unusable.
    case ringGrant(GrantError)

    public var description: String {
        switch self {
        case .alreadyAttached: return "already connected to a ring"
        case .ringGrant(let e): return "ring page: \(e)"
        }
    }
}
