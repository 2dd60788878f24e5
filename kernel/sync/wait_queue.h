// WaitQueue: where threads sleep until some condition, guarded by a lock, becomes true.
//
// The condition lives with the caller and is guarded by the caller's Spinlock; the queue
// only holds the sleepers. The pattern, on both sides:
//
//     sleeper                                   waker
//     SpinlockLocker locker(m_lock);            {
//     while (!m_ready)                              SpinlockLocker locker(m_lock);
//         m_queue.sleep(m_lock);                    m_ready = true;
//     ... use what became ready ...             }
//                                               m_queue.wake_one();   // or under the lock
//
// No wake-up is lost: sleep() puts the thread on the queue before it releases the
// caller's lock, and it stops being runnable before the queue's own lock is released, so
// a waker that changed the condition under the caller's lock either runs before the
// sleeper checked it (and the sleeper sees the change) or finds the sleeper on the queue.
//
// Each sleeper waits through a Waiter record on its own stack (no allocation, so
// sleeping cannot fail); the queue links the records in arrival order, so wake_one wakes
// the longest waiter (FIFO). Spurious wake-ups are possible in principle (callers
// re-check their condition in a loop, as above) but this implementation does not produce
// them.
//
// Parking and waking a thread are the scheduler's: this layer reaches them through
// sync/sync_thread.h (block_current_releasing, wake), which proc/ implements.
//
// Locking: the queue's own spinlock has rank WaitQueue, after every caller's lock and
// before the scheduler's. sleep() must be called with exactly one spinlock held, the one
// passed in, and no InterruptDisabler of the caller's own; wake_one and wake_all may be
// called with or without the caller's lock, from threads or interrupt handlers.
#pragma once

#include <cstddef>

#include "lib/intrusive_list.h"
#include "sync/spinlock.h"

class SyncThread;

class WaitQueue {
public:
    explicit WaitQueue(const char* name = "wait queue")
        : m_lock(name, LockRank::WaitQueue)
    {
    }

    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    ~WaitQueue() { ASSERT(m_waiters.empty()); }

    // Puts the current thread to sleep until woken. `lock` must be held by the caller
    // (and be the only spinlock held); it is released while the thread sleeps and held
    // again when sleep() returns.
    void sleep(Spinlock& lock);

    // Sleeps, under `lock`, until `condition()` is true; returns with `lock` held.
    template<typename Condition>
    void wait_until(Spinlock& lock, Condition condition) {
        while (!condition())
            sleep(lock);
    }

    // Wakes the thread that has waited longest; returns whether there was one.
    bool wake_one();

    // Wakes every sleeper; returns how many there were.
    size_t wake_all();

    // The number of sleepers right now; stale unless the caller's lock orders it.
    size_t waiter_count();

private:
    struct Waiter {
        ListNode node;
        SyncThread* thread;
    };

    Spinlock m_lock;
    IntrusiveList<Waiter, &Waiter::node> m_waiters;  // Guarded by m_lock.
};
