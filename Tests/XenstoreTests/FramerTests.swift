import Testing
import XenABI
@testable import Xenstore

@Suite("message framer")
struct FramerTests {
    let first = XSMessage(type: .write, reqID: 1, payload: b("/a\0value"))
    let second = XSMessage(type: .transactionStart, reqID: 2, payload: [])
    let third = XSMessage(type: .read, reqID: 3, txID: 9, payload: b("/a\0"))

    @Test("one byte at a time")
    func byteByByte() throws {
        var framer = XSMessageFramer()
        var out: [XSMessage] = []
        let stream = first.encoded() + second.encoded() + third.encoded()
        for byte in stream {
            out += try framer.feed([byte])
        }
        #expect(out == [first, second, third])
        #expect(framer.isAtMessageBoundary)
    }

    @Test("several messages, and a zero-length one, in one chunk")
    func oneChunk() throws {
        var framer = XSMessageFramer()
        #expect(try framer.feed(first.encoded() + second.encoded() + third.encoded()) == [first, second, third])
    }

    @Test("split inside the header and inside the payload", arguments: [1, 8, 15, 16, 17, 20, 23])
    func split(at cut: Int) throws {
        var framer = XSMessageFramer()
        let bytes = first.encoded()
        #expect(try framer.feed(bytes[..<cut]).isEmpty)
        #expect(framer.bytesNeeded == (cut < 16 ? 16 - cut : bytes.count - cut))
        #expect(try framer.feed(bytes[cut...]) == [first])
        #expect(framer.bytesNeeded == 16)
    }

    @Test("a payload of exactly XENSTORE_PAYLOAD_MAX is accepted")
    func maximum() throws {
        var framer = XSMessageFramer()
        let big = XSMessage(type: .write, reqID: 5, payload: [UInt8](repeating: 0x41, count: 4096))
        #expect(try framer.feed(big.encoded()) == [big])
    }

    @Test("a header announcing more than 4096 bytes is an error, and stays one")
    func oversized() {
        var framer = XSMessageFramer()
        var header = XSMessage(type: .write, reqID: 5).encoded()
        header[12] = 0x01; header[13] = 0x10  // len = 4097
        #expect(throws: XSWireError.payloadTooLong(len: 4097)) { try framer.feed(header) }
        #expect(throws: XSWireError.payloadTooLong(len: 4097)) { try framer.feed(first.encoded()) }
        framer.reset()
        #expect((try? framer.feed(first.encoded())) == [first])
    }

    @Test("the error comes as soon as the header is complete, before any payload")
    func oversizedSplit() throws {
        var framer = XSMessageFramer()
        let header: [UInt8] = [11, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(try framer.feed(header[..<15]).isEmpty)
        #expect(throws: XSWireError.payloadTooLong(len: 0xFFFF_FFFF)) { try framer.feed(header[15...]) }
    }
}
