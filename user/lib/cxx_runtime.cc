// The little C++ runtime that user programs written in C++ need without exceptions or
// RTTI: operator new and delete over malloc, and the pure-virtual and static-destructor
// hooks the compiler refers to. A failed `new` ends the program (there are no exceptions
// to throw); `new (std::nothrow)` returns nullptr instead.
#include <stdio.h>
#include <stdlib.h>

#include <new>

namespace {

void* allocate_or_die(size_t size)
{
    void* memory = malloc(size ? size : 1);
    if (!memory) {
        fprintf(stderr, "out of memory in operator new (%zu bytes)\n", size);
        abort();
    }
    return memory;
}

} // namespace

namespace std {
const nothrow_t nothrow{};
}

void* operator new(size_t size) { return allocate_or_die(size); }
void* operator new[](size_t size) { return allocate_or_die(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return malloc(size ? size : 1); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return malloc(size ? size : 1); }
void operator delete(void* pointer) noexcept { free(pointer); }
void operator delete[](void* pointer) noexcept { free(pointer); }
void operator delete(void* pointer, size_t) noexcept { free(pointer); }
void operator delete[](void* pointer, size_t) noexcept { free(pointer); }

extern "C" {

void __cxa_pure_virtual()
{
    fprintf(stderr, "pure virtual function called\n");
    abort();
}

// Static objects' destructors are not run at exit (-fno-use-cxa-atexit registers none);
// the symbol exists for objects compiled without that flag.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void* __dso_handle = nullptr;

} // extern "C"
