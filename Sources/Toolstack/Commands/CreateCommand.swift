import Foundation
import Logging

/// `xenolith create [options] CONFIG [KEY=VALUE ...]`, after argument parsing:
/// read the config and overrides, validate, then launch the domain and wait
/// for it (or print the result with `--dry-run`).
///
/// Every error a user can cause is printed as one line,
/// `xenolith: create domain 'NAME': <clause>` (or `xenolith: <clause>` before
/// a valid name is known), and ends the command with `XenolithExit.badInput`.
///
/// Xen: `main_create` and `create_domain`, tools/xl/xl_vmcontrol.c.
public struct CreateCommand: Sendable {
    /// The positional arguments as given: the config file and `KEY=VALUE`
    /// overrides. As in xl, an argument containing `=` is an override and the
    /// one without is the config file, in any order.
    public var arguments: [String]
    public var options: CreateOptions
    /// `--dry-run` (xl's `-n`): validate and print the configuration only.
    public var dryRun: Bool
    /// The directory relative `kernel`/`ramdisk` paths are resolved against.
    public var workingDirectory: String

    public typealias Launcher = (DomainConfig, CreateOptions) throws -> DomainExit
    /// Starts the domain in a process of its own and returns the exit
    /// status of `create` (`create` without -F: DetachedDomain.start).
    public typealias Detacher = (DomainConfig, CommandOutput) -> Int32

    private static let logger = Logger(label: "xenolith.toolstack")

    public init(arguments: [String], options: CreateOptions = CreateOptions(), dryRun: Bool = false,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.arguments = arguments
        self.options = options
        self.dryRun = dryRun
        self.workingDirectory = workingDirectory
    }

    /// Runs the command; returns the process exit status.
    public func run(output: CommandOutput = .standard, launch: Launcher = launchDomain,
                    detach: Detacher? = nil) -> Int32 {
        let configPath: String, overrides: [String]
        switch Self.splitArguments(arguments) {
        case .success(let split): (configPath, overrides) = split
        case .failure(let error):
            output.diagnostic(error.description)
            return XenolithExit.badInput
        }

        var settings: XLConfig
        do throws(ConfigError) {
            settings = try XLConfig(contentsOf: configPath)
            for override in overrides {
                try settings.applyOverride(override)
            }
        } catch {
            output.diagnostic(Self.clause(error.description, name: nil))
            return XenolithExit.badInput
        }

        // The name, if it is valid, prefixes every later error.
        let name = (try? settings.string("name")?.value).flatMap {
            DomainConfig.nameProblem($0) == nil ? $0 : nil
        }
        let config: DomainConfig
        do throws(ConfigError) {
            config = try DomainConfig(settings, workingDirectory: workingDirectory)
        } catch {
            output.diagnostic(Self.clause(error.description, name: name))
            return XenolithExit.badInput
        }
        for warning in config.warnings {
            output.diagnostic("warning: \(warning)")
        }

        var logger = Self.logger
        logger[metadataKey: "domain"] = "\(config.name)"
        logger.debug("parsed config", metadata: ["config": "\(configPath)", "overrides": "\(overrides.count)"])

        if dryRun {
            output.standardOutput(config.xlConfigText)
            return XenolithExit.ok
        }
        if let detach, !options.foreground {
            return detach(config, output)
        }

        let exit: DomainExit
        do {
            logger.debug("launching domain")
            exit = try launch(config, options)
        } catch let error as any CustomStringConvertible {
            output.diagnostic(Self.clause(error.description, name: config.name))
            return XenolithExit.badInput
        } catch {
            output.diagnostic(Self.clause(String(describing: error), name: config.name))
            return XenolithExit.hypervisorError
        }
        logger.debug("domain ended", metadata: ["exit": "\(exit)"])

        switch exit {
        case .poweroff:
            break
        case .destroyed:
            output.diagnostic("domain '\(config.name)' destroyed")
        case .crashed(let reason):
            output.diagnostic("domain '\(config.name)' crashed: \(reason)")
        case .hypervisorError(let message):
            output.diagnostic("domain '\(config.name)': hypervisor error: \(message)")
        }
        return exit.exitStatus
    }

    /// "create domain 'NAME': CLAUSE", or CLAUSE alone when no name is known.
    static func clause(_ clause: String, name: String?) -> String {
        name.map { "create domain '\($0)': \(clause)" } ?? clause
    }

    /// Separates the config file from the overrides with xl's rule: an
    /// argument with `=` is an override; exactly one without is the config file.
    /// Xen: the argv loop of `main_create`, tools/xl/xl_vmcontrol.c.
    static func splitArguments(_ arguments: [String])
        -> Result<(config: String, overrides: [String]), SplitError> {
        var config: String?
        var overrides: [String] = []
        for argument in arguments {
            if argument.contains("=") {
                overrides.append(argument)
            } else if config == nil {
                config = argument
            } else {
                return .failure(SplitError(
                    "unexpected argument '\(argument)': the config file is '\(config ?? "")' "
                        + "and overrides have the form KEY=VALUE"))
            }
        }
        guard let config else { return .failure(SplitError("no config file given")) }
        return .success((config, overrides))
    }

    /// A misuse of the positional arguments, as a one-line clause.
    struct SplitError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
