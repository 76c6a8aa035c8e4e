import Testing
@testable import Toolstack

/// The xl.cfg grammar and lexer (Xen: tools/libs/util/libxlu_cfg_l.l, libxlu_cfg_y.y).
@Suite struct ConfigParserTests {
    private func value(_ text: String, key: String = "k") throws -> ConfigValue? {
        try XLConfig(parsing: text, source: "t.cfg")[key]?.value
    }

    @Test("atoms", arguments: [
        // Strings: both quote styles, escapes in both as libxlu's dequote does.
        (#"k = "abc""#, ConfigValue.string("abc")),
        (#"k = 'abc'"#, .string("abc")),
        (#"k = """#, .string("")),
        (#"k = "a\"b""#, .string("a\"b")),
        (#"k = 'it\'s'"#, .string("it's")),
        (#"k = "a'b""#, .string("a'b")),
        (#"k = "back\\slash""#, .string("back\\slash")),
        (#"k = "tab\there\nnl""#, .string("tab\there\nnl")),
        (#"k = "\a\b\f\r\v""#, .string("\u{07}\u{08}\u{0C}\r\u{0B}")),
        (#"k = "\x41\x62""#, .string("Ab")),
        (#"k = "\101\60\7z""#, .string("A0\u{07}z")),
        (#"k = "\1234""#, .string("S4")),
        (#"k = "caf\xc3\xa9""#, .string("café")),
        (##"k = "# not a comment""##, .string("# not a comment")),
        (#"k = "a;b""#, .string("a;b")),
        // Numbers keep their source text.
        ("k = 256", .number("256")),
        ("k = 0x1F", .number("0x1F")),
        ("k = 0400", .number("0400")),
        ("k = 0", .number("0")),
        // Lists: nested, empty, trailing comma, spanning lines, comments inside.
        ("k = []", .list([])),
        ("k = [ 1, 'a' ]", .list([.number("1"), .string("a")])),
        ("k = ['a',]", .list([.string("a")])),
        ("k = [\n  'a', # first\n\n  'b',\n]", .list([.string("a"), .string("b")])),
        ("k = [[1, 2], ['x']]", .list([.list([.number("1"), .number("2")]), .list([.string("x")])])),
        // Blanks, CRLF and a comment at the end of the file without a newline.
        ("\t k\t=\t'v'\t\r\n# end", .string("v")),
    ])
    func atoms(text: String, expected: ConfigValue) throws {
        #expect(try value(text) == expected)
    }

    @Test func statementsAreSeparatedByNewlinesAndSemicolons() throws {
        let config = try XLConfig(parsing: "a = 1; b = 'x';;\n\n c = [2] ; \n# comment\nd='y'", source: "t.cfg")
        #expect(config.settings.map(\.key) == ["a", "b", "c", "d"])
        #expect(config.settings.map { $0.location.line } == [1, 1, 3, 5])
    }

    @Test func lastSettingWins() throws {
        let config = try XLConfig(parsing: "memory = 1\nmemory = 2\n", source: "t.cfg")
        #expect(config["memory"]?.value == .number("2"))
        #expect(config["memory"]?.location == ConfigLocation(source: "t.cfg", line: 2))
        #expect(config.settings.count == 2)
    }

    @Test("+= concatenates strings and lists", arguments: [
        ("extra = 'a'\nextra += ' b'", ConfigValue.string("a b")),
        ("extra += 'alone'", .string("alone")),
        ("disk = ['a']\ndisk += ['b', 'c']", .list([.string("a"), .string("b"), .string("c")])),
        ("n = 1\nn += 2", .number("12")),
        ("n = 'v'\nn += 2", .string("v2")),
    ])
    func append(text: String, expected: ConfigValue) throws {
        let config = try XLConfig(parsing: text, source: "t.cfg")
        let key = config.settings[0].key
        #expect(config[key]?.value == expected)
    }

    @Test("syntax errors", arguments: [
        ("memory 256", "t.cfg:1: expected '=' after 'memory'"),
        ("a = 1\nb = 2\nmemory\n", "t.cfg:3: expected '=' after 'memory'"),
        ("name = web", "t.cfg:1: expected a value for 'name', found 'web' (strings must be quoted)"),
        ("name =\n'x'", "t.cfg:1: expected a value for 'name', found end of line"),
        ("name = ", "t.cfg:1: expected a value for 'name', found end of input"),
        ("memory = 256 512", "t.cfg:1: expected end of line after the value of 'memory', found '512'"),
        ("= 5", "t.cfg:1: expected a config key, found '='"),
        ("5 = 5", "t.cfg:1: expected a config key, found '5'"),
        ("disk = [ 'a' 'b' ]", "t.cfg:1: expected ',' or ']' in the list of 'disk', found string \"b\""),
        (#"disk = [ 'a' "x\ny" ]"#, #"t.cfg:1: expected ',' or ']' in the list of 'disk', found string "x\ny""#),
        ("disk = [ 'a',\n", "t.cfg:2: expected a value for 'disk', found end of input"),
        ("disk = [ , ]", "t.cfg:1: expected a value for 'disk', found ','"),
        ("memory = 1.5", "t.cfg:1: numbers must be integers, not '1.5'"),
        ("memory = -1", "t.cfg:1: unexpected character '-'"),
        ("kernel = /boot/vmlinuz", "t.cfg:1: unexpected character '/'"),
        ("name = \"web", "t.cfg:1: unterminated quoted string"),
        ("name = 'a\nb'", "t.cfg:1: unterminated quoted string"),
        (#"name = "\q""#, #"t.cfg:1: invalid escape '\q' in quoted string"#),
        (#"name = "\x4""#, #"t.cfg:1: '\x' must be followed by two hex digits in quoted string"#),
        (#"name = "\400""#, #"t.cfg:1: octal escape '\400' is out of range in quoted string"#),
        (#"name = "a\0b""#, "t.cfg:1: quoted string contains a nul character"),
        (#"name = "\xff""#, "t.cfg:1: quoted string is not valid utf-8"),
        ("extra = 'a'\nextra += ['b']",
         "t.cfg:2: '+=' cannot add a list to a string or a string to a list (key 'extra')"),
    ])
    func syntaxErrors(text: String, message: String) {
        #expect {
            try XLConfig(parsing: text, source: "t.cfg")
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }

    @Test func parseErrorStoresNothing() throws {
        var config = try XLConfig(parsing: "memory = 1", source: "a.cfg")
        #expect(throws: ConfigError.self) { try config.parse("memory = 2\nbad", source: "b.cfg") }
        #expect(config.settings.count == 1)
    }

    @Test("strtol(text, &end, 0)", arguments: [
        ("256", XLConfig.CNumber.value(256)),
        ("0x100", .value(256)),
        ("0X1f", .value(31)),
        ("0400", .value(256)),
        ("0", .value(0)),
        ("  42", .value(42)),
        ("+7", .value(7)),
        ("-1", .value(-1)),
        ("9223372036854775807", .value(.max)),
        ("-9223372036854775808", .value(.min)),
        ("9223372036854775808", .outOfRange),
        ("0x", .invalid),
        ("08", .invalid),
        ("12abc", .invalid),
        ("", .invalid),
        ("1 ", .invalid),
        ("½", .invalid),
    ])
    func strtol(text: String, expected: XLConfig.CNumber) {
        #expect(XLConfig.strtol(text) == expected)
    }
}
