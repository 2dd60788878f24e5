// Spinlock: see spinlock.h.
#include "sync/spinlock.h"

#include "lib/panic.h"
#include "lib/plain_store.h"
#include "sync/interrupt_disabler.h"
#include "sync/lock_statistics.h"
#include "sync/sync_thread.h"

namespace {

// Roughly tens of seconds of spinning under QEMU: far longer than any critical section,
// so reaching it means a deadlock or a lost unlock, which is better reported than hung.
constexpr uint64_t kSpinLimit = 1ull << 32;

const HeldLockRanks* current_thread_sleeping_ranks(Cpu* cpu) {
    return cpu->current_thread ? &cpu->current_thread->held_sleeping_lock_ranks() : nullptr;
}

}  // namespace

void Spinlock::lock() {
    Cpu* cpu = push_interrupts_disabled();
    if (m_holder.load(std::memory_order_relaxed) == cpu) [[unlikely]]
        panic("spinlock '%s' taken recursively on hart %lu", m_name, cpu->hart_id);
    if (m_rank != LockRank::None)
        cpu->spinlock_ranks.check_acquire(m_rank, current_thread_sleeping_ranks(cpu), m_name);
    if (m_locked.exchange(1, std::memory_order_acquire)) [[unlikely]]
        spin_until_acquired(cpu);
    note_acquired(cpu);
}

void Spinlock::spin_until_acquired(Cpu* cpu) {
    uint64_t started = lock_statistics::wait_started();
    uint64_t spins = 0;
    do {
        // Spin on a plain load so that waiting harts do not bounce the line between them.
        while (m_locked.load(std::memory_order_relaxed)) {
            if (++spins == kSpinLimit) {
                Cpu* holder = m_holder.load(std::memory_order_relaxed);
                panic("spinlock '%s' held for too long (by hart %lu), wanted by hart %lu", m_name,
                      holder ? holder->hart_id : ~0ul, cpu->hart_id);
            }
        }
    } while (m_locked.exchange(1, std::memory_order_acquire));
    lock_statistics::note_wait(m_rank, started);
}

bool Spinlock::try_lock() {
    Cpu* cpu = push_interrupts_disabled();
    if (m_holder.load(std::memory_order_relaxed) == cpu)
        panic("spinlock '%s' taken recursively on hart %lu", m_name, cpu->hart_id);
    if (m_locked.exchange(1, std::memory_order_acquire)) {
        pop_interrupts_disabled(cpu);
        return false;
    }
    // A lock taken without waiting cannot deadlock, but it still joins the order for the
    // locks taken after it.
    note_acquired(cpu);
    return true;
}

void Spinlock::note_acquired(Cpu* cpu) {
    klib::store_relaxed(m_holder, cpu);
    ++cpu->spinlocks_held;
    cpu->spinlock_ranks.note_acquired(m_rank);
}

void Spinlock::unlock() {
    Cpu* cpu = this_cpu();
    Cpu* holder = m_holder.load(std::memory_order_relaxed);
    if (holder != cpu) [[unlikely]] {
        panic("spinlock '%s' released by hart %lu, but %s", m_name, cpu->hart_id,
              holder ? "another hart holds it" : "nobody holds it");
    }
    // Held by this hart, so both counts are at least 1; interrupts must still be off (this
    // catches a holder that turned them on).
    ASSERT(!interrupts_enabled());
    --cpu->spinlocks_held;
    if (m_rank != LockRank::None)
        cpu->spinlock_ranks.note_released(m_rank);
    klib::store_relaxed(m_holder, nullptr);
    klib::store_release(m_locked, 0);
    pop_interrupts_disabled(cpu);
}
