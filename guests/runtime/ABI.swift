// ABI.swift — the numbers of the Xen x86_64 PV ABI that the test guests use, written down
// independently of the hypervisor's XenABI module so that a mistake on one side shows up on the
// other. Each group names the public header it was checked against (/usr/include/xen, Xen 4.17
// public headers from libxen-dev; the values have been stable since Xen 3.x).

/// Hypercall numbers. Xen: `__HYPERVISOR_*`, public/xen.h.
enum Hypercall {
    static let setTrapTable: UInt64 = 0
    static let mmuUpdate: UInt64 = 1
    static let setGDT: UInt64 = 2
    static let stackSwitch: UInt64 = 3
    static let setCallbacks: UInt64 = 4
    static let fpuTaskswitch: UInt64 = 5
    static let schedOpCompat: UInt64 = 6
    static let platformOp: UInt64 = 7
    static let setDebugreg: UInt64 = 8
    static let getDebugreg: UInt64 = 9
    static let updateDescriptor: UInt64 = 10
    static let memoryOp: UInt64 = 12
    static let multicall: UInt64 = 13
    static let updateVAMapping: UInt64 = 14
    static let setTimerOp: UInt64 = 15
    static let eventChannelOpCompat: UInt64 = 16
    static let xenVersion: UInt64 = 17
    static let consoleIO: UInt64 = 18
    static let physdevOpCompat: UInt64 = 19
    static let grantTableOp: UInt64 = 20
    static let vmAssist: UInt64 = 21
    static let updateVAMappingOtherdomain: UInt64 = 22
    static let iret: UInt64 = 23
    static let vcpuOp: UInt64 = 24
    static let setSegmentBase: UInt64 = 25
    static let mmuextOp: UInt64 = 26
    static let xsmOp: UInt64 = 27
    static let nmiOp: UInt64 = 28
    static let schedOp: UInt64 = 29
    static let callbackOp: UInt64 = 30
    static let xenoprofOp: UInt64 = 31
    static let eventChannelOp: UInt64 = 32
    static let physdevOp: UInt64 = 33
    static let hvmOp: UInt64 = 34
    static let sysctl: UInt64 = 35
    static let domctl: UInt64 = 36
    static let kexecOp: UInt64 = 37
    static let tmemOp: UInt64 = 38
    static let argoOp: UInt64 = 39
    static let xenpmuOp: UInt64 = 40
    static let dmOp: UInt64 = 41
    static let hypfsOp: UInt64 = 42
    static let arch0: UInt64 = 48
}

/// Error numbers returned negated in RAX. Xen: public/errno.h.
enum XenErrno {
    static let EPERM = 1
    static let ENOENT = 2
    static let ESRCH = 3
    static let EFAULT = 14
    static let EEXIST = 17
    static let EINVAL = 22
    static let ENOSYS = 38
}

/// Domain identifiers. Xen: `DOMID_*`, public/xen.h.
enum DomID {
    static let selfID: UInt16 = 0x7FF0
}

/// Flat segment selectors of 64-bit PV guests. Xen: `FLAT_RING3_*`, `FLAT_KERNEL_*`,
/// public/arch-x86/xen-x86_64.h.
enum Selector {
    static let kernelCS: UInt64 = 0xe033   // FLAT_KERNEL_CS64 = FLAT_RING3_CS64
    static let kernelSS: UInt64 = 0xe02b   // FLAT_KERNEL_SS64 = FLAT_RING3_SS64
    /// What CPL3 code reads from CS/SS on kvm-pvm hosts (Linux __USER_CS/__USER_DS).
    static let hostFlatCS: UInt64 = 0x33
    static let hostFlatSS: UInt64 = 0x2b
    static let userCS: UInt64 = 0xe033     // FLAT_USER_CS64
    static let userSS: UInt64 = 0xe02b     // FLAT_USER_SS64
}

/// Guest virtual layout chosen by the guest's ELF notes (head.S) and the fixed hypervisor hole.
/// Xen: `__HYPERVISOR_VIRT_START`, public/arch-x86/xen-x86_64.h.
enum Layout {
    static let virtBase: UInt64 = 0xffff_ffff_8000_0000
    static let hypervisorVirtStart: UInt64 = 0xffff_8000_0000_0000
    static let pageSize: UInt64 = 4096
}

/// `XENVER_*` sub-ops. Xen: public/version.h.
enum XenVer {
    static let version: UInt64 = 0
    static let extraversion: UInt64 = 1
    static let compileInfo: UInt64 = 2
    static let capabilities: UInt64 = 3
    static let changeset: UInt64 = 4
    static let platformParameters: UInt64 = 5
    static let getFeatures: UInt64 = 6
    static let pagesize: UInt64 = 7
    static let guestHandle: UInt64 = 8
}

/// Feature bits of submap 0. Xen: `XENFEAT_*`, public/features.h.
enum XenFeat {
    static let writablePageTables = 0
    static let autoTranslatedPhysmap = 2
    static let supervisorModeKernel = 3
    static let mmuPTUpdatePreserveAD = 5
    static let gnttabMapAvailBits = 7
    static let dom0 = 11
}

/// Xen: `CONSOLEIO_*`, public/xen.h.
enum ConsoleIOCmd {
    static let write: UInt64 = 0
    static let read: UInt64 = 1
}

/// Xen: `SCHEDOP_*` and `SHUTDOWN_*`, public/sched.h.
enum SchedOp {
    static let yield: UInt64 = 0
    static let block: UInt64 = 1
    static let shutdown: UInt64 = 2
    static let poll: UInt64 = 3
    static let remoteShutdown: UInt64 = 4
    static let shutdownCode: UInt64 = 5
    static let watchdog: UInt64 = 6
}
enum ShutdownReason {
    static let poweroff: UInt32 = 0
    static let reboot: UInt32 = 1
    static let crash: UInt32 = 3
}

/// Xen: `EVTCHNOP_*`, `EVTCHNSTAT_*`, public/event_channel.h; `VIRQ_*`, public/xen.h.
enum EvtchnOp {
    static let bindInterdomain: UInt64 = 0
    static let bindVIRQ: UInt64 = 1
    static let close: UInt64 = 3
    static let send: UInt64 = 4
    static let status: UInt64 = 5
    static let allocUnbound: UInt64 = 6
    static let bindIPI: UInt64 = 7
    static let bindVCPU: UInt64 = 8
    static let unmask: UInt64 = 9
    static let reset: UInt64 = 10
    static let initControl: UInt64 = 11
}
enum EvtchnStat {
    static let closed: UInt32 = 0
    static let unbound: UInt32 = 1
    static let interdomain: UInt32 = 2
    static let virq: UInt32 = 4
    static let ipi: UInt32 = 5
}
enum VIRQ {
    static let timer: UInt32 = 0
}

/// Xen: `CALLBACKOP_*`, `CALLBACKTYPE_*`, `CALLBACKF_mask_events`, public/callback.h.
enum CallbackOp {
    static let register: UInt64 = 0
    static let unregister: UInt64 = 1
}
enum CallbackType {
    static let event: UInt16 = 0
    static let failsafe: UInt16 = 1
    static let syscall: UInt16 = 2
}
enum CallbackFlags {
    static let maskEvents: UInt16 = 1
}

/// Xen: `VCPUOP_*`, public/vcpu.h.
enum VCPUOp {
    static let initialise: UInt64 = 0
    static let up: UInt64 = 1
    static let down: UInt64 = 2
    static let isUp: UInt64 = 3
    static let getRunstateInfo: UInt64 = 4
    static let registerRunstateMemoryArea: UInt64 = 5
    static let stopPeriodicTimer: UInt64 = 7
    static let setSingleshotTimer: UInt64 = 8
    static let stopSingleshotTimer: UInt64 = 9
    static let registerVCPUInfo: UInt64 = 10
}

/// Xen: `XENMEM_*`, public/memory.h.
enum XenMem {
    static let increaseReservation: UInt64 = 0
    static let decreaseReservation: UInt64 = 1
    static let populatePhysmap: UInt64 = 6
    static let memoryMap: UInt64 = 9
    static let machphysMapping: UInt64 = 12
}

/// Xen: `MMU_*` (low bits of `mmu_update.ptr`), `MMUEXT_*`, `UVMF_*`, `VMASST_*`, public/xen.h.
enum MMUCmd {
    static let normalPTUpdate: UInt64 = 0
    static let machphysUpdate: UInt64 = 1
    static let ptUpdatePreserveAD: UInt64 = 2
}
enum MMUExtOp {
    static let pinL1Table: UInt32 = 0
    static let pinL2Table: UInt32 = 1
    static let pinL3Table: UInt32 = 2
    static let pinL4Table: UInt32 = 3
    static let unpinTable: UInt32 = 4
    static let newBaseptr: UInt32 = 5
    static let tlbFlushLocal: UInt32 = 6
    static let invlpgLocal: UInt32 = 7
    static let tlbFlushAll: UInt32 = 10
    static let newUserBaseptr: UInt32 = 15
}
enum UVMF {
    static let none: UInt64 = 0
    static let tlbFlush: UInt64 = 1
    static let invlpg: UInt64 = 2
}
enum VMAssist {
    static let cmdEnable: UInt64 = 0
    static let cmdDisable: UInt64 = 1
    static let typeWritablePagetables: UInt64 = 2
}

/// Xen: `GNTTABOP_*`, public/grant_table.h; `PHYSDEVOP_*`, public/physdev.h;
/// `SEGBASE_*`, public/arch-x86/xen-x86_64.h.
enum GnttabOp {
    static let setupTable: UInt64 = 2
    static let querySize: UInt64 = 6
}
/// Grant entry flags and status codes. Xen: `GTF_*`, `GNTST_*`, public/grant_table.h.
enum GTF {
    static let permitAccess: UInt16 = 1 << 0
    static let readonly: UInt16 = 1 << 2
    static let reading: UInt16 = 1 << 3
    static let writing: UInt16 = 1 << 4
}
enum GNTST {
    static let okay: Int16 = 0
}
enum PhysdevOp {
    static let setIOPL: UInt64 = 6
}
enum SegBase {
    static let fs: UInt64 = 0
}

/// Xenbus device states. Xen: `enum xenbus_state`, public/io/xenbus.h.
enum XenbusState {
    static let unknown: UInt64 = 0
    static let initialising: UInt64 = 1
    static let initWait: UInt64 = 2
    static let initialised: UInt64 = 3
    static let connected: UInt64 = 4
    static let closing: UInt64 = 5
    static let closed: UInt64 = 6
}

/// Xenstore wire message types and ring page. Xen: `enum xsd_sockmsg_type`, `struct
/// xenstore_domain_interface`, `XENSTORE_*`, public/io/xs_wire.h. The page: req[1024] 0,
/// rsp[1024] 1024, req_cons 2048, req_prod 2052, rsp_cons 2056, rsp_prod 2060,
/// server_features 2064, connection 2068, error 2072. A message is `struct xsd_sockmsg`
/// (type 0, req_id 4, tx_id 8, len 12; 16 bytes) and `len` payload bytes.
enum XS {
    static let directory: UInt32 = 1
    static let read: UInt32 = 2
    static let watch: UInt32 = 4
    static let unwatch: UInt32 = 5
    static let transactionStart: UInt32 = 6
    static let transactionEnd: UInt32 = 7
    static let getDomainPath: UInt32 = 10
    static let write: UInt32 = 11
    static let mkdir: UInt32 = 12
    static let rm: UInt32 = 13
    static let watchEvent: UInt32 = 15
    static let error: UInt32 = 16
    static let resetWatches: UInt32 = 21

    static let headerSize = 16
    static let ringSize: UInt32 = 1024
    static let payloadMax = 4096

    static let reqOffset: UInt64 = 0
    static let rspOffset: UInt64 = 1024
    static let reqConsOffset: UInt64 = 2048
    static let reqProdOffset: UInt64 = 2052
    static let rspConsOffset: UInt64 = 2056
    static let rspProdOffset: UInt64 = 2060
    static let serverFeaturesOffset: UInt64 = 2064
    static let connectionOffset: UInt64 = 2068
    static let errorOffset: UInt64 = 2072

    static let featureReconnection: UInt32 = 1
    static let featureError: UInt32 = 2
    static let connected: UInt32 = 0
    static let reconnect: UInt32 = 1
    static let errorNone: UInt32 = 0
    static let errorRingidx: UInt32 = 2
    static let errorProto: UInt32 = 3
}

/// The block ring. Xen: public/io/blkif.h (`BLKIF_OP_*`, `BLKIF_RSP_*`, the request and
/// response structures) and public/io/ring.h (the shared ring header: req_prod 0, req_event 4,
/// rsp_prod 8, rsp_event 12, entries from 64; `__RING_SIZE` rounds (4096 - 64) / 112 down to a
/// power of two: 32). `struct blkif_request` (112 bytes): operation 0, nr_segments 1, handle 2
/// (u16), id 8, sector_number 16, seg[11] 24 (`struct blkif_request_segment`, 8 bytes: gref 0
/// (u32), first_sect 4, last_sect 5). `struct blkif_request_indirect`: operation 0,
/// indirect_op 1, nr_segments 2 (u16), id 8, sector_number 16, handle 24 (u16),
/// indirect_grefs[8] 28. `struct blkif_response` (16 bytes): id 0, operation 8, status 10 (i16).
enum Blkif {
    static let opRead: UInt8 = 0
    static let opWrite: UInt8 = 1
    static let opFlushDiskcache: UInt8 = 3
    static let opDiscard: UInt8 = 5
    static let opIndirect: UInt8 = 6

    static let rspOkay: Int16 = 0
    static let rspError: Int16 = -1
    static let rspEopnotsupp: Int16 = -2

    static let maxSegmentsPerRequest = 11
    static let sectorSize: UInt64 = 512
    static let segmentSize: UInt64 = 8

    static let reqProdOffset: UInt64 = 0
    static let reqEventOffset: UInt64 = 4
    static let rspProdOffset: UInt64 = 8
    static let rspEventOffset: UInt64 = 12
    static let ringOffset: UInt64 = 64
    static let entrySize: UInt64 = 112
    static let ringSize: UInt32 = 32
}

/// x86 page-table entry bits (Intel SDM vol. 3 §4.5); Xen adds `_PAGE_USER` to every present
/// entry it validates for a 64-bit PV guest (xen/arch/x86/pv/mm.h adjust_guest_l*e).
enum PTE {
    static let present: UInt64 = 1 << 0
    static let rw: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
    static let accessed: UInt64 = 1 << 5
    static let dirty: UInt64 = 1 << 6
    static let nx: UInt64 = 1 << 63
    static let addressMask: UInt64 = 0x000f_ffff_ffff_f000
    /// Flags of an ordinary kernel data page (no U: the hypervisor adds it).
    static let kernelData: UInt64 = present | rw | accessed | dirty
    /// Flags of an entry pointing at a lower-level table.
    static let table: UInt64 = present | rw | accessed
}

/// Page-fault error code bits (Intel SDM vol. 3 §4.7); for PV guests Xen sets U iff the guest
/// was in user mode (xen/arch/x86/traps.c, pv_inject_event callers).
enum PFError {
    static let present: UInt64 = 1 << 0
    static let write: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
}

/// RFLAGS bits (Intel SDM vol. 1 §3.4.3).
enum RFlags {
    static let reserved1: UInt64 = 1 << 1
    static let interruptEnable: UInt64 = 1 << 9
}

/// Exception vectors (Intel SDM vol. 3 §6.3.1).
enum Vector {
    static let divideError: UInt64 = 0
    static let breakpoint: UInt64 = 3
    static let invalidOpcode: UInt64 = 6
    static let generalProtection: UInt64 = 13
    static let pageFault: UInt64 = 14
}
