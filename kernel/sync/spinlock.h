// Spinlock: a busy-waiting lock for short critical sections, usable with interrupts off.
//
// Taking a Spinlock disables interrupts on this hart (through the InterruptDisabler
// counter in Cpu) before spinning, so an interrupt handler on the same hart can never
// find the lock held by the code it interrupted, and the holder cannot be preempted or
// migrate. The lock records which hart holds it, which makes three bugs loud:
//   - taking a lock this hart already holds (recursion) panics instead of hanging;
//   - releasing a lock this hart does not hold panics;
//   - sleeping (blocking, yielding) while holding one panics in the scheduler.
// A spinlock built with a LockRank is checked against the global order (lock_order.h).
// A function that needs the lock held says so by a name ending in _locked and asserts it
// on its first line: `m_lock.assert_locked();` (docs/concurrency.md).
//
// Invariants: m_holder is non-null exactly while the lock is held, and then names the
// holding hart; that hart's Cpu::spinlocks_held counts it. Critical sections are short
// and never sleep, allocate memory that may sleep, or wait for I/O.
//
//     Spinlock s_lock { "run queue", LockRank::Scheduler };
//     {
//         SpinlockLocker locker(s_lock);
//         ...
//     }
#pragma once

#include <atomic>
#include <cstdint>

#include "arch/riscv64/cpu.h"
#include "lib/assert.h"
#include "sync/lock_order.h"
#include "sync/thread_safety.h"

class CAPABILITY("spinlock") Spinlock {
public:
    explicit constexpr Spinlock(const char* name = "spinlock", LockRank rank = LockRank::None)
        : m_name(name)
        , m_rank(rank)
    {
    }

    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    // Disables interrupts, then waits for the lock. Panics if this hart holds it already
    // or if taking it would break the lock order.
    void lock() ACQUIRE();

    // Releases the lock and restores the interrupt state of the outermost disabler.
    // Panics if this hart does not hold it.
    void unlock() RELEASE();

    // Takes the lock if it is free, without waiting. Returns whether it did.
    bool try_lock() TRY_ACQUIRE(true);

    // Whether this hart holds the lock. (Whether some other hart does is stale as soon
    // as it is read, so there is deliberately no is_locked().)
    bool is_locked_by_this_cpu() const { return m_holder.load(std::memory_order_relaxed) == this_cpu(); }

    // Panics unless this hart holds the lock: the first line of every function whose name
    // ends in _locked. A load and a compare; the defaulted arguments name the caller in the
    // message and cost nothing unless it fails.
    void assert_locked(const char* function = __builtin_FUNCTION(), const char* file = __builtin_FILE(),
                       unsigned line = __builtin_LINE()) const ASSERT_CAPABILITY(this) {
        if (!is_locked_by_this_cpu()) [[unlikely]]
            atlas_assert_failed("spinlock held by this hart", file, line, function);
    }

    const char* name() const { return m_name; }
    LockRank rank() const { return m_rank; }

private:
    void note_acquired(Cpu*);
    void spin_until_acquired(Cpu*);

    std::atomic<uint32_t> m_locked { 0 };  // 32 bits: RV64A has no byte-sized atomics.
    std::atomic<Cpu*> m_holder { nullptr };
    const char* m_name;
    LockRank m_rank;
};

// Holds a Spinlock for its lifetime. unlock()/lock() let a caller drop the lock for a
// while (for example around an allocation) and take it back; the destructor releases it
// only if it is held.
class SCOPED_CAPABILITY SpinlockLocker {
public:
    explicit SpinlockLocker(Spinlock& lock) ACQUIRE(lock)
        : m_lock(lock)
    {
        m_lock.lock();
    }
    ~SpinlockLocker() RELEASE() {
        if (m_held)
            m_lock.unlock();
    }

    SpinlockLocker(const SpinlockLocker&) = delete;
    SpinlockLocker& operator=(const SpinlockLocker&) = delete;

    void unlock() RELEASE() {
        m_lock.unlock();
        m_held = false;
    }
    void lock() ACQUIRE() {
        m_lock.lock();
        m_held = true;
    }

    Spinlock& lock_object() { return m_lock; }

private:
    Spinlock& m_lock;
    bool m_held { true };
};
