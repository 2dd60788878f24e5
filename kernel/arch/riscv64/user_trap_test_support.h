// Self-tests only: running user code in a thread that has no process.
//
// The user-mode self-test (user_mode_selftest.cc) runs small programs in threads of its own,
// without processes or a disk. It registers each such thread with a handler, and the trap
// code hands that thread's user exceptions to the handler instead of the process layer: an
// ecall calls handler(frame, Resolved, nullptr) before sepc is advanced (the handler
// advances it and returns); a fault that would kill calls handler(frame, result, cause),
// which must not return (Thread::exit). Up to four threads at a time.
//
// Invariants: while no thread is registered (always, outside that self-test), asking for
// the current thread's handler is one load and a branch on the system-call path;
// registration and the search live in user_trap_test_support.cc, not in the trap code.
#pragma once

#include <atomic>

#include "arch/riscv64/trap_frame.h"
#include "mm/fault.h"

using UserTrapTestHandler = void (*)(TrapFrame& frame, FaultResult result, const char* cause);

// Returns false if all slots are taken.
bool register_user_trap_test_thread(const void* thread, UserTrapTestHandler handler);
void unregister_user_trap_test_thread(const void* thread);

namespace user_trap_test_detail {
extern std::atomic<unsigned> g_slots_used;  // Registered threads.
UserTrapTestHandler handler_of_current_thread();
}  // namespace user_trap_test_detail

// The handler registered for the current thread, or nullptr (the process layer's case).
inline UserTrapTestHandler user_trap_test_handler() {
    if (user_trap_test_detail::g_slots_used.load(std::memory_order_acquire) == 0) [[likely]]
        return nullptr;
    return user_trap_test_detail::handler_of_current_thread();
}
