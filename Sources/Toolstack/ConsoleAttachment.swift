// `xenolith create -c` and `xenolith console`: the guest console on this
// process's stdin/stdout, as `xl console` does it: the terminal in raw mode
// while attached (so the guest's own line discipline handles echo, ^C and
// line editing), Ctrl-] detaches (the domain keeps running), the terminal
// is restored on detach and when the domain ends.
import Foundation
import Glibc

final class ConsoleAttachment: @unchecked Sendable {
    // @unchecked: `attached` and `saved` are guarded by `lock`.
    private let lock = NSLock()
    private var attached = true
    private var saved: termios?
    private let input: @Sendable ([UInt8]) -> Void
    private let onDetach: (@Sendable () -> Void)?
    /// Ctrl-], xl console's escape character.
    static let escape: UInt8 = 0x1d

    /// `input` gets the keystrokes; `onDetach` runs once, after Ctrl-].
    init(input: @escaping @Sendable ([UInt8]) -> Void, onDetach: (@Sendable () -> Void)? = nil) {
        self.input = input
        self.onDetach = onDetach
    }

    var isAttached: Bool { lock.lock(); defer { lock.unlock() }; return attached }

    /// Puts a terminal on stdin in raw mode and starts forwarding stdin.
    func start() {
        if isatty(STDIN_FILENO) == 1 {
            var t = termios()
            if tcgetattr(STDIN_FILENO, &t) == 0 {
                lock.lock(); saved = t; lock.unlock()
                var raw = t
                cfmakeraw(&raw)
                // Keep output post-processing: our own diagnostics still get \r\n.
                raw.c_oflag |= tcflag_t(OPOST | ONLCR)
                tcsetattr(STDIN_FILENO, TCSANOW, &raw)
            }
        }
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while isAttached {
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }  // EOF: keep the console output, stop reading
            let chunk = buffer[0..<n]
            if let i = chunk.firstIndex(of: Self.escape) {
                if i > 0 { input(Array(chunk[..<i])) }
                detach()
                return
            }
            input(Array(chunk))
        }
    }

    /// Stops forwarding in both directions and restores the terminal.
    func detach() {
        lock.lock()
        let wasAttached = attached
        attached = false
        lock.unlock()
        restoreTerminal()
        if wasAttached {
            FileHandle.standardError.write(Data("\n[xenolith: console detached; the domain keeps running]\n".utf8))
            onDetach?()
        }
    }

    func restoreTerminal() {
        lock.lock()
        let t = saved
        saved = nil
        lock.unlock()
        if var t { tcsetattr(STDIN_FILENO, TCSANOW, &t) }
    }
}
