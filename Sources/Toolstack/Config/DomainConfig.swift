import Foundation

/// A validated domain configuration: what `xenolith create` builds and runs.
///
/// Built from an `XLConfig` by `init(_:workingDirectory:)`, which applies xl's
/// defaults and rejects unknown, unsupported and invalid settings.
///
/// Xen: `libxl_domain_config` (`c_info`, `b_info`, `on_*`),
/// tools/libs/light/libxl_types.idl, as filled by `parse_config_data`,
/// tools/xl/xl_parse.c.
public struct DomainConfig: Sendable, Hashable {
    /// `name`: required; letters, digits, `_`, `.`, `-`, at most 64 characters.
    /// Xen: `libxl_domain_create_info.name`.
    public var name: String
    /// `type`: only PV. Xen: `libxl_domain_create_info.type`.
    public var type: DomainType = .pv
    /// `uuid`: `nil` when unset (xl then generates one). Xen: `libxl_domain_create_info.uuid`.
    public var uuid: UUID?
    /// `kernel`: required. Xen: `libxl_domain_build_info.kernel`.
    public var kernel: ConfigPath
    /// `ramdisk`. Xen: `libxl_domain_build_info.ramdisk`.
    public var ramdisk: ConfigPath?
    /// The guest command line composed from `cmdline`, `root` and `extra`
    /// (see `composeCmdline`); `nil` when none is set.
    /// Xen: `libxl_domain_build_info.cmdline`.
    public var cmdline: String?
    /// `memory` in MiB: the initial allocation. Default: `maxmem` if set, else
    /// 32 (libxl's default). Xen: `libxl_domain_build_info.target_memkb` / 1024.
    public var memoryMiB: Int64
    /// `maxmem` in MiB, at least `memoryMiB`; default `memoryMiB`.
    /// Xen: `libxl_domain_build_info.max_memkb` / 1024.
    public var maxmemMiB: Int64
    /// `vcpus`: vCPUs online at boot, at least 1; default 1.
    /// Xen: `libxl_domain_build_info.avail_vcpus`.
    public var vcpus: Int
    /// `maxvcpus`: at least `vcpus`; default `vcpus`. Xen: `libxl_domain_build_info.max_vcpus`.
    public var maxVcpus: Int
    /// `on_poweroff`, default destroy. Xen: `libxl_domain_config.on_poweroff`.
    public var onPoweroff: ActionOnShutdown = .destroy
    /// `on_reboot`, default restart. Xen: `libxl_domain_config.on_reboot`.
    public var onReboot: ActionOnShutdown = .restart
    /// `on_crash`, default destroy. Xen: `libxl_domain_config.on_crash`.
    public var onCrash: ActionOnShutdown = .destroy
    /// `disk`: the virtual block devices, in config order.
    /// Xen: `libxl_domain_config.disks`.
    public var disks: [DiskSpec] = []
    /// `channel`: the named secondary consoles, in config order; the first
    /// is console device 1. Xen: `libxl_domain_config.channels`.
    public var channels: [ChannelSpec] = []
    /// Things xl warns about but accepts, one lower-case line each
    /// (e.g. "ignoring root= and extra= in favour of cmdline=").
    public var warnings: [String] = []

    /// libxl's memory default when neither `memory` nor `maxmem` is set.
    /// Xen: `libxl__domain_build_info_setdefault`, tools/libs/light/libxl_create.c.
    public static let defaultMemoryMiB: Int64 = 32
    /// Longest domain name Xenolith accepts.
    public static let maxNameLength = 64

    public init(name: String, kernel: ConfigPath, memoryMiB: Int64 = defaultMemoryMiB,
                vcpus: Int = 1) {
        self.name = name
        self.kernel = kernel
        self.memoryMiB = memoryMiB
        self.maxmemMiB = memoryMiB
        self.vcpus = vcpus
        self.maxVcpus = vcpus
    }
}
