// Helpers shared by the Xenstore tests: a client that speaks for one domain,
// byte literals with NULs, and a standard layout of domain homes.
import Synchronization
import Testing
import XenABI
@testable import Xenstore

/// The bytes of `string`; write "\0" for each NUL of the wire format.
func b(_ string: String) -> [UInt8] {
    Array(string.utf8)
}

/// A connection of one domain to a daemon, with numbered requests.
final class Client: Sendable {
    let daemon: XenstoreDaemon
    let id: ConnectionID
    let domid: UInt16
    private let nextReqID = Mutex<UInt32>(100)

    init(_ daemon: XenstoreDaemon, domid: UInt16) {
        self.daemon = daemon
        self.domid = domid
        self.id = daemon.connect(domid: DomID(rawValue: domid))
    }

    /// Sends `payload` (NULs written as "\0") and returns the reply, checking
    /// that it echoes the request's ids.
    @discardableResult
    func send(_ type: XSType, _ payload: String, tx: UInt32 = 0,
              sourceLocation: SourceLocation = #_sourceLocation) -> XSMessage {
        send(type, b(payload), tx: tx, sourceLocation: sourceLocation)
    }

    @discardableResult
    func send(_ type: XSType, _ payload: [UInt8], tx: UInt32 = 0,
              sourceLocation: SourceLocation = #_sourceLocation) -> XSMessage {
        let reqID = nextReqID.withLock { value in
            value += 1
            return value
        }
        let request = XSMessage(type: type, reqID: reqID, txID: tx, payload: payload)
        guard let reply = daemon.handle(request, from: id) else {
            Issue.record("connection \(id) is closed", sourceLocation: sourceLocation)
            return XSMessage(type: .invalid)
        }
        #expect(reply.reqID == reqID, sourceLocation: sourceLocation)
        #expect(reply.txID == tx, sourceLocation: sourceLocation)
        return reply
    }

    /// Sends and expects "OK\0".
    func ok(_ type: XSType, _ payload: String, tx: UInt32 = 0,
            sourceLocation: SourceLocation = #_sourceLocation) {
        let reply = send(type, payload, tx: tx, sourceLocation: sourceLocation)
        #expect(reply.type == type, "\(reply.errorName ?? "")", sourceLocation: sourceLocation)
        #expect(reply.payload == b("OK\0"), sourceLocation: sourceLocation)
    }

    /// Sends and expects an XS_ERROR with `name`.
    func fails(_ type: XSType, _ payload: String, tx: UInt32 = 0, with name: String,
               sourceLocation: SourceLocation = #_sourceLocation) {
        let reply = send(type, payload, tx: tx, sourceLocation: sourceLocation)
        #expect(reply.type == .error, sourceLocation: sourceLocation)
        #expect(reply.payload == b(name + "\0"), sourceLocation: sourceLocation)
    }

    /// READ, expecting success; the value.
    func read(_ path: String, tx: UInt32 = 0, sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
        let reply = send(.read, path + "\0", tx: tx, sourceLocation: sourceLocation)
        #expect(reply.type == .read, "\(reply.errorName ?? "")", sourceLocation: sourceLocation)
        return reply.payload
    }

    func write(_ path: String, _ value: String, tx: UInt32 = 0, sourceLocation: SourceLocation = #_sourceLocation) {
        ok(.write, path + "\0" + value, tx: tx, sourceLocation: sourceLocation)
    }

    /// TRANSACTION_START; the id.
    func start(sourceLocation: SourceLocation = #_sourceLocation) -> UInt32 {
        let reply = send(.transactionStart, "\0", sourceLocation: sourceLocation)
        #expect(reply.type == .transactionStart, sourceLocation: sourceLocation)
        let digits = String(decoding: reply.payload.prefix { $0 != 0 }, as: UTF8.self)
        return UInt32(digits) ?? 0
    }

    /// Queued watch events as "path\0token\0" strings.
    func events(sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        daemon.takeEvents(for: id).map { event in
            #expect(event.type == .watchEvent, sourceLocation: sourceLocation)
            #expect(event.reqID == 0 && event.txID == 0, sourceLocation: sourceLocation)
            return String(decoding: event.payload, as: UTF8.self)
        }
    }
}

/// A daemon with dom0 and a home for each of `domids`, created the way a
/// toolstack does: dom0 makes /local/domain/<id> and hands it to the domain
/// ("n<id>": owned by it, no access for others).
func daemonWithHomes(_ domids: [UInt16], quota: XenstoreQuota = XenstoreQuota(),
                     hooks: XenstoreHooks = XenstoreHooks()) -> (XenstoreDaemon, Client) {
    let daemon = XenstoreDaemon(quota: quota, hooks: hooks)
    let dom0 = Client(daemon, domid: 0)
    for domid in domids {
        dom0.ok(.mkdir, "/local/domain/\(domid)\0")
        dom0.ok(.setPerms, "/local/domain/\(domid)\0n\(domid)\0")
    }
    return (daemon, dom0)
}
