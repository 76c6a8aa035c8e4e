// Console input: bytes typed on the attached terminal go into the `in`
// half of the start_info console ring (public/io/console.h: struct
// xencons_interface { char in[1024]; char out[2048]; XENCONS_RING_IDX
// in_cons, in_prod, out_cons, out_prod; }), then the console event channel
// fires. What does not fit waits in `pendingConsoleInput` until the guest
// consumes input and notifies the port again (drainConsole calls
// flushConsoleInput).
extension Domain {
    static let consoleInSize: UInt32 = 1024
    static let consoleInConsOffset: UInt64 = 3072
    static let consoleInProdOffset: UInt64 = 3076

    /// Queues `bytes` for the guest's console and delivers what fits.
    public func consoleInput(_ bytes: [UInt8]) {
        consoleLock.lock()
        pendingConsoleInput.append(contentsOf: bytes)
        consoleLock.unlock()
        flushConsoleInput()
    }

    /// Moves pending input into the ring; raises the console port if any
    /// byte went in. Garbage indices from the guest drop the input.
    func flushConsoleInput() {
        consoleLock.lock()
        let delivered = flushConsoleInputLocked()
        consoleLock.unlock()
        if delivered { raise(port: consolePort) }
    }

    private func flushConsoleInputLocked() -> Bool {
        guard !pendingConsoleInput.isEmpty else { return false }
        let r = consoleRing
        guard let cons = try? memory.loadAcquire32(at: r + Self.consoleInConsOffset),
              let prod = try? memory.load(UInt32.self, at: r + Self.consoleInProdOffset) else { return false }
        let used = prod &- cons
        guard used <= Self.consoleInSize else {
            // The guest broke its own ring: drop what we hold rather than trust the indices.
            pendingConsoleInput.removeAll()
            return false
        }
        let room = Int(Self.consoleInSize - used)
        let n = min(room, pendingConsoleInput.count)
        guard n > 0 else { return false }
        var p = prod
        for b in pendingConsoleInput.prefix(n) {
            try? memory.store(b, at: r + UInt64(p & (Self.consoleInSize - 1)))
            p &+= 1
        }
        pendingConsoleInput.removeFirst(n)
        // The bytes must be visible before the index (the guest reads in_prod first).
        try? memory.storeRelease32(p, at: r + Self.consoleInProdOffset)
        return true
    }
}
