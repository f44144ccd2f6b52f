/* zlib. inflateInit2/deflateInit2 are macros that pass the library version and the stream size,
   so they are exposed as static inline functions. */
#include <zlib.h>
static inline int pdekit_inflateInit2(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
static inline int pdekit_deflateInit2(z_stream *stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
