// InterruptDisabler: turns interrupts off on this hart for the lifetime of the guard.
//
// Guards nest. The hart's Cpu counts how deep it is (interrupt_disable_depth) and
// remembers whether interrupts were on when the outermost guard was taken; only the
// outermost guard's release turns them back on, and only if they were on before. So a
// function may disable interrupts without knowing whether its caller already did.
//
//   InterruptDisabler a;      // depth 1, remembers "were on", turns them off
//     InterruptDisabler b;    // depth 2
//     ~b                      // depth 1, still off
//   ~a                        // depth 0, back on
//
// Spinlock uses the same counter (push on lock, pop on unlock), so releases need not be
// in LIFO order as long as the count balances. While the depth is non-zero the thread
// cannot be preempted, so this_cpu() stays valid.
#pragma once

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "lib/assert.h"

// The primitive pair under InterruptDisabler and Spinlock.
inline void push_interrupts_disabled() {
    bool were_enabled = interrupts_enabled();
    disable_interrupts();
    Cpu* cpu = this_cpu();
    if (cpu->interrupt_disable_depth++ == 0)
        cpu->interrupts_were_enabled = were_enabled;
}

inline void pop_interrupts_disabled() {
    ASSERT(!interrupts_enabled());
    Cpu* cpu = this_cpu();
    ASSERT(cpu->interrupt_disable_depth > 0);
    if (--cpu->interrupt_disable_depth == 0 && cpu->interrupts_were_enabled)
        enable_interrupts();
}

class InterruptDisabler {
public:
    InterruptDisabler() { push_interrupts_disabled(); }
    ~InterruptDisabler() { pop_interrupts_disabled(); }

    InterruptDisabler(const InterruptDisabler&) = delete;
    InterruptDisabler& operator=(const InterruptDisabler&) = delete;
};
