// The single funnel for every ioctl/open/mmap this target makes, so that
// tracing and failure injection have one place to hook
// (swift-system Sources/System/Internals/Syscalls.swift).
import CKVM
import Glibc

enum Sys {
    /// ioctl with a pointer argument, retried on EINTR except for KVM_RUN,
    /// whose EINTR is meaningful (a kick).
    @inline(__always)
    static func ioctl(_ fd: Int32, _ request: UInt, _ arg: UnsafeMutableRawPointer?,
                      _ what: @autoclosure () -> String) throws(KVMError) -> Int32 {
        while true {
            let rc = ckvm_ioctl_ptr(fd, request, arg)
            if rc >= 0 { return rc }
            let e = Glibc.errno
            if e == EINTR { continue }
            throw KVMError(what(), errno: e)
        }
    }

    @inline(__always)
    static func ioctl(_ fd: Int32, _ request: UInt, value: UInt,
                      _ what: @autoclosure () -> String) throws(KVMError) -> Int32 {
        while true {
            let rc = ckvm_ioctl_val(fd, request, value)
            if rc >= 0 { return rc }
            let e = Glibc.errno
            if e == EINTR { continue }
            throw KVMError(what(), errno: e)
        }
    }

    static func open(_ path: String, _ flags: Int32) throws(KVMError) -> Int32 {
        let fd = Glibc.open(path, flags)
        if fd < 0 { throw KVMError("open \(path)", errno: Glibc.errno) }
        return fd
    }
}
