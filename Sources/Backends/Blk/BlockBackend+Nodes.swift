// The backend's xenstore nodes (public/io/blkif.h "Backend XenBus Nodes"),
// as values for the xenbus layer to write under
// /local/domain/0/backend/vbd/<domid>/<devid>/. Linux blkback writes the
// transport parameters in xen_blkbk_probe (before InitWait) and the device
// properties in connect() (before Connected); both sets are offered here.

extension BlockBackend {
    /// Transport parameters, to write before switching to InitWait so the
    /// frontend can size its rings: `feature-max-indirect-segments`,
    /// `max-ring-page-order`, `multi-queue-max-queues`.
    public var transportNodes: [String: String] {
        [
            "feature-max-indirect-segments": "\(options.maxIndirectSegments)",
            "max-ring-page-order": "\(options.maxRingPageOrder)",
            "multi-queue-max-queues": "\(options.maxQueues)",
        ]
    }

    /// Device properties and features, to write (in one transaction) before
    /// switching to Connected: `sectors`, `sector-size` (always 512: we do
    /// not honour `feature-large-sector-size`), `info` (VDISK_READONLY),
    /// `feature-flush-cache` and `feature-barrier` (1 when writable),
    /// `feature-discard` with `discard-granularity`, `discard-alignment`
    /// and `discard-secure` (0).
    public var deviceNodes: [String: String] {
        let writable = !readOnly
        var nodes: [String: String] = [
            "sectors": "\(sectors)",
            "sector-size": "\(Blkif.sectorSize)",
            "info": "\((readOnly ? Vdisk.readonly : []).rawValue)",
            "feature-flush-cache": writable ? "1" : "0",
            "feature-barrier": writable ? "1" : "0",
            "feature-discard": discardEnabled ? "1" : "0",
        ]
        if discardEnabled {
            nodes["discard-granularity"] = "\(image.blockSize)"
            nodes["discard-alignment"] = "0"
            nodes["discard-secure"] = "0"
        }
        return nodes
    }

    /// Every node the backend publishes: `transportNodes` and `deviceNodes`.
    public var backendNodes: [String: String] {
        transportNodes.merging(deviceNodes) { a, _ in a }
    }
}
