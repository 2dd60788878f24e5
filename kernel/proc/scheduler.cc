// The scheduler: see scheduler.h for the design.
//
// Lock legend: s_lock (the scheduler lock, rank Scheduler) guards the run queue, the
// zombie list, the idle-hart mask, the reaper's waiting flag and every thread's state,
// context and Cpu::current_thread; s_sleep_lock (rank SleepQueue) guards the sleep tree;
// s_reaped_lock (rank ThreadExit) guards the reaper's count and every thread's ticket.
#include "proc/scheduler.h"

#include <atomic>
#include <limits>
#include <utility>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/fp_state.h"
#include "arch/riscv64/smp.h"
#include "arch/riscv64/user_trap.h"
#include "lib/assert.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "lib/panic.h"
#include "mm/address_space.h"
#include "mm/kernel_stack.h"
#include "proc/thread.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

extern "C" void context_switch(ThreadContext* from, ThreadContext* to);

class Scheduler {
public:
    struct SleepTreeTraits {
        // Ties on the wake-up time are broken by thread id, so keys are unique.
        static std::pair<uint64_t, uint64_t> key(const Thread& thread) { return { thread.m_wake_time, thread.m_id }; }
    };
    using ThreadList = IntrusiveList<Thread, &Thread::m_run_queue_node>;
    using SleepTree = IntrusiveTree<Thread, &Thread::m_sleep_node, SleepTreeTraits>;

    static inline Spinlock s_lock { "scheduler", LockRank::Scheduler };
    static inline ThreadList s_run_queue;
    // Mirrors s_run_queue.size() so that yield and the timer can peek without the lock.
    static inline std::atomic<size_t> s_runnable_count { 0 };
    // Dead threads whose stacks the reaper has yet to free.
    static inline ThreadList s_zombies;
    static inline Thread* s_reaper { nullptr };
    static inline bool s_reaper_waiting { false };
    // Bit i set: the hart with Cpu index i is in its idle loop and may be waiting for an
    // interrupt; whoever queues work clears one bit and sends that hart an IPI.
    static inline uint32_t s_idle_cpus { 0 };

    static inline Spinlock s_sleep_lock { "sleep queue", LockRank::SleepQueue };
    static inline SleepTree s_sleepers;
    // The earliest wake-up time in s_sleepers (max if none), readable without the lock.
    static inline std::atomic<uint64_t> s_next_wake_time { std::numeric_limits<uint64_t>::max() };

    static inline uint64_t s_timebase_frequency { 10'000'000 };

    // Threads that began exiting, and threads the reaper has finished with. The reaper
    // finishes with threads one at a time; the n-th gets m_reap_ticket = n before the
    // reaper drops its reference and s_reaped becomes n after. s_reaped_queue is woken
    // every time s_reaped grows.
    static inline std::atomic<uint64_t> s_exits_begun { 0 };
    static inline Spinlock s_reaped_lock { "reaped", LockRank::ThreadExit };
    static inline uint64_t s_reaped { 0 };  // Guarded by s_reaped_lock.
    static inline WaitQueue s_reaped_queue { "reaped" };

    // Expects s_lock held as the only spinlock, with no other interrupt disabler, and the
    // current thread's next state already recorded (Runnable and queued, Blocked, Dead, or
    // it is the idle thread). Runs the next thread; returns when the current one is picked
    // again, possibly on another hart, with s_lock held once more.
    static void switch_away_locked() {
        s_lock.assert_locked();
        Cpu* cpu = this_cpu();
        Thread* previous = Thread::current();
        ASSERT(previous);
        if (cpu->spinlocks_held != 1 || cpu->interrupt_disable_depth != 1) {
            panic("thread '%s' tried to sleep or yield holding %d spinlocks (interrupt-disable depth %d); only "
                  "the scheduler lock may be held",
                  previous->m_name, cpu->spinlocks_held - 1, cpu->interrupt_disable_depth - 1);
        }
        if (previous->sleeping_locks_held() != 0 && previous->m_state == ThreadState::Dead)
            panic("thread '%s' exited holding %d sleeping locks", previous->m_name, previous->sleeping_locks_held());

        Thread* next = s_run_queue.pop_front();
        if (next)
            s_runnable_count.fetch_sub(1, std::memory_order_relaxed);
        else
            next = cpu->idle_thread;
        if (next == previous) {
            previous->m_state = ThreadState::Running;
            return;
        }
        if (previous->is_idle_thread()) {
            previous->m_state = ThreadState::Runnable;
            s_idle_cpus &= ~(1u << cpu->index);
        }
        next->m_state = ThreadState::Running;
        next->m_last_cpu = cpu->index;
        next->m_slice_ticks_left = kTimeSliceTicks;
        cpu->current_thread = next;
        if (!next->is_idle_thread())
            ++cpu->context_switches;

        previous->m_interrupts_were_enabled = cpu->interrupts_were_enabled;
        fp_switch_out(*previous);
        context_switch(&previous->m_context, &next->m_context);
        // Running as `previous` again, on whichever hart picked it; that hart's switcher
        // took s_lock and leaves it to us. `cpu` is stale here.
        this_cpu()->interrupts_were_enabled = previous->m_interrupts_were_enabled;
        finish_switch_in(*previous);
    }

    // The hart-side state of the thread now running here, set up after every switch in
    // (s_lock held): the kernel stack user traps land on, the address space in satp (the
    // kernel page table for kernel threads), and the user floating-point registers.
    static void finish_switch_in(Thread& self) {
        if (!self.is_idle_thread())
            trap_set_kernel_stack_top(self.m_stack.top);
        address_space_switch_on_this_cpu(self.m_address_space);
        fp_switch_in(self);
    }

    // Expects s_lock held. Queues a thread and, if some other hart idles, wakes it.
    static void enqueue_locked(Thread& thread) {
        s_lock.assert_locked();
        thread.m_state = ThreadState::Runnable;
        s_run_queue.push_back(thread);
        s_runnable_count.fetch_add(1, std::memory_order_relaxed);
        uint32_t others = s_idle_cpus & ~(1u << this_cpu()->index);
        if (others == 0)
            return;
        unsigned target = 0;
        while (!(others & (1u << target)))
            ++target;
        s_idle_cpus &= ~(1u << target);
        smp_send_ipi(cpu_by_index(target), IpiRequest::Reschedule);
    }

    // First code a new thread runs, entered from thread_entry_trampoline with s_lock
    // held (handed over by the switch, as for every switch).
    [[noreturn]] static void first_run() {
        // A new thread starts with interrupts on once the lock is dropped.
        this_cpu()->interrupts_were_enabled = csr::kSstatusSie;
        finish_switch_in(*Thread::current());
        s_lock.unlock();
        Thread* self = Thread::current();
        self->m_entry(self->m_argument);
        Thread::exit(0);
    }

    [[noreturn]] static void idle_loop() {
        for (;;) {
            wake_sleepers();
            // Interrupts stay off from the look at the queue until wfi, so that the IPI
            // of a hart that queues work in between stays pending and ends the wfi at once.
            disable_interrupts();
            bool wait = false;
            s_lock.lock();
            if (!s_run_queue.empty()) {
                switch_away_locked();
            } else {
                s_idle_cpus |= 1u << this_cpu()->index;
                wait = true;
            }
            s_lock.unlock();
            // Until the trap code enables software interrupts on this hart, nothing could end
            // a wfi, so the idle loop polls instead.
            if (wait && (csr::read_sie() & csr::kSoftwareInterrupt)) {
                uint64_t before = csr::read_instret();
                wait_for_interrupt();
                Cpu* cpu = this_cpu();
                cpu->idle_instret.store(cpu->idle_instret.load(std::memory_order_relaxed) + csr::read_instret() - before,
                                        std::memory_order_relaxed);
            }
            enable_interrupts();
        }
    }

    [[noreturn]] static void reaper_main(void*) {
        for (;;) {
            ThreadList dead;
            s_lock.lock();
            while (s_zombies.empty()) {
                s_reaper_waiting = true;
                Thread::current()->m_state = ThreadState::Blocked;
                switch_away_locked();
            }
            // Every zombie here switched away before we got s_lock (the lock covers the
            // whole switch), so no hart runs on its stack any more.
            while (Thread* thread = s_zombies.pop_front())
                dead.push_back(*thread);
            s_lock.unlock();
            while (Thread* thread = dead.pop_front()) {
                // Freeing the stack flushes other harts' TLBs only once per batch of
                // stacks (mm/kernel_stack.h), so this loop keeps up with exits.
                if (thread->m_owns_stack) {
                    free_kernel_stack(thread->m_stack);
                    thread->m_owns_stack = false;
                }
                // The thread's ticket is the value s_reaped takes once it is done; whoever
                // waits for this thread holds a reference, so it may read the ticket even
                // after the unref below.
                {
                    SpinlockLocker locker(s_reaped_lock);
                    thread->m_reap_ticket = s_reaped + 1;
                }
                // The reference the scheduler took in start().
                thread->unref();
                {
                    SpinlockLocker locker(s_reaped_lock);
                    ++s_reaped;
                }
                s_reaped_queue.wake_all();
            }
        }
    }

    static void wait_until_reaped(Thread& thread) {
        ASSERT(&thread != Thread::current());
        SpinlockLocker locker(s_reaped_lock);
        s_reaped_queue.wait_until(s_reaped_lock, [&thread] {
            return thread.m_reap_ticket != 0 && s_reaped >= thread.m_reap_ticket;
        });
    }

    // Called with no lock held, from the timer interrupt or the idle loop.
    static void wake_sleepers() {
        uint64_t now = csr::read_time();
        if (now < s_next_wake_time.load(std::memory_order_relaxed))
            return;
        SpinlockLocker locker(s_sleep_lock);
        while (Thread* thread = s_sleepers.first()) {
            if (thread->m_wake_time > now)
                break;
            s_sleepers.erase(*thread);
            scheduler_wake(*thread);
        }
        Thread* first = s_sleepers.first();
        s_next_wake_time.store(first ? first->m_wake_time : std::numeric_limits<uint64_t>::max(),
                               std::memory_order_relaxed);
    }

    static void sleep_until(uint64_t deadline) {
        Thread* self = Thread::current();
        ASSERT(self && !self->is_idle_thread());
        s_sleep_lock.lock();
        if (csr::read_time() >= deadline) {
            s_sleep_lock.unlock();
            return;
        }
        self->m_wake_time = deadline;
        bool inserted = s_sleepers.insert(*self);
        ASSERT(inserted);
        if (deadline < s_next_wake_time.load(std::memory_order_relaxed))
            s_next_wake_time.store(deadline, std::memory_order_relaxed);
        scheduler_block_releasing(s_sleep_lock);
    }

    static void start(Thread& thread) {
        SpinlockLocker locker(s_lock);
        ASSERT(thread.m_state == ThreadState::Created);
        // The scheduler's own reference, dropped by the reaper after the thread is dead.
        thread.ref();
        enqueue_locked(thread);
    }

    static void yield() {
        Thread* self = Thread::current();
        ASSERT(self);
        if (s_runnable_count.load(std::memory_order_relaxed) == 0)
            return;
        s_lock.lock();
        if (!self->is_idle_thread()) {
            // No IPI for ourselves: this hart is about to look at the queue anyway.
            self->m_state = ThreadState::Runnable;
            s_run_queue.push_back(*self);
            s_runnable_count.fetch_add(1, std::memory_order_relaxed);
        }
        switch_away_locked();
        s_lock.unlock();
    }

    static void block_releasing(Spinlock& lock) {
        Thread* self = Thread::current();
        ASSERT(self && !self->is_idle_thread());
        ASSERT(lock.is_locked_by_this_cpu());
        s_lock.lock();
        self->m_state = ThreadState::Blocked;
        // From here on a waker that took `lock` finds the thread Blocked, and its wake
        // waits for s_lock, which is held until the switch below is complete.
        lock.unlock();
        switch_away_locked();
        s_lock.unlock();
    }

    static void wake(Thread& thread) {
        SpinlockLocker locker(s_lock);
        if (thread.m_state != ThreadState::Blocked)
            panic("waking thread '%s', which is %s, not blocked", thread.m_name, thread_state_name(thread.m_state));
        enqueue_locked(thread);
    }

    [[noreturn]] static void exit_current() {
        Thread* self = Thread::current();
        ASSERT(self && !self->is_idle_thread());
        s_lock.lock();
        self->m_state = ThreadState::Dead;
        s_zombies.push_back(*self);
        if (s_reaper_waiting) {
            s_reaper_waiting = false;
            enqueue_locked(*s_reaper);
        }
        switch_away_locked();
        ASSERT_NOT_REACHED();
    }

    [[noreturn]] static void enter() {
        Cpu* cpu = this_cpu();
        ASSERT(!cpu->current_thread);
        char name[] = "idle?";
        name[4] = static_cast<char>('0' + cpu->index % 10);
        Thread& idle = Thread::adopt_current_context(name);
        {
            SpinlockLocker locker(s_lock);
            idle.mark_idle_thread();
            idle.m_state = ThreadState::Running;
            idle.m_last_cpu = cpu->index;
            cpu->idle_thread = &idle;
            cpu->current_thread = &idle;
        }
        enable_interrupts();
        idle_loop();
    }

    static void timer_tick() {
        Cpu* cpu = this_cpu();
        ++cpu->timer_ticks;
        wake_sleepers();
        Thread* current = static_cast<Thread*>(cpu->current_thread);
        if (!current || current->is_idle_thread())
            return;
        if (current->m_slice_ticks_left > 0)
            --current->m_slice_ticks_left;
        if (current->m_slice_ticks_left > 0 || s_runnable_count.load(std::memory_order_relaxed) == 0)
            return;
        // The interrupted code had interrupts on, so it held no spinlock; but the trap code
        // might have disabled interrupts on its own account, and then it is not ours to
        // switch away.
        if (cpu->spinlocks_held != 0 || cpu->interrupt_disable_depth != 0)
            return;
        yield();
    }
};

extern "C" [[noreturn]] void thread_first_run() { Scheduler::first_run(); }

void scheduler_init(const MachineInfo& machine) {
    if (machine.timebase_frequency)
        Scheduler::s_timebase_frequency = machine.timebase_frequency;
    auto reaper = Thread::try_create("reaper", Scheduler::reaper_main, nullptr);
    if (reaper.is_error())
        panic("cannot create the reaper thread: %s", reaper.error().name());
    // The reference of `reaper` is dropped below, but the scheduler keeps its own one and
    // the reaper never exits.
    Scheduler::s_reaper = reaper.value().ptr();
    reaper.value()->start();
}

void scheduler_enter() { Scheduler::enter(); }
void scheduler_timer_tick() { Scheduler::timer_tick(); }
void scheduler_start(Thread& thread) { Scheduler::start(thread); }
void scheduler_yield() { Scheduler::yield(); }
void scheduler_block_releasing(Spinlock& lock) { Scheduler::block_releasing(lock); }
void scheduler_wake(Thread& thread) { Scheduler::wake(thread); }
void scheduler_exit_current() { Scheduler::exit_current(); }
void scheduler_sleep_until(uint64_t deadline) { Scheduler::sleep_until(deadline); }
uint64_t scheduler_timebase_frequency() { return Scheduler::s_timebase_frequency; }
void scheduler_note_exit_begun() { Scheduler::s_exits_begun.fetch_add(1, std::memory_order_relaxed); }

void scheduler_wait_for_reaper() {
    uint64_t target = Scheduler::s_exits_begun.load(std::memory_order_relaxed);
    SpinlockLocker locker(Scheduler::s_reaped_lock);
    Scheduler::s_reaped_queue.wait_until(Scheduler::s_reaped_lock, [target] { return Scheduler::s_reaped >= target; });
}

void scheduler_wait_until_reaped(Thread& thread) { Scheduler::wait_until_reaped(thread); }

size_t scheduler_runnable_count() { return Scheduler::s_runnable_count.load(std::memory_order_relaxed); }
