/// `xenolith version`.
public enum XenolithVersion {
    /// The version printed by `xenolith version` and `xenolith --version`.
    public static let current = "0.1.0"
}
