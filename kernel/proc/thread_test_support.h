// Helpers for the self-tests of threads and locks: running a body in several threads at
// once and waiting for all of them, and recording which harts ran them.
//
// Not for use outside *_selftest.cc files: they panic on out-of-memory instead of
// returning an error, because a self-test that cannot start its threads has nothing to
// test.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/smp.h"
#include "lib/panic.h"
#include "lib/ref_ptr.h"
#include "proc/scheduler.h"
#include "proc/thread.h"

namespace ktest_threads {

constexpr size_t kMaxThreads = 64;

// Starts `count` threads running body(i) for i in [0, count) and joins them all.
template<typename Body>
void run_in_threads(size_t count, Body body) {
    if (count > kMaxThreads)
        panic("run_in_threads: %lu threads, at most %lu", static_cast<unsigned long>(count), static_cast<unsigned long>(kMaxThreads));
    RefPtr<Thread> threads[kMaxThreads];
    for (size_t i = 0; i < count; ++i) {
        auto thread = Thread::try_spawn("ktest worker", [&body, i] { body(i); });
        if (thread.is_error())
            panic("run_in_threads: cannot start a thread: %s", thread.error().name());
        threads[i] = thread.release_value();
    }
    // Reaped, not just joined: their stacks and the scheduler's references are gone when
    // this returns (and the records with `threads`), so a test may count frames and heap
    // bytes right after.
    for (size_t i = 0; i < count; ++i)
        threads[i]->wait_until_reaped();
}

// The Cpu index of the hart running the caller, read with interrupts off so that it is
// the hart the caller was on at some instant.
inline unsigned current_cpu_index() {
    uint64_t sstatus = csr::read_sstatus();
    disable_interrupts();
    unsigned index = this_cpu()->index;
    if (sstatus & csr::kSstatusSie)
        enable_interrupts();
    return index;
}

// The mask with a bit for every online hart.
inline uint32_t online_cpu_mask() {
    uint32_t mask = 0;
    for (unsigned i = 0; i < cpu_count(); ++i) {
        if (cpu_by_index(i).online.load())
            mask |= 1u << i;
    }
    return mask;
}

// Time-CSR value `microseconds` from now.
inline uint64_t deadline_after_us(uint64_t microseconds) {
    return csr::read_time() + microseconds * (scheduler_timebase_frequency() / 1000) / 1000;
}

}  // namespace ktest_threads
