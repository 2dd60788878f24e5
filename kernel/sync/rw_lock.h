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

    void lock_read();
    void unlock_read();
    void lock_write();
    void unlock_write();

    // Turns the calling thread's write lock into a read lock without letting a writer in
    // between (and wakes the readers that waited for the writer).
    void downgrade();

    bool is_write_locked_by_current_thread() const;
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
    {
        m_lock.lock_write();
    }
    ~WriteLocker() { m_lock.unlock_write(); }
    WriteLocker(const WriteLocker&) = delete;
    WriteLocker& operator=(const WriteLocker&) = delete;

private:
    RwLock& m_lock;
};
