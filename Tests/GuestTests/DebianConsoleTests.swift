// Secondary PV consoles (xl.cfg `channel`) with Debian 12's stock kernel:
// its hvc_xen frontend connects each channel through xenbus and the guest
// sees /dev/hvc1, /dev/hvc2, ...; the host reaches them through the Unix
// socket xenolith listens on or the pty it opens. And the console nodes in
// xenstore, read with Xen's own xenstore-ls through the domain's socket.
import Foundation
import Glibc
import Testing
import XenolithTestSupport

/// A blocking Unix-socket client with a receive timeout.
private final class ChannelClient {
    let fd: Int32

    init(path: String, timeout: TimeInterval) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XenolithProcess.Failure("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if rc == 0 { break }
            guard Date() < deadline else {
                close(fd)
                throw XenolithProcess.Failure("cannot connect to \(path): errno \(errno)")
            }
            usleep(100_000)
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Bytes up to and including the first newline (or what came before the timeout).
    func readLine() -> String {
        var out: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            out.append(byte)
            if byte == 0x0a { break }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Reads a line from a non-blocking descriptor (a pty) within `timeout`.
private func readLine(fd: Int32, timeout: TimeInterval) -> String {
    var out: [UInt8] = []
    var byte: UInt8 = 0
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let n = read(fd, &byte, 1)
        if n == 1 {
            out.append(byte)
            if byte == 0x0a { break }
        } else {
            usleep(10_000)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite(.enabled(if: access("/dev/kvm", R_OK | W_OK) == 0, "needs /dev/kvm"), .serialized)
struct DebianConsoleTests {
    static let name = "debian-console"

    /// A socket channel and a pty channel: both carry a line each way, the
    /// socket one again after hvc_xen's driver is unbound and bound (the
    /// xenbus reset), and the xenstore tree shows them Connected (and
    /// console 0 as libxl writes it).
    @Test func channelsOverSocketAndPty() throws {
        let sockets = FileManager.default.temporaryDirectory.appendingPathComponent("xc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: sockets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: sockets) }
        let socketPath = sockets.appendingPathComponent("agent.sock").path
        let (path, directory) = try debianConfig(extraFiles: [], lines: """
            channel = [ 'name=org.xenolith.test.socket, connection=socket, path=\(socketPath)',
                        'name=org.xenolith.test.pty, connection=pty' ]
            """, name: Self.name)
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path])
        try console.waitFor("xenolith# ", timeout: DebianGuestTests.bootTimeout)

        // The host connects first (the socket exists from domain creation).
        let client = try ChannelClient(path: socketPath, timeout: 60)
        // hvc_xen connects the channels while the kernel boots, in order
        // (channel 1 is hvc1, channel 2 hvc2); wait for the last to open
        // (ENODEV until its frontend has allocated it).
        let wait = try console.run("i=0; while [ $i -lt 100 ] && ! stty -F /dev/hvc2 >/dev/null 2>&1; do sleep 0.1; i=$((i+1)); done; echo tries=$i", timeout: 60)
        #expect(!wait.contains("tries=100"), "hvc2 never opened: \(wait)")

        // Guest → host, in raw mode (no \r added, no echo of what the host
        // sends). fd 3 stays open in the shell: hvc resets the termios at
        // the last close.
        let sent = try console.run("exec 3<>/dev/hvc1; stty raw -echo <&3; echo hello-from-guest >&3; echo sent=$?", timeout: 60)
        #expect(sent.contains("sent=0"), "guest: \(sent)")
        #expect(client.readLine() == "hello-from-guest\n")
        // Host → guest.
        client.send("hello-from-host\n")
        let got = try console.run("head -n 1 <&3", timeout: 60)
        #expect(got.contains("hello-from-host"), "guest read: \(got)")

        // Reset and reconnect: unbinding hvc_xen's driver from console-1
        // closes the frontend (the backend follows to Closed); binding it
        // again connects a fresh ring, while the host client stays connected.
        let xenstoreRead = FileManager.default.isExecutableFile(atPath: "/usr/bin/xenstore-read")
        // The domain's id: the lowest free on this host, not always 1.
        let id = DebianGuestTests.domid(Self.name)
        func backendState(_ devid: Int) throws -> String {
            try runTool("/usr/bin/xenstore-read", ["/local/domain/0/backend/console/\(id)/\(devid)/state"],
                        environment: ["XENSTORED_PATH": DebianGuestTests.socketPath(Self.name)])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func waitForBackendState(_ state: String) throws -> Bool {
            guard xenstoreRead else { return true }
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if try backendState(1) == state { return true }
                usleep(200_000)
            }
            return false
        }
        let unbound = try console.run("exec 3>&-; echo console-1 > /sys/bus/xen/drivers/xenconsole/unbind; echo rc=$?", timeout: 60)
        #expect(unbound.contains("rc=0"), "unbind: \(unbound)")
        #expect(try waitForBackendState("6"), "the backend did not close")
        let bound = try console.run("echo console-1 > /sys/bus/xen/drivers/xenconsole/bind; echo rc=$?", timeout: 60)
        #expect(bound.contains("rc=0"), "bind: \(bound)")
        #expect(try waitForBackendState("4"), "the backend did not reconnect")
        let again = try console.run("i=0; while [ $i -lt 100 ] && ! stty -F /dev/hvc1 >/dev/null 2>&1; do sleep 0.1; i=$((i+1)); done; "
                                    + "exec 3<>/dev/hvc1; stty raw -echo <&3; echo after-rebind >&3; echo sent=$?", timeout: 60)
        #expect(again.contains("sent=0"), "guest: \(again)")
        #expect(client.readLine() == "after-rebind\n")
        client.send("again-from-host\n")
        let gotAgain = try console.run("head -n 1 <&3", timeout: 60)
        #expect(gotAgain.contains("again-from-host"), "guest read: \(gotAgain)")

        // The pty channel: xenolith names its slave on stderr and in the
        // frontend's `tty` node.
        let announced = console.stderr.split(whereSeparator: \.isNewline)
            .first { $0.contains("channel 'org.xenolith.test.pty' is on /dev/pts/") }
        let ptyPath = try #require(announced.flatMap { $0.split(separator: " ").last.map(String.init) },
                                   "stderr: \(console.stderr)")
        let pty = open(ptyPath, O_RDWR | O_NOCTTY | O_NONBLOCK)
        try #require(pty >= 0, "open \(ptyPath): errno \(errno)")
        defer { close(pty) }
        let ptySent = try console.run("exec 4<>/dev/hvc2; stty raw -echo <&4; echo hello-pty >&4; echo sent=$?", timeout: 60)
        #expect(ptySent.contains("sent=0"), "guest: \(ptySent)")
        #expect(readLine(fd: pty, timeout: 60) == "hello-pty\n")
        _ = Array("pty-input\n".utf8).withUnsafeBytes { write(pty, $0.baseAddress, $0.count) }
        let ptyGot = try console.run("head -n 1 <&4", timeout: 60)
        #expect(ptyGot.contains("pty-input"), "guest read: \(ptyGot)")

        // Xen's xenstore-ls through the domain's socket.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/xenstore-ls") {
            let env = ["XENSTORED_PATH": DebianGuestTests.socketPath(Self.name)]
            func ls(_ path: String, permissions: Bool = false) throws -> String {
                try runTool("/usr/bin/xenstore-ls", (permissions ? ["-p"] : []) + [path], environment: env)
            }
            let back1 = try ls("/local/domain/0/backend/console/\(id)/1")
            for line in ["frontend = \"/local/domain/\(id)/device/console/1\"", "frontend-id = \"\(id)\"", "online = \"1\"",
                         "state = \"4\"", "protocol = \"vt100\"", "name = \"org.xenolith.test.socket\"",
                         "connection = \"socket\"", "path = \"\(socketPath)\""] {
                #expect(back1.contains(line), "backend console 1 lacks \(line): \(back1)")
            }
            let front1 = try ls("/local/domain/\(id)/device/console/1")
            for line in ["backend = \"/local/domain/0/backend/console/\(id)/1\"", "backend-id = \"0\"", "state = \"4\"",
                         "name = \"org.xenolith.test.socket\"", "limit = \"1048576\"", "type = \"ioemu\"",
                         "output = \"chardev:libxl-channel1\"", "tty = \"\"", "ring-ref = ", "port = "] {
                #expect(front1.contains(line), "frontend console 1 lacks \(line): \(front1)")
            }
            let front2 = try ls("/local/domain/\(id)/device/console/2")
            #expect(front2.contains("state = \"4\"") && front2.contains("tty = \"\(ptyPath)\"")
                    && front2.contains("output = \"pty\""), "frontend console 2: \(front2)")
            #expect(try ls("/local/domain/0/backend/console/\(id)/2").contains("connection = \"pty\""))
            // The guest may not rewrite what names the channel.
            let perms = try ls("/local/domain/\(id)/device/console/1", permissions: true)
            let nameLine = perms.split(whereSeparator: \.isNewline).first { $0.hasPrefix("name = ") } ?? ""
            let stateLine = perms.split(whereSeparator: \.isNewline).first { $0.hasPrefix("state = ") } ?? ""
            #expect(nameLine.hasSuffix("(n0,r\(id))") && stateLine.hasSuffix("(n\(id),r0)"), "permissions: \(perms)")
            // Console 0, as libxl writes it for a PV guest.
            let front0 = try ls("/local/domain/\(id)/console")
            for line in ["backend = \"/local/domain/0/backend/console/\(id)/0\"", "type = \"xenconsoled\"", "output = \"pty\"",
                         "tty = \"\"", "limit = \"1048576\"", "port = \"1\"", "ring-ref = "] {
                #expect(front0.contains(line), "console 0 lacks \(line): \(front0)")
            }
            let back0 = try ls("/local/domain/0/backend/console/\(id)/0")
            #expect(back0.contains("frontend = \"/local/domain/\(id)/console\"") && back0.contains("state = \"1\""), "\(back0)")
        }

        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0, "stderr: \(console.stderr)")
        #expect(!FileManager.default.fileExists(atPath: socketPath), "the socket file is removed at the end")
    }

    /// Runs a host tool; returns its stdout.
    func runTool(_ path: String, _ arguments: [String], environment: [String: String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
