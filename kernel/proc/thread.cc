// Thread: see thread.h. The state machine itself lives in the scheduler (scheduler.cc).
#include "proc/thread.h"

#include <atomic>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "proc/scheduler.h"
#include "sync/interrupt_disabler.h"

extern "C" void thread_entry_trampoline();

namespace {
std::atomic<uint64_t> s_next_thread_id { 1 };
std::atomic<size_t> s_live_threads { 0 };
}  // namespace

const char* thread_state_name(ThreadState state) {
    switch (state) {
    case ThreadState::Created: return "created";
    case ThreadState::Runnable: return "runnable";
    case ThreadState::Running: return "running";
    case ThreadState::Blocked: return "blocked";
    case ThreadState::Dead: return "dead";
    }
    return "?";
}

Thread::Thread(const char* name, EntryFunction entry, void* argument)
    : SyncThread(m_name)
    , m_id(s_next_thread_id.fetch_add(1, std::memory_order_relaxed))
    , m_entry(entry)
    , m_argument(argument)
{
    // Thread::current() and the locks rely on SyncThread being the first base: the same
    // address, so that converting between the two is free (the compiler folds this check).
    ASSERT(static_cast<void*>(static_cast<SyncThread*>(this)) == static_cast<void*>(this));
    klib::strlcpy(m_name, name, sizeof(m_name));
    s_live_threads.fetch_add(1, std::memory_order_relaxed);
}

Thread::~Thread() {
    // A thread that was started is destroyed only after the reaper dropped the
    // scheduler's reference, by which time its stack is gone.
    ASSERT(m_state == ThreadState::Created || m_state == ThreadState::Dead);
    if (m_owns_stack)
        free_kernel_stack(m_stack);
    s_live_threads.fetch_sub(1, std::memory_order_relaxed);
}

ErrorOr<RefPtr<Thread>> Thread::try_create(const char* name, EntryFunction entry, void* argument) {
    KernelStack stack = TRY(allocate_kernel_stack());
    auto* thread = new (std::nothrow) Thread(name, entry, argument);
    if (!thread) {
        free_kernel_stack(stack);
        return Error::from_errno(ENOMEM);
    }
    thread->m_stack = stack;
    thread->m_owns_stack = true;
    // The first switch to the thread "returns" into the trampoline on an empty stack.
    thread->m_context.ra = reinterpret_cast<uint64_t>(&thread_entry_trampoline);
    thread->m_context.sp = stack.top;
    return adopt_ref(*thread);
}

ErrorOr<RefPtr<Thread>> Thread::try_spawn(const char* name, EntryFunction entry, void* argument) {
    auto thread = TRY(try_create(name, entry, argument));
    thread->start();
    return thread;
}

Thread& Thread::adopt_current_context(const char* name) {
    auto* thread = new (std::nothrow) Thread(name, nullptr, nullptr);
    if (!thread)
        panic("no memory for thread '%s'", name);
    // The context is filled in by the first switch away from it.
    return *thread;
}

void Thread::start() { scheduler_start(*this); }

int Thread::join() {
    ASSERT(this != current());
    SpinlockLocker locker(m_join_lock);
    m_joiners.wait_until(m_join_lock, [this] { return m_exited; });
    return m_exit_code;
}

int Thread::wait_until_reaped() {
    int code = join();
    scheduler_wait_until_reaped(*this);
    return code;
}

void Thread::exit(int code) {
    Thread* self = current();
    ASSERT(self && !self->is_idle_thread());
    if (self->sleeping_locks_held() != 0)
        panic("thread '%s' exits holding %d sleeping locks", self->m_name, self->sleeping_locks_held());
    // A dead thread must not keep a user address space active on this hart: whoever joins
    // it may destroy that address space as soon as join() returns, before this hart has
    // switched to another thread.
    if (self->address_space())
        address_space_switch_current(nullptr);
    scheduler_note_exit_begun();
    {
        SpinlockLocker locker(self->m_join_lock);
        self->m_exited = true;
        self->m_exit_code = code;
    }
    self->m_joiners.wake_all();
    scheduler_exit_current();
}

void Thread::yield() { scheduler_yield(); }

void Thread::sleep_for_us(uint64_t microseconds) {
    uint64_t ticks = microseconds * (scheduler_timebase_frequency() / 1000) / 1000;
    scheduler_sleep_until(csr::read_time() + ticks);
}

size_t Thread::live_count() { return s_live_threads.load(std::memory_order_relaxed); }
