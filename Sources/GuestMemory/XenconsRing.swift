// Xen: public/io/console.h. The two byte rings of a PV console page, as the
// backend (xenconsoled, QEMU's xen_console) drives them: `out` carries what
// the guest writes, `in` what it reads.
//
// It lives here, beside the memory it reads, because two layers serve
// console rings: Platform the start_info console (console 0, its page a
// machine frame the builder chose) and Backends the secondary consoles
// (their pages granted by the frontend). Both sit above GuestMemory and
// neither may import the other.
import XenABI

/// The backend's view of one `struct xencons_interface` in guest memory.
///
/// Every index is the guest's to scribble on, so each call reads the
/// indices once, checks `prod - cons <= size` (Linux hvc_xen checks the
/// same in `__write_console`/`domU_read_console`), and only then touches
/// the bytes, masked into the ring (`MASK_XENCONS_IDX`). A page whose
/// indices fail the check has its data dropped and the ring made empty
/// again (the consumer index the backend owns is set to the producer's),
/// so garbage never traps the caller and a guest that resets its ring
/// carries on. Ordering: a producer index is loaded with acquire before
/// the bytes it covers are read; bytes are written before the producer
/// index is stored with release; a consumer index is stored with release
/// after the bytes are copied out (xenconsoled's mb()/wmb()).
///
/// A value type holding the page's machine address; callers serialise
/// their use of one page (each ring has one backend).
public struct XenconsRing: Sendable {
    /// Why a call did nothing (or dropped data).
    public enum Fault: Error, Equatable, Sendable, CustomStringConvertible {
        /// `out_prod - out_cons` exceeds the 2048 bytes of `out`: the guest's
        /// output was dropped and `out_cons` set to `out_prod`.
        case outIndices(prod: UInt32, cons: UInt32)
        /// `in_prod - in_cons` exceeds the 1024 bytes of `in`: nothing was
        /// written and `in_prod` was set to `in_cons`.
        case inIndices(prod: UInt32, cons: UInt32)
        /// The page is not guest memory (a caller bug: pages are checked
        /// when the ring is set up).
        case unreachable

        public var description: String {
            switch self {
            case .outIndices(let p, let c):
                return "console ring: bogus output indices (out_prod \(p) - out_cons \(c) > \(XenconsInterface.outCount)); output dropped"
            case .inIndices(let p, let c):
                return "console ring: bogus input indices (in_prod \(p) - in_cons \(c) > \(XenconsInterface.inCount)); input dropped"
            case .unreachable:
                return "console ring page is not guest memory"
            }
        }
    }

    public let memory: GuestMemory
    /// Machine address of the page (`struct xencons_interface` at offset 0).
    public let base: UInt64

    /// The ring at `base`, which must be a 4-byte aligned address; the
    /// page's reachability is checked per call.
    public init(memory: GuestMemory, base: UInt64) {
        precondition(base & 3 == 0, "xencons_interface is at least 4-byte aligned")
        self.memory = memory
        self.base = base
    }

    private func address(_ offset: Int) -> UInt64 { base + UInt64(offset) }

    // MARK: out: guest -> backend

    /// Bytes the guest has written and we have not consumed (0...2048).
    public func pendingOutput() throws(Fault) -> Int {
        let (prod, cons) = try outIndices()
        let n = prod &- cons
        guard n <= UInt32(XenconsInterface.outCount) else { throw .outIndices(prod: prod, cons: cons) }
        return Int(n)
    }

    /// Copies out at most `max` bytes the guest wrote and consumes them
    /// (advances `out_cons`). Empty when there is nothing (or `max` is 0).
    ///
    /// On bogus indices the output is dropped (`out_cons = out_prod`) and
    /// `.outIndices` thrown, so the caller can log it once.
    public func takeOutput(max: Int = XenconsInterface.outCount) throws(Fault) -> [UInt8] {
        let (prod, cons) = try outIndices()
        let available = prod &- cons
        guard available <= UInt32(XenconsInterface.outCount) else {
            try store(prod, XenconsInterface.Offset.outCons)
            throw .outIndices(prod: prod, cons: cons)
        }
        let n = min(Int(available), Swift.max(0, max))
        guard n > 0 else { return [] }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(n)
        // At most two runs: to the end of `out`, then from its start.
        var index = cons
        var left = n
        while left > 0 {
            let at = XenconsInterface.maskOutIdx(index)
            let run = min(left, XenconsInterface.outCount - at)
            do {
                bytes += try memory.read(at: address(XenconsInterface.outOffset(at)), count: run)
            } catch {
                throw .unreachable
            }
            index &+= UInt32(run)
            left -= run
        }
        try store(index, XenconsInterface.Offset.outCons)
        return bytes
    }

    // MARK: in: backend -> guest

    /// Free bytes in `in` (0...1024).
    public func inputRoom() throws(Fault) -> Int {
        let (prod, cons) = try inIndices()
        let used = prod &- cons
        guard used <= UInt32(XenconsInterface.inCount) else { throw .inIndices(prod: prod, cons: cons) }
        return XenconsInterface.inCount - Int(used)
    }

    /// Writes as many leading bytes of `bytes` as fit into `in` and
    /// publishes them (advances `in_prod`); returns how many went in.
    ///
    /// On bogus indices nothing is written, `in_prod` is set to `in_cons`
    /// (an empty ring) and `.inIndices` thrown: the caller drops its input.
    public func putInput(_ bytes: some Collection<UInt8>) throws(Fault) -> Int {
        let (prod, cons) = try inIndices()
        let used = prod &- cons
        guard used <= UInt32(XenconsInterface.inCount) else {
            try store(cons, XenconsInterface.Offset.inProd)
            throw .inIndices(prod: prod, cons: cons)
        }
        let n = min(bytes.count, XenconsInterface.inCount - Int(used))
        guard n > 0 else { return 0 }
        let chunk = Array(bytes.prefix(n))
        var index = prod
        var done = 0
        // At most two runs, as in takeOutput.
        while done < n {
            let at = XenconsInterface.maskInIdx(index)
            let run = min(n - done, XenconsInterface.inCount - at)
            do {
                try memory.write(chunk[done ..< done + run], at: address(XenconsInterface.inOffset(at)))
            } catch {
                throw .unreachable
            }
            done += run
            index &+= UInt32(run)
        }
        try store(index, XenconsInterface.Offset.inProd)
        return n
    }

    // MARK: Indices

    /// (out_prod, out_cons): the producer with acquire, so the bytes are
    /// read after it.
    private func outIndices() throws(Fault) -> (prod: UInt32, cons: UInt32) {
        do {
            let prod = try memory.loadAcquire32(at: address(XenconsInterface.Offset.outProd))
            let cons = try memory.loadAcquire32(at: address(XenconsInterface.Offset.outCons))
            return (prod, cons)
        } catch {
            throw .unreachable
        }
    }

    /// (in_prod, in_cons): the consumer with acquire, so the guest's reads
    /// of the bytes it consumed are done before we overwrite them.
    private func inIndices() throws(Fault) -> (prod: UInt32, cons: UInt32) {
        do {
            let cons = try memory.loadAcquire32(at: address(XenconsInterface.Offset.inCons))
            let prod = try memory.loadAcquire32(at: address(XenconsInterface.Offset.inProd))
            return (prod, cons)
        } catch {
            throw .unreachable
        }
    }

    private func store(_ value: UInt32, _ offset: Int) throws(Fault) {
        do {
            try memory.storeRelease32(value, at: address(offset))
        } catch {
            throw .unreachable
        }
    }
}
