// InterruptDisabler: turns interrupts off on this hart for the lifetime of the guard. It is
// the one way kernel code disables interrupts for a stretch of code: critical sections, the
// per-hart caches' fast paths, reading per-hart state without migrating in between.
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
// Spinlock uses the same counter through the same pair, push_interrupts_disabled() and
// pop_interrupts_disabled() below (push on lock, pop on unlock), so releases need not be in
// LIFO order as long as the count balances. While the depth is non-zero the thread cannot
// be preempted, so this_cpu() (and cpu() of a guard) stays valid.
//
// The raw helpers of arch/riscv64/csr.h (disable_interrupts, enable_interrupts) are not
// for critical sections: they set a hart's interrupt state for good or for a trap, and only
// boot (kernel_main), the trap code (trap.cc), the scheduler's idle loop and the idle
// thread's start (scheduler.cc), panic() and power_off() use them.
#pragma once

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "lib/assert.h"

// The primitive pair under InterruptDisabler and Spinlock. push reads and clears SIE with one
// csrrci, and returns this hart's Cpu (valid until the matching pop).
inline Cpu* push_interrupts_disabled() {
    uint64_t previous;
    asm volatile("csrrci %0, sstatus, %1" : "=r"(previous) : "i"(csr::kSstatusSie) : "memory");
    Cpu* cpu = this_cpu();
    if (cpu->interrupt_disable_depth++ == 0)
        cpu->interrupts_were_enabled = previous & csr::kSstatusSie;
    return cpu;
}

// Spinlock::unlock and the guard's release. Spinlock::unlock also checks that interrupts
// are still off and that it was held (a holder that turned them on, or a release without
// an acquire, broke it); a guard's push and pop are paired by its scope, and its hot users
// (the per-hart caches of the frame and heap allocators) skip those checks. The last
// release sets SIE back as it was: a csrs of the saved bit, which is a no-op when it is 0.
inline void pop_interrupts_disabled(Cpu* cpu) {
    if (--cpu->interrupt_disable_depth == 0)
        csr::set_sstatus(cpu->interrupts_were_enabled);
}

class InterruptDisabler {
public:
    InterruptDisabler()
        : m_cpu(push_interrupts_disabled())
    {
    }
    ~InterruptDisabler() { pop_interrupts_disabled(m_cpu); }

    // The hart this code runs on, for as long as the guard lives.
    Cpu* cpu() const { return m_cpu; }

    InterruptDisabler(const InterruptDisabler&) = delete;
    InterruptDisabler& operator=(const InterruptDisabler&) = delete;

private:
    Cpu* m_cpu;
};
