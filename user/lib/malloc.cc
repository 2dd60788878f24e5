// malloc, free, calloc and realloc: the C face of atlas::Allocator (allocator.h), over
// the process's heap (sbrk). A bad or double free ends the process with a message, the
// way glibc does, rather than corrupting the heap silently.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "allocator.h"

namespace {

[[noreturn]] void heap_corrupted(const char* what, void* pointer)
{
    fprintf(stderr, "malloc: %s (%p)\n", what, pointer);
    abort();
}

constinit atlas::Allocator s_allocator{sbrk, heap_corrupted};

} // namespace

extern "C" {

void* malloc(size_t size) { return s_allocator.allocate(size); }
void free(void* pointer) { s_allocator.release(pointer); }
void* calloc(size_t count, size_t size) { return s_allocator.allocate_zeroed(count, size); }
void* realloc(void* pointer, size_t size) { return s_allocator.reallocate(pointer, size); }

} // extern "C"
