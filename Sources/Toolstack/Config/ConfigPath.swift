import Foundation

/// A host file named in the config (`kernel`, `ramdisk`): the text as written,
/// and the absolute path it names.
///
/// xl passes the path to libxl unchanged and libxl opens it from xl's working
/// directory, so a relative path is relative to where `xl create` ran, not to
/// the config file. Xenolith resolves it once, at parse time, the same way.
///
/// Xen: `libxl_domain_build_info.kernel` / `.ramdisk`, filled by
/// `parse_config_data`, tools/xl/xl_parse.c.
public struct ConfigPath: Sendable, Hashable, CustomStringConvertible {
    /// The path as written in the config.
    public var given: String
    /// `given`, made absolute against the working directory and with `.` and
    /// `..` components removed (symbolic links are left alone).
    public var resolved: String

    public init(_ given: String, workingDirectory: String) {
        self.given = given
        let base = URL(fileURLWithPath: workingDirectory, isDirectory: true)
        self.resolved = URL(fileURLWithPath: given, relativeTo: base).standardizedFileURL.path
    }

    public var description: String { resolved }
}
