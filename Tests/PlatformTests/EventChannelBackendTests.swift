// A backend binding the guest's alloc_unbound port (Domain.bindBackend):
// the guest's send reaches the backend's handler, the backend's raise sets
// the guest's pending bit, and a guest close or a backend unbind leave both
// sides consistent. Xen: evtchn_alloc_unbound, evtchn_bind_interdomain,
// evtchn_send, evtchn_close (xen/common/event_channel.c).
import Logging
@testable import Platform
import Synchronization
import Testing
import XenABI

@Suite struct EventChannelBackendTests {
    /// The hypercall argument lives at the fixture's buffer (VA 0x400000).
    static let argVA = MMUFixture.bufferVA + 0xa00
    static let argPA = MMUFixture.buffer << 12 + 0xa00

    func evtchnOp(_ m: MemoryOpFixture, _ op: EvtchnOp) -> Int64 {
        Int64(bitPattern: m.domain.call(m.vcpu, Hypercall.eventChannelOp.rawValue, [UInt64(op.rawValue), Self.argVA, 0, 0, 0]))
    }

    /// EVTCHNOP_alloc_unbound(dom = DOMID_SELF, remote_dom): the new port.
    func allocUnbound(_ m: MemoryOpFixture, remote: UInt16 = 0) throws -> UInt32 {
        try m.f.memory.store(DomID.self_.rawValue, at: Self.argPA)
        try m.f.memory.store(remote, at: Self.argPA + 2)
        #expect(evtchnOp(m, .allocUnbound) == 0)
        return try m.f.memory.load(UInt32.self, at: Self.argPA + 4)
    }

    /// EVTCHNOP_send / EVTCHNOP_close on `port`.
    func portOp(_ m: MemoryOpFixture, _ op: EvtchnOp, _ port: UInt32) throws -> Int64 {
        try m.f.memory.store(port, at: Self.argPA)
        return evtchnOp(m, op)
    }

    @Test func guestSendReachesTheBackendAndRaiseReachesTheGuest() throws {
        let m = try MemoryOpFixture()
        let port = try allocUnbound(m)
        #expect(m.domain.eventChannelState(port: port) == .unbound(remoteDom: 0))
        // Before binding a send goes nowhere (the remote end is not there).
        let calls = Atomic<Int>(0)
        #expect(try portOp(m, .send, port) == 0)
        try m.domain.bindBackend(port: port) { calls.add(1, ordering: .relaxed) }
        guard case .interdomain(remoteDom: 0, _) = m.domain.eventChannelState(port: port) else {
            Issue.record("bound port is \(m.domain.eventChannelState(port: port))")
            return
        }
        #expect(try portOp(m, .send, port) == 0)
        #expect(try portOp(m, .send, port) == 0)
        #expect(calls.load(ordering: .relaxed) == 2)
        #expect(!m.domain.isPending(port: port))
        m.domain.raise(port: port)
        #expect(m.domain.isPending(port: port))
        // A second bind of the same port is refused.
        #expect(throws: XenErrno.EINVAL) { try m.domain.bindBackend(port: port) {} }

        m.domain.unbindBackend(port: port)
        #expect(m.domain.eventChannelState(port: port) == .unbound(remoteDom: 0))
        #expect(try portOp(m, .send, port) == 0)
        #expect(calls.load(ordering: .relaxed) == 2)
        // Rebinding after an unbind works (a frontend reconnecting).
        try m.domain.bindBackend(port: port) { calls.add(1, ordering: .relaxed) }
        #expect(try portOp(m, .send, port) == 0)
        #expect(calls.load(ordering: .relaxed) == 3)
    }

    @Test func guestCloseDetachesTheBackend() throws {
        let m = try MemoryOpFixture()
        let port = try allocUnbound(m)
        let calls = Atomic<Int>(0)
        try m.domain.bindBackend(port: port) { calls.add(1, ordering: .relaxed) }
        #expect(try portOp(m, .close, port) == 0)
        #expect(m.domain.eventChannelState(port: port) == .free)
        // The backend's later unbind is a no-op; the port number is reusable
        // by the guest and a new port there does not reach the old handler.
        m.domain.unbindBackend(port: port)
        #expect(m.domain.eventChannelState(port: port) == .free)
        let again = try allocUnbound(m)
        #expect(again == port)
        #expect(try portOp(m, .send, again) == 0)
        #expect(calls.load(ordering: .relaxed) == 0)
    }

    @Test("only ports unbound to domain 0 can be bound", arguments: [
        "free", "out of range", "unbound to self", "console", "zero",
    ])
    func bindRefused(_ what: String) throws {
        let m = try MemoryOpFixture()
        let port: UInt32
        switch what {
        case "free": port = 100
        case "out of range": port = UInt32(EventChannel.maxPorts)
        case "unbound to self": port = try allocUnbound(m, remote: DomID.self_.rawValue)
        case "console": port = m.domain.consolePort
        default: port = 0
        }
        #expect(throws: XenErrno.EINVAL) { try m.domain.bindBackend(port: port) {} }
    }

    @Test func nrGrantFramesFollowsSetupTable() throws {
        let m = try MemoryOpFixture()
        #expect(m.domain.nrGrantFrames == 0)
        // struct gnttab_setup_table { dom; nr_frames; status; frame_list }
        try m.f.memory.store(DomID.self_.rawValue, at: Self.argPA)
        try m.f.memory.store(UInt32(2), at: Self.argPA + 4)
        try m.f.memory.store(MMUFixture.bufferVA + 0xc00, at: Self.argPA + 16)
        let rc = m.domain.call(m.vcpu, Hypercall.grantTableOp.rawValue, [UInt64(GnttabOp.setupTable.rawValue), Self.argVA, 1, 0, 0])
        #expect(rc == 0)
        #expect(m.domain.nrGrantFrames == 2)
    }
}
