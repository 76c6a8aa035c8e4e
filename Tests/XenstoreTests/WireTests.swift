import Testing
import XenABI
@testable import Xenstore

@Suite("xs_wire.h messages")
struct WireTests {
    @Test("golden bytes of a READ request")
    func readGolden() {
        let message = XSMessage(type: .read, reqID: 0x0102_0304, txID: 5, strings: ["/a"])
        #expect(message.encoded() == [
            0x02, 0x00, 0x00, 0x00,  // type = XS_READ
            0x04, 0x03, 0x02, 0x01,  // req_id
            0x05, 0x00, 0x00, 0x00,  // tx_id
            0x03, 0x00, 0x00, 0x00,  // len
            0x2F, 0x61, 0x00,        // "/a\0"
        ])
        #expect(message.header == XsdSockmsg(type: 2, reqID: 0x0102_0304, txID: 5, len: 3))
    }

    @Test("encode then decode is the identity", arguments: [
        XSMessage(type: .write, reqID: 1, txID: 0, payload: b("/x\0value")),
        XSMessage(type: .watchEvent, payload: b("/a\0tok\0")),
        XSMessage(type: .transactionStart, reqID: .max, txID: .max, payload: []),
        XSMessage(type: XSType(rawValue: 0xdead_beef), reqID: 7, txID: 9,
                  payload: [UInt8](repeating: 0xAB, count: XenABI.Xenstore.payloadMax)),
    ])
    func roundTrip(_ message: XSMessage) throws {
        #expect(try XSMessage(decoding: message.encoded()) == message)
    }

    @Test("decode rejects short, long and inconsistent input")
    func decodeErrors() {
        #expect(throws: XSWireError.truncatedHeader(count: 15)) {
            try XSMessage(decoding: [UInt8](repeating: 0, count: 15))
        }
        var tooLong = XSMessage(type: .read).encoded()
        tooLong[12] = 0x01; tooLong[13] = 0x10  // len = 4097
        #expect(throws: XSWireError.payloadTooLong(len: 4097)) { try XSMessage(decoding: tooLong) }
        let short = Array(XSMessage(type: .read, strings: ["/a"]).encoded().dropLast())
        #expect(throws: XSWireError.lengthMismatch(expected: 3, actual: 2)) { try XSMessage(decoding: short) }
    }

    @Test("error replies carry the xsd_errors string and echo the ids", arguments: [
        (XenErrno.EINVAL, "EINVAL"), (.EACCES, "EACCES"), (.EEXIST, "EEXIST"), (.EISDIR, "EISDIR"),
        (.ENOENT, "ENOENT"), (.ENOMEM, "ENOMEM"), (.ENOSPC, "ENOSPC"), (.EIO, "EIO"),
        (.ENOTEMPTY, "ENOTEMPTY"), (.ENOSYS, "ENOSYS"), (.EROFS, "EROFS"), (.EBUSY, "EBUSY"),
        (.EAGAIN, "EAGAIN"), (.EISCONN, "EISCONN"), (.E2BIG, "E2BIG"), (.EPERM, "EPERM"),
        // Not in the table: send_error falls back to the first entry.
        (.ESRCH, "EINVAL"),
    ])
    func errorStrings(_ errno: XenErrno, _ name: String) {
        let request = XSMessage(type: .read, reqID: 42, txID: 3, strings: ["/a"])
        let reply = XSMessage.error(errno, replyingTo: request)
        #expect(reply == XSMessage(type: .error, reqID: 42, txID: 3, payload: b(name + "\0")))
        #expect(reply.errorName == name)
    }

    @Test("message type numbers, including those newer than XenABI's mirror")
    func typeNumbers() {
        #expect(XSType.control.rawValue == 0 && XSType.debug.rawValue == 0)
        #expect(XSType.setTarget.rawValue == 19)
        #expect(XSType.resetWatches.rawValue == XSType.setTarget.rawValue + 2)
        #expect(XSType.directoryPart.rawValue == 22)
        #expect([XSType.getFeature, .setFeature, .getQuota, .setQuota].map(\.rawValue) == [23, 24, 25, 26])
        #expect(XSType.currentTypeCount.rawValue == 27)
        #expect(XSOpTable.ops.count == Int(XSType.currentTypeCount.rawValue))
    }

    @Test("ring interface layout and index mask")
    func ringLayout() {
        #expect(XenABI.Xenstore.ringSize == 1024)
        #expect(XenstoreDomainInterface.Offset.req == 0 && XenstoreDomainInterface.Offset.rsp == 1024)
        #expect(XenstoreDomainInterface.Offset.reqCons == 2048 && XenstoreDomainInterface.Offset.reqProd == 2052)
        #expect(XenstoreDomainInterface.Offset.rspCons == 2056 && XenstoreDomainInterface.Offset.rspProd == 2060)
        #expect(XenstoreDomainInterface.Offset.serverFeatures == 2064)
        #expect(XenstoreDomainInterface.Offset.connection == 2068 && XenstoreDomainInterface.Offset.error == 2072)
        #expect(XenstoreRingPage.byteCount == 2080)  // + evtchn_port
        #expect(XenABI.Xenstore.maskIdx(1024) == 0 && XenABI.Xenstore.maskIdx(0xFFFF_FFFF) == 1023)
        #expect(XSServerFeatures.supported.rawValue == 0b1111)
    }

    @Test("payload strings as get_strings counts them")
    func payloadStrings() {
        #expect(XSPayload.strings(b("a\0bc\0")).map { Array($0) } == [b("a"), b("bc")])
        #expect(XSPayload.strings(b("a\0tail")).map { Array($0) } == [b("a")])
        #expect(XSPayload.strings(b("")).isEmpty)
        #expect(XSPayload.oneArg(b("/a\0")).map { Array($0) } == b("/a"))
        #expect(XSPayload.oneArg(b("/a")) == nil)
        #expect(XSPayload.oneArg(b("/a\0b\0")) == nil)
        #expect(XSPayload.oneArg([]) == nil)
    }

    @Test("numbers parsed as the C library does", arguments: [
        ("42", Int32(42)), (" -7x", -7), ("", 0), ("abc", 0), ("+3", 3), ("99999999999", 1_215_752_191), ("99999999999999999999", -1),
    ])
    func atoi(_ text: String, _ value: Int32) {
        #expect(XSPayload.atoi(b(text)[...]) == value)
    }

    @Test("domid arguments as parse_domid accepts them", arguments: [
        ("0", UInt16?(0)), ("65535", 65535), ("65536", nil), ("7x", nil), ("", 0), ("-1", nil), ("x", nil),
    ])
    func domid(_ text: String, _ value: UInt16?) {
        #expect(XSPayload.domid(b(text)[...]) == value)
    }

    @Test("permission strings", arguments: [
        ("r0", XSPermission(id: 0, perms: .read)), ("w5", XSPermission(id: 5, perms: .write)),
        ("b0x10", XSPermission(id: 16, perms: [.read, .write])), ("n010", XSPermission(id: 8, perms: .none)),
    ])
    func permParse(_ text: String, _ perm: XSPermission) {
        #expect(XSPermission(parsing: b(text)[...]) == perm)
    }

    @Test("malformed permission strings", arguments: ["x1", "r", "r1a", "", "R1"])
    func permReject(_ text: String) {
        #expect(XSPermission(parsing: b(text)[...]) == nil)
    }
}
