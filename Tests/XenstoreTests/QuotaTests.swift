import Testing
import XenABI
@testable import Xenstore

@Suite("quotas")
struct QuotaTests {
    @Test("defaults are xenstored's")
    func defaults() {
        let quota = XenstoreQuota()
        #expect(quota.nodes == 1000 && quota.watches == 128 && quota.transactions == 10)
        #expect(quota.outstanding == 20 && quota.nodeSize == 2048 && quota.pathLength == 2048)
        #expect(quota.permissions == 5 && quota.transactionNodes == 1024 && quota.memory == 2_621_440)
    }

    @Test("nodes: a domain may own exactly the quota; a refused write leaves no partial path; dom0 is exempt")
    func nodes() {
        var quota = XenstoreQuota()
        quota.nodes = 3
        let (daemon, dom0) = daemonWithHomes([5], quota: quota)
        let dom5 = Client(daemon, domid: 5)
        dom5.write("a", "")                           // home + a = 2
        dom5.fails(.write, "x/y\0", with: "ENOSPC")   // would be 4
        dom5.fails(.read, "x\0", with: "ENOENT")
        dom5.write("b", "")                           // 3
        dom5.fails(.mkdir, "c\0", with: "ENOSPC")
        dom5.write("a", "changing a value needs no new node")
        #expect(daemon.nodeCount(ownedBy: DomID(rawValue: 5)) == 3)
        // dom0 creating nodes in the home charges them to 5 but is not limited.
        dom0.write("/local/domain/5/c/d", "")
        #expect(daemon.nodeCount(ownedBy: DomID(rawValue: 5)) == 5)
        for i in 0..<10 { dom0.write("/dom0/\(i)", "") }
        // Freed nodes can be used again.
        dom5.ok(.rm, "c\0")
        dom5.ok(.rm, "b\0")
        dom5.write("e", "")
    }

    @Test("nodes are also counted for a transaction's commit")
    func nodesInTransaction() {
        var quota = XenstoreQuota()
        quota.nodes = 3
        let (daemon, _) = daemonWithHomes([5], quota: quota)
        let dom5 = Client(daemon, domid: 5)
        let tx = dom5.start()
        dom5.write("a", "", tx: tx)
        dom5.write("b", "", tx: tx)
        dom5.fails(.write, "c\0", tx: tx, with: "ENOSPC")
        dom5.ok(.transactionEnd, "T\0", tx: tx)
        #expect(daemon.nodeCount(ownedBy: DomID(rawValue: 5)) == 3)
        // Two transactions that each fit but not together: the second commit fails.
        dom5.ok(.rm, "b\0")
        let first = dom5.start()
        let second = dom5.start()
        dom5.write("p", "", tx: first)
        dom5.write("q", "", tx: second)
        dom5.ok(.transactionEnd, "T\0", tx: first)
        dom5.fails(.transactionEnd, "T\0", tx: second, with: "ENOSPC")
    }

    @Test("watches per domain, dom0 exempt")
    func watches() {
        var quota = XenstoreQuota()
        quota.watches = 2
        let (daemon, dom0) = daemonWithHomes([5], quota: quota)
        let dom5 = Client(daemon, domid: 5)
        let dom5b = Client(daemon, domid: 5)   // a second connection of the same domain
        dom5.ok(.watch, "a\0t\0")
        dom5b.ok(.watch, "b\0t\0")
        dom5.fails(.watch, "c\0t\0", with: "ENOSPC")
        dom5.ok(.unwatch, "a\0t\0")
        dom5.ok(.watch, "c\0t\0")
        for i in 0..<5 { dom0.ok(.watch, "/w\(i)\0t\0") }
    }

    @Test("transactions per domain, dom0 exempt")
    func transactions() {
        var quota = XenstoreQuota()
        quota.transactions = 2
        let (daemon, dom0) = daemonWithHomes([5], quota: quota)
        let dom5 = Client(daemon, domid: 5)
        let first = dom5.start()
        _ = dom5.start()
        dom5.fails(.transactionStart, "\0", with: "ENOSPC")
        dom5.ok(.transactionEnd, "F\0", tx: first)
        _ = dom5.start()
        for _ in 0..<5 { _ = dom0.start() }
    }

    @Test("node size counts header, permissions, value and children")
    func nodeSize() {
        let (daemon, dom0) = daemonWithHomes([5])
        let dom5 = Client(daemon, domid: 5)
        // 16 + 8 (one permission) + 2024 = 2048: allowed.
        dom5.write("fits", String(repeating: "v", count: 2024))
        dom5.fails(.write, "big\0" + String(repeating: "v", count: 2025), with: "ENOSPC")
        dom5.fails(.read, "big\0", with: "ENOENT")
        dom5.fails(.setPerms, "fits\0n5\0r6\0", with: "ENOSPC")       // 8 more bytes: 2056
        dom5.write("fits", String(repeating: "v", count: 2016))
        dom5.ok(.setPerms, "fits\0n5\0r6\0")                           // 16 + 16 + 2016 = 2048
        dom5.fails(.write, "fits\0" + String(repeating: "v", count: 2017), with: "ENOSPC")
        #expect(dom5.read("fits").count == 2016)
        // A parent's child list counts too.
        dom5.fails(.mkdir, String(repeating: "c", count: 2048) + "\0", with: "ENOSPC")
        dom0.write("/local/domain/5/fits", String(repeating: "v", count: 4000))
    }

    @Test("permission entries per node")
    func permissions() {
        let (daemon, dom0) = daemonWithHomes([5])
        let dom5 = Client(daemon, domid: 5)
        dom5.write("n", "")
        dom5.ok(.setPerms, "n\0n5\0r1\0r2\0r3\0r4\0")
        dom5.fails(.setPerms, "n\0n5\0r1\0r2\0r3\0r4\0r6\0", with: "ENOSPC")
        dom0.ok(.setPerms, "/local/domain/5/n\0n5\0r1\0r2\0r3\0r4\0r6\0")
    }

    /// A relative path of `length` bytes made of short components (so that
    /// no node's child list reaches the node size quota).
    func longPath(_ length: Int) -> String {
        String(repeating: String(repeating: "p", count: 63) + "/", count: 31)
            + String(repeating: "q", count: length - 31 * 64)
    }

    @Test("path length beyond /local/domain/<id>/ is limited for guests (EINVAL)")
    func pathLength() {
        let (daemon, dom0) = daemonWithHomes([5])
        let dom5 = Client(daemon, domid: 5)
        #expect(longPath(2048).utf8.count == 2048)
        dom5.ok(.mkdir, longPath(2048) + "\0")
        dom5.fails(.mkdir, longPath(2049) + "\0", with: "EINVAL")
        dom0.ok(.mkdir, "/local/domain/5/" + longPath(2049) + "\0")
    }

    @Test("nodes one transaction touches")
    func transactionNodes() {
        var quota = XenstoreQuota()
        quota.transactionNodes = 3
        let (daemon, _) = daemonWithHomes([5], quota: quota)
        let dom5 = Client(daemon, domid: 5)
        for name in ["a", "b", "c", "d"] { dom5.write(name, "") }
        let tx = dom5.start()
        _ = dom5.read("a", tx: tx)
        _ = dom5.read("b", tx: tx)
        _ = dom5.read("c", tx: tx)
        dom5.fails(.read, "d\0", tx: tx, with: "ENOSPC")
        // The transaction cannot commit any more (xenstored answers ENOMEM).
        dom5.fails(.transactionEnd, "T\0", tx: tx, with: "ENOMEM")
    }

    @Test("queued events beyond the memory quota are dropped")
    func eventMemory() {
        var quota = XenstoreQuota()
        quota.memory = 2 * (16 + 7)   // two events of "/w/N\0t\0" with their headers
        let (daemon, dom0) = daemonWithHomes([5], quota: quota)
        let dom5 = Client(daemon, domid: 5)
        dom0.write("/w", "")
        dom0.ok(.setPerms, "/w\0n0\0r5\0")
        dom5.ok(.watch, "/w\0t\0")        // 21 bytes queued, then taken
        _ = dom5.events()
        for i in 1...3 { dom0.write("/w/\(i)", "") }
        #expect(dom5.events() == ["/w/1\0t\0", "/w/2\0t\0"])
    }
}
