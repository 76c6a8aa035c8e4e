// Xen: public/callback.h. Guest entry points registered with callback_op.

/// A command of the `callback_op` hypercall.
public struct CallbackOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Register a callback; the argument is a `callback_register`.
    ///
    /// Xen: `CALLBACKOP_register`, public/callback.h.
    public static let register = CallbackOp(rawValue: 0)

    /// Remove a callback; the argument is a `callback_unregister`.
    ///
    /// Xen: `CALLBACKOP_unregister`, public/callback.h.
    public static let unregister = CallbackOp(rawValue: 1)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "CALLBACKOP_register"
        case 1: return "CALLBACKOP_unregister"
        default: return "unknown"
        }
    }
}

/// Which guest entry point a callback registers.
public struct CallbackType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Event upcall.
    ///
    /// Xen: `CALLBACKTYPE_event`, public/callback.h.
    public static let event = CallbackType(rawValue: 0)

    /// Entered when Xen cannot load the guest's segments on return.
    ///
    /// Xen: `CALLBACKTYPE_failsafe`, public/callback.h.
    public static let failsafe = CallbackType(rawValue: 1)

    /// 64-bit SYSCALL from user mode (x86_64).
    ///
    /// Xen: `CALLBACKTYPE_syscall`, public/callback.h.
    public static let syscall = CallbackType(rawValue: 2)

    /// Old number of `sysenter`.
    ///
    /// Xen: `CALLBACKTYPE_sysenter_deprecated`, public/callback.h.
    public static let sysenterDeprecated = CallbackType(rawValue: 3)

    /// NMI.
    ///
    /// Xen: `CALLBACKTYPE_nmi`, public/callback.h.
    public static let nmi = CallbackType(rawValue: 4)

    /// SYSENTER from 32-bit user mode (x86_64).
    ///
    /// Xen: `CALLBACKTYPE_sysenter`, public/callback.h.
    public static let sysenter = CallbackType(rawValue: 5)

    /// SYSCALL from 32-bit user mode (x86_64).
    ///
    /// Xen: `CALLBACKTYPE_syscall32`, public/callback.h.
    public static let syscall32 = CallbackType(rawValue: 7)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "CALLBACKTYPE_event"
        case 1: return "CALLBACKTYPE_failsafe"
        case 2: return "CALLBACKTYPE_syscall"
        case 3: return "CALLBACKTYPE_sysenter_deprecated"
        case 4: return "CALLBACKTYPE_nmi"
        case 5: return "CALLBACKTYPE_sysenter"
        case 7: return "CALLBACKTYPE_syscall32"
        default: return "unknown"
        }
    }
}

/// Bits of `callback_register.flags`.
public struct CallbackFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Mask event delivery on entry to the callback.
    ///
    /// Xen: `CALLBACKF_mask_events`, public/callback.h.
    public static let maskEvents = CallbackFlags(rawValue: 1 << 0)
}

/// Argument of `CALLBACKOP_register`.
///
/// Xen: `struct callback_register`, public/callback.h.
public struct CallbackRegister: Equatable, Sendable {
    /// Xen: `type`; a `CallbackType`.
    public var type: UInt16
    /// Xen: `flags`; `CallbackFlags`.
    public var flags: UInt16
    /// Xen: `address`; the entry point (`xen_callback_t`).
    public var address: UInt64

    /// `sizeof(struct callback_register)` on x86_64.
    public static let size = 16

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `type`.
        public static let type = 0
        /// Xen: `flags`.
        public static let flags = 2
        /// Xen: `address`.
        public static let address = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        type: UInt16 = 0,
        flags: UInt16 = 0,
        address: UInt64 = 0
    ) {
        self.type = type
        self.flags = flags
        self.address = address
    }

    /// Reads the fields from `16` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `CallbackRegister.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.type = unsafe raw.loadUnaligned(fromByteOffset: Offset.type, as: UInt16.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt16.self)
        self.address = unsafe raw.loadUnaligned(fromByteOffset: Offset.address, as: UInt64.self)
    }

    /// Writes the fields into `16` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `CallbackRegister.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: type, toByteOffset: Offset.type, as: UInt16.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt16.self)
        unsafe raw.storeBytes(of: address, toByteOffset: Offset.address, as: UInt64.self)
    }
}

/// Argument of `CALLBACKOP_unregister`.
///
/// Xen: `struct callback_unregister`, public/callback.h.
public struct CallbackUnregister: Equatable, Sendable {
    /// Xen: `type`; a `CallbackType`.
    public var type: UInt16
    /// Xen: `_unused`.
    public var unused: UInt16

    /// `sizeof(struct callback_unregister)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `type`.
        public static let type = 0
        /// Xen: `_unused`.
        public static let unused = 2
    }

    /// Creates the value; omitted fields are zero.
    public init(
        type: UInt16 = 0,
        unused: UInt16 = 0
    ) {
        self.type = type
        self.unused = unused
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `CallbackUnregister.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.type = unsafe raw.loadUnaligned(fromByteOffset: Offset.type, as: UInt16.self)
        self.unused = unsafe raw.loadUnaligned(fromByteOffset: Offset.unused, as: UInt16.self)
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `CallbackUnregister.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: type, toByteOffset: Offset.type, as: UInt16.self)
        unsafe raw.storeBytes(of: unused, toByteOffset: Offset.unused, as: UInt16.self)
    }
}
