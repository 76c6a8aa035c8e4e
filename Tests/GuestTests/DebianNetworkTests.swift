// Debian's stock kernel with xen-netfront on Xenolith's network backend
// (issue #4): the test makes a network namespace of its own and runs
// xenolith inside it with `vif = [ 'mac=..., vifname=xntap0' ]`, so the
// TAP and its address exist only there (the machine's network is not
// touched; the namespace is deleted at the end). The host side is this
// test process, whose sockets are made inside the namespace.
//
// The guest gets 10.77.0.2/24 and pings the host's 10.77.0.1; then 1 GiB
// goes each way over TCP and both ends compare SHA-256 sums:
// guest → host: the guest's busybox httpd serves a 1 GiB file of
// /dev/urandom (it sends with sendfile(2)); the test downloads it.
// host → guest: the test serves 1 GiB of a deterministic pattern over
// HTTP; the guest's busybox wget stores it and sha256sum hashes it.
// Last, netfront is unbound and bound again and the link works again.
// (busybox nc moves 1 KiB per system call, which at today's cost per
// guest system call makes a gigabyte take an hour; httpd and wget do not.)
import Foundation
import Testing
import XenolithTestSupport

private func canRun() -> Bool { access("/dev/kvm", R_OK | W_OK) == 0 && NetworkNamespace.available }

@Suite(.enabled(if: canRun(), "needs /dev/kvm, root, /dev/net/tun and ip(8)"), .serialized)
struct DebianNetworkTests {
    static let gib = 1 << 30
    static let hostAddress = "10.77.0.1"
    static let guestAddress = "10.77.0.2"

    @Test func pingAndOneGiBEachWay() throws {
        let ns = try NetworkNamespace()
        defer { ns.delete() }
        let (path, directory) = try debianConfig(extraFiles: [], lines: """
            memory = 2048
            vif = [ 'mac=00:16:3e:00:00:01, vifname=xntap0' ]
            """, name: "debian-net")
        defer { try? FileManager.default.removeItem(at: directory) }
        let console = try ConsoleSession(arguments: [path], launcher: ns.execPrefix)
        defer { console.terminate() }

        // The TAP exists once xenolith has set the domain up; give it the
        // host's address.
        var tap = ""
        for _ in 0..<600 {
            tap = (try? ns.ip(["link", "show", "xntap0"])) ?? ""
            if !tap.isEmpty { break }
            usleep(100_000)
        }
        #expect(tap.contains("fe:ff:ff:ff:ff:ff") && tap.contains("UP"), "TAP: \(tap)")
        try ns.ip(["addr", "add", "\(Self.hostAddress)/24", "dev", "xntap0"])

        try console.waitFor("xenolith# ", timeout: DebianGuestTests.bootTimeout)
        func value(_ command: String, timeout: TimeInterval = 120) throws -> String {
            let out = try console.run(command, timeout: timeout)
            return out.split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }

        // Address and reachability.
        let link = try console.run("ip link show eth0", timeout: 60)
        #expect(link.contains("00:16:3e:00:00:01"), "eth0: \(link)")
        #expect(try value("ip addr add \(Self.guestAddress)/24 dev eth0; ip link set eth0 up; echo rc=$?") == "rc=0")
        let ping = try console.run("ping -c 3 -W 5 \(Self.hostAddress)", timeout: 60)
        #expect(ping.contains("3 packets received"), "ping: \(ping)")
        let addr = try console.run("ip -4 addr show eth0", timeout: 60)
        #expect(addr.contains("inet \(Self.guestAddress)/24"), "addr: \(addr)")

        // Room for one gigabyte at a time.
        #expect(try value("mkdir -p /data && mount -t tmpfs -o size=1100m tmpfs /data; echo rc=$?") == "rc=0")

        // Guest → host.
        #expect(try value("dd if=/dev/urandom of=/data/out bs=1M count=1024 2>/dev/null; echo rc=$?", timeout: 900) == "rc=0")
        let guestSum = try value("sha256sum /data/out", timeout: 900)
        #expect(try value("httpd -p 8080 -h /data; echo rc=$?") == "rc=0")
        let socket = try ns.tcpSocket()
        let download = try HTTPTransfer.get(socket: socket, host: Self.guestAddress, port: 8080, path: "/out")
        #expect(download.bytes == Self.gib)
        #expect(guestSum.hasPrefix(download.sha256 + " "), "guest \(guestSum), host \(download.sha256)")
        print("guest -> host: \(download.bytes) bytes in \(String(format: "%.1f", download.seconds)) s, "
              + "\(String(format: "%.1f", Double(download.bytes) / download.seconds / 1e6)) MB/s")
        #expect(try value("rm /data/out; echo rc=$?") == "rc=0")

        // Host → guest.
        let listener = try ns.tcpSocket()
        let server = try HTTPTransfer.serve(socket: listener, address: Self.hostAddress, port: 8000, length: Self.gib)
        let started = Date()
        #expect(try value("wget -q -O /data/in http://\(Self.hostAddress):8000/in; echo rc=$?", timeout: 1800) == "rc=0")
        let upload = try server.wait()
        let seconds = Date().timeIntervalSince(started)
        #expect(upload.bytes == Self.gib)
        let received = try value("sha256sum /data/in", timeout: 900)
        #expect(received.hasPrefix(upload.sha256 + " "), "guest \(received), host \(upload.sha256)")
        print("host -> guest: \(upload.bytes) bytes in \(String(format: "%.1f", seconds)) s, "
              + "\(String(format: "%.1f", Double(upload.bytes) / seconds / 1e6)) MB/s")

        // The backend's counters: kill -USR2 asks for the state report,
        // which the vCPU prints when it next runs (the dmesg below).
        kill(console.processIdentifier, SIGUSR2)
        usleep(200_000)

        // No kernel warnings from netfront or anything else.
        let dmesg = try console.run("dmesg", timeout: 120)
        let bad = dmesg.split(whereSeparator: \.isNewline).filter {
            $0.contains("BUG:") || $0.contains("WARNING: CPU:") || $0.contains("Oops") || $0.contains("xen_netfront") && $0.contains("rror")
        }
        #expect(bad.isEmpty, "dmesg: \(bad.joined(separator: "\n"))")
        for _ in 0..<50 where !console.stderr.contains("vif 0 (") { usleep(100_000) }
        for key in ["vif 0 (", "KVM_RUN calls", "shim entries by vector"] {
            if let line = console.stderr.split(separator: "\n").last(where: { $0.contains(key) }) {
                print("state report: \(line.trimmingCharacters(in: .whitespaces))")
            }
        }

        // netfront unbound and bound again: the backend closes, offers a
        // new connection (InitWait) and connects again.
        #expect(try value("echo vif-0 > /sys/bus/xen/drivers/vif/unbind; echo rc=$?", timeout: 120) == "rc=0")
        #expect(try value("ls /sys/class/net | grep -c eth0") == "0")
        #expect(try value("echo vif-0 > /sys/bus/xen/drivers/vif/bind; echo rc=$?", timeout: 120) == "rc=0")
        let again = try console.run("sleep 2; ip addr add \(Self.guestAddress)/24 dev eth0; ip link set eth0 up; "
                                    + "ping -c 2 -W 5 \(Self.hostAddress)", timeout: 120)
        #expect(again.contains("2 packets received"), "after rebinding: \(again)")

        console.send("poweroff")
        #expect(try console.waitForExit(timeout: 120) == 0, "stderr: \(console.stderr.suffix(2000))")
    }
}

/// The host's end of the HTTP transfers: a GET from the guest's httpd and
/// a one-shot server for the guest's wget, over sockets made in the test's
/// namespace, hashing what passes with sha256sum(1).
enum HTTPTransfer {
    struct Result: Sendable {
        var bytes: Int
        var sha256: String
        var seconds: Double
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// A running sha256sum fed through a pipe.
    final class Hasher {
        let process = Process()
        let input = Pipe()
        let output = Pipe()

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.standardInput = input
            process.standardOutput = output
            try process.run()
        }

        func update(_ bytes: UnsafeRawBufferPointer) {
            input.fileHandleForWriting.write(Data(bytes))
        }

        func finish() -> String {
            try? input.fileHandleForWriting.close()
            let out = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: out, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
        }
    }

    static func address(_ ip: String, _ port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        inet_pton(AF_INET, ip, &a.sin_addr)
        return a
    }

    /// GET `path` from `host:port` on `socket` (closed afterwards); the
    /// body's length, hash and transfer time.
    static func get(socket fd: Int32, host: String, port: UInt16, path: String) throws -> Result {
        defer { close(fd) }
        var a = address(host, port)
        let started = Date()
        let r = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { throw Failure("connect \(host):\(port): errno \(errno)") }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw Failure("send: errno \(errno)")
        }
        let hasher = try Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var header: [UInt8] = []
        var inBody = false
        var bytes = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Failure("recv: errno \(errno)") }
            if n == 0 { break }
            var chunk = buffer[0..<n]
            if !inBody {
                header += chunk
                guard let end = header.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
                let text = String(decoding: header[..<end.lowerBound], as: UTF8.self)
                guard text.hasPrefix("HTTP/1.0 200") || text.hasPrefix("HTTP/1.1 200") else {
                    throw Failure("HTTP response: \(text)")
                }
                chunk = header[end.upperBound...]
                inBody = true
            }
            bytes += chunk.count
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return Result(bytes: bytes, sha256: hasher.finish(), seconds: Date().timeIntervalSince(started))
    }

    /// A server that is already listening and answers one GET on a thread.
    final class Server: @unchecked Sendable {
        // @unchecked: `result` is written by the thread before `done` is signalled.
        let done = DispatchSemaphore(value: 0)
        var result: Swift.Result<HTTPTransfer.Result, Error> = .failure(Failure("not run"))

        func wait() throws -> HTTPTransfer.Result {
            done.wait()
            return try result.get()
        }
    }

    /// Listens on `address:port` with `socket` and, on a thread, answers
    /// one request with `length` bytes of a deterministic pattern.
    static func serve(socket fd: Int32, address ip: String, port: UInt16, length: Int) throws -> Server {
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(4))
        var a = address(ip, port)
        let r = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0, listen(fd, 1) == 0 else { close(fd); throw Failure("bind/listen \(ip):\(port): errno \(errno)") }
        let server = Server()
        let thread = Thread {
            defer { close(fd); server.done.signal() }
            server.result = Swift.Result { try answer(listener: fd, length: length) }
        }
        thread.start()
        return server
    }

    private static func answer(listener: Int32, length: Int) throws -> Result {
        let c = accept(listener, nil, nil)
        guard c >= 0 else { throw Failure("accept: errno \(errno)") }
        defer { close(c) }
        let started = Date()
        // The request: read up to the blank line.
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            let n = buffer.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure("request: recv \(n), errno \(errno)") }
            request += buffer[0..<n]
        }
        let header = Array("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(length)\r\n\r\n".utf8)
        try sendAll(c, header[...])
        let hasher = try Hasher()
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var x: UInt32 = 0x2545_f491
        for i in block.indices {
            x = x &* 1_664_525 &+ 1_013_904_223
            block[i] = UInt8(truncatingIfNeeded: x >> 24)
        }
        var sent = 0
        var k: UInt64 = 0
        while sent < length {
            // Each MiB differs: its first eight bytes are its index.
            withUnsafeBytes(of: k.littleEndian) { for (i, b) in $0.enumerated() { block[i] = b } }
            let n = min(block.count, length - sent)
            try sendAll(c, block[0..<n])
            block[0..<n].withUnsafeBytes { hasher.update($0) }
            sent += n
            k += 1
        }
        shutdown(c, Int32(SHUT_WR))
        return Result(bytes: sent, sha256: hasher.finish(), seconds: Date().timeIntervalSince(started))
    }

    private static func sendAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + done, $0.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure("send: errno \(errno)") }
            done += n
        }
    }
}
