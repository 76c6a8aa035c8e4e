// Xen: tools/xenstored/core.c `handle_input`. Cuts a byte stream (a ring or
// a socket) into xenstore messages: a 16-byte `struct xsd_sockmsg` header,
// then `len` payload bytes.
import XenABI

/// Reassembles messages from chunks of any size, as they arrive.
///
/// A header announcing more than XENSTORE_PAYLOAD_MAX bytes is a protocol
/// violation: xenstored stops serving the connection (`handle_input` jumps to
/// `bad_client` with XENSTORE_ERROR_PROTO), and so must the transport that
/// owns this framer. After such an error every further `feed` throws again.
public struct XSMessageFramer: Sendable {
    private var header: [UInt8] = []
    private var pending: XsdSockmsg?
    private var payload: [UInt8] = []
    private var failure: XSWireError?

    public init() {}

    /// Bytes still missing from the current header, or from the current
    /// payload once the header is complete. Transports read at most this
    /// many so that they never consume part of the next request early (as
    /// xenstored reads exactly `sizeof(hdr) - used`, then `len - used`).
    public var bytesNeeded: Int {
        if let pending { return Int(pending.len) - payload.count }
        return XsdSockmsg.size - header.count
    }

    /// True while no partial message is buffered.
    public var isAtMessageBoundary: Bool {
        header.isEmpty && pending == nil
    }

    /// Appends `bytes` and returns every message they complete, in order.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(XSWireError) -> [XSMessage] {
        if let failure { throw failure }
        var messages: [XSMessage] = []
        var rest = bytes[...]
        // A header with len == 0 completes a message without payload bytes,
        // so loop until the input is used up and no message is left complete.
        while true {
            if let pending {
                let take = min(Int(pending.len) - payload.count, rest.count)
                payload.append(contentsOf: rest.prefix(take))
                rest = rest.dropFirst(take)
                guard payload.count == Int(pending.len) else { break }
                messages.append(XSMessage(type: XSType(rawValue: pending.type), reqID: pending.reqID,
                                          txID: pending.txID, payload: payload))
                self.pending = nil
                payload = []
                continue
            }
            guard !rest.isEmpty else { break }
            let take = min(XsdSockmsg.size - header.count, rest.count)
            header.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            guard header.count == XsdSockmsg.size else { break }
            let decoded = XSMessage.decodeHeader(header[...])
            header = []
            // Xen: "if (in->hdr.msg.len > XENSTORE_PAYLOAD_MAX) ... goto bad_client".
            guard decoded.len <= UInt32(XenABI.Xenstore.payloadMax) else {
                failure = .payloadTooLong(len: decoded.len)
                throw .payloadTooLong(len: decoded.len)
            }
            pending = decoded
            payload.reserveCapacity(Int(decoded.len))
        }
        return messages
    }

    /// Drops any partial message and a past failure (a ring reconnection
    /// restarts the stream on a packet boundary, docs/misc/xenstore-ring.txt).
    public mutating func reset() {
        self = XSMessageFramer()
    }
}
