// Mutex: see mutex.h.
#include "sync/mutex.h"

#include "lib/panic.h"
#include "sync/lock_statistics.h"
#include "sync/sleeping_lock_caller.h"

using sync_detail::checked_sleeping_lock_caller;

void sync_detail::bad_sleeping_lock_caller(const char* what, const char* name, SyncThread* thread, int spinlocks_held) {
    if (!thread || thread->is_idle_thread())
        panic("%s '%s' taken outside a thread", what, name);
    panic("%s '%s' taken by thread '%s' while it holds %d spinlocks", what, name, thread->name(), spinlocks_held);
}

void Mutex::panic_recursive(SyncThread& self) const {
    panic("mutex '%s' locked recursively by thread '%s'", m_name, self.name());
}

void Mutex::panic_not_owner(SyncThread* self, SyncThread* owner) const {
    panic("mutex '%s' unlocked by thread '%s', but %s owns it", m_name, self ? self->name() : "(none)",
          owner ? owner->name() : "nobody");
}

void Mutex::lock_slow(SyncThread& self) {
    uint64_t started = lock_statistics::wait_started();
    SpinlockLocker locker(m_state_lock);
    m_waiting.fetch_add(1, std::memory_order_seq_cst);
    m_waiters.wait_until(m_state_lock, [this, &self] {
        SyncThread* expected = nullptr;
        return m_owner.compare_exchange_strong(expected, &self, std::memory_order_seq_cst);
    });
    m_waiting.fetch_sub(1, std::memory_order_relaxed);
    lock_statistics::note_wait(m_rank, started);
}

SyncThread& Mutex::lock_nested(const Mutex& outer) {
    SyncThread& self = checked_sleeping_lock_caller("mutex", m_name);
    if (m_owner.load(std::memory_order_relaxed) == &self)
        panic_recursive(self);
    if (outer.m_owner.load(std::memory_order_relaxed) != &self || outer.m_rank != m_rank)
        panic("mutex '%s' nested under '%s', which thread '%s' does not hold at the same rank", m_name,
              outer.m_name, self.name());
    self.held_sleeping_lock_ranks().check_acquire_nested(m_rank, m_name);
    SyncThread* expected = nullptr;
    if (!m_owner.compare_exchange_strong(expected, &self, std::memory_order_acquire, std::memory_order_relaxed))
        lock_slow(self);
    self.note_sleeping_lock_acquired(m_rank);
    return self;
}

bool Mutex::try_lock() {
    SyncThread& self = checked_sleeping_lock_caller("mutex", m_name);
    if (m_owner.load(std::memory_order_relaxed) == &self)
        panic("mutex '%s' locked recursively by thread '%s'", m_name, self.name());
    SyncThread* expected = nullptr;
    if (!m_owner.compare_exchange_strong(expected, &self, std::memory_order_acquire, std::memory_order_relaxed))
        return false;
    // Not waiting cannot deadlock, so the order is not checked; the rank still counts
    // for the locks taken after this one.
    self.note_sleeping_lock_acquired(m_rank);
    return true;
}

void Mutex::wake_waiter() {
    SpinlockLocker locker(m_state_lock);
    m_waiters.wake_one();
}

bool Mutex::is_locked_by_current_thread() const {
    SyncThread* self = sync_detail::current_sleeping_lock_thread();
    return self != nullptr && m_owner.load(std::memory_order_relaxed) == self;
}
