// Lock statistics: how often each class of lock was found held by a thread or hart that
// wanted it, and how long such takers waited in all, since boot.
//
// A class is a lock rank (sync/lock_order.h): every FileObject's lock is one class
// (VmObject), every address space's another (AddressSpace), and so on; locks of rank None
// share one class. The counters are bumped only on the slow paths, by a taker that could
// not have the lock at once (Mutex::lock_slow, RwLock's lock_read_slow and
// lock_write_slow, Spinlock::spin_until_acquired), which read the time CSR before and
// after the wait: an uncontended acquisition costs nothing extra. A spinlock's wait is
// its spin; a sleeping lock's is the time from the failed attempt to the acquisition,
// asleep or not. A failed try_lock is not a wait and is not counted.
//
// Readers: vmstat (struct atlas_vmstat's lock rows, through sys_vmstat) and tests. The
// counters are relaxed atomics: a snapshot may miss waits in progress, never tears one.
#pragma once

#include <atomic>
#include <cstdint>

#include "sync/lock_order.h"

struct LockClassStatistics {
    uint64_t contended;   // Acquisitions that had to wait.
    uint64_t wait_ticks;  // Their waits, in ticks of the time CSR (10 MHz on QEMU virt).
};

namespace lock_statistics {

namespace detail {
struct Counters {
    std::atomic<uint64_t> contended { 0 };
    std::atomic<uint64_t> wait_ticks { 0 };
};
extern Counters g_counters[static_cast<unsigned>(LockRank::Count)];
}  // namespace detail

// The time a slow path reads before it waits, and hands to note_wait() once it has the lock.
uint64_t wait_started();
// A taker of a lock of `rank` waited since `started` (wait_started()) and now holds it.
void note_wait(LockRank rank, uint64_t started);

// A snapshot of one class.
LockClassStatistics of(LockRank rank);

}  // namespace lock_statistics
