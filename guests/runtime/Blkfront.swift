// Blkfront.swift — the frontend half of one virtual block device, enough to drive a backend
// from a test guest: the xenbus handshake through xenstore, a one-page blkif ring with its
// grant and event channel, and building requests directly in ring slots.
// Facts: public/io/blkif.h "Frontend XenBus Nodes" (ring-ref, event-channel, protocol under
// device/vbd/<devid>; backend, backend-id written by the toolstack) and "Backend XenBus Nodes"
// (sectors, state); the handshake of public/io/xenbus.h as blkfront does it (Linux
// drivers/block/xen-blkfront.c talk_to_blkback: grant the ring, EVTCHNOP_alloc_unbound with
// remote_dom = backend-id, write the nodes, switch to Initialised; Connected once the backend
// is Connected); ring.h: a new request is visible once req_prod covers it; responses are read
// up to rsp_prod, and rsp_event = rsp_cons + 1 asks for a notification of the next one.

/// NUL-terminated strings the runtime keeps (one page, 128 bytes per slot).
enum StringSlots {
    nonisolated(unsafe) static var page: UInt64 = 0
    nonisolated(unsafe) static var used: UInt64 = 0

    static func take() -> UInt64 {
        if page == 0 { page = Memory.allocatePage().va }
        guard used < 32 else { testError("out of string slots") }
        used += 1
        return page + (used - 1) * 128
    }

    /// Copies the last xenstore reply (at most 127 bytes) into a new slot.
    static func copyReply() -> UInt64 {
        let slot = take()
        let n = min(Xenstore.replyLength, 127)
        for i in 0..<n { Volatile.store8(slot + UInt64(i), Volatile.load8(Xenstore.reply + UInt64(i))) }
        Volatile.store8(slot + UInt64(n), 0)
        return slot
    }
}

struct Blkfront {
    let devid: UInt64
    /// The backend directory (a StringSlots string) and domain.
    let backendPath: UInt64
    let backendID: UInt16
    let ring: Page
    let ringRef: UInt32
    var port: UInt32 = 0
    var reqProdPvt: UInt32 = 0
    var rspCons: UInt32 = 0
    var sectors: UInt64 = 0

    /// The frontend of `device/vbd/<devid>`, with `ringRef` for its ring page; nil (after a
    /// FAIL line) if its nodes are missing.
    init?(devid: UInt64, ringRef: UInt32) {
        self.devid = devid
        self.ringRef = ringRef
        var r = XSRequest(XS.read)
        r.append("device/vbd/"); r.append(number: devid); r.append("/backend"); r.nul()
        guard check(Xenstore.call(r) == XS.read, "read device/vbd/%u/backend: %s", devid, Xenstore.replyText) else {
            return nil
        }
        backendPath = StringSlots.copyReply()
        r = XSRequest(XS.read)
        r.append("device/vbd/"); r.append(number: devid); r.append("/backend-id"); r.nul()
        Xenstore.call(r)
        guard let id = Xenstore.number else {
            check(false, "read device/vbd/%u/backend-id: %s", devid, Xenstore.replyText)
            return nil
        }
        backendID = UInt16(truncatingIfNeeded: id)
        ring = Memory.allocatePage()
    }

    // MARK: Xenstore nodes

    /// Writes `device/vbd/<devid>/<node>` = `value` (decimal); true if the store said OK.
    @discardableResult
    func write(_ node: StaticString, _ value: UInt64) -> Bool {
        var r = XSRequest(XS.write)
        r.append("device/vbd/"); r.append(number: devid); r.append("/"); r.append(node); r.nul()
        r.append(number: value)
        return check(Xenstore.call(r) == XS.write, "write device/vbd/%u/%s: %s", devid, cstr(node), Xenstore.replyText)
    }

    /// Writes `device/vbd/<devid>/<node>` = `value`.
    @discardableResult
    func write(_ node: StaticString, string value: StaticString) -> Bool {
        var r = XSRequest(XS.write)
        r.append("device/vbd/"); r.append(number: devid); r.append("/"); r.append(node); r.nul()
        r.append(value)
        return check(Xenstore.call(r) == XS.write, "write device/vbd/%u/%s: %s", devid, cstr(node), Xenstore.replyText)
    }

    /// Reads `<backend>/<node>`; the reply type (`XS.read` on success, value in Xenstore.reply).
    @discardableResult
    func readBackend(_ node: StaticString) -> UInt32 {
        var r = XSRequest(XS.read)
        r.append(cString: backendPath); r.append("/"); r.append(node); r.nul()
        return Xenstore.call(r)
    }

    /// The backend's `state`, or nil if unreadable.
    var backendState: UInt64? {
        readBackend("state")
        return Xenstore.number
    }

    /// Watches `<backend>/state` (token "be<devid>").
    func watchBackendState() -> Bool {
        var r = XSRequest(XS.watch)
        r.append(cString: backendPath); r.append("/state"); r.nul()
        r.append("be"); r.append(number: devid); r.nul()
        return check(Xenstore.call(r) == XS.watch, "watch %s/state: %s", backendPath, Xenstore.replyText)
    }

    /// Waits until the backend's state is `state`, re-reading it after every watch event (and
    /// at least every 20 ms). Returns the last state seen.
    func awaitBackendState(_ state: UInt64) -> UInt64? {
        let deadline = Time.now() + Xenstore.timeout
        while true {
            let seen = Xenstore.events
            let now = backendState
            if now == state || Time.now() >= deadline { return now }
            Xenstore.awaitEvent(after: seen, until: min(deadline, Time.now() + 20 * Time.nsPerMillisecond))
        }
    }

    /// Switches the frontend to `state` and waits for the backend to reach `expected`; a FAIL
    /// line names both if it does not.
    @discardableResult
    func switchState(_ state: UInt64, expect expected: UInt64) -> Bool {
        guard write("state", state) else { return false }
        let seen = awaitBackendState(expected)
        return check(seen == expected, "vbd %u: frontend state %u, backend state %u, expected %u",
                     devid, state, seen ?? 99, expected)
    }

    // MARK: The ring

    /// An empty shared ring: indices 0, events 1 (SHARED_RING_INIT + FRONT_RING_INIT).
    mutating func resetRing() {
        ring.fill(0)
        Volatile.store32(ring.va + Blkif.reqEventOffset, 1)
        Volatile.store32(ring.va + Blkif.rspEventOffset, 1)
        reqProdPvt = 0
        rspCons = 0
    }

    /// Grants the ring page to the backend and allocates an event channel for it.
    mutating func prepareRing() -> Bool {
        resetRing()
        GrantTable.grant(ringRef, domid: backendID, mfn: ring.mfn)
        if port == 0 {
            let p = Evtchn.allocUnbound(dom: DomID.selfID, remoteDom: backendID)
            guard check(p > 0, "EVTCHNOP_alloc_unbound(remote %u) returned %d", backendID, p) else { return false }
            port = UInt32(p)
        }
        return true
    }

    /// The full handshake: ring, nodes, Initialised; waits for the backend to connect, reads
    /// `sectors` and switches to Connected.
    mutating func connect() -> Bool {
        guard prepareRing() else { return false }
        guard write("ring-ref", UInt64(ringRef)), write("event-channel", UInt64(port)),
              write("protocol", string: "x86_64-abi") else { return false }
        guard switchState(XenbusState.initialised, expect: XenbusState.connected) else { return false }
        readBackend("sectors")
        guard let n = Xenstore.number, n > 0 else {
            return check(false, "vbd %u: backend sectors node: %s", devid, Xenstore.replyText)
        }
        sectors = n
        return write("state", XenbusState.connected)
    }

    /// The ring slot for request number `index`.
    func slot(_ index: UInt32) -> UInt64 {
        ring.va + Blkif.ringOffset + UInt64(index & (Blkif.ringSize - 1)) * Blkif.entrySize
    }

    /// Starts a direct request in the next slot (zeroed, header filled); returns the slot.
    mutating func request(_ op: UInt8, segments: UInt8, id: UInt64, sector: UInt64) -> UInt64 {
        let s = slot(reqProdPvt)
        reqProdPvt &+= 1
        for i in 0..<(Blkif.entrySize / 8) { Volatile.store64(s + i * 8, 0) }
        Volatile.store8(s + 0, op)
        Volatile.store8(s + 1, segments)
        Volatile.store64(s + 8, id)
        Volatile.store64(s + 16, sector)
        return s
    }

    /// Segment `i` of the direct request at `slot`.
    static func segment(_ slot: UInt64, _ i: Int, gref: UInt32, first: UInt8 = 0, last: UInt8 = 7) {
        let s = slot + 24 + UInt64(i) * Blkif.segmentSize
        Volatile.store32(s, gref)
        Volatile.store8(s + 4, first)
        Volatile.store8(s + 5, last)
    }

    /// A BLKIF_OP_INDIRECT request whose descriptors are in the page granted as `indirectRef`.
    mutating func indirect(_ op: UInt8, segments: UInt16, id: UInt64, sector: UInt64, indirectRef: UInt32) {
        let s = request(Blkif.opIndirect, segments: 0, id: id, sector: sector)
        Volatile.store8(s + 1, op)
        Volatile.store16(s + 2, segments)
        Volatile.store32(s + 28, indirectRef)
    }

    /// Descriptor `i` in an indirect page.
    static func descriptor(_ page: Page, _ i: Int, gref: UInt32, first: UInt8 = 0, last: UInt8 = 7) {
        let s = page.va + UInt64(i) * Blkif.segmentSize
        Volatile.store32(s, gref)
        Volatile.store8(s + 4, first)
        Volatile.store8(s + 5, last)
        Volatile.store16(s + 6, 0)
    }

    /// Publishes every request built so far and notifies the backend.
    func publish() {
        Volatile.store32(ring.va + Blkif.reqProdOffset, reqProdPvt)
        _ = Evtchn.send(port)
    }

    /// Responses available and not yet taken.
    var responsesAvailable: UInt32 { Volatile.load32(ring.va + Blkif.rspProdOffset) &- rspCons }

    /// Waits until `count` responses are available (or `timeout` passes); returns how many are.
    func awaitResponses(_ count: UInt32, timeout: UInt64 = Xenstore.timeout) -> UInt32 {
        let deadline = Time.now() + timeout
        while true {
            Events.clearPending(port)
            Volatile.store32(ring.va + Blkif.rspEventOffset, rspCons &+ 1)
            let n = responsesAvailable
            if n >= count || Time.now() >= deadline { return n }
            Evtchn.poll(port, until: deadline)
        }
    }

    /// Takes the next response: (id, operation, status).
    mutating func takeResponse() -> (id: UInt64, op: UInt8, status: Int16) {
        let s = slot(rspCons)
        rspCons &+= 1
        return (Volatile.load64(s), Volatile.load8(s + 8), Int16(bitPattern: Volatile.load16(s + 10)))
    }

    /// One request built by `build` (given the slot), published and answered: its status, or
    /// nil (after a FAIL line) if no response came or it answered another id.
    mutating func transact(_ id: UInt64, _ build: (inout Blkfront) -> Void) -> Int16? {
        build(&self)
        publish()
        guard check(awaitResponses(1) >= 1, "vbd %u: no response to request %u", devid, id) else { return nil }
        let r = takeResponse()
        guard check(r.id == id, "vbd %u: response id %u, expected %u", devid, r.id, id) else { return nil }
        return r.status
    }
}
