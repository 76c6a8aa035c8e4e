// The domain process's side of `xenolith console`: the guest's recent
// console output in a bounded ring (what an attaching client sees first,
// like the backlog xenconsoled keeps for a pty nobody reads), and the one
// attached client, fed by a writer thread of its own so that a slow
// client never blocks the vCPU thread that produced the output.
//
// Xen: tools/console/daemon/io.c (the per-domain buffer, bounded by
// console/limit, discarding the oldest bytes) and tools/xl/xl_console.c.
import Foundation

/// Bytes in a bounded ring, addressed by absolute position (bytes ever
/// appended), so a reader can tell what it missed.
struct ConsoleRing: Sendable {
    let capacity: Int
    private var storage: [UInt8]
    /// Bytes ever appended; the ring holds `oldest ..< total`.
    private(set) var total: UInt64 = 0
    /// Nothing before this is held (`discardAll`).
    private var floor: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        storage = [UInt8](repeating: 0, count: capacity)
    }

    /// The oldest position still held.
    var oldest: UInt64 { max(floor, total > UInt64(capacity) ? total - UInt64(capacity) : 0) }

    /// Forgets what is held; positions go on.
    mutating func discardAll() { floor = total }

    mutating func append(_ bytes: [UInt8]) {
        // Only the last `capacity` bytes of a large write can survive.
        let kept = bytes.count > capacity ? Array(bytes.suffix(capacity)) : bytes
        total += UInt64(bytes.count - kept.count)
        for b in kept {
            storage[Int(total % UInt64(capacity))] = b
            total += 1
        }
    }

    /// The bytes from `position` to the end (from the oldest held, if
    /// `position` is older).
    func bytes(from position: UInt64) -> [UInt8] {
        let start = max(position, oldest)
        guard start < total else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(Int(total - start))
        for p in start..<total { out.append(storage[Int(p % UInt64(capacity))]) }
        return out
    }
}

/// The ring, and at most one attached client.
final class ConsoleHub: @unchecked Sendable {
    // @unchecked: all state is guarded by `condition`.
    private let condition = NSCondition()
    private var ring: ConsoleRing
    /// The attached client's number; 0 when none.
    private var attached: UInt64 = 0
    private var nextClient: UInt64 = 1
    private var closed = false

    /// 16 KiB: a few screens of output.
    init(capacity: Int = 16 * 1024) {
        ring = ConsoleRing(capacity: capacity)
    }

    /// Guest console output (any thread; never blocks on a client).
    func output(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        condition.lock()
        ring.append(bytes)
        condition.broadcast()
        condition.unlock()
    }

    /// A new client, which starts at the oldest byte held; nil if another
    /// client is attached or the domain is ending.
    func attach() -> (client: UInt64, cursor: UInt64)? {
        condition.lock(); defer { condition.unlock() }
        guard attached == 0, !closed else { return nil }
        attached = nextClient
        nextClient += 1
        return (attached, ring.oldest)
    }

    func detach(_ client: UInt64) {
        condition.lock()
        if attached == client { attached = 0 }
        condition.broadcast()
        condition.unlock()
    }

    var isAttached: Bool {
        condition.lock(); defer { condition.unlock() }
        return attached != 0
    }

    /// Waits for output after `cursor`; returns it and advances `cursor`.
    /// Nil once `client` is detached, or the hub is closed and everything
    /// was delivered.
    func next(_ client: UInt64, cursor: inout UInt64) -> [UInt8]? {
        condition.lock(); defer { condition.unlock() }
        while attached == client && !closed && cursor >= ring.total { condition.wait() }
        guard attached == client else { return nil }
        let bytes = ring.bytes(from: cursor)
        cursor = ring.total
        return bytes.isEmpty ? nil : bytes
    }

    /// A new incarnation of the domain (on_reboot="restart"): a client that
    /// attaches from now on sees only its output, as `xl console` sees only
    /// the new domain xl creates on a restart. An attached client goes on.
    func newIncarnation() {
        condition.lock()
        ring.discardAll()
        condition.unlock()
    }

    /// The domain is ending: the client gets what is left, then end of file.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
