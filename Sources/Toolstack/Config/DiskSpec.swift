/// One entry of `disk = [ ... ]`: a raw image (or block device) exported to
/// the guest as a Xen virtual block device.
///
/// The entry follows xl-disk-configuration(5): comma-separated `key=value`
/// pairs, flags and positional parameters, the positional ones filling
/// `target`, `format`, `vdev`, `access` in that order when not given by
/// name; `target=` takes the rest of the entry and so comes last. Empty
/// values take the defaults (format raw, access rw). Xenolith serves raw
/// images with its own blkback-style backend, so only `format=raw`,
/// `devtype=disk` and `backendtype=phy` are accepted; the deprecated
/// `prefix:` syntaxes are not.
///
/// Xen: `libxl_device_disk` (tools/libs/light/libxl_types.idl) as filled by
/// `xlu_disk_parse` (tools/libs/util/libxlu_disk_l.l), docs/man/xl-disk-configuration.5.pod.in.
public struct DiskSpec: Sendable, Hashable {
    /// `access`: ro/r or rw/w. Xen: `libxl_device_disk.readwrite`.
    public enum Access: String, Sendable, Hashable {
        case readOnly = "ro"
        case readWrite = "rw"
    }

    /// `target`: the image file or block device. Xen: `pdev_path`.
    public var target: ConfigPath
    /// `vdev` as written (`xvda`). Xen: `libxl_device_disk.vdev`.
    public var vdev: String
    /// The Xen device number of `vdev` (docs/misc/vbd-interface.txt), the
    /// `<devid>` of the xenstore directories and the `virtual-device` node.
    public var devid: UInt32
    /// `access`, default read-write.
    public var access: Access = .readWrite
    /// `discard` / `no-discard` flags (default discard).
    public var discard: Bool = true

    public var readOnly: Bool { access == .readOnly }

    public init(target: ConfigPath, vdev: String, devid: UInt32, access: Access = .readWrite) {
        self.target = target
        self.vdev = vdev
        self.devid = devid
        self.access = access
    }

    /// The canonical xl form of this entry, which parses back to it.
    public var xlText: String {
        "format=raw, vdev=\(vdev), access=\(access.rawValue)\(discard ? "" : ", no-discard"), target=\(target.resolved)"
    }
}

extension DiskSpec {
    /// Parses one `disk` entry; `problem` of the error is one lower-case clause.
    /// Xen: `xlu_disk_parse`, tools/libs/util/libxlu_disk.c.
    public static func parse(_ text: String, workingDirectory: String) throws(DiskSpecError) -> DiskSpec {
        enum Positional: Int, CaseIterable { case target, format, vdev, access }
        var given: [Positional: String] = [:]
        var discard = true
        var rest = Substring(text)
        while !rest.isEmpty {
            // Whitespace before each parameter is ignored.
            rest = rest.drop { $0 == " " || $0 == "\t" }
            if rest.hasPrefix("target=") {
                // Takes the rest of the entry, commas and trailing blanks included.
                given[.target] = String(rest.dropFirst("target=".count))
                rest = ""
                break
            }
            let token: Substring
            if let comma = rest.firstIndex(of: ",") {
                token = rest[..<comma]
                rest = rest[rest.index(after: comma)...]
            } else {
                token = rest
                rest = ""
            }
            if let eq = token.firstIndex(of: "=") {
                let key = String(token[..<eq]), value = String(token[token.index(after: eq)...])
                switch key {
                case "format", "vdev", "access":
                    let p: Positional = key == "format" ? .format : key == "vdev" ? .vdev : .access
                    guard given[p] == nil else { throw .repeated(key) }
                    given[p] = value
                case "devtype":
                    guard value == "disk" || value.isEmpty else {
                        throw .unsupported("devtype '\(value)' is not supported yet (supported: 'disk')")
                    }
                case "backendtype":
                    guard value == "phy" || value.isEmpty else {
                        guard ["qdisk", "standalone", "tap"].contains(value) else {
                            throw .invalid("backendtype must be one of phy, qdisk, standalone, tap, not '\(value)'")
                        }
                        throw .unsupported("backendtype '\(value)' is not supported yet (supported: 'phy')")
                    }
                case "backend", "script", "specification", "grant_usage", "colo-host", "colo-port",
                     "colo-export", "active-disk", "hidden-disk":
                    throw .unsupported("'\(key)=' is not supported yet")
                default:
                    throw .invalid("unknown parameter '\(key)='")
                }
                continue
            }
            switch token {
            case "discard": discard = true; continue
            case "no-discard": discard = false; continue
            case "trusted", "untrusted", "direct-io-safe": continue
            case "cdrom": throw .unsupported("devtype 'cdrom' is not supported yet (supported: 'disk')")
            case "colo": throw .unsupported("'colo' is not supported yet")
            default: break
            }
            guard let slot = Positional.allCases.first(where: { given[$0] == nil }) else {
                throw .invalid("too many positional parameters at '\(token)'")
            }
            given[slot] = String(token)
        }

        if let target = given[.target], target.contains(":"), !target.hasPrefix("/") {
            throw .unsupported("the deprecated 'prefix:target' syntax is not supported; write target=PATH")
        }
        switch given[.format] ?? "" {
        case "", "raw": break
        case "qcow", "qcow2", "vhd", "qed":
            throw .unsupported("format '\(given[.format] ?? "")' is not supported yet (supported: 'raw')")
        case let other: throw .invalid("format must be one of raw, qcow, qcow2, vhd, qed, not '\(other)'")
        }
        let access: Access
        switch given[.access] ?? "" {
        case "", "rw", "w": access = .readWrite
        case "ro", "r": access = .readOnly
        case let other: throw .invalid("access must be one of ro, r, rw, w, not '\(other)'")
        }
        guard let vdev = given[.vdev], !vdev.isEmpty else { throw .invalid("vdev is required") }
        let devid = try deviceNumber(vdev)
        guard let target = given[.target], !target.isEmpty else {
            throw .invalid("target is required (empty cdrom drives are not supported)")
        }
        var spec = DiskSpec(target: ConfigPath(target, workingDirectory: workingDirectory), vdev: vdev,
                            devid: devid, access: access)
        spec.discard = discard
        return spec
    }

    /// The Xen virtual device number of `vdev`: `xvd<disk>[<part>]` is
    /// 202 << 8 | disk << 4 | part for disk < 16 and part < 16, otherwise
    /// the extended form 1 << 28 | disk << 8 | part (part < 256);
    /// `sd<disk>[<part>]` is 8 << 8 | disk << 4 | part with the same
    /// extended form. Disks are letters counted as xl does: a = 0, z = 25,
    /// aa = 26. `hd` names (IDE, for HVM guests) are refused.
    ///
    /// Xen: docs/misc/vbd-interface.txt, `xlu_disk_parse_vdev` /
    /// `libxl__device_disk_dev_number` (tools/libs/light/libxl_internal.c).
    public static func deviceNumber(_ vdev: String) throws(DiskSpecError) -> UInt32 {
        let major: UInt32
        let tail: Substring
        if vdev.hasPrefix("xvd") {
            major = 202
            tail = vdev.dropFirst(3)
        } else if vdev.hasPrefix("sd") {
            major = 8
            tail = vdev.dropFirst(2)
        } else if vdev.hasPrefix("hd") {
            throw .unsupported("vdev '\(vdev)': hd names are for emulated IDE disks of HVM guests; use xvd names")
        } else {
            throw .invalid("vdev '\(vdev)' is not a xvd or sd name (e.g. xvda, xvdb1)")
        }
        let letters = tail.prefix { ("a"..."z").contains($0) }
        let digits = tail.dropFirst(letters.count)
        guard !letters.isEmpty, letters.count <= 4, digits.allSatisfy({ ("0"..."9").contains($0) }),
              !digits.hasPrefix("0"), digits.count <= 3 else {
            throw .invalid("vdev '\(vdev)' is not a valid disk name (e.g. xvda, xvdb1)")
        }
        var disk: UInt32 = 0
        for c in letters.unicodeScalars { disk = disk * 26 + (c.value - 96) }
        disk -= 1
        let part = UInt32(digits) ?? 0
        if disk < 16 && part < 16 { return major << 8 | disk << 4 | part }
        guard disk < 1 << 20, part < 256 else {
            throw .invalid("vdev '\(vdev)' is out of range (at most 255 partitions)")
        }
        return 1 << 28 | disk << 8 | part
    }
}

/// Why a `disk` entry was refused: one lower-case clause.
public enum DiskSpecError: Error, Sendable, Hashable, CustomStringConvertible {
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
