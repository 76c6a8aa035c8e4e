/// Typed reads of the setting in force for a key.
///
/// Xen: `xlu_cfg_get_string`, `xlu_cfg_get_long`, `xlu_cfg_get_list`,
/// tools/libs/util/libxlu_cfg.c.
extension XLConfig {
    /// The string value of `key` (a quoted string or a number's text), or `nil`
    /// if unset. A list is an error. Xen: `xlu_cfg_get_string`.
    public func string(_ key: String) throws(ConfigError) -> (value: String, location: ConfigLocation)? {
        guard let setting = self[key] else { return nil }
        guard let text = setting.value.atom else {
            throw .wrongType(key: key, expected: .string, setting.location)
        }
        return (text, setting.location)
    }

    /// The number value of `key`, or `nil` if unset. The text is read as C's
    /// `strtol(text, &end, 0)` must consume whole: decimal, `0x` hex, or `0`
    /// octal, with optional leading blanks and sign. Xen: `xlu_cfg_get_long`.
    public func number(_ key: String) throws(ConfigError) -> (value: Int64, location: ConfigLocation)? {
        guard let setting = self[key] else { return nil }
        guard let text = setting.value.atom else {
            throw .wrongType(key: key, expected: .number, setting.location)
        }
        guard setting.operation == .assignment else {
            throw .additionToNumber(key: key, setting.location)
        }
        switch Self.strtol(text) {
        case .value(let value): return (value, setting.location)
        case .outOfRange: throw .outOfRange(key: key, setting.location)
        case .invalid: throw .wrongType(key: key, expected: .number, setting.location)
        }
    }

    /// The outcome of `strtol(text, &end, 0)` with `*end == 0` required.
    enum CNumber: Equatable {
        case value(Int64)
        case outOfRange
        case invalid
    }

    /// C's `strtol` with base 0, requiring the whole text to be the number.
    /// Xen: the `strtol(..., &ep, 0)` and `*ep` check in `xlu_cfg_get_bounded_long`.
    static func strtol(_ text: String) -> CNumber {
        var digits = Substring(text).drop { " \t\n\r\u{0B}\u{0C}".contains($0) }
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0"), digits.count > 1 {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.hexDigitValue.map { $0 < radix } == true })
        else { return .invalid }
        // Parse the magnitude as unsigned so LONG_MIN, whose magnitude does
        // not fit in Int64, is accepted as strtol accepts it.
        guard let magnitude = UInt64(digits, radix: radix) else { return .outOfRange }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .outOfRange }
            return .value(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .outOfRange }
        return .value(Int64(magnitude))
    }
}
