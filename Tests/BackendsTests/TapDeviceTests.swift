// The TAP device for real, inside a network namespace the test makes and
// deletes (nothing else on the machine is touched): it is created with its
// queues, up, bridged, carries frames both ways with their virtio header
// (an ARP request written as the guest would is answered by the kernel),
// and takes the offloads. Needs root and /dev/net/tun; skipped otherwise.
import Foundation
import Glibc
import Testing
import XenolithTestSupport
@testable import Backends

@Suite(.enabled(if: NetworkNamespace.available, "needs root, /dev/net/tun and ip(8)"), .serialized)
struct TapDeviceTests {
    @Test func tapCarriesFramesBothWays() throws {
        let ns = try NetworkNamespace()
        defer { ns.delete() }
        try ns.ip(["link", "add", "xnbr0", "type", "bridge"])
        let reply: [UInt8] = try ns.run {
            let tap = try TapDevice(name: "xntap9", bridge: "xnbr0", maxQueues: 2)
            #expect(tap.name == "xntap9" && tap.maxQueues == 2)
            let queues = try tap.openQueues(2)
            #expect(queues.count == 2 && queues[0].descriptor != queues[1].descriptor)
            try tap.setOffloads([.csum, .tso4, .tso6])
            tap.closeQueues(from: 1)
            // The bridge's port cannot take an address; answer ARP on a
            // second TAP that is not bridged.
            let plain = try TapDevice(name: "xntap8", bridge: nil, maxQueues: 1)
            try ns.ip(["addr", "add", "10.99.0.1/24", "dev", "xntap8"])
            let q = try plain.openQueues(1)[0]
            // An ARP request from 00:16:3e:00:00:02 (10.99.0.2) for 10.99.0.1.
            var frame: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x16, 0x3e, 0, 0, 2, 0x08, 0x06]
            frame += [0, 1, 0x08, 0x00, 6, 4, 0, 1, 0x00, 0x16, 0x3e, 0, 0, 2, 10, 99, 0, 2, 0, 0, 0, 0, 0, 0, 10, 99, 0, 1]
            let out = VirtioNetHdr().encoded() + frame
            let sent = try out.withUnsafeBytes { b -> Int in
                var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)
                return try q.send(&iov, count: 1)
            }
            #expect(sent == out.count)
            var buffer = [UInt8](repeating: 0, count: 70_000)
            for _ in 0..<200 {
                if let n = try q.receive(into: &buffer), n >= 24, buffer[22] == 0x08, buffer[23] == 0x06,
                   buffer[10 + 21] == 2 {
                    return Array(buffer[0..<n])
                }
                usleep(10_000)
            }
            throw NetworkNamespace.Failure("no ARP reply from the kernel")
        }
        #expect(reply[10..<16] == [0x00, 0x16, 0x3e, 0, 0, 2], "addressed to the guest's MAC")
        #expect(reply[16..<22] == [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff][...], "from netback's backend MAC")
    }

    @Test func existingTapWithoutMultiQueueIsUsedWithOneQueue() throws {
        let ns = try NetworkNamespace()
        defer { ns.delete() }
        try ns.ip(["tuntap", "add", "xntap7", "mode", "tap", "vnet_hdr"])
        let (name, max) = try ns.run {
            let tap = try TapDevice(name: "xntap7", bridge: nil, maxQueues: 4)
            return (tap.name, tap.maxQueues)
        }
        #expect(name == "xntap7" && max == 1)
        let link = try ns.ip(["link", "show", "xntap7"])
        #expect(link.contains("fe:ff:ff:ff:ff:ff") && link.contains("UP"), "\(link)")
    }

    @Test func errorsNameTheDeviceAndTheFix() throws {
        let ns = try NetworkNamespace()
        defer { ns.delete() }
        let e = try ns.run { () -> String in
            do {
                _ = try TapDevice(name: "xntap6", bridge: "nosuchbr0", maxQueues: 1)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(e.hasPrefix("TAP 'xntap6': cannot add it to bridge 'nosuchbr0'"), "\(e)")
    }
}
