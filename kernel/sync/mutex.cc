// Mutex: see mutex.h.
#include "sync/mutex.h"

#include "lib/panic.h"
#include "proc/thread.h"

namespace {

// Expects the mutex's state lock held. Sleeping locks may not be taken under a spinlock:
// the state lock must be the only one.
Thread& current_thread_for(const char* what, const char* name) {
    Cpu* cpu = this_cpu();
    Thread* self = cpu->current_thread;
    if (!self || self->is_idle_thread())
        panic("%s '%s' taken outside a thread", what, name);
    if (cpu->spinlocks_held != 1)
        panic("%s '%s' taken by thread '%s' while it holds %d spinlocks", what, name, self->name(),
              cpu->spinlocks_held - 1);
    return *self;
}

}  // namespace

void Mutex::lock() {
    SpinlockLocker locker(m_state_lock);
    Thread& self = current_thread_for("mutex", m_name);
    if (m_owner == &self)
        panic("mutex '%s' locked recursively by thread '%s'", m_name, self.name());
    self.held_sleeping_lock_ranks().check_acquire(m_rank, nullptr, m_name);
    m_waiters.wait_until(m_state_lock, [this] { return m_owner == nullptr; });
    take_locked(self);
}

bool Mutex::try_lock() {
    SpinlockLocker locker(m_state_lock);
    Thread& self = current_thread_for("mutex", m_name);
    if (m_owner == &self)
        panic("mutex '%s' locked recursively by thread '%s'", m_name, self.name());
    if (m_owner)
        return false;
    // Not waiting cannot deadlock, so the order is not checked; the rank still counts
    // for the locks taken after this one.
    take_locked(self);
    return true;
}

void Mutex::take_locked(Thread& self) {
    m_owner = &self;
    self.note_sleeping_lock_acquired(m_rank);
}

void Mutex::unlock() {
    SpinlockLocker locker(m_state_lock);
    Thread* self = this_cpu()->current_thread;
    if (m_owner != self) {
        panic("mutex '%s' unlocked by thread '%s', but %s owns it", m_name, self ? self->name() : "(none)",
              m_owner ? m_owner->name() : "nobody");
    }
    m_owner = nullptr;
    self->note_sleeping_lock_released(m_rank);
    m_waiters.wake_one();
}

bool Mutex::is_locked_by_current_thread() const {
    SpinlockLocker locker(m_state_lock);
    return m_owner != nullptr && m_owner == this_cpu()->current_thread;
}
