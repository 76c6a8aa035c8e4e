// Generated: for every wire struct, load from patterned bytes, store into
// zeroed bytes, and check exactly the field bytes were copied.
import Testing
import XenABI

let roundTripCases: [RoundTripCase] = [
    RoundTripCase("MMUUpdate", size: MMUUpdate.size, fields: [0..<8, 8..<16]) { src, dst in
        let value = MMUUpdate(loadingFrom: src)
        value.store(to: dst)
        return MMUUpdate(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("MMUExtOpEntry", size: MMUExtOpEntry.size, fields: [0..<4, 8..<16, 16..<24]) { src, dst in
        let value = MMUExtOpEntry(loadingFrom: src)
        value.store(to: dst)
        return MMUExtOpEntry(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("MulticallEntry", size: MulticallEntry.size, fields: [0..<8, 8..<16, 16..<64]) { src, dst in
        let value = MulticallEntry(loadingFrom: src)
        value.store(to: dst)
        return MulticallEntry(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPUTimeInfo", size: VCPUTimeInfo.size, fields: [0..<4, 4..<8, 8..<16, 16..<24, 24..<28, 28..<29, 29..<30, 30..<32]) { src, dst in
        let value = VCPUTimeInfo(loadingFrom: src)
        value.store(to: dst)
        return VCPUTimeInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("ArchVCPUInfo", size: ArchVCPUInfo.size, fields: [0..<8, 8..<16]) { src, dst in
        let value = ArchVCPUInfo(loadingFrom: src)
        value.store(to: dst)
        return ArchVCPUInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPUInfo", size: VCPUInfo.size, fields: [0..<1, 1..<2, 8..<16, 16..<24, 24..<32, 32..<36, 36..<40, 40..<48, 48..<56, 56..<60, 60..<61, 61..<62, 62..<64]) { src, dst in
        let value = VCPUInfo(loadingFrom: src)
        value.store(to: dst)
        return VCPUInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("StartInfo", size: StartInfo.size, fields: [32..<40, 40..<48, 48..<52, 56..<64, 64..<68, 72..<80, 80..<84, 88..<96, 96..<104, 104..<112, 112..<120, 120..<128, 1152..<1160, 1160..<1168]) { src, dst in
        let value = StartInfo(loadingFrom: src)
        value.store(to: dst)
        return StartInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenMultibootModList", size: XenMultibootModList.size, fields: [0..<4, 4..<8, 8..<12, 12..<16]) { src, dst in
        let value = XenMultibootModList(loadingFrom: src)
        value.store(to: dst)
        return XenMultibootModList(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("IretContext", size: IretContext.size, fields: [0..<8, 8..<16, 16..<24, 24..<32, 32..<40, 40..<48, 48..<56, 56..<64, 64..<72]) { src, dst in
        let value = IretContext(loadingFrom: src)
        value.store(to: dst)
        return IretContext(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("CPUUserRegs", size: CPUUserRegs.size, fields: [0..<8, 8..<16, 16..<24, 24..<32, 32..<40, 40..<48, 48..<56, 56..<64, 64..<72, 72..<80, 80..<88, 88..<96, 96..<104, 104..<112, 112..<120, 120..<124, 124..<128, 128..<136, 136..<138, 140..<141, 144..<152, 152..<160, 160..<162, 168..<170, 176..<178, 184..<186, 192..<194]) { src, dst in
        let value = CPUUserRegs(loadingFrom: src)
        value.store(to: dst)
        return CPUUserRegs(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("TrapInfo", size: TrapInfo.size, fields: [0..<1, 1..<2, 2..<4, 8..<16]) { src, dst in
        let value = TrapInfo(loadingFrom: src)
        value.store(to: dst)
        return TrapInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPUGuestContext", size: VCPUGuestContext.size, fields: [512..<520, 520..<528, 528..<536, 536..<544, 544..<552, 552..<560, 560..<568, 568..<576, 576..<584, 584..<592, 592..<600, 600..<608, 608..<616, 616..<624, 624..<632, 632..<640, 640..<644, 644..<648, 648..<656, 656..<658, 660..<661, 664..<672, 672..<680, 680..<682, 688..<690, 696..<698, 704..<706, 712..<714, 4816..<4824, 4824..<4832, 4960..<4968, 4968..<4976, 4976..<4984, 4984..<5048, 5048..<5112, 5112..<5120, 5120..<5128, 5128..<5136, 5136..<5144, 5144..<5152, 5152..<5160, 5160..<5168]) { src, dst in
        let value = VCPUGuestContext(loadingFrom: src)
        value.store(to: dst)
        return VCPUGuestContext(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("ArchSharedInfo", size: ArchSharedInfo.size, fields: [0..<8, 8..<16, 16..<24, 24..<32, 32..<40, 40..<48]) { src, dst in
        let value = ArchSharedInfo(loadingFrom: src)
        value.store(to: dst)
        return ArchSharedInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnAllocUnbound", size: EvtchnAllocUnbound.size, fields: [0..<2, 2..<4, 4..<8]) { src, dst in
        let value = EvtchnAllocUnbound(loadingFrom: src)
        value.store(to: dst)
        return EvtchnAllocUnbound(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnBindInterdomain", size: EvtchnBindInterdomain.size, fields: [0..<2, 4..<8, 8..<12]) { src, dst in
        let value = EvtchnBindInterdomain(loadingFrom: src)
        value.store(to: dst)
        return EvtchnBindInterdomain(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnBindVirq", size: EvtchnBindVirq.size, fields: [0..<4, 4..<8, 8..<12]) { src, dst in
        let value = EvtchnBindVirq(loadingFrom: src)
        value.store(to: dst)
        return EvtchnBindVirq(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnBindPirq", size: EvtchnBindPirq.size, fields: [0..<4, 4..<8, 8..<12]) { src, dst in
        let value = EvtchnBindPirq(loadingFrom: src)
        value.store(to: dst)
        return EvtchnBindPirq(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnBindIPI", size: EvtchnBindIPI.size, fields: [0..<4, 4..<8]) { src, dst in
        let value = EvtchnBindIPI(loadingFrom: src)
        value.store(to: dst)
        return EvtchnBindIPI(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnClose", size: EvtchnClose.size, fields: [0..<4]) { src, dst in
        let value = EvtchnClose(loadingFrom: src)
        value.store(to: dst)
        return EvtchnClose(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnSend", size: EvtchnSend.size, fields: [0..<4]) { src, dst in
        let value = EvtchnSend(loadingFrom: src)
        value.store(to: dst)
        return EvtchnSend(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnStatus", size: EvtchnStatus.size, fields: [0..<2, 4..<8, 8..<12, 12..<16, 16..<24]) { src, dst in
        let value = EvtchnStatus(loadingFrom: src)
        value.store(to: dst)
        return EvtchnStatus(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnBindVCPU", size: EvtchnBindVCPU.size, fields: [0..<4, 4..<8]) { src, dst in
        let value = EvtchnBindVCPU(loadingFrom: src)
        value.store(to: dst)
        return EvtchnBindVCPU(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnUnmask", size: EvtchnUnmask.size, fields: [0..<4]) { src, dst in
        let value = EvtchnUnmask(loadingFrom: src)
        value.store(to: dst)
        return EvtchnUnmask(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnReset", size: EvtchnReset.size, fields: [0..<2]) { src, dst in
        let value = EvtchnReset(loadingFrom: src)
        value.store(to: dst)
        return EvtchnReset(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnInitControl", size: EvtchnInitControl.size, fields: [0..<8, 8..<12, 12..<16, 16..<17]) { src, dst in
        let value = EvtchnInitControl(loadingFrom: src)
        value.store(to: dst)
        return EvtchnInitControl(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnExpandArray", size: EvtchnExpandArray.size, fields: [0..<8]) { src, dst in
        let value = EvtchnExpandArray(loadingFrom: src)
        value.store(to: dst)
        return EvtchnExpandArray(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnSetPriority", size: EvtchnSetPriority.size, fields: [0..<4, 4..<8]) { src, dst in
        let value = EvtchnSetPriority(loadingFrom: src)
        value.store(to: dst)
        return EvtchnSetPriority(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("EvtchnFIFOControlBlock", size: EvtchnFIFOControlBlock.size, fields: [0..<4, 4..<8]) { src, dst in
        let value = EvtchnFIFOControlBlock(loadingFrom: src)
        value.store(to: dst)
        return EvtchnFIFOControlBlock(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("SchedShutdown", size: SchedShutdown.size, fields: [0..<4]) { src, dst in
        let value = SchedShutdown(loadingFrom: src)
        value.store(to: dst)
        return SchedShutdown(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("SchedPoll", size: SchedPoll.size, fields: [0..<8, 8..<12, 16..<24]) { src, dst in
        let value = SchedPoll(loadingFrom: src)
        value.store(to: dst)
        return SchedPoll(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("SchedRemoteShutdown", size: SchedRemoteShutdown.size, fields: [0..<2, 4..<8]) { src, dst in
        let value = SchedRemoteShutdown(loadingFrom: src)
        value.store(to: dst)
        return SchedRemoteShutdown(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("SchedWatchdog", size: SchedWatchdog.size, fields: [0..<4, 4..<8]) { src, dst in
        let value = SchedWatchdog(loadingFrom: src)
        value.store(to: dst)
        return SchedWatchdog(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("SchedPinOverride", size: SchedPinOverride.size, fields: [0..<4]) { src, dst in
        let value = SchedPinOverride(loadingFrom: src)
        value.store(to: dst)
        return SchedPinOverride(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPURunstateInfo", size: VCPURunstateInfo.size, fields: [0..<4, 8..<16, 16..<48]) { src, dst in
        let value = VCPURunstateInfo(loadingFrom: src)
        value.store(to: dst)
        return VCPURunstateInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPURegisterRunstateMemoryArea", size: VCPURegisterRunstateMemoryArea.size, fields: [0..<8]) { src, dst in
        let value = VCPURegisterRunstateMemoryArea(loadingFrom: src)
        value.store(to: dst)
        return VCPURegisterRunstateMemoryArea(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPUSetPeriodicTimer", size: VCPUSetPeriodicTimer.size, fields: [0..<8]) { src, dst in
        let value = VCPUSetPeriodicTimer(loadingFrom: src)
        value.store(to: dst)
        return VCPUSetPeriodicTimer(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPUSetSingleshotTimer", size: VCPUSetSingleshotTimer.size, fields: [0..<8, 8..<12]) { src, dst in
        let value = VCPUSetSingleshotTimer(loadingFrom: src)
        value.store(to: dst)
        return VCPUSetSingleshotTimer(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPURegisterVCPUInfo", size: VCPURegisterVCPUInfo.size, fields: [0..<8, 8..<12, 12..<16]) { src, dst in
        let value = VCPURegisterVCPUInfo(loadingFrom: src)
        value.store(to: dst)
        return VCPURegisterVCPUInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPUGetPhysid", size: VCPUGetPhysid.size, fields: [0..<8]) { src, dst in
        let value = VCPUGetPhysid(loadingFrom: src)
        value.store(to: dst)
        return VCPUGetPhysid(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("VCPURegisterTimeMemoryArea", size: VCPURegisterTimeMemoryArea.size, fields: [0..<8]) { src, dst in
        let value = VCPURegisterTimeMemoryArea(loadingFrom: src)
        value.store(to: dst)
        return VCPURegisterTimeMemoryArea(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("CallbackRegister", size: CallbackRegister.size, fields: [0..<2, 2..<4, 8..<16]) { src, dst in
        let value = CallbackRegister(loadingFrom: src)
        value.store(to: dst)
        return CallbackRegister(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("CallbackUnregister", size: CallbackUnregister.size, fields: [0..<2, 2..<4]) { src, dst in
        let value = CallbackUnregister(loadingFrom: src)
        value.store(to: dst)
        return CallbackUnregister(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenMemoryReservation", size: XenMemoryReservation.size, fields: [0..<8, 8..<16, 16..<20, 20..<24, 24..<26]) { src, dst in
        let value = XenMemoryReservation(loadingFrom: src)
        value.store(to: dst)
        return XenMemoryReservation(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenMemoryExchange", size: XenMemoryExchange.size, fields: [0..<8, 8..<16, 16..<20, 20..<24, 24..<26, 32..<40, 40..<48, 48..<52, 52..<56, 56..<58, 64..<72]) { src, dst in
        let value = XenMemoryExchange(loadingFrom: src)
        value.store(to: dst)
        return XenMemoryExchange(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenMemoryDomain", size: XenMemoryDomain.size, fields: [0..<2]) { src, dst in
        let value = XenMemoryDomain(loadingFrom: src)
        value.store(to: dst)
        return XenMemoryDomain(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenMachphysMfnList", size: XenMachphysMfnList.size, fields: [0..<4, 8..<16, 16..<20]) { src, dst in
        let value = XenMachphysMfnList(loadingFrom: src)
        value.store(to: dst)
        return XenMachphysMfnList(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenMachphysMapping", size: XenMachphysMapping.size, fields: [0..<8, 8..<16, 16..<24]) { src, dst in
        let value = XenMachphysMapping(loadingFrom: src)
        value.store(to: dst)
        return XenMachphysMapping(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenAddToPhysmap", size: XenAddToPhysmap.size, fields: [0..<2, 2..<4, 4..<8, 8..<16, 16..<24]) { src, dst in
        let value = XenAddToPhysmap(loadingFrom: src)
        value.store(to: dst)
        return XenAddToPhysmap(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenRemoveFromPhysmap", size: XenRemoveFromPhysmap.size, fields: [0..<2, 8..<16]) { src, dst in
        let value = XenRemoveFromPhysmap(loadingFrom: src)
        value.store(to: dst)
        return XenRemoveFromPhysmap(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenMemoryMap", size: XenMemoryMap.size, fields: [0..<4, 8..<16]) { src, dst in
        let value = XenMemoryMap(loadingFrom: src)
        value.store(to: dst)
        return XenMemoryMap(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenForeignMemoryMap", size: XenForeignMemoryMap.size, fields: [0..<2, 8..<12, 16..<24]) { src, dst in
        let value = XenForeignMemoryMap(loadingFrom: src)
        value.store(to: dst)
        return XenForeignMemoryMap(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenPodTarget", size: XenPodTarget.size, fields: [0..<8, 8..<16, 16..<24, 24..<32, 32..<34]) { src, dst in
        let value = XenPodTarget(loadingFrom: src)
        value.store(to: dst)
        return XenPodTarget(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("E820Entry", size: E820Entry.size, fields: [0..<8, 8..<16, 16..<20]) { src, dst in
        let value = E820Entry(loadingFrom: src)
        value.store(to: dst)
        return E820Entry(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("PhysdevEOI", size: PhysdevEOI.size, fields: [0..<4]) { src, dst in
        let value = PhysdevEOI(loadingFrom: src)
        value.store(to: dst)
        return PhysdevEOI(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("PhysdevPirqEoiGmfn", size: PhysdevPirqEoiGmfn.size, fields: [0..<8]) { src, dst in
        let value = PhysdevPirqEoiGmfn(loadingFrom: src)
        value.store(to: dst)
        return PhysdevPirqEoiGmfn(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("PhysdevIRQStatusQuery", size: PhysdevIRQStatusQuery.size, fields: [0..<4, 4..<8]) { src, dst in
        let value = PhysdevIRQStatusQuery(loadingFrom: src)
        value.store(to: dst)
        return PhysdevIRQStatusQuery(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("PhysdevSetIopl", size: PhysdevSetIopl.size, fields: [0..<4]) { src, dst in
        let value = PhysdevSetIopl(loadingFrom: src)
        value.store(to: dst)
        return PhysdevSetIopl(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("PhysdevSetIobitmap", size: PhysdevSetIobitmap.size, fields: [0..<8, 8..<12]) { src, dst in
        let value = PhysdevSetIobitmap(loadingFrom: src)
        value.store(to: dst)
        return PhysdevSetIobitmap(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GrantEntryV1", size: GrantEntryV1.size, fields: [0..<2, 2..<4, 4..<8]) { src, dst in
        let value = GrantEntryV1(loadingFrom: src)
        value.store(to: dst)
        return GrantEntryV1(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabMapGrantRef", size: GnttabMapGrantRef.size, fields: [0..<8, 8..<12, 12..<16, 16..<18, 18..<20, 20..<24, 24..<32]) { src, dst in
        let value = GnttabMapGrantRef(loadingFrom: src)
        value.store(to: dst)
        return GnttabMapGrantRef(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabUnmapGrantRef", size: GnttabUnmapGrantRef.size, fields: [0..<8, 8..<16, 16..<20, 20..<22]) { src, dst in
        let value = GnttabUnmapGrantRef(loadingFrom: src)
        value.store(to: dst)
        return GnttabUnmapGrantRef(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabSetupTable", size: GnttabSetupTable.size, fields: [0..<2, 4..<8, 8..<10, 16..<24]) { src, dst in
        let value = GnttabSetupTable(loadingFrom: src)
        value.store(to: dst)
        return GnttabSetupTable(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabDumpTable", size: GnttabDumpTable.size, fields: [0..<2, 2..<4]) { src, dst in
        let value = GnttabDumpTable(loadingFrom: src)
        value.store(to: dst)
        return GnttabDumpTable(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabTransfer", size: GnttabTransfer.size, fields: [0..<8, 8..<10, 12..<16, 16..<18]) { src, dst in
        let value = GnttabTransfer(loadingFrom: src)
        value.store(to: dst)
        return GnttabTransfer(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabQuerySize", size: GnttabQuerySize.size, fields: [0..<2, 4..<8, 8..<12, 12..<14]) { src, dst in
        let value = GnttabQuerySize(loadingFrom: src)
        value.store(to: dst)
        return GnttabQuerySize(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabSetVersion", size: GnttabSetVersion.size, fields: [0..<4]) { src, dst in
        let value = GnttabSetVersion(loadingFrom: src)
        value.store(to: dst)
        return GnttabSetVersion(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabGetVersion", size: GnttabGetVersion.size, fields: [0..<2, 2..<4, 4..<8]) { src, dst in
        let value = GnttabGetVersion(loadingFrom: src)
        value.store(to: dst)
        return GnttabGetVersion(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabGetStatusFrames", size: GnttabGetStatusFrames.size, fields: [0..<4, 4..<6, 6..<8, 8..<16]) { src, dst in
        let value = GnttabGetStatusFrames(loadingFrom: src)
        value.store(to: dst)
        return GnttabGetStatusFrames(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabCopyPtr", size: GnttabCopyPtr.size, fields: [0..<8, 8..<10, 10..<12]) { src, dst in
        let value = GnttabCopyPtr(loadingFrom: src)
        value.store(to: dst)
        return GnttabCopyPtr(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("GnttabCopy", size: GnttabCopy.size, fields: [0..<8, 8..<10, 10..<12, 16..<24, 24..<26, 26..<28, 32..<34, 34..<36, 36..<38]) { src, dst in
        let value = GnttabCopy(loadingFrom: src)
        value.store(to: dst)
        return GnttabCopy(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenPlatformParameters", size: XenPlatformParameters.size, fields: [0..<8]) { src, dst in
        let value = XenPlatformParameters(loadingFrom: src)
        value.store(to: dst)
        return XenPlatformParameters(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenFeatureInfo", size: XenFeatureInfo.size, fields: [0..<4, 4..<8]) { src, dst in
        let value = XenFeatureInfo(loadingFrom: src)
        value.store(to: dst)
        return XenFeatureInfo(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XenBuildID", size: XenBuildID.size, fields: [0..<4]) { src, dst in
        let value = XenBuildID(loadingFrom: src)
        value.store(to: dst)
        return XenBuildID(loadingFrom: UnsafeRawPointer(dst)) == value
    },
    RoundTripCase("XsdSockmsg", size: XsdSockmsg.size, fields: [0..<4, 4..<8, 8..<12, 12..<16]) { src, dst in
        let value = XsdSockmsg(loadingFrom: src)
        value.store(to: dst)
        return XsdSockmsg(loadingFrom: UnsafeRawPointer(dst)) == value
    },
]
