// The scheduler: which thread runs on which hart, and the switches between them.
//
// Design: one global run queue (a FIFO of Runnable threads) under one spinlock, the
// scheduler lock, shared by every hart. Any hart takes the thread at the front, so work
// spreads across harts without balancing logic, and a thread woken on one hart may run
// on another. With at most a handful of harts the single lock is not a bottleneck, and
// every decision is O(1). Policy: round robin, a time slice of kTimeSliceTicks timer
// ticks; a thread that blocks or yields goes to the back when it next becomes runnable.
//
//   run queue:  [T3] -> [T7] -> [T1]          (scheduler lock)
//   hart 0:  current = T2     idle = idle0
//   hart 1:  current = idle1  (in wfi; bit set in the idle-hart mask)
//
// A hart whose queue look-up finds nothing runs its idle thread, which waits for an
// interrupt with its bit set in the idle-hart mask. Making a thread runnable clears one
// idle hart's bit and sends it a software interrupt (IpiRequest::Reschedule).
//
// Switching: the thread that switches away takes the scheduler lock and the thread that
// switches in releases it (for a new thread, in its first-run code), so the lock covers
// the whole switch. That is what makes it safe for another hart to pick up a thread the
// moment it is queued, and for the reaper to free a dead thread's stack once it has the
// lock. A switch may happen inside an interrupt handler (preemption from the timer): the
// trap entry has saved the interrupted state on the thread's stack, and the thread may
// resume on a different hart, so the trap exit must restore sepc and sstatus from its
// frame and re-read per-hart state.
//
// Rules checked here: a thread may block or yield only with no spinlock held and no
// InterruptDisabler of its own (panic otherwise).
#pragma once

#include <cstddef>
#include <cstdint>

class Spinlock;
class Thread;
struct MachineInfo;

constexpr unsigned kTimeSliceTicks = 2;

// Boot hart, once the heap and kernel stacks work and before the other harts start:
// creates the reaper thread and learns the timer frequency.
void scheduler_init(const MachineInfo& machine);

// Turns the calling context into this hart's idle thread and starts scheduling on this
// hart. Every hart calls it last (kernel_main, secondary_main); it never returns.
[[noreturn]] void scheduler_enter();

// Called from the timer interrupt on the hart that took it, with interrupts disabled.
// Wakes threads whose sleep has ended and charges the running thread one tick, yielding
// if its time slice is used up and another thread is waiting.
void scheduler_timer_tick();

// The building blocks of Thread, WaitQueue and the sleeping locks.

// Created -> Runnable.
void scheduler_start(Thread& thread);

// Running -> Runnable -> (next thread runs) -> Running.
void scheduler_yield();

// Running -> Blocked: `lock`, which the caller holds and which must be the only
// spinlock held, is released once the thread can no longer miss a wake-up, and the hart
// switches away. Returns, with no spinlock held, after scheduler_wake(thread).
void scheduler_block_releasing(Spinlock& lock);

// Blocked -> Runnable. The caller holds the lock that the sleeper passed to
// scheduler_block_releasing (or one that orders against it), which is how it knows the
// thread is blocked. Interrupt handlers may call it.
void scheduler_wake(Thread& thread);

// Running -> Dead; never returns. The reaper frees the stack.
[[noreturn]] void scheduler_exit_current();

// Sleeps until the time CSR reaches `deadline` (a timer tick notices). No lock held.
void scheduler_sleep_until(uint64_t deadline);

// Time CSR ticks per second (from the device tree).
uint64_t scheduler_timebase_frequency();

// Exit bookkeeping for the reaper: Thread::exit() calls the first before it tells joiners;
// the second waits until every thread that had begun exiting by then has been reaped
// (stack freed, the scheduler's reference dropped). For tests and orderly shutdown: it
// waits for every exit in the system, so it is no way to wait for one thread (with many
// threads exiting, it may wait for a long time).
void scheduler_note_exit_begun();
void scheduler_wait_for_reaper();

// Waits until the reaper has finished with `thread`, and with no other: its stack is
// freed and the scheduler's reference dropped, so the caller's references are all that is
// left of it. The thread must have been started and must not be the caller; the caller
// holds a reference to it and no spinlock. (Thread::wait_until_reaped.)
void scheduler_wait_until_reaped(Thread& thread);

// Runnable threads waiting right now (a snapshot).
size_t scheduler_runnable_count();
