/* libpng (Debian's libpng-dev). PDEKit uses the simplified png_image API of libpng 1.6. */
#include <png.h>
