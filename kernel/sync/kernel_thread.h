// Kernel threads as the layers below proc/ see them: start one that runs for good, give
// the hart to other threads, and (for self-tests) run a body in several threads at once.
//
// mm/ needs these (the reclaim thread, the self-tests' racing threads) but includes
// nothing from proc/, the layer above it: this header declares them, and the thread code
// implements them (proc/thread_services.cc) over Thread.
//
// Invariants: every function here may sleep or switch threads; call with no spinlock
// held.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"

namespace kernel_thread {

// Starts a thread named `name` running entry(argument). The scheduler keeps the thread; it
// is meant to run for as long as the kernel does (nobody joins it).
ErrorOr<void> start(const char* name, void (*entry)(void*), void* argument);

// Gives the hart to another runnable thread, if there is one.
void yield();

// Sleeps for at least `microseconds` (woken by a timer tick, so up to one tick longer).
// Call with no lock held.
void sleep_for_us(uint64_t microseconds);

// Runs body(context, i) for i in [0, count) in `count` new threads at once and returns once
// every one of them has exited and been reaped (their stacks are freed). Panics if a thread
// cannot be started: for self-tests only, which have nothing to test without them.
void run_in_threads(size_t count, void (*body)(void* context, size_t index), void* context);

}  // namespace kernel_thread

namespace ktest_threads {

constexpr size_t kMaxThreads = 64;

// Starts `count` threads running body(i) for i in [0, count) and joins them all. Reaped,
// not just joined: their stacks and the scheduler's references are gone when this returns,
// so a test may count frames and heap bytes right after.
template<typename Body>
void run_in_threads(size_t count, Body body) {
    kernel_thread::run_in_threads(
        count, [](void* context, size_t index) { (*static_cast<Body*>(context))(index); }, &body);
}

}  // namespace ktest_threads
