// Xen: public/event_channel.h. Event-channel commands and their arguments.

/// An event-channel port number, local to one domain.
///
/// Xen: `evtchn_port_t`, public/event_channel.h.
public struct EvtchnPort: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }
}

/// A command of the `event_channel_op` hypercall.
public struct EvtchnOp: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Connect a new local port to a remote unbound port.
    ///
    /// Xen: `EVTCHNOP_bind_interdomain`, public/event_channel.h.
    public static let bindInterdomain = EvtchnOp(rawValue: 0)

    /// Bind a new port to a VIRQ on a vCPU.
    ///
    /// Xen: `EVTCHNOP_bind_virq`, public/event_channel.h.
    public static let bindVirq = EvtchnOp(rawValue: 1)

    /// Bind a new port to a physical IRQ.
    ///
    /// Xen: `EVTCHNOP_bind_pirq`, public/event_channel.h.
    public static let bindPirq = EvtchnOp(rawValue: 2)

    /// Close a port.
    ///
    /// Xen: `EVTCHNOP_close`, public/event_channel.h.
    public static let close = EvtchnOp(rawValue: 3)

    /// Signal the other end of a port.
    ///
    /// Xen: `EVTCHNOP_send`, public/event_channel.h.
    public static let send = EvtchnOp(rawValue: 4)

    /// Describe a port.
    ///
    /// Xen: `EVTCHNOP_status`, public/event_channel.h.
    public static let status = EvtchnOp(rawValue: 5)

    /// Allocate a port a given remote domain may bind to.
    ///
    /// Xen: `EVTCHNOP_alloc_unbound`, public/event_channel.h.
    public static let allocUnbound = EvtchnOp(rawValue: 6)

    /// Bind a new port for IPIs to a vCPU.
    ///
    /// Xen: `EVTCHNOP_bind_ipi`, public/event_channel.h.
    public static let bindIPI = EvtchnOp(rawValue: 7)

    /// Move delivery of a port to another vCPU.
    ///
    /// Xen: `EVTCHNOP_bind_vcpu`, public/event_channel.h.
    public static let bindVCPU = EvtchnOp(rawValue: 8)

    /// Clear a port's mask bit, delivering it if pending.
    ///
    /// Xen: `EVTCHNOP_unmask`, public/event_channel.h.
    public static let unmask = EvtchnOp(rawValue: 9)

    /// Close all ports of a domain.
    ///
    /// Xen: `EVTCHNOP_reset`, public/event_channel.h.
    public static let reset = EvtchnOp(rawValue: 10)

    /// Switch to the FIFO ABI, registering a control block.
    ///
    /// Xen: `EVTCHNOP_init_control`, public/event_channel.h.
    public static let initControl = EvtchnOp(rawValue: 11)

    /// Add an event-word page (FIFO ABI).
    ///
    /// Xen: `EVTCHNOP_expand_array`, public/event_channel.h.
    public static let expandArray = EvtchnOp(rawValue: 12)

    /// Set a port's priority (FIFO ABI).
    ///
    /// Xen: `EVTCHNOP_set_priority`, public/event_channel.h.
    public static let setPriority = EvtchnOp(rawValue: 13)

    /// Continue an `EVTCHNOP_reset` (internal to Xen; not visible to guests).
    ///
    /// Xen: `EVTCHNOP_reset_cont`, public/event_channel.h.
    public static let resetCont = EvtchnOp(rawValue: 14)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "EVTCHNOP_bind_interdomain"
        case 1: return "EVTCHNOP_bind_virq"
        case 2: return "EVTCHNOP_bind_pirq"
        case 3: return "EVTCHNOP_close"
        case 4: return "EVTCHNOP_send"
        case 5: return "EVTCHNOP_status"
        case 6: return "EVTCHNOP_alloc_unbound"
        case 7: return "EVTCHNOP_bind_ipi"
        case 8: return "EVTCHNOP_bind_vcpu"
        case 9: return "EVTCHNOP_unmask"
        case 10: return "EVTCHNOP_reset"
        case 11: return "EVTCHNOP_init_control"
        case 12: return "EVTCHNOP_expand_array"
        case 13: return "EVTCHNOP_set_priority"
        case 14: return "EVTCHNOP_reset_cont"
        default: return "unknown"
        }
    }
}

/// The state `EVTCHNOP_status` reports.
public struct EvtchnStat: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Not in use.
    ///
    /// Xen: `EVTCHNSTAT_closed`, public/event_channel.h.
    public static let closed = EvtchnStat(rawValue: 0)

    /// Waiting for a remote domain to bind.
    ///
    /// Xen: `EVTCHNSTAT_unbound`, public/event_channel.h.
    public static let unbound = EvtchnStat(rawValue: 1)

    /// Connected to a remote port.
    ///
    /// Xen: `EVTCHNSTAT_interdomain`, public/event_channel.h.
    public static let interdomain = EvtchnStat(rawValue: 2)

    /// Bound to a physical IRQ.
    ///
    /// Xen: `EVTCHNSTAT_pirq`, public/event_channel.h.
    public static let pirq = EvtchnStat(rawValue: 3)

    /// Bound to a VIRQ.
    ///
    /// Xen: `EVTCHNSTAT_virq`, public/event_channel.h.
    public static let virq = EvtchnStat(rawValue: 4)

    /// Bound for IPIs.
    ///
    /// Xen: `EVTCHNSTAT_ipi`, public/event_channel.h.
    public static let ipi = EvtchnStat(rawValue: 5)

    /// The Xen spelling of this value for logs, or "unknown".
    public var name: StaticString {
        switch rawValue {
        case 0: return "EVTCHNSTAT_closed"
        case 1: return "EVTCHNSTAT_unbound"
        case 2: return "EVTCHNSTAT_interdomain"
        case 3: return "EVTCHNSTAT_pirq"
        case 4: return "EVTCHNSTAT_virq"
        case 5: return "EVTCHNSTAT_ipi"
        default: return "unknown"
        }
    }
}

/// Constants of public/event_channel.h.
public enum EventChannel {
    /// Ports of the 2-level ABI on x86_64: one bit each in `shared_info.evtchn_pending` and `evtchn_mask`.
    ///
    /// Xen: `EVTCHN_2L_NR_CHANNELS`, public/event_channel.h.
    public static let twoLevelNrChannels: Int = 4096

    /// Xen: `BIND_PIRQ__WILL_SHARE`, public/event_channel.h.
    public static let bindPirqWillShare: UInt32 = 1

    /// Xen: `EVTCHN_FIFO_PRIORITY_MAX`, public/event_channel.h.
    public static let fifoPriorityMax: UInt32 = 0

    /// Xen: `EVTCHN_FIFO_PRIORITY_DEFAULT`, public/event_channel.h.
    public static let fifoPriorityDefault: UInt32 = 7

    /// Xen: `EVTCHN_FIFO_PRIORITY_MIN`, public/event_channel.h.
    public static let fifoPriorityMin: UInt32 = 15

    /// Xen: `EVTCHN_FIFO_MAX_QUEUES`, public/event_channel.h.
    public static let fifoMaxQueues: Int = 16

    /// Bit number in an event word.
    ///
    /// Xen: `EVTCHN_FIFO_PENDING`, public/event_channel.h.
    public static let fifoPending: UInt32 = 31

    /// Bit number in an event word.
    ///
    /// Xen: `EVTCHN_FIFO_MASKED`, public/event_channel.h.
    public static let fifoMasked: UInt32 = 30

    /// Bit number in an event word.
    ///
    /// Xen: `EVTCHN_FIFO_LINKED`, public/event_channel.h.
    public static let fifoLinked: UInt32 = 29

    /// Bit number in an event word.
    ///
    /// Xen: `EVTCHN_FIFO_BUSY`, public/event_channel.h.
    public static let fifoBusy: UInt32 = 28

    /// Xen: `EVTCHN_FIFO_LINK_BITS`, public/event_channel.h.
    public static let fifoLinkBits: UInt32 = 17

    /// Xen: `EVTCHN_FIFO_LINK_MASK`, public/event_channel.h.
    public static let fifoLinkMask: UInt32 = (1 << 17) - 1

    /// Xen: `EVTCHN_FIFO_NR_CHANNELS`, public/event_channel.h.
    public static let fifoNrChannels: Int = 1 << 17
}

/// Argument of `EVTCHNOP_alloc_unbound`: allocate a port in `dom` that
/// `remoteDom` may later bind with `EVTCHNOP_bind_interdomain`.
///
/// Xen: `struct evtchn_alloc_unbound`, public/event_channel.h.
public struct EvtchnAllocUnbound: Equatable, Sendable {
    // IN
    /// Xen: `dom`.
    public var dom: DomID
    /// Xen: `remote_dom`.
    public var remoteDom: DomID
    // OUT
    /// Xen: `port`.
    public var port: EvtchnPort

    /// `sizeof(struct evtchn_alloc_unbound)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `dom`.
        public static let dom = 0
        /// Xen: `remote_dom`.
        public static let remoteDom = 2
        /// Xen: `port`.
        public static let port = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        dom: DomID = DomID(rawValue: 0),
        remoteDom: DomID = DomID(rawValue: 0),
        port: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.dom = dom
        self.remoteDom = remoteDom
        self.port = port
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnAllocUnbound.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.remoteDom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.remoteDom, as: UInt16.self))
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnAllocUnbound.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: remoteDom.rawValue, toByteOffset: Offset.remoteDom, as: UInt16.self)
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_bind_interdomain`: connect a new local port to
/// `remotePort` of `remoteDom`.
///
/// Xen: `struct evtchn_bind_interdomain`, public/event_channel.h.
public struct EvtchnBindInterdomain: Equatable, Sendable {
    // IN
    /// Xen: `remote_dom`.
    public var remoteDom: DomID
    /// Xen: `remote_port`.
    public var remotePort: EvtchnPort
    // OUT
    /// Xen: `local_port`.
    public var localPort: EvtchnPort

    /// `sizeof(struct evtchn_bind_interdomain)` on x86_64.
    public static let size = 12

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `remote_dom`.
        public static let remoteDom = 0
        /// Xen: `remote_port`.
        public static let remotePort = 4
        /// Xen: `local_port`.
        public static let localPort = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        remoteDom: DomID = DomID(rawValue: 0),
        remotePort: EvtchnPort = EvtchnPort(rawValue: 0),
        localPort: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.remoteDom = remoteDom
        self.remotePort = remotePort
        self.localPort = localPort
    }

    /// Reads the fields from `12` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindInterdomain.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.remoteDom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.remoteDom, as: UInt16.self))
        self.remotePort = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.remotePort, as: UInt32.self))
        self.localPort = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.localPort, as: UInt32.self))
    }

    /// Writes the fields into `12` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindInterdomain.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: remoteDom.rawValue, toByteOffset: Offset.remoteDom, as: UInt16.self)
        unsafe raw.storeBytes(of: remotePort.rawValue, toByteOffset: Offset.remotePort, as: UInt32.self)
        unsafe raw.storeBytes(of: localPort.rawValue, toByteOffset: Offset.localPort, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_bind_virq`.
///
/// Xen: `struct evtchn_bind_virq`, public/event_channel.h.
public struct EvtchnBindVirq: Equatable, Sendable {
    // IN
    /// Xen: `virq`; a `VIRQ`.
    public var virq: UInt32
    /// Xen: `vcpu`.
    public var vcpu: UInt32
    // OUT
    /// Xen: `port`.
    public var port: EvtchnPort

    /// `sizeof(struct evtchn_bind_virq)` on x86_64.
    public static let size = 12

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `virq`.
        public static let virq = 0
        /// Xen: `vcpu`.
        public static let vcpu = 4
        /// Xen: `port`.
        public static let port = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        virq: UInt32 = 0,
        vcpu: UInt32 = 0,
        port: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.virq = virq
        self.vcpu = vcpu
        self.port = port
    }

    /// Reads the fields from `12` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindVirq.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.virq = unsafe raw.loadUnaligned(fromByteOffset: Offset.virq, as: UInt32.self)
        self.vcpu = unsafe raw.loadUnaligned(fromByteOffset: Offset.vcpu, as: UInt32.self)
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
    }

    /// Writes the fields into `12` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindVirq.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: virq, toByteOffset: Offset.virq, as: UInt32.self)
        unsafe raw.storeBytes(of: vcpu, toByteOffset: Offset.vcpu, as: UInt32.self)
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_bind_pirq`.
///
/// Xen: `struct evtchn_bind_pirq`, public/event_channel.h.
public struct EvtchnBindPirq: Equatable, Sendable {
    // IN
    /// Xen: `pirq`.
    public var pirq: UInt32
    /// Xen: `flags`; `BIND_PIRQ__*`.
    public var flags: UInt32
    // OUT
    /// Xen: `port`.
    public var port: EvtchnPort

    /// `sizeof(struct evtchn_bind_pirq)` on x86_64.
    public static let size = 12

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `pirq`.
        public static let pirq = 0
        /// Xen: `flags`.
        public static let flags = 4
        /// Xen: `port`.
        public static let port = 8
    }

    /// Creates the value; omitted fields are zero.
    public init(
        pirq: UInt32 = 0,
        flags: UInt32 = 0,
        port: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.pirq = pirq
        self.flags = flags
        self.port = port
    }

    /// Reads the fields from `12` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindPirq.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.pirq = unsafe raw.loadUnaligned(fromByteOffset: Offset.pirq, as: UInt32.self)
        self.flags = unsafe raw.loadUnaligned(fromByteOffset: Offset.flags, as: UInt32.self)
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
    }

    /// Writes the fields into `12` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindPirq.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: pirq, toByteOffset: Offset.pirq, as: UInt32.self)
        unsafe raw.storeBytes(of: flags, toByteOffset: Offset.flags, as: UInt32.self)
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_bind_ipi`.
///
/// Xen: `struct evtchn_bind_ipi`, public/event_channel.h.
public struct EvtchnBindIPI: Equatable, Sendable {
    // IN
    /// Xen: `vcpu`.
    public var vcpu: UInt32
    // OUT
    /// Xen: `port`.
    public var port: EvtchnPort

    /// `sizeof(struct evtchn_bind_ipi)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `vcpu`.
        public static let vcpu = 0
        /// Xen: `port`.
        public static let port = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        vcpu: UInt32 = 0,
        port: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.vcpu = vcpu
        self.port = port
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindIPI.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.vcpu = unsafe raw.loadUnaligned(fromByteOffset: Offset.vcpu, as: UInt32.self)
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindIPI.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: vcpu, toByteOffset: Offset.vcpu, as: UInt32.self)
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_close`.
///
/// Xen: `struct evtchn_close`, public/event_channel.h.
public struct EvtchnClose: Equatable, Sendable {
    // IN
    /// Xen: `port`.
    public var port: EvtchnPort

    /// `sizeof(struct evtchn_close)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `port`.
        public static let port = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        port: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.port = port
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnClose.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnClose.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_send`.
///
/// Xen: `struct evtchn_send`, public/event_channel.h.
public struct EvtchnSend: Equatable, Sendable {
    // IN
    /// Xen: `port`.
    public var port: EvtchnPort

    /// `sizeof(struct evtchn_send)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `port`.
        public static let port = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        port: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.port = port
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnSend.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnSend.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_status`. The union `u` is kept as its raw 8 bytes;
/// use the accessor for the view `status` selects.
///
/// Xen: `struct evtchn_status`, public/event_channel.h.
public struct EvtchnStatus: Equatable, Sendable {
    // IN
    /// Xen: `dom`.
    public var dom: DomID
    /// Xen: `port`.
    public var port: EvtchnPort
    // OUT
    /// Xen: `status`; an `EvtchnStat`.
    public var status: UInt32
    /// Xen: `vcpu`; the vCPU the port is delivered to.
    public var vcpu: UInt32
    /// Xen: `u`; the raw union (little-endian).
    public var u: UInt64

    /// `sizeof(struct evtchn_status)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `dom`.
        public static let dom = 0
        /// Xen: `port`.
        public static let port = 4
        /// Xen: `status`.
        public static let status = 8
        /// Xen: `vcpu`.
        public static let vcpu = 12
        /// Xen: `u`.
        public static let u = 16
        public static let unboundDom = 16
        public static let interdomainDom = 16
        public static let interdomainPort = 20
        public static let pirq = 16
        public static let virq = 16
    }

    /// Creates the value; omitted fields are zero.
    public init(
        dom: DomID = DomID(rawValue: 0),
        port: EvtchnPort = EvtchnPort(rawValue: 0),
        status: UInt32 = 0,
        vcpu: UInt32 = 0,
        u: UInt64 = 0
    ) {
        self.dom = dom
        self.port = port
        self.status = status
        self.vcpu = vcpu
        self.u = u
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnStatus.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
        self.status = unsafe raw.loadUnaligned(fromByteOffset: Offset.status, as: UInt32.self)
        self.vcpu = unsafe raw.loadUnaligned(fromByteOffset: Offset.vcpu, as: UInt32.self)
        self.u = unsafe raw.loadUnaligned(fromByteOffset: Offset.u, as: UInt64.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnStatus.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
        unsafe raw.storeBytes(of: status, toByteOffset: Offset.status, as: UInt32.self)
        unsafe raw.storeBytes(of: vcpu, toByteOffset: Offset.vcpu, as: UInt32.self)
        unsafe raw.storeBytes(of: u, toByteOffset: Offset.u, as: UInt64.self)
    }

    /// Xen: `u.unbound.dom` (status `unbound`): the domain allowed to bind.
    public var unboundDom: DomID {
        get { DomID(rawValue: UInt16(truncatingIfNeeded: u)) }
        set { u = UInt64(newValue.rawValue) }
    }

    /// Xen: `u.interdomain.dom` (status `interdomain`): the remote domain.
    public var interdomainDom: DomID {
        get { DomID(rawValue: UInt16(truncatingIfNeeded: u)) }
        set { u = (u & 0xFFFF_FFFF_0000_0000) | UInt64(newValue.rawValue) }
    }

    /// Xen: `u.interdomain.port` (status `interdomain`): the remote port.
    public var interdomainPort: EvtchnPort {
        get { EvtchnPort(rawValue: UInt32(truncatingIfNeeded: u >> 32)) }
        set { u = (u & 0xFFFF_FFFF) | (UInt64(newValue.rawValue) << 32) }
    }

    /// Xen: `u.pirq` (status `pirq`).
    public var pirq: UInt32 {
        get { UInt32(truncatingIfNeeded: u) }
        set { u = UInt64(newValue) }
    }

    /// Xen: `u.virq` (status `virq`).
    public var virq: UInt32 {
        get { UInt32(truncatingIfNeeded: u) }
        set { u = UInt64(newValue) }
    }
}

/// Argument of `EVTCHNOP_bind_vcpu`.
///
/// Xen: `struct evtchn_bind_vcpu`, public/event_channel.h.
public struct EvtchnBindVCPU: Equatable, Sendable {
    // IN
    /// Xen: `port`.
    public var port: EvtchnPort
    /// Xen: `vcpu`.
    public var vcpu: UInt32

    /// `sizeof(struct evtchn_bind_vcpu)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `port`.
        public static let port = 0
        /// Xen: `vcpu`.
        public static let vcpu = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        port: EvtchnPort = EvtchnPort(rawValue: 0),
        vcpu: UInt32 = 0
    ) {
        self.port = port
        self.vcpu = vcpu
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindVCPU.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
        self.vcpu = unsafe raw.loadUnaligned(fromByteOffset: Offset.vcpu, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnBindVCPU.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
        unsafe raw.storeBytes(of: vcpu, toByteOffset: Offset.vcpu, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_unmask`.
///
/// Xen: `struct evtchn_unmask`, public/event_channel.h.
public struct EvtchnUnmask: Equatable, Sendable {
    // IN
    /// Xen: `port`.
    public var port: EvtchnPort

    /// `sizeof(struct evtchn_unmask)` on x86_64.
    public static let size = 4

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `port`.
        public static let port = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        port: EvtchnPort = EvtchnPort(rawValue: 0)
    ) {
        self.port = port
    }

    /// Reads the fields from `4` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnUnmask.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
    }

    /// Writes the fields into `4` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnUnmask.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
    }
}

/// Argument of `EVTCHNOP_reset`.
///
/// Xen: `struct evtchn_reset`, public/event_channel.h.
public struct EvtchnReset: Equatable, Sendable {
    // IN
    /// Xen: `dom`.
    public var dom: DomID

    /// `sizeof(struct evtchn_reset)` on x86_64.
    public static let size = 2

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `dom`.
        public static let dom = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        dom: DomID = DomID(rawValue: 0)
    ) {
        self.dom = dom
    }

    /// Reads the fields from `2` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnReset.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.dom = DomID(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.dom, as: UInt16.self))
    }

    /// Writes the fields into `2` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnReset.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: dom.rawValue, toByteOffset: Offset.dom, as: UInt16.self)
    }
}

/// Argument of `EVTCHNOP_init_control`.
///
/// Xen: `struct evtchn_init_control`, public/event_channel.h.
public struct EvtchnInitControl: Equatable, Sendable {
    // IN
    /// Xen: `control_gfn`.
    public var controlGfn: UInt64
    /// Xen: `offset`.
    public var offset: UInt32
    /// Xen: `vcpu`.
    public var vcpu: UInt32
    // OUT
    /// Xen: `link_bits`.
    public var linkBits: UInt8

    /// `sizeof(struct evtchn_init_control)` on x86_64.
    public static let size = 24

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `control_gfn`.
        public static let controlGfn = 0
        /// Xen: `offset`.
        public static let offset = 8
        /// Xen: `vcpu`.
        public static let vcpu = 12
        /// Xen: `link_bits`.
        public static let linkBits = 16
        /// Xen: `_pad`.
        public static let pad = 17
    }

    /// Number of elements in `_pad`.
    public static let padCount = 7

    /// Byte offset of element `index` of `_pad` (1 bytes each).
    public static func padOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < padCount, "EvtchnInitControl._pad index out of range")
        return Offset.pad + index * 1
    }

    /// Creates the value; omitted fields are zero.
    public init(
        controlGfn: UInt64 = 0,
        offset: UInt32 = 0,
        vcpu: UInt32 = 0,
        linkBits: UInt8 = 0
    ) {
        self.controlGfn = controlGfn
        self.offset = offset
        self.vcpu = vcpu
        self.linkBits = linkBits
    }

    /// Reads the fields from `24` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnInitControl.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.controlGfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.controlGfn, as: UInt64.self)
        self.offset = unsafe raw.loadUnaligned(fromByteOffset: Offset.offset, as: UInt32.self)
        self.vcpu = unsafe raw.loadUnaligned(fromByteOffset: Offset.vcpu, as: UInt32.self)
        self.linkBits = unsafe raw.loadUnaligned(fromByteOffset: Offset.linkBits, as: UInt8.self)
    }

    /// Writes the fields into `24` bytes at `raw`; `raw` needs no alignment.
    /// Padding and the arrays (see `Offset`) are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnInitControl.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: controlGfn, toByteOffset: Offset.controlGfn, as: UInt64.self)
        unsafe raw.storeBytes(of: offset, toByteOffset: Offset.offset, as: UInt32.self)
        unsafe raw.storeBytes(of: vcpu, toByteOffset: Offset.vcpu, as: UInt32.self)
        unsafe raw.storeBytes(of: linkBits, toByteOffset: Offset.linkBits, as: UInt8.self)
    }
}

/// Argument of `EVTCHNOP_expand_array`.
///
/// Xen: `struct evtchn_expand_array`, public/event_channel.h.
public struct EvtchnExpandArray: Equatable, Sendable {
    // IN
    /// Xen: `array_gfn`.
    public var arrayGfn: UInt64

    /// `sizeof(struct evtchn_expand_array)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `array_gfn`.
        public static let arrayGfn = 0
    }

    /// Creates the value; omitted fields are zero.
    public init(
        arrayGfn: UInt64 = 0
    ) {
        self.arrayGfn = arrayGfn
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnExpandArray.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.arrayGfn = unsafe raw.loadUnaligned(fromByteOffset: Offset.arrayGfn, as: UInt64.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnExpandArray.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: arrayGfn, toByteOffset: Offset.arrayGfn, as: UInt64.self)
    }
}

/// Argument of `EVTCHNOP_set_priority`.
///
/// Xen: `struct evtchn_set_priority`, public/event_channel.h.
public struct EvtchnSetPriority: Equatable, Sendable {
    // IN
    /// Xen: `port`.
    public var port: EvtchnPort
    /// Xen: `priority`.
    public var priority: UInt32

    /// `sizeof(struct evtchn_set_priority)` on x86_64.
    public static let size = 8

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `port`.
        public static let port = 0
        /// Xen: `priority`.
        public static let priority = 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        port: EvtchnPort = EvtchnPort(rawValue: 0),
        priority: UInt32 = 0
    ) {
        self.port = port
        self.priority = priority
    }

    /// Reads the fields from `8` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnSetPriority.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.port = EvtchnPort(rawValue: unsafe raw.loadUnaligned(fromByteOffset: Offset.port, as: UInt32.self))
        self.priority = unsafe raw.loadUnaligned(fromByteOffset: Offset.priority, as: UInt32.self)
    }

    /// Writes the fields into `8` bytes at `raw`; `raw` needs no alignment.
    /// Padding bytes are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnSetPriority.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: port.rawValue, toByteOffset: Offset.port, as: UInt32.self)
        unsafe raw.storeBytes(of: priority, toByteOffset: Offset.priority, as: UInt32.self)
    }
}

/// The per-vCPU control block of the FIFO ABI (inside the page given to
/// `EVTCHNOP_init_control`).
///
/// Xen: `struct evtchn_fifo_control_block`, public/event_channel.h.
public struct EvtchnFIFOControlBlock: Equatable, Sendable {
    /// Xen: `ready`.
    public var ready: UInt32
    /// Xen: `_rsvd`.
    public var rsvd: UInt32

    /// `sizeof(struct evtchn_fifo_control_block)` on x86_64.
    public static let size = 72

    /// Byte offset of each member from the start of the structure.
    public enum Offset {
        /// Xen: `ready`.
        public static let ready = 0
        /// Xen: `_rsvd`.
        public static let rsvd = 4
        /// Xen: `head`.
        public static let head = 8
    }

    /// Number of elements in `head`.
    public static let headCount = 16

    /// Byte offset of element `index` of `head` (4 bytes each).
    public static func headOffset(_ index: Int) -> Int {
        precondition(index >= 0 && index < headCount, "EvtchnFIFOControlBlock.head index out of range")
        return Offset.head + index * 4
    }

    /// Creates the value; omitted fields are zero.
    public init(
        ready: UInt32 = 0,
        rsvd: UInt32 = 0
    ) {
        self.ready = ready
        self.rsvd = rsvd
    }

    /// Reads the fields from `72` bytes at `raw`; `raw` needs no alignment.
    public init(loadingFrom raw: UnsafeRawPointer) {
        // SAFETY: the caller guarantees `EvtchnFIFOControlBlock.size` readable bytes at `raw`;
        // every load is unaligned and of a plain integer type.
        self.ready = unsafe raw.loadUnaligned(fromByteOffset: Offset.ready, as: UInt32.self)
        self.rsvd = unsafe raw.loadUnaligned(fromByteOffset: Offset.rsvd, as: UInt32.self)
    }

    /// Writes the fields into `72` bytes at `raw`; `raw` needs no alignment.
    /// Padding and the arrays (see `Offset`) are left untouched.
    public func store(to raw: UnsafeMutableRawPointer) {
        // SAFETY: the caller guarantees `EvtchnFIFOControlBlock.size` writable bytes at `raw`;
        // every store is unaligned and of a plain integer type.
        unsafe raw.storeBytes(of: ready, toByteOffset: Offset.ready, as: UInt32.self)
        unsafe raw.storeBytes(of: rsvd, toByteOffset: Offset.rsvd, as: UInt32.self)
    }
}
