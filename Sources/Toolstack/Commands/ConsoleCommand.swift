// `xenolith console DOMAIN`: attaches this terminal to a running domain's
// console through its control socket. The domain's recent output comes
// first (its ring buffer), then the live console; keystrokes go to the
// guest; Ctrl-] detaches and the domain keeps running. One client at a
// time. Ends with status 0 on detach or when the domain ends.
// Xen: tools/xl/xl_console.c main_console, libxl_console_exec.
import Foundation
import Glibc

public struct ConsoleCommand: Sendable {
    public var qualifier: String

    public init(qualifier: String) { self.qualifier = qualifier }

    public func run(output: CommandOutput = .standard) -> Int32 {
        let requester = DomainRequester(verb: "console", qualifier: qualifier, output: output)
        guard let domain = requester.find() else { return XenolithExit.failure }
        let fd: Int32, first: [UInt8]
        do { (fd, first) = try ControlClient(domain: domain).openConsole() } catch {
            return requester.fail(error.description)
        }
        defer { ControlSys.close(fd) }
        let attachment = ConsoleAttachment(input: { bytes in try? ControlSys.writeAll(fd, bytes) },
                                           onDetach: { ControlSys.shutdown(fd) })
        if !first.isEmpty { FileHandle.standardOutput.write(Data(first)) }
        attachment.start()
        // Guest output until the domain ends or Ctrl-] shuts the socket down.
        while let bytes = try? ControlSys.read(fd, count: 4096), !bytes.isEmpty {
            guard attachment.isAttached else { break }
            FileHandle.standardOutput.write(Data(bytes))
        }
        attachment.restoreTerminal()
        return XenolithExit.ok
    }
}
