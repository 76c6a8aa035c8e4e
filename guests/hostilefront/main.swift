// hostilefront — a hostile block frontend and xenstore client, through real rings, grants and
// event channels. The domain has two disks (xvda, xvdb, both writable, contents known to the
// harness). The guest
//  1. reads its domid and paths from xenstore and finds both vbds;
//  2. on xvda, fails the handshake on purpose (ring-ref not granted or not a number, ring
//     granted read-only, req_prod past the ring, event channel not unbound to the backend,
//     protocol x86_32-abi, ring-page-order and multi-queue-num-queues too large): each time the
//     backend must go to Closing with an `error` node, release the ring grant, and come back
//     through Closed and InitWait;
//  3. connects both disks, checks their first page against the harness's pattern, writes a known
//     page at xvda sector 64 and reads it back;
//  4. sends one batch of hostile requests on xvda (grant refs past the table, never granted,
//     granted to another domain, read-only for a read, bad sector ranges, 0 and 12 segments,
//     indirect requests with too many segments, an ungranted indirect page, a bad indirect
//     operation and descriptor, sectors past the end and overflowing, an unknown operation, a
//     discard past the end, a pinned page table granted writable, a frame the domain gave
//     back) and a valid indirect read as a control: each must be answered with
//     its id and BLKIF_RSP_ERROR (EOPNOTSUPP for the unknown operation), no guest page may
//     change and no grant may stay mapped;
//  5. publishes a req_prod 1000 requests past the ring: the backend must halt the ring, answer
//     nothing and close the device (Closing, `error` node, ring grant released), while xvdb
//     keeps working (a write of a known page at sector 128, read back); then xvda reconnects
//     through Closed/InitWait (five more overflows and reconnections follow) and its data is
//     still there;
//  6. tries to pin the (emptied) xenstore ring page as a page table, which must fail;
//  7. abuses xenstore: nodes, node size, watches, transactions and outstanding requests up to
//     their quotas (each refusal is the xs_wire.h error string, and the store works afterwards),
//     a message of exactly XENSTORE_PAYLOAD_MAX, an unknown message type, then a header over
//     XENSTORE_PAYLOAD_MAX (20 times), a req_prod and an rsp_cons past the ring: the server reports
//     XENSTORE_ERROR_PROTO / _RINGIDX in the page, and after a ring reconnection it serves again.
// The harness (Tests/GuestTests/HostileFrontendTests.swift) then checks that both images differ
// from what it wrote only by the two valid pages.
// Facts: public/io/blkif.h, ring.h, xenbus.h, grant_table.h, xs_wire.h (see runtime/ABI.swift);
// behaviour from Linux drivers/block/xen-blkback/blkback.c (dispatch_rw_block_io and
// xen_blkbk_parse_indirect answer BLKIF_RSP_ERROR; dispatch_other_io EOPNOTSUPP;
// __do_block_io_op halts the ring on RING_REQUEST_PROD_OVERFLOW), xenbus.c (a failed
// connect_ring is xenbus_dev_fatal: error node, Closing) and tools/xenstored (domain.c quotas,
// core.c handle_input: a header over XENSTORE_PAYLOAD_MAX is a protocol error).

let testName: StaticString = "hostilefront"

// Grant references (Linux keeps 0-7 for the toolstack).
let xvdaRingRef: UInt32 = 8
let xvdbRingRef: UInt32 = 9
let writeRef: UInt32 = 16        // source of the xvda write, granted read-only
let readRef: UInt32 = 17         // target of reads
let victimRef: UInt32 = 18       // target of refused reads: must stay 0xEE
let readonlyRef: UInt32 = 19     // 0xEE page granted read-only
let foreignRef: UInt32 = 20      // 0xEE page granted to domain 7
let tooManyRef: UInt32 = 21      // indirect page with 257 descriptors
let badDescriptorRef: UInt32 = 22
let controlRef: UInt32 = 23      // indirect page with one good descriptor
let controlTargetRef: UInt32 = 24
let xvdbWriteRef: UInt32 = 25
let xvdbReadRef: UInt32 = 26
let pageTableRef: UInt32 = 27    // a pinned L1 table, granted writable
let releasedRef: UInt32 = 28     // a frame given back with XENMEM_decrease_reservation
let ungrantedRef: UInt32 = 200   // flags 0 all along
let pastTableRef: UInt32 = 4096  // one frame set up: 512 entries

/// Where the valid writes go, and the seeds of the harness's patterns.
let xvdaSector: UInt64 = 64
let xvdbSector: UInt64 = 128
let xvdaImageSeed: UInt64 = 0x11
let xvdbImageSeed: UInt64 = 0x22
let xvdaWriteSeed: UInt64 = 0xA5
let xvdbWriteSeed: UInt64 = 0x5B

/// Byte `offset` of a disk image as the harness created it.
func imageByte(_ seed: UInt64, _ offset: UInt64) -> UInt8 {
    UInt8(truncatingIfNeeded: (offset >> 9) &* 0x9d &+ offset &* 7 &+ seed)
}
/// Byte `i` of a page the guest writes.
func writtenByte(_ seed: UInt64, _ i: UInt64) -> UInt8 {
    UInt8(truncatingIfNeeded: i &* 13 &+ seed)
}

struct Pages {
    var write = Page(va: 0)
    var read = Page(va: 0)
    var victim = Page(va: 0)
    var readonly = Page(va: 0)
    var foreign = Page(va: 0)
    var tooMany = Page(va: 0)
    var badDescriptor = Page(va: 0)
    var control = Page(va: 0)
    var controlTarget = Page(va: 0)
    var xvdbWrite = Page(va: 0)
    var xvdbRead = Page(va: 0)
    var pageTable = Page(va: 0)
    var released = Page(va: 0)

    mutating func allocate() {
        write = Memory.allocatePage(); read = Memory.allocatePage(); victim = Memory.allocatePage()
        readonly = Memory.allocatePage(); foreign = Memory.allocatePage(); tooMany = Memory.allocatePage()
        badDescriptor = Memory.allocatePage(); control = Memory.allocatePage()
        controlTarget = Memory.allocatePage(); xvdbWrite = Memory.allocatePage(); xvdbRead = Memory.allocatePage()
        pageTable = Memory.allocatePage(); released = Memory.allocatePage()
    }
}
nonisolated(unsafe) var pages = Pages()

func testMain() {
    Events.disable()    // every wait is SCHEDOP_poll with events masked
    guard Xenstore.setUp() else { testError("no xenstore ring") }
    var r = XSRequest(XS.read)
    r.append("domid"); r.nul()
    Xenstore.call(r)
    guard let domid = Xenstore.number else {
        printf("read domid: %s\n", Xenstore.replyText)
        testError("cannot read the domid from xenstore")
    }
    r = XSRequest(XS.getDomainPath)
    r.append(number: domid); r.nul()
    let pathType = Xenstore.call(r)
    check(pathType == XS.getDomainPath && CString.hasPrefix(UnsafeRawPointer(bitPattern: UInt(Xenstore.reply))!, "/local/domain/"),
          "XS_GET_DOMAIN_PATH(%u): %s", domid, Xenstore.replyText)
    printf("domid %u, home %s\n", domid, Xenstore.reply)

    guard GrantTable.setUp() == 0 else { testError("cannot set up the grant table") }
    pages.allocate()

    // The two vbds, in the order the directory lists them.
    r = XSRequest(XS.directory)
    r.append("device/vbd"); r.nul()
    guard Xenstore.call(r) == XS.directory else {
        printf("directory device/vbd: %s\n", Xenstore.replyText)
        testError("no device/vbd directory (the config needs two disks)")
    }
    var devids: (UInt64, UInt64) = (0, 0)
    var found = 0
    var value: UInt64 = 0
    var digits = 0
    for i in 0..<Xenstore.replyLength {
        let c = Volatile.load8(Xenstore.reply + UInt64(i))
        if c == 0 {
            if digits > 0 { if found == 0 { devids.0 = value } else if found == 1 { devids.1 = value }; found += 1 }
            value = 0; digits = 0
        } else {
            value = value &* 10 &+ UInt64(c &- UInt8(ascii: "0")); digits += 1
        }
    }
    guard found == 2 else {
        printf("%u vbds under device/vbd\n", found)
        testError("the config must give exactly two disks")
    }
    printf("vbds %u and %u\n", devids.0, devids.1)
    guard var xvda = Blkfront(devid: devids.0, ringRef: xvdaRingRef),
          var xvdb = Blkfront(devid: devids.1, ringRef: xvdbRingRef) else { testError("vbd nodes missing") }
    printf("xvda backend %s (domain %u)\n", xvda.backendPath, xvda.backendID)
    guard xvda.watchBackendState(), xvdb.watchBackendState() else { testError("cannot watch the backends") }
    guard xvda.awaitBackendState(XenbusState.initWait) == XenbusState.initWait,
          xvdb.awaitBackendState(XenbusState.initWait) == XenbusState.initWait else {
        printf("backend states %u and %u\n", xvda.backendState ?? 99, xvdb.backendState ?? 99)
        testError("backends not in InitWait")
    }

    refusedHandshakes(&xvda)
    guard xvda.connect(), xvdb.connect() else { testError("the vbds did not connect") }
    printf("connected: xvda %u sectors, xvdb %u sectors\n", xvda.sectors, xvdb.sectors)
    grantDataPages(xvda)
    checkImage(&xvda, seed: xvdaImageSeed, name: "xvda")
    checkImage(&xvdb, seed: xvdbImageSeed, name: "xvdb")
    writeAndReadBack(&xvda, sector: xvdaSector, seed: xvdaWriteSeed, source: writeRef, sourcePage: pages.write,
                     target: readRef, targetPage: pages.read, name: "xvda")

    hostileBatch(&xvda)
    ringOverflow(&xvda)
    writeAndReadBack(&xvdb, sector: xvdbSector, seed: xvdbWriteSeed, source: xvdbWriteRef, sourcePage: pages.xvdbWrite,
                     target: xvdbReadRef, targetPage: pages.xvdbRead, name: "xvdb")
    reconnectAfterOverflow(&xvda)

    storeRingIsNotAPageTable()
    xenstoreQuotas()
    xenstoreProtocol()
}

// MARK: - Shared rings

/// The host writes the xenstore ring for the domain's life (in Xen, xenstored keeps it mapped
/// writable: a PGT_writable_page reference), so the guest must not be able to pin it as a page
/// table: the host would then write reply bytes the guest chooses (a node's value) into a
/// validated table. The ring is idle, so it is emptied at index 0 and everything else cleared
/// first, which makes every entry not present: only the page's type can refuse the pin.
func storeRingIsNotAPageTable() {
    let ring = Xenstore.ring, mfn = StartInfo.storeMFN
    let features = Xenstore.field(XS.serverFeaturesOffset)
    for i in UInt64(0)..<512 { Volatile.store64(ring + i * 8, 0) }
    let readonly = HYPERVISOR.updateVAMapping(ring, mfn << 12 | PTE.present | PTE.accessed, UVMF.invlpg)
    let pinned = Memory.mmuext(MMUExtOp.pinL1Table, mfn)
    if pinned == 0 { _ = Memory.mmuext(MMUExtOp.unpinTable, mfn) }
    let writable = HYPERVISOR.updateVAMapping(ring, mfn << 12 | PTE.kernelData, UVMF.invlpg)
    if writable != 0 { testError("cannot map the xenstore ring writable again") }
    Xenstore.setField(XS.serverFeaturesOffset, features)
    printf("pinning the emptied xenstore ring page as an L1 table: %d\n", pinned)
    check(readonly == 0, "remapping the xenstore ring read-only returned %d", readonly)
    check(pinned < 0, "MMUEXT_PIN_L1_TABLE of the xenstore ring page returned %d", pinned)
    check(simple(XS.read, "domid") == XS.read, "read domid after the pin attempt: %s", Xenstore.replyText)
}

// MARK: - Handshake

/// Writes a good ring description, breaks one thing, and switches to Initialised; the backend
/// must refuse it with an error node and Closing, release the ring grant, and accept Closed →
/// Closed and Initialising → InitWait.
func refusedHandshakes(_ f: inout Blkfront) {
    refusedHandshake(&f, "ring-ref not granted") { f in f.write("ring-ref", UInt64(ungrantedRef)) }
    refusedHandshake(&f, "ring granted read-only") { f in
        GrantTable.grant(f.ringRef, domid: f.backendID, mfn: f.ring.mfn, readonly: true)
    }
    refusedHandshake(&f, "ring-ref not a number") { f in f.write("ring-ref", string: "ring") }
    refusedHandshake(&f, "req_prod past the ring at connect") { f in
        Volatile.store32(f.ring.va + Blkif.reqProdOffset, 1000)
    }
    refusedHandshake(&f, "event channel not unbound to the backend") { f in f.write("event-channel", 4000) }
    refusedHandshake(&f, "protocol x86_32-abi") { f in f.write("protocol", string: "x86_32-abi") }
    refusedHandshake(&f, "ring-page-order 9") { f in f.write("ring-page-order", 9) }
    remove(f, "ring-page-order")
    refusedHandshake(&f, "multi-queue-num-queues 99") { f in f.write("multi-queue-num-queues", 99) }
    remove(f, "multi-queue-num-queues")
}

func refusedHandshake(_ f: inout Blkfront, _ what: StaticString, _ breakIt: (inout Blkfront) -> Void) {
    printf("handshake with %s\n", cstr(what))
    guard f.prepareRing() else { return }
    f.write("ring-ref", UInt64(f.ringRef))
    f.write("event-channel", UInt64(f.port))
    f.write("protocol", string: "x86_64-abi")
    breakIt(&f)
    f.write("state", XenbusState.initialised)
    let seen = f.awaitBackendState(XenbusState.closing)
    check(seen == XenbusState.closing, "%s: backend state %u, expected 5 (Closing)", cstr(what), seen ?? 99)
    if f.readBackend("error") == XS.read {
        printf("  backend error node: %s\n", Xenstore.reply)
    } else {
        check(false, "%s: no backend error node (%s)", cstr(what), Xenstore.replyText)
    }
    check(GrantTable.flags(f.ringRef) & (GTF.reading | GTF.writing) == 0,
          "%s: the ring grant is still mapped (flags %x)", cstr(what), GrantTable.flags(f.ringRef))
    f.switchState(XenbusState.closed, expect: XenbusState.closed)
    f.switchState(XenbusState.initialising, expect: XenbusState.initWait)
}

func remove(_ f: Blkfront, _ node: StaticString) {
    var r = XSRequest(XS.rm)
    r.append("device/vbd/"); r.append(number: f.devid); r.append("/"); r.append(node); r.nul()
    check(Xenstore.call(r) == XS.rm, "rm device/vbd/%u/%s: %s", f.devid, cstr(node), Xenstore.replyText)
}

// MARK: - Valid I/O

func grantDataPages(_ f: Blkfront) {
    let be = f.backendID
    pages.victim.fill(0xEEEE_EEEE_EEEE_EEEE)
    pages.readonly.fill(0xEEEE_EEEE_EEEE_EEEE)
    pages.foreign.fill(0xEEEE_EEEE_EEEE_EEEE)
    GrantTable.grant(writeRef, domid: be, mfn: pages.write.mfn, readonly: true)
    GrantTable.grant(readRef, domid: be, mfn: pages.read.mfn)
    GrantTable.grant(victimRef, domid: be, mfn: pages.victim.mfn)
    GrantTable.grant(readonlyRef, domid: be, mfn: pages.readonly.mfn, readonly: true)
    GrantTable.grant(foreignRef, domid: 7, mfn: pages.foreign.mfn)
    GrantTable.grant(tooManyRef, domid: be, mfn: pages.tooMany.mfn, readonly: true)
    GrantTable.grant(badDescriptorRef, domid: be, mfn: pages.badDescriptor.mfn, readonly: true)
    GrantTable.grant(controlRef, domid: be, mfn: pages.control.mfn, readonly: true)
    GrantTable.grant(controlTargetRef, domid: be, mfn: pages.controlTarget.mfn)
    GrantTable.grant(xvdbWriteRef, domid: be, mfn: pages.xvdbWrite.mfn, readonly: true)
    GrantTable.grant(xvdbReadRef, domid: be, mfn: pages.xvdbRead.mfn)
    // A page table: empty, mapped read-only, pinned as an L1. Xen maps a grant writable only
    // with a PGT_writable_page type reference, which a page table cannot have.
    if check(Memory.setWritable(pages.pageTable, false) == 0, "remapping the L1 page read-only failed"),
       check(Memory.mmuext(MMUExtOp.pinL1Table, pages.pageTable.mfn) == 0, "MMUEXT_PIN_L1_TABLE failed") {
        GrantTable.grant(pageTableRef, domid: be, mfn: pages.pageTable.mfn)
    }
    // A frame the domain gave back: Xen refuses to map a page the granter does not own.
    let releasedMFN = pages.released.mfn
    var extent = releasedMFN
    let unmapped = HYPERVISOR.updateVAMapping(pages.released.va, 0, UVMF.invlpg)
    let freed = withUnsafeMutablePointer(to: &extent) { list -> Int in
        var reservation = XenMemoryReservation(extentStart: va(list), nrExtents: 1)
        reservation.domid = DomID.selfID
        return HYPERVISOR.memoryOp(XenMem.decreaseReservation, &reservation)
    }
    if check(unmapped == 0 && freed == 1, "giving a frame back: unmap %d, decrease_reservation %d", unmapped, freed) {
        GrantTable.grant(releasedRef, domid: be, mfn: releasedMFN)
    }
    for i in 0..<257 { Blkfront.descriptor(pages.tooMany, i, gref: victimRef) }
    Blkfront.descriptor(pages.badDescriptor, 0, gref: victimRef)
    Blkfront.descriptor(pages.badDescriptor, 1, gref: victimRef, first: 0, last: 9)
    Blkfront.descriptor(pages.control, 0, gref: controlTargetRef)
}

/// Reads one page at `sector` into `readRef`: its status.
func readPage(_ f: inout Blkfront, id: UInt64, sector: UInt64, into ref: UInt32) -> Int16? {
    f.transact(id) { f in
        let s = f.request(Blkif.opRead, segments: 1, id: id, sector: sector)
        Blkfront.segment(s, 0, gref: ref)
    }
}

/// The first page of the disk is the harness's pattern.
func checkImage(_ f: inout Blkfront, seed: UInt64, name: StaticString) {
    GrantTable.grant(readRef, domid: f.backendID, mfn: pages.read.mfn)
    pages.read.fill(0)
    guard let status = readPage(&f, id: 1, sector: 0, into: readRef),
          check(status == Blkif.rspOkay, "%s: read of sector 0 answered %d", cstr(name), status) else { return }
    for i in UInt64(0)..<4096 where Volatile.load8(pages.read.va + i) != imageByte(seed, i) {
        check(false, "%s: byte %u of sector 0 is %x, the image has %x", cstr(name), i,
              Volatile.load8(pages.read.va + i), imageByte(seed, i))
        return
    }
    printf("%s: sector 0-7 hold the image's pattern\n", cstr(name))
}

/// Writes the `seed` pattern at `sector` and reads it back.
func writeAndReadBack(_ f: inout Blkfront, sector: UInt64, seed: UInt64, source: UInt32, sourcePage: Page,
                      target: UInt32, targetPage: Page, name: StaticString) {
    for i in UInt64(0)..<4096 { Volatile.store8(sourcePage.va + i, writtenByte(seed, i)) }
    let status = f.transact(2) { f in
        let s = f.request(Blkif.opWrite, segments: 1, id: 2, sector: sector)
        Blkfront.segment(s, 0, gref: source)
    }
    guard let status, check(status == Blkif.rspOkay, "%s: write at sector %u answered %d", cstr(name), sector, status) else { return }
    targetPage.fill(0)
    guard let back = readPage(&f, id: 3, sector: sector, into: target),
          check(back == Blkif.rspOkay, "%s: read at sector %u answered %d", cstr(name), sector, back) else { return }
    checkPattern(targetPage, seed: seed, name)
    check(GrantTable.flags(source) & (GTF.reading | GTF.writing) == 0 && GrantTable.flags(target) & (GTF.reading | GTF.writing) == 0,
          "%s: a data grant is still mapped after its response", cstr(name))
    printf("%s: wrote and read back sector %u\n", cstr(name), sector)
}

@discardableResult
func checkPattern(_ page: Page, seed: UInt64, _ what: StaticString) -> Bool {
    for i in UInt64(0)..<4096 where Volatile.load8(page.va + i) != writtenByte(seed, i) {
        return check(false, "%s: byte %u read back as %x, written %x", cstr(what), i,
                     Volatile.load8(page.va + i), writtenByte(seed, i))
    }
    return true
}

// MARK: - Hostile requests

struct HostileCase {
    var name: StaticString
    var op: UInt8
    var status: Int16
}

/// Case `i` of the batch: builds its request in `f` when `build`, and returns what the backend
/// must answer; nil past the last case.
func hostileCase(_ i: Int, build: Bool, _ f: inout Blkfront) -> HostileCase? {
    let id = 100 + UInt64(i)
    let end = f.sectors
    let error = Blkif.rspError
    /// A direct request with one segment.
    func direct(_ op: UInt8, sector: UInt64, gref: UInt32, first: UInt8 = 0, last: UInt8 = 7) {
        guard build else { return }
        let s = f.request(op, segments: 1, id: id, sector: sector)
        Blkfront.segment(s, 0, gref: gref, first: first, last: last)
    }
    func indirect(_ op: UInt8, segments: UInt16, ref: UInt32, sector: UInt64 = 0) {
        if build { f.indirect(op, segments: segments, id: id, sector: sector, indirectRef: ref) }
    }
    switch i {
    case 0:
        direct(Blkif.opRead, sector: 0, gref: pastTableRef)
        return HostileCase(name: "grant ref past the frames set up", op: Blkif.opRead, status: error)
    case 1:
        direct(Blkif.opRead, sector: 0, gref: 0xffff_ffff)
        return HostileCase(name: "grant ref 0xffffffff", op: Blkif.opRead, status: error)
    case 2:
        direct(Blkif.opRead, sector: 0, gref: ungrantedRef)
        return HostileCase(name: "grant ref never granted (flags 0)", op: Blkif.opRead, status: error)
    case 3:
        direct(Blkif.opRead, sector: 0, gref: foreignRef)
        return HostileCase(name: "grant ref granted to domain 7", op: Blkif.opRead, status: error)
    case 4:
        direct(Blkif.opRead, sector: 0, gref: readonlyRef)
        return HostileCase(name: "read into a read-only grant", op: Blkif.opRead, status: error)
    case 5:
        direct(Blkif.opRead, sector: 0, gref: victimRef, first: 5, last: 2)
        return HostileCase(name: "first_sect > last_sect", op: Blkif.opRead, status: error)
    case 6:
        direct(Blkif.opRead, sector: 0, gref: victimRef, first: 0, last: 8)
        return HostileCase(name: "last_sect 8", op: Blkif.opRead, status: error)
    case 7:
        if build { _ = f.request(Blkif.opRead, segments: 0, id: id, sector: 0) }
        return HostileCase(name: "nr_segments 0", op: Blkif.opRead, status: error)
    case 8:
        if build {
            let s = f.request(Blkif.opRead, segments: 12, id: id, sector: 0)
            for k in 0..<Blkif.maxSegmentsPerRequest { Blkfront.segment(s, k, gref: victimRef) }
        }
        return HostileCase(name: "nr_segments 12", op: Blkif.opRead, status: error)
    case 9:
        indirect(Blkif.opRead, segments: 257, ref: tooManyRef)
        return HostileCase(name: "indirect, 257 segments (256 offered)", op: Blkif.opRead, status: error)
    case 10:
        indirect(Blkif.opRead, segments: 1, ref: ungrantedRef)
        return HostileCase(name: "indirect page not granted", op: Blkif.opRead, status: error)
    case 11:
        indirect(Blkif.opFlushDiskcache, segments: 1, ref: controlRef)
        return HostileCase(name: "indirect_op FLUSH_DISKCACHE", op: Blkif.opFlushDiskcache, status: error)
    case 12:
        indirect(Blkif.opRead, segments: 2, ref: badDescriptorRef)
        return HostileCase(name: "indirect descriptor with last_sect 9", op: Blkif.opRead, status: error)
    case 13:
        direct(Blkif.opRead, sector: end - 4, gref: victimRef)
        return HostileCase(name: "read past the end of the disk", op: Blkif.opRead, status: error)
    case 14:
        direct(Blkif.opRead, sector: 0xffff_ffff_ffff_fff8, gref: victimRef)
        return HostileCase(name: "sector_number overflowing", op: Blkif.opRead, status: error)
    case 15:
        if build {
            let s = f.request(Blkif.opWrite, segments: 3, id: id, sector: 200)
            Blkfront.segment(s, 0, gref: writeRef)
            Blkfront.segment(s, 1, gref: writeRef)
            Blkfront.segment(s, 2, gref: ungrantedRef + 1)
        }
        return HostileCase(name: "write whose last segment is not granted", op: Blkif.opWrite, status: error)
    case 16:
        direct(Blkif.opWrite, sector: end - 4, gref: writeRef)
        return HostileCase(name: "write past the end of the disk", op: Blkif.opWrite, status: error)
    case 17:
        direct(200, sector: 0, gref: victimRef)
        return HostileCase(name: "operation 200", op: 200, status: Blkif.rspEopnotsupp)
    case 18:
        if build {
            let s = f.request(Blkif.opDiscard, segments: 0, id: id, sector: end - 1)
            Volatile.store64(s + 24, 8)     // blkif_request_discard.nr_sectors
        }
        return HostileCase(name: "discard past the end of the disk", op: Blkif.opDiscard, status: error)
    case 19:
        direct(Blkif.opRead, sector: 0, gref: pageTableRef)
        return HostileCase(name: "read into a pinned page table granted writable", op: Blkif.opRead, status: error)
    case 20:
        direct(Blkif.opRead, sector: 0, gref: releasedRef)
        return HostileCase(name: "read into a frame the domain gave back", op: Blkif.opRead, status: error)
    case 21:
        indirect(Blkif.opRead, segments: 1, ref: controlRef, sector: xvdaSector)
        return HostileCase(name: "control: a valid indirect read", op: Blkif.opRead, status: Blkif.rspOkay)
    default:
        return nil
    }
}

func hostileBatch(_ f: inout Blkfront) {
    pages.controlTarget.fill(0)
    var count = 0
    while hostileCase(count, build: true, &f) != nil { count += 1 }
    f.publish()
    let available = f.awaitResponses(UInt32(count))
    check(available == UInt32(count), "hostile batch: %u responses to %u requests", available, count)
    var i = 0
    while i < Int(available), let c = hostileCase(i, build: false, &f) {
        let r = f.takeResponse()
        let ok = r.id == 100 + UInt64(i) && r.op == c.op && r.status == c.status
        printf("  %s: id %u op %u status %d\n", cstr(c.name), r.id, r.op, r.status)
        check(ok, "%s: answered id %u op %u status %d", cstr(c.name), r.id, r.op, r.status)
        i += 1
    }
    untouched(pages.victim, "the target of refused reads")
    untouched(pages.readonly, "the read-only grant")
    untouched(pages.foreign, "the page granted to domain 7")
    for k in UInt64(0)..<512 where Volatile.load64(pages.pageTable.va + k * 8) != 0 {
        check(false, "hostile batch: the pinned L1 table has entry %u = %x", k, Volatile.load64(pages.pageTable.va + k * 8))
        break
    }
    checkPattern(pages.controlTarget, seed: xvdaWriteSeed, "control indirect read")
    for ref in writeRef...releasedRef where GrantTable.flags(ref) & (GTF.reading | GTF.writing) != 0 {
        check(false, "hostile batch: grant %u still mapped (flags %x)", ref, GrantTable.flags(ref))
    }
    check(GrantTable.flags(f.ringRef) & GTF.writing != 0, "the ring grant is not mapped while connected (flags %x)",
          GrantTable.flags(f.ringRef))
    // The ring still works.
    pages.read.fill(0)
    if let status = readPage(&f, id: 4, sector: xvdaSector, into: readRef),
       check(status == Blkif.rspOkay, "xvda: read after the hostile batch answered %d", status) {
        checkPattern(pages.read, seed: xvdaWriteSeed, "xvda after the hostile batch")
    }
}

/// A page filled with 0xEE before the batch still is.
func untouched(_ p: Page, _ what: StaticString) {
    for k in UInt64(0)..<512 where Volatile.load64(p.va + k * 8) != 0xEEEE_EEEE_EEEE_EEEE {
        check(false, "hostile batch: a refused request changed %s at byte %u", cstr(what), k * 8)
        return
    }
}

/// req_prod far past the ring: blkback halts the ring ("Frontend provided bogus ring
/// requests"); ours also closes the device, so the frontend can tell.
func ringOverflow(_ f: inout Blkfront) {
    let rspProd = Volatile.load32(f.ring.va + Blkif.rspProdOffset)
    printf("xvda: publishing req_prod %u with rsp_prod %u\n", rspProd &+ 1000, rspProd)
    Volatile.store32(f.ring.va + Blkif.reqProdOffset, rspProd &+ 1000)
    _ = Evtchn.send(f.port)
    let seen = f.awaitBackendState(XenbusState.closing)
    check(seen == XenbusState.closing, "ring overflow: backend state %u, expected 5 (Closing)", seen ?? 99)
    if f.readBackend("error") == XS.read {
        printf("  backend error node: %s\n", Xenstore.reply)
    } else {
        check(false, "ring overflow: no backend error node (%s)", Xenstore.replyText)
    }
    check(Volatile.load32(f.ring.va + Blkif.rspProdOffset) == rspProd, "ring overflow: the backend answered garbage")
    check(GrantTable.flags(f.ringRef) & (GTF.reading | GTF.writing) == 0,
          "ring overflow: the ring grant is still mapped (flags %x)", GrantTable.flags(f.ringRef))
    check(GrantTable.endAccess(f.ringRef), "ring overflow: cannot end access to the ring grant")
}

func reconnectAfterOverflow(_ f: inout Blkfront) {
    f.switchState(XenbusState.closed, expect: XenbusState.closed)
    f.switchState(XenbusState.initialising, expect: XenbusState.initWait)
    guard check(f.connect(), "xvda did not reconnect after the ring overflow") else { return }
    // Again and again: the host must not log each one.
    for round in 0..<5 {
        Volatile.store32(f.ring.va + Blkif.reqProdOffset, Volatile.load32(f.ring.va + Blkif.rspProdOffset) &+ 100)
        _ = Evtchn.send(f.port)
        guard check(f.awaitBackendState(XenbusState.closing) == XenbusState.closing,
                    "ring overflow round %u: the backend did not close the device", round),
              f.switchState(XenbusState.closed, expect: XenbusState.closed),
              f.switchState(XenbusState.initialising, expect: XenbusState.initWait),
              check(f.connect(), "xvda did not reconnect after overflow round %u", round) else { return }
    }
    pages.read.fill(0)
    if let status = readPage(&f, id: 5, sector: xvdaSector, into: readRef),
       check(status == Blkif.rspOkay, "xvda: read after reconnecting answered %d", status) {
        checkPattern(pages.read, seed: xvdaWriteSeed, "xvda after reconnecting")
    }
    printf("xvda: reconnected, sector %u intact\n", xvdaSector)
}

// MARK: - Xenstore quotas

/// The reply is a quota refusal: ENOSPC (xenstored since Xen 4.17 for every quota) or E2BIG
/// (older xenstored, for watches and node size).
func isQuotaError() -> Bool { Xenstore.isError("ENOSPC") || Xenstore.isError("E2BIG") }

func simple(_ type: UInt32, _ path: StaticString, tx: UInt32 = 0) -> UInt32 {
    var r = XSRequest(type, tx: tx)
    r.append(path); r.nul()
    return Xenstore.call(r)
}

func xenstoreQuotas() {
    // Nodes: data/q/<i / 32>/<i % 32> until the store refuses.
    var created = 0
    var refused = false
    while created < 3000 {
        var r = XSRequest(XS.write)
        r.append("data/q/"); r.append(number: UInt64(created / 32)); r.append("/")
        r.append(number: UInt64(created % 32)); r.nul(); r.append("x")
        if Xenstore.call(r) != XS.write {
            refused = true
            break
        }
        created += 1
    }
    printf("nodes: %u created, then %s\n", created, Xenstore.replyText)
    check(refused && isQuotaError(), "node quota: after %u nodes: %s", created, Xenstore.replyText)
    check(created >= 500 && created <= 1000, "node quota: %u nodes created (quota 1000)", created)
    check(simple(XS.mkdir, "data/q2") == XS.error && isQuotaError(), "mkdir at the node quota: %s", Xenstore.replyText)
    check(simple(XS.read, "data/q/0/0") == XS.read, "read at the node quota: %s", Xenstore.replyText)
    check(simple(XS.rm, "data/q") == XS.rm, "rm data/q: %s", Xenstore.replyText)
    check(simple(XS.mkdir, "data/q2") == XS.mkdir, "mkdir after rm: %s", Xenstore.replyText)
    _ = simple(XS.rm, "data/q2")

    // Node size: a 3000-byte value is over the 2048-byte node quota; 1000 bytes is fine.
    var r = XSRequest(XS.write)
    r.append("data/big"); r.nul(); r.append(repeating: UInt8(ascii: "b"), count: 3000)
    Xenstore.call(r)
    printf("node of 3000 bytes: %s\n", Xenstore.replyText)
    check(isQuotaError(), "node size quota: a 3000-byte value: %s", Xenstore.replyText)
    check(simple(XS.read, "data/big") == XS.error && Xenstore.isError("ENOENT"),
          "the refused node exists: %s", Xenstore.replyText)
    r = XSRequest(XS.write)
    r.append("data/big"); r.nul(); r.append(repeating: UInt8(ascii: "b"), count: 1000)
    check(Xenstore.call(r) == XS.write, "a 1000-byte value: %s", Xenstore.replyText)
    check(simple(XS.read, "data/big") == XS.read && Xenstore.replyLength == 1000,
          "read back %u bytes of the 1000-byte value", Xenstore.replyLength)
    _ = simple(XS.rm, "data/big")

    // Exactly XENSTORE_PAYLOAD_MAX: a legal message (refused for its node size, not dropped).
    r = XSRequest(XS.write)
    r.append("data/max"); r.nul()
    r.append(repeating: UInt8(ascii: "m"), count: XS.payloadMax - r.length)
    check(r.length == XS.payloadMax, "payload of %u bytes built", r.length)
    Xenstore.call(r)
    check(isQuotaError(), "a message of XENSTORE_PAYLOAD_MAX bytes: %s", Xenstore.replyText)

    // An unknown message type.
    r = XSRequest(0xffff)
    r.append("data"); r.nul()
    Xenstore.call(r)
    printf("message type 0xffff: %s\n", Xenstore.replyText)
    check(Xenstore.isError("ENOSYS") || Xenstore.isError("EINVAL"), "message type 0xffff: %s", Xenstore.replyText)

    watchQuota()
    transactionQuota()
    outstandingQuota()
    check(simple(XS.read, "domid") == XS.read, "read domid after the quotas: %s", Xenstore.replyText)
}

func watchQuota() {
    check(simple(XS.resetWatches, "") == XS.resetWatches, "XS_RESET_WATCHES: %s", Xenstore.replyText)
    var watches = 0
    while watches < 300 {
        var r = XSRequest(XS.watch)
        r.append("data/w"); r.nul(); r.append("t"); r.append(number: UInt64(watches)); r.nul()
        if Xenstore.call(r) != XS.watch { break }
        watches += 1
    }
    printf("watches: %u set, then %s\n", watches, Xenstore.replyText)
    check(isQuotaError(), "watch quota: after %u watches: %s", watches, Xenstore.replyText)
    check(watches >= 64 && watches <= 128, "watch quota: %u watches (quota 128)", watches)
    check(simple(XS.resetWatches, "") == XS.resetWatches, "XS_RESET_WATCHES: %s", Xenstore.replyText)
    var r = XSRequest(XS.watch)
    r.append("data/w"); r.nul(); r.append("again"); r.nul()
    check(Xenstore.call(r) == XS.watch, "watch after reset: %s", Xenstore.replyText)
    check(simple(XS.resetWatches, "") == XS.resetWatches, "XS_RESET_WATCHES: %s", Xenstore.replyText)
}

func transactionQuota() {
    let ids = Memory.allocatePage()
    var open = 0
    while open < 64 {
        guard simple(XS.transactionStart, "") == XS.transactionStart, let id = Xenstore.number else { break }
        Volatile.store32(ids.va + UInt64(open) * 4, UInt32(truncatingIfNeeded: id))
        open += 1
    }
    printf("transactions: %u open, then %s\n", open, Xenstore.replyText)
    check(isQuotaError(), "transaction quota: after %u: %s", open, Xenstore.replyText)
    check(open >= 1 && open <= 10, "transaction quota: %u open (quota 10)", open)
    for k in 0..<open {
        let id = Volatile.load32(ids.va + UInt64(k) * 4)
        check(simple(XS.transactionEnd, "F", tx: id) == XS.transactionEnd, "abort transaction %u: %s", id, Xenstore.replyText)
    }
    if check(simple(XS.transactionStart, "") == XS.transactionStart, "transaction after aborting all: %s", Xenstore.replyText),
       let id = Xenstore.number {
        check(simple(XS.transactionEnd, "F", tx: UInt32(truncatingIfNeeded: id)) == XS.transactionEnd,
              "abort: %s", Xenstore.replyText)
    }
}

/// Requests posted without reading the replies: the server must stop reading requests while its
/// replies are not consumed (the outstanding-request quota), and answer all of them, in order,
/// once they are.
func outstandingQuota() {
    var r = XSRequest(XS.write)
    r.append("data/v"); r.nul(); r.append(repeating: UInt8(ascii: "v"), count: 200)
    check(Xenstore.call(r) == XS.write, "write data/v: %s", Xenstore.replyText)
    let count: UInt32 = 40                 // 40 * 23 bytes fit in the 1024-byte request ring
    let start = Xenstore.field(XS.reqConsOffset)
    var first: UInt32 = 0
    for k in 0..<count {
        var q = XSRequest(XS.read)
        q.append("data/v"); q.nul()
        guard let id = Xenstore.post(q) else {
            check(false, "could not post request %u", k)
            return
        }
        if k == 0 { first = id }
    }
    // Let the server do what it will, without reading anything: until req_cons has not moved
    // for 100 ms (at most 2 s).
    let deadline = Time.now() + 2 * Time.nsPerSecond
    var last = Xenstore.field(XS.reqConsOffset)
    var stableSince = Time.now()
    while Time.now() < deadline && Time.now() - stableSince < 100 * Time.nsPerMillisecond {
        Events.clearPending(Xenstore.port)
        Evtchn.poll(Xenstore.port, until: Time.now() + 10 * Time.nsPerMillisecond)
        let now = Xenstore.field(XS.reqConsOffset)
        if now != last { last = now; stableSince = Time.now() }
    }
    let consumed = (Xenstore.field(XS.reqConsOffset) &- start) / 23
    printf("outstanding: the server read %u of %u requests with its reply ring full\n", consumed, count)
    check(consumed < count, "outstanding quota: the server read all %u requests without any reply read", consumed)
    check(consumed > 0, "outstanding quota: the server read none of the requests in 2 s")
    for k in 0..<count {
        let type = Xenstore.awaitReply(first &+ k)
        if !check(type == XS.read && Xenstore.replyLength == 200, "outstanding: reply %u: type %u, %u bytes",
                  k, type, Xenstore.replyLength) { return }
    }
    check(Xenstore.field(XS.reqConsOffset) == Xenstore.field(XS.reqProdOffset), "requests left unread")
    _ = simple(XS.rm, "data/v")
}

// MARK: - Xenstore protocol violations

/// Waits until the page's error field is non-zero; returns it.
func awaitRingError() -> UInt32 {
    let deadline = Time.now() + Xenstore.timeout
    while true {
        Events.clearPending(Xenstore.port)
        let e = Xenstore.field(XS.errorOffset)
        if e != XS.errorNone || !Xenstore.wait(until: deadline) { return e }
    }
}

func xenstoreProtocol() {
    let features = Xenstore.field(XS.serverFeaturesOffset)
    printf("xenstore server features %x\n", features)
    guard features & XS.featureError != 0, features & XS.featureReconnection != 0 else {
        printf("the server offers no error field or no reconnection: protocol violations not tested\n")
        return
    }
    // A header announcing more than XENSTORE_PAYLOAD_MAX, 20 times (the host must not log each).
    var e: UInt32 = 0
    for round in 0..<20 {
        guard check(Xenstore.postHeader(type: XS.read, length: UInt32(XS.payloadMax) + 1),
                    "could not send the oversized header (round %u)", round) else { return }
        e = awaitRingError()
        guard check(e == XS.errorProto, "oversized message: ring error %u, expected 3 (XENSTORE_ERROR_PROTO)", e),
              check(!Xenstore.hasInput, "oversized message: the server replied") else { return }
        // Kicking a stopped ring must not make the server do (or log) anything.
        if round == 0 { for _ in 0..<50 { Xenstore.kick() } }
        guard check(Xenstore.reconnect(), "ring reconnection after XENSTORE_ERROR_PROTO did not complete") else { return }
    }
    check(Xenstore.field(XS.errorOffset) == XS.errorNone && Xenstore.field(XS.reqProdOffset) == 0
            && Xenstore.field(XS.rspConsOffset) == 0, "reconnection left error %u req_prod %u rsp_cons %u",
          Xenstore.field(XS.errorOffset), Xenstore.field(XS.reqProdOffset), Xenstore.field(XS.rspConsOffset))
    check(simple(XS.read, "domid") == XS.read, "read domid after reconnecting: %s", Xenstore.replyText)

    // req_prod past the ring.
    Xenstore.setField(XS.reqProdOffset, Xenstore.field(XS.reqConsOffset) &+ 5000)
    Xenstore.kick()
    e = awaitRingError()
    check(e == XS.errorRingidx, "req_prod past the ring: ring error %u, expected 2 (XENSTORE_ERROR_RINGIDX)", e)
    check(Xenstore.reconnect(), "ring reconnection after XENSTORE_ERROR_RINGIDX did not complete")
    check(simple(XS.read, "domid") == XS.read, "read domid after the second reconnection: %s", Xenstore.replyText)

    // rsp_cons past the ring: noticed when the server next writes a reply.
    Xenstore.setField(XS.rspConsOffset, Xenstore.field(XS.rspProdOffset) &- 3000)
    var r = XSRequest(XS.read)
    r.append("domid"); r.nul()
    check(Xenstore.post(r) != nil, "could not send a request with rsp_cons past the ring")
    e = awaitRingError()
    check(e == XS.errorRingidx, "rsp_cons past the ring: ring error %u, expected 2 (XENSTORE_ERROR_RINGIDX)", e)
    check(Xenstore.reconnect(), "ring reconnection after a bad rsp_cons did not complete")
    check(simple(XS.read, "domid") == XS.read, "read domid after the third reconnection: %s", Xenstore.replyText)
    printf("xenstore: protocol errors reported, ring reconnected three times\n")
}
