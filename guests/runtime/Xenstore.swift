// Xenstore.swift — a tiny xenstore client over the start_info store ring and event channel:
// build a request in place, send it, wait for its reply (recording the watch events that arrive
// meanwhile), and helpers for the replies (OK, a number, an error name).
// Facts: public/io/xs_wire.h (`struct xsd_sockmsg`, `struct xenstore_domain_interface`,
// XENSTORE_PAYLOAD_MAX, the xsd_errors names, which an XS_ERROR reply carries NUL-terminated)
// and docs/misc/xenstore-ring.txt: the client writes request bytes at MASK(req_prod), then
// advances req_prod; reads reply bytes at MASK(rsp_cons), then advances rsp_cons; notifies the
// event channel after either (Linux drivers/xen/xenbus/xenbus_comms.c xb_write/xb_read). A
// reconnection sets `connection` to XENSTORE_RECONNECT and waits until the server sets it back
// to XENSTORE_CONNECTED with every index zero. docs/misc/xenstore.txt: payload formats
// (`|` = NUL); a relative path is relative to /local/domain/<domid>.
// Waiting is SCHEDOP_poll on the store port with events masked; the pending bit is cleared
// before the ring is looked at, so a notification can never be lost between look and poll.

/// A request being built in `Xenstore.request`: payload bytes after the 16-byte header.
struct XSRequest {
    var type: UInt32
    var txID: UInt32
    var length = 0

    init(_ type: UInt32, tx: UInt32 = 0) {
        self.type = type
        self.txID = tx
    }

    mutating func byte(_ b: UInt8) {
        guard length < Xenstore.requestCapacity else { testError("xenstore request too long for the buffer") }
        Volatile.store8(Xenstore.request + UInt64(XS.headerSize + length), b)
        length += 1
    }
    mutating func nul() { byte(0) }
    mutating func append(_ s: StaticString) { s.withUTF8Buffer { for b in $0 { byte(b) } } }
    /// `n` in decimal.
    mutating func append(number n: UInt64) {
        var divisor: UInt64 = 1
        while n / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            byte(UInt8(ascii: "0") + UInt8((n / divisor) % 10))
            divisor /= 10
        }
    }
    /// The NUL-terminated string at `address` (without its NUL).
    mutating func append(cString address: UInt64) {
        var p = address
        while Volatile.load8(p) != 0 { byte(Volatile.load8(p)); p += 1 }
    }
    mutating func append(repeating b: UInt8, count: Int) { for _ in 0..<count { byte(b) } }
}

enum Xenstore {
    /// What a wait that ran out of time reports instead of a reply type.
    static let timedOut: UInt32 = 0xffff_fffe
    static let timeout: UInt64 = 5 * Time.nsPerSecond
    /// Two pages each: a full request (header + XENSTORE_PAYLOAD_MAX) and a full reply + NUL.
    static let requestCapacity = 2 * 4096 - XS.headerSize
    static let eventCapacity = 1024

    nonisolated(unsafe) static var ring: UInt64 = 0
    nonisolated(unsafe) static var port: UInt32 = 0
    nonisolated(unsafe) static var request: UInt64 = 0
    /// The payload of the last reply, NUL-terminated.
    nonisolated(unsafe) static var reply: UInt64 = 0
    nonisolated(unsafe) static var replyType: UInt32 = 0
    nonisolated(unsafe) static var replyLength = 0
    /// Watch events received so far, and the last one ("path\0token\0").
    nonisolated(unsafe) static var events = 0
    nonisolated(unsafe) static var event: UInt64 = 0
    nonisolated(unsafe) static var nextReqID: UInt32 = 1

    /// Finds the ring through the M2P and takes the buffers from the page pool.
    static func setUp() -> Bool {
        guard let pfn = Memory.pfn(ofMFN: StartInfo.storeMFN), pfn < StartInfo.nrPages,
              StartInfo.storeEvtchn != 0 else {
            printf("no usable xenstore ring (mfn %x, evtchn %u)\n", StartInfo.storeMFN, StartInfo.storeEvtchn)
            return false
        }
        ring = Memory.va(ofPFN: pfn)
        port = StartInfo.storeEvtchn
        request = Memory.allocatePage().va
        guard Memory.allocatePage().va == request + 4096 else { testError("page pool is not contiguous") }
        reply = Memory.allocatePage().va
        guard Memory.allocatePage().va == reply + 4096 else { testError("page pool is not contiguous") }
        event = Memory.allocatePage().va
        return true
    }

    static func field(_ offset: UInt64) -> UInt32 { Volatile.load32(ring + offset) }
    static func setField(_ offset: UInt64, _ value: UInt32) { Volatile.store32(ring + offset, value) }

    static func kick() { _ = Evtchn.send(port) }

    /// Sleeps until the store port is signalled or `deadline`; false once the deadline passed.
    static func wait(until deadline: UInt64) -> Bool {
        if Time.now() >= deadline { return false }
        Evtchn.poll(port, until: deadline)
        return true
    }

    // MARK: Ring bytes

    /// Copies `count` bytes at `source` into the request ring, waiting for space.
    static func put(_ source: UInt64, count: Int, deadline: UInt64) -> Bool {
        var done = 0
        while done < count {
            Events.clearPending(port)
            let cons = field(XS.reqConsOffset)
            var prod = field(XS.reqProdOffset)
            let space = Int(XS.ringSize) - Int(truncatingIfNeeded: prod &- cons)
            if space <= 0 {
                guard wait(until: deadline) else { return false }
                continue
            }
            let n = min(space, count - done)
            for i in 0..<n {
                Volatile.store8(ring + XS.reqOffset + UInt64(prod & (XS.ringSize - 1)),
                                Volatile.load8(source + UInt64(done + i)))
                prod &+= 1
            }
            // Volatile stores stay in order and x86 keeps stores in order: bytes before index.
            setField(XS.reqProdOffset, prod)
            kick()
            done += n
        }
        return true
    }

    /// Copies `count` bytes from the reply ring to `destination` (or drops them if 0).
    static func take(_ destination: UInt64, count: Int, deadline: UInt64) -> Bool {
        var done = 0
        while done < count {
            Events.clearPending(port)
            var cons = field(XS.rspConsOffset)
            let prod = field(XS.rspProdOffset)
            let available = Int(truncatingIfNeeded: prod &- cons)
            if available <= 0 || available > Int(XS.ringSize) {
                guard wait(until: deadline) else { return false }
                continue
            }
            let n = min(available, count - done)
            for i in 0..<n {
                let b = Volatile.load8(ring + XS.rspOffset + UInt64(cons & (XS.ringSize - 1)))
                if destination != 0 { Volatile.store8(destination + UInt64(done + i), b) }
                cons &+= 1
            }
            setField(XS.rspConsOffset, cons)
            kick()
            done += n
        }
        return true
    }

    // MARK: Messages

    /// Writes the header of `r` and sends header and payload; returns the request id, or nil if
    /// the ring did not take it in time.
    static func post(_ r: XSRequest) -> UInt32? {
        let id = nextReqID
        nextReqID &+= 1
        Volatile.store32(request + 0, r.type)
        Volatile.store32(request + 4, id)
        Volatile.store32(request + 8, r.txID)
        Volatile.store32(request + 12, UInt32(r.length))
        return put(request, count: XS.headerSize + r.length, deadline: Time.now() + timeout) ? id : nil
    }

    /// Sends a bare header announcing `length` payload bytes (a protocol violation when over
    /// XENSTORE_PAYLOAD_MAX).
    static func postHeader(type: UInt32, length: UInt32) -> Bool {
        Volatile.store32(request + 0, type)
        Volatile.store32(request + 4, nextReqID)
        Volatile.store32(request + 8, 0)
        Volatile.store32(request + 12, length)
        nextReqID &+= 1
        return put(request, count: XS.headerSize, deadline: Time.now() + timeout)
    }

    /// True if a message (or part of one) is waiting in the reply ring.
    static var hasInput: Bool { field(XS.rspProdOffset) != field(XS.rspConsOffset) }

    /// Reads the next message. A watch event is counted and kept in `event`; anything else
    /// becomes the reply (`replyType`, `reply`). Returns (type, req_id), or nil on a timeout.
    static func receive(deadline: UInt64) -> (type: UInt32, reqID: UInt32)? {
        var header: (UInt64, UInt64) = (0, 0)
        let got = withUnsafeMutableBytes(of: &header) { take(va($0.baseAddress!), count: XS.headerSize, deadline: deadline) }
        guard got else { return nil }
        let type = UInt32(truncatingIfNeeded: header.0)
        let reqID = UInt32(truncatingIfNeeded: header.0 >> 32)
        let length = Int(UInt32(truncatingIfNeeded: header.1 >> 32))
        // Once a header is in, the rest follows within the ordinary timeout.
        let rest = Time.now() + timeout
        guard length <= XS.payloadMax else {
            printf("xenstore sent a message of %u bytes\n", length)
            testError("xenstore reply longer than XENSTORE_PAYLOAD_MAX")
        }
        if type == XS.watchEvent {
            let keep = min(length, eventCapacity - 1)
            guard take(event, count: keep, deadline: rest), take(0, count: length - keep, deadline: rest) else { return nil }
            Volatile.store8(event + UInt64(keep), 0)
            events += 1
        } else {
            guard take(reply, count: length, deadline: rest) else { return nil }
            Volatile.store8(reply + UInt64(length), 0)
            replyType = type
            replyLength = length
        }
        return (type, reqID)
    }

    /// Sends `r` and waits for its reply; returns the reply type (`XS.error` for an error,
    /// `timedOut` if none came).
    @discardableResult
    static func call(_ r: XSRequest) -> UInt32 {
        guard let id = post(r) else { return timedOut }
        return awaitReply(id)
    }

    /// Waits for the reply to request `id`, recording events on the way.
    static func awaitReply(_ id: UInt32) -> UInt32 {
        let deadline = Time.now() + timeout
        while true {
            guard let m = receive(deadline: deadline) else {
                replyType = timedOut
                replyLength = 0
                Volatile.store8(reply, 0)
                return timedOut
            }
            if m.type != XS.watchEvent && m.reqID == id { return m.type }
        }
    }

    /// Reads events until one more than `seen` has arrived or `until` passes.
    static func awaitEvent(after seen: Int, until: UInt64) {
        while events == seen {
            Events.clearPending(port)
            if hasInput {
                guard receive(deadline: Time.now() + timeout) != nil else { return }
                continue
            }
            guard wait(until: until) else { return }
        }
    }

    // MARK: Replies

    /// The reply is `type` with payload "OK\0".
    static func isOK(_ type: UInt32) -> Bool {
        replyType == type && replyLength == 3 && CString.equal(UnsafeRawPointer(bitPattern: UInt(reply))!, 2, "OK")
    }

    /// The reply is XS_ERROR `name` (e.g. "ENOSPC").
    static func isError(_ name: StaticString) -> Bool {
        replyType == XS.error && replyLength == name.utf8CodeUnitCount + 1
            && CString.equal(UnsafeRawPointer(bitPattern: UInt(reply))!, replyLength - 1, name)
    }

    /// The reply payload as a decimal number, if it is one.
    static var number: UInt64? {
        guard replyType != XS.error, replyType != timedOut, replyLength > 0 else { return nil }
        var value: UInt64 = 0
        for i in 0..<replyLength {
            let c = Volatile.load8(reply + UInt64(i))
            if c == 0 && i == replyLength - 1 { break }
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ UInt64(c - UInt8(ascii: "0"))
        }
        return value
    }

    /// What to print for the last reply: its payload, or what went wrong.
    static var replyText: UInt64 {
        replyType == timedOut ? cstr("(no reply: timed out)") : reply
    }

    // MARK: Reconnection

    /// Asks the server to reset the ring (XENSTORE_RECONNECT) and waits until it is connected
    /// again. False if the server does not offer reconnection or does not finish in time.
    static func reconnect() -> Bool {
        guard field(XS.serverFeaturesOffset) & XS.featureReconnection != 0 else { return false }
        setField(XS.connectionOffset, XS.reconnect)
        kick()
        let deadline = Time.now() + timeout
        while field(XS.connectionOffset) != XS.connected {
            Events.clearPending(port)
            if field(XS.connectionOffset) == XS.connected { break }
            guard wait(until: deadline) else { return false }
        }
        return true
    }
}
