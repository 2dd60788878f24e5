// Helpers for the self-tests of threads and locks: recording which harts ran them, and
// deadlines. Running a body in several threads at once (ktest_threads::run_in_threads) is
// in sync/kernel_thread.h, where mm/'s self-tests can reach it too; this header includes it.
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
#include "lib/ref_ptr.h"
#include "proc/scheduler.h"
#include "proc/thread.h"
#include "sync/interrupt_disabler.h"
#include "sync/kernel_thread.h"

namespace ktest_threads {

// The Cpu index of the hart running the caller, read with interrupts off so that it is
// the hart the caller was on at some instant.
inline unsigned current_cpu_index() {
    InterruptDisabler pinned;
    return pinned.cpu()->index;
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
