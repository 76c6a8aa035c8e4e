import Foundation
import Testing
@testable import Toolstack

/// `vif = [ ... ]` entries (Xen: docs/man/xl-network-configuration.5.pod.in,
/// `parse_nic_config` in tools/xl/xl_parse.c, `libxl__device_nic_setdefault`
/// in tools/libs/light/libxl_nic.c).
@Suite struct NicSpecTests {
    private static let minimal = "name = 'web'\nkernel = '/boot/vmlinuz'\n"

    private func domain(_ text: String) throws -> DomainConfig {
        try DomainConfig(XLConfig(parsing: Self.minimal + text, source: "web.cfg"), workingDirectory: "/srv")
    }

    @Test("equivalent spellings of one vif", arguments: [
        "mac=00:16:3e:00:00:01, bridge=br0, vifname=xntap0",
        "mac=00:16:3E:00:00:01,bridge=br0,vifname=xntap0",
        "  vifname=xntap0 ,\tmac=0:16:3e:0:0:1, bridge=br0,type=vif",
        "mac=00-16-3e-00-00-01,bridge=br0,vifname=xntap0,trusted,script=vif-bridge",
        "mac=00:16:3e:00:00:01,bridge=br0,vifname=xntap0,script=/etc/xen/scripts/vif-bridge,backend=0",
    ])
    func oneVif(_ spec: String) throws {
        let nic = try #require(try domain("vif = [ '\(spec)' ]").nics.first)
        #expect(nic.devid == 0)
        #expect(nic.mac == MACAddress(bytes: [0x00, 0x16, 0x3e, 0, 0, 1]))
        #expect(nic.bridge == "br0" && nic.vifname == "xntap0" && nic.trusted)
        #expect(nic.tapName(domid: 1) == "xntap0")
    }

    @Test func defaultsAndDevids() throws {
        let config = try domain("vif = [ '', 'devid=5, untrusted', 'bridge=xenbr1' ]")
        #expect(config.nics.map(\.devid) == [6, 5, 7], "numbered after the largest given devid, as libxl")
        #expect(config.nics[0].mac == nil && config.nics[0].bridge == nil && config.nics[0].vifname == nil)
        #expect(config.nics[0].tapName(domid: 1) == "vif1.6")
        #expect(!config.nics[1].trusted)
        #expect(try domain("vif = [ '', '' ]").nics.map(\.devid) == [0, 1])
    }

    @Test func randomMACsUseXensOUI() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let mac = MACAddress.xenRandom(using: &rng)
            #expect(Array(mac.bytes[0..<3]) == [0x00, 0x16, 0x3e] && mac.bytes[3] < 0x80 && !mac.isMulticast)
        }
        let given = NicSpec(devid: 0, mac: MACAddress(bytes: [2, 0, 0, 0, 0, 9]))
        #expect(given.withMAC { MACAddress(bytes: [0, 0, 0, 0, 0, 0])! }.mac == given.mac, "a given MAC is kept")
        #expect(NicSpec(devid: 0).withMAC { MACAddress(bytes: [0, 0x16, 0x3e, 1, 2, 3])! }.mac?.description == "00:16:3e:01:02:03")
    }

    @Test func warningsForWhatNothingEnforces() throws {
        let config = try domain("vif = [ 'ip=10.0.0.2, model=e1000' ]")
        #expect(config.nics[0].ip == "10.0.0.2")
        #expect(config.warnings == ["vif 0: ip=10.0.0.2 is only recorded in xenstore; no hotplug script enforces it",
                                    "vif 0: model=e1000 ignored (it names an emulated NIC of HVM guests)"])
    }

    @Test func rendersBackToTheSameConfig() throws {
        let config = try domain("vif = [ 'mac=00:16:3e:0a:0b:0c, bridge=br0', 'vifname=t1, untrusted, ip=10.1.1.1' ]")
        let again = try DomainConfig(XLConfig(parsing: config.xlConfigText, source: "dry-run"), workingDirectory: "/")
        #expect(again.nics == config.nics)
        #expect(config.xlConfigText.contains(#"vif = [ "mac=00:16:3e:0a:0b:0c, bridge=br0, devid=0", "vifname=t1, ip=10.1.1.1, devid=1, untrusted" ]"#))
    }

    @Test("bad entries: one line naming the entry", arguments: [
        ("mac=00:16:3e:00:01", "vif 'mac=00:16:3e:00:01': mac '00:16:3e:00:01' is not six hex bytes separated by ':' (e.g. 00:16:3e:12:34:56)"),
        ("mac=00:16:3e:00:01:zz", "vif 'mac=00:16:3e:00:01:zz': mac '00:16:3e:00:01:zz' is not six hex bytes separated by ':' (e.g. 00:16:3e:12:34:56)"),
        ("mac=01:00:5e:00:00:01", "vif 'mac=01:00:5e:00:00:01': mac '01:00:5e:00:00:01' is a multicast address, which no NIC can have"),
        ("rate=10Mb/s", "vif 'rate=10Mb/s': 'rate=' is not supported yet"),
        ("mtu=9000", "vif 'mtu=9000': 'mtu=' is not supported yet"),
        ("vlan=10", "vif 'vlan=10': 'vlan=' is not supported yet"),
        ("gatewaydev=eth0", "vif 'gatewaydev=eth0': 'gatewaydev=' is not supported yet"),
        ("colo_sock_mirror_id=1", "vif 'colo_sock_mirror_id=1': 'colo_sock_mirror_id=' (COLO) is not supported"),
        ("script=vif-route", "vif 'script=vif-route': script 'vif-route' is not supported: Xenolith runs no hotplug scripts; it creates the TAP and adds it to bridge= itself, as vif-bridge would"),
        ("type=ioemu", "vif 'type=ioemu': type 'ioemu' is an emulated NIC of HVM guests; PV guests take 'vif'"),
        ("type=foo", "vif 'type=foo': type must be 'vif' or 'ioemu', not 'foo'"),
        ("backend=driverdom", "vif 'backend=driverdom': backend 'driverdom' is not supported (driver domains); the backend is domain 0"),
        ("vifname=this-name-is-too-long", "vif 'vifname=this-name-is-too-long': vifname 'this-name-is-too-long' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)"),
        ("bridge=a/b", "vif 'bridge=a/b': bridge 'a/b' is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)"),
        ("devid=-1", "vif 'devid=-1': devid must be a number from 0 to 2147483647, not '-1'"),
        ("mac=00:16:3e:00:00:01,mac=00:16:3e:00:00:02", "vif 'mac=00:16:3e:00:00:01,mac=00:16:3e:00:00:02': 'mac' is given more than once"),
        ("frob=1", "vif 'frob=1': unknown parameter 'frob='"),
        ("promiscuous", "vif 'promiscuous': unknown parameter 'promiscuous'"),
    ])
    func badEntry(spec: String, message: String) {
        do {
            _ = try domain("vif = [ '\(spec)' ]")
            Issue.record("accepted '\(spec)'")
        } catch {
            #expect("\(error)" == "web.cfg:3: " + message)
        }
    }

    @Test func clashesAreRefused() {
        #expect(throws: ConfigError.invalidNic(entry: "devid=0", problem: "devid 0 is used by another vif too",
                                               ConfigLocation(source: "web.cfg", line: 3))) {
            try domain("vif = [ 'devid=0', 'devid=0' ]")
        }
        #expect(throws: ConfigError.invalidNic(entry: "vifname=a", problem: "vifname 'a' is used by another vif too",
                                               ConfigLocation(source: "web.cfg", line: 3))) {
            try domain("vif = [ 'vifname=a', 'vifname=a' ]")
        }
        #expect(throws: ConfigError.wrongType(key: "vif", expected: .list, ConfigLocation(source: "web.cfg", line: 3))) {
            try domain("vif = 'mac=00:16:3e:00:00:01'")
        }
    }
}
