// Host shim for kernel/sync/mutex.h: a sleeping lock with a recorded owner, over std::mutex.
// Ranks are accepted and ignored; recursion and unlocking a mutex one does not own fail an
// ASSERT, as in the kernel.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "lib/assert.h"
#include "sync/lock_order.h"

class Mutex {
public:
    explicit Mutex(const char* name = "mutex", LockRank rank = LockRank::None)
        : m_name(name)
        , m_rank(rank)
    {
    }

    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock()
    {
        ASSERT(!is_locked_by_current_thread());
        m_mutex.lock();
        m_owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
    }

    bool try_lock()
    {
        if (!m_mutex.try_lock())
            return false;
        m_owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
        return true;
    }

    void unlock()
    {
        ASSERT(is_locked_by_current_thread());
        m_owner.store(std::thread::id(), std::memory_order_relaxed);
        m_mutex.unlock();
    }

    bool is_locked_by_current_thread() const
    {
        return m_owner.load(std::memory_order_relaxed) == std::this_thread::get_id();
    }

    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    std::mutex m_mutex;
    std::atomic<std::thread::id> m_owner {};
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
    ~MutexLocker()
    {
        if (m_held)
            m_mutex.unlock();
    }

    MutexLocker(const MutexLocker&) = delete;
    MutexLocker& operator=(const MutexLocker&) = delete;

    void unlock()
    {
        m_mutex.unlock();
        m_held = false;
    }
    void lock()
    {
        m_mutex.lock();
        m_held = true;
    }

private:
    Mutex& m_mutex;
    bool m_held { true };
};
