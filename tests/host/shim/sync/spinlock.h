// Host shim for kernel/sync/spinlock.h: the same interface over std::mutex.
//
// The file system is compiled on the host for its unit tests (tests/host/CMakeLists.txt puts
// tests/host/shim before kernel/ on the include path, so this header replaces the kernel's).
// There are no harts or interrupts on the host, so a Spinlock is simply a mutex; lock ranks
// are accepted and ignored. It is BasicLockable, which the WaitQueue shim relies on. The
// holder is recorded (a thread stands in for a hart), so that assert_locked() can tell.
// Annotated for clang's thread-safety analysis like the kernel's (sync/thread_safety.h).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "lib/assert.h"
#include "sync/lock_order.h"
#include "sync/thread_safety.h"

class CAPABILITY("spinlock") Spinlock {
public:
    explicit Spinlock(const char* name = "spinlock", LockRank rank = LockRank::None)
        : m_name(name)
        , m_rank(rank)
    {
    }

    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    void lock() ACQUIRE()
    {
        m_mutex.lock();
        m_holder.store(std::this_thread::get_id(), std::memory_order_relaxed);
    }
    void unlock() RELEASE()
    {
        m_holder.store(std::thread::id(), std::memory_order_relaxed);
        m_mutex.unlock();
    }
    bool try_lock() TRY_ACQUIRE(true)
    {
        if (!m_mutex.try_lock())
            return false;
        m_holder.store(std::this_thread::get_id(), std::memory_order_relaxed);
        return true;
    }

    bool is_locked_by_this_cpu() const { return m_holder.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

    // As the kernel's: fails (aborts, naming the caller) unless the calling thread holds it.
    void assert_locked(const char* function = __builtin_FUNCTION(), const char* file = __builtin_FILE(),
                       unsigned line = __builtin_LINE()) const ASSERT_CAPABILITY(this)
    {
        if (!is_locked_by_this_cpu())
            atlas_assert_failed("spinlock held by this hart", file, line, function);
    }

    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    std::mutex m_mutex;
    std::atomic<std::thread::id> m_holder {};
    const char* m_name;
    LockRank m_rank;
};

class SCOPED_CAPABILITY SpinlockLocker {
public:
    explicit SpinlockLocker(Spinlock& lock) ACQUIRE(lock)
        : m_lock(lock)
    {
        m_lock.lock();
    }
    ~SpinlockLocker() RELEASE()
    {
        if (m_held)
            m_lock.unlock();
    }

    SpinlockLocker(const SpinlockLocker&) = delete;
    SpinlockLocker& operator=(const SpinlockLocker&) = delete;

    void unlock() RELEASE()
    {
        m_lock.unlock();
        m_held = false;
    }
    void lock() ACQUIRE()
    {
        m_lock.lock();
        m_held = true;
    }

    Spinlock& lock_object() { return m_lock; }

private:
    Spinlock& m_lock;
    bool m_held { true };
};
