// Libc.swift — the C symbols that Embedded Swift code may reference: memset, memcpy, memmove
// (byte loops with volatile stores, so the compiler cannot turn them back into calls to
// themselves) and posix_memalign/free. The guests never allocate; an allocation is a bug in the
// test and ends it with ERROR.

import _Volatile

@_cdecl("memset")
func memset(_ dst: UnsafeMutableRawPointer, _ value: Int32, _ count: Int) -> UnsafeMutableRawPointer {
    for i in 0..<count {
        VolatileMappedRegister<UInt8>(unsafeBitPattern: UInt(bitPattern: dst + i)).store(UInt8(truncatingIfNeeded: value))
    }
    return dst
}

@_cdecl("memcpy")
func memcpy(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ count: Int) -> UnsafeMutableRawPointer {
    memmove(dst, src, count)
}

@_cdecl("memmove")
func memmove(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ count: Int) -> UnsafeMutableRawPointer {
    if UnsafeRawPointer(dst) < src {
        for i in 0..<count {
            VolatileMappedRegister<UInt8>(unsafeBitPattern: UInt(bitPattern: dst + i))
                .store(src.load(fromByteOffset: i, as: UInt8.self))
        }
    } else {
        var i = count
        while i > 0 {
            i -= 1
            VolatileMappedRegister<UInt8>(unsafeBitPattern: UInt(bitPattern: dst + i))
                .store(src.load(fromByteOffset: i, as: UInt8.self))
        }
    }
    return dst
}
