// RwLock: a sleeping reader-writer lock. Many readers or one writer.
//
// Used where reads dominate and may block: the address-space lock is taken for reading by
// every page fault and for writing by mmap, munmap and mprotect.
//
// Policy: writer-preferring. Once a writer waits, new readers wait behind it, so a stream
// of readers cannot starve writers (page faults cannot starve munmap). When a writer
// releases the lock it hands over to the next waiting writer if there is one, otherwise
// it wakes every waiting reader at once. The price: a steady stream of writers can starve
// readers, and a thread must never take the read lock twice (a writer arriving between
// the two would deadlock it).
//
//   m_state, one atomic word:  bits  0..19  readers holding the lock
//                              bits 20..39  readers asleep in lock_read()
//                              bits 40..59  writers asleep in lock_write()
//                              bit  63      a writer holds the lock (m_writer says who)
//
// Fast paths (no spinlock, no interrupt-disable work: the current thread is one load):
// lock_read() adds a reader with one compare-and-swap when no writer holds or waits (a
// swap lost to another reader is retried, not slowed down);
// lock_write() sets the writer bit when nobody holds or waits; the unlocks are one atomic
// operation each, and take m_state_lock only when the word they changed says somebody
// sleeps. The slow paths count themselves in the word under m_state_lock before they
// retry and sleep; since every change is to the same word, an unlocking thread either
// sees the sleeper's count (and wakes it, under m_state_lock, which the sleeper holds
// until it is on its queue) or the sleeper's retry sees the lock free.
//
// Checks: recursive write locking, reading while holding the write lock, and unlocking
// a lock the thread does not hold (for writers; readers are only counted) panic. Like
// Mutex, it may be taken only by a thread holding no spinlock, and it takes part in the
// lock order with the rank given at construction.
//
// A function that needs the lock says so by a name ending in _locked and asserts it on its
// first line: `m_lock.assert_write_locked();`, or `m_lock.assert_locked();` where a read
// lock is enough (docs/concurrency.md).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "lib/plain_store.h"
#include "sync/lock_order.h"
#include "sync/spinlock.h"
#include "sync/thread_safety.h"
#include "sync/wait_queue.h"

class SyncThread;

class CAPABILITY("rw lock") RwLock {
public:
    explicit RwLock(const char* name = "rw lock", LockRank rank = LockRank::None)
        : m_state_lock(name, LockRank::SleepingLockState)
        , m_readers_queue(name)
        , m_writers_queue(name)
        , m_name(name)
        , m_rank(rank)
    {
    }

    RwLock(const RwLock&) = delete;
    RwLock& operator=(const RwLock&) = delete;

    // Inline (below): the uncontended paths are a few instructions, and every page fault
    // takes the address-space lock.
    void lock_read() ACQUIRE_SHARED();
    void unlock_read() RELEASE_SHARED();
    // lock_write() returns the calling thread, which a caller that keeps it (WriteLocker)
    // hands back to unlock_write(self) rather than have it read the current thread again.
    SyncThread& lock_write() ACQUIRE();
    void unlock_write() RELEASE();
    void unlock_write(SyncThread& self) RELEASE();
    // Takes the write lock if nobody holds or waits for it; returns whether it did. Never
    // sleeps, so (as for Mutex::try_lock) the lock order is not checked; the rank still
    // counts for the locks taken after it. AddressSpace::clone_for_fork takes the new
    // child's lock this way while it holds the parent's, of the same rank.
    bool try_lock_write() TRY_ACQUIRE(true);

    // Turns the calling thread's write lock into a read lock without letting a writer in
    // between (and wakes the readers that waited for the writer).
    void downgrade() RELEASE() ACQUIRE_SHARED();

    bool is_write_locked_by_current_thread() const;
    // Whether the calling thread holds the lock in either mode, as far as can be told:
    // exact for the writer; readers are counted, not named, so for a reader it is true when
    // the lock has readers and the calling thread holds some sleeping lock of this lock's
    // rank (a reader of another lock of that rank passes). Out of line: for assertions.
    bool is_read_or_write_locked_by_current_thread() const;
    // A snapshot, for assertions and tests.
    size_t reader_count() const;

    // Stop the kernel (as a failed ASSERT) unless the calling thread holds the write lock
    // (assert_write_locked), or holds the lock for reading or writing as far as
    // is_read_or_write_locked_by_current_thread can tell (assert_locked): the first line of
    // every function whose name ends in _locked. Inline, and cheapest for a writer: the
    // writer word against the current thread (this_cpu_current_thread), so
    // the page fault, which holds the write lock, pays two loads and a compare; a reader
    // also reads the state word and its own held ranks. The defaulted arguments name the
    // caller in the message and cost nothing unless it fails. (Before a hart runs its first
    // thread, nothing can hold the lock, and the check cannot tell: the writer and the
    // current thread are both null.)
    void assert_write_locked(const char* function = __builtin_FUNCTION(), const char* file = __builtin_FILE(),
                             unsigned line = __builtin_LINE()) const ASSERT_CAPABILITY(this);
    void assert_locked(const char* function = __builtin_FUNCTION(), const char* file = __builtin_FILE(),
                       unsigned line = __builtin_LINE()) const ASSERT_SHARED_CAPABILITY(this);

    const char* name() const { return m_name; }

private:
    static constexpr uint64_t kReader = 1;
    static constexpr uint64_t kReaderMask = (uint64_t(1) << 20) - 1;
    static constexpr uint64_t kReaderWaiting = uint64_t(1) << 20;
    static constexpr uint64_t kReadersWaitingMask = kReaderMask << 20;
    static constexpr uint64_t kWriterWaiting = uint64_t(1) << 40;
    static constexpr uint64_t kWritersWaitingMask = kReaderMask << 40;
    static constexpr uint64_t kWriter = uint64_t(1) << 63;

    void lock_read_slow();
    // The reader half of is_read_or_write_locked_by_current_thread, for `self`.
    bool has_readers_and_rank_held_by(const SyncThread* self) const;
    void lock_write_slow();
    void unlock_read_slow(uint64_t old_state);
    void unlock_write_slow();
    [[noreturn]] void panic_read_while_writing(SyncThread& self) const;
    [[noreturn]] void panic_recursive_write(SyncThread& self) const;
    [[noreturn]] void panic_not_writer(SyncThread* self, SyncThread* writer) const;
    void wake_after_write(uint64_t old_state);

    Spinlock m_state_lock;
    std::atomic<uint64_t> m_state { 0 };
    std::atomic<SyncThread*> m_writer { nullptr };  // Set while write-held, for the checks.
    WaitQueue m_readers_queue;
    WaitQueue m_writers_queue;
    const char* m_name;
    LockRank m_rank;
};

class SCOPED_CAPABILITY ReadLocker {
public:
    explicit ReadLocker(RwLock& lock) ACQUIRE_SHARED(lock)
        : m_lock(lock)
    {
        m_lock.lock_read();
    }
    ~ReadLocker() RELEASE() { m_lock.unlock_read(); }
    ReadLocker(const ReadLocker&) = delete;
    ReadLocker& operator=(const ReadLocker&) = delete;

private:
    RwLock& m_lock;
};

class SCOPED_CAPABILITY WriteLocker {
public:
    explicit WriteLocker(RwLock& lock) ACQUIRE(lock)
        : m_lock(lock)
        , m_self(lock.lock_write())
    {
    }
    // Adopts the write lock the calling thread took with try_lock_write().
    enum class Adopt { Taken };
    WriteLocker(RwLock& lock, Adopt) REQUIRES(lock);
    ~WriteLocker() RELEASE() { m_lock.unlock_write(m_self); }
    WriteLocker(const WriteLocker&) = delete;
    WriteLocker& operator=(const WriteLocker&) = delete;

private:
    RwLock& m_lock;
    SyncThread& m_self;
};

// The inline fast paths. Included here, after the classes: the checks read the current
// thread as a SyncThread (sync/sync_thread.h, which includes nothing of proc/).
#include "sync/sleeping_lock_caller.h"

inline void RwLock::lock_read() {
    SyncThread& self = sync_detail::checked_sleeping_lock_caller("rw lock", m_name);
    if (m_writer.load(std::memory_order_relaxed) == &self) [[unlikely]]
        panic_read_while_writing(self);
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    // Retried while only other readers change the word: another reader is no reason to
    // wait (nor to count as contention: sync/lock_statistics.h).
    uint64_t state = m_state.load(std::memory_order_relaxed);
    for (;;) {
        if ((state & (kWriter | kWritersWaitingMask)) != 0) [[unlikely]] {
            lock_read_slow();
            break;
        }
        if (m_state.compare_exchange_weak(state, state + kReader, std::memory_order_acquire,
                                          std::memory_order_relaxed)) [[likely]]
            break;
    }
    self.note_sleeping_lock_acquired(m_rank);
}

inline void RwLock::unlock_read() {
    uint64_t old = m_state.fetch_sub(kReader, std::memory_order_release);
    sync_detail::current_sleeping_lock_thread()->note_sleeping_lock_released(m_rank);
    // No reader counted (a bug: panics), or the last reader leaving a waiting writer.
    if ((old & kReaderMask) == 0 || ((old & kReaderMask) == kReader && (old & kWritersWaitingMask) != 0))
        [[unlikely]]
        unlock_read_slow(old);
}

inline SyncThread& RwLock::lock_write() {
    SyncThread& self = sync_detail::checked_sleeping_lock_caller("rw lock", m_name);
    if (m_writer.load(std::memory_order_relaxed) == &self) [[unlikely]]
        panic_recursive_write(self);
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    uint64_t expected = 0;
    if (!m_state.compare_exchange_strong(expected, kWriter, std::memory_order_acquire, std::memory_order_relaxed))
        [[unlikely]]
        lock_write_slow();
    klib::store_relaxed(m_writer, &self);
    self.note_sleeping_lock_acquired(m_rank);
    return self;
}

inline bool RwLock::has_readers_and_rank_held_by(const SyncThread* self) const {
    // A thread counts the ranks of the sleeping locks it holds; LockRank::None is not counted.
    return self && (m_state.load(std::memory_order_relaxed) & kReaderMask) != 0
        && (m_rank == LockRank::None || (self->held_sleeping_lock_ranks().mask() >> static_cast<unsigned>(m_rank)) & 1);
}

inline void RwLock::assert_write_locked(const char* function, const char* file, unsigned line) const {
    if (m_writer.load(std::memory_order_relaxed) != this_cpu_current_thread()) [[unlikely]]
        atlas_assert_failed("rw lock held for writing by the current thread", file, line, function);
}

inline void RwLock::assert_locked(const char* function, const char* file, unsigned line) const {
    SyncThread* self = this_cpu_current_thread();
    if (m_writer.load(std::memory_order_relaxed) != self && !has_readers_and_rank_held_by(self)) [[unlikely]]
        atlas_assert_failed("rw lock held by the current thread", file, line, function);
}

inline WriteLocker::WriteLocker(RwLock& lock, Adopt)
    : m_lock(lock)
    , m_self(*sync_detail::current_sleeping_lock_thread())
{
    m_lock.assert_write_locked();
}

inline void RwLock::unlock_write() { unlock_write(*sync_detail::current_sleeping_lock_thread()); }

inline void RwLock::unlock_write(SyncThread& self) {
    SyncThread* writer = m_writer.load(std::memory_order_relaxed);
    if (writer != &self) [[unlikely]]
        panic_not_writer(&self, writer);
    klib::store_relaxed(m_writer, nullptr);
    self.note_sleeping_lock_released(m_rank);
    uint64_t expected = kWriter;
    if (!m_state.compare_exchange_strong(expected, 0, std::memory_order_release, std::memory_order_relaxed))
        [[unlikely]]
        unlock_write_slow();  // Somebody sleeps.
}
