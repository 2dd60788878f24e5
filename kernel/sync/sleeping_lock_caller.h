// The checks every sleeping lock (Mutex, RwLock) makes of its caller, shared by both.
//
// The caller is a SyncThread (sync/sync_thread.h), the sync layer's view of a thread, so
// this header, and mutex.h and rw_lock.h with it, include nothing from proc/.
//
// A sleeping lock may only be taken by a thread (not the idle thread, not an interrupt
// handler before the scheduler runs) holding no spinlock. Reading "the current thread"
// and "this hart's spinlock count" must not straddle a migration, so each is one load
// relative to tp (arch/riscv64/cpu.h: this_cpu_current_thread, this_cpu_spinlocks_held),
// which no interrupt can split: an uncontended Mutex or RwLock disables no interrupts at all
// (their fast paths are a compare-and-swap on their own state word, with no spinlock).
#pragma once

#include <cstddef>

#include "arch/riscv64/cpu.h"
#include "lib/panic.h"
#include "sync/sync_thread.h"

namespace sync_detail {

struct SleepingLockCaller {
    SyncThread* thread;
    int spinlocks_held;
};

inline SleepingLockCaller sleeping_lock_caller() {
    return SleepingLockCaller { this_cpu_current_thread(), this_cpu_spinlocks_held() };
}

// The calling thread, after checking that it may take a sleeping lock; panics otherwise.
// (By value: a reference would make every caller spill the pair to the stack first.)
[[noreturn]] void bad_sleeping_lock_caller(const char* what, const char* name, SyncThread* thread, int spinlocks_held);

inline SyncThread& checked_sleeping_lock_caller(const char* what, const char* name) {
    SleepingLockCaller caller = sleeping_lock_caller();
    if (!caller.thread || caller.spinlocks_held != 0 || caller.thread->is_idle_thread()) [[unlikely]]
        bad_sleeping_lock_caller(what, name, caller.thread, caller.spinlocks_held);
    return *caller.thread;
}

// The calling thread, unchecked (for unlock, whose own check is ownership).
inline SyncThread* current_sleeping_lock_thread() { return this_cpu_current_thread(); }

}  // namespace sync_detail
