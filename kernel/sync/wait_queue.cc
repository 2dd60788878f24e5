// WaitQueue: see wait_queue.h.
#include "sync/wait_queue.h"

#include "arch/riscv64/cpu.h"
#include "sync/sync_thread.h"

void WaitQueue::sleep(Spinlock& lock) {
    ASSERT(lock.is_locked_by_this_cpu());
    Waiter waiter;
    waiter.thread = this_cpu_current_thread();
    ASSERT(waiter.thread);
    m_lock.lock();
    m_waiters.push_back(waiter);
    // The thread is on the queue before the caller's lock is dropped: a waker that
    // changes the condition from now on finds it here.
    lock.unlock();
    sync_thread::block_current_releasing(m_lock);
    // The waker unlinked `waiter` before waking us, so it may go out of scope.
    lock.lock();
}

bool WaitQueue::wake_one() {
    SpinlockLocker locker(m_lock);
    Waiter* waiter = m_waiters.pop_front();
    if (!waiter)
        return false;
    // Woken under m_lock: the sleeper cannot return (and destroy its Waiter) before
    // this, and does not touch the queue afterwards.
    sync_thread::wake(*waiter->thread);
    return true;
}

size_t WaitQueue::wake_all() {
    SpinlockLocker locker(m_lock);
    size_t woken = 0;
    while (Waiter* waiter = m_waiters.pop_front()) {
        sync_thread::wake(*waiter->thread);
        ++woken;
    }
    return woken;
}

size_t WaitQueue::waiter_count() {
    SpinlockLocker locker(m_lock);
    return m_waiters.size();
}
