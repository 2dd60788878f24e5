// Self-tests of the timer: interrupts arrive, ticks and uptime advance together.
#include "arch/riscv64/csr.h"
#include "arch/riscv64/timer.h"
#include "lib/ktest.h"
#include "sync/interrupt_disabler.h"

namespace {

constexpr uint64_t kNanosecondsPerTick = 1'000'000'000 / kTimerHz;

// Spins with interrupts on until `ticks` more global ticks have passed, or one second.
bool wait_for_ticks(uint64_t ticks) {
    uint64_t target = timer_ticks() + ticks;
    uint64_t deadline = uptime_ns() + 1'000'000'000;
    while (timer_ticks() < target && uptime_ns() < deadline) {
    }
    return timer_ticks() >= target;
}

}  // namespace

KTEST(Timer, TicksAdvanceWithInterruptsOn) {
    KASSERT(interrupts_enabled());
    uint64_t before = timer_ticks();
    KEXPECT(wait_for_ticks(3));
    KEXPECT(timer_ticks() >= before + 3);
}

KTEST(Timer, UptimeIsMonotonic) {
    uint64_t previous = uptime_ns();
    bool monotonic = true;
    for (int i = 0; i < 10000; ++i) {
        uint64_t now = uptime_ns();
        if (now < previous)
            monotonic = false;
        previous = now;
    }
    KEXPECT(monotonic);
    KEXPECT(uptime_ns() > 0);
}

KTEST(Timer, UptimeAgreesWithTicks) {
    KASSERT(wait_for_ticks(1));
    uint64_t start_ns = uptime_ns();
    uint64_t start_ticks = timer_ticks();
    KASSERT(wait_for_ticks(5));
    uint64_t elapsed_ns = uptime_ns() - start_ns;
    uint64_t elapsed_ticks = timer_ticks() - start_ticks;
    // Five ticks cannot pass in less than four periods (the first may have been nearly
    // over when we started counting).
    KEXPECT(elapsed_ticks >= 5);
    KEXPECT(elapsed_ns >= (elapsed_ticks - 1) * kNanosecondsPerTick);
    // The global count trails uptime by at most a period plus interrupt latency.
    uint64_t expected_ticks = uptime_ns() / kNanosecondsPerTick;
    uint64_t ticks = timer_ticks();
    KEXPECT(ticks <= expected_ticks);
    KEXPECT(ticks + 2 >= expected_ticks);
}

KTEST(Timer, NextDeadlineIsOnePeriodAhead) {
    InterruptDisabler pin;  // The deadline read and rdtime must be of the same hart.
    uint64_t now = csr::read_time();
    uint64_t deadline = timer_hart_next_deadline();
    uint64_t period = timer_frequency() / kTimerHz;
    KEXPECT(timer_frequency() > 0);
    // Either the deadline lies ahead within one period, or it has passed and the
    // interrupt is pending (or about to be), waiting for interrupts to come back on.
    bool ahead = deadline > now && deadline - now <= period;
    // A passed deadline does not mean sip.STIP is set yet: QEMU raises the timer interrupt
    // from a host timer callback, which runs some time after the time CSR has passed
    // stimecmp (milliseconds on a loaded host). Checking sip once made this test fail now
    // and then; wait a bounded while for the interrupt instead. Interrupts stay off, so it
    // cannot be taken and cleared meanwhile.
    bool pending = false;
    uint64_t give_up = now + timer_frequency();  // One second: far beyond any real latency.
    while (!ahead && !(pending = (csr::read_sip() & csr::kTimerInterrupt) != 0) && csr::read_time() < give_up) {
    }
    KEXPECT(ahead || pending);
}
