// Host shim for kernel/sync/spinlock.h: the same interface over std::mutex.
//
// The file system is compiled on the host for its unit tests (tests/host/CMakeLists.txt puts
// tests/host/shim before kernel/ on the include path, so this header replaces the kernel's).
// There are no harts or interrupts on the host, so a Spinlock is simply a mutex; lock ranks
// are accepted and ignored. It is BasicLockable, which the WaitQueue shim relies on.
#pragma once

#include <mutex>

#include "sync/lock_order.h"

class Spinlock {
public:
    explicit Spinlock(const char* name = "spinlock", LockRank rank = LockRank::None)
        : m_name(name)
        , m_rank(rank)
    {
    }

    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    void lock() { m_mutex.lock(); }
    void unlock() { m_mutex.unlock(); }
    bool try_lock() { return m_mutex.try_lock(); }

    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    std::mutex m_mutex;
    const char* m_name;
    LockRank m_rank;
};

class SpinlockLocker {
public:
    explicit SpinlockLocker(Spinlock& lock)
        : m_lock(lock)
    {
        m_lock.lock();
    }
    ~SpinlockLocker()
    {
        if (m_held)
            m_lock.unlock();
    }

    SpinlockLocker(const SpinlockLocker&) = delete;
    SpinlockLocker& operator=(const SpinlockLocker&) = delete;

    void unlock()
    {
        m_lock.unlock();
        m_held = false;
    }
    void lock()
    {
        m_lock.lock();
        m_held = true;
    }

    Spinlock& lock_object() { return m_lock; }

private:
    Spinlock& m_lock;
    bool m_held { true };
};
