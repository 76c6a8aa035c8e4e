import Foundation

/// A parsed xl.cfg: its settings in order, plus any command-line overrides
/// appended after them. Untyped; `DomainConfig` gives the settings meaning.
///
/// A repeated key is kept, and the last one wins on lookup, as libxlu's
/// `find` returns the most recently stored setting.
///
/// Xen: `XLU_Config`, `xlu_cfg_readfile`, `xlu_cfg_readdata`,
/// tools/libs/util/libxlu_cfg.c.
public struct XLConfig: Sendable, Hashable {
    /// Every setting in the order it was read, repeats included.
    public private(set) var settings: [ConfigSetting] = []

    public init() {}

    /// Parses `text` as a config file named `source` (used in error messages).
    public init(parsing text: String, source: String) throws(ConfigError) {
        try parse(text, source: source)
    }

    /// Reads and parses the config file at `path`; errors name `path` as given.
    /// Xen: `xlu_cfg_readfile`.
    public init(contentsOf path: String) throws(ConfigError) {
        var isDirectory: ObjCBool = false
        let files = FileManager.default
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path: path, reason: "no such file or directory")
        }
        guard !isDirectory.boolValue else {
            throw .unreadableFile(path: path, reason: "is a directory")
        }
        guard files.isReadableFile(atPath: path), let data = files.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "permission denied")
        }
        try read([UInt8](data), source: path, reportsLines: true)
    }

    /// Appends the settings of `text`, as another file read into the same
    /// config would. Nothing is stored if `text` has an error.
    public mutating func parse(_ text: String, source: String) throws(ConfigError) {
        try read(Array(text.utf8), source: source, reportsLines: true)
    }

    /// Appends one `xl create` override, e.g. `memory=256` or `name="web"`.
    ///
    /// xl appends each argument containing `=` as one more line after the file
    /// and parses it with the same grammar, so strings need quotes. Xenolith is
    /// friendlier: an override that does not parse but has the form
    /// `KEY=REST` (or `KEY+=REST`) sets KEY to the string REST, so
    /// `extra=console=hvc0` and `kernel=/boot/vmlinuz` work unquoted.
    ///
    /// Xen: `main_create` and `create_domain` (`extra_config`), tools/xl/xl_vmcontrol.c.
    public mutating func applyOverride(_ argument: String) throws(ConfigError) {
        let source = "override '\(argument)'"
        do {
            try read(Array(argument.utf8), source: source, reportsLines: argument.contains("\n"))
        } catch let error {
            guard case .syntax = error, let (key, operation, rest) = Self.split(argument) else {
                throw error
            }
            try store(ConfigParser.Statement(
                key: key, operation: operation, value: .string(rest),
                location: ConfigLocation(source: source, line: nil)))
        }
    }

    /// The setting that is in force for `key`: the last one.
    /// Xen: `find`, libxlu_cfg.c.
    public subscript(key: String) -> ConfigSetting? {
        settings.last { $0.key == key }
    }

    private mutating func read(_ bytes: [UInt8], source: String, reportsLines: Bool) throws(ConfigError) {
        let statements = try ConfigParser.statements(in: bytes, source: source, reportsLines: reportsLines)
        var copy = self
        for statement in statements {
            try copy.store(statement)
        }
        self = copy
    }

    /// Stores one statement; `KEY += VALUE` first concatenates with the
    /// setting in force for KEY, if any (strings join, lists append).
    /// Xen: `xlu__cfg_set_store`, `xlu__cfg_concat_vals`.
    private mutating func store(_ statement: ConfigParser.Statement) throws(ConfigError) {
        var value = statement.value
        if statement.operation == .addition, let previous = self[statement.key]?.value {
            switch (previous, value) {
            case (.list(let head), .list(let tail)):
                value = .list(head + tail)
            case (.number(let head), .number(let tail)):
                value = .number(head + tail)
            case (.string(let head), .string(let tail)), (.string(let head), .number(let tail)),
                 (.number(let head), .string(let tail)):
                value = .string(head + tail)
            case (.list, _), (_, .list):
                throw .syntax(statement.location, message:
                    "'+=' cannot add a list to a string or a string to a list (key '\(statement.key)')")
            }
        }
        settings.append(ConfigSetting(key: statement.key, value: value,
                                      operation: statement.operation, location: statement.location))
    }

    /// `KEY=REST` / `KEY+=REST` with a well-formed KEY, for `applyOverride`.
    private static func split(_ argument: String) -> (String, ConfigSetting.Operation, String)? {
        guard let equals = argument.firstIndex(of: "=") else { return nil }
        var keyEnd = equals
        var operation = ConfigSetting.Operation.assignment
        if keyEnd > argument.startIndex, argument[argument.index(before: keyEnd)] == "+" {
            keyEnd = argument.index(before: keyEnd)
            operation = .addition
        }
        let key = argument[..<keyEnd].trimmingCharacters(in: .whitespaces)
        let bytes = Array(key.utf8)
        guard let first = bytes.first, ConfigLexer.isKeyStart(first),
              bytes.allSatisfy({ ConfigLexer.isKeyStart($0) || ConfigLexer.isDigit($0) || $0 == UInt8(ascii: ".") })
        else { return nil }
        return (key, operation, String(argument[argument.index(after: equals)...]))
    }
}
