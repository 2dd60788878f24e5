// Host shim for kernel/sync/wait_queue.h: sleepers wait on a std::condition_variable_any
// over the caller's (shim) Spinlock, which gives the same no-lost-wake-up guarantee as the
// kernel's queue: sleep() releases the caller's lock only once the thread is waiting.
#pragma once

#include <condition_variable>
#include <cstddef>

#include "sync/spinlock.h"

class WaitQueue {
public:
    explicit WaitQueue(const char* = "wait queue") { }

    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // `lock` must be held; it is released while sleeping and held again on return.
    void sleep(Spinlock& lock)
    {
        ++m_waiters;
        m_condition.wait(lock);
        --m_waiters;
    }

    template<typename Condition>
    void wait_until(Spinlock& lock, Condition condition)
    {
        while (!condition())
            sleep(lock);
    }

    // The host cannot tell whether anyone was woken without the caller's lock, so these
    // return what the waiter count said, which is all the callers use them for.
    bool wake_one()
    {
        m_condition.notify_one();
        return m_waiters > 0;
    }
    size_t wake_all()
    {
        size_t count = m_waiters;
        m_condition.notify_all();
        return count;
    }

    size_t waiter_count() { return m_waiters; }

private:
    std::condition_variable_any m_condition;
    size_t m_waiters { 0 };  // Changed only under the caller's lock.
};
