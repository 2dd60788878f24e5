// Mutex: a sleeping lock with one owner, for critical sections that may block (take
// other sleeping locks, allocate, wait for I/O).
//
// A thread that finds the mutex taken sleeps on its wait queue instead of spinning, so a
// Mutex may only be taken by a thread (never in an interrupt handler) holding no
// spinlock. The owning thread is recorded, which turns two bugs into panics: taking a
// mutex the thread already owns (recursion), and unlocking one it does not own. A thread
// may not exit while it owns a mutex.
//
// Fairness: unlock wakes the longest waiter, but a thread that arrives before the woken
// one runs may take the mutex first (barging). This keeps the lock fast when lightly
// contended; the woken thread re-checks and sleeps again if it lost.
//
// State: m_owner is an atomic word. Uncontended, lock() is one compare-and-swap of it
// from nullptr to the caller and unlock() one store back, with no spinlock and no
// interrupt-disable work (the current thread is one load: sync/sleeping_lock_caller.h).
// A thread that finds it taken goes the slow way: under m_state_lock (rank
// SleepingLockState) it counts itself in m_waiting, retries the swap and sleeps on
// m_waiters. unlock() stores nullptr and then reads m_waiting, with a full fence between
// (the waiter's side is sequentially consistent), so either it sees the waiter and wakes
// it (under m_state_lock, which the waiter holds until it is on the queue), or the
// waiter's retry sees the mutex free. The mutex itself takes part in the lock order with
// the rank given at construction (lock_order.h), checked on every lock().
//
//     Mutex m_lock { "inode", LockRank::Inode };
//     MutexLocker locker(m_lock);
//
// A function that needs the mutex held says so by a name ending in _locked and asserts it
// on its first line: `m_lock.assert_locked();` (docs/concurrency.md).
#pragma once

#include <atomic>
#include <cstdint>

#include "lib/plain_store.h"
#include "sync/lock_order.h"
#include "sync/spinlock.h"
#include "sync/thread_safety.h"
#include "sync/wait_queue.h"

class SyncThread;

class CAPABILITY("mutex") Mutex {
public:
    explicit Mutex(const char* name = "mutex", LockRank rank = LockRank::None)
        : m_state_lock(name, LockRank::SleepingLockState)
        , m_waiters(name)
        , m_name(name)
        , m_rank(rank)
    {
    }

    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    // Takes the mutex, sleeping while another thread owns it. Call with no spinlock held.
    // lock() and unlock() are inline (below): their uncontended paths are a few
    // instructions, and the page-fault path takes a mutex on every file fault.
    // Returns the calling thread, for the unlock(SyncThread&) of a caller that keeps it.
    SyncThread& lock() ACQUIRE();

    // Takes the mutex while the calling thread holds `outer`, another mutex of the same
    // rank, in an order the caller has checked against that rank's own rule (the inode pair
    // rule of lock_order.h: a plain lock() of a second inode panics). Panics if the caller
    // does not hold `outer`, if `outer` has another rank, or if `outer` is not the only lock
    // of that rank the caller holds (this is the second of a pair). Out of line: it is rare.
    SyncThread& lock_nested(const Mutex& outer) ACQUIRE() REQUIRES(outer);

    // Takes the mutex if it is free; returns whether it did. Never sleeps.
    bool try_lock() TRY_ACQUIRE(true);

    // Releases the mutex, which the calling thread must own, and wakes one waiter.
    // unlock(self) is the same for a caller that knows it is `self` (what lock()
    // returned): MutexLocker, which saves reading the current thread a second time.
    void unlock() RELEASE();
    void unlock(SyncThread& self) RELEASE();

    bool is_locked_by_current_thread() const;

    // Stops the kernel (as a failed ASSERT) unless the calling thread owns the mutex: the
    // first line of every function whose name ends in _locked. Inline, two loads and a
    // compare: the owner word against the current thread (this_cpu_current_thread).
    // The defaulted arguments name the caller in the message and cost nothing unless it
    // fails. (Before a hart runs its first thread, nothing can own the mutex, and the check
    // cannot tell: the owner and the current thread are both null.)
    void assert_locked(const char* function = __builtin_FUNCTION(), const char* file = __builtin_FILE(),
                       unsigned line = __builtin_LINE()) const ASSERT_CAPABILITY(this);

    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    void lock_slow(SyncThread& self);
    void wake_waiter();
    [[noreturn]] void panic_recursive(SyncThread& self) const;
    [[noreturn]] void panic_not_owner(SyncThread* self, SyncThread* owner) const;

    Spinlock m_state_lock;
    std::atomic<SyncThread*> m_owner { nullptr };
    std::atomic<uint32_t> m_waiting { 0 };  // Threads in lock_slow(); changed under m_state_lock.
    WaitQueue m_waiters;
    const char* m_name;
    LockRank m_rank;
};

class SCOPED_CAPABILITY MutexLocker {
public:
    explicit MutexLocker(Mutex& mutex) ACQUIRE(mutex)
        : m_mutex(mutex)
        , m_self(mutex.lock())
    {
    }
    ~MutexLocker() RELEASE() {
        if (m_held)
            m_mutex.unlock(m_self);
    }

    MutexLocker(const MutexLocker&) = delete;
    MutexLocker& operator=(const MutexLocker&) = delete;

    void unlock() RELEASE() {
        m_mutex.unlock(m_self);
        m_held = false;
    }
    void lock() ACQUIRE() {
        m_mutex.lock();
        m_held = true;
    }

private:
    Mutex& m_mutex;
    SyncThread& m_self;  // The thread that took it (a locker never changes threads).
    bool m_held { true };
};

// A MutexLocker for a mutex taken with lock_nested() under `outer`.
// Not a scoped capability for clang's analysis: fs::lock_second_inode returns it by value,
// which the analysis cannot follow, so the second lock of a pair is checked at run time only
// (lock_nested's checks).
class NestedMutexLocker {
public:
    NestedMutexLocker(Mutex& mutex, const Mutex& outer) NO_THREAD_SAFETY_ANALYSIS
        : m_mutex(mutex)
        , m_self(mutex.lock_nested(outer))
    {
    }
    ~NestedMutexLocker() NO_THREAD_SAFETY_ANALYSIS {
        if (m_held)
            m_mutex.unlock(m_self);
    }

    NestedMutexLocker(const NestedMutexLocker&) = delete;
    NestedMutexLocker& operator=(const NestedMutexLocker&) = delete;

    void unlock() NO_THREAD_SAFETY_ANALYSIS {
        m_mutex.unlock(m_self);
        m_held = false;
    }

private:
    Mutex& m_mutex;
    SyncThread& m_self;
    bool m_held { true };
};

// The inline fast paths. Included here, after the classes: the checks read the current
// thread as a SyncThread (sync/sync_thread.h, which includes nothing of proc/).
#include "sync/sleeping_lock_caller.h"

inline SyncThread& Mutex::lock() {
    SyncThread& self = sync_detail::checked_sleeping_lock_caller("mutex", m_name);
    if (m_owner.load(std::memory_order_relaxed) == &self) [[unlikely]]
        panic_recursive(self);
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    SyncThread* expected = nullptr;
    if (!m_owner.compare_exchange_strong(expected, &self, std::memory_order_acquire, std::memory_order_relaxed))
        [[unlikely]]
        lock_slow(self);
    self.note_sleeping_lock_acquired(m_rank);
    return self;
}

inline void Mutex::assert_locked(const char* function, const char* file, unsigned line) const {
    if (m_owner.load(std::memory_order_relaxed) != this_cpu_current_thread()) [[unlikely]]
        atlas_assert_failed("mutex held by the current thread", file, line, function);
}

inline void Mutex::unlock() { unlock(*sync_detail::current_sleeping_lock_thread()); }

inline void Mutex::unlock(SyncThread& self) {
    SyncThread* owner = m_owner.load(std::memory_order_relaxed);
    if (owner != &self) [[unlikely]]
        panic_not_owner(&self, owner);
    self.note_sleeping_lock_released(m_rank);
    // A sequentially consistent store and load, written as the RISC-V mapping has them
    // (lib/plain_store.h): the full fence between them keeps a waiter that counted itself
    // before the store from being missed.
    klib::store_release(m_owner, nullptr);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (m_waiting.load(std::memory_order_relaxed) != 0) [[unlikely]]
        wake_waiter();
}
