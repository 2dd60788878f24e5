// PerHartCounter: a statistics counter bumped on hot paths of every hart (faults, page-cache
// hits), without a cache line that the harts pass back and forth.
//
// One slot per hart, each on its own cache line; add() bumps the calling hart's slot and
// value() adds the slots up. With one counter for all harts, two harts faulting at full
// speed would each wait for the other's line on every bump: under QEMU that is a host
// cache line moving between host cores, which costs more than the rest of the bump.
//
// Invariants: value() is exact once the adds it should see are done (a snapshot while they
// run). The add is an atomic add to the slot: a thread moved to another hart between
// reading tp and the add bumps its old hart's slot, which is still exact, only less local.
#pragma once

#include <atomic>
#include <cstdint>

#include "arch/riscv64/cpu.h"

class PerHartCounter {
public:
    void add(uint64_t count = 1) { m_slots[this_cpu()->index].value.fetch_add(count, std::memory_order_relaxed); }

    uint64_t value() const {
        uint64_t sum = 0;
        for (const Slot& slot : m_slots)
            sum += slot.value.load(std::memory_order_relaxed);
        return sum;
    }

private:
    struct alignas(64) Slot {
        std::atomic<uint64_t> value { 0 };
    };
    Slot m_slots[kMaxCpus];
};
