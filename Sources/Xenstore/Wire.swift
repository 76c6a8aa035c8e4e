// Xen: public/io/xs_wire.h. Xenstore messages as values: the `struct
// xsd_sockmsg` header with its payload, their byte encoding, and the payload
// conventions of docs/misc/xenstore.txt ("Xenstore protocol details").
//
// The header's constants (XSType, XsdSockmsg, the ring offsets, xsd_errors)
// live in XenABI (IOXsWire.swift); this file adds what a daemon needs on top.
import XenABI

extension XSType {
    // XenABI's mirror of xs_wire.h predates these four; the header now lists
    // them after XS_DIRECTORY_PART, so XS_TYPE_COUNT there is 27.

    /// Read the feature bits of a domain.
    ///
    /// Xen: `XS_GET_FEATURE`, public/io/xs_wire.h.
    public static let getFeature = XSType(rawValue: 23)

    /// Set the feature bits of a domain before it is introduced.
    ///
    /// Xen: `XS_SET_FEATURE`, public/io/xs_wire.h.
    public static let setFeature = XSType(rawValue: 24)

    /// Xen: `XS_GET_QUOTA`, public/io/xs_wire.h.
    public static let getQuota = XSType(rawValue: 25)

    /// Xen: `XS_SET_QUOTA`, public/io/xs_wire.h.
    public static let setQuota = XSType(rawValue: 26)

    /// One more than the highest valid type in the current header (XenABI's
    /// `typeCount` is the older 23).
    ///
    /// Xen: `XS_TYPE_COUNT`, public/io/xs_wire.h.
    public static let currentTypeCount = XSType(rawValue: 27)
}

/// Why a byte sequence is not one xenstore message.
public enum XSWireError: Error, Equatable, Sendable {
    /// Fewer than `XsdSockmsg.size` bytes.
    case truncatedHeader(count: Int)
    /// The header's `len` exceeds XENSTORE_PAYLOAD_MAX; xenstored kills such a
    /// connection (docs/misc/xenstore.txt: "its xenstored connection will be
    /// immediately killed").
    case payloadTooLong(len: UInt32)
    /// The bytes after the header are not exactly `len` long.
    case lengthMismatch(expected: Int, actual: Int)
}

/// One xenstore message: header fields plus payload. Requests and replies
/// share the shape; a reply echoes `reqID` and `txID` (docs/misc/xenstore.txt:
/// "a reply will be returned with type ERROR, and only req_id and tx_id
/// copied from the request").
///
/// Xen: `struct xsd_sockmsg` and the payload that follows it, public/io/xs_wire.h.
public struct XSMessage: Equatable, Sendable {
    /// Xen: `type`.
    public var type: XSType
    /// Xen: `req_id`; echoed in the reply.
    public var reqID: UInt32
    /// Xen: `tx_id`; the transaction, or 0.
    public var txID: UInt32
    /// The `len` bytes that follow the header.
    public var payload: [UInt8]

    public init(type: XSType, reqID: UInt32 = 0, txID: UInt32 = 0, payload: [UInt8] = []) {
        self.type = type
        self.reqID = reqID
        self.txID = txID
        self.payload = payload
    }

    /// A message whose payload is `strings`, each followed by a NUL (the
    /// `<foo>|*` notation of docs/misc/xenstore.txt).
    public init(type: XSType, reqID: UInt32 = 0, txID: UInt32 = 0, strings: [String]) {
        var payload: [UInt8] = []
        for string in strings {
            payload.append(contentsOf: string.utf8)
            payload.append(0)
        }
        self.init(type: type, reqID: reqID, txID: txID, payload: payload)
    }

    /// The header this message is sent with.
    public var header: XsdSockmsg {
        XsdSockmsg(type: type.rawValue, reqID: reqID, txID: txID, len: UInt32(truncatingIfNeeded: payload.count))
    }

    /// Header (little-endian, as x86 lays out `struct xsd_sockmsg`) then payload.
    /// The daemon never builds a payload over XENSTORE_PAYLOAD_MAX.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(XsdSockmsg.size + payload.count)
        for word in [type.rawValue, reqID, txID, UInt32(truncatingIfNeeded: payload.count)] {
            bytes.append(contentsOf: [UInt8(truncatingIfNeeded: word), UInt8(truncatingIfNeeded: word >> 8),
                                      UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 24)])
        }
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Decodes exactly one message.
    public init(decoding bytes: some Collection<UInt8>) throws(XSWireError) {
        let all = Array(bytes)
        guard all.count >= XsdSockmsg.size else { throw .truncatedHeader(count: all.count) }
        let header = XSMessage.decodeHeader(all[0..<XsdSockmsg.size])
        guard header.len <= UInt32(XenABI.Xenstore.payloadMax) else { throw .payloadTooLong(len: header.len) }
        let body = all[XsdSockmsg.size...]
        guard body.count == Int(header.len) else {
            throw .lengthMismatch(expected: Int(header.len), actual: body.count)
        }
        self.init(type: XSType(rawValue: header.type), reqID: header.reqID, txID: header.txID, payload: Array(body))
    }

    /// Reads the four little-endian words of a header from exactly
    /// `XsdSockmsg.size` bytes.
    static func decodeHeader(_ bytes: ArraySlice<UInt8>) -> XsdSockmsg {
        precondition(bytes.count == XsdSockmsg.size, "callers pass exactly one header")
        func word(_ offset: Int) -> UInt32 {
            let start = bytes.startIndex + offset
            return UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8
                | UInt32(bytes[start + 2]) << 16 | UInt32(bytes[start + 3]) << 24
        }
        return XsdSockmsg(type: word(XsdSockmsg.Offset.type), reqID: word(XsdSockmsg.Offset.reqID),
                          txID: word(XsdSockmsg.Offset.txID), len: word(XsdSockmsg.Offset.len))
    }

    /// The XS_ERROR reply to `request`: the `xsd_errors` name of `errno`
    /// and a NUL; errors missing from the table become "EINVAL", as
    /// `send_error` in tools/xenstored/core.c does.
    public static func error(_ errno: XenErrno, replyingTo request: XSMessage) -> XSMessage {
        var payload = Array(XenABI.Xenstore.xsdErrorString(for: errno).description.utf8)
        payload.append(0)
        return XSMessage(type: .error, reqID: request.reqID, txID: request.txID, payload: payload)
    }

    /// For an XS_ERROR message, the error name without its NUL.
    public var errorName: String? {
        guard type == .error else { return nil }
        return String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The payload's NUL-terminated strings (bytes after the last NUL are not
    /// a string), as `get_strings` in tools/xenstored/core.c counts them.
    public var strings: [ArraySlice<UInt8>] {
        XSPayload.strings(payload)
    }
}

/// Payload parsing helpers with the exact acceptance rules of xenstored.
enum XSPayload {
    /// The NUL-terminated strings of `payload`, without their NULs; trailing
    /// bytes without a NUL are ignored (xenstored `get_strings`).
    static func strings(_ payload: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = payload.startIndex
        for index in payload.indices where payload[index] == 0 {
            result.append(payload[start..<index])
            start = index + 1
        }
        return result
    }

    /// The single argument of a one-argument request: the payload must be
    /// non-empty and hold exactly one NUL, at its end (xenstored `onearg`).
    static func oneArg(_ payload: [UInt8]) -> ArraySlice<UInt8>? {
        guard let last = payload.last, last == 0 else { return nil }
        let body = payload[payload.startIndex..<(payload.endIndex - 1)]
        guard !body.contains(0) else { return nil }
        return body
    }

    /// C `isspace` in the "C" locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0d).contains(byte)
    }

    /// C `strtol`/`strtoul` core: leading white space, an optional sign, then
    /// digits of `base` (0 picks 8, 10 or 16 from a 0 / 0x prefix). Returns
    /// the magnitude (saturated), the sign and whether every byte was used.
    private static func strto(_ bytes: ArraySlice<UInt8>, base requested: Int)
        -> (negative: Bool, magnitude: UInt64, consumedAll: Bool, digits: Int)
    {
        var index = bytes.startIndex
        while index < bytes.endIndex, isSpace(bytes[index]) { index += 1 }
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var base = requested
        func at(_ i: Int) -> UInt8? { i < bytes.endIndex ? bytes[i] : nil }
        if base == 0 || base == 16, at(index) == UInt8(ascii: "0"),
           at(index + 1) == UInt8(ascii: "x") || at(index + 1) == UInt8(ascii: "X"),
           let next = at(index + 2), digitValue(next) ?? 99 < 16 {
            base = 16
            index += 2
        } else if base == 0 {
            base = at(index) == UInt8(ascii: "0") ? 8 : 10
        }
        var magnitude: UInt64 = 0
        var digits = 0
        while index < bytes.endIndex, let value = digitValue(bytes[index]), value < base {
            let (product, overflow1) = magnitude.multipliedReportingOverflow(by: UInt64(base))
            let (sum, overflow2) = product.addingReportingOverflow(UInt64(value))
            magnitude = overflow1 || overflow2 ? .max : sum
            digits += 1
            index += 1
        }
        // With no digits, C sets the end pointer to the start of the input.
        let consumedAll = digits == 0 ? bytes.isEmpty : index == bytes.endIndex
        return (negative, magnitude, consumedAll, digits)
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }

    /// C `atoi` as glibc computes it, `(int)strtol(s, NULL, 10)`: trailing
    /// junk is ignored, no digits give 0, overflow saturates then truncates.
    static func atoi(_ bytes: ArraySlice<UInt8>) -> Int32 {
        Int32(truncatingIfNeeded: atol(bytes))
    }

    /// C `strtol(s, NULL, 10)` on LP64: saturating, trailing junk ignored.
    static func atol(_ bytes: ArraySlice<UInt8>) -> Int64 {
        let parsed = strto(bytes, base: 10)
        if parsed.negative {
            return parsed.magnitude > UInt64(Int64.max) ? .min : -Int64(parsed.magnitude)
        }
        return parsed.magnitude > UInt64(Int64.max) ? .max : Int64(parsed.magnitude)
    }

    /// A permission's domain id: `strtol(p, &end, 0)` that must use every byte
    /// and at least one (xenstore_strings_to_perms in
    /// tools/include/xen-tools/xenstore-common.h), stored as `unsigned int`.
    static func permID(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        let parsed = strto(bytes, base: 0)
        guard !bytes.isEmpty, parsed.digits > 0, parsed.consumedAll else { return nil }
        let long: Int64 = parsed.magnitude > UInt64(Int64.max)
            ? (parsed.negative ? .min : .max)
            : (parsed.negative ? -Int64(parsed.magnitude) : Int64(parsed.magnitude))
        return UInt32(truncatingIfNeeded: long)
    }

    /// A `<domid>` argument as `parse_domid` (tools/xenstored/domain.c)
    /// accepts it: `strtoul` base 10 that must use every byte, value at most
    /// 65535. Like strtoul, an empty string is 0 and "-0" is 0.
    static func domid(_ bytes: ArraySlice<UInt8>) -> UInt16? {
        let parsed = strto(bytes, base: 10)
        guard parsed.consumedAll else { return nil }
        if parsed.negative && parsed.magnitude != 0 { return nil }
        guard parsed.magnitude <= 65535 else { return nil }
        return UInt16(parsed.magnitude)
    }

    /// `bytes` followed by a NUL.
    static func cString(_ string: String) -> [UInt8] {
        var bytes = Array(string.utf8)
        bytes.append(0)
        return bytes
    }

    /// "OK" and a NUL, the reply of requests without a result
    /// (`send_ack` in tools/xenstored/core.c).
    static let ok: [UInt8] = [UInt8(ascii: "O"), UInt8(ascii: "K"), 0]
}
