// The backend's xenstore nodes (public/io/netif.h), as values for the
// xenbus layer to write under /local/domain/0/backend/vif/<domid>/<devid>/
// before switching to InitWait, as Linux netback's netback_probe does.

extension NetBackend {
    /// The features this backend offers: scatter-gather, TSO both IP
    /// versions and IPv6 checksum offload on transmit; receive by copy
    /// only (`feature-rx-flip` 0); split event channels; up to
    /// `options.maxQueues` queues. Not offered: multicast control, the
    /// control ring (hashing), XDP headroom.
    public var backendNodes: [String: String] {
        [
            "feature-sg": "1",
            "feature-gso-tcpv4": "1",
            "feature-gso-tcpv6": "1",
            "feature-ipv6-csum-offload": "1",
            "feature-rx-copy": "1",
            "feature-rx-flip": "0",
            "feature-split-event-channels": "1",
            "multi-queue-max-queues": "\(options.maxQueues)",
        ]
    }
}
