// The start_info console (console 0): the `out` half of its ring page goes
// to the console sink when the guest notifies the console port, and bytes
// typed on the attached terminal go into the `in` half (public/io/console.h,
// through GuestMemory's XenconsRing, which the secondary consoles' backend
// uses too). What does not fit waits in `pendingConsoleInput` until the
// guest consumes input and notifies the port again (EVTCHNOP_send on the
// console port calls drainConsole and flushConsoleInput).
import GuestMemory

extension Domain {
    /// Input held for a guest that does not read its console: beyond this
    /// the newest bytes are dropped (a terminal or pipe can always type
    /// faster than a stopped guest reads).
    static let maxPendingConsoleInput = 64 * 1024

    /// The start_info console ring (machine address `consoleRing`).
    var consoleRingPage: XenconsRing { XenconsRing(memory: memory, base: consoleRing) }

    /// Queues `bytes` for the guest's console and delivers what fits.
    public func consoleInput(_ bytes: [UInt8]) {
        consoleLock.lock()
        let room = Self.maxPendingConsoleInput - pendingConsoleInput.count
        pendingConsoleInput.append(contentsOf: bytes.prefix(max(0, room)))
        consoleLock.unlock()
        if bytes.count > room {
            logOnce("console-input-full", "console: the guest is not reading its console; input beyond \(Self.maxPendingConsoleInput) pending bytes is dropped")
        }
        flushConsoleInput()
    }

    /// Moves pending input into the ring; raises the console port if any
    /// byte went in. Garbage indices from the guest drop the input.
    func flushConsoleInput() {
        consoleLock.lock()
        var delivered = false
        var fault: XenconsRing.Fault?
        if !pendingConsoleInput.isEmpty {
            do {
                let n = try consoleRingPage.putInput(pendingConsoleInput)
                pendingConsoleInput.removeFirst(n)
                delivered = n > 0
            } catch {
                // The guest broke its own ring: drop what we hold rather
                // than trust the indices.
                pendingConsoleInput.removeAll()
                fault = error
            }
        }
        consoleLock.unlock()
        if let fault { logOnce("console-in-ring", "console 0: \(fault)") }
        if delivered { raise(port: consolePort) }
    }

    /// Copies guest console output out of the start_info ring to the
    /// console sink and notifies the guest that there is room again.
    /// Bogus indices drop the output (logged once).
    public func drainConsole() {
        let out: [UInt8]
        do {
            out = try consoleRingPage.takeOutput()
        } catch {
            logOnce("console-out-ring", "console 0: \(error)")
            return
        }
        guard !out.isEmpty else { return }
        host?.consoleOutput(out)
        raise(port: consolePort)
    }
}
