import Foundation

/// A subsystem `xenolith create --trace LIST` can trace, one line per event.
public enum TraceSubsystem: String, Sendable, CaseIterable {
    /// Every hypercall with its arguments and result.
    case hypercalls
    /// Every exception the guest takes (bounced or handled).
    case traps
    /// Every KVM exit.
    case exits

    /// Parses a comma-separated `--trace` list into the values of
    /// `CreateOptions.trace`; `all` stands for every subsystem. Blank items
    /// are skipped; an unknown one is an error naming it.
    public static func parseList(_ list: String) throws(TraceListError) -> Set<String> {
        var result: Set<String> = []
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
        where !item.isEmpty {
            if item == "all" {
                result.formUnion(allCases.map(\.rawValue))
            } else if let subsystem = TraceSubsystem(rawValue: item) {
                result.insert(subsystem.rawValue)
            } else {
                throw TraceListError(item: item)
            }
        }
        return result
    }
}

/// An unknown item in a `--trace` list.
public struct TraceListError: Error, Sendable, Hashable, CustomStringConvertible {
    public var item: String

    public var description: String {
        let valid = (TraceSubsystem.allCases.map(\.rawValue) + ["all"]).joined(separator: ", ")
        return "unknown trace subsystem '\(item)' (valid: \(valid))"
    }
}
