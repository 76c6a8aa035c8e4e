#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension KernelImage {
    /// The largest kernel file the loader reads. Debian's vmlinuz is 8 MiB and its
    /// vmlinux 63 MiB; a bigger file is not a kernel.
    static let fileSizeLimit = Decompressor.outputLimit

    /// Reads and parses the kernel at `path` (a vmlinux ELF or a bzImage vmlinuz).
    public static func load(contentsOf path: String) throws(LoaderError) -> KernelImage {
        try parse(readKernelFile(path))
    }

    /// Reads a whole file with open/read, retrying EINTR. The loader's only
    /// syscalls are here. Errors carry the host's strerror text.
    static func readKernelFile(_ path: String) throws(LoaderError) -> [UInt8] {
        func failure(_ code: Int32) -> LoaderError {
            // SAFETY: strerror returns a pointer to a NUL-terminated message that stays
            // valid until the next strerror call on this thread; it is copied at once.
            .cannotRead(path: path, reason: unsafe String(cString: strerror(code)))
        }
        // SAFETY: `path` is bridged to a NUL-terminated C string for the call.
        let fd = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(errno) }
        defer { _ = close(fd) }

        // Size the buffer from fstat (plus one byte, so EOF is seen without a regrow);
        // the loop below still copes with files that change size or lie (procfs).
        var status = stat()
        // SAFETY: `status` is a local stat struct that fstat fills in.
        guard unsafe fstat(fd, &status) == 0 else { throw failure(errno) }
        let expected = Int(clamping: status.st_size)
        var bytes = [UInt8](repeating: 0, count: min(max(expected, 0), fileSizeLimit) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= fileSizeLimit else {
                    throw .cannotRead(path: path, reason: "file is larger than \(fileSizeLimit >> 20) MiB")
                }
                bytes += [UInt8](repeating: 0, count: bytes.count)
            }
            let count = unsafe bytes.withUnsafeMutableBytes { buffer in
                // SAFETY: filled < buffer.count, so [filled, buffer.count) is writable
                // memory of `bytes` for the duration of the call.
                unsafe read(fd, buffer.baseAddress.unsafelyUnwrapped + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}
