// The C-named memory functions that GCC emits calls to even in freestanding code
// (struct copies, zero-initialisation, builtin fallbacks). Kernel-only: on the host
// the C library provides them, and defining them there would clash.
#include "lib/string.h"

extern "C" {

void* memcpy(void* destination, const void* source, size_t count)
{
    return klib::memcpy(destination, source, count);
}

void* memmove(void* destination, const void* source, size_t count)
{
    return klib::memmove(destination, source, count);
}

void* memset(void* destination, int value, size_t count)
{
    return klib::memset(destination, value, count);
}

int memcmp(const void* left, const void* right, size_t count)
{
    return klib::memcmp(left, right, count);
}

size_t strlen(const char* string)
{
    return klib::strlen(string);
}

} // extern "C"
