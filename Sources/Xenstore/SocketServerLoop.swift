// Xen: tools/xenstored/core.c `main` (the poll loop), `initialize_fds`,
// `handle_input`, `write_messages`, `destroy_conn`, and posix.c's socket
// `readfd`/`writefd`. The socket server's single thread: it accepts clients,
// reads and frames their requests, hands each to the daemon and writes the
// replies and watch events back, all from one poll(2) loop.
import Glibc
import Logging
import XenABI

/// A socket client as the loop sees it (xenstored's `struct connection`
/// with `funcs == &socket_funcs`).
struct SocketClient: Sendable {
    let fd: Int32
    /// The daemon connection, acting for domain 0.
    let connection: ConnectionID
    var framer = XSMessageFramer()
    /// Encoded replies and events not yet sent, in the order they are due;
    /// `output[..<sent]` is already on the socket.
    var output: [UInt8] = []
    var sent = 0
    /// Set when the client is to be dropped at the end of this iteration.
    var closeReason: String?

    var pendingBytes: Int { output.count - sent }
}

/// The poll loop. Runs on the server's thread, which owns every field; only
/// `wakeup` is shared with other threads.
struct SocketServerLoop: Sendable {
    let daemon: XenstoreDaemon
    let listenFD: Int32
    let wakeup: SocketWakeup
    let logger: Logger
    private var clients: [SocketClient] = []
    /// A refused client was logged since the count last dropped below the limit.
    private var loggedFull = false

    /// Clients served at once; more are accepted and closed at once, so they
    /// fail fast instead of hanging in the backlog.
    static let maxClients = 128
    /// Bytes read from one client per iteration (fairness between clients).
    static let readChunk = 16 * 1024
    /// A client with this much unsent output is not read from until it
    /// takes some: its requests wait in the kernel (backpressure).
    static let inputPauseBytes = 64 * 1024
    /// A client that lets this much output pile up (watch events it does
    /// not read) is disconnected instead of growing our memory without bound.
    static let maxOutputBytes = 8 * 1024 * 1024

    init(daemon: XenstoreDaemon, listenFD: Int32, wakeup: SocketWakeup, logger: Logger) {
        self.daemon = daemon
        self.listenFD = listenFD
        self.wakeup = wakeup
        self.logger = logger
    }

    /// Serves until `wakeup` carries a stop request (or poll itself fails),
    /// then closes every client.
    mutating func run() {
        wakeup.markLoopThread()
        defer { closeAll() }
        guard let wakeFD = wakeup.pollFD else { return }
        while true {
            var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
            for client in clients {
                var events: Int16 = 0
                if client.pendingBytes < Self.inputPauseBytes { events |= Int16(POLLIN) }
                if client.pendingBytes > 0 { events |= Int16(POLLOUT) }
                fds.append(pollfd(fd: client.fd, events: events, revents: 0))
            }
            do {
                _ = try SocketSys.poll(&fds, timeoutMilliseconds: -1)
            } catch {
                // Only EINVAL or ENOMEM: no input leads here.
                logger.error("xenstore socket: poll failed; closing all clients",
                             metadata: ["error": "\(SocketSys.describe(error.errno))"])
                return
            }
            if fds[0].revents != 0, wakeup.drain() { return }
            // Clients first: `fds[2...]` describe the clients polled, and
            // accepting appends new ones.
            for index in clients.indices {
                serve(index, revents: fds[index + 2].revents)
            }
            if fds[1].revents != 0 { acceptClients() }
            // Events raised by any client's request (or by the guest's ring)
            // are queued behind what each client is already owed, then sent.
            for index in clients.indices where clients[index].closeReason == nil {
                for event in daemon.takeEvents(for: clients[index].connection) {
                    clients[index].output.append(contentsOf: event.encoded())
                }
                flush(index)
            }
            removeClosed()
        }
    }

    // MARK: Clients

    private mutating func acceptClients() {
        while true {
            let fd: Int32
            do {
                fd = try SocketSys.accept(listenFD)
            } catch {
                if !error.isWouldBlock && error.errno != ECONNABORTED {
                    // EMFILE/ENFILE/ENOBUFS: the pending client stays in
                    // the backlog and is retried on the next wakeup.
                    logger.warning("xenstore socket: accept failed",
                                   metadata: ["error": "\(SocketSys.describe(error.errno))"])
                }
                return
            }
            guard clients.count < Self.maxClients else {
                if !loggedFull {
                    logger.warning("xenstore socket: too many clients; refusing new ones",
                                   metadata: ["limit": "\(Self.maxClients)"])
                    loggedFull = true
                }
                SocketSys.close(fd)
                continue
            }
            // Socket clients act for domain 0 and are privileged, as
            // xenstored's socket connections are (`new_connection` leaves
            // `id` 0). Access control is the socket file's mode, 0600.
            let wakeup = self.wakeup
            let connection = daemon.connect(domid: DomID(rawValue: 0)) { wakeup.signal() }
            clients.append(SocketClient(fd: fd, connection: connection))
            logger.debug("xenstore socket: client connected", metadata: ["connection": "\(connection.rawValue)"])
        }
    }

    /// Handles what poll reported for one client.
    private mutating func serve(_ index: Int, revents: Int16) {
        guard revents != 0 else { return }
        let readable = revents & Int16(POLLIN | POLLHUP | POLLERR) != 0
        if readable && clients[index].pendingBytes < Self.inputPauseBytes {
            readRequests(index)
        } else if revents & Int16(POLLHUP | POLLERR) != 0 {
            // Not reading (paused) and the peer is gone: nothing we owe it
            // can be delivered.
            clients[index].closeReason = "hung up"
        }
        // POLLOUT needs nothing here: every client is flushed after this pass.
    }

    /// Reads one chunk, frames it, and answers each complete request in
    /// order (xenstored `handle_input` then `process_message`).
    private mutating func readRequests(_ index: Int) {
        let bytes: [UInt8]
        do {
            bytes = try SocketSys.receive(clients[index].fd, maxCount: Self.readChunk)
        } catch {
            if !error.isWouldBlock { clients[index].closeReason = "receive: \(SocketSys.describe(error.errno))" }
            return
        }
        guard !bytes.isEmpty else {
            clients[index].closeReason = "end of stream"
            return
        }
        let messages: [XSMessage]
        do {
            messages = try clients[index].framer.feed(bytes)
        } catch {
            // Xen: a header over XENSTORE_PAYLOAD_MAX is `bad_client`; the
            // connection is dropped and the daemon carries on.
            logger.warning("xenstore socket: client sent an over-long message header; disconnecting it",
                           metadata: ["connection": "\(clients[index].connection.rawValue)", "error": "\(error)"])
            clients[index].closeReason = "protocol error"
            return
        }
        let connection = clients[index].connection
        for message in messages {
            guard let reply = daemon.handle(message, from: connection) else {
                clients[index].closeReason = "connection closed by the daemon"
                return
            }
            logger.trace("xenstore socket request", metadata: [
                "connection": "\(connection.rawValue)", "type": "\(message.type.rawValue)",
                "reply": "\(reply.type.rawValue)",
            ])
            clients[index].output.append(contentsOf: reply.encoded())
            // Events this request caused (a new watch's first event) follow
            // its reply, as they do on xenstored's out_list.
            for event in daemon.takeEvents(for: connection) {
                clients[index].output.append(contentsOf: event.encoded())
            }
        }
    }

    /// Sends as much pending output as the socket takes without blocking
    /// (xenstored `write_messages`).
    private mutating func flush(_ index: Int) {
        while clients[index].pendingBytes > 0 {
            let count: Int
            do {
                count = try SocketSys.send(clients[index].fd, clients[index].output[clients[index].sent...])
            } catch {
                if !error.isWouldBlock { clients[index].closeReason = "send: \(SocketSys.describe(error.errno))" }
                break
            }
            guard count > 0 else { break }
            clients[index].sent += count
        }
        if clients[index].pendingBytes == 0 {
            let keep = clients[index].output.capacity <= Self.inputPauseBytes
            clients[index].output.removeAll(keepingCapacity: keep)
            clients[index].sent = 0
        } else if clients[index].sent >= Self.inputPauseBytes {
            clients[index].output.removeFirst(clients[index].sent)
            clients[index].sent = 0
        }
        if clients[index].closeReason == nil && clients[index].pendingBytes > Self.maxOutputBytes {
            logger.warning("xenstore socket: client does not read its replies and watch events; disconnecting it",
                           metadata: ["connection": "\(clients[index].connection.rawValue)",
                                      "pending": "\(clients[index].pendingBytes)"])
            clients[index].closeReason = "output backlog"
        }
    }

    /// Drops the clients marked for closing (xenstored `destroy_conn`): the
    /// daemon forgets their watches and transactions, the socket is closed.
    private mutating func removeClosed() {
        guard clients.contains(where: { $0.closeReason != nil }) else { return }
        for client in clients {
            guard let reason = client.closeReason else { continue }
            daemon.disconnect(client.connection)
            SocketSys.close(client.fd)
            logger.debug("xenstore socket: client disconnected",
                         metadata: ["connection": "\(client.connection.rawValue)", "reason": "\(reason)"])
        }
        clients.removeAll { $0.closeReason != nil }
        if clients.count < Self.maxClients { loggedFull = false }
    }

    private mutating func closeAll() {
        for index in clients.indices where clients[index].closeReason == nil {
            clients[index].closeReason = "server stopped"
        }
        removeClosed()
    }
}
