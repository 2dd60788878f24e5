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
//   state:  m_readers > 0, m_writer == nullptr      read-held
//           m_readers == 0, m_writer == thread     write-held
//           m_writers_waiting counts writers asleep in lock_write()
//
// Checks: recursive write locking, reading while holding the write lock, and unlocking
// a lock the thread does not hold (for writers; readers are only counted) panic. Like
// Mutex, it may be taken only by a thread holding no spinlock, and it takes part in the
// lock order with the rank given at construction.
#pragma once

#include <cstddef>

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
    mutable Spinlock m_state_lock;
    // Guarded by m_state_lock.
    size_t m_readers { 0 };
    Thread* m_writer { nullptr };
    size_t m_writers_waiting { 0 };
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
