import Synchronization
import Testing
import XenABI
@testable import Xenstore

@Suite("watches")
struct WatchTests {
    @Test("a watch fires once on registration, then on changes of the node and below")
    func firesOnRegistrationAndChange() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.ok(.watch, "/a\0tok\0")
        #expect(dom0.events() == ["/a\0tok\0"])
        dom0.write("/a/b", "1")
        #expect(dom0.events() == ["/a/b\0tok\0"])
        dom0.write("/ab", "1")                 // not below /a
        dom0.ok(.mkdir, "/a/b\0")              // exists: no change, no event
        #expect(dom0.events() == [])
        dom0.ok(.setPerms, "/a/b\0n0\0r5\0")
        dom0.write("/a", "v")
        #expect(dom0.events() == ["/a/b\0tok\0", "/a\0tok\0"])
    }

    @Test("events travel as XS_WATCH_EVENT with req_id and tx_id 0")
    func eventMessage() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.ok(.watch, "/w\0t\0")
        #expect(dom0.daemon.takeEvents(for: dom0.id) == [XSMessage(type: .watchEvent, reqID: 0, txID: 0, payload: b("/w\0t\0"))])
    }

    @Test("rm fires for the removed node on its and its ancestors' watches, and for each child on exact watches")
    func removal() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.write("/a/b/c", "1")
        dom0.ok(.watch, "/a\0top\0")
        dom0.ok(.watch, "/a/b/c\0leaf\0")
        dom0.ok(.watch, "/a/b/c/d\0below\0")
        _ = dom0.events()
        dom0.ok(.rm, "/a/b\0")
        // Post-order: /a/b/c (exact: only "leaf"), then /a/b (subtree: "top").
        #expect(dom0.events() == ["/a/b/c\0leaf\0", "/a/b\0top\0"])
    }

    @Test("relative watch paths give relative event paths")
    func relativePaths() {
        let (daemon, dom0) = daemonWithHomes([5])
        let dom5 = Client(daemon, domid: 5)
        dom5.ok(.watch, "data\0rel\0")
        dom5.ok(.watch, "/local/domain/5/data\0abs\0")
        #expect(dom5.events() == ["data\0rel\0", "/local/domain/5/data\0abs\0"])
        dom0.write("/local/domain/5/data/x", "1")
        #expect(dom5.events() == ["data/x\0rel\0", "/local/domain/5/data/x\0abs\0"])
        dom5.ok(.unwatch, "data\0rel\0")
        dom5.write("data/y", "2")
        #expect(dom5.events() == ["/local/domain/5/data/y\0abs\0"])
    }

    @Test("events go only to connections that may read the node or its parent")
    func permissionFiltering() {
        let (daemon, dom0) = daemonWithHomes([5, 6])
        let dom5 = Client(daemon, domid: 5)
        let dom6 = Client(daemon, domid: 6)
        dom6.ok(.watch, "/\0all\0")        // registration fires regardless of permissions
        dom6.ok(.watch, "/secret\0s\0")
        #expect(dom6.events() == ["/\0all\0", "/secret\0s\0"])
        dom0.write("/secret", "x")
        dom5.write("mine", "x")
        #expect(dom6.events() == [])
        dom5.write("shared/x", "1")
        dom5.ok(.setPerms, "shared\0n5\0r6\0")   // dom6 may read the parent now
        _ = dom6.events()
        dom5.write("shared/x", "2")
        #expect(dom6.events() == ["/local/domain/5/shared/x\0all\0"])
    }

    @Test("a watcher losing read access still gets the set_perms event")
    func oldPermissions() {
        let (daemon, _) = daemonWithHomes([5, 6])
        let dom5 = Client(daemon, domid: 5)
        let dom6 = Client(daemon, domid: 6)
        dom5.write("n", "1")
        dom5.ok(.setPerms, "n\0n5\0r6\0")
        dom6.ok(.watch, "/local/domain/5/n\0t\0")
        _ = dom6.events()
        dom5.ok(.setPerms, "n\0n5\0")
        #expect(dom6.events() == ["/local/domain/5/n\0t\0"])
        dom5.write("n", "2")
        #expect(dom6.events() == [])
    }

    @Test("an identical event still queued is not queued twice")
    func duplicates() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.ok(.watch, "/a\0t\0")
        dom0.write("/a", "1")        // same as the registration event, still queued
        dom0.write("/a", "2")
        dom0.write("/a/b", "3")
        #expect(dom0.events() == ["/a\0t\0", "/a/b\0t\0"])
    }

    @Test("duplicate watch is EEXIST, unknown unwatch ENOENT, malformed EINVAL")
    func watchErrors() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.ok(.watch, "/a\0t\0")
        dom0.fails(.watch, "/a\0t\0", with: "EEXIST")
        dom0.ok(.watch, "/a\0other\0")
        dom0.fails(.watch, "/a\0", with: "EINVAL")
        dom0.fails(.watch, "/a b\0t\0", with: "EINVAL")
        dom0.fails(.unwatch, "/a\0nope\0", with: "ENOENT")
        dom0.fails(.unwatch, "/a\0t\0x\0", with: "EINVAL")
        dom0.ok(.unwatch, "/a\0t\0")
        dom0.fails(.unwatch, "/a\0t\0", with: "ENOENT")
        // The tx_id of WATCH is ignored, even an unknown one.
        dom0.ok(.watch, "/b\0t\0", tx: 77)
    }

    @Test("a depth limits the levels that match")
    func depth() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.ok(.watch, "/a\0d1\01\0")
        dom0.ok(.watch, "/a\0d0\00\0")
        _ = dom0.events()
        dom0.write("/a/b", "1")
        dom0.write("/a/b/c", "1")
        dom0.write("/a", "1")
        #expect(dom0.events() == ["/a/b\0d1\0", "/a\0d1\0", "/a\0d0\0"])
        dom0.fails(.watch, "/a\0neg\0-1\0", with: "EINVAL")
    }

    @Test("reset_watches drops every watch and transaction of the caller")
    func resetWatches() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.ok(.watch, "/a\0t\0")
        let tx = dom0.start()
        dom0.ok(.resetWatches, "\0")
        _ = dom0.events()
        dom0.write("/a", "1")
        #expect(dom0.events() == [])
        dom0.fails(.read, "/tool\0", tx: tx, with: "ENOENT")
    }

    @Test("special watches: @introduceDomain for dom0, @releaseDomain for everyone (DOMID_ANY)")
    func specialWatches() {
        let (daemon, dom0) = daemonWithHomes([5])
        let dom5 = Client(daemon, domid: 5)
        dom0.ok(.watch, "@introduceDomain\0in\0")
        dom0.ok(.watch, "@releaseDomain\0out\0")
        dom0.ok(.watch, "@releaseDomain\0one\01\0")
        dom0.ok(.watch, "@releaseDomain/7\0only7\0")
        dom5.ok(.watch, "@introduceDomain\0in5\0")
        dom5.ok(.watch, "@releaseDomain\0out5\0")
        _ = dom5.events()
        dom0.ok(.introduce, "7\0" + "4096\0" + "3\0")
        // Special events are not de-duplicated against the queued first one.
        #expect(dom0.events() == ["@introduceDomain\0in\0", "@releaseDomain\0out\0", "@releaseDomain\0one\0",
                                  "@releaseDomain/7\0only7\0", "@introduceDomain\0in\0"])
        dom0.ok(.release, "7\0")
        #expect(dom0.events() == ["@releaseDomain\0out\0", "@releaseDomain/7\0one\0", "@releaseDomain/7\0only7\0"])
        #expect(dom5.events() == ["@releaseDomain\0out5\0"])
    }

    @Test("onEvent runs once per batch, outside the lock")
    func onEventCallback() {
        let daemon = XenstoreDaemon()
        let calls = Mutex(0)
        let watcher = daemon.connect(domid: DomID(rawValue: 0)) {
            calls.withLock { $0 += 1 }
            _ = daemon.hasEvents(for: ConnectionID(rawValue: 1))  // would deadlock inside the lock
        }
        let writer = Client(daemon, domid: 0)
        _ = daemon.handle(XSMessage(type: .watch, strings: ["/a", "t"]), from: watcher)
        #expect(calls.withLock { $0 } == 1)
        writer.write("/a", "1")                   // same as the queued first event: dropped
        writer.write("/a/b", "1")
        #expect(calls.withLock { $0 } == 1)       // the queue was not empty: no new kick
        #expect(daemon.takeEvents(for: watcher).count == 2)
        writer.write("/a/c", "1")
        #expect(calls.withLock { $0 } == 2)
    }

    @Test("an observer of a path is kicked when a watch on exactly it comes or goes, and can ask who watches it")
    func watchObservers() {
        let (daemon, _) = daemonWithHomes([5])
        let kicks = Mutex(0)
        let backend = daemon.connect(domid: DomID(rawValue: 0)) { kicks.withLock { $0 += 1 } }
        let path = "/local/domain/0/backend/vbd/5/51712/state"
        daemon.notifyWatchChanges(on: path, to: backend)
        daemon.notifyWatchChanges(on: path, to: backend)        // once is enough
        let dom5 = Client(daemon, domid: 5)
        #expect(!daemon.isWatched(path, by: DomID(rawValue: 5)))
        dom5.ok(.watch, "\(path)\0otherend\0")
        #expect(kicks.withLock { $0 } == 1)
        #expect(daemon.isWatched(path, by: DomID(rawValue: 5)))
        #expect(!daemon.isWatched(path, by: DomID(rawValue: 0)))
        #expect(daemon.takeEvents(for: backend).isEmpty, "a kick, not an event")
        dom5.ok(.watch, "/local/domain/0/backend\0above\0")   // another path: no kick
        #expect(kicks.withLock { $0 } == 1)
        dom5.ok(.unwatch, "\(path)\0otherend\0")
        #expect(kicks.withLock { $0 } == 2)
        #expect(!daemon.isWatched(path, by: DomID(rawValue: 5)))
        dom5.ok(.watch, "\(path)\0again\0")
        dom5.ok(.resetWatches, "")
        #expect(kicks.withLock { $0 } == 4)
        #expect(!daemon.isWatched(path, by: DomID(rawValue: 5)))
        dom5.ok(.watch, "\(path)\0last\0")
        daemon.disconnect(dom5.id)
        #expect(kicks.withLock { $0 } == 6)
        daemon.disconnect(backend)                              // observers go with their connection
        let dom5b = Client(daemon, domid: 5)
        dom5b.ok(.watch, "\(path)\0after\0")
        #expect(kicks.withLock { $0 } == 6)
    }
}
