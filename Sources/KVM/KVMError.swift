// KVM: the only code that issues KVM ioctls (/dev/kvm). It knows nothing of
// Xen: it offers a VM with memory slots, vCPUs with registers, typed exits,
// and the interrupt plumbing (in-kernel irqchip, irqfd, ioeventfd).
// Errors are typed (`KVMError`) and carry the errno of the failed call.
// Concurrency: a `VM` may be shared between threads; each `VCPU` is driven by
// exactly one thread (KVM requires that KVM_RUN and the register ioctls of a
// vCPU come from the thread that runs it).
import Glibc

/// A failed KVM operation: which call, and the errno it returned.
public struct KVMError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(operation): \(String(cString: strerror(errno)))"
    }
}
