/// One `KEY = VALUE` or `KEY += VALUE` statement, after `+=` has been applied.
///
/// Xen: `XLU_ConfigSetting`, tools/libs/util/libxlu_internal.h.
public struct ConfigSetting: Sendable, Hashable {
    /// How the value was assigned. Xen: `enum XLU_Operation`, libxlu_internal.h.
    public enum Operation: Sendable, Hashable {
        /// `KEY = VALUE`. Xen: `XLU_OP_ASSIGNMENT`.
        case assignment
        /// `KEY += VALUE`: `value` already holds the concatenation with the
        /// previous setting of the key. Xen: `XLU_OP_ADDITION`.
        case addition
    }

    public var key: String
    public var value: ConfigValue
    public var operation: Operation
    public var location: ConfigLocation

    public init(key: String, value: ConfigValue, operation: Operation = .assignment,
                location: ConfigLocation) {
        self.key = key
        self.value = value
        self.operation = operation
        self.location = location
    }
}
