// The guest's receive direction: frames from the host device into the
// buffers the frontend posts on the receive ring (rx-copy). Linux
// netback's rx.c (xenvif_rx_skb, xenvif_rx_data_slot,
// xenvif_rx_extra_slot), done synchronously: read one frame with its
// virtio header, decide its flags and slots, wait (keeping the frame) until
// the frontend has posted that many buffers, then copy it page by page:
// slot 0 holds the first 4 KiB with the checksum flags and
// NETRXF_extra_info for a GSO frame, slot 1 the GSO extra-info, the other
// slots the rest, each but the last with NETRXF_more_data. Every response
// goes in the slot of the request it consumed (netfront relies on it).
import GuestMemory
import XenABI

/// How one frame from the host is delivered.
struct NetRxPlan: Equatable, Sendable {
    /// Frame bytes (after the virtio header in the queue's buffer).
    var length: Int
    /// The first data slot's checksum flags.
    var flags: NetRxFlags
    /// The GSO extra-info slot, for a GSO frame.
    var gso: NetifExtraInfo?
    /// Data slots (4 KiB each, the last partial).
    var dataSlots: Int

    /// Ring slots the frame uses.
    var slots: Int { dataSlots + (gso == nil ? 0 : 1) }
}

extension NetBackend {
    /// Delivers frames from the device while the frontend has buffers, up
    /// to the budget; a frame that does not fit waits in the queue, with
    /// `req_event` armed so the frontend's next post kicks us.
    func receive(_ q: NetQueue, _ state: inout NetQueueState, _ result: inout ProcessResult, grants: GrantAccess) {
        let budget = options.packetsPerProcess
        while true {
            let plan: NetRxPlan
            if let waiting = state.pending {
                plan = waiting
            } else {
                guard result.rxPackets < budget else {
                    result.moreWork = true
                    return
                }
                let length: Int
                do {
                    guard let n = try q.channel.receive(into: &state.buffer) else { return }
                    length = n
                } catch {
                    metrics.logLimited(logger, key: "rx-device", "queue \(q.index): reading from '\(device.name)' failed: \(error)")
                    return
                }
                result.rxPackets += 1
                switch Self.plan(&state.buffer, length: length, features: q.features) {
                case .failure(let drop):
                    metrics.update { $0.rxDropped += 1 }
                    metrics.logLimited(logger, key: drop.key, "queue \(q.index): receive: \(drop)")
                    continue
                case .success(let (p, completed)):
                    if completed { metrics.update { $0.rxChecksumCompleted += 1 } }
                    plan = p
                }
                state.pending = plan
            }
            guard var available = state.rx.unconsumedRequests() else {
                state.fault = state.rx.fault
                return
            }
            if available < UInt32(plan.slots) {
                metrics.update { $0.rxWaits += 1 }
                guard let again = state.rx.armRequestEvent() else {
                    state.fault = state.rx.fault
                    return
                }
                guard again >= UInt32(plan.slots) else {
                    result.rxWaiting = true
                    return
                }
                available = again
            }
            guard deliver(plan, &state, grants: grants) else {
                state.fault = state.rx.fault ?? .memory
                return
            }
            state.pending = nil
            metrics.update {
                $0.rxPackets += 1
                $0.rxBytes += UInt64(plan.length)
                $0.rxSlots += UInt64(plan.slots)
                if plan.gso != nil { $0.rxGSO += 1 }
            }
            if state.rx.pushResponses() { result.notifyRx = true }
        }
    }

    /// Decides how the frame in `buffer[0..<length]` (virtio header and
    /// frame) goes to a frontend with `features`; may complete a blank
    /// checksum in place (then `completed` is true).
    static func plan(_ buffer: inout [UInt8], length: Int,
                     features f: FrontendFeatures) -> Result<(NetRxPlan, completed: Bool), NetRxDrop> {
        let h = VirtioNetHdr.size
        guard length >= h + Netif.ethHeaderLength else { return .failure(.runt(length)) }
        let hdr = VirtioNetHdr(decoding: buffer)
        let frameLength = length - h
        var gso: NetifExtraInfo?
        switch hdr.gsoType & ~VirtioNetHdr.gsoECN {
        case VirtioNetHdr.gsoNone:
            break
        case VirtioNetHdr.gsoTCPv4 where f.sg && f.gsoTCPv4 && hdr.gsoSize > 0:
            gso = .gso(size: hdr.gsoSize, type: .tcpv4)
        case VirtioNetHdr.gsoTCPv6 where f.sg && f.gsoTCPv6 && hdr.gsoSize > 0:
            gso = .gso(size: hdr.gsoSize, type: .tcpv6)
        default:
            return .failure(.gsoNotNegotiated(hdr.gsoType))
        }
        var flags: NetRxFlags = []
        var completed = false
        if hdr.flags & VirtioNetHdr.needsCsum != 0 {
            // The frontend finds the checksum field again from the headers
            // (netfront's checksum_setup): leave it blank only where that
            // finds the field the host named, for an IP version the
            // frontend takes blank checksums for.
            let setup = try? NetChecksumSetup.parse(buffer[h ..< min(length, h + NetChecksumSetup.maxHeaderBytes)],
                                                    frameLength: frameLength)
            let blankOK = setup.map {
                $0.csumStart == Int(hdr.csumStart) && $0.csumOffset == Int(hdr.csumOffset)
                    && ($0.ipVersion == 4 ? f.ipCsum : f.ipv6Csum)
            } ?? false
            if blankOK {
                flags = [.csumBlank, .dataValidated]
            } else if gso != nil {
                return .failure(.checksum("GSO frame whose checksum the frontend cannot take blank"))
            } else {
                guard NetChecksumSetup.complete(&buffer, frame: h ..< length, start: Int(hdr.csumStart),
                                                offset: Int(hdr.csumOffset)) else {
                    return .failure(.checksum("csum_start \(hdr.csumStart) + csum_offset \(hdr.csumOffset) outside the frame"))
                }
                flags = [.dataValidated]
                completed = true
            }
        } else if hdr.flags & VirtioNetHdr.dataValid != 0 {
            flags = [.dataValidated]
        }
        let dataSlots = max(1, (frameLength + Netif.pageSize - 1) / Netif.pageSize)
        let maxSlots = f.sg ? Netif.nrSlotsMin : 1
        guard dataSlots <= maxSlots else {
            return .failure(.tooBig(bytes: frameLength, slots: dataSlots, max: maxSlots))
        }
        return .success((NetRxPlan(length: frameLength, flags: flags, gso: gso, dataSlots: dataSlots), completed))
    }

    /// Copies the pending frame into the next `plan.slots` receive
    /// buffers and writes their responses; false on a ring fault.
    private func deliver(_ plan: NetRxPlan, _ state: inout NetQueueState, grants: GrantAccess) -> Bool {
        var requests: [NetifRxRequest] = []
        requests.reserveCapacity(plan.slots)
        for k in 0..<plan.slots {
            guard let bytes = state.rx.copyRequest(ahead: UInt32(k)) else { return false }
            requests.append(NetifRxRequest(decoding: bytes))
        }
        state.rx.consume(UInt32(plan.slots))
        let base = VirtioNetHdr.size
        var data = 0
        for (k, req) in requests.enumerated() {
            if k == 1, let gso = plan.gso {
                // The extra-info slot overlays the response (netback's
                // xenvif_rx_extra_slot); its request's buffer stays unused.
                state.rx.putResponse(gso.encoded())
                continue
            }
            let start = data * Netif.pageSize
            let count = min(Netif.pageSize, plan.length - start)
            var flags: NetRxFlags = []
            if data == 0 {
                flags = plan.flags
                if plan.gso != nil { flags.insert(.extraInfo) }
            }
            if data < plan.dataSlots - 1 { flags.insert(.moreData) }
            var status = Int16(count)
            do {
                let m = try grants.map(req.gref, writable: true)
                // SAFETY: `m` pins a writable 4096-byte RAM frame and
                // count <= 4096; the source range lies inside the buffer
                // (base + start + count <= base + plan.length <= its size).
                unsafe state.buffer.withUnsafeBytes { src in
                    unsafe m.baseAddress.copyMemory(from: src.baseAddress! + base + start, byteCount: count)
                }
                grants.unmap(m)
            } catch {
                status = NetifRsp.error.rawValue
                metrics.logLimited(logger, key: "rx-grant", "receive: \(error); frame dropped by the frontend")
            }
            state.rx.putResponse(NetifRxResponse(id: req.id, offset: 0, flags: flags, status: status).encoded())
            data += 1
        }
        return state.rx.fault == nil
    }
}
