import Foundation
import Testing
@testable import Toolstack

/// `disk = [ ... ]` entries (Xen: docs/man/xl-disk-configuration.5.pod.in,
/// tools/libs/util/libxlu_disk_l.l) and vdev numbers (docs/misc/vbd-interface.txt).
@Suite struct DiskSpecTests {
    private static let minimal = "name = 'web'\nkernel = '/boot/vmlinuz'\n"

    private func domain(_ text: String) throws -> DomainConfig {
        try DomainConfig(XLConfig(parsing: Self.minimal + text, source: "web.cfg"), workingDirectory: "/srv")
    }

    @Test("equivalent spellings of one disk", arguments: [
        "/img/a.img,raw,xvda,rw",
        "/img/a.img,,xvda",
        "/img/a.img,raw,xvda",
        "/img/a.img,,xvda,w",
        "format=raw, vdev=xvda, access=rw, target=/img/a.img",
        "vdev=xvda,target=/img/a.img",
        "/img/a.img,raw,vdev=xvda,rw",
        "  /img/a.img, raw,\txvda, rw",
        "devtype=disk,backendtype=phy,/img/a.img,raw,xvda,rw",
        "/img/a.img,raw,xvda,rw,discard,trusted",
    ])
    func readWriteDisk(_ spec: String) throws {
        let config = try domain("disk = [ '\(spec)' ]")
        #expect(config.disks == [DiskSpec(target: ConfigPath("/img/a.img", workingDirectory: "/"), vdev: "xvda",
                                          devid: 51712, access: .readWrite)])
    }

    @Test("read-only access", arguments: ["/img/b.img,raw,xvdb,r", "/img/b.img,,xvdb,ro",
                                         "format=raw, vdev=xvdb, access=ro, target=/img/b.img"])
    func readOnlyDisk(_ spec: String) throws {
        let disk = try #require(try domain("disk = [ '\(spec)' ]").disks.first)
        #expect(disk.readOnly)
        #expect(disk.devid == 51728)
    }

    @Test func targetTakesTheRestAndRelativePathsResolve() throws {
        let config = try domain("disk = [ 'vdev=xvdc, target=images/a,b.img ', 'disk.img,,xvdd,,no-discard' ]")
        #expect(config.disks.map(\.target.resolved) == ["/srv/images/a,b.img ", "/srv/disk.img"])
        #expect(config.disks.map(\.discard) == [true, false])
    }

    @Test("vdev to Xen device number", arguments: [
        ("xvda", 202 << 8), ("xvdb", 202 << 8 | 16), ("xvda1", 202 << 8 | 1), ("xvdp15", 202 << 8 | 15 << 4 | 15),
        ("xvdq", 1 << 28 | 16 << 8), ("xvda16", 1 << 28 | 16), ("xvdaa", 1 << 28 | 26 << 8),
        ("xvdaa3", 1 << 28 | 26 << 8 | 3), ("sda", 8 << 8), ("sdb2", 8 << 8 | 16 | 2), ("sdq", 1 << 28 | 16 << 8),
    ] as [(String, UInt32)])
    func deviceNumbers(vdev: String, devid: UInt32) throws {
        #expect(try DiskSpec.deviceNumber(vdev) == devid)
    }

    @Test("bad entries: one line naming the entry", arguments: [
        ("/i.img,qcow2,xvda", "disk '/i.img,qcow2,xvda': format 'qcow2' is not supported yet (supported: 'raw')"),
        ("/i.img,vmdk,xvda", "disk '/i.img,vmdk,xvda': format must be one of raw, qcow, qcow2, vhd, qed, not 'vmdk'"),
        ("/i.img,raw,xvda,rx", "disk '/i.img,raw,xvda,rx': access must be one of ro, r, rw, w, not 'rx'"),
        ("/i.img,raw", "disk '/i.img,raw': vdev is required"),
        ("format=raw,vdev=xvda", "disk 'format=raw,vdev=xvda': target is required (empty cdrom drives are not supported)"),
        ("/i.img,raw,hda", "disk '/i.img,raw,hda': vdev 'hda': hd names are for emulated IDE disks of HVM guests; use xvd names"),
        ("/i.img,raw,vda", "disk '/i.img,raw,vda': vdev 'vda' is not a xvd or sd name (e.g. xvda, xvdb1)"),
        ("/i.img,raw,xvd1", "disk '/i.img,raw,xvd1': vdev 'xvd1' is not a valid disk name (e.g. xvda, xvdb1)"),
        ("/i.img,raw,xvda,rw,cdrom", "disk '/i.img,raw,xvda,rw,cdrom': devtype 'cdrom' is not supported yet (supported: 'disk')"),
        ("/i.img,raw,xvda,backendtype=qdisk", "disk '/i.img,raw,xvda,backendtype=qdisk': backendtype 'qdisk' is not supported yet (supported: 'phy')"),
        ("/i.img,raw,xvda,rw,extra", "disk '/i.img,raw,xvda,rw,extra': too many positional parameters at 'extra'"),
        ("vdev=xvda,vdev=xvdb,target=/i", "disk 'vdev=xvda,vdev=xvdb,target=/i': 'vdev' is given more than once"),
        ("frob=1,/i.img,raw,xvda", "disk 'frob=1,/i.img,raw,xvda': unknown parameter 'frob='"),
        ("phy:/dev/sdb,xvda,w", "disk 'phy:/dev/sdb,xvda,w': the deprecated 'prefix:target' syntax is not supported; write target=PATH"),
    ])
    func badEntry(spec: String, message: String) {
        #expect(throws: ConfigError.self) { try domain("disk = [ '\(spec)' ]") }
        do {
            _ = try domain("disk = [ '\(spec)' ]")
        } catch {
            #expect("\(error)" == "web.cfg:3: " + message)
        }
    }

    @Test func sameDeviceTwiceIsRefused() {
        do {
            _ = try domain("disk = [ '/a.img,,xvda', 'vdev=xvda,target=/b.img' ]")
            Issue.record("accepted two disks at xvda")
        } catch {
            #expect("\(error)" == "web.cfg:3: disk 'vdev=xvda,target=/b.img': vdev 'xvda' is the same device as 'xvda'")
        }
    }

    @Test func diskMustBeAList() {
        #expect(throws: ConfigError.wrongType(key: "disk", expected: .list, ConfigLocation(source: "web.cfg", line: 3))) {
            try domain("disk = '/a.img,,xvda'")
        }
    }

    @Test func dryRunPrintsDisksThatParseBack() throws {
        let config = try domain("disk = [ '/a.img,,xvda', '/b.img,raw,xvdb,r,no-discard' ]")
        let again = try DomainConfig(XLConfig(parsing: config.xlConfigText, source: "again.cfg"), workingDirectory: "/")
        #expect(again.disks == config.disks)
        #expect(config.xlConfigText.contains(
            "disk = [ \"format=raw, vdev=xvda, access=rw, target=/a.img\", \"format=raw, vdev=xvdb, access=ro, no-discard, target=/b.img\" ]"))
    }
}
