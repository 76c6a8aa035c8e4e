// The guest register frame of the current shim entry, read and written in
// place in the shim's stack (XenPV.ShimFrame). Xen analogue: the
// cpu_user_regs at the top of the vCPU's stack (guest_cpu_user_regs()).
import GuestMemory
import XenABI
import XenPV

public struct Frame {
    public let memory: GuestMemory
    /// Machine address of the frame.
    public let base: UInt64

    public init(memory: GuestMemory, base: UInt64) {
        self.memory = memory
        self.base = base
    }

    @inline(__always)
    public subscript(_ offset: Int) -> UInt64 {
        get { (try? memory.load(UInt64.self, at: base + UInt64(offset))) ?? 0 }
        nonmutating set { try? memory.store(newValue, at: base + UInt64(offset)) }
    }

    /// General-purpose register by x86 number (0 rax ... 15 r15).
    public subscript(register n: Int) -> UInt64 {
        get { self[ShimFrame.offset(ofRegister: n)] }
        nonmutating set { self[ShimFrame.offset(ofRegister: n)] = newValue }
    }

    public var rax: UInt64 { get { self[ShimFrame.rax] } nonmutating set { self[ShimFrame.rax] = newValue } }
    public var rip: UInt64 { get { self[ShimFrame.rip] } nonmutating set { self[ShimFrame.rip] = newValue } }
    public var rsp: UInt64 { get { self[ShimFrame.rsp] } nonmutating set { self[ShimFrame.rsp] = newValue } }
    public var rflags: UInt64 { get { self[ShimFrame.rflags] } nonmutating set { self[ShimFrame.rflags] = newValue } }
    public var cs: UInt64 { get { self[ShimFrame.cs] } nonmutating set { self[ShimFrame.cs] = newValue } }
    public var ss: UInt64 { get { self[ShimFrame.ss] } nonmutating set { self[ShimFrame.ss] = newValue } }
    public var vector: UInt64 { self[ShimFrame.vector] }
    public var errorCode: UInt64 { self[ShimFrame.errorCode] }
}
