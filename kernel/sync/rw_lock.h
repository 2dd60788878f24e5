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
// Fast paths (no spinlock, no interrupt-disable dance beyond reading the current thread):
// lock_read() adds a reader with one compare-and-swap when no writer holds or waits;
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
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sync/lock_order.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

class Thread;

class RwLock {
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
    void lock_read();
    void unlock_read();
    // lock_write() returns the calling thread, which a caller that keeps it (WriteLocker)
    // hands back to unlock_write(self) rather than have it read the current thread again.
    Thread& lock_write();
    void unlock_write();
    void unlock_write(Thread& self);

    // Turns the calling thread's write lock into a read lock without letting a writer in
    // between (and wakes the readers that waited for the writer).
    void downgrade();

    bool is_write_locked_by_current_thread() const;
    // The same for a thread the caller already knows (WriteLocker::thread()): one load,
    // inline, for assertions on hot paths (the fault pipeline's steps).
    bool is_write_locked_by(const Thread& thread) const {
        return m_writer.load(std::memory_order_relaxed) == &thread;
    }
    // A snapshot, for assertions and tests.
    size_t reader_count() const;

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
    void lock_write_slow();
    void unlock_read_slow(uint64_t old_state);
    void unlock_write_slow();
    [[noreturn]] void panic_read_while_writing(Thread& self) const;
    [[noreturn]] void panic_recursive_write(Thread& self) const;
    [[noreturn]] void panic_not_writer(Thread* self, Thread* writer) const;
    void wake_after_write(uint64_t old_state);

    Spinlock m_state_lock;
    std::atomic<uint64_t> m_state { 0 };
    std::atomic<Thread*> m_writer { nullptr };  // Set while write-held, for the checks.
    WaitQueue m_readers_queue;
    WaitQueue m_writers_queue;
    const char* m_name;
    LockRank m_rank;
};

class ReadLocker {
public:
    explicit ReadLocker(RwLock& lock)
        : m_lock(lock)
    {
        m_lock.lock_read();
    }
    ~ReadLocker() { m_lock.unlock_read(); }
    ReadLocker(const ReadLocker&) = delete;
    ReadLocker& operator=(const ReadLocker&) = delete;

private:
    RwLock& m_lock;
};

class WriteLocker {
public:
    explicit WriteLocker(RwLock& lock)
        : m_lock(lock)
        , m_self(lock.lock_write())
    {
    }
    ~WriteLocker() { m_lock.unlock_write(m_self); }
    WriteLocker(const WriteLocker&) = delete;
    // The thread holding the lock through this locker (the one that made it).
    Thread& thread() const { return m_self; }
    WriteLocker& operator=(const WriteLocker&) = delete;

private:
    RwLock& m_lock;
    Thread& m_self;
};

// The inline fast paths. Included here, after the classes, because the checks read the
// current thread (proc/thread.h), which does not include this header.
#include "sync/sleeping_lock_caller.h"

inline void RwLock::lock_read() {
    Thread& self = sync_detail::checked_sleeping_lock_caller("rw lock", m_name);
    if (m_writer.load(std::memory_order_relaxed) == &self) [[unlikely]]
        panic_read_while_writing(self);
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    uint64_t state = m_state.load(std::memory_order_relaxed);
    if ((state & (kWriter | kWritersWaitingMask)) != 0
        || !m_state.compare_exchange_strong(state, state + kReader, std::memory_order_acquire,
                                            std::memory_order_relaxed)) [[unlikely]]
        lock_read_slow();
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

inline Thread& RwLock::lock_write() {
    Thread& self = sync_detail::checked_sleeping_lock_caller("rw lock", m_name);
    if (m_writer.load(std::memory_order_relaxed) == &self) [[unlikely]]
        panic_recursive_write(self);
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    uint64_t expected = 0;
    if (!m_state.compare_exchange_strong(expected, kWriter, std::memory_order_acquire, std::memory_order_relaxed))
        [[unlikely]]
        lock_write_slow();
    m_writer.store(&self, std::memory_order_relaxed);
    self.note_sleeping_lock_acquired(m_rank);
    return self;
}

inline void RwLock::unlock_write() { unlock_write(*sync_detail::current_sleeping_lock_thread()); }

inline void RwLock::unlock_write(Thread& self) {
    Thread* writer = m_writer.load(std::memory_order_relaxed);
    if (writer != &self) [[unlikely]]
        panic_not_writer(&self, writer);
    m_writer.store(nullptr, std::memory_order_relaxed);
    self.note_sleeping_lock_released(m_rank);
    uint64_t expected = kWriter;
    if (!m_state.compare_exchange_strong(expected, 0, std::memory_order_release, std::memory_order_relaxed))
        [[unlikely]]
        unlock_write_slow();  // Somebody sleeps.
}
