// SyncThread: a thread as the sync layer sees it. Mutex and RwLock record their owner as
// one, check and count the sleeping locks it holds, and WaitQueue parks and wakes one.
//
// proc/thread.h's Thread derives from it (its first base, so a Thread and its SyncThread
// share an address), and the hart's running thread is kept as a SyncThread:
// arch/riscv64/cpu.h's Cpu::current_thread, read with one load off tp by
// this_cpu_current_thread(). The locks' fast paths therefore need nothing from proc/, and
// neither does any header of mm/ or fs/ that includes them (tools/check-layers checks it).
// Thread::current() turns the pointer back into a Thread, which costs nothing at offset 0.
//
// Parking and waking (the scheduler's part) are declared here and defined by the thread
// code (proc/thread_services.cc), as sync/kernel_thread.h's functions are.
//
// Invariants: the held-lock state is touched only by the thread itself (a lock records
// what its caller took or released); the idle flag is set once, by the scheduler, before
// the hart's idle thread runs, and never cleared; name() lives as long as the thread.
#pragma once

#include "sync/lock_order.h"

class Spinlock;

class SyncThread {
public:
    // The thread's name, for the locks' panic messages.
    const char* name() const { return m_name; }
    bool is_idle_thread() const { return m_is_idle; }

    // The sleeping locks (Mutex, RwLock) this thread holds, for the lock-order checker.
    HeldLockRanks& held_sleeping_lock_ranks() { return m_sleeping_lock_ranks; }
    const HeldLockRanks& held_sleeping_lock_ranks() const { return m_sleeping_lock_ranks; }
    int sleeping_locks_held() const { return m_sleeping_locks_held; }
    void note_sleeping_lock_acquired(LockRank rank) {
        ++m_sleeping_locks_held;
        m_sleeping_lock_ranks.note_acquired(rank);
    }
    void note_sleeping_lock_released(LockRank rank) {
        --m_sleeping_locks_held;
        m_sleeping_lock_ranks.note_released(rank);
    }

protected:
    // `name` must outlive the object (Thread passes its own name buffer).
    explicit SyncThread(const char* name)
        : m_name(name)
    {
    }
    ~SyncThread() = default;
    SyncThread(const SyncThread&) = delete;
    SyncThread& operator=(const SyncThread&) = delete;

    void mark_idle_thread() { m_is_idle = true; }

private:
    const char* m_name;
    bool m_is_idle { false };
    int m_sleeping_locks_held { 0 };
    HeldLockRanks m_sleeping_lock_ranks;
};

namespace sync_thread {

// Makes the calling thread stop being runnable and switches away, releasing `lock` (a
// spinlock the caller holds, its only one) once the thread can no longer miss a wake().
// Returns, with no spinlock held, after wake(). The wait queue's primitive.
void block_current_releasing(Spinlock& lock);

// Makes a thread that block_current_releasing() parked runnable again.
void wake(SyncThread& thread);

}  // namespace sync_thread
