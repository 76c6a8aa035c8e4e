// Why a xenstore socket could not be set up (Xen: tools/xenstored/posix.c
// `init_sockets`, which gives up with "Could not bind socket to %s" and the
// like). One case per failure, each naming the path and what to do.

/// Setting up `XenstoreSocketServer` failed.
public enum XenstoreSocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path does not fit `sockaddr_un.sun_path`.
    case pathTooLong(path: String, limit: Int)
    /// A missing parent directory could not be created.
    case createDirectory(path: String, errno: Int32)
    /// The socket's directory is not a directory, or belongs to another user
    /// (not us, not root): whoever owns it could replace our socket.
    case untrustedDirectory(path: String, owner: UInt32?)
    /// Something other than a socket exists at the path; we never delete it.
    case notASocket(path: String)
    /// A server answers on the path: another xenolith process owns it.
    case inUse(path: String)
    /// A host call failed while creating, binding or listening.
    case system(call: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .pathTooLong(let path, let limit):
            return "xenstore socket path \(path) is longer than \(limit) bytes; choose a shorter path"
        case .createDirectory(let path, let errno):
            return "create directory \(path): \(SocketSys.describe(errno)); run as root or set XDG_RUNTIME_DIR"
        case .untrustedDirectory(let path, let owner?):
            return "directory \(path) belongs to uid \(owner), not to us or root; remove it or choose another path"
        case .untrustedDirectory(let path, nil):
            return "\(path) is not a directory; remove it or choose another path"
        case .notASocket(let path):
            return "\(path) exists and is not a socket; remove it or choose another path"
        case .inUse(let path):
            return "another xenolith owns \(path)"
        case .system(let call, let path, let errno):
            return "xenstore socket \(path): \(call): \(SocketSys.describe(errno))"
        }
    }
}
