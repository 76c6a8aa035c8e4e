// The domain's own grant table, version 1 (public/grant_table.h): the
// frames a guest fills with grant_entry_v1 records to share its pages with
// backends. The frames live in the hypervisor region (Layout.grantFrames)
// and are mapped by the guest by MFN (they are foreign-mappable in the MMU).
// Backends in this process read the entries there (issue #4).
//
// Xen: xen/common/grant_table.c (gnttab_setup_table, gnttab_query_size,
// gnttab_set_version, gnttab_get_version, gnttab_grow_table).
import XenABI

extension Domain {
    /// Xen's default `max_grant_frames` for a domU is 64; ours is the size
    /// of the area the layout reserves.
    public var maxGrantFrames: UInt32 { UInt32(grantFramesMax) }

    /// Grant frames the guest has set up so far (GNTTABOP_setup_table),
    /// read by the backends' GrantAccess before each map (`nr_grant_frames`).
    public var nrGrantFrames: UInt32 {
        lock.lock(); defer { lock.unlock() }
        return grantFramesInUse
    }

    /// GNTTABOP_* (grant_table_op(cmd, uop, count)).
    func doGrantTableOp(_ v: PVVCPU, cmd: UInt64, uop: UInt64, count: UInt64) throws(XenErrno) -> UInt64 {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        func isSelf(_ dom: UInt16) -> Bool { dom == DomID.self_.rawValue || dom == domid }
        switch GnttabOp(rawValue: UInt32(truncatingIfNeeded: cmd)) {
        case .setupTable:
            // struct gnttab_setup_table { domid_t dom; u32 nr_frames; i16 status; handle frame_list; } (24 bytes)
            guard count == 1 else { throw .EINVAL }
            let dom: UInt16 = try space.load(UInt16.self, at: uop)
            let wanted: UInt32 = try space.load(UInt32.self, at: uop &+ 4)
            let list: UInt64 = try space.load(UInt64.self, at: uop &+ 16)
            var status = GNTST.okay.rawValue
            if !isSelf(dom) {
                status = GNTST.badDomain.rawValue
            } else if wanted > maxGrantFrames {
                status = GNTST.generalError.rawValue
            } else {
                lock.lock()
                grantFramesInUse = max(grantFramesInUse, wanted)
                lock.unlock()
                for i in 0..<UInt64(wanted) {
                    try space.store((grantFramesBase >> 12) + i, at: list &+ i * 8)
                }
            }
            try space.store(status, at: uop &+ 8)
            return 0
        case .querySize:
            // struct gnttab_query_size { domid_t dom; u32 nr_frames; u32 max_nr_frames; i16 status; } (16 bytes)
            guard count == 1 else { throw .EINVAL }
            let dom: UInt16 = try space.load(UInt16.self, at: uop)
            guard isSelf(dom) else {
                try space.store(GNTST.badDomain.rawValue, at: uop &+ 12)
                return 0
            }
            lock.lock()
            let inUse = grantFramesInUse
            lock.unlock()
            try space.store(inUse, at: uop &+ 4)
            try space.store(maxGrantFrames, at: uop &+ 8)
            try space.store(GNTST.okay.rawValue, at: uop &+ 12)
            return 0
        case .getVersion:
            // struct gnttab_get_version { domid_t dom; u16 pad; u32 version; }
            guard count == 1 else { throw .EINVAL }
            let dom: UInt16 = try space.load(UInt16.self, at: uop)
            guard isSelf(dom) else { throw .ESRCH }
            try space.store(UInt32(1), at: uop &+ 4)
            return 0
        case .setVersion:
            // struct gnttab_set_version { u32 version; }: only version 1 is
            // offered, as Xen with gnttab=max-ver:1 (-EACCES for 2).
            guard count == 1 else { throw .EINVAL }
            let version: UInt32 = try space.load(UInt32.self, at: uop)
            guard version == 1 else {
                try space.store(UInt32(1), at: uop)
                throw version == 2 ? .EACCES : .EINVAL
            }
            return 0
        default:
            logOnce("gnttab-\(cmd)", "grant_table_op \(cmd) not implemented (-ENOSYS)")
            throw .ENOSYS
        }
    }
}
