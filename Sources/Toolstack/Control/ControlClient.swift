// The commands' side of the control socket (ControlProtocol.swift): one
// request, one reply; or the raw console after a `console` request.
import Foundation

/// Why a request did not get an answer, as a lower-case clause.
public struct ControlClientError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

struct ControlClient {
    let domain: LiveDomain

    /// Sends `request` and returns the reply; waits at most `timeout`
    /// seconds for it.
    func send(_ request: ControlRequest, timeout: Int = 30) throws(ControlClientError) -> ControlReply {
        let fd = try connect()
        defer { ControlSys.close(fd) }
        ControlSys.setReceiveTimeout(fd, seconds: timeout)
        let (line, _) = try exchange(fd, request)
        guard let reply = ControlWire.decode(ControlReply.self, from: line) else {
            throw ControlClientError(description: "domain '\(domain.name)' sent a malformed reply")
        }
        return reply
    }

    /// Opens the console: the connected socket and the console bytes that
    /// arrived with the reply.
    func openConsole() throws(ControlClientError) -> (fd: Int32, first: [UInt8]) {
        let fd = try connect()
        ControlSys.setReceiveTimeout(fd, seconds: 30)
        let line: [UInt8], rest: [UInt8]
        do { (line, rest) = try exchange(fd, ControlRequest(op: .console)) } catch {
            ControlSys.close(fd)
            throw error
        }
        guard let reply = ControlWire.decode(ControlReply.self, from: line) else {
            ControlSys.close(fd)
            throw ControlClientError(description: "domain '\(domain.name)' sent a malformed reply")
        }
        guard reply.ok else {
            ControlSys.close(fd)
            throw ControlClientError(description: reply.error ?? "refused")
        }
        ControlSys.setReceiveTimeout(fd, seconds: 0)
        return (fd, rest)
    }

    private func connect() throws(ControlClientError) -> Int32 {
        let path = domain.directory.controlSocket
        let fd: Int32
        do { fd = try ControlSys.unixStreamSocket() } catch {
            throw ControlClientError(description: "\(error)")
        }
        do { try ControlSys.connect(fd, path: path) } catch {
            ControlSys.close(fd)
            throw ControlClientError(description: "domain '\(domain.name)' (pid \(domain.pid)) does not answer on "
                                     + "'\(path)': \(error)")
        }
        return fd
    }

    /// Writes the request line, reads the reply line; returns it and any
    /// bytes after it.
    private func exchange(_ fd: Int32, _ request: ControlRequest) throws(ControlClientError) -> ([UInt8], [UInt8]) {
        do { try ControlSys.writeAll(fd, ControlWire.encode(request)) } catch {
            throw ControlClientError(description: "domain '\(domain.name)': \(error)")
        }
        var buffer: [UInt8] = []
        while true {
            let chunk: [UInt8]
            do { chunk = try ControlSys.read(fd, count: 4096) } catch {
                let what = error.errno == EAGAIN || error.errno == EWOULDBLOCK ? "no reply in time" : "\(error)"
                throw ControlClientError(description: "domain '\(domain.name)': \(what)")
            }
            guard !chunk.isEmpty else {
                throw ControlClientError(description: "domain '\(domain.name)' closed the connection without a reply")
            }
            buffer += chunk
            if let split = ControlWire.splitLine(buffer) { return split }
            guard buffer.count <= ControlWire.maxLineBytes else {
                throw ControlClientError(description: "domain '\(domain.name)' sent an overlong reply")
            }
        }
    }
}
