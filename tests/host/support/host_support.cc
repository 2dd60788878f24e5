// Host stand-ins for the few symbols the kernel library expects its environment to
// provide. Keep this file small: anything here is test scaffolding, not kernel code.
#include <cstdio>
#include <cstdlib>

#include "lib/assert.h"

// The kernel panics on a failed assertion; on the host we print the same information
// and abort, so that death tests (EXPECT_DEATH) can match the message.
void atlas_assert_failed(const char* expr, const char* file, unsigned line, const char* function)
{
    std::fprintf(stderr, "ASSERTION FAILED: %s\n  at %s:%u in %s\n", expr, file, line, function);
    std::fflush(stderr);
    std::abort();
}
