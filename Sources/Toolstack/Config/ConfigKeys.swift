/// The xl.cfg keys Xenolith knows: those it implements and those xl accepts
/// that it does not implement yet. Any other key is a typo.
///
/// The unsupported list is every key `parse_config_data` reads (generated from
/// the `xlu_cfg_get_*` / `xlu_cfg_replace_string` calls) plus those xl.cfg(5)
/// documents under other names (`device_model_args_hvm`, `device_model_args_pv`).
///
/// Xen: tools/xl/xl_parse.c, docs/man/xl.cfg.5.pod.in.
public enum ConfigKeys {
    /// Keys `DomainConfig` reads.
    public static let supported: Set<String> = [
        "name", "type", "uuid", "kernel", "ramdisk", "cmdline", "root", "extra", "memory", "maxmem",
        "vcpus", "maxvcpus", "on_poweroff", "on_reboot", "on_crash", "disk", "channel"
    ]

    /// Keys xl accepts that Xenolith rejects with "is not supported yet":
    /// devices, HVM and PVH options, scheduling, device model, Arm options.
    public static let unsupported: Set<String> = [
        "acpi", "acpi_firmware", "acpi_laptop_slate", "acpi_s3", "acpi_s4", "altp2m",
        "altp2m_count", "altp2mhvm", "apic", "arm_sci", "bios", "bios_path_override", "boot",
        "bootloader", "bootloader_args", "bootloader_restrict", "bootloader_user", "builder", "cap",
        "cpu_weight", "cpuid", "cpus", "cpus_soft", "device_model", "device_model_args",
        "device_model_args_hvm", "device_model_args_pv", "device_model_override",
        "device_model_stubdomain_override", "device_model_stubdomain_seclabel", "device_model_user",
        "device_model_version", "device_tree", "display", "dm_restrict", "driver_domain",
        "dtdev", "e820_host", "extratime", "firmware", "firmware_override", "gfx_passthru",
        "gic_version", "hap", "hdtype", "hpet", "hvm_pirq", "init_seclabel", "iomem", "ioports",
        "irqs", "keymap", "latency", "llc_colors", "localtime", "max_event_channels",
        "max_grant_frames", "max_grant_version", "max_maptrack_frames", "mca_caps", "mmio_hole",
        "ms_vm_genid", "msr_relaxed", "nestedhvm", "nographic", "nomigrate", "nr_spis", "nx",
        "on_soft_reset", "on_watchdog", "oos", "opengl", "p9", "pae", "passthrough", "pci",
        "pci_msitranslate", "pci_permissive", "pci_power_mgmt", "pci_seize", "period", "pool",
        "pvcalls", "pvshim", "pvshim_cmdline", "pvshim_extra", "pvshim_path", "rdm",
        "rdm_mem_boundary", "rtc_timeoffset", "sdl", "seclabel", "serial", "shadow_memory", "slice",
        "smbios", "smbios_firmware", "soundhw", "spice", "spice_clipboard_sharing",
        "spice_image_compression", "spice_streaming_video", "spiceagent_mouse",
        "spicedisable_ticketing", "spicehost", "spicepasswd", "spiceport", "spicetls_port",
        "spiceusbredirection", "spicevdagent", "stdvga", "stubdomain_cmdline", "stubdomain_kernel",
        "stubdomain_memory", "stubdomain_ramdisk", "sve", "tee", "timer_mode",
        "trap_unmapped_accesses", "tsc_mode", "usb", "usbctrl", "usbdev", "usbdevice", "usbversion",
        "vdispl", "vendor_device", "vfb", "vga", "videoram", "vif", "vif2", "viridian", "virtio",
        "vkb", "vkb_device", "vmtrace_buf_kb", "vnc", "vncdisplay", "vnclisten", "vncpasswd",
        "vncunused", "vncviewer", "vnuma", "vpmu", "vpt_align", "vsnd", "vtpm", "vuart",
        "xauthority", "xen_platform_pci", "xen_platform_pci_bar_uc", "xend_suspend_evtchn_compat",
        "xenstore_feature_mask", "xenstore_quota"
    ]

    /// The known key closest to a mistyped `key`, if it is within two edits
    /// (one for keys of three characters or fewer); supported keys win ties.
    public static func suggestion(for key: String) -> String? {
        let limit = key.count <= 3 ? 1 : 2
        let candidates = supported.sorted() + unsupported.sorted()
        var best: (key: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(key, candidate)
            if distance <= limit, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.key
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions
    /// and transpositions of neighbours ("memroy" is one edit from "memory").
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { rows[i][0] = i }
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
                }
            }
        }
        return rows[a.count][b.count]
    }
}
