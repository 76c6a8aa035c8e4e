// set_debugreg / get_debugreg (xen/arch/x86/pv/misc-hypercalls.c
// set_debugreg, do_get_debugreg): the guest's view of DR0-DR3, DR6, DR7.
// Values are checked as Xen checks them and kept per vCPU. Hardware
// breakpoints are not armed on these hosts (the guest kernel's code runs
// natively at CPL3 under kvm-pvm and we have no measured way to give it
// debug registers), so a DR7 that enables a breakpoint is refused with
// -ENOSYS (logged once) instead of being accepted and never firing.
import XenABI

extension Domain {
    static let dr6ReservedOne: UInt64 = 0xffff_0ff0
    static let dr7ReservedOne: UInt64 = 0x400
    static let dr7EnableMask: UInt64 = 0xff

    func setDebugRegister(_ v: PVVCPU, _ reg: UInt64, _ value: UInt64) throws(XenErrno) {
        switch reg {
        case 0...3:
            // Xen: access_ok(value, sizeof(long)): a guest address.
            guard GuestAddressSpace.isGuestAddress(value) else { throw .EPERM }
            v.debugRegisters[Int(reg)] = value
        case 6:
            guard value >> 32 == 0 else { throw .EPERM }
            v.debugRegisters[6] = (value & 0xe00f) | Self.dr6ReservedOne
        case 7:
            guard value >> 32 == 0 else { throw .EPERM }
            if value & Self.dr7EnableMask != 0 {
                logOnce("dr7-enable", "set_debugreg: hardware breakpoints are not supported here (-ENOSYS)")
                throw .ENOSYS
            }
            v.debugRegisters[7] = (value & 0xffff_23ff) | Self.dr7ReservedOne
        default:
            throw .EINVAL
        }
    }

    func getDebugRegister(_ v: PVVCPU, _ reg: UInt64) throws(XenErrno) -> UInt64 {
        switch reg {
        case 0...3: return v.debugRegisters[Int(reg)]
        case 6: return v.debugRegisters[6] | Self.dr6ReservedOne
        case 7: return v.debugRegisters[7] | Self.dr7ReservedOne
        default: throw .EINVAL
        }
    }
}
