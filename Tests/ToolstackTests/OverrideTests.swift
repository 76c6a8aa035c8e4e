import Testing
@testable import Toolstack

/// `xl create cfg KEY=VALUE ...` (Xen: tools/xl/xl_vmcontrol.c `main_create`).
@Suite struct OverrideTests {
    private let file = "name = 'web'\nkernel = '/boot/vmlinuz'\nmemory = 128\nextra = 'quiet'\n"

    @Test("an override is one more line after the file", arguments: [
        ("memory=256", "memory", ConfigValue.number("256")),
        ("memory = 0x200", "memory", .number("0x200")),
        (#"name="x""#, "name", .string("x")),
        ("name='x y'", "name", .string("x y")),
        // Not valid xl.cfg, so read as KEY=string: xl would reject these.
        ("name=x", "name", .string("x")),
        ("extra=console=hvc0", "extra", .string("console=hvc0")),
        ("kernel=/boot/other", "kernel", .string("/boot/other")),
        ("extra=", "extra", .string("")),
        ("memory=12 34", "memory", .string("12 34")),
        // += applies to the file's value, in both forms.
        ("extra+=' debug'", "extra", .string("quiet debug")),
        ("extra+= console=hvc0", "extra", .string("quiet console=hvc0")),
    ])
    func override(argument: String, key: String, expected: ConfigValue) throws {
        var config = try XLConfig(parsing: file, source: "web.cfg")
        try config.applyOverride(argument)
        #expect(config[key]?.value == expected)
        #expect(config[key]?.location == ConfigLocation(source: "override '\(argument)'", line: nil))
    }

    @Test func overridesApplyInOrder() throws {
        var config = try XLConfig(parsing: file, source: "web.cfg")
        for argument in ["memory=256", "vcpus=2; maxvcpus=4", "memory=512"] {
            try config.applyOverride(argument)
        }
        let domain = try DomainConfig(config, workingDirectory: "/")
        #expect(domain.memoryMiB == 512)
        #expect(domain.vcpus == 2)
        #expect(domain.maxVcpus == 4)
    }

    @Test("malformed overrides", arguments: [
        ("=5", "override '=5': expected a config key, found '='"),
        ("9=5", "override '9=5': expected a config key, found '9'"),
        ("a b=c", "override 'a b=c': expected '=' after 'a'"),
        ("memory=[1,2]", "override 'memory=[1,2]': config key 'memory' must be a number"),
    ])
    func malformed(argument: String, message: String) throws {
        #expect {
            var config = try XLConfig(parsing: file, source: "web.cfg")
            try config.applyOverride(argument)
            _ = try DomainConfig(config, workingDirectory: "/")
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }
}
