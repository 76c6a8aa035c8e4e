import Testing
import XenABI
@testable import Xenstore

@Suite("transactions")
struct TransactionTests {
    @Test("ids are decimal strings from 1; replies echo tx_id")
    func ids() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let reply = dom0.send(.transactionStart, "\0")
        #expect(reply == XSMessage(type: .transactionStart, reqID: reply.reqID, txID: 0, payload: b("1\0")))
        #expect(dom0.start() == 2)
        dom0.ok(.transactionEnd, "F\0", tx: 1)
        #expect(dom0.start() == 3)
    }

    @Test("a commit applies the changes; outside the transaction they are invisible until then")
    func commit() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let other = Client(dom0.daemon, domid: 0)
        dom0.write("/t", "old")
        let tx = dom0.start()
        #expect(dom0.read("/t", tx: tx) == b("old"))
        dom0.write("/t", "new", tx: tx)
        dom0.write("/t/child/x", "1", tx: tx)
        #expect(dom0.read("/t", tx: tx) == b("new"))
        #expect(dom0.read("/t/child/x", tx: tx) == b("1"))
        #expect(dom0.send(.directory, "/t\0", tx: tx).payload == b("child\0"))
        #expect(other.read("/t") == b("old"))
        other.fails(.read, "/t/child/x\0", with: "ENOENT")
        dom0.ok(.transactionEnd, "T\0", tx: tx)
        #expect(other.read("/t") == b("new"))
        #expect(other.read("/t/child/x") == b("1"))
        dom0.fails(.read, "/t\0", tx: tx, with: "ENOENT")   // the id is gone
    }

    @Test("a node read in the transaction and changed outside makes the commit EAGAIN")
    func conflict() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let other = Client(dom0.daemon, domid: 0)
        dom0.write("/c", "1")
        let tx = dom0.start()
        #expect(dom0.read("/c", tx: tx) == b("1"))
        other.write("/c", "2")
        dom0.write("/d", "from tx", tx: tx)
        dom0.fails(.transactionEnd, "T\0", tx: tx, with: "EAGAIN")
        #expect(other.read("/c") == b("2"))
        other.fails(.read, "/d\0", with: "ENOENT")
        dom0.fails(.transactionEnd, "T\0", tx: tx, with: "ENOENT")
    }

    @Test("a sibling created outside conflicts through the parent's child list")
    func parentConflict() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let other = Client(dom0.daemon, domid: 0)
        dom0.ok(.mkdir, "/p\0")
        let tx = dom0.start()
        dom0.write("/p/a", "1", tx: tx)
        other.write("/p/b", "2")
        dom0.fails(.transactionEnd, "T\0", tx: tx, with: "EAGAIN")
        #expect(other.send(.directory, "/p\0").payload == b("b\0"))
    }

    @Test("unrelated changes outside do not conflict; a node created and removed inside leaves nothing")
    func noConflict() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let other = Client(dom0.daemon, domid: 0)
        dom0.write("/x", "1")
        dom0.write("/z", "1")
        let tx = dom0.start()
        #expect(dom0.read("/x", tx: tx) == b("1"))
        dom0.write("/tmp/y", "1", tx: tx)
        dom0.ok(.rm, "/tmp\0", tx: tx)
        other.write("/z", "2")                 // changes /z only, not "/"
        dom0.ok(.transactionEnd, "T\0", tx: tx)
        #expect(other.read("/z") == b("2"))
        other.fails(.read, "/tmp\0", with: "ENOENT")
        #expect(other.send(.directory, "/\0").payload == b("tool\0x\0z\0"))
    }

    @Test("abort discards; bad end arguments; nesting is EBUSY")
    func abortAndErrors() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let tx = dom0.start()
        dom0.write("/gone", "1", tx: tx)
        dom0.fails(.transactionEnd, "X\0", tx: tx, with: "EINVAL")
        dom0.fails(.transactionEnd, "T", tx: tx, with: "EINVAL")
        dom0.fails(.transactionStart, "\0", tx: tx, with: "EBUSY")
        dom0.ok(.transactionEnd, "F\0", tx: tx)
        dom0.fails(.read, "/gone\0", with: "ENOENT")
        dom0.fails(.transactionEnd, "T\0", with: "ENOENT")          // tx_id 0: no transaction
        dom0.fails(.transactionEnd, "T\0", tx: 9, with: "ENOENT")
    }

    @Test("watches fire on commit, not before, and not on abort")
    func watchesOnCommit() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let watcher = Client(dom0.daemon, domid: 0)
        dom0.ok(.mkdir, "/t\0")
        watcher.ok(.watch, "/t\0w\0")
        _ = watcher.events()
        let tx = dom0.start()
        dom0.write("/t/x", "1", tx: tx)
        dom0.write("/t/y", "1", tx: tx)
        #expect(watcher.events() == [])
        dom0.ok(.transactionEnd, "T\0", tx: tx)
        #expect(watcher.events() == ["/t/x\0w\0", "/t/y\0w\0"])
        let aborted = dom0.start()
        dom0.write("/t/z", "1", tx: aborted)
        dom0.ok(.transactionEnd, "F\0", tx: aborted)
        #expect(watcher.events() == [])
    }

    @Test("transactions are per connection")
    func perConnection() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let other = Client(dom0.daemon, domid: 0)
        let tx = dom0.start()
        other.fails(.read, "/tool\0", tx: tx, with: "ENOENT")
        #expect(other.start() == 1)
    }

    @Test("a guest's transaction works in its home and keeps permission checks")
    func guestTransaction() {
        let (daemon, _) = daemonWithHomes([5])
        let dom5 = Client(daemon, domid: 5)
        let tx = dom5.start()
        dom5.write("device/vif/0/state", "1", tx: tx)
        dom5.fails(.write, "/local/x\0y", tx: tx, with: "EACCES")
        dom5.fails(.read, "/tool\0", tx: tx, with: "EACCES")
        dom5.ok(.transactionEnd, "T\0", tx: tx)
        #expect(dom5.read("device/vif/0/state") == b("1"))
        #expect(daemon.nodeCount(ownedBy: DomID(rawValue: 5)) == 5)
    }
}
