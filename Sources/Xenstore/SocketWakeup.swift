// The socket server's control channel: a self-pipe (an AF_UNIX socket pair)
// whose read end sits in the server's poll set. Daemon `onEvent` callbacks
// and `stop()` write a byte to it from any thread; the server thread drains
// it. It plays the part of xenstored's event-channel fd in its poll loop
// (tools/xenstored/core.c `initialize_fds`), for watch events raised by
// other connections.
import Glibc
import Synchronization

/// Wakes the socket server's poll loop from other threads, and carries the
/// request to stop.
///
/// Lock rule: `state` guards both descriptors, so `signal()` never writes to
/// a descriptor that `close()` has released (and the host may have reused);
/// a callback that races with `stop()` finds `nil` and does nothing.
final class SocketWakeup: Sendable {
    private struct State {
        var readFD: Int32?
        var writeFD: Int32?
        var stopRequested = false
        /// The thread running the loop, once it has started.
        var loopThread: pthread_t?
    }

    private let state: Mutex<State>

    init() throws(SocketSys.Failure) {
        let (read, write) = try SocketSys.socketPair()
        state = Mutex(State(readFD: read, writeFD: write))
    }

    /// The descriptor to poll for POLLIN; nil once closed.
    var pollFD: Int32? {
        state.withLock { $0.readFD }
    }

    /// Makes the next (or current) poll return. A full socket buffer
    /// (EAGAIN) means a wakeup is already pending, which is all we need.
    func signal() {
        state.withLock { state in
            guard let fd = state.writeFD else { return }
            _ = try? SocketSys.send(fd, [1][...])
        }
    }

    /// Asks the loop to end, and wakes it.
    func requestStop() {
        state.withLock { $0.stopRequested = true }
        signal()
    }

    /// Empties the channel; whether a stop was requested.
    func drain() -> Bool {
        state.withLock { state in
            if let fd = state.readFD {
                while let bytes = try? SocketSys.receive(fd, maxCount: 256), !bytes.isEmpty {}
            }
            return state.stopRequested
        }
    }

    /// Whether a stop was requested.
    var stopRequested: Bool {
        state.withLock { $0.stopRequested }
    }

    /// Records the calling thread as the loop's thread.
    func markLoopThread() {
        let current = SocketSys.currentThread()
        state.withLock { $0.loopThread = current }
    }

    /// Whether the caller runs on the loop's thread (where waiting for the
    /// loop to end would deadlock).
    var isLoopThread: Bool {
        let current = SocketSys.currentThread()
        return state.withLock { state in state.loopThread.map { SocketSys.sameThread($0, current) } ?? false }
    }

    /// Releases both descriptors. Idempotent.
    func close() {
        state.withLock { state in
            for fd in [state.readFD, state.writeFD].compactMap({ $0 }) { SocketSys.close(fd) }
            state.readFD = nil
            state.writeFD = nil
        }
    }

    deinit {
        close()
    }
}
