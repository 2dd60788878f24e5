// What the thread code provides to the layers below it, which include nothing from proc/:
// kernel threads (sync/kernel_thread.h), parking and waking for wait queues
// (sync/sync_thread.h), the current thread's address space (mm/user_memory.h:
// current_address_space(); mm/address_space.h: address_space_switch_current()) and
// whether its process must die (mm/user_memory.h: current_process_must_die()). Each is
// declared where its users can see it and defined here, over Thread.
#include "lib/panic.h"
#include "lib/ref_ptr.h"
#include "mm/address_space.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/thread.h"
#include "sync/interrupt_disabler.h"
#include "sync/kernel_thread.h"
#include "sync/sync_thread.h"

namespace sync_thread {

void block_current_releasing(Spinlock& lock) { scheduler_block_releasing(lock); }

// Every SyncThread is a Thread's base (proc/thread.h).
void wake(SyncThread& thread) { scheduler_wake(static_cast<Thread&>(thread)); }

}  // namespace sync_thread

namespace kernel_thread {

ErrorOr<void> start(const char* name, void (*entry)(void*), void* argument) {
    // The scheduler keeps its own reference, so the thread outlives this RefPtr.
    auto thread = TRY(Thread::try_create(name, entry, argument));
    thread->start();
    return {};
}

void yield() { Thread::yield(); }

void sleep_for_us(uint64_t microseconds) { Thread::sleep_for_us(microseconds); }

void run_in_threads(size_t count, void (*body)(void* context, size_t index), void* context) {
    if (count > ktest_threads::kMaxThreads)
        panic("run_in_threads: %lu threads, at most %lu", static_cast<unsigned long>(count),
              static_cast<unsigned long>(ktest_threads::kMaxThreads));
    RefPtr<Thread> threads[ktest_threads::kMaxThreads];
    for (size_t i = 0; i < count; ++i) {
        auto thread = Thread::try_spawn("ktest worker", [body, context, i] { body(context, i); });
        if (thread.is_error())
            panic("run_in_threads: cannot start a thread: %s", thread.error().name());
        threads[i] = thread.release_value();
    }
    for (size_t i = 0; i < count; ++i)
        threads[i]->wait_until_reaped();
}

}  // namespace kernel_thread

AddressSpace* current_address_space() {
    Thread* thread = Thread::current();
    return thread ? thread->address_space() : nullptr;
}

bool current_process_must_die() {
    Thread* thread = Thread::current();
    Process* process = thread ? thread->process() : nullptr;
    return process && process->is_killed();
}

void address_space_switch_current(AddressSpace* space) {
    InterruptDisabler disabler;
    if (Thread* thread = Thread::current())
        thread->set_address_space(space);
    address_space_switch_on_this_cpu(space);
}
