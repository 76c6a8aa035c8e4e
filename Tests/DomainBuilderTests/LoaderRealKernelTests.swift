import Foundation
import Testing

@testable import DomainBuilder

/// Loads a real distribution kernel when one is on this machine: /boot/vmlinuz-*,
/// or Debian's package unpacked into /tmp/kern (`dpkg-deb -x linux-image-…deb /tmp/kern`).
/// Exact figures are checked for Debian 12's 6.1.0-56-amd64 (pv-abi-notes §1.1–1.3).
@Suite("Real kernel")
struct LoaderRealKernelTests {
    static let kernels: [String] = ["/tmp/kern/boot", "/boot"].flatMap { directory in
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("vmlinuz-") }
            .sorted()
            .map { directory + "/" + $0 }
    }.filter { FileManager.default.isReadableFile(atPath: $0) }

    @Test(.enabled(if: !kernels.isEmpty, "no vmlinuz in /boot or /tmp/kern/boot"),
          arguments: kernels)
    func loadsDistributionKernel(path: String) throws {
        // (No timing assertion: tests never assert timings; benchmarks measure.)
        let image = try KernelImage.load(contentsOf: path)

        // What any Linux PV kernel must satisfy.
        #expect(image.notes.source == .elfNotes)
        #expect(image.notes.guestOS == "linux")
        #expect(image.virtKStart < image.virtKEnd)
        #expect(image.virtEntry >= image.virtKStart && image.virtEntry < image.virtKEnd)
        #expect(image.segments.allSatisfy { UInt64($0.data.count) <= $0.memSize })

        guard path.hasSuffix("vmlinuz-6.1.0-56-amd64") else { return }
        #expect(image.compression == "xz")
        #expect(image.pstart == 0x100_0000)
        #expect(image.pend == 0x4a0_0000)
        #expect(image.virtBase == 0xffff_ffff_8000_0000)
        #expect(image.paddrOffset == 0)
        #expect(image.virtKStart == 0xffff_ffff_8100_0000)
        #expect(image.virtKEnd == 0xffff_ffff_84a0_0000)
        #expect(image.virtEntry == 0xffff_ffff_8307_91c0)
        #expect(image.elfEntry == 0x100_0000)
        #expect(image.virtHypercallPage == nil)
        #expect(image.segments.map(\.destOffset) == [0, 0x1a0_0000, 0x204_4000, 0x207_9000])
        #expect(image.segments.map(\.memSize) == [0x18e_a9f0, 0x64_4000, 0x3_5000, 0x198_7000])

        let notes = image.notes
        #expect(notes.xenVersion == "xen-3.0")
        #expect(notes.guestVersion == "2.6")
        #expect(notes.loader == "generic")
        #expect(notes.initP2M == 0x80_0000_0000)
        #expect(notes.hvStartLow == 0xffff_8000_0000_0000)
        #expect(notes.modStartPFN)
        #expect(notes.suspendCancel)
        #expect(notes.features == "!writable_page_tables|pae_pgdir_above_4gb")
        #expect(notes.supportedFeatures == 0x8801)
        #expect(notes.requiredFeatureMask == 1)
        #expect(notes.l1MFNValid == [1, 1])
        #expect(notes.phys32Entry == 0x100_0850)
        #expect(notes.paeMode == "yes")

        let elf = try BzImage.extractELF(LoaderBytes(KernelImage.readKernelFile(path))).elf
        #expect(elf.count == 65_906_612)
    }
}
