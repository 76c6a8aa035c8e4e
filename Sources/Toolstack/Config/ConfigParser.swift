/// The xl.cfg grammar: a recursive-descent reading of libxlu's bison rules.
///
/// ```
/// file      := { stmt }
/// stmt      := NEWLINE | ';' | KEY ('=' | '+=') value (NEWLINE | ';' | EOF)
/// value     := STRING | NUMBER | '[' nl* [ value nl* { ',' nl* value nl* } [ ',' nl* ] ] ']'
/// ```
///
/// It stops at the first error (libxlu recovers at the next newline and
/// reports every error; Xenolith reports one line).
///
/// Xen: tools/libs/util/libxlu_cfg_y.y.
struct ConfigParser {
    /// One parsed `KEY = VALUE` / `KEY += VALUE` before it is stored.
    struct Statement: Equatable {
        var key: String
        var operation: ConfigSetting.Operation
        var value: ConfigValue
        var location: ConfigLocation
    }

    private var lexer: ConfigLexer
    private var token: ConfigLexer.Token = .endOfInput
    private var line = 1

    /// Parses a whole file or override; nothing is stored if any of it is wrong.
    static func statements(in bytes: [UInt8], source: String,
                           reportsLines: Bool = true) throws(ConfigError) -> [Statement] {
        var parser = ConfigParser(lexer: ConfigLexer(bytes, source: source, reportsLines: reportsLines))
        try parser.advance()
        return try parser.file()
    }

    private init(lexer: ConfigLexer) {
        self.lexer = lexer
    }

    private mutating func advance() throws(ConfigError) {
        (token, line) = try lexer.next()
    }

    private func error(_ message: String) -> ConfigError {
        .syntax(lexer.location(line), message: message)
    }

    /// Xen: `file`, `stmts`, `stmt`, `assignment`, `endstmt`.
    private mutating func file() throws(ConfigError) -> [Statement] {
        var statements: [Statement] = []
        while true {
            switch token {
            case .endOfInput:
                return statements
            case .newline, .semicolon:
                try advance()
            case .key(let key):
                let location = lexer.location(line)
                try advance()
                let operation: ConfigSetting.Operation
                switch token {
                case .assign: operation = .assignment
                case .append: operation = .addition
                default: throw error("expected '=' after '\(key)'")
                }
                try advance()
                let value = try value(of: key)
                statements.append(Statement(key: key, operation: operation, value: value, location: location))
                switch token {
                case .newline, .semicolon: try advance()
                case .endOfInput: break
                default: throw error("expected end of line after the value of '\(key)', found \(token.quoted)")
                }
            default:
                throw error("expected a config key, found \(token.quoted)")
            }
        }
    }

    /// Xen: `value`, `atom`, `valuelist`, `values`, `nlok`.
    private mutating func value(of key: String) throws(ConfigError) -> ConfigValue {
        switch token {
        case .string(let text):
            try advance()
            return .string(text)
        case .number(let text):
            try advance()
            return .number(text)
        case .openBracket:
            try advance()
            try skipNewlines()
            var items: [ConfigValue] = []
            while token != .closeBracket {
                items.append(try value(of: key))
                try skipNewlines()
                switch token {
                case .comma:
                    try advance()
                    try skipNewlines()
                case .closeBracket:
                    break
                default:
                    throw error("expected ',' or ']' in the list of '\(key)', found \(token.quoted)")
                }
            }
            try advance()
            return .list(items)
        case .key(let word):
            throw error("expected a value for '\(key)', found '\(word)' (strings must be quoted)")
        default:
            throw error("expected a value for '\(key)', found \(token.quoted)")
        }
    }

    private mutating func skipNewlines() throws(ConfigError) {
        while token == .newline { try advance() }
    }
}
