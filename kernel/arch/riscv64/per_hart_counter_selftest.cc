// Self-tests of PerHartCounter: exact totals when every hart adds at once, and threads
// that move between harts lose nothing.
#include "arch/riscv64/per_hart_counter.h"
#include "arch/riscv64/smp.h"
#include "lib/ktest.h"
#include "sync/kernel_thread.h"

using namespace ktest_threads;

KTEST(PerHartCounter, AddsFromEveryHartAtOnceSumExactly)
{
    constexpr size_t kAdds = 20'000;
    static PerHartCounter counter;  // Static: 512 bytes of slots are not for a kernel stack.
    uint64_t before = counter.value();
    const size_t threads = 2 * online_cpu_count() + 1;
    run_in_threads(threads, [&](size_t index) {
        for (size_t i = 0; i < kAdds; ++i) {
            counter.add(index % 2 == 0 ? 1 : 3);
            // Now and then, give the hart away, so that threads move between harts.
            if (i % 1000 == 999)
                kernel_thread::yield();
        }
    });
    uint64_t expected = 0;
    for (size_t index = 0; index < threads; ++index)
        expected += kAdds * (index % 2 == 0 ? 1 : 3);
    KEXPECT_EQ(before + expected, counter.value());
}
