// RwLock: see rw_lock.h.
#include "sync/rw_lock.h"

#include "lib/panic.h"
#include "proc/thread.h"

namespace {

// Expects the lock's state lock held, and it must be the only spinlock held.
Thread& current_thread_for(const char* name) {
    Cpu* cpu = this_cpu();
    Thread* self = cpu->current_thread;
    if (!self || self->is_idle_thread())
        panic("rw lock '%s' taken outside a thread", name);
    if (cpu->spinlocks_held != 1)
        panic("rw lock '%s' taken by thread '%s' while it holds %d spinlocks", name, self->name(),
              cpu->spinlocks_held - 1);
    return *self;
}

}  // namespace

void RwLock::lock_read() {
    SpinlockLocker locker(m_state_lock);
    Thread& self = current_thread_for(m_name);
    if (m_writer == &self)
        panic("rw lock '%s': thread '%s' takes the read lock while holding the write lock", m_name, self.name());
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    m_readers_queue.wait_until(m_state_lock, [this] { return m_writer == nullptr && m_writers_waiting == 0; });
    ++m_readers;
    self.note_sleeping_lock_acquired(m_rank);
}

void RwLock::unlock_read() {
    SpinlockLocker locker(m_state_lock);
    if (m_readers == 0)
        panic("rw lock '%s' read-unlocked, but no reader holds it", m_name);
    this_cpu()->current_thread->note_sleeping_lock_released(m_rank);
    if (--m_readers == 0 && m_writers_waiting > 0)
        m_writers_queue.wake_one();
}

void RwLock::lock_write() {
    SpinlockLocker locker(m_state_lock);
    Thread& self = current_thread_for(m_name);
    if (m_writer == &self)
        panic("rw lock '%s' write-locked recursively by thread '%s'", m_name, self.name());
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    ++m_writers_waiting;
    m_writers_queue.wait_until(m_state_lock, [this] { return m_writer == nullptr && m_readers == 0; });
    --m_writers_waiting;
    m_writer = &self;
    self.note_sleeping_lock_acquired(m_rank);
}

void RwLock::unlock_write() {
    SpinlockLocker locker(m_state_lock);
    Thread* self = this_cpu()->current_thread;
    if (m_writer != self) {
        panic("rw lock '%s' write-unlocked by thread '%s', but %s holds it", m_name, self ? self->name() : "(none)",
              m_writer ? m_writer->name() : "no writer");
    }
    m_writer = nullptr;
    self->note_sleeping_lock_released(m_rank);
    if (m_writers_waiting > 0)
        m_writers_queue.wake_one();
    else
        m_readers_queue.wake_all();
}

void RwLock::downgrade() {
    SpinlockLocker locker(m_state_lock);
    Thread* self = this_cpu()->current_thread;
    if (m_writer != self)
        panic("rw lock '%s' downgraded by a thread that does not hold it for writing", m_name);
    m_writer = nullptr;
    ++m_readers;
    // The rank held stays the same. Readers waiting only for the writer may go now;
    // those waiting behind another writer would only go back to sleep.
    if (m_writers_waiting == 0)
        m_readers_queue.wake_all();
}

bool RwLock::is_write_locked_by_current_thread() const {
    SpinlockLocker locker(m_state_lock);
    return m_writer != nullptr && m_writer == this_cpu()->current_thread;
}

size_t RwLock::reader_count() const {
    SpinlockLocker locker(m_state_lock);
    return m_readers;
}
