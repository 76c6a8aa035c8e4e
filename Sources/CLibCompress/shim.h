// CLibCompress: the three decompression libraries DomainBuilder's loaders use
// to unpack a bzImage payload (xen tools/libs/guest/xg_dom_bzimageloader.c
// accepts the same formats). Swift cannot import function-like macros, so the
// one zlib entry point that is a macro gets a static inline wrapper here.
#ifndef CLIBCOMPRESS_H
#define CLIBCOMPRESS_H

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

// inflateInit2() is a macro over inflateInit2_() that passes the header's
// version string and sizeof(z_stream) so the library can detect a mismatch.
static inline int clibcompress_inflate_init2(z_stream *strm, int window_bits)
{
    return inflateInit2(strm, window_bits);
}

#endif
