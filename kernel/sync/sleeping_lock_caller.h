// The checks every sleeping lock (Mutex, RwLock) makes of its caller, shared by both.
//
// A sleeping lock may only be taken by a thread (not the idle thread, not an interrupt
// handler before the scheduler runs) holding no spinlock. Reading "the current thread"
// and "this hart's spinlock count" must not straddle a migration, so the two loads run
// with interrupts off: one csrrci before and one csrs after, which is all the
// interrupt-disable work an uncontended Mutex or RwLock does (their fast paths are a
// compare-and-swap on their own state word, with no spinlock at all).
#pragma once

#include "arch/riscv64/cpu.h"
#include "lib/panic.h"
#include "proc/thread.h"

namespace sync_detail {

struct SleepingLockCaller {
    Thread* thread;
    int spinlocks_held;
};

inline SleepingLockCaller sleeping_lock_caller() {
    uint64_t previous;
    asm volatile("csrrci %0, sstatus, 2" : "=r"(previous) : : "memory");
    Cpu* cpu = this_cpu();
    SleepingLockCaller caller { cpu->current_thread, cpu->spinlocks_held };
    if (previous & 2)
        asm volatile("csrsi sstatus, 2" : : : "memory");
    return caller;
}

// The calling thread, after checking that it may take a sleeping lock; panics otherwise.
// (By value: a reference would make every caller spill the pair to the stack first.)
[[noreturn]] void bad_sleeping_lock_caller(const char* what, const char* name, Thread* thread, int spinlocks_held);

inline Thread& checked_sleeping_lock_caller(const char* what, const char* name) {
    SleepingLockCaller caller = sleeping_lock_caller();
    if (!caller.thread || caller.spinlocks_held != 0 || caller.thread->is_idle_thread()) [[unlikely]]
        bad_sleeping_lock_caller(what, name, caller.thread, caller.spinlocks_held);
    return *caller.thread;
}

// The calling thread, unchecked (for unlock, whose own check is ownership).
inline Thread* current_sleeping_lock_thread() { return sleeping_lock_caller().thread; }

}  // namespace sync_detail
