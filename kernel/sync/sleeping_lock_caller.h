// The checks every sleeping lock (Mutex, RwLock) makes of its caller, shared by both.
//
// A sleeping lock may only be taken by a thread (not the idle thread, not an interrupt
// handler before the scheduler runs) holding no spinlock. "The current thread" and "this
// hart's spinlock count" are each read in one instruction, a load at an offset from tp, so
// no interrupt (and no migration) can come between finding the hart and reading it: each
// answer is about the hart the calling thread runs on at that instant. The thread may
// migrate between the two loads, but a hart's spinlock count is always that of the thread
// running on it (a thread holding a spinlock cannot be preempted), so both answers are the
// calling thread's, with no need to turn interrupts off. An uncontended Mutex or RwLock
// thus does no interrupt-disable work at all (their fast paths are a compare-and-swap on
// their own state word, with no spinlock).
#pragma once

#include <cstddef>

#include "arch/riscv64/cpu.h"
#include "lib/panic.h"
#include "proc/thread.h"

namespace sync_detail {

struct SleepingLockCaller {
    Thread* thread;
    int spinlocks_held;
};

// The thread running on this hart, in one instruction: a load at an offset from tp. No
// interrupt, and so no migration, can come between reading tp and loading through it, so
// the answer is exact without turning interrupts off. The lock assertions
// (Mutex::assert_locked, RwLock::assert_locked, RwLock::assert_write_locked) use it alone.
inline Thread* current_thread_in_one_load() {
    Thread* thread;
    asm volatile("ld %0, %1(tp)" : "=r"(thread) : "i"(offsetof(Cpu, current_thread)));
    return thread;
}

inline SleepingLockCaller sleeping_lock_caller() {
    int spinlocks_held;
    asm volatile("lw %0, %1(tp)" : "=r"(spinlocks_held) : "i"(offsetof(Cpu, spinlocks_held)));
    return { current_thread_in_one_load(), spinlocks_held };
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
inline Thread* current_sleeping_lock_thread() { return current_thread_in_one_load(); }

}  // namespace sync_detail
