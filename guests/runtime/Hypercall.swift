// Hypercall.swift — typed wrappers around the `syscall` hypercall instruction (hypercall.S).
// Every wrapper returns Xen's RAX as an Int: >= 0 on success, -errno (public/errno.h) on failure.
// Argument conventions: xen/include/public/xen.h (`HYPERVISOR_*` prototypes in the comments) and
// docs/guest-guide/x86/hypercall-abi.rst.

@_extern(c, "hypercall6")
private func hypercall6(_ nr: UInt64, _ a1: UInt64, _ a2: UInt64, _ a3: UInt64,
                        _ a4: UInt64, _ a5: UInt64) -> Int64

/// Issues hypercall `nr` with up to five register arguments.
@inline(never)
func hypercall(_ nr: UInt64, _ a1: UInt64 = 0, _ a2: UInt64 = 0, _ a3: UInt64 = 0,
               _ a4: UInt64 = 0, _ a5: UInt64 = 0) -> Int {
    Int(hypercall6(nr, a1, a2, a3, a4, a5))
}

/// The guest virtual address of a pointer, as a hypercall argument.
@inline(__always)
func va(_ p: UnsafeRawPointer) -> UInt64 { UInt64(UInt(bitPattern: p)) }

/// Issues hypercall `nr(cmd, &arg)` with `arg` in memory for the duration of the call.
func hypercall<T>(_ nr: UInt64, _ cmd: UInt64, _ arg: inout T) -> Int {
    withUnsafeMutablePointer(to: &arg) { hypercall(nr, cmd, va($0)) }
}

enum HYPERVISOR {
    static func xenVersion(_ cmd: UInt64, _ arg: UInt64 = 0) -> Int {
        hypercall(Hypercall.xenVersion, cmd, arg)
    }
    static func consoleWrite(_ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        hypercall(Hypercall.consoleIO, ConsoleIOCmd.write, UInt64(count), va(bytes))
    }
    static func schedOp<T>(_ cmd: UInt64, _ arg: inout T) -> Int {
        hypercall(Hypercall.schedOp, cmd, &arg)
    }
    static func yield() -> Int { hypercall(Hypercall.schedOp, SchedOp.yield) }
    static func block() -> Int { hypercall(Hypercall.schedOp, SchedOp.block) }
    static func shutdown(_ reason: UInt32) -> Int {
        var arg = SchedShutdown(reason: reason)
        return schedOp(SchedOp.shutdown, &arg)
    }
    static func eventChannelOp<T>(_ cmd: UInt64, _ arg: inout T) -> Int {
        hypercall(Hypercall.eventChannelOp, cmd, &arg)
    }
    static func grantTableOp<T>(_ cmd: UInt64, _ arg: inout T, count: UInt64 = 1) -> Int {
        withUnsafeMutablePointer(to: &arg) { hypercall(Hypercall.grantTableOp, cmd, va($0), count) }
    }
    static func callbackOp<T>(_ cmd: UInt64, _ arg: inout T) -> Int {
        hypercall(Hypercall.callbackOp, cmd, &arg)
    }
    static func memoryOp<T>(_ cmd: UInt64, _ arg: inout T) -> Int {
        hypercall(Hypercall.memoryOp, cmd, &arg)
    }
    static func vcpuOp<T>(_ cmd: UInt64, _ vcpu: UInt64, _ arg: inout T) -> Int {
        withUnsafeMutablePointer(to: &arg) { hypercall(Hypercall.vcpuOp, cmd, vcpu, va($0)) }
    }
    static func vcpuOp(_ cmd: UInt64, _ vcpu: UInt64, _ arg: UInt64) -> Int {
        hypercall(Hypercall.vcpuOp, cmd, vcpu, arg)
    }
    static func setTrapTable(_ table: UnsafeRawPointer) -> Int {
        hypercall(Hypercall.setTrapTable, va(table))
    }
    static func stackSwitch(ss: UInt64, sp: UInt64) -> Int {
        hypercall(Hypercall.stackSwitch, ss, sp)
    }
    static func setTimerOp(_ absoluteNs: UInt64) -> Int {
        hypercall(Hypercall.setTimerOp, absoluteNs)
    }
    static func vmAssist(_ cmd: UInt64, _ type: UInt64) -> Int {
        hypercall(Hypercall.vmAssist, cmd, type)
    }
    static func updateVAMapping(_ va: UInt64, _ pte: UInt64, _ flags: UInt64) -> Int {
        hypercall(Hypercall.updateVAMapping, va, pte, flags)
    }
    static func mmuUpdate(_ reqs: UnsafeRawPointer, _ count: Int) -> Int {
        hypercall(Hypercall.mmuUpdate, va(reqs), UInt64(count), 0, UInt64(DomID.selfID))
    }
    static func mmuextOp(_ ops: UnsafeRawPointer, _ count: Int) -> Int {
        hypercall(Hypercall.mmuextOp, va(ops), UInt64(count), 0, UInt64(DomID.selfID))
    }
    static func multicall(_ entries: UnsafeRawPointer, _ count: Int) -> Int {
        hypercall(Hypercall.multicall, va(entries), UInt64(count))
    }
}
