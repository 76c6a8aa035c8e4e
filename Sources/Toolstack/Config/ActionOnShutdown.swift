/// What the toolstack does when a domain powers off, reboots or crashes
/// (`on_poweroff`, `on_reboot`, `on_crash`); raw values are xl's spellings.
///
/// Xen: `libxl_action_on_shutdown`, tools/libs/light/libxl_types.idl, and
/// `action_on_shutdown_names`, tools/xl/xl_parse.c.
public enum ActionOnShutdown: String, Sendable, Hashable, CaseIterable {
    /// Destroy the domain. Xen: `LIBXL_ACTION_ON_SHUTDOWN_DESTROY`.
    case destroy
    /// Destroy the domain and start a new one with the same configuration.
    /// Xen: `LIBXL_ACTION_ON_SHUTDOWN_RESTART`.
    case restart
    /// Rename the old domain and start a new one. Xen: `LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME`.
    case renameRestart = "rename-restart"
    /// Keep the domain for inspection. Xen: `LIBXL_ACTION_ON_SHUTDOWN_PRESERVE`.
    case preserve
    /// Write a core dump, then destroy. Xen: `LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY`.
    case coredumpDestroy = "coredump-destroy"
    /// Write a core dump, then restart. Xen: `LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART`.
    case coredumpRestart = "coredump-restart"
    /// Reset the domain in place (kexec). Xen: `LIBXL_ACTION_ON_SHUTDOWN_SOFT_RESET`.
    case softReset = "soft-reset"
}
