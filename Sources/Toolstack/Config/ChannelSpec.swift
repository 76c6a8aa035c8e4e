/// One entry of `channel = [ ... ]`: a named secondary PV console (a
/// "channel", docs/misc/channel.txt) that the guest sees as /dev/hvc<N>
/// and the host reaches through a Unix socket xenolith listens on or a
/// pseudo-terminal it opens.
///
/// The entry follows xl.cfg(5): comma-separated `key=value` pairs with
/// blanks around keys and values ignored; `name` is required, `connection`
/// is `socket` (then `path` is required) or `pty`. Where xl warns and goes
/// on (an unknown key) or quietly keeps the last of a repeated key, this
/// refuses the entry; `backend=` (a driver domain) is not supported. A
/// relative `path` is resolved against the working directory, as `disk`
/// targets are.
///
/// Xen: `libxl_device_channel` (tools/libs/light/libxl_types.idl), as the
/// "channel" list of `parse_config_data` fills it (tools/xl/xl_parse.c) and
/// `libxl__init_console_from_channel` checks it (libxl_console.c).
public struct ChannelSpec: Sendable, Hashable {
    /// `connection=`. Xen: `libxl_channel_connection`.
    public enum Connection: Sendable, Hashable {
        /// `connection=socket, path=PATH`: xenolith listens on a Unix socket.
        case socket(path: ConfigPath)
        /// `connection=pty`: xenolith opens a pseudo-terminal.
        case pty
    }

    /// `name`: what the guest reads from the console's `name` node.
    public var name: String
    public var connection: Connection

    public init(name: String, connection: Connection) {
        self.name = name
        self.connection = connection
    }

    /// The resolved socket path of a `connection=socket` channel.
    public var socketPath: String? {
        if case .socket(let path) = connection { return path.resolved }
        return nil
    }

    /// The canonical xl form of this entry, which parses back to it.
    public var xlText: String {
        switch connection {
        case .socket(let path): return "name=\(name), connection=socket, path=\(path.resolved)"
        case .pty: return "name=\(name), connection=pty"
        }
    }

    /// The longest socket path a Unix socket address holds (`sun_path` is
    /// 108 bytes on Linux, NUL included).
    public static let maxSocketPathBytes = 107
}

extension ChannelSpec {
    /// Parses one `channel` entry; `problem` of the error is one lower-case clause.
    /// Xen: the "channel" list in `parse_config_data`, tools/xl/xl_parse.c.
    public static func parse(_ text: String, workingDirectory: String) throws(ChannelSpecError) -> ChannelSpec {
        var given: [String: String] = [:]
        for token in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let eq = token.firstIndex(of: "=") else {
                let shown = token.trimmingBlanks
                throw .invalid(shown.isEmpty ? "empty parameter (a stray ',')" : "'\(shown)' is not key=value")
            }
            let key = token[..<eq].trimmingBlanks
            let value = token[token.index(after: eq)...].trimmingBlanks
            switch key {
            case "name", "connection", "path":
                guard given[key] == nil else { throw .repeated(key) }
                given[key] = value
            case "backend":
                throw .unsupported("'backend=' (a backend in another domain) is not supported yet")
            default:
                throw .invalid("unknown parameter '\(key)='")
            }
        }
        guard let name = given["name"], !name.isEmpty else { throw .invalid("name is required") }
        let connection: Connection
        switch given["connection"] {
        case nil, "":
            throw .invalid("connection is required (pty or socket)")
        case "pty":
            guard given["path"] == nil else { throw .invalid("path= is only for connection=socket") }
            connection = .pty
        case "socket":
            guard let path = given["path"] else { throw .invalid("connection=socket requires path=") }
            guard !path.isEmpty else { throw .invalid("path must not be empty") }
            let resolved = ConfigPath(path, workingDirectory: workingDirectory)
            guard resolved.resolved.utf8.count <= maxSocketPathBytes else {
                throw .invalid("path '\(resolved.resolved)' is longer than the \(maxSocketPathBytes) bytes a Unix socket path may have")
            }
            connection = .socket(path: resolved)
        case let other?:
            throw .invalid("connection must be one of pty, socket, not '\(other)'")
        }
        return ChannelSpec(name: name, connection: connection)
    }
}

/// Why a `channel` entry was refused: one lower-case clause.
public enum ChannelSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not valid xl either (or something xl would only warn about).
    case invalid(String)
    /// Valid for xl, not implemented by Xenolith.
    case unsupported(String)
    /// A parameter given twice.
    case repeated(String)

    public var description: String {
        switch self {
        case .invalid(let s), .unsupported(let s): return s
        case .repeated(let key): return "'\(key)' is given more than once"
        }
    }
}

extension Substring {
    /// Without leading and trailing blanks (xl's `trim(isspace, ...)`).
    fileprivate var trimmingBlanks: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }
}
