/// The guest type selected by `type=`; Xenolith runs PV guests only.
///
/// Xen: `libxl_domain_type`, tools/libs/light/libxl_types.idl; the `type`
/// parsing in `parse_config_data`, tools/xl/xl_parse.c.
public enum DomainType: String, Sendable, Hashable, CaseIterable {
    /// A paravirtualised guest. Xen: `LIBXL_DOMAIN_TYPE_PV`, the default on x86.
    case pv

    /// xl's spellings of the guest types it knows, in the order xl tries
    /// them. xl accepts any non-empty prefix (`strncmp(buf, "hvm", strlen(buf))`),
    /// so "p" is "pv" and "h" is "hvm".
    static let xlTypes = ["hvm", "pv", "pvh"]

    /// The xl type named by `text` (a prefix is enough), or `nil`.
    static func xlType(named text: String) -> String? {
        guard !text.isEmpty else { return nil }
        return xlTypes.first { $0.hasPrefix(text) }
    }
}
