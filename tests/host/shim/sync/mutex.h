// Host shim for kernel/sync/mutex.h: a sleeping lock with a recorded owner, over std::mutex.
// Ranks are not ordered, but as in the kernel a second lock of a rank that does not nest
// (an inode) must be taken with lock_nested(); that, recursion and unlocking a mutex one does
// not own fail an ASSERT, and so does assert_locked() without the mutex. Annotated for
// clang's thread-safety analysis like the kernel's (sync/thread_safety.h).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "lib/assert.h"
#include "sync/lock_order.h"
#include "sync/thread_safety.h"

class CAPABILITY("mutex") Mutex {
public:
    explicit Mutex(const char* name = "mutex", LockRank rank = LockRank::None)
        : m_name(name)
        , m_rank(rank)
    {
    }

    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock() ACQUIRE()
    {
        ASSERT(!is_locked_by_current_thread());
        // As the kernel's checker: a second lock of a rank that does not nest (an inode) is
        // taken only through lock_nested().
        ASSERT(m_rank == LockRank::None || lock_rank_nests(m_rank) || held_of_rank(m_rank) == 0);
        m_mutex.lock();
        m_owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
        note(+1);
    }

    void lock_nested(const Mutex& outer) ACQUIRE() REQUIRES(outer)
    {
        ASSERT(!is_locked_by_current_thread());
        ASSERT(outer.is_locked_by_current_thread() && outer.m_rank == m_rank);
        ASSERT(m_rank == LockRank::None || held_of_rank(m_rank) == 1);  // The second of a pair.
        m_mutex.lock();
        m_owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
        note(+1);
    }

    bool try_lock() TRY_ACQUIRE(true)
    {
        if (!m_mutex.try_lock())
            return false;
        m_owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
        note(+1);
        return true;
    }

    void unlock() RELEASE()
    {
        ASSERT(is_locked_by_current_thread());
        note(-1);
        m_owner.store(std::thread::id(), std::memory_order_relaxed);
        m_mutex.unlock();
    }

    bool is_locked_by_current_thread() const
    {
        return m_owner.load(std::memory_order_relaxed) == std::this_thread::get_id();
    }

    // As the kernel's: fails (aborts, naming the caller) unless the calling thread owns it.
    void assert_locked(const char* function = __builtin_FUNCTION(), const char* file = __builtin_FILE(),
                       unsigned line = __builtin_LINE()) const ASSERT_CAPABILITY(this)
    {
        if (!is_locked_by_current_thread())
            atlas_assert_failed("mutex held by the current thread", file, line, function);
    }

    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

    // Locks of `rank` the calling thread holds.
    static int held_of_rank(LockRank rank) { return t_held[static_cast<unsigned>(rank)]; }

private:
    void note(int delta) { t_held[static_cast<unsigned>(m_rank)] += delta; }

    static inline thread_local int t_held[static_cast<unsigned>(LockRank::Count)] {};
    std::mutex m_mutex;
    std::atomic<std::thread::id> m_owner {};
    const char* m_name;
    LockRank m_rank;
};

class SCOPED_CAPABILITY MutexLocker {
public:
    explicit MutexLocker(Mutex& mutex) ACQUIRE(mutex)
        : m_mutex(mutex)
    {
        m_mutex.lock();
    }
    ~MutexLocker() RELEASE()
    {
        if (m_held)
            m_mutex.unlock();
    }

    MutexLocker(const MutexLocker&) = delete;
    MutexLocker& operator=(const MutexLocker&) = delete;

    void unlock() RELEASE()
    {
        m_mutex.unlock();
        m_held = false;
    }
    void lock() ACQUIRE()
    {
        m_mutex.lock();
        m_held = true;
    }

private:
    Mutex& m_mutex;
    bool m_held { true };
};

// Not a scoped capability for clang's analysis: fs::lock_second_inode returns it by value,
// which the analysis cannot follow, so the second lock of a pair is checked at run time only
// (lock_nested's checks).
class NestedMutexLocker {
public:
    NestedMutexLocker(Mutex& mutex, const Mutex& outer) NO_THREAD_SAFETY_ANALYSIS
        : m_mutex(mutex)
    {
        m_mutex.lock_nested(outer);
    }
    ~NestedMutexLocker() NO_THREAD_SAFETY_ANALYSIS
    {
        if (m_held)
            m_mutex.unlock();
    }

    NestedMutexLocker(const NestedMutexLocker&) = delete;
    NestedMutexLocker& operator=(const NestedMutexLocker&) = delete;

    void unlock() NO_THREAD_SAFETY_ANALYSIS
    {
        m_mutex.unlock();
        m_held = false;
    }

private:
    Mutex& m_mutex;
    bool m_held { true };
};
