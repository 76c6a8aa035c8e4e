import Foundation

/// Where a command writes: results to standard output, diagnostics to
/// standard error. Tests substitute closures that record the text.
public struct CommandOutput: Sendable {
    /// Writes text to standard output (the caller supplies newlines).
    public var standardOutput: @Sendable (String) -> Void
    /// Writes text to standard error (the caller supplies newlines).
    public var standardError: @Sendable (String) -> Void

    public init(standardOutput: @escaping @Sendable (String) -> Void,
                standardError: @escaping @Sendable (String) -> Void) {
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The process's own standard output and standard error.
    public static let standard = CommandOutput(
        standardOutput: { FileHandle.standardOutput.write(Data($0.utf8)) },
        standardError: { FileHandle.standardError.write(Data($0.utf8)) })

    /// Prints `xenolith: <clause>` as exactly one line on standard error:
    /// any line breaks inside `clause` become spaces.
    public func diagnostic(_ clause: String) {
        let line = clause.split(whereSeparator: \.isNewline).joined(separator: " ")
        standardError("xenolith: \(line)\n")
    }
}
