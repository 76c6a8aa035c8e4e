import Foundation
import Testing
@testable import Toolstack

/// Typed settings, defaults and validation (Xen: tools/xl/xl_parse.c `parse_config_data`).
@Suite struct DomainConfigTests {
    private static let minimal = "name = 'web'\nkernel = '/boot/vmlinuz'\n"

    private func domain(_ text: String, workingDirectory: String = "/srv") throws -> DomainConfig {
        try DomainConfig(XLConfig(parsing: text, source: "web.cfg"), workingDirectory: workingDirectory)
    }

    @Test func defaultsAreXls() throws {
        let config = try domain(Self.minimal)
        #expect(config.name == "web")
        #expect(config.type == .pv)
        #expect(config.uuid == nil)
        #expect(config.kernel == ConfigPath("/boot/vmlinuz", workingDirectory: "/"))
        #expect(config.ramdisk == nil)
        #expect(config.cmdline == nil)
        #expect(config.memoryMiB == 32)
        #expect(config.maxmemMiB == 32)
        #expect(config.vcpus == 1)
        #expect(config.maxVcpus == 1)
        #expect(config.onPoweroff == .destroy)
        #expect(config.onReboot == .restart)
        #expect(config.onCrash == .destroy)
        #expect(config.warnings.isEmpty)
    }

    @Test func everySupportedKey() throws {
        let config = try domain("""
            name = "web-1.example_a"
            type = "pv"
            uuid = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
            kernel = "images/vmlinuz"
            ramdisk = "../initrd.img"
            root = "/dev/xvda1 ro"
            extra = "console=hvc0"
            memory = 0x100
            maxmem = 01000
            vcpus = 2
            maxvcpus = "4"
            on_poweroff = "preserve"
            on_reboot = "rename-restart"
            on_crash = "coredump-restart"
            """)
        #expect(config.name == "web-1.example_a")
        #expect(config.uuid == UUID(uuidString: "6f9619ff-8b86-d011-b42d-00c04fc964ff"))
        #expect(config.kernel.given == "images/vmlinuz")
        #expect(config.kernel.resolved == "/srv/images/vmlinuz")
        #expect(config.ramdisk?.given == "../initrd.img")
        #expect(config.ramdisk?.resolved == "/initrd.img")
        #expect(config.cmdline == "root=/dev/xvda1 ro console=hvc0")
        #expect(config.memoryMiB == 256)
        #expect(config.maxmemMiB == 512)
        #expect(config.vcpus == 2)
        #expect(config.maxVcpus == 4)
        #expect(config.onPoweroff == .preserve)
        #expect(config.onReboot == .renameRestart)
        #expect(config.onCrash == .coredumpRestart)
    }

    @Test("memory and maxmem default to each other", arguments: [
        ("", 32, 32), ("memory = 64", 64, 64), ("maxmem = 64", 64, 64), ("memory = 64\nmaxmem = 128", 64, 128),
    ] as [(String, Int64, Int64)])
    func memoryDefaults(text: String, memory: Int64, maxmem: Int64) throws {
        let config = try domain(Self.minimal + text)
        #expect(config.memoryMiB == memory)
        #expect(config.maxmemMiB == maxmem)
    }

    /// Xen: `parse_cmdline`, tools/xl/xl_parse.c.
    @Test("cmdline composition", arguments: [
        (nil, nil, nil, nil, false),
        ("console=hvc0", nil, nil, "console=hvc0", false),
        (nil, "/dev/xvda", nil, "root=/dev/xvda", false),
        (nil, nil, "quiet", "quiet", false),
        (nil, "/dev/xvda", "quiet", "root=/dev/xvda quiet", false),
        (nil, "", "", "root= ", false),
        ("console=hvc0", "/dev/xvda", nil, "console=hvc0", true),
        ("console=hvc0", nil, "quiet", "console=hvc0", true),
        ("", "/dev/xvda", "quiet", "", true),
    ] as [(String?, String?, String?, String?, Bool)])
    func cmdline(cmdline: String?, root: String?, extra: String?, expected: String?, warns: Bool) throws {
        var text = Self.minimal
        for (key, value) in [("cmdline", cmdline), ("root", root), ("extra", extra)] {
            if let value { text += "\(key) = \"\(value)\"\n" }
        }
        let config = try domain(text)
        #expect(config.cmdline == expected)
        #expect(config.warnings == (warns ? ["ignoring root= and extra= in favour of cmdline="] : []))
    }

    @Test("errors", arguments: [
        ("memroy = 256", "web.cfg:3: unknown config key 'memroy' (did you mean 'memory'?)"),
        ("vpus = 2", "web.cfg:3: unknown config key 'vpus' (did you mean 'vcpus'?)"),
        ("Name = 'x'", "web.cfg:3: unknown config key 'Name' (did you mean 'name'?)"),
        ("frobnicate = 1", "web.cfg:3: unknown config key 'frobnicate'"),
        ("disk = ['phy:/dev/vg/web,xvda,w']",
         "web.cfg:3: disk 'phy:/dev/vg/web,xvda,w': the deprecated 'prefix:target' syntax is not supported; write target=PATH"),
        ("vif = []", "web.cfg:3: config key 'vif' is not supported yet"),
        ("builder = 'generic'", "web.cfg:3: config key 'builder' is not supported yet"),
        ("memory = 0", "web.cfg:3: config key 'memory' must be at least 1 MiB, not 0"),
        ("memory = '-5'", "web.cfg:3: config key 'memory' must be at least 1 MiB, not -5"),
        ("memory = 'lots'", "web.cfg:3: config key 'memory' must be a number"),
        ("memory = [256]", "web.cfg:3: config key 'memory' must be a number"),
        ("memory = 12abc", "web.cfg:3: config key 'memory' must be a number"),
        ("memory = 99999999999999999999", "web.cfg:3: config key 'memory' is out of range"),
        ("memory = 0x7fffffffffffffff", "web.cfg:3: config key 'memory' is out of range"),
        ("memory = 1\nmemory += 2", "web.cfg:4: config key 'memory' is a number and cannot be appended to with '+='"),
        ("memory = 256\nmaxmem = 128",
         "web.cfg:4: config key 'maxmem' (128 MiB) must be at least 'memory' (256 MiB)"),
        ("vcpus = 0", "web.cfg:3: config key 'vcpus' must be at least 1, not 0"),
        ("vcpus = 4\nmaxvcpus = 2", "web.cfg:4: config key 'maxvcpus' (2) must be at least 'vcpus' (4)"),
        ("maxvcpus = 0", "web.cfg:3: config key 'maxvcpus' must be at least 1, not 0"),
        ("vcpus = 0x100000000", "web.cfg:3: config key 'vcpus' is out of range"),
        ("kernel = ['a']", "web.cfg:3: config key 'kernel' must be a string"),
        ("kernel = ''", "web.cfg:3: config key 'kernel' must not be empty"),
        ("extra = ['a']", "web.cfg:3: config key 'extra' must be a string"),
        ("type = 'hvm'", "web.cfg:3: type 'hvm' is not supported yet (supported: 'pv')"),
        ("type = 'pvh'", "web.cfg:3: type 'pvh' is not supported yet (supported: 'pv')"),
        ("type = 'h'", "web.cfg:3: type 'hvm' is not supported yet (supported: 'pv')"),
        ("type = 'xen'", "web.cfg:3: config key 'type' must be one of hvm, pv, pvh, not 'xen'"),
        ("on_crash = 'explode'", "web.cfg:3: config key 'on_crash' must be one of destroy, restart, "
            + "rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset, not 'explode'"),
        ("uuid = 'not-a-uuid'", "web.cfg:3: config key 'uuid' is not a valid uuid: 'not-a-uuid'"),
        ("name = 'a b'", "web.cfg:3: invalid domain name 'a b': use only letters, digits, '_', '.' and '-'"),
        ("name = 'tést'", "web.cfg:3: invalid domain name 'tést': use only letters, digits, '_', '.' and '-'"),
        ("name = ''", "web.cfg:3: invalid domain name '': it is empty"),
        (#"name = "a\nb\x01""#,
         #"web.cfg:3: invalid domain name 'a\nb\x01': use only letters, digits, '_', '.' and '-'"#),
        ("name = '\(String(repeating: "n", count: 65))'",
         "web.cfg:3: invalid domain name '\(String(repeating: "n", count: 65))': it is longer than 64 characters"),
    ])
    func errors(text: String, message: String) {
        #expect {
            try domain(Self.minimal + text)
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }

    @Test("missing keys", arguments: [
        ("kernel = '/k'", "name", "config key 'name' is required"),
        ("name = 'web'", "kernel", "config key 'kernel' is required"),
    ])
    func missing(text: String, key: String, message: String) {
        #expect(throws: ConfigError.missingKey(key)) { try domain(text) }
        #expect(ConfigError.missingKey(key).description == message)
    }

    @Test func nameMayBeUnquotedNumberAndTypeAPrefix() throws {
        let config = try domain("name = 42\nkernel = '/k'\ntype = 'p'")
        #expect(config.name == "42")
        #expect(config.type == .pv)
    }

    @Test func longestNameIsAccepted() throws {
        let name = String(repeating: "n", count: 64)
        #expect(try domain("name = '\(name)'\nkernel = '/k'").name == name)
    }

    @Test func unknownKeyIsReportedBeforeOtherErrors() {
        #expect(throws: ConfigError.unknownKey("memroy", suggestion: "memory",
                                               ConfigLocation(source: "web.cfg", line: 2))) {
            try domain("memory = 0\nmemroy = 256\n")
        }
    }

    @Test func renderedConfigParsesBackToTheSameDomain() throws {
        let original = try domain("""
            name = "web"
            uuid = "6f9619ff-8b86-d011-b42d-00c04fc964ff"
            kernel = "vmlinuz"
            ramdisk = "/boot/initrd"
            cmdline = "console=hvc0 \\"quoted\\"\\ttab\\\\"
            memory = 256
            vcpus = 2
            on_crash = "preserve"
            """)
        let text = original.xlConfigText
        let reparsed = try DomainConfig(XLConfig(parsing: text, source: "dry-run"), workingDirectory: "/elsewhere")
        #expect(reparsed.cmdline == "console=hvc0 \"quoted\"\ttab\\")
        #expect(reparsed.kernel.resolved == original.kernel.resolved)
        var comparable = reparsed
        comparable.kernel = original.kernel
        comparable.ramdisk = original.ramdisk
        #expect(comparable == original)
    }

    @Test func readsAFileAndResolvesPathsAgainstTheWorkingDirectory() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("xenolith-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("web.cfg")
        try Self.minimal.replacingOccurrences(of: "/boot/vmlinuz", with: "./k")
            .write(to: file, atomically: true, encoding: .utf8)

        let config = try DomainConfig(configPath: file.path, overrides: ["memory=64"], workingDirectory: "/run")
        #expect(config.kernel.given == "./k")
        #expect(config.kernel.resolved == "/run/k")
        #expect(config.memoryMiB == 64)

        #expect(throws: ConfigError.unreadableFile(path: directory.path, reason: "is a directory")) {
            try DomainConfig(configPath: directory.path)
        }
        let missing = directory.appendingPathComponent("missing.cfg").path
        #expect(throws: ConfigError.unreadableFile(path: missing, reason: "no such file or directory")) {
            try DomainConfig(configPath: missing)
        }
    }

    @Test("suggestions", arguments: [
        ("memroy", "memory"), ("kernal", "kernel"), ("ramdsk", "ramdisk"), ("on_crsh", "on_crash"),
        ("dsk", "disk"), ("xyz", nil), ("completely_unknown", nil),
    ] as [(String, String?)])
    func suggestion(key: String, expected: String?) {
        #expect(ConfigKeys.suggestion(for: key) == expected)
    }

    @Test func keyListsAreDisjoint() {
        #expect(ConfigKeys.supported.isDisjoint(with: ConfigKeys.unsupported))
        #expect(ConfigKeys.supported.contains("disk") && ConfigKeys.supported.contains("channel"))
        for key in ["vif", "vfb", "vkb", "vtpm", "p9", "pvcalls", "pci", "usbctrl", "usbdev",
                    "serial", "sdl", "vnc", "bootloader", "cpus", "cpu_weight", "cap", "nestedhvm", "viridian",
                    "device_model_version", "gfx_passthru", "rdm", "iomem", "ioports", "irqs", "max_grant_frames",
                    "max_maptrack_frames", "e820_host", "shadow_memory", "tsc_mode", "localtime",
                    "rtc_timeoffset", "cpus_soft", "pool", "driver_domain", "device_tree", "dtdev", "vuart",
                    "seclabel", "on_watchdog", "on_soft_reset"] {
            #expect(ConfigKeys.unsupported.contains(key), "\(key)")
        }
    }
}
