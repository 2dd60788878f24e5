/* <stddef.h>: size_t, ptrdiff_t, NULL, offsetof, max_align_t, wchar_t.
 * GCC's own freestanding <stddef.h> already defines all of them correctly for C and C++
 * (it is the one header the compiler must provide), so this one defers to it; it exists
 * so that user/include is complete on its own. */
#include_next <stddef.h>
