// The /dev/kvm system handle: API version check and VM creation.
import CKVM
import Glibc

/// An open /dev/kvm. Xen analogue: none (this is the host's hypervisor).
public final class KVMSystem: Sendable {
    public let fd: Int32
    /// Size of the per-vCPU `kvm_run` mapping.
    public let vcpuMmapSize: Int

    public init(path: String = "/dev/kvm") throws(KVMError) {
        let fd = try Sys.open(path, O_RDWR | O_CLOEXEC)
        let size: Int32
        do throws(KVMError) {
            let version = try Sys.ioctl(fd, CKVM_GET_API_VERSION, value: 0, "KVM_GET_API_VERSION")
            guard version == KVM_API_VERSION else {
                throw KVMError("KVM API version \(version), expected \(KVM_API_VERSION)", errno: EINVAL)
            }
            size = try Sys.ioctl(fd, CKVM_GET_VCPU_MMAP_SIZE, value: 0, "KVM_GET_VCPU_MMAP_SIZE")
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
        self.vcpuMmapSize = Int(size)
    }

    deinit { close(fd) }

    /// KVM_CHECK_EXTENSION: 0 when absent, else capability-specific.
    public func checkExtension(_ cap: Int32) -> Int32 {
        (try? Sys.ioctl(fd, CKVM_CHECK_EXTENSION, value: UInt(cap), "KVM_CHECK_EXTENSION")) ?? 0
    }

    /// KVM_GET_SUPPORTED_CPUID: the host's CPUID leaves as KVM can present them.
    public func supportedCPUID() throws(KVMError) -> [kvm_cpuid_entry2] {
        var capacity: UInt32 = 256
        while true {
            let size = Int(ckvm_cpuid2_size(capacity))
            let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            defer { buf.deallocate() }
            buf.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            let hdr = buf.assumingMemoryBound(to: kvm_cpuid2.self)
            hdr.pointee.nent = capacity
            do {
                _ = try Sys.ioctl(fd, CKVM_GET_SUPPORTED_CPUID, buf, "KVM_GET_SUPPORTED_CPUID")
            } catch where error.errno == E2BIG {
                capacity *= 2
                continue
            }
            let n = Int(hdr.pointee.nent)
            let entries = (buf + MemoryLayout<kvm_cpuid2>.size).assumingMemoryBound(to: kvm_cpuid_entry2.self)
            return Array(UnsafeBufferPointer(start: entries, count: n))
        }
    }

    public func createVM() throws(KVMError) -> VM {
        let vmfd = try Sys.ioctl(fd, CKVM_CREATE_VM, value: 0, "KVM_CREATE_VM")
        return VM(system: self, fd: vmfd)
    }
}
