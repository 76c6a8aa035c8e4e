/// One entry of `vif = [ ... ]`: a virtual network interface, served by
/// Xenolith's netback-style backend over a TAP device on the host.
///
/// The entry follows xl-network-configuration(5): comma-separated
/// `key=value` pairs and flags, all optional (`''` is a NIC with every
/// default). What Xenolith does with each key:
///
/// - `mac`: the guest's MAC; default 00:16:3e plus three random bytes (the
///   first below 0x80), as libxl, chosen once per `create`.
/// - `bridge`: the bridge the TAP joins. Without it the TAP is left
///   unattached (libxl would use `xenbr0` through the vif-bridge script).
/// - `vifname`: the TAP's name; default `vif<domid>.<devid>`. A TAP of that
///   name that already exists (`ip tuntap add NAME mode tap vnet_hdr
///   multi_queue`) is used as it is.
/// - `type`: `vif` only (`ioemu` is an emulated NIC of HVM guests).
/// - `script`: only `vif-bridge` (with any directory), which is exactly what
///   Xenolith does itself; other hotplug scripts are refused, since
///   Xenolith runs none and ignoring one would silently change the network.
/// - `ip`: written to the backend's `ip` node as libxl does; only hotplug
///   scripts act on it, so a warning says nothing enforces it.
/// - `model`: accepted with a warning (it names the emulated NIC of HVM
///   guests; PV guests ignore it).
/// - `devid`: the device number (default: after the largest given one).
/// - `trusted` / `untrusted`: the frontend's `trusted` node.
/// - `rate`, `mtu`, `vlan`, `gatewaydev`, `netdev`, `backend` (other than
///   domain 0), `forwarddev`, `colo_*`: refused as not supported yet.
/// - anything else: refused as unknown (xl would ignore it silently).
///
/// Xen: `libxl_device_nic` (tools/libs/light/libxl_types.idl) as filled by
/// `parse_nic_config` (tools/xl/xl_parse.c) and
/// `libxl__device_nic_setdefault` (tools/libs/light/libxl_nic.c),
/// docs/man/xl-network-configuration.5.pod.in.
public struct NicSpec: Sendable, Hashable {
    /// The device number: the `<devid>` of the xenstore directories and
    /// the `handle` node. Xen: `libxl_device_nic.devid`.
    public var devid: Int
    /// `mac`; nil until chosen (see `withMAC`). Xen: `libxl_device_nic.mac`.
    public var mac: MACAddress?
    /// `bridge`. Xen: `libxl_device_nic.bridge`.
    public var bridge: String?
    /// `vifname`: the TAP's name. Xen: `libxl_device_nic.ifname`.
    public var vifname: String?
    /// `ip`. Xen: `libxl_device_nic.ip`.
    public var ip: String?
    /// `script` as written (only vif-bridge is accepted).
    public var script: String?
    /// `trusted` / `untrusted` (default trusted). Xen: `libxl_device_nic.trusted`.
    public var trusted: Bool = true

    public init(devid: Int, mac: MACAddress? = nil, bridge: String? = nil, vifname: String? = nil) {
        self.devid = devid
        self.mac = mac
        self.bridge = bridge
        self.vifname = vifname
    }

    /// The TAP's name for a domain: `vifname`, or libxl's default
    /// `vif<domid>.<devid>`.
    public func tapName(domid: Int) -> String {
        vifname ?? "vif\(domid).\(devid)"
    }

    /// This NIC with `mac` filled in by `generate` when it was not given.
    public func withMAC(_ generate: () -> MACAddress) -> NicSpec {
        var n = self
        if n.mac == nil { n.mac = generate() }
        return n
    }

    /// The canonical xl form of this entry, which parses back to it.
    public var xlText: String {
        var parts: [String] = []
        if let mac { parts.append("mac=\(mac)") }
        if let bridge { parts.append("bridge=\(bridge)") }
        if let vifname { parts.append("vifname=\(vifname)") }
        if let ip { parts.append("ip=\(ip)") }
        if let script { parts.append("script=\(script)") }
        parts.append("devid=\(devid)")
        if !trusted { parts.append("untrusted") }
        return parts.joined(separator: ", ")
    }
}

/// A 48-bit Ethernet address.
public struct MACAddress: Sendable, Hashable, CustomStringConvertible {
    /// The six bytes, most significant first.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Six groups of one or two hex digits separated by ':' (or '-').
    public init?(parsing text: String) {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false).count == 6
            ? text.split(separator: ":", omittingEmptySubsequences: false)
            : text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for g in groups {
            guard (1...2).contains(g.count), g.allSatisfy(\.isHexDigit), let b = UInt8(g, radix: 16) else { return nil }
            bytes.append(b)
        }
        self.bytes = bytes
    }

    /// True for a group address (the I/G bit, bit 0 of the first byte).
    public var isMulticast: Bool { bytes[0] & 1 != 0 }

    /// libxl's default: Xen's OUI 00:16:3e, then three random bytes with
    /// the first below 0x80. Xen: `libxl__device_nic_setdefault`.
    public static func xenRandom<G: RandomNumberGenerator>(using rng: inout G) -> MACAddress {
        let r = UInt32.random(in: 0 ... 0xff_ffff, using: &rng)
        return MACAddress(bytes: [0x00, 0x16, 0x3e, UInt8((r >> 16) & 0x7f), UInt8((r >> 8) & 0xff), UInt8(r & 0xff)])!
    }

    /// Lower-case, colon-separated (`LIBXL_MAC_FMT`).
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}

extension NicSpec {
    /// Parses one `vif` entry; `problem` of the error is one lower-case
    /// clause. The devid is `index` unless the entry sets one (the caller
    /// numbers the others after the largest given, as xl). Returns the
    /// warnings to print.
    ///
    /// Xen: `parse_nic_config`, tools/xl/xl_parse.c.
    public static func parse(_ text: String, index: Int) throws(NicSpecError) -> (spec: NicSpec, givenDevid: Bool, warnings: [String]) {
        var spec = NicSpec(devid: index)
        var seen: Set<String> = []
        var givenDevid = false
        var warnings: [String] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: true) {
            let token = raw.trimmedBlanks()
            if token.isEmpty { continue }
            guard let eq = token.firstIndex(of: "=") else {
                switch token {
                case "trusted": spec.trusted = true
                case "untrusted": spec.trusted = false
                default: throw .invalid("unknown parameter '\(token)'")
                }
                continue
            }
            let key = String(token[..<eq]), value = String(token[token.index(after: eq)...])
            guard seen.insert(key).inserted else { throw .repeated(key) }
            switch key {
            case "mac":
                guard let mac = MACAddress(parsing: value) else {
                    throw .invalid("mac '\(value)' is not six hex bytes separated by ':' (e.g. 00:16:3e:12:34:56)")
                }
                guard !mac.isMulticast else { throw .invalid("mac '\(value)' is a multicast address, which no NIC can have") }
                spec.mac = mac
            case "bridge":
                try checkInterfaceName(value, key: key)
                spec.bridge = value
            case "vifname":
                try checkInterfaceName(value, key: key)
                spec.vifname = value
            case "type":
                switch value {
                case "vif": break
                case "ioemu": throw .invalid("type 'ioemu' is an emulated NIC of HVM guests; PV guests take 'vif'")
                default: throw .invalid("type must be 'vif' or 'ioemu', not '\(value)'")
                }
            case "script":
                let base = value.split(separator: "/").last.map(String.init) ?? ""
                guard base == "vif-bridge" else {
                    throw .unsupported("script '\(value)' is not supported: Xenolith runs no hotplug scripts; it creates the TAP and adds it to bridge= itself, as vif-bridge would")
                }
                spec.script = value
            case "ip":
                guard !value.isEmpty else { throw .invalid("ip must not be empty") }
                spec.ip = value
                warnings.append("vif \(index): ip=\(value) is only recorded in xenstore; no hotplug script enforces it")
            case "model":
                warnings.append("vif \(index): model=\(value) ignored (it names an emulated NIC of HVM guests)")
            case "devid":
                guard let n = Int(value), (0...Int(Int32.max)).contains(n) else {
                    throw .invalid("devid must be a number from 0 to \(Int32.max), not '\(value)'")
                }
                spec.devid = n
                givenDevid = true
            case "backend":
                guard value == "0" || value == "Domain-0" else {
                    throw .unsupported("backend '\(value)' is not supported (driver domains); the backend is domain 0")
                }
            case "rate", "mtu", "vlan", "gatewaydev", "netdev", "forwarddev", "accel":
                throw .unsupported("'\(key)=' is not supported yet")
            default:
                if key.hasPrefix("colo_") { throw .unsupported("'\(key)=' (COLO) is not supported") }
                throw .invalid("unknown parameter '\(key)='")
            }
        }
        return (spec, givenDevid, warnings)
    }

    /// A Linux interface name (`dev_valid_name`, net/core/dev.c): 1 to 15
    /// bytes, not "." or "..", no '/', ':' or white space.
    static func checkInterfaceName(_ name: String, key: String) throws(NicSpecError) {
        guard !name.isEmpty, name.utf8.count <= 15, name != ".", name != "..",
              !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) else {
            throw .invalid("\(key) '\(name)' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)")
        }
    }
}

/// Why a `vif` entry was refused: one lower-case clause.
public enum NicSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not valid xl either.
    case invalid(String)
    /// Valid for xl, not implemented by Xenolith.
    case unsupported(String)
    /// A parameter given twice.
    case repeated(String)

    public var description: String {
        switch self {
        case .invalid(let s), .unsupported(let s): return s
        case .repeated(let key): return "'\(key)' is given more than once"
        }
    }
}

extension Substring {
    /// Without leading and trailing blanks (spaces, tabs).
    fileprivate func trimmedBlanks() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
