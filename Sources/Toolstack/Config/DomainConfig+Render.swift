/// Printing a `DomainConfig` back as xl.cfg text, for `create --dry-run`.
///
/// xl's `create -n` prints the libxl_domain_config it would create (as JSON);
/// Xenolith prints the effective settings as an xl.cfg that parses back to
/// the same `DomainConfig`: defaults made explicit, paths resolved, and the
/// command line composed into `cmdline`.
///
/// Xen: `printf_info`, tools/xl/xl_info.c, called by `create_domain` when
/// `dryrun_only`, tools/xl/xl_vmcontrol.c.
extension DomainConfig {
    public var xlConfigText: String {
        var lines: [String] = []
        func set(_ key: String, _ value: String) { lines.append("\(key) = \(value)") }
        set("name", ConfigValue.quoted(name))
        set("type", ConfigValue.quoted(type.rawValue))
        if let uuid { set("uuid", ConfigValue.quoted(uuid.uuidString.lowercased())) }
        set("kernel", ConfigValue.quoted(kernel.resolved))
        if let ramdisk { set("ramdisk", ConfigValue.quoted(ramdisk.resolved)) }
        if let cmdline { set("cmdline", ConfigValue.quoted(cmdline)) }
        set("memory", String(memoryMiB))
        set("maxmem", String(maxmemMiB))
        set("vcpus", String(vcpus))
        set("maxvcpus", String(maxVcpus))
        set("on_poweroff", ConfigValue.quoted(onPoweroff.rawValue))
        set("on_reboot", ConfigValue.quoted(onReboot.rawValue))
        set("on_crash", ConfigValue.quoted(onCrash.rawValue))
        if !disks.isEmpty {
            set("disk", "[ " + disks.map { ConfigValue.quoted($0.xlText) }.joined(separator: ", ") + " ]")
        }
        if !channels.isEmpty {
            set("channel", "[ " + channels.map { ConfigValue.quoted($0.xlText) }.joined(separator: ", ") + " ]")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
