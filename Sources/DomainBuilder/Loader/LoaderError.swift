/// Why a kernel image could not be loaded: one case per failure the loaders can
/// detect, each printed as one lower-case line that names what is wrong and where.
///
/// Every field of a kernel image is hostile input (it comes from a file the user
/// names in xl.cfg), so every malformed image must reach one of these cases rather
/// than a trap. Xen reports the same conditions from libelf (`elf_err`, xen
/// common/libelf/libelf-dominfo.c) and from xg_dom_bzimageloader.c.
public enum LoaderError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: File

    /// The kernel file could not be opened or read; `reason` is the host's strerror text.
    case cannotRead(path: String, reason: String)
    /// The bytes are neither an ELF nor a bzImage (e.g. a text file, an empty file).
    case notELFOrBzImage

    // MARK: bzImage (Linux boot protocol, Documentation/arch/x86/boot.rst)

    /// The setup header ("HdrS") is cut short by the end of the file.
    case bzImageHeaderTruncated
    /// Boot protocol versions before 2.08 have no payload_offset/payload_length fields.
    case bzImageProtocolTooOld(version: UInt16)
    /// The payload range named by the setup header does not lie inside the file.
    case bzImagePayloadOutsideFile(offset: UInt64, length: UInt64, fileSize: Int)
    /// The payload uses a compression the loader recognises but cannot decode.
    case unsupportedCompression(String)
    /// The payload starts with no magic number the loader recognises.
    case unknownCompression(magic: [UInt8])
    /// The decompressed payload does not start with the ELF magic.
    case bzImagePayloadNotELF

    // MARK: Decompression

    /// The compressed stream is damaged; `detail` is the library's error name.
    case corruptPayload(format: String, detail: String)
    /// The compressed stream ends before its end marker.
    case truncatedPayload(format: String)
    /// The output would exceed `limit` bytes (`Decompressor.outputLimit`, 512 MiB).
    case decompressedTooLarge(limit: Int)
    /// The library failed for a reason that is not the input's fault (memory, options).
    case decompressorFailed(format: String, detail: String)

    // MARK: ELF

    /// ELF32, big-endian, or a machine other than EM_X86_64.
    case elfNotX86_64
    /// e_type is not ET_EXEC; PV kernels are fixed-address executables.
    case elfNotExecutable(type: UInt16)
    /// The 64-byte ELF header is cut short by the end of the file.
    case elfHeaderTruncated
    /// A header table (program or section headers) does not fit in the file or has a bad entry size.
    case elfTableOutsideFile(table: String)
    /// A segment's file bytes do not lie inside the file.
    case segmentOutsideFile(index: Int, offset: UInt64, size: UInt64)
    /// A segment has p_filesz > p_memsz.
    case segmentFileSizeExceedsMemSize(index: Int)
    /// p_paddr + p_memsz wraps past 2^64.
    case segmentAddressOverflow(index: Int)
    /// A note section's bytes do not lie inside the file.
    case sectionOutsideFile(index: Int, offset: UInt64, size: UInt64)
    /// The ELF has no PT_LOAD segment with any of R/W/X set.
    case noLoadableSegments
    /// A note header or descriptor runs past the end of its segment or section.
    case noteTruncated(offset: Int)

    // MARK: Xen PV checks (libelf elf_xen_note_check / elf_xen_addr_calc_check)

    /// No "Xen" notes and no `__xen_guest` section: not a PV kernel.
    case noXenNotes
    /// FEATURES marks a feature required ("!name") that this loader does not know.
    case unknownRequiredFeature(String)
    /// Neither LOADER starts with "generic" nor GUEST_OS starts with "linux".
    case unsupportedGuest(loader: String, guestOS: String)
    /// XEN_VERSION does not start with "xen-3.0".
    case unsupportedXenVersion(String)
    /// PADDR_OFFSET is set but VIRT_BASE is not.
    case paddrOffsetWithoutVirtBase
    /// virt_kstart > virt_kend, entry outside [kstart, kend], or virt_base > kstart.
    case addressesOutOfBounds(String)
    /// INIT_P2M lies inside [virt_kstart, virt_kend).
    case p2mInsideImage(p2m: UInt64, kstart: UInt64, kend: UInt64)
    /// HYPERCALL_PAGE does not lie (as a whole page) inside the kernel image.
    case hypercallPageOutsideImage(address: UInt64, kstart: UInt64, kend: UInt64)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "cannot read kernel '\(path)': \(reason)"
        case .notELFOrBzImage:
            return "not an ELF or bzImage"
        case .bzImageHeaderTruncated:
            return "bzImage setup header is truncated"
        case let .bzImageProtocolTooOld(version):
            return "bzImage boot protocol \(version >> 8).\(String(version & 0xff, radix: 16)) "
                + "is older than 2.08 and has no payload fields"
        case let .bzImagePayloadOutsideFile(offset, length, fileSize):
            return "bzImage payload (offset \(hex(offset)), length \(hex(length))) "
                + "lies outside the file (size \(hex(UInt64(fileSize))))"
        case let .unsupportedCompression(name):
            return "unsupported compression '\(name)'"
        case let .unknownCompression(magic):
            return "bzImage payload has an unknown compression format (magic "
                + magic.map { byte in hex2(byte) }.joined(separator: " ") + ")"
        case .bzImagePayloadNotELF:
            return "bzImage payload is not an ELF after decompression"
        case let .corruptPayload(format, detail):
            return "\(format) payload is corrupt (\(detail))"
        case let .truncatedPayload(format):
            return "\(format) payload is truncated"
        case let .decompressedTooLarge(limit):
            return "decompressed kernel exceeds \(limit >> 20) MiB"
        case let .decompressorFailed(format, detail):
            return "\(format) decompressor failed (\(detail))"
        case .elfNotX86_64:
            return "ELF is not x86-64"
        case let .elfNotExecutable(type):
            return "ELF is not an executable (e_type \(type))"
        case .elfHeaderTruncated:
            return "ELF header is truncated"
        case let .elfTableOutsideFile(table):
            return "ELF \(table) lie outside the file or have a bad entry size"
        case let .segmentOutsideFile(index, offset, size):
            return "ELF segment \(index) (offset \(hex(offset)), size \(hex(size))) lies outside the file"
        case let .segmentFileSizeExceedsMemSize(index):
            return "ELF segment \(index) has a file size larger than its memory size"
        case let .segmentAddressOverflow(index):
            return "ELF segment \(index) wraps the physical address space"
        case let .sectionOutsideFile(index, offset, size):
            return "ELF section \(index) (offset \(hex(offset)), size \(hex(size))) lies outside the file"
        case .noLoadableSegments:
            return "ELF has no loadable segments"
        case let .noteTruncated(offset):
            return "ELF note at file offset \(hex(UInt64(offset))) runs past the end of its segment"
        case .noXenNotes:
            return "ELF has no Xen PV notes (not a PV kernel)"
        case let .unknownRequiredFeature(name):
            return "ELF requires unknown Xen feature '\(name)'"
        case let .unsupportedGuest(loader, guestOS):
            return "ELF is built neither for the generic loader nor for linux "
                + "(LOADER '\(loader)', GUEST_OS '\(guestOS)')"
        case let .unsupportedXenVersion(version):
            return "ELF is built for Xen version '\(version)', not xen-3.0"
        case .paddrOffsetWithoutVirtBase:
            return "ELF sets PADDR_OFFSET but not VIRT_BASE"
        case let .addressesOutOfBounds(detail):
            return "ELF addresses are out of bounds: \(detail)"
        case let .p2mInsideImage(p2m, kstart, kend):
            return "INIT_P2M \(hex(p2m)) lies inside the kernel image [\(hex(kstart)), \(hex(kend)))"
        case let .hypercallPageOutsideImage(address, kstart, kend):
            return "HYPERCALL_PAGE \(hex(address)) lies outside the kernel image [\(hex(kstart)), \(hex(kend)))"
        }
    }
}

/// "0x1f" style formatting for error messages (no Foundation in this target).
private func hex(_ value: UInt64) -> String {
    "0x" + String(value, radix: 16)
}

private func hex2(_ byte: UInt8) -> String {
    byte < 0x10 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
}
