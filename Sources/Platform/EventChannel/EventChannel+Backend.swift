// The backend side of an inter-domain event channel, for the backends that
// run in this process as domain 0 (Sources/Backends via the VMM).
//
// In Xen a frontend allocates a port with EVTCHNOP_alloc_unbound(remote_dom
// = the backend's domain), publishes it in xenstore, and the backend binds
// it with EVTCHNOP_bind_interdomain: both ends become ECS_INTERDOMAIN and a
// send on either end raises the other. Here dom0 has no port space of its
// own: binding turns the guest's port into interdomain(remoteDom: 0) and
// records a handler that the guest's EVTCHNOP_send calls; the backend
// notifies the guest with `raise(port:)`.
//
// Xen: `evtchn_bind_interdomain`, `evtchn_close`, xen/common/event_channel.c.
import XenABI

extension Domain {
    /// Binds the guest's `port`, allocated with alloc_unbound(remote_dom =
    /// 0), for a backend: the port becomes interdomain with domain 0 and each
    /// EVTCHNOP_send the guest makes on it calls `handler` (on the sending
    /// vCPU's thread: keep it short, e.g. wake a worker).
    ///
    /// Throws EINVAL for a port out of range or not unbound to domain 0
    /// (e.g. already bound, or closed by the guest), as Xen's
    /// `evtchn_bind_interdomain` does for a remote port in the wrong state.
    ///
    /// Xen: `EVTCHNOP_bind_interdomain` (the backend's half), public/event_channel.h.
    public func bindBackend(port: UInt32, handler: @escaping @Sendable () -> Void) throws(XenErrno) {
        lock.lock(); defer { lock.unlock() }
        guard port > 0, port < UInt32(ports.count), port != consolePort, port != storePort,
              ports[Int(port)].state == .unbound(remoteDom: 0) else { throw .EINVAL }
        ports[Int(port)].state = .interdomain(remoteDom: 0, remotePort: port)
        backendHandlers[port] = handler
    }

    /// Unbinds a backend's `port`: the guest's end goes back to unbound with
    /// domain 0 (as Xen leaves the remote end when one end closes) and
    /// sends are no longer delivered. Nothing happens if the guest already
    /// closed the port or it is not bound by a backend.
    ///
    /// Xen: `EVTCHNOP_close` of the backend's end (`evtchn_close`, ECS_INTERDOMAIN).
    public func unbindBackend(port: UInt32) {
        lock.lock(); defer { lock.unlock() }
        guard backendHandlers.removeValue(forKey: port) != nil,
              port < UInt32(ports.count), case .interdomain(remoteDom: 0, _) = ports[Int(port)].state else { return }
        ports[Int(port)].state = .unbound(remoteDom: 0)
    }

    /// The state of `port` (diagnostics, tests); `.free` when out of range.
    public func eventChannelState(port: UInt32) -> EventChannel.State {
        lock.lock(); defer { lock.unlock() }
        return port < UInt32(ports.count) ? ports[Int(port)].state : .free
    }
}
