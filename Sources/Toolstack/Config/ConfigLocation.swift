/// Where a setting or a syntax error comes from: a line of a config file, or
/// one `KEY=VALUE` override from the command line.
///
/// Printed the way libxlu prefixes its diagnostics ("web.cfg:3"); an override
/// prints as "override 'memory=0'" because its line number says nothing.
///
/// Xen: `XLU_Config.config_source` and `XLU_ConfigSetting.lineno`,
/// tools/libs/util/libxlu_internal.h.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    /// The config file's name as given, or "override 'KEY=VALUE'".
    public var source: String
    /// 1-based line in `source`; `nil` for a one-line override.
    public var line: Int?

    public init(source: String, line: Int?) {
        self.source = source
        self.line = line
    }

    public var description: String {
        if let line { return "\(source):\(line)" }
        return source
    }
}
