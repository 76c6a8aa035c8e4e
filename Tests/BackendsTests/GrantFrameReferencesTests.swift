// GrantAccess with the domain's memory manager behind it
// (GrantFrameReferences): a frame the domain does not own, or a page table
// mapped writable, is refused as Xen's map_grant_ref refuses it, with the
// entry's flags put back; the writable reference is taken with the first
// writable pin and dropped with the last.
import Synchronization
import Testing
import XenABI
@testable import Backends

/// A memory manager that refuses the frames it is told to and records calls.
final class FrameReferenceLog: Sendable {
    let refusals: Mutex<[UInt64: GrantFrameRefusal]> = Mutex([:])
    let calls: Mutex<[String]> = Mutex([])
    /// Writable references held per frame.
    let held: Mutex<[UInt64: Int]> = Mutex([:])

    var references: GrantFrameReferences {
        GrantFrameReferences(
            get: { frame, writable in
                self.calls.withLock { $0.append("get \(frame) \(writable ? "rw" : "ro")") }
                if let refusal = self.refusals.withLock({ $0[frame] }) { return refusal }
                if writable { self.held.withLock { $0[frame, default: 0] += 1 } }
                return nil
            },
            put: { frame, writable in
                self.calls.withLock { $0.append("put \(frame) \(writable ? "rw" : "ro")") }
                if writable { self.held.withLock { $0[frame, default: 0] -= 1 } }
            })
    }
}

@Suite struct GrantFrameReferencesTests {
    let permit = GTF.permitAccess.rawValue
    let reading = GTF.reading.rawValue
    let writing = GTF.writing.rawValue

    func access(_ fe: Frontend, _ log: FrameReferenceLog) -> GrantAccess {
        let frames = fe.setupFrames
        return GrantAccess(memory: fe.memory, tableBase: Frontend.tableBase, ramPages: fe.ramPages,
                           maxFrames: 4, frameReferences: log.references,
                           nrFrames: { frames.value.load(ordering: .relaxed) })
    }

    @Test(arguments: [(GrantFrameRefusal.typed, true), (.notOwned, true), (.notOwned, false)])
    func refusedFramesLeaveTheEntryAsItWas(_ refusal: GrantFrameRefusal, _ writable: Bool) throws {
        let fe = try Frontend()
        let log = FrameReferenceLog()
        let grants = access(fe, log)
        let (frame, ref) = try fe.grantedPage()
        log.refusals.withLock { $0[frame] = refusal }
        let expected: GrantError = refusal == .typed ? .frameTyped(ref, frame: frame) : .frameNotOwned(ref, frame: frame)
        #expect(throws: expected) { try grants.map(ref, writable: writable) }
        #expect(try fe.entry(ref).flags == permit)
        #expect(grants.pinnedCount == 0)
        #expect(log.held.withLock { $0[frame, default: 0] } == 0)
        #expect(expected.status == .generalError)
    }

    @Test func writableReferenceFollowsTheWritablePins() throws {
        let fe = try Frontend()
        let log = FrameReferenceLog()
        let grants = access(fe, log)
        let (frame, ref) = try fe.grantedPage()
        let r = try grants.map(ref, writable: false)             // ownership only
        let w1 = try grants.map(ref, writable: true)             // first writer: a reference
        let w2 = try grants.map(ref, writable: true)             // already writable: nothing more
        #expect(log.held.withLock { $0[frame] } == 1)
        grants.unmap(w1)
        #expect(log.held.withLock { $0[frame] } == 1)
        grants.unmap(w2)                                          // last writer: dropped
        #expect(log.held.withLock { $0[frame] } == 0)
        #expect(try fe.entry(ref).flags == permit | reading)
        grants.unmap(r)
        #expect(log.calls.withLock { $0 } == ["get \(frame) ro", "get \(frame) rw", "put \(frame) rw"])
        #expect(try fe.entry(ref).flags == permit)
    }

    /// A read pin exists; the writable pin is refused by the memory manager:
    /// GTF_writing is cleared again and the read pin keeps working.
    @Test func refusedUpgradeKeepsTheReadPin() throws {
        let fe = try Frontend()
        let log = FrameReferenceLog()
        let grants = access(fe, log)
        let (frame, ref) = try fe.grantedPage(fill: 0x42)
        let r = try grants.map(ref, writable: false)
        log.refusals.withLock { $0[frame] = .typed }
        #expect(throws: GrantError.frameTyped(ref, frame: frame)) { try grants.map(ref, writable: true) }
        #expect(try fe.entry(ref).flags == permit | reading)
        #expect(grants.pinnedCount == 1)
        #expect(unsafe r.baseAddress.load(as: UInt8.self) == 0x42)
        grants.unmap(r)
        #expect(try fe.entry(ref).flags == permit)
        #expect(!log.calls.withLock { $0 }.contains { $0.hasPrefix("put") })
    }
}
