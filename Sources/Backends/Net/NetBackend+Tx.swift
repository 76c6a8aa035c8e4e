// The guest's transmit direction: packets from the transmit ring to the
// host device. Linux netback's xenvif_tx_action (netback.c), done
// synchronously: walk the slots (NetTxParse), pin every data grant
// read-only, build the virtio header from NETTXF_csum_blank and the GSO
// extra (finding csum_start / csum_offset in the headers, as netback's
// checksum_setup), then one writev(2) of the header and iovecs pointing
// straight into the granted pages; unpin; answer every slot. Grants are
// released before the frontend sees the responses, so its
// gnttab_end_foreign_access succeeds (netfront checks it).
//
// NETTXF_data_validated alone (a forwarded packet) is not passed on: the
// virtio header has no "valid" flag for this direction, so the host
// verifies such packets itself.
import Glibc
import GuestMemory
import XenABI

extension NetBackend {
    /// Consumes every transmit packet available on the queue, up to the
    /// budget, then re-arms `req_event`.
    func transmit(_ q: NetQueue, _ state: inout NetQueueState, _ result: inout ProcessResult, grants: GrantAccess) {
        let budget = options.packetsPerProcess
        while true {
            guard let pending = state.tx.unconsumedRequests() else {
                state.fault = state.tx.fault
                return
            }
            if pending == 0 {
                if state.tx.finalCheckForRequests() { continue }
                if let fault = state.tx.fault { state.fault = fault }
                return
            }
            var available = Int(pending)
            while available > 0 {
                guard result.txPackets < budget else {
                    result.moreWork = true
                    return
                }
                let parse = NetTxParse.parse(published: available) { i in state.tx.copyRequest(ahead: UInt32(i)) }
                switch parse {
                case .fatal(let f):
                    state.halt(.frontend("transmit: \(f)"))
                    return
                case .multicast(_, _, let responses):
                    respond(&state.tx, responses)
                    metrics.update { $0.txMulticast += 1 }
                case .drop(let why, let responses):
                    respond(&state.tx, responses)
                    metrics.update { $0.txErrors += 1 }
                    metrics.logLimited(logger, key: why.key, "queue \(q.index): transmit: \(why)")
                case .packet(let p):
                    let status: NetifRsp
                    do {
                        let fixup = try send(p, channel: q.channel, grants: grants)
                        status = .okay
                        metrics.update {
                            $0.txPackets += 1
                            $0.txBytes += UInt64(p.length)
                            if p.gso != nil { $0.txGSO += 1 }
                            if fixup { $0.txGSOChecksumFixup += 1 }
                        }
                    } catch {
                        if case .device = error { status = .dropped } else { status = .error }
                        metrics.update { $0.txErrors += 1 }
                        metrics.logLimited(logger, key: error.key, "queue \(q.index): transmit: \(error)")
                    }
                    respond(&state.tx, p.responses(status))
                }
                if let fault = state.tx.fault {
                    state.fault = fault
                    return
                }
                metrics.update { $0.txSlots += UInt64(parse.slotCount) }
                available -= parse.slotCount
                result.txPackets += 1
                if state.tx.pushResponses() { result.notifyTx = true }
            }
        }
    }

    /// Consumes the slots `responses` answer and writes the responses.
    private func respond(_ ring: inout BackRing, _ responses: [NetifTxResponse]) {
        ring.consume(UInt32(responses.count))
        for r in responses { ring.putResponse(r.encoded()) }
    }

    /// Sends one packet to the device: the virtio header, then the data
    /// straight from the granted pages. Returns true if the GSO checksum
    /// had to be fixed up (netback's `rx_gso_checksum_fixup`).
    func send(_ p: NetTxPacket, channel: NetFrameChannel, grants: GrantAccess) throws(NetTxDrop) -> Bool {
        let slots = p.dataSlots
        let mappings: [GrantMapping]
        do {
            mappings = try grants.mapAll(slots.map { (ref: $0.gref, writable: false) })
        } catch {
            throw .grant(error)
        }
        defer { grants.unmapAll(mappings) }

        // The headers, copied once for parsing.
        var header: [UInt8] = []
        let want = min(p.length, NetChecksumSetup.maxHeaderBytes)
        for (s, m) in zip(slots, mappings) where header.count < want {
            let n = min(s.length, want - header.count)
            guard n > 0 else { continue }
            do {
                header += try grants.memory.read(at: m.machineAddress + UInt64(s.offset), count: n)
            } catch {
                throw .grant(.frameNotRAM(m.ref, frame: m.frame))
            }
        }

        var vnet = VirtioNetHdr()
        var prefix: [UInt8] = []
        var fixup = false
        let csumBlank = p.first.flags.contains(.csumBlank)
        let gso = p.gso
        if csumBlank || gso != nil {
            let setup: NetChecksumSetup
            do {
                setup = try NetChecksumSetup.parse(header[...], frameLength: p.length)
            } catch {
                throw .checksum(error)
            }
            vnet.flags = VirtioNetHdr.needsCsum
            vnet.csumStart = UInt16(setup.csumStart)
            vnet.csumOffset = UInt16(setup.csumOffset)
            vnet.hdrLen = UInt16(max(setup.headerLength, setup.csumStart + setup.csumOffset + 2))
            if let gso {
                switch gso.gsoType {
                case .tcpv4:
                    guard setup.isTCPv4 else { throw .gsoMismatch(gso.gsoType) }
                    vnet.gsoType = VirtioNetHdr.gsoTCPv4
                default:
                    guard setup.isTCPv6 else { throw .gsoMismatch(gso.gsoType) }
                    vnet.gsoType = VirtioNetHdr.gsoTCPv6
                }
                vnet.gsoSize = gso.gsoSize
                if !csumBlank {
                    // A GSO packet must carry a partial checksum; a frontend
                    // that did not say so gets the pseudo-header sum written
                    // into a copy of its headers (netback's checksum_setup
                    // with recalculate_partial_csum).
                    prefix = Array(header[0 ..< setup.headerLength])
                    let at = setup.csumStart + setup.csumOffset
                    prefix[at] = UInt8(setup.pseudoHeaderSum >> 8)
                    prefix[at + 1] = UInt8(setup.pseudoHeaderSum & 0xff)
                    fixup = true
                }
            }
        }

        let head = vnet.encoded() + prefix
        let total = head.count + p.length - prefix.count
        let sent: Result<Int, HostErrno> = unsafe head.withUnsafeBytes { hb in
            var iov: [iovec] = unsafe []
            unsafe iov.reserveCapacity(slots.count + 1)
            // SAFETY: `head` outlives the call; writev only reads through it.
            unsafe iov.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: hb.baseAddress), iov_len: hb.count))
            var skip = prefix.count
            for (s, m) in zip(slots, mappings) {
                var offset = s.offset
                var length = s.length
                if skip > 0 {
                    let k = min(skip, length)
                    offset += k
                    length -= k
                    skip -= k
                }
                guard length > 0 else { continue }
                // SAFETY: NetTxParse checked offset + length <= 4096 for
                // every slot, so the range is inside the frame `m` pins,
                // which stays mapped until the deferred unmap.
                unsafe iov.append(iovec(iov_base: m.baseAddress + offset, iov_len: length))
            }
            return unsafe iov.withUnsafeBufferPointer { buffer in
                do throws(HostErrno) {
                    // SAFETY: `buffer` holds `buffer.count` initialised iovecs.
                    return .success(try unsafe channel.send(buffer.baseAddress!, count: buffer.count))
                } catch {
                    return .failure(error)
                }
            }
        }
        switch sent {
        case .success(let n):
            guard n == total else { throw .device(HostErrno(EIO)) }
        case .failure(let e):
            throw .device(e)
        }
        return fixup
    }
}
