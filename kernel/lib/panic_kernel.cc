// panic() and the kernel's handler for failed assertions: see panic.h and assert.h.
#include "lib/panic.h"

#include <atomic>

#include "arch/riscv64/backtrace.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/smp.h"
#include "drivers/poweroff.h"
#include "lib/assert.h"
#include "lib/kprintf.h"

namespace {
std::atomic<bool> s_panicking;
}

bool kernel_panicking() { return s_panicking.load(std::memory_order_relaxed); }

void panic(const char* fmt, ...) {
    disable_interrupts();
    bool first = !s_panicking.exchange(true);
    if (!first) {
        // Another hart got here first (or this one panicked while panicking): leave the
        // report and the power-off to it.
        for (;;)
            wait_for_interrupt();
    }
    stop_other_harts();
    kprintf_force_unlock();

    kprintf("\nPANIC on hart %lu: ", current_hart_id());
    va_list args;
    va_start(args, fmt);
    vkprintf(fmt, args);
    va_end(args);
    kprintf("\nBacktrace:\n");
    auto fp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
    auto pc = reinterpret_cast<uint64_t>(__builtin_return_address(0));
    print_backtrace(pc - 4, reinterpret_cast<const uint64_t*>(fp)[-2]);
    power_off(PowerOffStatus::Panic);
}

void atlas_assert_failed(const char* expr, const char* file, unsigned line, const char* function) {
    panic("assertion failed: %s\n  at %s:%u in %s", expr, file, line, function);
}
