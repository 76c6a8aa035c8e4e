// One KVM vCPU: KVM_RUN, typed exits, registers, MSRs, CPUID, injection.
import CKVM
import Glibc

/// Why KVM_RUN returned. Xen analogue: none; the VMM maps these to
/// hypercalls, traps and domain crashes.
public enum VCPUExit: Sendable, Equatable {
    /// Port I/O; for `out` the bytes are in `data` (≤ 8 bytes, little endian).
    case io(port: UInt16, size: UInt8, out: Bool, data: UInt64)
    case mmio(address: UInt64, length: UInt32, write: Bool, data: UInt64)
    case hlt
    /// KVM_EXIT_SHUTDOWN: triple fault.
    case shutdown
    /// KVM_EXIT_INTERNAL_ERROR, e.g. an instruction the emulator cannot run.
    case internalError(suberror: UInt32)
    case failEntry(reason: UInt64)
    /// KVM_RUN returned EINTR: a kick from another thread.
    case interrupted
    case interruptWindowOpen
    case systemEvent(type: UInt32)
    case unknown(reason: UInt32)
}

/// A vCPU. Must be driven by a single thread.
public final class VCPU: @unchecked Sendable {
    // @unchecked: `run` is shared with the kernel; only `requestKick` touches
    // it from other threads (a single volatile byte store), as KVM documents
    // for `immediate_exit`.
    public let id: UInt32
    public let fd: Int32
    let run: UnsafeMutableRawPointer
    let runSize: Int

    init(id: UInt32, fd: Int32, run: UnsafeMutableRawPointer, runSize: Int) {
        self.id = id
        self.fd = fd
        self.run = run
        self.runSize = runSize
    }

    deinit {
        munmap(run, runSize)
        close(fd)
    }

    var kvmRun: UnsafeMutablePointer<kvm_run> { run.assumingMemoryBound(to: kvm_run.self) }

    /// Make the next (or current, together with a signal) KVM_RUN return
    /// EINTR. Safe from any thread.
    public func requestImmediateExit() {
        withUnsafeMutablePointer(to: &kvmRun.pointee.immediate_exit) { p in
            UnsafeMutableRawPointer(p).storeBytes(of: 1, as: UInt8.self)
        }
    }

    /// Ask KVM to exit as soon as the vCPU can take an interrupt.
    public var requestInterruptWindow: Bool {
        get { kvmRun.pointee.request_interrupt_window != 0 }
        set { kvmRun.pointee.request_interrupt_window = newValue ? 1 : 0 }
    }

    public var readyForInterruptInjection: Bool { kvmRun.pointee.ready_for_interrupt_injection != 0 }
    public var interruptFlag: Bool { kvmRun.pointee.if_flag != 0 }

    /// KVM_RUN until the next exit.
    public func runOnce() throws(KVMError) -> VCPUExit {
        let rc = ckvm_ioctl_val(fd, CKVM_RUN, 0)
        if rc < 0 {
            let e = errno
            if e == EINTR || e == EAGAIN {
                kvmRun.pointee.immediate_exit = 0
                return .interrupted
            }
            throw KVMError("KVM_RUN on vCPU \(id)", errno: e)
        }
        let r = kvmRun
        switch Int32(r.pointee.exit_reason) {
        case KVM_EXIT_IO:
            let io = r.pointee.io
            var data: UInt64 = 0
            if io.direction == UInt8(KVM_EXIT_IO_OUT) {
                let src = run + Int(io.data_offset)
                withUnsafeMutableBytes(of: &data) { dst in
                    dst.baseAddress!.copyMemory(from: src, byteCount: min(Int(io.size), 8))
                }
            }
            return .io(port: io.port, size: io.size, out: io.direction == UInt8(KVM_EXIT_IO_OUT), data: data)
        case KVM_EXIT_MMIO:
            let m = r.pointee.mmio
            var data: UInt64 = 0
            withUnsafeBytes(of: m.data) { src in
                withUnsafeMutableBytes(of: &data) { $0.copyMemory(from: src) }
            }
            return .mmio(address: m.phys_addr, length: m.len, write: m.is_write != 0, data: data)
        case KVM_EXIT_HLT: return .hlt
        case KVM_EXIT_SHUTDOWN: return .shutdown
        case KVM_EXIT_INTERNAL_ERROR: return .internalError(suberror: r.pointee.internal.suberror)
        case KVM_EXIT_FAIL_ENTRY: return .failEntry(reason: r.pointee.fail_entry.hardware_entry_failure_reason)
        case KVM_EXIT_IRQ_WINDOW_OPEN: return .interruptWindowOpen
        case KVM_EXIT_INTR: return .interrupted
        case KVM_EXIT_SYSTEM_EVENT: return .systemEvent(type: r.pointee.system_event.type)
        default: return .unknown(reason: r.pointee.exit_reason)
        }
    }

    /// For an `in` exit: the value the guest reads.
    public func completeIn(_ value: UInt64) {
        let io = kvmRun.pointee.io
        var v = value
        withUnsafeBytes(of: &v) { src in
            (run + Int(io.data_offset)).copyMemory(from: src.baseAddress!, byteCount: min(Int(io.size), 8))
        }
    }

    public func getRegs() throws(KVMError) -> kvm_regs {
        var regs = kvm_regs()
        _ = try Sys.ioctl(fd, CKVM_GET_REGS, &regs, "KVM_GET_REGS")
        return regs
    }

    public func setRegs(_ regs: kvm_regs) throws(KVMError) {
        var regs = regs
        _ = try Sys.ioctl(fd, CKVM_SET_REGS, &regs, "KVM_SET_REGS")
    }

    public func getSregs() throws(KVMError) -> kvm_sregs {
        var sregs = kvm_sregs()
        _ = try Sys.ioctl(fd, CKVM_GET_SREGS, &sregs, "KVM_GET_SREGS")
        return sregs
    }

    public func setSregs(_ sregs: kvm_sregs) throws(KVMError) {
        var sregs = sregs
        _ = try Sys.ioctl(fd, CKVM_SET_SREGS, &sregs, "KVM_SET_SREGS")
    }

    /// KVM_GET_MSRS for the given indices; returns values in the same order.
    public func getMSRs(_ indices: [UInt32]) throws(KVMError) -> [UInt64] {
        let size = Int(ckvm_msrs_size(UInt32(indices.count)))
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buf.deallocate() }
        buf.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        buf.assumingMemoryBound(to: kvm_msrs.self).pointee.nmsrs = UInt32(indices.count)
        let entries = (buf + MemoryLayout<kvm_msrs>.size).assumingMemoryBound(to: kvm_msr_entry.self)
        for (i, index) in indices.enumerated() { entries[i].index = index }
        let n = try Sys.ioctl(fd, CKVM_GET_MSRS, buf, "KVM_GET_MSRS")
        guard n == indices.count else { throw KVMError("KVM_GET_MSRS read \(n) of \(indices.count)", errno: EINVAL) }
        return (0..<indices.count).map { entries[$0].data }
    }

    public func setMSRs(_ values: [(UInt32, UInt64)]) throws(KVMError) {
        let size = Int(ckvm_msrs_size(UInt32(values.count)))
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buf.deallocate() }
        buf.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        buf.assumingMemoryBound(to: kvm_msrs.self).pointee.nmsrs = UInt32(values.count)
        let entries = (buf + MemoryLayout<kvm_msrs>.size).assumingMemoryBound(to: kvm_msr_entry.self)
        for (i, (index, value)) in values.enumerated() {
            entries[i].index = index
            entries[i].data = value
        }
        let n = try Sys.ioctl(fd, CKVM_SET_MSRS, buf, "KVM_SET_MSRS")
        guard n == values.count else {
            throw KVMError("KVM_SET_MSRS: MSR \(String(values[Int(n)].0, radix: 16)) refused", errno: EINVAL)
        }
    }

    public func setCPUID(_ entries: [kvm_cpuid_entry2]) throws(KVMError) {
        let size = Int(ckvm_cpuid2_size(UInt32(entries.count)))
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buf.deallocate() }
        buf.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        buf.assumingMemoryBound(to: kvm_cpuid2.self).pointee.nent = UInt32(entries.count)
        let dst = (buf + MemoryLayout<kvm_cpuid2>.size).assumingMemoryBound(to: kvm_cpuid_entry2.self)
        for (i, e) in entries.enumerated() { dst[i] = e }
        _ = try Sys.ioctl(fd, CKVM_SET_CPUID2, buf, "KVM_SET_CPUID2")
    }

    /// KVM_INTERRUPT (user-space irqchip only): queue external interrupt `vector`.
    public func injectInterrupt(vector: UInt32) throws(KVMError) {
        var irq = kvm_interrupt(irq: vector)
        _ = try Sys.ioctl(fd, CKVM_INTERRUPT, &irq, "KVM_INTERRUPT \(vector)")
    }
}
