// RwLock: see rw_lock.h.
#include "sync/rw_lock.h"

#include "lib/panic.h"
#include "sync/lock_statistics.h"
#include "sync/sleeping_lock_caller.h"

using sync_detail::checked_sleeping_lock_caller;

void RwLock::panic_read_while_writing(SyncThread& self) const {
    panic("rw lock '%s': thread '%s' takes the read lock while holding the write lock", m_name, self.name());
}

void RwLock::panic_recursive_write(SyncThread& self) const {
    panic("rw lock '%s' write-locked recursively by thread '%s'", m_name, self.name());
}

void RwLock::panic_not_writer(SyncThread* self, SyncThread* writer) const {
    panic("rw lock '%s' write-unlocked by thread '%s', but %s holds it", m_name, self ? self->name() : "(none)",
          writer ? writer->name() : "no writer");
}

void RwLock::lock_read_slow() {
    uint64_t started = lock_statistics::wait_started();
    SpinlockLocker locker(m_state_lock);
    m_state.fetch_add(kReaderWaiting, std::memory_order_seq_cst);
    m_readers_queue.wait_until(m_state_lock, [this] {
        uint64_t state = m_state.load(std::memory_order_relaxed);
        for (;;) {
            if (state & (kWriter | kWritersWaitingMask))
                return false;  // Writer-preferring: wait behind the writer.
            if (m_state.compare_exchange_weak(state, state - kReaderWaiting + kReader, std::memory_order_seq_cst))
                return true;
        }
    });
    lock_statistics::note_wait(m_rank, started);
}

void RwLock::unlock_read_slow(uint64_t old_state) {
    if ((old_state & kReaderMask) == 0)
        panic("rw lock '%s' read-unlocked, but no reader holds it", m_name);
    SpinlockLocker locker(m_state_lock);
    m_writers_queue.wake_one();
}

void RwLock::lock_write_slow() {
    uint64_t started = lock_statistics::wait_started();
    SpinlockLocker locker(m_state_lock);
    m_state.fetch_add(kWriterWaiting, std::memory_order_seq_cst);
    m_writers_queue.wait_until(m_state_lock, [this] {
        uint64_t state = m_state.load(std::memory_order_relaxed);
        for (;;) {
            if (state & (kWriter | kReaderMask))
                return false;
            if (m_state.compare_exchange_weak(state, (state - kWriterWaiting) | kWriter, std::memory_order_seq_cst))
                return true;
        }
    });
    lock_statistics::note_wait(m_rank, started);
}

// After a writer left (unlock_write) or became a reader (downgrade): hand over to the next
// writer if one sleeps, else let every sleeping reader in. `old_state` is the word just
// before the change.
void RwLock::wake_after_write(uint64_t old_state) {
    if (old_state & kWritersWaitingMask) {
        SpinlockLocker locker(m_state_lock);
        m_writers_queue.wake_one();
    } else if (old_state & kReadersWaitingMask) {
        SpinlockLocker locker(m_state_lock);
        m_readers_queue.wake_all();
    }
}

bool RwLock::try_lock_write() {
    SyncThread& self = checked_sleeping_lock_caller("rw lock", m_name);
    if (m_writer.load(std::memory_order_relaxed) == &self)
        panic_recursive_write(self);
    uint64_t expected = 0;
    if (!m_state.compare_exchange_strong(expected, kWriter, std::memory_order_acquire, std::memory_order_relaxed))
        return false;
    klib::store_relaxed(m_writer, &self);
    self.note_sleeping_lock_acquired(m_rank);
    return true;
}

void RwLock::unlock_write_slow() {
    uint64_t old = m_state.fetch_and(~kWriter, std::memory_order_seq_cst);
    wake_after_write(old);
}

void RwLock::downgrade() {
    SyncThread* self = sync_detail::current_sleeping_lock_thread();
    if (m_writer.load(std::memory_order_relaxed) != self)
        panic("rw lock '%s' downgraded by a thread that does not hold it for writing", m_name);
    klib::store_relaxed(m_writer, nullptr);
    // The rank held stays the same. Readers waiting only for the writer may go now;
    // those waiting behind another writer would only go back to sleep.
    uint64_t old = m_state.fetch_add(kReader - kWriter, std::memory_order_seq_cst);
    if ((old & kWritersWaitingMask) == 0 && (old & kReadersWaitingMask) != 0) {
        SpinlockLocker locker(m_state_lock);
        m_readers_queue.wake_all();
    }
}

bool RwLock::is_write_locked_by_current_thread() const {
    SyncThread* self = sync_detail::current_sleeping_lock_thread();
    return self != nullptr && m_writer.load(std::memory_order_relaxed) == self;
}

size_t RwLock::reader_count() const { return m_state.load(std::memory_order_relaxed) & kReaderMask; }

bool RwLock::is_read_or_write_locked_by_current_thread() const {
    SyncThread* self = sync_detail::current_sleeping_lock_thread();
    return self && (m_writer.load(std::memory_order_relaxed) == self || has_readers_and_rank_held_by(self));
}
