// VMM: one running domain. Creates the KVM VM from a built domain, runs one
// thread per vCPU blocked in KVM_RUN, and turns shim exits into Platform
// calls (STYLE.md §6: exit dispatch is a function of the exit).
import Backends
import CHostSys
import CKVM
import DomainBuilder
import Foundation
import GuestMemory
import KVM
import Logging
import Platform
import XenABI
import XenPV
import Xenstore

public enum VMMError: Error, CustomStringConvertible {
    case kvm(KVMError)
    case setup(String)
    public var description: String {
        switch self {
        case .kvm(let e): return "kvm: \(e)"
        case .setup(let s): return s
        }
    }
}

/// How a run ended.
public enum RunResult: Sendable {
    case shutdown(ShutdownRequest)
    case fault(String)
}

public final class DomainRunner: DomainHost, @unchecked Sendable {
    // @unchecked: kvm objects are thread-safe per their docs; mutable state
    // is guarded by `lock`.
    let built: BuiltDomain
    public let domain: Domain
    let vm: VM
    let vcpu: VCPU
    let logger: Logger
    let consoleSink: @Sendable ([UInt8]) -> Void
    let lock = NSCondition()
    var vcpuThread: pthread_t?
    var timerDeadline: UInt64?
    var blocked = false
    let scratch: UnsafeMutableRawPointer
    var timerThread: Thread?
    var stopping = false
    /// Set by `kill -USR2`: print a state report at the next stop.
    var reportRequested = false
    /// Full shadow flushes and page-table entries replayed by the shim.
    var shadowFlushes: UInt64 = 0
    var shadowSyncs: UInt64 = 0
    /// Kicks requested and KVM_RUN calls that ended interrupted.
    var kicks: UInt64 = 0
    var interruptions: UInt64 = 0
    var kvmRuns: UInt64 = 0
    /// Above this many changed entries in one entry a full shadow flush is
    /// used instead of the replay. A flush is far dearer than it looks
    /// (every shadow page is rebuilt afterwards: with a limit of 256 the
    /// Debian kernel's boot slowed several-fold), so only the queue's
    /// capacity bounds the replay.
    let replayLimit = ShimSyncQueue.capacity

    let xenstore: XenstoreService
    let blockDevices: BlockDevices
    let networkDevices: NetworkDevices
    let consoleDevices: ConsoleDevices
    /// The toolstack's handle on the running domain: pause, CPU time
    /// (DomainRunner+Control.swift).
    let control = RunnerControl()
    /// Where the domain's xenstore socket goes (the domain's runtime
    /// directory); nil: XenstoreSocketServer.defaultPath.
    public var xenstoreSocketPath: String?

    public init(built: BuiltDomain, domid: UInt16 = 1, name: String, consolePort: UInt32, storePort: UInt32,
                uuid: String = UUID().uuidString.lowercased(), maxMemoryKiB: UInt64? = nil,
                disks: [BlockDeviceSpec] = [], nics: [NetworkDeviceSpec] = [], channels: [ConsoleChannelSpec] = [], logger: Logger, trace: Set<String>, console: @escaping @Sendable ([UInt8]) -> Void) throws(VMMError) {
        self.built = built
        self.logger = logger
        self.consoleSink = console
        domain = Domain(domid: domid, name: name, memory: built.memory, ramPages: built.ramPages, vcpuCount: 1,
                        sharedInfo: built.sharedInfoMFN << 12,
                        consoleRing: built.consolePFN << 12, consolePort: consolePort,
                        storeRing: built.storePFN << 12, storePort: storePort,
                        m2pVirtBase: Layout.m2pVirtBase, grantFramesBase: Layout.xenBase + Layout.grantFrames,
                        grantFramesMax: Layout.maxGrantFrames,
                        logger: logger, trace: trace)
        scratch = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        do {
            let kvm = try KVMSystem()
            vm = try kvm.createVM()
            for (i, r) in built.memory.regions.enumerated() {
                try vm.setMemoryRegion(slot: UInt32(i), guestPhys: r.base, size: r.size, hostAddress: r.host)
            }
            vcpu = try vm.createVCPU(id: 0)
            try vcpu.setCPUID(try kvm.supportedCPUID())
        } catch {
            throw .kvm(error)
        }
        // The PV MMU: the builder's tables are pinned and become vCPU 0's
        // kernel base pointer before the guest runs.
        let sharedInfoMFN = built.sharedInfoMFN
        let grantFirst = (Layout.xenBase + Layout.grantFrames) >> 12
        let mmu = MMU(memory: built.memory, ramFrames: built.ramPages, populatedFrames: built.nrPages,
                      maxPages: built.ramPages,
                      isForeignMappable: { mfn in
                          mfn == sharedInfoMFN || (mfn >= grantFirst && mfn < grantFirst + UInt64(Layout.maxGrantFrames))
                      },
                      hypervisorL4Entries: built.hypervisorL4Entries)
        let memory = built.memory
        mmu.m2pWrite = { mfn, pfn in try? memory.store(pfn, at: Layout.xenBase + Layout.m2p + mfn * 8) }
        mmu.descriptorArea = MMU.DescriptorTableArea(gdtL1Entries: built.gdtL1Entries,
                                                     zeroPage: Layout.xenBase + Layout.zeroPage)
        let hooks = DomainMMU(mmu: mmu)
        do {
            try hooks.adoptInitialTables(l4: built.l4, vcpu: domain.vcpus[0])
            // Nothing is shadowed before the first run: drop what pinning noted.
            _ = hooks.takeShadowSync()
        } catch {
            throw .setup("the initial page tables do not validate (\(error)): a domain builder bug")
        }
        // The console and xenstore services write their rings for the
        // domain's life, as xenconsoled and xenstored keep them mapped
        // writable in Xen: hold a writable reference on each, so the guest
        // can never make one a page table (MMU+HostMapping.swift).
        for (ring, what) in [(built.consolePFN, "console"), (built.storePFN, "xenstore")] {
            do {
                try mmu.getHostMapping(mfn: ring, writable: true)
            } catch {
                throw .setup("the \(what) ring frame 0x\(String(ring, radix: 16)) cannot be mapped writable (\(error.rawValue)): a domain builder bug")
            }
        }
        domain.mmuHook = hooks
        guard let storePage = built.memory.pointer(built.storePFN << 12, 4096) else {
            throw .setup("the xenstore page is outside guest memory: a domain builder bug")
        }
        xenstore = XenstoreService(domain: domain, storePage: storePage, logger: logger)
        xenstore.populate(.init(name: name, uuid: uuid, memoryKiB: built.nrPages * 4,
                                maxMemoryKiB: maxMemoryKiB ?? built.ramPages * 4, vcpus: domain.vcpus.count,
                                storePFN: built.storePFN, storePort: storePort))
        let frames = GrantFrameReferences(
            get: { frame, writable in
                do throws(XenErrno) {
                    try mmu.getHostMapping(mfn: frame, writable: writable)
                    return nil
                } catch {
                    return error == .EPERM ? .notOwned : .typed
                }
            },
            put: { frame, writable in mmu.putHostMapping(mfn: frame, writable: writable) })
        blockDevices = try BlockDevices(specs: disks, domain: domain, daemon: xenstore.daemon, frames: frames,
                                        logger: logger)
        blockDevices.publish()
        consoleDevices = try ConsoleDevices(channels: channels, domain: domain, daemon: xenstore.daemon,
                                            grants: blockDevices.grants, primaryRingMFN: built.consolePFN,
                                            primaryPort: consolePort, logger: logger)
        consoleDevices.publish()
        networkDevices = try NetworkDevices(specs: nics, domain: domain, daemon: xenstore.daemon,
                                            grants: blockDevices.grants, logger: logger)
        networkDevices.publish()
        let service = xenstore
        domain.storeNotify = { service.notify() }
        domain.host = self
        domain.blockHook = { [weak self] v, poll in self?.block(v, poll: poll) }
    }

    /// Each `connection=pty` channel's name and pty slave.
    public var channelPTYs: [(name: String, path: String)] { consoleDevices.ptys }

    // MARK: DomainHost

    public func kick(vcpu id: Int) {
        lock.lock()
        kicks &+= 1
        let t = vcpuThread
        let isBlocked = blocked
        lock.broadcast()
        lock.unlock()
        if !isBlocked, let t {
            vcpu.requestImmediateExit()
            pthread_kill(t, SIGUSR1)
        }
    }

    public func consoleOutput(_ bytes: [UInt8]) { consoleSink(bytes) }

    public func setTimer(vcpu: Int, deadline: UInt64?) {
        lock.lock()
        timerDeadline = deadline
        lock.broadcast()
        lock.unlock()
        if deadline != nil, deadline! <= domain.clock.now() { fireTimer() }
    }

    func fireTimer() {
        lock.lock()
        timerDeadline = nil
        lock.unlock()
        domain.raiseVIRQ(0, vcpu: 0) // VIRQ_TIMER
    }

    /// SCHEDOP_block / poll: wait for an event, a polled port, or a timeout.
    func block(_ v: PVVCPU, poll: (ports: [UInt32], timeout: UInt64?)?) {
        lock.lock()
        blocked = true
        while !stopping && domain.shutdownRequest == nil {
            if reportRequested {
                // A blocked vCPU is out of KVM_RUN: its registers can be read now.
                reportRequested = false
                lock.unlock()
                printStateReport()
                lock.lock()
            }
            if let poll {
                if poll.ports.contains(where: { domain.isPending(port: $0) }) { break }
                if let t = poll.timeout, domain.clock.now() >= t { break }
            } else if domain.eventDeliverable(v) || (try? domain.memory.load(UInt8.self, at: v.vcpuInfoAddress)) == 1 {
                break
            }
            _ = lock.wait(until: Date().addingTimeInterval(0.01))
        }
        blocked = false
        lock.unlock()
    }

    // MARK: Run

    public func run() -> RunResult {
        installKickHandler()
        lock.lock(); vcpuThread = pthread_self(); lock.unlock()
        let timer = Thread { self.timerLoop() }
        timer.start()
        xenstore.start(socketPath: xenstoreSocketPath ?? XenstoreSocketServer.defaultPath(domainName: domain.name))
        control.runStarted()
        blockDevices.start()
        consoleDevices.start()
        networkDevices.start()
        startReportListener()
        defer {
            consoleDevices.stop()
            blockDevices.stop()
            networkDevices.stop()
            xenstore.stop()
            lock.lock(); stopping = true; lock.broadcast(); lock.unlock()
            while !timer.isFinished { usleep(1000) }
        }
        do {
            try DomainBuilder.buildIDT(built)
            try setupVCPU()
        } catch {
            return .fault("vcpu setup: \(error)")
        }
        let v = domain.vcpus[0]
        domain.updateTime(v)
        domain.updateWallclock()
        let area = Layout.vcpuArea(0)
        let frameBase = Layout.xenBase + area + Layout.vcpuStackTop - UInt64(ShimFrame.size)
        let frame = Frame(memory: built.memory, base: frameBase)
        // The shim's return path (shim/entry.S): a vCPU stopped there has a
        // complete frame that the host may still rewrite.
        let returnPath = (built.shim.symbols["shim_return_path"] ?? 0)..<(built.shim.symbols["shim_return_end"] ?? 0)
        while true {
            // `xenolith pause`: the vCPU waits here, outside KVM_RUN.
            if control.gate.isPaused, let r = waitWhilePaused() { return .shutdown(r) }
            let exit: VCPUExit
            kvmRuns &+= 1
            do { exit = try vcpu.runOnce() } catch { return .fault("\(error)") }
            if domain.trace.contains("exits") { let r = try? vcpu.getRegs(); let s = try? vcpu.getSregs(); logger.info("exit \(exit) rip 0x\(String(r?.rip ?? 0, radix: 16)) cs 0x\(String(s?.cs.selector ?? 0, radix: 16)) dpl \(s?.cs.dpl ?? 9) rflags 0x\(String(r?.rflags ?? 0, radix: 16)) rsp 0x\(String(r?.rsp ?? 0, radix: 16))") }
            switch exit {
            case .io(port: ShimFrame.exitPort, _, out: true, _):
                var cr2: UInt64 = 0
                if frame.vector == 14 { cr2 = (try? vcpu.getSregs().cr2) ?? 0 }
                domain.updateTime(v)
                switch domain.handleEntry(v, frame, cr2: cr2) {
                case .shutdown(let r): return .shutdown(r)
                case .resume: break
                }
                if let f = applyDirty(v) { return .fault(f) }
            case .interrupted:
                interruptions &+= 1
                lock.lock()
                let report = reportRequested
                reportRequested = false
                lock.unlock()
                if report { printStateReport() }
                if let r = domain.shutdownRequest { return .shutdown(r) }
                // Inject the event-check interrupt only while guest code
                // runs: on kvm-pvm hosts KVM_INTERRUPT does not wait for the
                // shim's RFLAGS.IF, and a nested entry would overwrite the
                // frame on the IST stack. A vCPU stopped inside the shim is
                // either on its way to an exit (which delivers events) or,
                // in the return path, on its way back to the guest with a
                // complete frame: deliver into that frame now.
                // Nor while RFLAGS.IF is clear (only between a `syscall`,
                // which applies SFMASK, and its `ud2`): KVM would hold the
                // interrupt and spin in KVM_RUN waiting for a window that
                // never opens on these hosts. The `ud2` exits right after.
                guard domain.eventDeliverable(v), let regs = try? vcpu.getRegs() else { break }
                if !Layout.isHypervisorText(regs.rip) && regs.rflags & X86.rflagsIF != 0 {
                    try? vcpu.injectInterrupt(vector: UInt32(ShimFrame.vectorEventCheck))
                } else if returnPath.contains(regs.rip) {
                    if case .shutdown(let r) = domain.deliverEvents(v, frame) { return .shutdown(r) }
                    if let f = applyDirty(v, viaShim: false) { return .fault(f) }
                }
            case .shutdown:
                return .fault("triple fault (KVM_EXIT_SHUTDOWN)\n" + stateReport())
            case .internalError(let sub):
                return .fault("KVM could not emulate an instruction (suberror \(sub))\n" + stateReport())
            default:
                return .fault("unexpected exit \(exit)\n" + stateReport())
            }
        }
    }

    func timerLoop() {
        lock.lock()
        while !stopping {
            if let d = timerDeadline {
                let now = domain.clock.now()
                if now >= d {
                    lock.unlock()
                    fireTimer()
                    lock.lock()
                    continue
                }
                // Capped: a guest may ask for any deadline up to 2^64 ns.
                _ = lock.wait(until: Date().addingTimeInterval(min(Double(d - now) / 1e9, 0.5)))
            } else {
                _ = lock.wait(until: Date().addingTimeInterval(0.5))
            }
        }
        lock.unlock()
    }

    /// Makes the vCPU's hardware state match what the last entry changed:
    /// page-table entries the host rewrote (replayed by the shim at CPL0
    /// when `viaShim`, i.e. the vCPU is about to run the shim's return
    /// path; otherwise, or when too many, a full shadow flush), CR3 and the
    /// segment bases.
    func applyDirty(_ v: PVVCPU, viaShim: Bool = true) -> String? {
        if let mmu = domain.mmuHook {
            let sync = mmu.takeShadowSync()
            let limit = min(ShimSyncQueue.capacity, replayLimit)
            if sync.fullFlush || (!viaShim && !sync.addresses.isEmpty) || sync.addresses.count > limit {
                shadowFlushes &+= 1
                do { try vm.flushShadowMMU(scratchPage: scratch, guestPhys: 0x7F_0000_0000) } catch { return "\(error)" }
            } else if !sync.addresses.isEmpty {
                queueShadowSync(sync.addresses, vcpu: v.id)
            }
        }
        guard !v.dirty.isEmpty else { return nil }
        do {
            if v.dirty.contains(.cr3) {
                if viaShim {
                    let pending = Layout.xenBase + Layout.vcpuArea(v.id) + Layout.vcpuPerCPU + UInt64(ShimPerCPU.pendingCR3)
                    try built.memory.store(v.currentTable, at: pending)
                } else {
                    var s = try vcpu.getSregs()
                    s.cr3 = v.currentTable
                    try vcpu.setSregs(s)
                }
            }
            var msrs: [(UInt32, UInt64)] = []
            if v.dirty.contains(.fsBase) { msrs.append((X86.msrFSBase, v.fsBase)) }
            if v.dirty.contains(.gsBase) { msrs.append((X86.msrGSBase, v.activeGSBase)) }
            if !msrs.isEmpty { try vcpu.setMSRs(msrs) }
        } catch { return "\(error)" }
        v.dirty = []
        return nil
    }

    /// Fills vCPU `id`'s shadow-sync queue (XenPV ShimSyncQueue) with a
    /// store of each entry's current value through the shim's view of it:
    /// the direct map for guest RAM, slot 256 for the hypervisor region.
    func queueShadowSync(_ addresses: [UInt64], vcpu id: Int) {
        let queue = Layout.xenBase + Layout.vcpuArea(id) + Layout.vcpuPerCPU + UInt64(ShimSyncQueue.offsetFromPerCPU)
        var n: UInt64 = (try? built.memory.load(UInt64.self, at: queue)) ?? 0
        for address in addresses where n < UInt64(ShimSyncQueue.capacity) {
            let va = address >= Layout.xenBase ? Layout.xenVirtBase + (address - Layout.xenBase)
                                               : Layout.directMapVirtBase + address
            guard let value = try? built.memory.load(UInt64.self, at: address) else { continue }
            let entry = queue + UInt64(ShimSyncQueue.entries) + n * UInt64(ShimSyncQueue.entrySize)
            try? built.memory.store(va, at: entry)
            try? built.memory.store(value, at: entry + 8)
            n += 1
        }
        try? built.memory.store(n, at: queue)
        shadowSyncs &+= UInt64(addresses.count)
    }

    func setupVCPU() throws {
        let area = Layout.vcpuArea(0)
        var s = try vcpu.getSregs()
        s.cr3 = built.l4
        s.cr4 = X86.cr4PAE | X86.cr4OSFXSR | X86.cr4OSXMMEXCPT
        s.cr0 = X86.cr0PE | X86.cr0MP | X86.cr0ET | X86.cr0NE | X86.cr0WP | X86.cr0AM | X86.cr0PG
        s.efer = X86.eferLME | X86.eferLMA | X86.eferSCE | X86.eferNXE
        s.cs = .code64(selector: Layout.flatRing3CS64, dpl: 3)
        s.ss = .data(selector: Layout.flatRing3DS, dpl: 3)
        s.ds = .null; s.es = .null; s.fs = .null; s.gs = .null
        s.tr = .tss(selector: Layout.tssSelector, base: Layout.xenVirtBase + area + Layout.vcpuTSS, limit: 0x67)
        s.gdt.base = Layout.xenVirtBase + area + Layout.vcpuGDT
        s.gdt.limit = Layout.gdtLimit
        s.idt.base = Layout.xenVirtBase + Layout.idt
        s.idt.limit = 0xfff
        try vcpu.setSregs(s)
        try vcpu.setMSRs([
            (X86.msrLSTAR, built.shim.syscallAlias("shim_syscall_entry")!),
            (X86.msrCSTAR, built.shim.syscallAlias("shim_syscall32_entry")!),
            (X86.msrSTAR, UInt64(Layout.hypervisorCS) << 32),
            (X86.msrSFMASK, 0x47700), // TF, IF, DF, IOPL, NT, AC
            (X86.msrKernelGSBase, Layout.xenVirtBase + area + Layout.vcpuPerCPU),
            (X86.msrGSBase, 0), (X86.msrFSBase, 0),
            (X86.msrPAT, 0x0000_0501_0007_0406),
        ])
        var r = kvm_regs()
        r.rip = built.entry
        r.rsp = built.stackTop
        r.rsi = built.startInfoVA
        r.rflags = X86.rflagsReserved1 | X86.rflagsIF
        try vcpu.setRegs(r)
    }

    /// `kill -USR2 <pid>` prints `stateReport()` for a running domain
    /// (the way to look at a guest that hangs).
    func startReportListener() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        _ = chostsys_install_report_signal(SIGUSR2, fds[1])
        // A parent may have started us with SIGUSR2 blocked (swift-testing
        // does); the signal must reach this thread.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGUSR2)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        let readEnd = fds[0]
        let t = Thread { [weak self] in
            var b: UInt8 = 0
            while read(readEnd, &b, 1) == 1 {
                guard let self else { return }
                self.lock.lock(); self.reportRequested = true; self.lock.unlock()
                self.kick(vcpu: 0)
            }
        }
        t.start()
    }

    func printStateReport() {
        FileHandle.standardError.write(Data(("xenolith: state of domain '\(domain.name)' (kill -USR2):\n" + stateReport() + "\n").utf8))
    }

    /// Registers, the instruction bytes at RIP (through the current CR3),
    /// where the vCPU is (guest kernel/user, shim) and the shim's counters.
    func stateReport() -> String {
        var out = dumpState()
        guard let r = try? vcpu.getRegs(), let s = try? vcpu.getSregs() else { return out }
        let v = domain.vcpus[0]
        let place = Layout.isHypervisorText(r.rip) ? "the shim" : (v.kernelMode ? "guest kernel mode" : "guest user mode")
        if let name = domain.symbolize?(r.rip) { out += "\n  rip is \(name)" }
        out += "\n  in \(place); guest kernel L4 0x\(String(v.guestTable, radix: 16)) user L4 0x\(String(v.guestTableUser, radix: 16))"
        let space = GuestAddressSpace(memory: built.memory, l4: s.cr3 & ~0xfff)
        if let bytes = try? space.read(at: r.rip, count: 16) {
            out += "\n  code at rip: " + bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
        }
        if Layout.isHypervisorText(r.rip) {
            // The guest context the shim is handling.
            let area = Layout.vcpuArea(0)
            let frame = Frame(memory: built.memory, base: Layout.xenBase + area + Layout.vcpuStackTop - UInt64(ShimFrame.size))
            out += "\n  shim frame: vector 0x\(String(frame.vector, radix: 16)) guest rip 0x\(String(frame.rip, radix: 16))"
                + (domain.symbolize?(frame.rip).map { " (\($0))" } ?? "") + " "
                + "cs 0x\(String(frame.cs, radix: 16)) rsp 0x\(String(frame.rsp, radix: 16)) rax 0x\(String(frame.rax, radix: 16))"
        }
        let perCPU = Layout.xenBase + Layout.vcpuArea(0) + Layout.vcpuPerCPU
        var counts: [String] = []
        for i in 0..<ShimPerCPU.entryCounterCount {
            let n = (try? built.memory.load(UInt64.self, at: perCPU + UInt64(ShimPerCPU.entryCounters + i * 8))) ?? 0
            if n > 0 { counts.append("\(i == 256 ? "syscall" : i == 257 ? "syscall32" : String(i)):\(n)") }
        }
        out += "\n  shim entries by vector: " + counts.joined(separator: " ")
        out += "\n  shadow flushes \(shadowFlushes), entries replayed by the shim \(shadowSyncs)"
        if !networkDevices.devices.isEmpty { out += "\n  " + networkDevices.report() }
        out += "\n  KVM_RUN calls \(kvmRuns), interrupted \(interruptions), kicks \(kicks), timer deadline \(timerDeadline.map { String($0) } ?? "none") now \(domain.clock.now())"
        return out
    }

    func dumpState() -> String {
        guard let r = try? vcpu.getRegs(), let s = try? vcpu.getSregs() else { return "  (registers unavailable)" }
        func h(_ x: UInt64) -> String { "0x" + String(x, radix: 16) }
        var out = "  rip \(h(r.rip)) rsp \(h(r.rsp)) rflags \(h(r.rflags)) cs \(h(UInt64(s.cs.selector))) ss \(h(UInt64(s.ss.selector)))\n"
        out += "  rax \(h(r.rax)) rbx \(h(r.rbx)) rcx \(h(r.rcx)) rdx \(h(r.rdx)) rsi \(h(r.rsi)) rdi \(h(r.rdi))\n"
        out += "  rbp \(h(r.rbp)) r8 \(h(r.r8)) r9 \(h(r.r9)) r10 \(h(r.r10)) r11 \(h(r.r11)) r12 \(h(r.r12))\n"
        out += "  r13 \(h(r.r13)) r14 \(h(r.r14)) r15 \(h(r.r15)) cr2 \(h(s.cr2)) cr3 \(h(s.cr3))"
        return out
    }
}

private func installKickHandler() {
    var sa = sigaction()
    sa.__sigaction_handler.sa_handler = { _ in }
    sigemptyset(&sa.sa_mask)
    sa.sa_flags = 0
    sigaction(SIGUSR1, &sa, nil)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGUSR1)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}
