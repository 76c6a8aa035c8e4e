// Xen: tools/xenstored/domain.c `do_introduce`, `do_release`, `do_resume`,
// `do_get_domain_path`, `do_is_domain_introduced`, `do_set_target`,
// `do_get_feature`, `do_set_feature`, `destroy_domain`,
// `domain_tree_remove`. Domain management (docs/misc/xenstore.txt "Domain
// management and xenstored communications").
import XenABI

extension DaemonState {
    /// INTRODUCE <domid>|<gfn>|<evtchn>|?
    ///
    /// The event channel must be positive (EINVAL). A first introduction
    /// records the domain and fires @introduceDomain (not for domain 0); a
    /// repeated one only takes the new event channel. Both reset a guest's
    /// connections (watches, transactions, queued events), as xenstored's
    /// `domain_conn_reset` does, and tell the host through
    /// `XenstoreHooks.introduced`.
    mutating func doIntroduce(_ request: Request) throws(XenErrno) -> [UInt8] {
        let strings = XSPayload.strings(request.payload)
        guard strings.count >= 3, let domid = XSPayload.domid(strings[0]) else { throw .EINVAL }
        // "<gfn> must be a page in that domain represented in signed decimal".
        let mfn = UInt64(bitPattern: XSPayload.atol(strings[1]))
        let port = XSPayload.atoi(strings[2])
        guard port > 0 else { throw .EINVAL }
        let firstTime = domains[domid]?.introduced != true
        var record = domains[domid] ?? DomainRecord()
        record.introduced = true
        record.mfn = mfn
        record.port = UInt32(port)
        record.shutdown = false
        domains[domid] = record
        // Domain 0's connections are the host's own clients, like
        // xenstored's socket connections, which `domain_conn_reset` leaves
        // alone; only a guest's ring connection is reset.
        if domid != 0 {
            for id in connectionOrder where connections[id]?.domid == domid {
                resetConnection(id)
            }
        }
        if firstTime && domid != 0 {
            fireSpecialWatches(XenstorePath.introduceDomain, domid: domid)
        }
        let hook = hooks.introduced
        deferred.append { hook(DomID(rawValue: domid), mfn, EvtchnPort(rawValue: UInt32(port))) }
        return XSPayload.ok
    }

    /// The introduced domain a one-argument request names (xenstored
    /// `onearg_domain`): malformed or domain 0 is EINVAL, unknown ENOENT.
    func oneArgDomain(_ request: Request) throws(XenErrno) -> UInt16 {
        guard let argument = XSPayload.oneArg(request.payload),
              let domid = XSPayload.domid(argument) else { throw .EINVAL }
        if domid == 0 { throw .EINVAL }
        guard domains[domid]?.introduced == true else { throw .ENOENT }
        return domid
    }

    /// RELEASE <domid>|
    ///
    /// Drops the domain's connections (watches first, so that the deletions
    /// below do not fire them), deletes the nodes it owns and strips its
    /// permission entries elsewhere, then fires @releaseDomain
    /// (`do_release` → `destroy_domain`).
    mutating func doRelease(_ request: Request) throws(XenErrno) -> [UInt8] {
        let domid = try oneArgDomain(request)
        for id in connectionOrder where connections[id]?.domid == domid {
            disconnect(id)
        }
        removeDomainTree(domid)
        domains[domid] = nil
        fireSpecialWatches(XenstorePath.releaseDomain, domid: domid)
        let hook = hooks.released
        deferred.append { hook(DomID(rawValue: domid)) }
        return XSPayload.ok
    }

    /// xenstored `domain_tree_remove` without `-K`: nodes owned by `domid`
    /// are deleted with their subtrees (firing watches), and entries naming
    /// it are removed from other nodes' permissions, including the special
    /// nodes'. The root is never deleted: if the domain owned it, domain 0
    /// takes it over (xenstored's `keep_orphans` treatment).
    mutating func removeDomainTree(_ domid: UInt16) {
        let id = UInt32(domid)
        var pending = [XenstorePath.introduceDomain, XenstorePath.releaseDomain, XenstorePath.root]
        while let name = pending.popLast() {
            guard var node = store[name] else { continue }
            if node.owner == id && name != XenstorePath.root && !name.hasPrefix("@") {
                do {
                    try removeNode(name, node, .daemon)
                } catch {
                    logger.error("cannot delete node of released domain",
                                 metadata: ["domid": "\(domid)", "path": "\(name)", "error": "\(error)"])
                }
                continue
            }
            var changed = false
            if node.owner == id {
                node.perms.owner.id = 0
                changed = true
            }
            let before = node.perms.others.count
            node.perms.others.removeAll { $0.id == id }
            changed = changed || node.perms.others.count != before
            if changed { store.put(name, node) }
            if !name.hasPrefix("@") {
                pending.append(contentsOf: node.children.reversed().map { XenstorePath.child($0, of: name) })
            }
        }
    }

    /// RESUME <domid>|: clears the domain's shutdown state.
    mutating func doResume(_ request: Request) throws(XenErrno) -> [UInt8] {
        let domid = try oneArgDomain(request)
        domains[domid]?.shutdown = false
        return XSPayload.ok
    }

    /// GET_DOMAIN_PATH <domid>| -> <path>|
    mutating func doGetDomainPath(_ request: Request) throws(XenErrno) -> [UInt8] {
        guard let argument = XSPayload.oneArg(request.payload),
              let domid = XSPayload.domid(argument) else { throw .EINVAL }
        return XSPayload.cString(XenstorePath.domainPath(domid))
    }

    /// IS_DOMAIN_INTRODUCED <domid>| -> T| or F|; DOMID_SELF is always T.
    mutating func doIsDomainIntroduced(_ request: Request) throws(XenErrno) -> [UInt8] {
        guard let argument = XSPayload.oneArg(request.payload),
              let domid = XSPayload.domid(argument) else { throw .EINVAL }
        let introduced = domid == DomID.self_.rawValue || domains[domid]?.introduced == true
        return XSPayload.cString(introduced ? "T" : "F")
    }

    /// SET_TARGET <domid>|<tdomid>|: `domid` also gets `tdomid`'s access.
    /// Both must be introduced (ENOENT).
    mutating func doSetTarget(_ request: Request) throws(XenErrno) -> [UInt8] {
        let strings = XSPayload.strings(request.payload)
        guard strings.count >= 2, let domid = XSPayload.domid(strings[0]),
              let target = XSPayload.domid(strings[1]) else { throw .EINVAL }
        guard domains[domid]?.introduced == true, domains[target]?.introduced == true else { throw .ENOENT }
        domains[domid]?.target = target
        return XSPayload.ok
    }

    /// GET_FEATURE [<domid>|] -> <value>|: the caller's own features, or,
    /// for a privileged caller, those of `domid`.
    mutating func doGetFeature(_ request: Request) throws(XenErrno) -> [UInt8] {
        let strings = XSPayload.strings(request.payload)
        let features: XSServerFeatures
        if strings.isEmpty {
            features = self.features(of: request.domid)
        } else {
            if !request.context.isPrivileged { throw .EACCES }
            guard strings.count == 1, let domid = XSPayload.domid(strings[0]) else { throw .EINVAL }
            features = self.features(of: domid)
        }
        return XSPayload.cString(String(features.rawValue))
    }

    /// SET_FEATURE <domid>|<value>|: only before introduction (EBUSY), and
    /// only bits this daemon supports (EINVAL).
    mutating func doSetFeature(_ request: Request) throws(XenErrno) -> [UInt8] {
        let strings = XSPayload.strings(request.payload)
        guard strings.count == 2, let domid = XSPayload.domid(strings[0]) else { throw .EINVAL }
        let features = XSServerFeatures(rawValue: UInt32(bitPattern: XSPayload.atoi(strings[1])))
        if domains[domid]?.introduced == true { throw .EBUSY }
        guard XSServerFeatures.supported.isSuperset(of: features) else { throw .EINVAL }
        domains[domid, default: DomainRecord()].features = features
        return XSPayload.ok
    }
}
