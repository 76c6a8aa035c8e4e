// ABIStructs.swift — the Xen structures that test guests pass to hypercalls, as Swift structs
// whose fields follow the C declaration in order, with explicit padding so that Swift's size
// equals C's sizeof (no hidden tail padding the hypervisor could write past). Offsets were
// checked by hand against the x86_64 layout of /usr/include/xen (libxen-dev 4.17) with offsetof.
// Shared pages (start_info, shared_info, vcpu_info, the console ring) are not mirrored here; they
// are read at their documented offsets (StartInfo, SharedInfo, Console).

/// public/arch-x86/xen.h `struct trap_info` (16 bytes): vector 0, flags 1 (bits 0-1 DPL for
/// `int n`, bit 2 mask events), cs 2, address 8.
struct TrapInfo {
    var vector: UInt8 = 0
    var flags: UInt8 = 0
    var cs: UInt16 = 0
    var pad: UInt32 = 0
    var address: UInt64 = 0
}

/// public/arch-x86/xen-x86_64.h `struct iret_context` (72 bytes): rax 0, r11 8, rcx 16, flags 24,
/// rip 32, cs 40, rflags 48, rsp 56, ss 64.
struct IretContext {
    var rax: UInt64 = 0
    var r11: UInt64 = 0
    var rcx: UInt64 = 0
    var flags: UInt64 = 0
    var rip: UInt64 = 0
    var cs: UInt64 = 0
    var rflags: UInt64 = 0
    var rsp: UInt64 = 0
    var ss: UInt64 = 0
}

/// public/xen.h `struct mmu_update` (16 bytes): ptr 0 (machine address | MMU_* command), val 8.
struct MMUUpdate {
    var ptr: UInt64 = 0
    var val: UInt64 = 0
}

/// public/xen.h `struct mmuext_op` (24 bytes): cmd 0 (u32), arg1 8, arg2 16.
struct MMUExtOpArgs {
    var cmd: UInt32 = 0
    var pad: UInt32 = 0
    var arg1: UInt64 = 0
    var arg2: UInt64 = 0
}

/// public/xen.h `struct multicall_entry` (64 bytes): op 0, result 8, args[6] 16.
struct MulticallEntry {
    var op: UInt64 = 0
    var result: UInt64 = 0
    var args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
}

/// public/callback.h `struct callback_register` (16 bytes): type 0 (u16), flags 2 (u16),
/// address 8.
struct CallbackRegister {
    var type: UInt16 = 0
    var flags: UInt16 = 0
    var pad: UInt32 = 0
    var address: UInt64 = 0
}

/// public/callback.h `struct callback_unregister` (4 bytes): type 0 (u16), pad 2.
struct CallbackUnregister {
    var type: UInt16 = 0
    var pad: UInt16 = 0
}

/// public/event_channel.h `struct evtchn_alloc_unbound` (8 bytes): IN dom 0 (u16),
/// remote_dom 2 (u16); OUT port 4 (u32).
struct EvtchnAllocUnbound {
    var dom: UInt16 = 0
    var remoteDom: UInt16 = 0
    var port: UInt32 = 0
}

/// public/event_channel.h `struct evtchn_bind_interdomain` (12 bytes): IN remote_dom 0 (u16),
/// remote_port 4; OUT local_port 8.
struct EvtchnBindInterdomain {
    var remoteDom: UInt16 = 0
    var pad: UInt16 = 0
    var remotePort: UInt32 = 0
    var localPort: UInt32 = 0
}

/// public/event_channel.h `struct evtchn_bind_virq` (12 bytes): IN virq 0, vcpu 4; OUT port 8.
struct EvtchnBindVIRQ {
    var virq: UInt32 = 0
    var vcpu: UInt32 = 0
    var port: UInt32 = 0
}

/// public/event_channel.h `struct evtchn_bind_ipi` (8 bytes): IN vcpu 0; OUT port 4.
struct EvtchnBindIPI {
    var vcpu: UInt32 = 0
    var port: UInt32 = 0
}

/// public/event_channel.h `struct evtchn_send`, `evtchn_close`, `evtchn_unmask` (4 bytes each):
/// IN port 0.
struct EvtchnPortArg {
    var port: UInt32 = 0
}

/// public/event_channel.h `struct evtchn_status` (24 bytes): IN dom 0 (u16), port 4; OUT
/// status 8, vcpu 12, u 16 (unbound.dom u16 | interdomain {dom u16 16, port 20} | virq u32 16).
struct EvtchnStatus {
    var dom: UInt16 = 0
    var pad: UInt16 = 0
    var port: UInt32 = 0
    var status: UInt32 = 0
    var vcpu: UInt32 = 0
    var u0: UInt32 = 0
    var u1: UInt32 = 0
}

/// public/event_channel.h `struct evtchn_bind_vcpu` (8 bytes): port 0, vcpu 4.
struct EvtchnBindVCPU {
    var port: UInt32 = 0
    var vcpu: UInt32 = 0
}

/// public/sched.h `struct sched_shutdown` (4 bytes): reason 0.
struct SchedShutdown {
    var reason: UInt32 = 0
}

/// public/sched.h `struct sched_poll` (24 bytes): ports 0 (handle), nr_ports 8 (u32), timeout 16.
struct SchedPoll {
    var ports: UInt64 = 0
    var nrPorts: UInt32 = 0
    var pad: UInt32 = 0
    var timeout: UInt64 = 0
}

/// public/vcpu.h `struct vcpu_set_singleshot_timer` (16 bytes): timeout_abs_ns 0, flags 8 (u32).
struct VCPUSetSingleshotTimer {
    var timeoutAbsNs: UInt64 = 0
    var flags: UInt32 = 0
    var pad: UInt32 = 0
}

/// public/memory.h `struct xen_machphys_mapping` (24 bytes): v_start 0, v_end 8, max_mfn 16.
struct XenMachphysMapping {
    var vStart: UInt64 = 0
    var vEnd: UInt64 = 0
    var maxMFN: UInt64 = 0
}

/// public/memory.h `struct xen_memory_reservation` (32 bytes): extent_start 0 (handle),
/// nr_extents 8, extent_order 16 (u32), mem_flags 20 (u32), domid 24 (u16).
struct XenMemoryReservation {
    var extentStart: UInt64 = 0
    var nrExtents: UInt64 = 0
    var extentOrder: UInt32 = 0
    var memFlags: UInt32 = 0
    var domid: UInt16 = 0
    var pad0: UInt16 = 0
    var pad1: UInt32 = 0
}

/// public/memory.h `struct xen_memory_map` (16 bytes): nr_entries 0 (u32), buffer 8 (handle).
struct XenMemoryMap {
    var nrEntries: UInt32 = 0
    var pad: UInt32 = 0
    var buffer: UInt64 = 0
}

/// public/version.h `struct xen_feature_info` (8 bytes): IN submap_idx 0; OUT submap 4.
struct XenFeatureInfo {
    var submapIdx: UInt32 = 0
    var submap: UInt32 = 0
}

/// public/grant_table.h `struct gnttab_query_size` (16 bytes): IN dom 0 (u16); OUT nr_frames 4,
/// max_nr_frames 8, status 12 (i16).
struct GnttabQuerySize {
    var dom: UInt16 = 0
    var pad: UInt16 = 0
    var nrFrames: UInt32 = 0
    var maxNrFrames: UInt32 = 0
    var status: Int16 = 0
    var pad2: UInt16 = 0
}

/// public/grant_table.h `struct gnttab_setup_table` (24 bytes): IN dom 0 (u16), nr_frames 4;
/// OUT status 8 (i16), frame_list 16 (handle).
struct GnttabSetupTable {
    var dom: UInt16 = 0
    var pad: UInt16 = 0
    var nrFrames: UInt32 = 0
    var status: Int16 = 0
    var pad2: UInt16 = 0
    var pad3: UInt32 = 0
    var frameList: UInt64 = 0
}
