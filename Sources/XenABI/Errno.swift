// Xen: public/errno.h. The error numbers of the guest ABI.
// swiftlint:disable identifier_name

/// An error number of Xen's guest ABI, with public/errno.h's (positive) values.
///
/// Hypercalls return `-rawValue` in RAX. These values are Xen's, not the host's:
/// host errors are mapped to them in one table before reaching a guest.
/// Members are spelled as in the header, so this file is exempt from the
/// camel-case lint.
public struct XenErrno: RawRepresentable, Equatable, Hashable, Sendable, Error {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Operation not permitted.
    ///
    /// Xen: `XEN_EPERM`, public/errno.h.
    public static let EPERM = XenErrno(rawValue: 1)

    /// No such file or directory.
    ///
    /// Xen: `XEN_ENOENT`, public/errno.h.
    public static let ENOENT = XenErrno(rawValue: 2)

    /// No such process (or domain).
    ///
    /// Xen: `XEN_ESRCH`, public/errno.h.
    public static let ESRCH = XenErrno(rawValue: 3)

    /// Interrupted call. Xen keeps this one internal; a guest should never see it.
    ///
    /// Xen: `XEN_EINTR`, public/errno.h.
    public static let EINTR = XenErrno(rawValue: 4)

    /// I/O error.
    ///
    /// Xen: `XEN_EIO`, public/errno.h.
    public static let EIO = XenErrno(rawValue: 5)

    /// No such device or address.
    ///
    /// Xen: `XEN_ENXIO`, public/errno.h.
    public static let ENXIO = XenErrno(rawValue: 6)

    /// Argument list too long.
    ///
    /// Xen: `XEN_E2BIG`, public/errno.h.
    public static let E2BIG = XenErrno(rawValue: 7)

    /// Exec format error.
    ///
    /// Xen: `XEN_ENOEXEC`, public/errno.h.
    public static let ENOEXEC = XenErrno(rawValue: 8)

    /// Bad file number.
    ///
    /// Xen: `XEN_EBADF`, public/errno.h.
    public static let EBADF = XenErrno(rawValue: 9)

    /// No child processes.
    ///
    /// Xen: `XEN_ECHILD`, public/errno.h.
    public static let ECHILD = XenErrno(rawValue: 10)

    /// Try again.
    ///
    /// Xen: `XEN_EAGAIN`, public/errno.h.
    public static let EAGAIN = XenErrno(rawValue: 11)

    /// Operation would block; the same value as `EAGAIN`.
    ///
    /// Xen: `XEN_EWOULDBLOCK`, public/errno.h.
    public static let EWOULDBLOCK = XenErrno(rawValue: 11)

    /// Out of memory.
    ///
    /// Xen: `XEN_ENOMEM`, public/errno.h.
    public static let ENOMEM = XenErrno(rawValue: 12)

    /// Permission denied.
    ///
    /// Xen: `XEN_EACCES`, public/errno.h.
    public static let EACCES = XenErrno(rawValue: 13)

    /// Bad address: a guest buffer could not be read or written.
    ///
    /// Xen: `XEN_EFAULT`, public/errno.h.
    public static let EFAULT = XenErrno(rawValue: 14)

    /// Device or resource busy.
    ///
    /// Xen: `XEN_EBUSY`, public/errno.h.
    public static let EBUSY = XenErrno(rawValue: 16)

    /// Already exists.
    ///
    /// Xen: `XEN_EEXIST`, public/errno.h.
    public static let EEXIST = XenErrno(rawValue: 17)

    /// Cross-device link.
    ///
    /// Xen: `XEN_EXDEV`, public/errno.h.
    public static let EXDEV = XenErrno(rawValue: 18)

    /// No such device.
    ///
    /// Xen: `XEN_ENODEV`, public/errno.h.
    public static let ENODEV = XenErrno(rawValue: 19)

    /// Not a directory.
    ///
    /// Xen: `XEN_ENOTDIR`, public/errno.h.
    public static let ENOTDIR = XenErrno(rawValue: 20)

    /// Is a directory.
    ///
    /// Xen: `XEN_EISDIR`, public/errno.h.
    public static let EISDIR = XenErrno(rawValue: 21)

    /// Invalid argument.
    ///
    /// Xen: `XEN_EINVAL`, public/errno.h.
    public static let EINVAL = XenErrno(rawValue: 22)

    /// File table overflow.
    ///
    /// Xen: `XEN_ENFILE`, public/errno.h.
    public static let ENFILE = XenErrno(rawValue: 23)

    /// Too many open files.
    ///
    /// Xen: `XEN_EMFILE`, public/errno.h.
    public static let EMFILE = XenErrno(rawValue: 24)

    /// No space left.
    ///
    /// Xen: `XEN_ENOSPC`, public/errno.h.
    public static let ENOSPC = XenErrno(rawValue: 28)

    /// Read-only file system.
    ///
    /// Xen: `XEN_EROFS`, public/errno.h.
    public static let EROFS = XenErrno(rawValue: 30)

    /// Too many links.
    ///
    /// Xen: `XEN_EMLINK`, public/errno.h.
    public static let EMLINK = XenErrno(rawValue: 31)

    /// Argument out of domain.
    ///
    /// Xen: `XEN_EDOM`, public/errno.h.
    public static let EDOM = XenErrno(rawValue: 33)

    /// Result out of range.
    ///
    /// Xen: `XEN_ERANGE`, public/errno.h.
    public static let ERANGE = XenErrno(rawValue: 34)

    /// Resource deadlock would occur.
    ///
    /// Xen: `XEN_EDEADLK`, public/errno.h.
    public static let EDEADLK = XenErrno(rawValue: 35)

    /// The same value as `EDEADLK`.
    ///
    /// Xen: `XEN_EDEADLOCK`, public/errno.h.
    public static let EDEADLOCK = XenErrno(rawValue: 35)

    /// Name too long.
    ///
    /// Xen: `XEN_ENAMETOOLONG`, public/errno.h.
    public static let ENAMETOOLONG = XenErrno(rawValue: 36)

    /// No record locks available.
    ///
    /// Xen: `XEN_ENOLCK`, public/errno.h.
    public static let ENOLCK = XenErrno(rawValue: 37)

    /// Function not implemented.
    ///
    /// Xen: `XEN_ENOSYS`, public/errno.h.
    public static let ENOSYS = XenErrno(rawValue: 38)

    /// Directory not empty.
    ///
    /// Xen: `XEN_ENOTEMPTY`, public/errno.h.
    public static let ENOTEMPTY = XenErrno(rawValue: 39)

    /// No data available.
    ///
    /// Xen: `XEN_ENODATA`, public/errno.h.
    public static let ENODATA = XenErrno(rawValue: 61)

    /// Timer expired.
    ///
    /// Xen: `XEN_ETIME`, public/errno.h.
    public static let ETIME = XenErrno(rawValue: 62)

    /// Not a data message.
    ///
    /// Xen: `XEN_EBADMSG`, public/errno.h.
    public static let EBADMSG = XenErrno(rawValue: 74)

    /// Value too large for its type.
    ///
    /// Xen: `XEN_EOVERFLOW`, public/errno.h.
    public static let EOVERFLOW = XenErrno(rawValue: 75)

    /// Illegal byte sequence.
    ///
    /// Xen: `XEN_EILSEQ`, public/errno.h.
    public static let EILSEQ = XenErrno(rawValue: 84)

    /// Call should be restarted. Xen keeps this one internal; a guest should never see it.
    ///
    /// Xen: `XEN_ERESTART`, public/errno.h.
    public static let ERESTART = XenErrno(rawValue: 85)

    /// Not a socket.
    ///
    /// Xen: `XEN_ENOTSOCK`, public/errno.h.
    public static let ENOTSOCK = XenErrno(rawValue: 88)

    /// Message too large.
    ///
    /// Xen: `XEN_EMSGSIZE`, public/errno.h.
    public static let EMSGSIZE = XenErrno(rawValue: 90)

    /// Operation not supported.
    ///
    /// Xen: `XEN_EOPNOTSUPP`, public/errno.h.
    public static let EOPNOTSUPP = XenErrno(rawValue: 95)

    /// Address already in use.
    ///
    /// Xen: `XEN_EADDRINUSE`, public/errno.h.
    public static let EADDRINUSE = XenErrno(rawValue: 98)

    /// Cannot assign requested address.
    ///
    /// Xen: `XEN_EADDRNOTAVAIL`, public/errno.h.
    public static let EADDRNOTAVAIL = XenErrno(rawValue: 99)

    /// No buffer space available.
    ///
    /// Xen: `XEN_ENOBUFS`, public/errno.h.
    public static let ENOBUFS = XenErrno(rawValue: 105)

    /// Already connected.
    ///
    /// Xen: `XEN_EISCONN`, public/errno.h.
    public static let EISCONN = XenErrno(rawValue: 106)

    /// Not connected.
    ///
    /// Xen: `XEN_ENOTCONN`, public/errno.h.
    public static let ENOTCONN = XenErrno(rawValue: 107)

    /// Timed out.
    ///
    /// Xen: `XEN_ETIMEDOUT`, public/errno.h.
    public static let ETIMEDOUT = XenErrno(rawValue: 110)

    /// Connection refused.
    ///
    /// Xen: `XEN_ECONNREFUSED`, public/errno.h.
    public static let ECONNREFUSED = XenErrno(rawValue: 111)

    /// The Xen spelling of this value for logs, or "E?".
    public var name: StaticString {
        switch rawValue {
        case 1: return "XEN_EPERM"
        case 2: return "XEN_ENOENT"
        case 3: return "XEN_ESRCH"
        case 4: return "XEN_EINTR"
        case 5: return "XEN_EIO"
        case 6: return "XEN_ENXIO"
        case 7: return "XEN_E2BIG"
        case 8: return "XEN_ENOEXEC"
        case 9: return "XEN_EBADF"
        case 10: return "XEN_ECHILD"
        case 11: return "XEN_EAGAIN"
        case 12: return "XEN_ENOMEM"
        case 13: return "XEN_EACCES"
        case 14: return "XEN_EFAULT"
        case 16: return "XEN_EBUSY"
        case 17: return "XEN_EEXIST"
        case 18: return "XEN_EXDEV"
        case 19: return "XEN_ENODEV"
        case 20: return "XEN_ENOTDIR"
        case 21: return "XEN_EISDIR"
        case 22: return "XEN_EINVAL"
        case 23: return "XEN_ENFILE"
        case 24: return "XEN_EMFILE"
        case 28: return "XEN_ENOSPC"
        case 30: return "XEN_EROFS"
        case 31: return "XEN_EMLINK"
        case 33: return "XEN_EDOM"
        case 34: return "XEN_ERANGE"
        case 35: return "XEN_EDEADLK"
        case 36: return "XEN_ENAMETOOLONG"
        case 37: return "XEN_ENOLCK"
        case 38: return "XEN_ENOSYS"
        case 39: return "XEN_ENOTEMPTY"
        case 61: return "XEN_ENODATA"
        case 62: return "XEN_ETIME"
        case 74: return "XEN_EBADMSG"
        case 75: return "XEN_EOVERFLOW"
        case 84: return "XEN_EILSEQ"
        case 85: return "XEN_ERESTART"
        case 88: return "XEN_ENOTSOCK"
        case 90: return "XEN_EMSGSIZE"
        case 95: return "XEN_EOPNOTSUPP"
        case 98: return "XEN_EADDRINUSE"
        case 99: return "XEN_EADDRNOTAVAIL"
        case 105: return "XEN_ENOBUFS"
        case 106: return "XEN_EISCONN"
        case 107: return "XEN_ENOTCONN"
        case 110: return "XEN_ETIMEDOUT"
        case 111: return "XEN_ECONNREFUSED"
        default: return "E?"
        }
    }
}

extension XenErrno {
    /// The value a hypercall returns in RAX for this error: `-rawValue`
    /// sign-extended to 64 bits.
    public var hypercallReturnValue: UInt64 {
        UInt64(bitPattern: Int64(-rawValue))
    }

    /// The error a hypercall return value encodes, or nil if `value` is not
    /// in Xen's error range (-4095 ... -1).
    public init?(hypercallReturnValue value: UInt64) {
        let signed = Int64(bitPattern: value)
        guard signed < 0, signed >= -4095 else { return nil }
        self.init(rawValue: Int32(-signed))
    }
}
