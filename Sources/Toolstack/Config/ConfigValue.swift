/// The value of one xl.cfg setting: an atom or a (possibly nested) list.
///
/// libxlu keeps both kinds of atom as strings, so xl accepts `memory="256"`
/// and `name=123` alike; a number keeps its source text and is converted only
/// when a key asks for a number (`strtol(..., 0)`). The quoted/unquoted
/// distinction is kept here only so values can be printed back as written.
///
/// Xen: `XLU_ConfigValue` (`XLU_STRING`, `XLU_LIST`), tools/libs/util/libxlu_internal.h.
public indirect enum ConfigValue: Sendable, Hashable {
    /// A quoted string, escapes already decoded.
    case string(String)
    /// An unquoted number, as its source text (`256`, `0x100`, `0400`).
    case number(String)
    /// `[ v, v, ... ]`; items may be lists ("Lists can be heterogeneous and nested", xl.cfg(5)).
    case list([ConfigValue])

    /// The text of an atom (quoted or not); `nil` for a list.
    /// Xen: `xlu_cfg_get_string`, tools/libs/util/libxlu_cfg.c.
    public var atom: String? {
        switch self {
        case .string(let text), .number(let text): return text
        case .list: return nil
        }
    }
}

extension ConfigValue {
    /// `text` as a double-quoted xl.cfg string that `XLConfig` reads back as
    /// `text`: quotes, backslashes and control characters are escaped.
    /// Xen: the inverse of `xlu__cfgl_dequote`, tools/libs/util/libxlu_cfg.c.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where isControl(scalar): out += escape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    /// The xl.cfg escape for a control character: `\n`, `\t`, `\r` or `\xHH`.
    static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        default:
            let hex = String(scalar.value, radix: 16)
            return "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
}

/// The kind of value a key requires, for "config key 'memory' must be a number".
public enum ConfigValueKind: String, Sendable, Hashable, CustomStringConvertible {
    case string
    case number
    case list

    public var description: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .list: return "a list"
        }
    }
}
