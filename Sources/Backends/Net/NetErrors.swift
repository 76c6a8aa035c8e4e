// The network backend's errors, one type per operation (STYLE.md §4):
// attaching to the frontend's rings (its xenstore parameters; the xenbus
// layer reports it as xenbus_dev_fatal would) and a queue that stopped
// because the frontend broke the protocol. Host device errors are
// NetDeviceError (NetIO.swift); refused packets are NetTxDrop / NetRxDrop.

/// `NetBackend.attach` refused the frontend's transport parameters.
/// Linux netback fails `connect` / `connect_data_rings` for the same.
public indirect enum NetAttachError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `multi-queue-num-queues` is 0 or above `multi-queue-max-queues`.
    case queueCount(requested: Int, max: Int)
    /// The frontend did not ask for receive-by-copy (`request-rx-copy`);
    /// the page-flipping receive path is not offered.
    case rxCopyRequired
    /// Already attached; detach first (xenbus reconnect).
    case alreadyAttached
    /// A ring could not be attached.
    case ring(String, BackRingAttachError)
    /// The host device could not open the queues or take the offloads.
    case device(NetDeviceError)
    /// The error concerns queue `n` (`queue-n/` in xenstore).
    case queue(Int, NetAttachError)

    public var description: String {
        switch self {
        case .queueCount(let n, let max): return "frontend requested \(n) queues (1...\(max) allowed)"
        case .rxCopyRequired: return "frontend does not request rx-copy (request-rx-copy); rx-flip is not supported"
        case .alreadyAttached: return "already connected to the rings"
        case .ring(let which, let e): return "\(which) ring: \(e)"
        case .device(let e): return "\(e)"
        case .queue(let q, let e): return "queue \(q): \(e)"
        }
    }
}

/// Why a received frame was not delivered to the guest.
public enum NetRxDrop: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shorter than a virtio header plus an Ethernet header.
    case runt(Int)
    /// A GSO frame the frontend did not ask for (`feature-gso-*`).
    case gsoNotNegotiated(UInt8)
    /// More slots than the frontend takes (one without `feature-sg`).
    case tooBig(bytes: Int, slots: Int, max: Int)
    /// A blank checksum that could not be completed or offered.
    case checksum(String)

    var key: String {
        switch self {
        case .runt: return "rx-runt"
        case .gsoNotNegotiated: return "rx-gso"
        case .tooBig: return "rx-size"
        case .checksum: return "rx-checksum"
        }
    }

    public var description: String {
        switch self {
        case .runt(let n): return "frame of \(n) bytes from the host is too short; dropped"
        case .gsoNotNegotiated(let t): return "GSO frame (virtio gso_type \(t)) the frontend did not negotiate; dropped"
        case .tooBig(let b, let s, let m): return "frame of \(b) bytes needs \(s) slots, the frontend takes \(m); dropped"
        case .checksum(let why): return "frame with a blank checksum: \(why); dropped"
        }
    }
}
