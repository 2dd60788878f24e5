// Deliberate crashes on request, to demonstrate the panic and fault reports: see
// trap_run_boot_debug_requests() in trap.h.
#include "arch/riscv64/layout.h"
#include "arch/riscv64/trap.h"
#include "drivers/console.h"
#include "lib/panic.h"
#include "lib/string.h"

namespace {

// True if the space-separated command line contains `word` as a whole word.
bool bootargs_contain(const char* bootargs, const char* word) {
    size_t length = klib::strlen(word);
    for (const char* p = bootargs; p && *p;) {
        while (*p == ' ')
            ++p;
        if (klib::strncmp(p, word, length) == 0 && (p[length] == ' ' || p[length] == '\0'))
            return true;
        while (*p && *p != ' ')
            ++p;
    }
    return false;
}

// An address in the gap between the kernel virtual area and the kernel image, which
// layout.h keeps unmapped forever.
constexpr uint64_t kNeverMappedKernelAddress = kKernelVirtualAreaEnd + 0x1230;

}  // namespace

void trap_run_boot_debug_requests(const char* bootargs) {
    if (bootargs_contain(bootargs, "panictest"))
        panic("panictest: panicking on purpose, as the kernel command line asked");
    if (bootargs_contain(bootargs, "faulttest")) {
        kprintf("faulttest: loading from unmapped kernel address %p\n",
                reinterpret_cast<void*>(kNeverMappedKernelAddress));
        auto value = *reinterpret_cast<volatile uint64_t*>(kNeverMappedKernelAddress);
        panic("faulttest: the load from %p returned %lu instead of faulting",
              reinterpret_cast<void*>(kNeverMappedKernelAddress), static_cast<unsigned long>(value));
    }
}
