// The little of the C++ runtime that freestanding kernel code needs: running global
// constructors, and the handler for a call through a pure virtual function.
#include "lib/panic.h"

using Constructor = void (*)();
extern "C" Constructor init_array_start[];
extern "C" Constructor init_array_end[];

void run_global_constructors() {
    for (Constructor* constructor = init_array_start; constructor < init_array_end; ++constructor)
        (*constructor)();
}

extern "C" void __cxa_pure_virtual() { panic("pure virtual function called"); }

#include <new>

// The tag object behind `new (std::nothrow) T`, which fallible allocation uses everywhere.
namespace std {
const nothrow_t nothrow {};
}
