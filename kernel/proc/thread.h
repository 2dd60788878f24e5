// Thread: a kernel thread of control with its own stack, scheduled on any hart.
//
// A thread runs `entry(argument)` on a 16 KiB kernel stack (mm/kernel_stack.h). When the
// entry function returns, or the thread calls Thread::exit(), the thread is dead: it
// switches away for good, and the reaper thread (proc/scheduler.cc) frees its stack once
// no hart can be running on it. The Thread object itself is reference-counted; it lives
// until the last RefPtr is gone, so join() and the exit code work after death.
//
// Life cycle (every transition happens under the scheduler lock):
//
//   try_create ──> Created ──start()──> Runnable <──────────────┐
//                                         │  ^                  │ scheduler_wake()
//                               picked    v  │ yield/preempted  │
//                                        Running ──block──> Blocked
//                                           │
//                                         exit ──> Dead ──reaper──> stack freed
//
// Each hart also has an idle thread, made from the context it booted on (no stack is
// allocated for it); it runs only when the run queue is empty and is never Runnable.
//
// The saved context holds only what the calling convention says a callee preserves:
//
//   ThreadContext: ra sp s0 s1 ... s11      (context_switch.S; 14 doublewords)
//
// Everything else is either dead across a call or was saved on the thread's stack by
// the trap entry, if the switch happens inside an interrupt handler.
//
// The part of a thread the locks and wait queues use (its held sleeping locks, whether it
// is the idle thread, its name) is its first base, sync/sync_thread.h's SyncThread, so that
// the sync layer needs nothing from here; each hart's Cpu::current_thread points at it.
//
// Invariants: a thread is in at most one of the run queue, a wait queue (through a
// Waiter on its stack) or the sleep tree; it is on the run queue exactly while Runnable;
// exactly one hart's Cpu::current_thread names a Running thread, and it is that hart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "arch/riscv64/cpu.h"
#include "lib/error_or.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "lib/ref_ptr.h"
#include "mm/kernel_stack.h"
#include "sync/lock_order.h"
#include "sync/spinlock.h"
#include "sync/sync_thread.h"
#include "sync/wait_queue.h"

// Callee-saved registers of a thread that is not running. Layout known to
// context_switch.S: do not reorder.
struct ThreadContext {
    uint64_t ra;
    uint64_t sp;
    uint64_t s[12];
};

enum class ThreadState : uint8_t {
    Created,
    Runnable,
    Running,
    Blocked,
    Dead,
};

const char* thread_state_name(ThreadState);

class AddressSpace;

// The floating-point registers of a thread that runs user code (f0..f31 and fcsr), saved
// by the scheduler when the thread leaves a hart with sstatus.FS Dirty and restored when
// it comes back (arch/riscv64/fp_state.S). Layout known to fp_state.S: do not reorder.
struct FpState {
    uint64_t f[32];
    uint64_t fcsr;
    // Whether f/fcsr hold a saved state; until then the thread's registers are "Initial"
    // (zero) and the scheduler zeroes the hart's registers when it switches the thread in.
    uint64_t valid;
};

class Process;

class Thread : public SyncThread, public RefCounted<Thread> {
public:
    using EntryFunction = void (*)(void* argument);

    static constexpr size_t kMaxNameLength = 31;

    // Makes a thread that will run entry(argument) once started. It owns a fresh stack.
    // Fails with ENOMEM.
    static ErrorOr<RefPtr<Thread>> try_create(const char* name, EntryFunction entry, void* argument);

    // try_create + start.
    static ErrorOr<RefPtr<Thread>> try_spawn(const char* name, EntryFunction entry, void* argument);

    // Runs a callable (a lambda with captures, typically) in a new, started thread. The
    // callable is moved to the heap and destroyed in the thread after it returns.
    template<typename Callable>
    static ErrorOr<RefPtr<Thread>> try_spawn(const char* name, Callable&& callable);

    // Makes the Thread for a context that already runs: the boot context of a hart,
    // which becomes that hart's idle thread. Panics if memory runs out (boot cannot go on).
    static Thread& adopt_current_context(const char* name);

    ~Thread();

    // Created -> Runnable: puts the thread on the run queue.
    void start();

    // Waits until the thread has exited and returns its exit code. Must not be called
    // by the thread itself. May sleep; call with no spinlock held.
    int join();

    // join(), and then waits until the reaper has freed the thread's stack and dropped the
    // scheduler's reference, so that everything the thread held but the Thread object is
    // back, and the caller's references are the last ones. Waits for this thread only,
    // however many others are exiting. The thread must have been started.
    int wait_until_reaped();

    // Ends the calling thread with `code`, which join() returns. Must be called with no
    // lock held.
    [[noreturn]] static void exit(int code);

    // The running thread; nullptr on a hart before its scheduler starts. One load relative
    // to tp, which no preemption can split (arch/riscv64/cpu.h); the cast is free, since
    // SyncThread is the first base (the constructor asserts it).
    static Thread* current() { return static_cast<Thread*>(this_cpu_current_thread()); }

    // Gives the hart to the next runnable thread, if any; the caller stays runnable.
    static void yield();

    // Sleeps for at least `microseconds` (measured with the time CSR); the wake-up comes
    // from a timer tick, so the sleep lasts up to one tick longer. Call with no lock held.
    static void sleep_for_us(uint64_t microseconds);

    uint64_t id() const { return m_id; }
    // name(), is_idle_thread() and the held sleeping locks: see SyncThread.
    ThreadState state() const { return m_state; }
    // The hart that last ran this thread (its Cpu index).
    unsigned last_cpu() const { return m_last_cpu; }

    // The user address space this thread runs in, or nullptr for a kernel thread. Set by
    // the process code (mm/address_space.h: address_space_switch_current); the scheduler
    // activates it on every switch into the thread.
    AddressSpace* address_space() const { return m_address_space; }
    void set_address_space(AddressSpace* space) { m_address_space = space; }

    // Saved user floating-point state (see FpState); touched by the scheduler on switches
    // and by fork (fp_state_copy_current_to) only.
    FpState& fp_state() { return m_fp_state; }

    // Used by the scheduler only.
    ThreadContext& context() { return m_context; }
    const KernelStack& stack() const { return m_stack; }
    bool owns_stack() const { return m_owns_stack; }

    // Threads that exist now (created and not yet freed), for tests and statistics.
    static size_t live_count();

    // The user process this thread runs, or nullptr for a kernel thread. Set by the
    // process code (proc/process.cc) before the thread starts and cleared by the thread
    // itself when its process exits; read by the thread itself and by the scheduler.
    Process* process() const { return m_process; }
    void set_process(Process* process) { m_process = process; }

private:
    friend class Scheduler;

    Thread(const char* name, EntryFunction entry, void* argument);

    uint64_t m_id;
    char m_name[kMaxNameLength + 1];
    EntryFunction m_entry;
    void* m_argument;
    KernelStack m_stack {};
    bool m_owns_stack { false };

    // Guarded by the scheduler lock.
    ThreadState m_state { ThreadState::Created };
    unsigned m_last_cpu { 0 };
    ThreadContext m_context {};
    // Whether interrupts were on before the outermost disabler of the switch (Cpu's
    // interrupts_were_enabled: the SIE bit or 0): the interrupt state belongs to the
    // thread, not to the hart it happens to resume on.
    uint8_t m_interrupts_were_enabled { 0 };
    // Timer ticks left in the current time slice (touched only by the hart running it).
    unsigned m_slice_ticks_left { 0 };
    ListNode m_run_queue_node;  // Run queue or zombie list.

    // Guarded by the sleep-queue lock (scheduler.cc).
    TreeNode m_sleep_node;
    uint64_t m_wake_time { 0 };

    // Exit and join: m_exited and m_exit_code are guarded by m_join_lock.
    Spinlock m_join_lock { "thread join", LockRank::ThreadExit };
    bool m_exited { false };
    int m_exit_code { 0 };
    WaitQueue m_joiners { "thread joiners" };
    // Set by the reaper (guarded by its lock, scheduler.cc) before it drops the
    // scheduler's reference: the reaper is done with the thread once its count of reaped
    // threads reaches this number. Zero until then.
    uint64_t m_reap_ticket { 0 };

    // Not a reference: the process owns its thread (see proc/process.h).
    Process* m_process { nullptr };

    // Written by the thread itself (or its creator before start); read by the scheduler
    // when it switches the thread in.
    AddressSpace* m_address_space { nullptr };
    FpState m_fp_state {};

    template<typename Callable>
    static void invoke_and_destroy(void* argument) {
        auto* callable = static_cast<Callable*>(argument);
        (*callable)();
        delete callable;
    }
};

template<typename Callable>
ErrorOr<RefPtr<Thread>> Thread::try_spawn(const char* name, Callable&& callable) {
    using Stored = std::remove_cvref_t<Callable>;
    auto* stored = new (std::nothrow) Stored(std::forward<Callable>(callable));
    if (!stored)
        return Error::from_errno(ENOMEM);
    auto thread = try_create(name, &Thread::invoke_and_destroy<Stored>, stored);
    if (thread.is_error()) {
        delete stored;
        return thread.release_error();
    }
    thread.value()->start();
    return thread;
}
