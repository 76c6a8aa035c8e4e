import Testing
import XenABI
@testable import Xenstore

@Suite("store operations")
struct OperationTests {
    @Test("the initial tree is xenstored's setup_structure")
    func initialTree() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        #expect(dom0.send(.directory, "/\0").payload == b("tool\0"))
        #expect(dom0.send(.directory, "/tool\0").payload == b("xenstored\0"))
        #expect(dom0.send(.getPerms, "/\0").payload == b("n0\0"))
        #expect(dom0.send(.getPerms, "@releaseDomain\0").payload == b("n0\0r32757\0"))  // DOMID_ANY
        #expect(dom0.send(.getPerms, "@introduceDomain\0").payload == b("n0\0"))
    }

    @Test("write creates parents; read, directory, mkdir")
    func writeReadDirectory() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.write("/a/b/c", "hello")
        #expect(dom0.read("/a/b/c") == b("hello"))
        #expect(dom0.read("/a/b") == [])
        #expect(dom0.send(.directory, "/a\0").payload == b("b\0"))
        let empty = dom0.send(.directory, "/a/b/c\0")
        #expect(empty.type == .directory && empty.payload.isEmpty)
        // Values are bytes; NULs after the path's are part of the value.
        dom0.write("/bin", "x\0y")
        #expect(dom0.read("/bin") == [0x78, 0x00, 0x79])
        // MKDIR leaves an existing node alone.
        dom0.write("/a", "keep")
        dom0.ok(.mkdir, "/a\0")
        #expect(dom0.read("/a") == b("keep"))
        dom0.ok(.mkdir, "/m/n\0")
        #expect(dom0.read("/m/n") == [])
        // Children are listed in creation order.
        #expect(dom0.send(.directory, "/\0").payload == b("tool\0a\0bin\0m\0"))
    }

    @Test("rm removes a subtree; missing node with existing parent is fine; / is refused")
    func remove() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.write("/a/b/c", "1")
        dom0.write("/a/d", "2")
        dom0.ok(.rm, "/a\0")
        dom0.fails(.read, "/a/b/c\0", with: "ENOENT")
        dom0.fails(.read, "/a\0", with: "ENOENT")
        #expect(dom0.send(.directory, "/\0").payload == b("tool\0"))
        #expect(dom0.daemon.node(at: "/a/d") == nil)
        dom0.ok(.rm, "/a\0")
        dom0.fails(.rm, "/nope/x\0", with: "ENOENT")
        dom0.fails(.rm, "/\0", with: "EINVAL")
    }

    @Test("malformed paths and payloads are EINVAL", arguments: [
        "/a b\0", "/a/\0", "/a//b\0", "\0", "/a\0b\0", "/a", "@introduceDomain\0", "/a\u{e9}\0",
        "/" + String(repeating: "x", count: 3072) + "\0",
    ])
    func invalidPaths(_ payload: String) {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.fails(.read, payload, with: "EINVAL")
    }

    @Test("a path of exactly XENSTORE_ABS_PATH_MAX is accepted")
    func longestPath() {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let path = "/" + String(repeating: "x", count: 3071)
        dom0.write(path, "v")
        #expect(dom0.read(path) == b("v"))
    }

    @Test("write without a NUL after the path is EINVAL")
    func writeWithoutPath() {
        Client(XenstoreDaemon(), domid: 0).fails(.write, "/a", with: "EINVAL")
    }

    @Test("unserved types are ENOSYS, for everyone", arguments: [UInt32(0), 15, 16, 20, 25, 26, 27, 99, 0xFFFF])
    func unknownTypes(_ type: UInt32) {
        let (daemon, dom0) = daemonWithHomes([5])
        dom0.fails(XSType(rawValue: type), "x\0", with: "ENOSYS")
        Client(daemon, domid: 5).fails(XSType(rawValue: type), "x\0", with: "ENOSYS")
    }

    @Test("privileged types from a guest are EACCES", arguments: [
        XSType.introduce, .release, .isDomainIntroduced, .resume, .setTarget, .setFeature,
    ])
    func privilegedOnly(_ type: XSType) {
        let (daemon, _) = daemonWithHomes([5])
        Client(daemon, domid: 5).fails(type, "5\0", with: "EACCES")
    }

    @Test("an unknown transaction id is ENOENT")
    func unknownTransaction() {
        Client(XenstoreDaemon(), domid: 0).fails(.read, "/tool\0", tx: 42, with: "ENOENT")
    }

    @Test("a guest cannot see dom0's nodes and gets EACCES, not ENOENT, above its reach")
    func privateNodes() {
        let (daemon, dom0) = daemonWithHomes([5, 6])
        let dom5 = Client(daemon, domid: 5)
        dom0.write("/secret", "s")
        dom5.fails(.read, "/secret\0", with: "EACCES")
        dom5.fails(.read, "/nothing\0", with: "EACCES")      // the root grants dom5 nothing
        dom5.fails(.directory, "/local/domain\0", with: "EACCES")
        dom5.fails(.getPerms, "/secret\0", with: "EACCES")
        dom5.fails(.write, "/secret\0x", with: "EACCES")
        dom5.fails(.mkdir, "/local/x\0", with: "EACCES")
        dom5.fails(.rm, "/secret\0", with: "EACCES")
        dom5.fails(.rm, "/local/domain/6\0", with: "EACCES")
        dom5.fails(.write, "/local/domain/6/x\0y", with: "EACCES")
        dom5.fails(.read, "/local/domain/5/nothing\0", with: "ENOENT")  // its own home
        dom5.fails(.read, "nothing\0", with: "ENOENT")
    }

    @Test("a guest writes its home; new nodes inherit the parent's permissions and owner")
    func ownHome() {
        let (daemon, dom0) = daemonWithHomes([5, 6])
        let dom5 = Client(daemon, domid: 5)
        let dom6 = Client(daemon, domid: 6)
        dom5.write("data/x", "1")
        #expect(dom0.read("/local/domain/5/data/x") == b("1"))
        #expect(dom5.read("/local/domain/5/data/x") == b("1"))
        #expect(dom5.send(.getPerms, "data/x\0").payload == b("n5\0"))
        #expect(dom5.send(.directory, "data\0").payload == b("x\0"))
        dom0.write("/local/domain/5/fromdom0", "")
        #expect(dom5.send(.getPerms, "fromdom0\0").payload == b("n5\0"))
        dom6.fails(.read, "/local/domain/5/data/x\0", with: "EACCES")
        dom6.fails(.read, "/local/domain/5/none\0", with: "EACCES")
        dom5.ok(.rm, "data\0")
        dom5.fails(.read, "data/x\0", with: "ENOENT")
        #expect(daemon.nodeCount(ownedBy: DomID(rawValue: 5)) == 2)  // home and fromdom0
    }

    @Test("ENOENT when the nearest existing parent is readable, EACCES for a readable parent's private child")
    func enoentVersusEacces() {
        let (daemon, _) = daemonWithHomes([5, 6])
        let dom5 = Client(daemon, domid: 5)
        let dom6 = Client(daemon, domid: 6)
        dom5.write("pub/priv", "p")
        dom5.ok(.setPerms, "pub\0r5\0")        // everyone may read pub
        dom5.ok(.setPerms, "pub/priv\0n5\0")   // nobody else may read priv
        #expect(dom6.read("/local/domain/5/pub") == [])
        dom6.fails(.read, "/local/domain/5/pub/priv\0", with: "EACCES")
        dom6.fails(.read, "/local/domain/5/pub/none\0", with: "ENOENT")
        dom6.fails(.read, "/local/domain/5/pub/none/deeper\0", with: "ENOENT")
        // Creating needs write permission on the nearest parent.
        dom6.fails(.write, "/local/domain/5/pub/new\0x", with: "EACCES")
    }

    @Test("set_perms: owner only, owner change only by dom0")
    func setPerms() {
        let (daemon, dom0) = daemonWithHomes([5, 6])
        let dom5 = Client(daemon, domid: 5)
        let dom6 = Client(daemon, domid: 6)
        dom5.write("data/x", "1")
        dom5.ok(.setPerms, "data/x\0n5\0r6\0")
        #expect(dom6.read("/local/domain/5/data/x") == b("1"))
        #expect(dom6.send(.getPerms, "/local/domain/5/data/x\0").payload == b("n5\0r6\0"))
        dom6.fails(.write, "/local/domain/5/data/x\0y", with: "EACCES")
        dom6.fails(.setPerms, "/local/domain/5/data/x\0n5\0b6\0", with: "EACCES")
        dom5.fails(.setPerms, "data/x\0n6\0", with: "EPERM")
        dom5.fails(.setPerms, "/local/domain/6\0n5\0", with: "EACCES")
        dom5.fails(.setPerms, "data/x\0x5\0", with: "EINVAL")
        dom5.fails(.setPerms, "data/x\0", with: "EINVAL")
        dom5.fails(.setPerms, "data/nope\0n5\0", with: "ENOENT")
        dom5.ok(.setPerms, "data/x\0b5\0w6\0")
        dom6.ok(.write, "/local/domain/5/data/x\0by6")
        #expect(dom5.read("data/x") == b("by6"))
        // dom0 may hand the node to another domain; the node count follows.
        dom0.ok(.setPerms, "/local/domain/5/data/x\0b7\0")
        #expect(daemon.nodeCount(ownedBy: DomID(rawValue: 7)) == 1)
        // Special nodes carry permissions too.
        dom0.ok(.setPerms, "@introduceDomain\0n0\0r5\0")
        #expect(dom5.send(.getPerms, "@introduceDomain\0").payload == b("n0\0r5\0"))
    }

    @Test("DIRECTORY_PART returns the generation and the list from an offset")
    func directoryPart() throws {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        dom0.ok(.mkdir, "/p/a\0")
        dom0.ok(.mkdir, "/p/bb\0")
        let gen = try #require(dom0.daemon.node(at: "/p")).generation
        #expect(dom0.send(.directoryPart, "/p\00\0").payload == b("\(gen)\0a\0bb\0\0"))
        #expect(dom0.send(.directoryPart, "/p\02\0").payload == b("\(gen)\0bb\0\0"))
        #expect(dom0.send(.directoryPart, "/p\099\0").payload == b("\(gen)\0\0"))
        dom0.fails(.directoryPart, "/p\0", with: "EINVAL")
    }

    @Test("a reply over XENSTORE_PAYLOAD_MAX is E2BIG; DIRECTORY_PART pages it")
    func bigDirectory() throws {
        let dom0 = Client(XenstoreDaemon(), domid: 0)
        let names = (0..<100).map { i in "n" + String(repeating: "0", count: 39 - String(i).count) + String(i) }
        for name in names { dom0.ok(.mkdir, "/big/\(name)\0") }
        dom0.fails(.directory, "/big\0", with: "E2BIG")
        let gen = try #require(dom0.daemon.node(at: "/big")).generation
        // 99 names of 41 bytes fit below 4096 - "<gen>\0" - 1.
        let firstPart = names[0..<99].map { $0 + "\0" }.joined()
        #expect(dom0.send(.directoryPart, "/big\00\0").payload == b("\(gen)\0" + firstPart))
        #expect(dom0.send(.directoryPart, "/big\0\(99 * 41)\0").payload == b("\(gen)\0\(names[99])\0\0"))
    }
}
