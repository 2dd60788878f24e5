// Lock statistics: see lock_statistics.h.
#include "sync/lock_statistics.h"

#include "arch/riscv64/csr.h"

namespace lock_statistics {

detail::Counters detail::g_counters[static_cast<unsigned>(LockRank::Count)];

uint64_t wait_started() { return csr::read_time(); }

void note_wait(LockRank rank, uint64_t started) {
    uint64_t now = csr::read_time();
    auto& counters = detail::g_counters[static_cast<unsigned>(rank)];
    counters.contended.fetch_add(1, std::memory_order_relaxed);
    counters.wait_ticks.fetch_add(now > started ? now - started : 0, std::memory_order_relaxed);
}

LockClassStatistics of(LockRank rank) {
    auto& counters = detail::g_counters[static_cast<unsigned>(rank)];
    return { counters.contended.load(std::memory_order_relaxed), counters.wait_ticks.load(std::memory_order_relaxed) };
}

}  // namespace lock_statistics
