import Foundation
import Testing
@testable import Toolstack

/// `channel = [ ... ]` entries (Xen: xl.cfg(5) "channel", docs/misc/channel.txt,
/// tools/xl/xl_parse.c and libxl_console.c `libxl__init_console_from_channel`).
@Suite struct ChannelSpecTests {
    private static let minimal = "name = 'web'\nkernel = '/boot/vmlinuz'\n"

    private func domain(_ text: String) throws -> DomainConfig {
        try DomainConfig(XLConfig(parsing: Self.minimal + text, source: "web.cfg"), workingDirectory: "/srv")
    }

    @Test("equivalent spellings of a socket channel", arguments: [
        "name=org.example.agent, connection=socket, path=/run/x.sock",
        "connection=socket,path=/run/x.sock,name=org.example.agent",
        "  name = org.example.agent ,\tconnection= socket , path =/run/x.sock ",
        "name=org.example.agent, connection=socket, path=/run/../run/x.sock",
    ])
    func socketChannel(_ spec: String) throws {
        let config = try domain("channel = [ '\(spec)' ]")
        #expect(config.channels.map(\.name) == ["org.example.agent"])
        #expect(config.channels.map(\.socketPath) == ["/run/x.sock"])
    }

    @Test func ptyChannelsAndRelativeSocketPathsInOrder() throws {
        let config = try domain("channel = [ 'name=a, connection=pty', 'name=b, connection=socket, path=sockets/b.sock' ]")
        #expect(config.channels.map(\.name) == ["a", "b"])
        #expect(config.channels[0].connection == .pty)
        #expect(config.channels[1].socketPath == "/srv/sockets/b.sock")
    }

    @Test("bad entries: one line naming the entry", arguments: [
        ("connection=pty", "channel 'connection=pty': name is required"),
        ("name=, connection=pty", "channel 'name=, connection=pty': name is required"),
        ("name=a", "channel 'name=a': connection is required (pty or socket)"),
        ("name=a, connection=serial", "channel 'name=a, connection=serial': connection must be one of pty, socket, not 'serial'"),
        ("name=a, connection=socket", "channel 'name=a, connection=socket': connection=socket requires path="),
        ("name=a, connection=socket, path=", "channel 'name=a, connection=socket, path=': path must not be empty"),
        ("name=a, connection=pty, path=/x", "channel 'name=a, connection=pty, path=/x': path= is only for connection=socket"),
        ("name=a, connection=pty, mode=raw", "channel 'name=a, connection=pty, mode=raw': unknown parameter 'mode='"),
        ("name=a, connection=pty, backend=dom1", "channel 'name=a, connection=pty, backend=dom1': 'backend=' (a backend in another domain) is not supported yet"),
        ("name=a, name=b, connection=pty", "channel 'name=a, name=b, connection=pty': 'name' is given more than once"),
        ("name=a, connection=pty,", "channel 'name=a, connection=pty,': empty parameter (a stray ',')"),
        ("name=a pty", "channel 'name=a pty': connection is required (pty or socket)"),
        ("name=a, pty", "channel 'name=a, pty': 'pty' is not key=value"),
    ])
    func badEntry(spec: String, message: String) {
        do {
            _ = try domain("channel = [ '\(spec)' ]")
            Issue.record("accepted '\(spec)'")
        } catch {
            #expect("\(error)" == "web.cfg:3: " + message)
        }
    }

    @Test func socketPathTooLongForSockaddrUn() {
        let path = "/tmp/" + String(repeating: "s", count: 103)      // 108 bytes
        do {
            _ = try domain("channel = [ 'name=a, connection=socket, path=\(path)' ]")
            Issue.record("accepted a 108-byte socket path")
        } catch {
            #expect("\(error)".hasSuffix("path '\(path)' is longer than the 107 bytes a Unix socket path may have"))
        }
        #expect(throws: Never.self) { try domain("channel = [ 'name=a, connection=socket, path=\(path.dropLast())' ]") }
    }

    @Test func twoChannelsMayNotShareASocket() {
        do {
            _ = try domain("channel = [ 'name=a, connection=socket, path=/run/x.sock', 'name=b, connection=socket, path=/run/./x.sock' ]")
            Issue.record("accepted two channels on one socket")
        } catch {
            #expect("\(error)" == "web.cfg:3: channel 'name=b, connection=socket, path=/run/./x.sock': path '/run/x.sock' is already the socket of channel 'a'")
        }
    }

    @Test func atMostNineChannels() throws {
        let nine = (1...9).map { "'name=c\($0), connection=pty'" }.joined(separator: ", ")
        #expect(try domain("channel = [ \(nine) ]").channels.count == 9)
        do {
            _ = try domain("channel = [ \(nine), 'name=c10, connection=pty' ]")
            Issue.record("accepted ten channels")
        } catch {
            #expect("\(error)".hasPrefix("web.cfg:3: channel 'name=c10, connection=pty': at most 9 channels are supported"))
        }
    }

    @Test func channelMustBeAListOfStrings() {
        #expect(throws: ConfigError.wrongType(key: "channel", expected: .list, ConfigLocation(source: "web.cfg", line: 3))) {
            try domain("channel = 'name=a, connection=pty'")
        }
    }

    @Test func dryRunPrintsChannelsThatParseBack() throws {
        let config = try domain("channel = [ 'name=a, connection=pty', 'connection=socket, path=b.sock, name=b' ]")
        let again = try DomainConfig(XLConfig(parsing: config.xlConfigText, source: "again.cfg"), workingDirectory: "/")
        #expect(again.channels.map(\.name) == config.channels.map(\.name))
        #expect(again.channels.map(\.socketPath) == config.channels.map(\.socketPath))
        #expect(again.channels.map(\.xlText) == config.channels.map(\.xlText))
        #expect(config.xlConfigText.contains(
            "channel = [ \"name=a, connection=pty\", \"name=b, connection=socket, path=/srv/b.sock\" ]"))
    }
}
