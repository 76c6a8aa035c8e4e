// One KVM virtual machine: memory slots, vCPUs, interrupt plumbing.
import CKVM
import Glibc

/// A KVM VM (one Xen domain). Thread-safe: KVM serialises VM ioctls itself.
public final class VM: @unchecked Sendable {
    // @unchecked: all stored properties are immutable after init.
    public let system: KVMSystem
    public let fd: Int32

    init(system: KVMSystem, fd: Int32) {
        self.system = system
        self.fd = fd
    }

    deinit { close(fd) }

    /// KVM_SET_USER_MEMORY_REGION: map `size` bytes of host memory at
    /// `hostAddress` to guest-physical `guestPhys` in slot `slot`.
    public func setMemoryRegion(slot: UInt32, guestPhys: UInt64, size: UInt64,
                                hostAddress: UnsafeMutableRawPointer?, readOnly: Bool = false) throws(KVMError) {
        var region = kvm_userspace_memory_region()
        region.slot = slot
        region.flags = readOnly ? UInt32(KVM_MEM_READONLY) : 0
        region.guest_phys_addr = guestPhys
        region.memory_size = size
        region.userspace_addr = UInt64(UInt(bitPattern: hostAddress))
        _ = try Sys.ioctl(fd, CKVM_SET_USER_MEMORY_REGION, &region,
                          "KVM_SET_USER_MEMORY_REGION slot \(slot)")
    }

    /// KVM_CREATE_IRQCHIP: in-kernel PIC/IOAPIC/LAPIC.
    public func createIRQChip() throws(KVMError) {
        _ = try Sys.ioctl(fd, CKVM_CREATE_IRQCHIP, value: 0, "KVM_CREATE_IRQCHIP")
    }

    /// KVM_IRQ_LINE: set an irqchip input line.
    public func setIRQLine(_ irq: UInt32, level: Bool) throws(KVMError) {
        var line = kvm_irq_level()
        line.irq = irq
        line.level = level ? 1 : 0
        _ = try Sys.ioctl(fd, CKVM_IRQ_LINE, &line, "KVM_IRQ_LINE \(irq)")
    }

    /// KVM_IRQFD: writing to `eventfd` raises irqchip line `gsi`.
    public func addIRQFD(eventfd: Int32, gsi: UInt32) throws(KVMError) {
        var req = kvm_irqfd()
        req.fd = UInt32(bitPattern: eventfd)
        req.gsi = gsi
        _ = try Sys.ioctl(fd, CKVM_IRQFD, &req, "KVM_IRQFD gsi \(gsi)")
    }

    /// KVM_IOEVENTFD: a guest write of `length` bytes to I/O port `port`
    /// signals `eventfd` instead of exiting to user space.
    public func addIOEventFD(eventfd: Int32, port: UInt16, length: UInt32) throws(KVMError) {
        var req = kvm_ioeventfd()
        req.fd = eventfd
        req.addr = UInt64(port)
        req.len = length
        req.flags = UInt32(1 << kvm_ioeventfd_flag_nr_pio)
        _ = try Sys.ioctl(fd, CKVM_IOEVENTFD, &req, "KVM_IOEVENTFD port \(port)")
    }

    public func createVCPU(id: UInt32) throws(KVMError) -> VCPU {
        let vcpufd = try Sys.ioctl(fd, CKVM_CREATE_VCPU, value: UInt(id), "KVM_CREATE_VCPU \(id)")
        let size = system.vcpuMmapSize
        guard let map = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0),
              map != MAP_FAILED else {
            let e = errno
            close(vcpufd)
            throw KVMError("mmap kvm_run of vCPU \(id)", errno: e)
        }
        return VCPU(id: id, fd: vcpufd, run: map, runSize: size)
    }
}

extension VM {
    /// Slot number reserved for `flushShadowMMU`.
    static let flushSlot: UInt32 = 31

    /// Makes the vCPUs see page-table changes the host wrote through its own
    /// mapping of guest memory. KVM shadows guest page tables (kvm-pvm has no
    /// EPT) and only notices writes made by guest instructions; adding and
    /// deleting a memory slot makes KVM drop every shadow page
    /// (kvm_arch_flush_shadow_memslot), so they are rebuilt from the guest's
    /// tables on the next access. See docs/kvm-pvm-host.md.
    public func flushShadowMMU(scratchPage: UnsafeMutableRawPointer, guestPhys: UInt64) throws(KVMError) {
        try setMemoryRegion(slot: Self.flushSlot, guestPhys: guestPhys, size: 4096, hostAddress: scratchPage)
        try setMemoryRegion(slot: Self.flushSlot, guestPhys: guestPhys, size: 0, hostAddress: scratchPage)
    }
}
