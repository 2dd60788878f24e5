// The user-trap test slots: see user_trap_test_support.h.
#include "arch/riscv64/user_trap_test_support.h"

#include "proc/thread.h"
#include "sync/spinlock.h"

namespace {

struct UserTrapTestSlot {
    std::atomic<const void*> thread { nullptr };
    UserTrapTestHandler handler { nullptr };
};

UserTrapTestSlot s_slots[4];
Spinlock s_slots_lock { "user trap test slots", LockRank::Test };

}  // namespace

std::atomic<unsigned> user_trap_test_detail::g_slots_used { 0 };

UserTrapTestHandler user_trap_test_detail::handler_of_current_thread() {
    const void* self = Thread::current();
    for (auto& slot : s_slots) {
        if (slot.thread.load(std::memory_order_acquire) == self)
            return slot.handler;
    }
    return nullptr;
}

bool register_user_trap_test_thread(const void* thread, UserTrapTestHandler handler) {
    SpinlockLocker locker(s_slots_lock);
    for (auto& slot : s_slots) {
        if (slot.thread.load(std::memory_order_relaxed) == nullptr) {
            slot.handler = handler;
            user_trap_test_detail::g_slots_used.fetch_add(1, std::memory_order_acq_rel);
            slot.thread.store(thread, std::memory_order_release);
            return true;
        }
    }
    return false;
}

void unregister_user_trap_test_thread(const void* thread) {
    for (auto& slot : s_slots) {
        const void* expected = thread;
        if (slot.thread.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel))
            user_trap_test_detail::g_slots_used.fetch_sub(1, std::memory_order_acq_rel);
    }
}
