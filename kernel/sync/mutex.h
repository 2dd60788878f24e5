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
// State: m_owner is guarded by m_state_lock (rank SleepingLockState); the mutex itself
// takes part in the lock order with the rank given at construction (lock_order.h).
//
//     Mutex m_lock { "inode", LockRank::Inode };
//     MutexLocker locker(m_lock);
#pragma once

#include "sync/lock_order.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

class Thread;

class Mutex {
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
    void lock();

    // Takes the mutex if it is free; returns whether it did. Never sleeps.
    bool try_lock();

    // Releases the mutex, which the calling thread must own, and wakes one waiter.
    void unlock();

    bool is_locked_by_current_thread() const;

    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    void take_locked(Thread& self);

    mutable Spinlock m_state_lock;
    Thread* m_owner { nullptr };  // Guarded by m_state_lock.
    WaitQueue m_waiters;
    const char* m_name;
    LockRank m_rank;
};

class MutexLocker {
public:
    explicit MutexLocker(Mutex& mutex)
        : m_mutex(mutex)
    {
        m_mutex.lock();
    }
    ~MutexLocker() {
        if (m_held)
            m_mutex.unlock();
    }

    MutexLocker(const MutexLocker&) = delete;
    MutexLocker& operator=(const MutexLocker&) = delete;

    void unlock() {
        m_mutex.unlock();
        m_held = false;
    }
    void lock() {
        m_mutex.lock();
        m_held = true;
    }

private:
    Mutex& m_mutex;
    bool m_held { true };
};
