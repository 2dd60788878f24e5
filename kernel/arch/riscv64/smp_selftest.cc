// Self-tests of inter-hart requests: the cross-call.
#include <atomic>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/smp.h"
#include "lib/ktest.h"

namespace {

std::atomic<uint32_t> s_ran_on;  // A bit per Cpu index.
std::atomic<uint32_t> s_calls;
std::atomic<uint32_t> s_with_interrupts_on;

void note_hart() {
    s_ran_on.fetch_or(1u << this_cpu()->index);
    s_calls.fetch_add(1);
    if (csr::read_sstatus() & csr::kSstatusSie)
        s_with_interrupts_on.fetch_add(1);
}

}  // namespace

KTEST(Smp, CrossCallRunsOnceOnEveryOnlineHartWithInterruptsOff) {
    s_ran_on = 0;
    s_calls = 0;
    s_with_interrupts_on = 0;
    smp_run_on_every_hart(note_hart);
    uint32_t online = 0;
    for (unsigned i = 0; i < cpu_count(); ++i) {
        if (cpu_by_index(i).online.load())
            online |= 1u << i;
    }
    KEXPECT_EQ(online, s_ran_on.load());
    KEXPECT_EQ(online_cpu_count(), s_calls.load());
    KEXPECT_EQ(0u, s_with_interrupts_on.load());
}
