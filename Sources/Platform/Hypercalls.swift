// The hypercalls of a 64-bit PV guest (public/xen.h numbers), handled on the
// host after the shim's exit. Semantics follow Xen's handlers, named in each
// case. Unknown ones return -ENOSYS and are logged once.
import Foundation
import GuestMemory
import XenABI
import XenPV

extension Domain {
    /// Dispatches the hypercall in the frame (RAX; args RDI RSI RDX R10 R8).
    func hypercall(_ v: PVVCPU, _ f: Frame) -> EntryOutcome {
        let nr = f.rax
        let args = [f[ShimFrame.rdi], f[ShimFrame.rsi], f[ShimFrame.rdx], f[ShimFrame.r10], f[ShimFrame.r8]]
        if nr == Hypercall.iret.rawValue { return doIret(v, f) }
        let result = call(v, nr, args)
        if trace.contains("hypercalls") {
            let name = Hypercall(rawValue: nr).name
            logger.info("hypercall vcpu\(v.id) \(name)(\(args.map { "0x" + String($0, radix: 16) }.joined(separator: ", "))) = \(Int64(bitPattern: result))")
        }
        if let r = shutdownRequest { return .shutdown(r) }
        f.rax = result
        return .resume
    }

    /// One hypercall by number (also used by multicall).
    func call(_ v: PVVCPU, _ nr: UInt64, _ a: [UInt64]) -> UInt64 {
        do throws(XenErrno) {
            switch Hypercall(rawValue: nr) {
            case .consoleIO: return try doConsoleIO(v, a[0], a[1], a[2])
            case .xenVersion: return try doXenVersion(v, a[0], a[1])
            case .setTrapTable: return try doSetTrapTable(v, a[0])
            case .callbackOp: return try doCallbackOp(v, a[0], a[1])
            case .setCallbacks:
                v.eventCallback.address = a[0]; v.failsafeCallback.address = a[1]; v.syscallCallback.address = a[2]
                return 0
            case .stackSwitch: v.kernelSS = a[0]; v.kernelSP = a[1]; return 0
            case .setSegmentBase: return try doSetSegmentBase(v, a[0], a[1])
            case .fpuTaskswitch: v.virtualTS = a[0] != 0; return 0
            case .vmAssist:
                guard a[0] == 0 || a[0] == 1 else { throw .ENOSYS }
                let allowed: UInt64 = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5)
                guard a[1] < 64, allowed & (1 << a[1]) != 0 else { throw .EINVAL }
                if a[0] == 0 { vmAssist |= 1 << a[1] } else { vmAssist &= ~(1 << a[1]) }
                return 0
            case .multicall: return try doMulticall(v, a[0], a[1])
            case .setTimerOp:
                v.singleshotDeadline = a[0] == 0 ? nil : a[0]
                host?.setTimer(vcpu: v.id, deadline: v.singleshotDeadline)
                return 0
            case .vcpuOp: return try doVCPUOp(v, a[0], a[1], a[2])
            case .schedOp: return try doSchedOp(v, a[0], a[1])
            case .eventChannelOp: return try doEventChannelOp(v, cmd: a[0], arg: a[1])
            case .memoryOp: return try doMemoryOp(v, a[0], a[1])
            case .physdevOp: return try doPhysdevOp(v, a[0], a[1])
            case .grantTableOp: return try doGrantTableOp(v, cmd: a[0], uop: a[1], count: a[2])
            case .setDebugreg: try setDebugRegister(v, a[0], a[1]); return 0
            case .getDebugreg: return try getDebugRegister(v, a[0])
            case .mmuUpdate:
                guard let m = mmuHook else { throw .ENOSYS }
                return m.mmuUpdate(self, v, a)
            case .updateVAMapping:
                guard let m = mmuHook else { throw .ENOSYS }
                return m.updateVAMapping(self, v, a)
            case .mmuextOp:
                guard let m = mmuHook else { throw .ENOSYS }
                return m.mmuextOp(self, v, a)
            case .setGDT:
                // set_gdt(unsigned long frames[], unsigned int entries)
                guard let m = mmuHook else { throw .ENOSYS }
                let entries = a[1] & 0xffff_ffff
                guard entries <= 14 * 512 else { throw .EINVAL }
                let count = Int((entries + 511) / 512)
                let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
                var frames: [UInt64] = []
                for i in 0..<count { frames.append(try space.load(UInt64.self, at: a[0] &+ UInt64(i) * 8)) }
                return m.setGDT(self, v, frames: frames, entries: entries)
            case .updateDescriptor:
                guard let m = mmuHook else { throw .ENOSYS }
                return m.updateDescriptor(self, v, address: a[0], descriptor: a[1])
            default:
                logOnce("hypercall-\(nr)", "hypercall \(Hypercall(rawValue: nr).name) (\(nr)) not implemented (-ENOSYS)")
                throw .ENOSYS
            }
        } catch {
            return error.hypercallReturnValue
        }
    }

    // MARK: iret (pv/iret.c do_iret)

    func doIret(_ v: PVVCPU, _ f: Frame) -> EntryOutcome {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        guard let raw = try? space.read(at: f.rsp, count: 72) else {
            return crash("iret: frame at 0x\(String(f.rsp, radix: 16)) unreadable")
        }
        func q(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(raw[i * 8 + $1]) << (8 * UInt64($1)) } }
        let (rax, r11, rcx, flags, rip, cs, rflags, rsp, ss) = (q(0), q(1), q(2), q(3), q(4), q(5), q(6), q(7), q(8))
        if cs & 3 == 3 && v.kernelMode {
            guard v.guestTableUser != 0 else { return crash("iret to user mode without a user page table") }
            toggleGuestMode(v, toKernel: false)
        }
        guard GuestAddressSpace.isGuestAddress(rip) else { return crash("iret to non-guest address 0x\(String(rip, radix: 16))") }
        f.rip = rip
        f.rsp = rsp
        f.cs = (cs & 0xffff) | 3
        f.ss = (ss & 0xffff) | 3
        f.rflags = (rflags & ~((3 << 12) | (1 << 17))) | (1 << 9) | 2
        try? memory.store(UInt8(rflags & (1 << 9) != 0 ? 0 : 1), at: v.vcpuInfoAddress + 1)
        if flags & (1 << 8) == 0 { // not VGCF_in_syscall
            f[ShimFrame.rcx] = rcx
            f[ShimFrame.r11] = r11
        }
        f.rax = rax
        if trace.contains("hypercalls") {
            logger.info("hypercall vcpu\(v.id) iret -> 0x\(String(rip, radix: 16)) cs 0x\(String(cs, radix: 16))")
        }
        return deliverEvents(v, f)
    }

    // MARK: Simple families

    func doConsoleIO(_ v: PVVCPU, _ cmd: UInt64, _ count: UInt64, _ buf: UInt64) throws(XenErrno) -> UInt64 {
        guard cmd == UInt64(ConsoleIOCmd.write.rawValue) else {
            if cmd == UInt64(ConsoleIOCmd.read.rawValue) { throw .EPERM }
            throw .ENOSYS
        }
        guard count <= 1 << 20 else { throw .EINVAL }
        let bytes = try GuestAddressSpace(memory: memory, l4: v.currentTable).read(at: buf, count: Int(count))
        host?.consoleOutput(bytes)
        return 0
    }

    func doXenVersion(_ v: PVVCPU, _ cmd: UInt64, _ arg: UInt64) throws(XenErrno) -> UInt64 {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        func putString(_ s: String, _ len: Int) throws(XenErrno) {
            var b = Array(s.utf8.prefix(len - 1))
            b += [UInt8](repeating: 0, count: len - b.count)
            try space.write(b, at: arg)
        }
        switch XenVersionCmd(rawValue: UInt32(truncatingIfNeeded: cmd)) {
        case .version: return UInt64(Self.xenMajor << 16 | Self.xenMinor)
        case .extraversion: try putString(".0-xenolith", 16); return 0
        case .compileInfo:
            var b = [UInt8](repeating: 0, count: 144)
            for (s, off, len) in [("swiftc", 0, 64), ("xenolith", 64, 16), ("localdomain", 80, 32), ("2026-11-21", 112, 32)] {
                for (i, c) in s.utf8.prefix(len - 1).enumerated() { b[off + i] = c }
            }
            try space.write(b, at: arg); return 0
        case .capabilities: try putString("xen-3.0-x86_64", 1024); return 0
        case .changeset: try putString("xenolith", 64); return 0
        case .platformParameters: try space.store(GuestAddressSpace.hypervisorStart, at: arg); return 0
        case .getFeatures:
            let idx = try space.load(UInt32.self, at: arg)
            // 5 mmu_pt_update_preserve_ad, 6 highmem_assist, 7 gnttab_map_avail_bits.
            let bits: UInt32 = idx == 0 ? (1 << 5) | (1 << 6) | (1 << 7) : 0
            try space.store(bits, at: arg + 4); return 0
        case .pagesize: return 4096
        case .guestHandle: try space.write([UInt8](repeating: 0, count: 16), at: arg); return 0
        case .commandline: throw .EPERM
        default: throw .ENOSYS
        }
    }

    func doSetTrapTable(_ v: PVVCPU, _ table: UInt64) throws(XenErrno) -> UInt64 {
        if table == 0 {
            v.trapTable = [TrapEntry](repeating: TrapEntry(), count: 256)
            return 0
        }
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        for i in 0..<256 { // bounded: at most one entry per vector before the terminator
            let e = table &+ UInt64(i * 16)
            let address = try space.load(UInt64.self, at: e + 8)
            if address == 0 { return 0 }
            let vector = Int(try space.load(UInt8.self, at: e))
            var t = TrapEntry()
            t.address = address
            t.flags = try space.load(UInt8.self, at: e + 1)
            t.cs = try space.load(UInt16.self, at: e + 2) | 3
            guard GuestAddressSpace.isGuestAddress(address) else { throw .EINVAL }
            v.trapTable[vector] = t
        }
        return 0
    }

    func doCallbackOp(_ v: PVVCPU, _ cmd: UInt64, _ arg: UInt64) throws(XenErrno) -> UInt64 {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        let type = try space.load(UInt16.self, at: arg)
        if cmd == 1 { // CALLBACKOP_unregister
            switch type {
            case 0, 1, 2: throw .EINVAL
            default: throw .ENOSYS
            }
        }
        guard cmd == 0 else { throw .ENOSYS }
        let flags = try space.load(UInt16.self, at: arg + 2)
        let address = try space.load(UInt64.self, at: arg + 8)
        guard GuestAddressSpace.isGuestAddress(address) else { throw .EINVAL }
        var cb = Callback()
        cb.address = address
        cb.maskEvents = flags & 1 != 0
        switch type {
        case 0: v.eventCallback = cb
        case 1: v.failsafeCallback = cb
        case 2: v.syscallCallback = cb
        case 7: v.syscall32Callback = cb
        case 5: v.sysenterCallback = cb
        case 4: throw .EINVAL
        default: throw .ENOSYS
        }
        return 0
    }

    func doSetSegmentBase(_ v: PVVCPU, _ which: UInt64, _ value: UInt64) throws(XenErrno) -> UInt64 {
        switch which {
        case 0, 1, 2:
            guard PageTableEntry.isCanonical(value) else { throw .EINVAL }
            _ = writeMSR(v, [0xc000_0100, 0xc000_0102, 0xc000_0101][Int(which)], value)
            return 0
        case 3:
            // Loading a user %gs selector: with no descriptor bases in use the
            // resulting base is 0 (the guest's GDT data segments are flat).
            v.gsBaseUser = 0
            if !v.kernelMode { v.dirty.insert(.gsBase) }
            return 0
        default: throw .EINVAL
        }
    }

    func doMulticall(_ v: PVVCPU, _ list: UInt64, _ count: UInt64) throws(XenErrno) -> UInt64 {
        guard count <= 4096 else { throw .EINVAL }
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        for i in 0..<count {
            let e = list &+ i * 64
            let op = try space.load(UInt64.self, at: e)
            var args: [UInt64] = []
            for j in 0..<5 { args.append(try space.load(UInt64.self, at: e + 16 + UInt64(j) * 8)) }
            let r: UInt64
            if op == Hypercall.multicall.rawValue || op == Hypercall.iret.rawValue {
                r = XenErrno.EINVAL.hypercallReturnValue
            } else {
                r = call(v, op, args)
            }
            try space.store(r, at: e + 8)
            if shutdownRequest != nil { break }
        }
        return 0
    }

    func doPhysdevOp(_ v: PVVCPU, _ cmd: UInt64, _ arg: UInt64) throws(XenErrno) -> UInt64 {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        switch cmd {
        case 6: // PHYSDEVOP_set_iopl
            let iopl = try space.load(UInt32.self, at: arg)
            guard iopl <= 3 else { throw .EINVAL }
            v.iopl = iopl
            return 0
        default:
            logOnce("physdev-\(cmd)", "physdev_op \(cmd) not implemented (-ENOSYS)")
            throw .ENOSYS
        }
    }

    func doMemoryOp(_ v: PVVCPU, _ cmd: UInt64, _ arg: UInt64) throws(XenErrno) -> UInt64 {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        // Xen do_memory_op: the op is cmd's low MEMOP_EXTENT_SHIFT bits,
        // the rest a continuation's start extent (xen/include/xen/hypercall.h).
        let op = MemoryOp.fromArgument(cmd)
        let startExtent = cmd >> MemoryOp.cmdBits
        let hooks = mmuHook as? DomainMMU
        switch op {
        case .increaseReservation, .decreaseReservation, .populatePhysmap:
            // Returns the extents done, never an errno (MMU+Reservation.swift).
            guard let hooks else {
                logOnce("memop-\(op.rawValue)", "memory_op \(op.name) needs the PV MMU (-ENOSYS)")
                throw .ENOSYS
            }
            return hooks.memoryReservation(self, v, op: op, startExtent: startExtent, arg: arg)
        case .maximumRamPage:
            guard startExtent == 0 else { throw .EINVAL }
            return ramPages - 1
        case .currentReservation, .maximumReservation:
            // Xen: tot_pages / max_pages of the domain named by a
            // struct xen_memory_domain. Another domain: -ESRCH if it does
            // not exist, -EPERM from XSM if it does (dom0 runs the backends).
            guard startExtent == 0 else { throw .EINVAL }
            let dom = try space.load(UInt16.self, at: arg)
            guard dom == DomID.self_.rawValue || dom == domid else { throw dom == 0 ? .EPERM : .ESRCH }
            guard let mmu = hooks?.mmu else { return ramPages }
            return op == .currentReservation ? mmu.currentReservation : mmu.maximumReservation
        case .exchange:
            // Not implemented: Linux uses it only for contiguous DMA
            // regions (xen_create_contiguous_region, swiotlb-xen).
            guard startExtent == 0 else { throw .EINVAL }
            logOnce("memop-\(op.rawValue)", "memory_op XENMEM_exchange not implemented (-ENOSYS)")
            throw .ENOSYS
        default:
            break
        }
        // Xen's arch_memory_op switches on the whole cmd, so these match
        // only without start-extent bits.
        switch cmd {
        case MemoryOp.machphysMapping.rawValue:
            try space.store(m2pVirtBase, at: arg)
            try space.store(m2pVirtBase + ramPages * 8, at: arg + 8)
            try space.store(ramPages - 1, at: arg + 16)
            return 0
        case MemoryOp.memoryMap.rawValue:
            // One RAM range over every RAM frame, populated or not: libxl
            // gives a PV domain a map up to maxmem (libxl_x86.c,
            // xc_domain_set_memmap_limit); Xen returns it (xen/arch/x86/mm.c).
            let n = try space.load(UInt32.self, at: arg)
            let buf = try space.load(UInt64.self, at: arg + 8)
            guard n >= 1 else { throw .EINVAL }
            var e = [UInt8](repeating: 0, count: 20)
            let size = ramPages * 4096
            for i in 0..<8 { e[8 + i] = UInt8(truncatingIfNeeded: size >> (8 * UInt64(i))) }
            e[16] = 1 // E820_RAM
            try space.write(e, at: buf)
            try space.store(UInt32(1), at: arg)
            return 0
        default:
            logOnce("memop-\(cmd)", "memory_op \(cmd) not implemented (-ENOSYS)")
            throw .ENOSYS
        }
    }

    func doSchedOp(_ v: PVVCPU, _ cmd: UInt64, _ arg: UInt64) throws(XenErrno) -> UInt64 {
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        switch cmd {
        case 0: sched_yield(); return 0
        case 1: // SCHEDOP_block: unmask, sleep until an event is pending
            try? memory.store(UInt8(0), at: v.vcpuInfoAddress + 1)
            setRunstate(v, .blocked)
            blockHook?(v, nil)
            setRunstate(v, .running)
            return 0
        case 2: // SCHEDOP_shutdown
            let reason = try space.load(UInt32.self, at: arg)
            switch reason {
            case 0: requestShutdown(.poweroff)
            case 1: requestShutdown(.reboot)
            case 3: requestShutdown(.crash("the guest reported a crash (SHUTDOWN_crash)"))
            case 4: requestShutdown(.crash("the guest's watchdog fired"))
            case 2, 5: throw .EOPNOTSUPP
            default: throw .EINVAL
            }
            return 0
        case 3: // SCHEDOP_poll
            let portsVA = try space.load(UInt64.self, at: arg)
            let n = try space.load(UInt32.self, at: arg + 8)
            let timeout = try space.load(UInt64.self, at: arg + 16)
            guard n <= 128 else { throw .EINVAL }
            var list: [UInt32] = []
            for i in 0..<UInt64(n) {
                let p = try space.load(UInt32.self, at: portsVA + i * 4)
                guard p < UInt32(EventChannel.maxPorts) else { throw .EINVAL }
                list.append(p)
            }
            if list.contains(where: { isPending(port: $0) }) { return 0 }
            setRunstate(v, .blocked)
            blockHook?(v, (list, timeout == 0 ? nil : timeout))
            setRunstate(v, .running)
            return 0
        default: throw .ENOSYS
        }
    }

    func doVCPUOp(_ v: PVVCPU, _ cmd: UInt64, _ vcpuID: UInt64, _ arg: UInt64) throws(XenErrno) -> UInt64 {
        guard vcpuID < UInt64(vcpus.count) else { throw .ENOENT }
        let target = vcpus[Int(vcpuID)]
        let space = GuestAddressSpace(memory: memory, l4: v.currentTable)
        switch cmd {
        case 3: return target.online ? 1 : 0 // VCPUOP_is_up
        case 5: // register_runstate_memory_area
            target.runstateArea = try space.load(UInt64.self, at: arg)
            publishRunstate(target)
            return 0
        case 6: // set_periodic_timer
            guard target === v else { throw .EINVAL }
            let period = try space.load(UInt64.self, at: arg)
            guard period >= 1_000_000 || period == 0 else { throw .EINVAL }
            v.periodicPeriod = period
            return 0
        case 7: guard target === v else { throw .EINVAL }; v.periodicPeriod = 0; return 0
        case 8: // set_singleshot_timer { u64 timeout_abs_ns; u32 flags; }
            guard target === v else { throw .EINVAL }
            let deadline = try space.load(UInt64.self, at: arg)
            let flags = try space.load(UInt32.self, at: arg + 8)
            // VCPU_SSHOTTMR_future: a deadline already past is -ETIME.
            if flags & 1 != 0 && deadline < clock.now() { throw .ETIME }
            v.singleshotDeadline = deadline
            host?.setTimer(vcpu: v.id, deadline: deadline)
            return 0
        case 9:
            guard target === v else { throw .EINVAL }
            v.singleshotDeadline = nil
            host?.setTimer(vcpu: v.id, deadline: nil)
            return 0
        case 10: // register_vcpu_info
            guard !target.vcpuInfoRegistered else { throw .EINVAL }
            let mfn = try space.load(UInt64.self, at: arg)
            let offset = try space.load(UInt32.self, at: arg + 8)
            // A frame the guest gave back (decrease_reservation) is not its to use.
            guard mfn < ramPages, offset <= 4096 - 64, mmuHook?.isOwnedFrame(mfn) ?? true else { throw .EINVAL }
            let newAddr = mfn * 4096 + UInt64(offset)
            let old = try memory.read(at: target.vcpuInfoAddress, count: 64)
            try memory.write(old, at: newAddr)
            target.vcpuInfoAddress = newAddr
            target.vcpuInfoRegistered = true
            updateTime(target)
            // Xen marks everything pending once in the new copy.
            try memory.store(UInt64.max, at: newAddr + 8)
            try memory.store(UInt8(1), at: newAddr)
            return 0
        case 13: // register_vcpu_time_memory_area { u64 addr; }
            guard target === v else { throw .EINVAL }
            target.timeArea = try space.load(UInt64.self, at: arg)
            publishTimeArea(target)
            return 0
        default:
            logOnce("vcpuop-\(cmd)", "vcpu_op \(cmd) not implemented (-ENOSYS)")
            throw .ENOSYS
        }
    }

    /// Publishes pvclock for `v` (public/xen.h vcpu_time_info; Xen
    /// arch/x86/time.c __update_vcpu_system_time).
    public func updateTime(_ v: PVVCPU) {
        let t = v.vcpuInfoAddress + 32
        let version = (try? memory.load(UInt32.self, at: t)) ?? 0
        try? memory.store(version | 1, at: t)
        let tsc = SystemClock.rdtsc()
        let now = clock.now()
        // mul/shift so that ns = (tsc_delta << shift) * mul >> 32.
        var shift: Int8 = 0
        var hz = clock.tscHz
        while hz > 2_000_000_000 { hz >>= 1; shift -= 1 }
        while hz < 1_000_000_000 { hz <<= 1; shift += 1 }
        let mul = UInt32((UInt64(1_000_000_000) << 32) / hz)
        try? memory.store(tsc, at: t + 8)
        try? memory.store(now, at: t + 16)
        try? memory.store(mul, at: t + 24)
        try? memory.store(UInt8(bitPattern: shift), at: t + 28)
        try? memory.store(UInt8(1), at: t + 29) // PVCLOCK_TSC_STABLE_BIT
        try? memory.store((version | 1) &+ 1, at: t)
        publishTimeArea(v)
    }

    /// Publishes the wallclock (shared_info wc_*).
    public func updateWallclock() {
        let s = sharedInfo
        let version = (try? memory.load(UInt32.self, at: s + 3072)) ?? 0
        try? memory.store(version | 1, at: s + 3072)
        try? memory.store(UInt32(truncatingIfNeeded: clock.startRealtime.sec), at: s + 3076)
        try? memory.store(UInt32(clock.startRealtime.nsec), at: s + 3080)
        try? memory.store(UInt32(truncatingIfNeeded: clock.startRealtime.sec >> 32), at: s + 3084)
        try? memory.store((version | 1) &+ 1, at: s + 3072)
    }
}
