// strerror and perror, over the kernel's errno table (kernel/lib/errno.cc), so that the
// user library and the kernel describe errors with the same words.
//
// <errno.h> (user/include, a mirror of the list) is included before the kernel's
// lib/errno.h on purpose: the kernel header's static_asserts then check every mirrored
// value, so the build fails if the two lists drift apart.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/errno.h"

extern "C" {

char* strerror(int code) { return const_cast<char*>(errno_description(code)); }

void perror(const char* prefix)
{
    const char* description = errno_description(errno);
    if (prefix && *prefix)
        fprintf(stderr, "%s: %s\n", prefix, description);
    else
        fprintf(stderr, "%s\n", description);
}

} // extern "C"
