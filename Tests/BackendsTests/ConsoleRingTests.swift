// The console ring page (public/io/console.h) as GuestMemory.XenconsRing
// serves it to both console backends: byte order across the wrap of each
// array and of the 32-bit indices, the limits, and hostile indices, which
// must drop data and never reach outside the page.
import GuestMemory
import Testing
import XenABI
@testable import Backends

/// The guest's end of one xencons_interface page: what hvc_xen's
/// `__write_console` and `domU_read_console` do.
struct GuestConsole {
    let memory: GuestMemory
    let base: UInt64

    func index(_ offset: Int) throws -> UInt32 {
        try memory.loadAcquire32(at: base + UInt64(offset))
    }

    func setIndex(_ offset: Int, _ value: UInt32) throws {
        try memory.storeRelease32(value, at: base + UInt64(offset))
    }

    /// Writes `bytes` at `out_prod` (no room check: tests keep within 2048).
    func write(_ bytes: [UInt8]) throws {
        var prod = try index(XenconsInterface.Offset.outProd)
        for b in bytes {
            try memory.store(b, at: base + UInt64(XenconsInterface.outOffset(XenconsInterface.maskOutIdx(prod))))
            prod &+= 1
        }
        try setIndex(XenconsInterface.Offset.outProd, prod)
    }

    /// Reads and consumes everything in `in`.
    func read() throws -> [UInt8] {
        var cons = try index(XenconsInterface.Offset.inCons)
        let prod = try index(XenconsInterface.Offset.inProd)
        var out: [UInt8] = []
        while cons != prod {
            out.append(try memory.load(UInt8.self, at: base + UInt64(XenconsInterface.inOffset(XenconsInterface.maskInIdx(cons)))))
            cons &+= 1
        }
        try setIndex(XenconsInterface.Offset.inCons, cons)
        return out
    }

    /// Starts every index at `start` (to test wrap-around).
    func reset(at start: UInt32) throws {
        for o in [XenconsInterface.Offset.inCons, XenconsInterface.Offset.inProd,
                  XenconsInterface.Offset.outCons, XenconsInterface.Offset.outProd] {
            try setIndex(o, start)
        }
    }
}

@Suite struct ConsoleRingTests {
    /// A fresh page of a test guest, with the backend's ring over it.
    func page(start: UInt32 = 0) throws -> (Frontend, XenconsRing, GuestConsole, UInt64) {
        let fe = try Frontend()
        let frame = try fe.allocPage()
        let guest = GuestConsole(memory: fe.memory, base: frame << 12)
        try guest.reset(at: start)
        return (fe, XenconsRing(memory: fe.memory, base: frame << 12), guest, frame)
    }

    @Test(arguments: [UInt32(0), 2040, 0xFFFF_FFF0, 0xFFFF_FBFF])
    func outputInOrderAcrossBothWraps(start: UInt32) throws {
        let (_, ring, guest, _) = try page(start: start)
        var expected: [UInt8] = []
        var got: [UInt8] = []
        for round in 0..<6 {
            let chunk = (0..<(700 + round * 100)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ round) }
            try guest.write(chunk)
            expected += chunk
            #expect(try ring.pendingOutput() == chunk.count)
            got += try ring.takeOutput()
            #expect(try ring.pendingOutput() == 0)
        }
        #expect(got == expected)
        #expect(try guest.index(XenconsInterface.Offset.outCons) == start &+ UInt32(expected.count))
    }

    @Test func takeOutputHonoursMax() throws {
        let (_, ring, guest, _) = try page()
        try guest.write(Array(1...100))
        #expect(try ring.takeOutput(max: 30) == Array(1...30))
        #expect(try ring.takeOutput(max: 0) == [])
        #expect(try ring.takeOutput(max: -5) == [])
        #expect(try ring.takeOutput() == Array(31...100))
        #expect(try ring.takeOutput() == [])
    }

    @Test(arguments: [UInt32(0), 1000, 0xFFFF_FE00])
    func inputFillsTheRingAndWraps(start: UInt32) throws {
        let (_, ring, guest, _) = try page(start: start)
        #expect(try ring.inputRoom() == 1024)
        let bytes = (0..<1500).map { UInt8(truncatingIfNeeded: $0 * 13) }
        #expect(try ring.putInput(bytes) == 1024)              // full
        #expect(try ring.inputRoom() == 0)
        #expect(try ring.putInput([1, 2, 3]) == 0)
        #expect(try guest.read() == Array(bytes.prefix(1024)))
        #expect(try ring.putInput(bytes.dropFirst(1024)) == 476)
        #expect(try guest.read() == Array(bytes.dropFirst(1024)))
        #expect(try guest.index(XenconsInterface.Offset.inProd) == start &+ 1500)
    }

    @Test(arguments: [(UInt32(2049), UInt32(0)), (0, 1), (0x8000_0000, 0), (5, 0xFFFF_0000)])
    func bogusOutputIndicesDropTheOutput(prod: UInt32, cons: UInt32) throws {
        let (fe, ring, guest, frame) = try page()
        try guest.setIndex(XenconsInterface.Offset.outProd, prod)
        try guest.setIndex(XenconsInterface.Offset.outCons, cons)
        let before = try fe.ramSnapshot(excluding: [frame])
        #expect(throws: XenconsRing.Fault.outIndices(prod: prod, cons: cons)) { try ring.takeOutput() }
        // Dropped: the ring is consistent (and empty) again.
        #expect(try guest.index(XenconsInterface.Offset.outCons) == prod)
        #expect(try ring.takeOutput() == [])
        try guest.write([0x41, 0x42])
        #expect(try ring.takeOutput() == [0x41, 0x42])
        #expect(try fe.ramSnapshot(excluding: [frame]) == before)
    }

    @Test(arguments: [(UInt32(1025), UInt32(0)), (0, 1), (7, 0x9000_0000)])
    func bogusInputIndicesWriteNothing(prod: UInt32, cons: UInt32) throws {
        let (fe, ring, guest, frame) = try page()
        try guest.setIndex(XenconsInterface.Offset.inProd, prod)
        try guest.setIndex(XenconsInterface.Offset.inCons, cons)
        let page = try fe.page(frame)
        #expect(throws: XenconsRing.Fault.inIndices(prod: prod, cons: cons)) { try ring.inputRoom() }
        #expect(throws: XenconsRing.Fault.inIndices(prod: prod, cons: cons)) { try ring.putInput([1, 2, 3]) }
        // Not a byte of `in` was written; in_prod now equals in_cons.
        var after = try fe.page(frame)
        #expect(Array(after[0..<1024]) == Array(page[0..<1024]))
        #expect(try guest.index(XenconsInterface.Offset.inProd) == cons)
        #expect(try ring.putInput([9]) == 1)
        after = try fe.page(frame)
        #expect(after[XenconsInterface.maskInIdx(cons)] == 9)
    }

    /// Random indices and contents: every call either succeeds within the
    /// limits or reports a fault, and nothing outside the page changes.
    @Test func hostileIndicesNeverLeaveThePage() throws {
        let (fe, ring, guest, frame) = try page()
        let before = try fe.ramSnapshot(excluding: [frame])
        var rng = SplitMix(state: 0xC0_FFEE)
        for _ in 0..<2000 {
            for o in [XenconsInterface.Offset.inCons, XenconsInterface.Offset.inProd,
                      XenconsInterface.Offset.outCons, XenconsInterface.Offset.outProd] {
                let v = UInt32(truncatingIfNeeded: rng.next())
                // Mostly near each other, sometimes anywhere.
                try guest.setIndex(o, rng.next() % 4 == 0 ? v : v & 0xFFF)
            }
            do {
                let out = try ring.takeOutput()
                #expect(out.count <= XenconsInterface.outCount)
            } catch {
                #expect(error != .unreachable)
            }
            do {
                let n = try ring.putInput([UInt8](repeating: 0xEE, count: Int(rng.next() % 1500)))
                #expect(n <= XenconsInterface.inCount)
            } catch {
                #expect(error != .unreachable)
            }
        }
        #expect(try fe.ramSnapshot(excluding: [frame]) == before)
    }

    @Test func pageOutsideGuestMemoryIsAFaultNotATrap() throws {
        let fe = try Frontend(ramPages: 16)
        let ring = XenconsRing(memory: fe.memory, base: 64 << 12)
        #expect(throws: XenconsRing.Fault.unreachable) { try ring.takeOutput() }
        #expect(throws: XenconsRing.Fault.unreachable) { try ring.putInput([1]) }
    }
}
