// The console backend's loop: one thread per console polls the wakeup pipe
// (event-channel kicks, stop), the listening socket or the connected
// client, or the pty master, and moves bytes between them and the guest's
// ring. The shape of xenconsoled's `handle_io` (tools/console/daemon/io.c)
// and QEMU's xen_console `xencons_send`/`xencons_receive`, for one console.
import Glibc
import GuestMemory
import XenABI

extension ConsoleBackend {
    /// Serves the console until `stop()`: accepts socket clients one at a
    /// time, copies guest output to the host end and host input into the
    /// guest's ring, raising the frontend's event channel whenever the ring
    /// changed. Run it on a dedicated thread; it returns after `stop()`,
    /// having closed the socket client.
    public func run() {
        var state = LoopState()
        defer { state.closeClient(self, reason: nil) }
        while !wakeup.stopRequested {
            // Move what can move until nothing does (bounded, so a stop
            // request is seen even under a steady stream).
            var rounds = 0
            while rounds < 64 && pump(&state) { rounds += 1 }
            guard let wakeFD = wakeup.pollFD else { return }
            var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let host = hostPoll(state)
            if let host { fds.append(pollfd(fd: host.fd, events: host.events, revents: 0)) }
            do {
                _ = try ConsoleSys.poll(&fds, timeoutMilliseconds: -1)
            } catch {
                // Only EINVAL/ENOMEM are possible: nothing a retry fixes.
                logger.error("console backend: poll failed: \(error); console stopped")
                return
            }
            if fds[0].revents != 0 && wakeup.drain() { return }
            if let host, fds.count > 1, fds[1].revents != 0 {
                handleHost(&state, host, revents: fds[1].revents)
            }
        }
    }

    // MARK: - One round

    /// Copies between the ring and the buffers, then from the output
    /// buffer to the host end; true if anything moved.
    func pump(_ state: inout LoopState) -> Bool {
        var progress = false
        // Back-pressure only towards a socket client that is there to read.
        let backPressure = listener != nil && state.client != nil
        let notify: (@Sendable () -> Void)? = connection.withLock { c -> (@Sendable () -> Void)? in
            guard case .attached(let a) = c else { return nil }
            var changed = false
            let room = backPressure ? options.bufferLimit - state.output.count : XenconsInterface.outCount
            if room > 0 {
                do throws(XenconsRing.Fault) {
                    let bytes = try a.ring.takeOutput(max: min(room, XenconsInterface.outCount))
                    if !bytes.isEmpty {
                        changed = true
                        progress = true
                        buffer(bytes, into: &state)
                    }
                } catch {
                    changed = true
                    ringFault(error)
                }
            }
            if !state.input.isEmpty {
                do throws(XenconsRing.Fault) {
                    let n = try a.ring.putInput(state.input)
                    if n > 0 {
                        state.input.removeFirst(n)
                        metrics.update { $0.bytesIn += UInt64(n) }
                        changed = true
                        progress = true
                    }
                } catch {
                    metrics.update { $0.droppedByRingFaults += UInt64(state.input.count) }
                    state.input.removeAll()
                    ringFault(error)
                }
            }
            return changed ? a.notify : nil
        }
        notify?()
        if !state.output.isEmpty, flushOutput(&state) { progress = true }
        return progress
    }

    /// Appends guest output to the buffer; what does not fit is dropped.
    private func buffer(_ bytes: [UInt8], into state: inout LoopState) {
        let room = max(0, options.bufferLimit - state.output.count)
        state.output.append(contentsOf: bytes.prefix(room))
        if bytes.count > room {
            let lost = bytes.count - room
            metrics.update { $0.droppedOut += UInt64(lost) }
            metrics.logOnce(logger, key: "dropped",
                            "console: nobody reads the host end; guest output beyond \(options.bufferLimit) buffered bytes is dropped")
        }
    }

    private func ringFault(_ fault: XenconsRing.Fault) {
        metrics.update { $0.ringFaults += 1 }
        metrics.logOnce(logger, key: "ring", "console: \(fault)")
    }

    /// Writes buffered output to the socket client or the pty; true if
    /// any byte went.
    private func flushOutput(_ state: inout LoopState) -> Bool {
        let fd: Int32
        if let client = state.client {
            fd = client
        } else if let pty {
            fd = pty.master
        } else {
            return false
        }
        do {
            // send(2) on the socket (MSG_NOSIGNAL), write(2) on the pty.
            let n = try state.client != nil ? ConsoleSys.send(fd, state.output.pending)
                                            : ConsoleSys.write(fd, state.output.pending)
            guard n > 0 else { return false }
            state.output.removeFirst(n)
            metrics.update { $0.bytesOut += UInt64(n) }
            return true
        } catch where error.code == EAGAIN || error.code == EWOULDBLOCK {
            return false
        } catch {
            if state.client != nil {
                state.closeClient(self, reason: "\(error)")
            } else {
                metrics.logOnce(logger, key: "pty-write", "console: writing to the pty failed: \(error)")
                state.hostBroken = true
            }
            return false
        }
    }

    // MARK: - The host end

    struct HostPoll {
        enum Kind { case listener, client, pty }
        var kind: Kind
        var fd: Int32
        var events: Int16
    }

    /// What to poll on the host side now, if anything.
    private func hostPoll(_ state: LoopState) -> HostPoll? {
        let wantInput = state.input.count < options.inputLimit
        let wantOutput = !state.output.isEmpty
        var events: Int16 = 0
        if wantInput { events |= Int16(POLLIN) }
        if wantOutput { events |= Int16(POLLOUT) }
        if let listener {
            if let client = state.client {
                // Neither direction possible now: the guest must move first
                // (a hang-up is noticed once it has).
                return events == 0 ? nil : HostPoll(kind: .client, fd: client, events: events)
            }
            return HostPoll(kind: .listener, fd: listener.fd, events: Int16(POLLIN))
        }
        if let pty, !state.hostBroken, events != 0 {
            return HostPoll(kind: .pty, fd: pty.master, events: events)
        }
        return nil
    }

    private func handleHost(_ state: inout LoopState, _ host: HostPoll, revents: Int16) {
        switch host.kind {
        case .listener:
            do {
                let client = try ConsoleSys.accept(host.fd)
                state.client = client
                metrics.update { $0.clients += 1 }
                logger.info("console: socket client connected")
            } catch where error.code == EAGAIN || error.code == EWOULDBLOCK || error.code == ECONNABORTED {
                // Gone before we accepted it.
            } catch {
                metrics.logOnce(logger, key: "accept", "console: accept failed: \(error)")
            }
        case .client, .pty:
            let readable = Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)
            guard host.events & Int16(POLLIN) != 0, revents & readable != 0 else {
                // Writable or hung up with output pending: the next flush
                // writes, or sees the error and closes the client.
                if host.kind == .client, revents & (Int16(POLLHUP) | Int16(POLLERR)) != 0, state.output.isEmpty {
                    state.closeClient(self, reason: "hung up")
                }
                return
            }
            readInput(&state, host)
        }
    }

    private func readInput(_ state: inout LoopState, _ host: HostPoll) {
        let want = options.inputLimit - state.input.count
        guard want > 0 else { return }
        do {
            let bytes = try ConsoleSys.read(host.fd, maxCount: want)
            if bytes.isEmpty {
                if host.kind == .client {
                    state.closeClient(self, reason: nil)
                } else {
                    state.hostBroken = true
                }
                return
            }
            state.input += bytes
        } catch where error.code == EAGAIN || error.code == EWOULDBLOCK {
            return
        } catch {
            if host.kind == .client {
                state.closeClient(self, reason: "\(error)")
            } else {
                metrics.logOnce(logger, key: "pty-read", "console: reading the pty failed: \(error)")
                state.hostBroken = true
            }
        }
    }
}

/// What the loop thread owns.
struct LoopState {
    /// The connected socket client, if any.
    var client: Int32?
    /// Guest output not yet written to the host end.
    var output = ByteQueue()
    /// Host input not yet in the guest's ring.
    var input: [UInt8] = []
    /// The pty failed in a way polling would only repeat.
    var hostBroken = false

    mutating func closeClient(_ backend: ConsoleBackend, reason: String?) {
        guard let c = client else { return }
        ConsoleSys.close(c)
        client = nil
        backend.logger.info("console: socket client disconnected\(reason.map { " (\($0))" } ?? "")")
    }
}

/// A FIFO of bytes: appended at the end, consumed from the front without
/// moving the rest each time.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }
    /// The bytes in order.
    var pending: ArraySlice<UInt8> { storage[head...] }

    mutating func append(contentsOf bytes: some Collection<UInt8>) {
        storage.append(contentsOf: bytes)
    }

    mutating func removeFirst(_ n: Int) {
        precondition(n >= 0 && n <= count)
        head += n
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 * 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}
