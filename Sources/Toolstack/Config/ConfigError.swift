/// Everything that can be wrong with a domain's configuration: the file, its
/// syntax, the command-line overrides, or a key's value.
///
/// `description` is one lower-case line, prefixed with the location of the
/// offending setting when there is one ("web.cfg:3: ..."), so the `create`
/// command can print it after "xenolith: create domain 'web': ".
///
/// Xen: the diagnostics of tools/libs/util/libxlu_cfg.c (`xlu__cfg_yyerror`,
/// `xlu_cfg_get_bounded_long`) and of `parse_config_data`, tools/xl/xl_parse.c,
/// which exit(1) where these throw.
public enum ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The config file could not be read ("no such file or directory").
    case unreadableFile(path: String, reason: String)
    /// The text does not follow the xl.cfg grammar; `message` says what was
    /// expected ("expected '=' after 'memory'").
    case syntax(ConfigLocation, message: String)
    /// A key xl does not know either, with the nearest known key if one is close.
    case unknownKey(String, suggestion: String?, ConfigLocation)
    /// A key xl knows that Xenolith does not implement yet.
    case unsupportedKey(String, ConfigLocation)
    /// A mandatory key is absent.
    case missingKey(String)
    /// The value has the wrong shape (a list where a string is needed, text
    /// that is not a number, ...).
    case wrongType(key: String, expected: ConfigValueKind, ConfigLocation)
    /// `KEY += VALUE` on a key that needs a number. Xen: "can't use += with
    /// numbers", `xlu_cfg_get_bounded_long`.
    case additionToNumber(key: String, ConfigLocation)
    /// A number that does not fit. Xen: `strtol` `ERANGE`.
    case outOfRange(key: String, ConfigLocation)
    /// A number below the key's minimum, e.g. `memory=0`.
    case belowMinimum(key: String, value: Int64, minimum: Int64, unit: String?, ConfigLocation)
    /// A number below the value of another key, e.g. `maxmem` < `memory`.
    case belowOtherKey(key: String, value: Int64, other: String, otherValue: Int64,
                       unit: String?, ConfigLocation)
    /// A string that must be one of a fixed set (`on_crash`, `type`).
    case notOneOf(key: String, value: String, choices: [String], ConfigLocation)
    /// A valid xl value that Xenolith does not implement yet (`type="hvm"`).
    case unsupportedValue(key: String, value: String, supported: [String], ConfigLocation)
    /// A string that must not be empty (`kernel=""`).
    case emptyValue(key: String, ConfigLocation)
    /// A domain name Xenolith refuses.
    case invalidName(String, reason: String, ConfigLocation)
    /// `uuid` not in the 8-4-4-4-12 hex form. Xen: "Failed to parse UUID".
    case invalidUUID(String, ConfigLocation)
    /// A `disk` entry that is malformed or asks for what Xenolith does not
    /// implement; `problem` says which. Xen: `xlu_disk_parse` errors.
    case invalidDisk(entry: String, problem: String, ConfigLocation)
    /// A `channel` entry that is malformed or asks for what Xenolith does
    /// not implement; `problem` says which. Xen: `parse_config_data`'s and
    /// `libxl__init_console_from_channel`'s channel errors.
    case invalidChannel(entry: String, problem: String, ConfigLocation)

    public var description: String {
        Self.escapingControlCharacters(clause)
    }

    private var clause: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read config file '\(path)': \(reason)"
        case .syntax(let location, let message):
            return "\(location): \(message)"
        case .unknownKey(let key, let suggestion, let location):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "\(location): unknown config key '\(key)'\(hint)"
        case .unsupportedKey(let key, let location):
            return "\(location): config key '\(key)' is not supported yet"
        case .missingKey(let key):
            return "config key '\(key)' is required"
        case .wrongType(let key, let expected, let location):
            return "\(location): config key '\(key)' must be \(expected)"
        case .additionToNumber(let key, let location):
            return "\(location): config key '\(key)' is a number and cannot be appended to with '+='"
        case .outOfRange(let key, let location):
            return "\(location): config key '\(key)' is out of range"
        case .belowMinimum(let key, let value, let minimum, let unit, let location):
            return "\(location): config key '\(key)' must be at least \(Self.amount(minimum, unit)), not \(value)"
        case .belowOtherKey(let key, let value, let other, let otherValue, let unit, let location):
            return "\(location): config key '\(key)' (\(Self.amount(value, unit))) must be at least "
                + "'\(other)' (\(Self.amount(otherValue, unit)))"
        case .notOneOf(let key, let value, let choices, let location):
            return "\(location): config key '\(key)' must be one of \(choices.joined(separator: ", ")), "
                + "not '\(value)'"
        case .unsupportedValue(let key, let value, let supported, let location):
            let list = supported.map { "'\($0)'" }.joined(separator: ", ")
            return "\(location): \(key) '\(value)' is not supported yet (supported: \(list))"
        case .emptyValue(let key, let location):
            return "\(location): config key '\(key)' must not be empty"
        case .invalidName(let name, let reason, let location):
            return "\(location): invalid domain name '\(name)': \(reason)"
        case .invalidUUID(let text, let location):
            return "\(location): config key 'uuid' is not a valid uuid: '\(text)'"
        case .invalidDisk(let entry, let problem, let location):
            return "\(location): disk '\(entry)': \(problem)"
        case .invalidChannel(let entry, let problem, let location):
            return "\(location): channel '\(entry)': \(problem)"
        }
    }

    /// Values quoted in a message come from the config and may hold line
    /// breaks (`"a\nb"`); they are shown escaped so the message stays one line.
    private static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: ConfigValue.isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if ConfigValue.isControl(scalar) {
                out += ConfigValue.escape(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func amount(_ value: Int64, _ unit: String?) -> String {
        unit.map { "\(value) \($0)" } ?? "\(value)"
    }
}
