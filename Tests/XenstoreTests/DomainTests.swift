import Synchronization
import Testing
import XenABI
@testable import Xenstore

@Suite("domain management")
struct DomainTests {
    @Test("introduce, is_domain_introduced, get_domain_path, hooks")
    func introduce() {
        let introduced = Mutex<[String]>([])
        let hooks = XenstoreHooks(introduced: { domid, mfn, port in
            introduced.withLock { $0.append("\(domid.rawValue)/\(mfn)/\(port.rawValue)") }
        })
        let (daemon, dom0) = daemonWithHomes([], hooks: hooks)
        #expect(dom0.send(.isDomainIntroduced, "7\0").payload == b("F\0"))
        #expect(dom0.send(.isDomainIntroduced, "0\0").payload == b("T\0"))
        #expect(dom0.send(.isDomainIntroduced, "32752\0").payload == b("T\0"))   // DOMID_SELF
        dom0.ok(.introduce, "7\0" + "1234\0" + "5\0")
        #expect(dom0.send(.isDomainIntroduced, "7\0").payload == b("T\0"))
        #expect(daemon.isIntroduced(DomID(rawValue: 7)))
        dom0.ok(.introduce, "7\0" + "1234\0" + "6\0")   // again: new event channel
        #expect(introduced.withLock { $0 } == ["7/1234/5", "7/1234/6"])
        dom0.fails(.introduce, "8\0" + "1\0" + "0\0", with: "EINVAL")
        dom0.fails(.introduce, "8\0" + "1\0", with: "EINVAL")
        dom0.fails(.introduce, "x\0" + "1\0" + "2\0", with: "EINVAL")
        dom0.fails(.isDomainIntroduced, "70000\0", with: "EINVAL")
        let reply = Client(daemon, domid: 7).send(.getDomainPath, "7\0")
        #expect(reply.type == .getDomainPath && reply.payload == b("/local/domain/7\0"))
        dom0.fails(.getDomainPath, "abc\0", with: "EINVAL")
    }

    @Test("introduction resets the domain's connections")
    func introduceResets() {
        let (daemon, dom0) = daemonWithHomes([7])
        let dom7 = Client(daemon, domid: 7)
        dom7.ok(.watch, "x\0t\0")
        let tx = dom7.start()
        dom0.ok(.introduce, "7\0" + "1\0" + "2\0")
        #expect(dom7.events() == [])
        dom7.fails(.read, "x\0", tx: tx, with: "ENOENT")
        dom0.write("/local/domain/7/x", "1")
        #expect(dom7.events() == [])
    }

    @Test("release drops the domain's connection, watches, transactions and nodes, then fires @releaseDomain")
    func release() {
        let released = Mutex<[UInt16]>([])
        let (daemon, dom0) = daemonWithHomes([7, 8], hooks: XenstoreHooks(released: { domid in
            released.withLock { $0.append(domid.rawValue) }
        }))
        dom0.ok(.introduce, "7\0" + "1\0" + "2\0")
        let dom7 = Client(daemon, domid: 7)
        let dom8 = Client(daemon, domid: 8)
        dom7.write("data", "1")
        dom7.ok(.watch, "data\0t\0")
        _ = dom7.start()
        dom8.write("shared", "1")
        dom8.ok(.setPerms, "shared\0n8\0r7\0")
        dom0.ok(.watch, "/local/domain/7\0home\0")
        dom0.ok(.watch, "@releaseDomain\0rel\0")
        _ = dom0.events()

        dom0.ok(.release, "7\0")
        #expect(!daemon.isConnected(dom7.id))
        #expect(daemon.handle(XSMessage(type: .read, strings: ["data"]), from: dom7.id) == nil)
        #expect(!daemon.isIntroduced(DomID(rawValue: 7)))
        #expect(released.withLock { $0 } == [7])
        // The home (owned by 7) is deleted, children first, then the event.
        #expect(dom0.events() == ["/local/domain/7\0home\0", "@releaseDomain\0rel\0"])
        dom0.fails(.read, "/local/domain/7\0", with: "ENOENT")
        #expect(daemon.nodeCount(ownedBy: DomID(rawValue: 7)) == 0)
        #expect(dom8.send(.getPerms, "shared\0").payload == b("n8\0"))
        dom0.fails(.release, "7\0", with: "ENOENT")
        dom0.fails(.release, "0\0", with: "EINVAL")
        dom0.fails(.release, "7\0junk\0", with: "EINVAL")
    }

    @Test("set_target lets a device model act with its target's permissions")
    func setTarget() {
        let (daemon, dom0) = daemonWithHomes([5, 9])
        dom0.ok(.introduce, "5\0" + "1\0" + "2\0")
        dom0.ok(.introduce, "9\0" + "1\0" + "3\0")
        let dm = Client(daemon, domid: 9)
        dm.fails(.read, "/local/domain/5\0", with: "EACCES")
        dom0.ok(.setTarget, "9\0" + "5\0")
        #expect(dm.read("/local/domain/5") == [])
        dm.write("/local/domain/5/by-dm", "1")
        dom0.fails(.setTarget, "9\0" + "6\0", with: "ENOENT")
    }

    @Test("resume needs an introduced domain; features can be read and set before introduction")
    func resumeAndFeatures() {
        let (daemon, dom0) = daemonWithHomes([5])
        dom0.fails(.resume, "5\0", with: "ENOENT")
        dom0.ok(.introduce, "5\0" + "1\0" + "2\0")
        dom0.ok(.resume, "5\0")
        #expect(Client(daemon, domid: 5).send(.getFeature, "").payload == b("15\0"))
        Client(daemon, domid: 5).fails(.getFeature, "5\0", with: "EACCES")
        dom0.fails(.setFeature, "5\0" + "1\0", with: "EBUSY")
        dom0.fails(.setFeature, "6\0" + "16\0", with: "EINVAL")
        dom0.ok(.setFeature, "6\0" + "3\0")
        #expect(dom0.send(.getFeature, "6\0").payload == b("3\0"))
        #expect(daemon.features(for: DomID(rawValue: 6)) == [.reconnection, .error])
    }
}
