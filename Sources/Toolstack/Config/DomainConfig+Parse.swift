import Foundation

/// Building a `DomainConfig` from parsed xl.cfg settings.
///
/// Xen: `parse_config_data`, tools/xl/xl_parse.c. Where xl prints a warning
/// and ignores a malformed value (a list where a string is expected), this
/// throws: a config that says something Xenolith would ignore is an error.
extension DomainConfig {
    /// Reads the config file at `configPath`, appends `overrides` (each one
    /// `KEY=VALUE` argument of `xl create`), and validates the result.
    /// Relative paths in the config are resolved against `workingDirectory`.
    public init(configPath: String, overrides: [String] = [],
                workingDirectory: String = FileManager.default.currentDirectoryPath) throws(ConfigError) {
        var config = try XLConfig(contentsOf: configPath)
        for override in overrides {
            try config.applyOverride(override)
        }
        try self.init(config, workingDirectory: workingDirectory)
    }

    /// Validates `config` and applies xl's defaults.
    public init(_ config: XLConfig,
                workingDirectory: String = FileManager.default.currentDirectoryPath) throws(ConfigError) {
        // Every key first, in file order, so a typo is reported before any
        // consequence of it (a typo in `memory` would otherwise be silent).
        for setting in config.settings where !ConfigKeys.supported.contains(setting.key) {
            if ConfigKeys.unsupported.contains(setting.key) {
                throw .unsupportedKey(setting.key, setting.location)
            }
            throw .unknownKey(setting.key, suggestion: ConfigKeys.suggestion(for: setting.key), setting.location)
        }

        if let (text, location) = try config.string("type") {
            guard let xlType = DomainType.xlType(named: text) else {
                throw .notOneOf(key: "type", value: text, choices: DomainType.xlTypes, location)
            }
            guard DomainType(rawValue: xlType) != nil else {
                throw .unsupportedValue(key: "type", value: xlType,
                                        supported: DomainType.allCases.map(\.rawValue), location)
            }
        }

        guard let (name, nameLocation) = try config.string("name") else { throw .missingKey("name") }
        if let reason = Self.nameProblem(name) {
            throw .invalidName(name, reason: reason, nameLocation)
        }

        var uuid: UUID?
        if let (text, location) = try config.string("uuid") {
            guard let parsed = UUID(uuidString: text) else { throw .invalidUUID(text, location) }
            uuid = parsed
        }

        guard let kernel = try Self.path("kernel", in: config, workingDirectory) else {
            throw .missingKey("kernel")
        }
        let ramdisk = try Self.path("ramdisk", in: config, workingDirectory)

        // Xen: "memory" and "maxmem" in parse_config_data; the defaults are
        // libxl__domain_build_info_setdefault's (target = max, max = 32 MiB)
        // after xl's "max_memkb = target_memkb if unset".
        let memory = try config.number("memory")
        let maxmem = try config.number("maxmem")
        let mibLimit = Int64.max >> 20  // so that the size in bytes fits.
        for (key, setting) in [("memory", memory), ("maxmem", maxmem)] {
            guard let (value, location) = setting else { continue }
            guard value >= 1 else {
                throw .belowMinimum(key: key, value: value, minimum: 1, unit: "MiB", location)
            }
            guard value <= mibLimit else { throw .outOfRange(key: key, location) }
        }
        let memoryMiB = memory?.value ?? maxmem?.value ?? Self.defaultMemoryMiB
        let maxmemMiB = maxmem?.value ?? memoryMiB
        if let (value, location) = maxmem, value < memoryMiB {
            throw .belowOtherKey(key: "maxmem", value: value, other: "memory", otherValue: memoryMiB,
                                 unit: "MiB", location)
        }

        // Xen: "vcpus" and "maxvcpus" in parse_config_data. xl quietly turns
        // vcpus=0 into 1; Xenolith says so instead.
        let vcpus = try Self.count("vcpus", in: config)
        let maxVcpus = try Self.count("maxvcpus", in: config)
        if let (value, location) = maxVcpus, value < (vcpus?.value ?? 1) {
            throw .belowOtherKey(key: "maxvcpus", value: value, other: "vcpus", otherValue: vcpus?.value ?? 1,
                                 unit: nil, location)
        }

        self.init(name: name, kernel: kernel, memoryMiB: memoryMiB, vcpus: Int(vcpus?.value ?? 1))
        self.uuid = uuid
        self.ramdisk = ramdisk
        self.maxmemMiB = maxmemMiB
        self.maxVcpus = Int(maxVcpus?.value ?? vcpus?.value ?? 1)
        self.onPoweroff = try Self.action("on_poweroff", in: config) ?? .destroy
        self.onReboot = try Self.action("on_reboot", in: config) ?? .restart
        self.onCrash = try Self.action("on_crash", in: config) ?? .destroy

        let (cmdline, warning) = Self.composeCmdline(
            cmdline: try config.string("cmdline")?.value,
            root: try config.string("root")?.value,
            extra: try config.string("extra")?.value)
        self.cmdline = cmdline
        self.warnings = warning.map { [$0] } ?? []
        self.disks = try Self.disks(in: config, workingDirectory)
        let (nics, nicWarnings) = try Self.nics(in: config)
        self.nics = nics
        self.warnings += nicWarnings
        self.channels = try Self.channels(in: config, workingDirectory)
    }

    /// `vif = [ 'SPEC', ... ]`: each entry parsed as xl does; entries
    /// without `devid=` are numbered after the largest given one, and two
    /// entries may not share a devid or a vifname. Xen: the "vif" list in
    /// `parse_config_data` (tools/xl/xl_parse.c) and the devid assignment
    /// of `libxl__domain_config_setdefault` (tools/libs/light/libxl_create.c).
    private static func nics(in config: XLConfig) throws(ConfigError) -> ([NicSpec], [String]) {
        guard let setting = config["vif"] else { return ([], []) }
        guard case .list(let items) = setting.value else {
            throw .wrongType(key: "vif", expected: .list, setting.location)
        }
        var parsed: [(spec: NicSpec, given: Bool, text: String)] = []
        var warnings: [String] = []
        for (i, item) in items.enumerated() {
            guard let text = item.atom else {
                throw .invalidNic(entry: "[...]", problem: "each entry must be a string", setting.location)
            }
            do {
                let (spec, given, w) = try NicSpec.parse(text, index: i)
                parsed.append((spec, given, text))
                warnings += w
            } catch {
                throw .invalidNic(entry: text, problem: error.description, setting.location)
            }
        }
        var next = (parsed.filter(\.given).map(\.spec.devid).max() ?? -1) + 1
        var nics: [NicSpec] = []
        for var p in parsed {
            if !p.given {
                p.spec.devid = next
                next += 1
            }
            if let other = nics.first(where: { $0.devid == p.spec.devid }) {
                throw .invalidNic(entry: p.text, problem: "devid \(p.spec.devid) is used by another vif too"
                                  + (other.vifname.map { " ('\($0)')" } ?? ""), setting.location)
            }
            if let name = p.spec.vifname, nics.contains(where: { $0.vifname == name }) {
                throw .invalidNic(entry: p.text, problem: "vifname '\(name)' is used by another vif too", setting.location)
            }
            nics.append(p.spec)
        }
        return (nics, warnings)
    }

    /// The most channels a Linux guest can tell apart: hvc_xen takes a
    /// console's number from the last character of its xenstore node
    /// (`xencons_probe`, drivers/tty/hvc/hvc_xen.c), so device/console/10
    /// would be refused as console 0 and 11 would clash with 1.
    public static let maxChannels = 9

    /// `channel = [ 'SPEC', ... ]`: each entry parsed as xl does; two
    /// entries may not listen on the same socket path.
    /// Xen: the "channel" list in `parse_config_data`, tools/xl/xl_parse.c.
    private static func channels(in config: XLConfig, _ workingDirectory: String) throws(ConfigError) -> [ChannelSpec] {
        guard let setting = config["channel"] else { return [] }
        guard case .list(let items) = setting.value else {
            throw .wrongType(key: "channel", expected: .list, setting.location)
        }
        var channels: [ChannelSpec] = []
        for item in items {
            guard let text = item.atom else {
                throw .invalidChannel(entry: "[...]", problem: "each entry must be a string", setting.location)
            }
            let channel: ChannelSpec
            do {
                channel = try ChannelSpec.parse(text, workingDirectory: workingDirectory)
            } catch {
                throw .invalidChannel(entry: text, problem: error.description, setting.location)
            }
            if case .socket(let path) = channel.connection,
               let other = channels.first(where: { $0.socketPath == path.resolved }) {
                throw .invalidChannel(entry: text, problem: "path '\(path.resolved)' is already the socket of channel '\(other.name)'",
                                      setting.location)
            }
            guard channels.count < maxChannels else {
                throw .invalidChannel(entry: text, problem: "at most \(maxChannels) channels are supported (Linux's hvc_xen "
                                      + "numbers consoles by the last digit of device/console/<N>)", setting.location)
            }
            channels.append(channel)
        }
        return channels
    }

    /// `disk = [ 'SPEC', ... ]`: each entry parsed as xl does; two entries
    /// may not name the same device. Xen: the "disk" list in
    /// `parse_config_data` (`parse_disk_config`), tools/xl/xl_parse.c.
    private static func disks(in config: XLConfig, _ workingDirectory: String) throws(ConfigError) -> [DiskSpec] {
        guard let setting = config["disk"] else { return [] }
        guard case .list(let items) = setting.value else {
            throw .wrongType(key: "disk", expected: .list, setting.location)
        }
        var disks: [DiskSpec] = []
        for item in items {
            guard let text = item.atom else {
                throw .invalidDisk(entry: "[...]", problem: "each entry must be a string", setting.location)
            }
            let disk: DiskSpec
            do {
                disk = try DiskSpec.parse(text, workingDirectory: workingDirectory)
            } catch {
                throw .invalidDisk(entry: text, problem: error.description, setting.location)
            }
            if let other = disks.first(where: { $0.devid == disk.devid }) {
                throw .invalidDisk(entry: text, problem: "vdev '\(disk.vdev)' is the same device as '\(other.vdev)'",
                                   setting.location)
            }
            disks.append(disk)
        }
        return disks
    }

    /// The guest command line, exactly as xl builds it: `cmdline` if set
    /// (ignoring `root` and `extra`, with a warning if either is set), else
    /// `root=ROOT EXTRA`, `root=ROOT`, or `EXTRA`.
    /// Xen: `parse_cmdline`, tools/xl/xl_parse.c.
    public static func composeCmdline(cmdline: String?, root: String?, extra: String?)
        -> (cmdline: String?, warning: String?) {
        if let cmdline {
            let warning = root != nil || extra != nil
                ? "ignoring root= and extra= in favour of cmdline=" : nil
            return (cmdline, warning)
        }
        switch (root, extra) {
        case let (root?, extra?): return ("root=\(root) \(extra)", nil)
        case let (root?, nil): return ("root=\(root)", nil)
        case let (nil, extra?): return (extra, nil)
        case (nil, nil): return (nil, nil)
        }
    }

    /// Why `name` is not a valid domain name, or `nil` if it is.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        // The name is a directory of the runtime directory (RuntimeDirectory).
        if name == "." || name == ".." { return "'.' and '..' are not names" }
        if name.count > maxNameLength { return "it is longer than \(maxNameLength) characters" }
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "_" || $0 == "." || $0 == "-"
        }
        return allowed ? nil : "use only letters, digits, '_', '.' and '-'"
    }

    private static func path(_ key: String, in config: XLConfig,
                             _ workingDirectory: String) throws(ConfigError) -> ConfigPath? {
        guard let (text, location) = try config.string(key) else { return nil }
        guard !text.isEmpty else { throw .emptyValue(key: key, location) }
        return ConfigPath(text, workingDirectory: workingDirectory)
    }

    /// A vCPU count: at least 1, and small enough for an `Int32` as libxl's `int`.
    private static func count(_ key: String, in config: XLConfig)
        throws(ConfigError) -> (value: Int64, location: ConfigLocation)? {
        guard let (value, location) = try config.number(key) else { return nil }
        guard value >= 1 else { throw .belowMinimum(key: key, value: value, minimum: 1, unit: nil, location) }
        guard value <= Int64(Int32.max) else { throw .outOfRange(key: key, location) }
        return (value, location)
    }

    /// Xen: `parse_action_on_shutdown`, tools/xl/xl_parse.c.
    private static func action(_ key: String, in config: XLConfig) throws(ConfigError) -> ActionOnShutdown? {
        guard let (text, location) = try config.string(key) else { return nil }
        guard let action = ActionOnShutdown(rawValue: text) else {
            throw .notOneOf(key: key, value: text, choices: ActionOnShutdown.allCases.map(\.rawValue), location)
        }
        return action
    }
}
