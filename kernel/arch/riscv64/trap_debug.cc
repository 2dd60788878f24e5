// Deliberate crashes on request, to demonstrate the panic and fault reports: see
// trap_run_boot_debug_requests() in trap.h.
#include "arch/riscv64/layout.h"
#include "arch/riscv64/trap.h"
#include "lib/command_line.h"
#include "lib/kprintf.h"
#include "lib/panic.h"

namespace {

// An address in the gap between the kernel virtual area and the kernel image, which
// layout.h keeps unmapped forever.
constexpr uint64_t kNeverMappedKernelAddress = kKernelVirtualAreaEnd + 0x1230;

}  // namespace

void trap_run_boot_debug_requests(const char* bootargs) {
    if (command_line_has(bootargs, "panictest"))
        panic("panictest: panicking on purpose, as the kernel command line asked");
    if (command_line_has(bootargs, "faulttest")) {
        kprintf("faulttest: loading from unmapped kernel address %p\n",
                reinterpret_cast<void*>(kNeverMappedKernelAddress));
        auto value = *reinterpret_cast<volatile uint64_t*>(kNeverMappedKernelAddress);
        panic("faulttest: the load from %p returned %lu instead of faulting",
              reinterpret_cast<void*>(kNeverMappedKernelAddress), static_cast<unsigned long>(value));
    }
}
