/// The xl.cfg tokenizer: bytes in, tokens with line numbers out.
///
/// It follows libxlu's flex rules, with these deliberate differences:
/// - a key may also contain upper case and start with `_` (Xen: `[a-z][._0-9a-z]*`),
///   so `Memory=1` is reported as an unknown key rather than a lexical error;
/// - a number token is `[0-9][0-9A-Za-z_]*` (Xen: `[0-9][0-9a-fx]*`); its text
///   is checked only when a key needs a number, as libxlu does;
/// - `\xHH` and `\ooo` escapes produce their byte (libxlu's `NUMERIC_CHAR`
///   parses them but never stores the result, and rejects every `\xHH`);
/// - `\r` is blank, and a comment may end the file without a newline.
///
/// Xen: tools/libs/util/libxlu_cfg_l.l, `xlu__cfgl_dequote` in libxlu_cfg.c.
struct ConfigLexer {
    enum Token: Equatable {
        case key(String)
        case number(String)
        case string(String)
        /// `=`
        case assign
        /// `+=`
        case append
        case comma
        case openBracket
        case closeBracket
        case semicolon
        /// A newline, or a comment and its newline.
        case newline
        case endOfInput

        /// How an error message names this token.
        var quoted: String {
            switch self {
            case .key(let text), .number(let text): return "'\(text)'"
            case .string(let text): return "string \(ConfigValue.quoted(text))"
            case .assign: return "'='"
            case .append: return "'+='"
            case .comma: return "','"
            case .openBracket: return "'['"
            case .closeBracket: return "']'"
            case .semicolon: return "';'"
            case .newline: return "end of line"
            case .endOfInput: return "end of input"
            }
        }
    }

    private let bytes: [UInt8]
    private var index = 0
    /// 1-based line of the next byte.
    private(set) var line: Int
    private let source: String
    private let reportsLines: Bool

    /// - Parameters:
    ///   - source: the name errors are reported against (see `ConfigLocation`).
    ///   - reportsLines: false for a one-line override, whose line says nothing.
    init(_ bytes: [UInt8], source: String, reportsLines: Bool = true) {
        self.bytes = bytes
        self.line = 1
        self.source = source
        self.reportsLines = reportsLines
    }

    /// The location reported for `line`.
    func location(_ line: Int) -> ConfigLocation {
        ConfigLocation(source: source, line: reportsLines ? line : nil)
    }

    /// The next token and the line it starts on.
    mutating func next() throws(ConfigError) -> (token: Token, line: Int) {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\r") {
            index += 1
        }
        let start = line
        guard let byte = peek() else { return (.endOfInput, start) }
        index += 1
        switch byte {
        case UInt8(ascii: "\n"):
            line += 1
            return (.newline, start)
        case UInt8(ascii: "#"):
            while let c = peek(), c != UInt8(ascii: "\n") { index += 1 }
            guard peek() != nil else { return (.endOfInput, start) }
            index += 1
            line += 1
            return (.newline, start)
        case UInt8(ascii: "="): return (.assign, start)
        case UInt8(ascii: ","): return (.comma, start)
        case UInt8(ascii: "["): return (.openBracket, start)
        case UInt8(ascii: "]"): return (.closeBracket, start)
        case UInt8(ascii: ";"): return (.semicolon, start)
        case UInt8(ascii: "+") where peek() == UInt8(ascii: "="):
            index += 1
            return (.append, start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return (.string(try quoted(closingWith: byte)), start)
        case _ where Self.isKeyStart(byte):
            return (.key(word(from: index - 1, dots: true)), start)
        case _ where Self.isDigit(byte):
            let text = word(from: index - 1, dots: false)
            if peek() == UInt8(ascii: ".") {
                let float = word(from: index - text.utf8.count, dots: true)
                throw .syntax(location(start), message: "numbers must be integers, not '\(float)'")
            }
            return (.number(text), start)
        default:
            throw .syntax(location(start), message: "unexpected character \(Self.describe(byte))")
        }
    }

    private func peek() -> UInt8? { peek(at: index) }

    private func peek(at position: Int) -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    /// A key or number: the bytes from `start` to the last word byte after
    /// `index` (letters, digits, `_`, and `.` when `dots`).
    private mutating func word(from start: Int, dots: Bool) -> String {
        while let c = peek(), Self.isKeyStart(c) || Self.isDigit(c) || (dots && c == UInt8(ascii: ".")) {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// The body of a quoted string after its opening quote, escapes decoded.
    /// Xen: `xlu__cfgl_dequote`, which treats single and double quotes alike.
    private mutating func quoted(closingWith quote: UInt8) throws(ConfigError) -> String {
        let here = location(line)
        var text: [UInt8] = []
        while true {
            guard let c = peek(), c != UInt8(ascii: "\n") else {
                throw .syntax(here, message: "unterminated quoted string")
            }
            index += 1
            if c == quote { break }
            if c != UInt8(ascii: "\\") {
                text.append(c)
                continue
            }
            guard let e = peek(), e != UInt8(ascii: "\n") else {
                throw .syntax(here, message: "unterminated quoted string")
            }
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"): text.append(e)
            case UInt8(ascii: "a"): text.append(0x07)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "v"): text.append(0x0B)
            case UInt8(ascii: "x"):
                guard let hi = peek().flatMap(Self.hexValue), let lo = peek(at: index + 1).flatMap(Self.hexValue) else {
                    throw .syntax(here, message: "'\\x' must be followed by two hex digits in quoted string")
                }
                index += 2
                text.append(hi << 4 | lo)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                // C: one to three octal digits, the first already read.
                var value = Int(e - UInt8(ascii: "0"))
                for _ in 0..<2 {
                    guard let d = peek(), (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(d) else { break }
                    value = value * 8 + Int(d - UInt8(ascii: "0"))
                    index += 1
                }
                guard value <= 0xFF else {
                    let escape = "\\" + String(value, radix: 8)
                    throw .syntax(here, message: "octal escape '\(escape)' is out of range in quoted string")
                }
                text.append(UInt8(value))
            default:
                throw .syntax(here, message: "invalid escape \(Self.describe(e, escaped: true)) in quoted string")
            }
        }
        guard !text.contains(0) else {
            throw .syntax(here, message: "quoted string contains a nul character")
        }
        guard let string = String(validating: text, as: UTF8.self) else {
            throw .syntax(here, message: "quoted string is not valid utf-8")
        }
        return string
    }

    static func isKeyStart(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) || c == UInt8(ascii: "_")
    }

    static func isDigit(_ c: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// `'('`, or `byte 0xC3` for what is not printable ASCII.
    private static func describe(_ c: UInt8, escaped: Bool = false) -> String {
        guard (0x21...0x7E).contains(c) else {
            return "byte 0x" + String(c, radix: 16, uppercase: true)
        }
        return "'" + (escaped ? "\\" : "") + String(UnicodeScalar(c)) + "'"
    }
}
