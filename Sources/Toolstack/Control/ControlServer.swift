// The domain process's control socket (ControlProtocol.swift): a thread
// accepts connections, each served on a thread of its own (there are few:
// one per xenolith command, plus an attached console).
import Foundation
import Logging

/// What the control socket acts on: the domain process (DomainSupervisor).
protocol ControlHandler: AnyObject, Sendable {
    /// Answers every request but `console`.
    func handle(_ request: ControlRequest) -> ControlReply
    /// The console's ring and attached client.
    var console: ConsoleHub { get }
    /// Keystrokes from the attached client.
    func consoleInput(_ bytes: [UInt8])
}

final class ControlServer: @unchecked Sendable {
    // @unchecked: `thread` is set by `start` and joined by `stop` on the
    // owner's thread; `listenFD` is immutable.
    let path: String
    private let listenFD: Int32
    private let handler: ControlHandler
    private let logger: Logger
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    /// Binds and listens on `path` (whose directory the caller made, 0700):
    /// the socket is 0600 before anyone may connect.
    init(path: String, handler: ControlHandler, logger: Logger) throws(ControlSys.Failure) {
        guard path.utf8.count <= ControlSys.maxSocketPathBytes else {
            throw ControlSys.Failure(call: "bind (path longer than \(ControlSys.maxSocketPathBytes) bytes)",
                                     errno: ENAMETOOLONG)
        }
        ControlSys.unlink(path)
        let fd = try ControlSys.unixStreamSocket()
        do {
            try ControlSys.bind(fd, path: path)
            try ControlSys.chmod(path, 0o600)
            try ControlSys.listen(fd, backlog: 16)
        } catch {
            ControlSys.close(fd)
            ControlSys.unlink(path)
            throw error
        }
        self.path = path
        self.listenFD = fd
        self.handler = handler
        self.logger = logger
    }

    func start() {
        let t = Thread { [self] in
            acceptLoop()
            done.signal()
        }
        t.name = "control"
        t.start()
        thread = t
    }

    /// Stops accepting (connections being served finish on their own) and
    /// removes the socket file.
    func stop() {
        ControlSys.shutdown(listenFD)
        if thread != nil { done.wait() }
        thread = nil
        ControlSys.close(listenFD)
        ControlSys.unlink(path)
    }

    private func acceptLoop() {
        while true {
            let fd: Int32
            do { fd = try ControlSys.accept(listenFD) } catch { return }
            let t = Thread { [self] in serve(fd) }
            t.name = "control-client"
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        var keepOpen = false
        defer { if !keepOpen { ControlSys.close(fd) } }
        let uid = ControlSys.effectiveUserID
        guard let peer = ControlSys.peerUID(fd), peer == uid || peer == 0 else { return }
        ControlSys.setReceiveTimeout(fd, seconds: 10)
        var buffer: [UInt8] = []
        var line: [UInt8]?
        while line == nil {
            guard let chunk = try? ControlSys.read(fd, count: 4096), !chunk.isEmpty else { return }
            buffer += chunk
            if let split = ControlWire.splitLine(buffer) {
                line = split.line
            } else if buffer.count > ControlWire.maxLineBytes {
                try? ControlSys.writeAll(fd, ControlWire.encode(ControlReply.failure("request longer than \(ControlWire.maxLineBytes) bytes")))
                return
            }
        }
        guard let line, let request = ControlWire.decode(ControlRequest.self, from: line) else {
            try? ControlSys.writeAll(fd, ControlWire.encode(ControlReply.failure("malformed request")))
            return
        }
        if request.op == .console {
            keepOpen = true
            serveConsole(fd)
            return
        }
        let reply = handler.handle(request)
        try? ControlSys.writeAll(fd, ControlWire.encode(reply))
    }

    /// The raw console: a writer thread sends the ring and what follows;
    /// this thread forwards the client's bytes until it closes. Either
    /// side ending shuts the socket down, which ends the other.
    private func serveConsole(_ fd: Int32) {
        let hub = handler.console
        guard let (client, start) = hub.attach() else {
            try? ControlSys.writeAll(fd, ControlWire.encode(ControlReply.failure(
                "the console is already attached elsewhere (one client at a time; detach it with Ctrl-])")))
            ControlSys.close(fd)
            return
        }
        guard (try? ControlSys.writeAll(fd, ControlWire.encode(ControlReply.success()))) != nil else {
            hub.detach(client)
            ControlSys.close(fd)
            return
        }
        ControlSys.setReceiveTimeout(fd, seconds: 0)
        let writerDone = DispatchSemaphore(value: 0)
        let writer = Thread {
            var cursor = start
            while let bytes = hub.next(client, cursor: &cursor) {
                if (try? ControlSys.writeAll(fd, bytes)) == nil { break }
            }
            ControlSys.shutdown(fd)
            writerDone.signal()
        }
        writer.name = "console-writer"
        writer.start()
        while let bytes = try? ControlSys.read(fd, count: 4096), !bytes.isEmpty {
            handler.consoleInput(bytes)
        }
        hub.detach(client)
        writerDone.wait()
        ControlSys.close(fd)
    }
}
