// The periodic timer and uptime: see timer.h.
#include "arch/riscv64/timer.h"

#include <atomic>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"
#include "lib/panic.h"

namespace {

constexpr uint64_t kNanosecondsPerSecond = 1'000'000'000;

uint64_t s_frequency;
uint64_t s_period;  // In time-CSR ticks.
uint64_t s_epoch;   // The time-CSR value that counts as uptime 0.
std::atomic<uint64_t> s_ticks;

// Per hart, indexed by Cpu::index: the deadline whose interrupt it waits for, and the
// timer interrupts it has taken. (Cpu::timer_ticks belongs to the scheduler, which counts
// the ticks it is charged with.)
uint64_t s_next_deadline[kMaxCpus];
uint64_t s_hart_ticks[kMaxCpus];

// Whole periods elapsed at time-CSR value `now`.
uint64_t periods_at(uint64_t now) { return (now - s_epoch) / s_period; }

void arm_next_deadline(uint64_t now) {
    uint64_t deadline = s_epoch + (periods_at(now) + 1) * s_period;
    s_next_deadline[this_cpu()->index] = deadline;
    sbi::set_timer(deadline);
}

}  // namespace

void timer_init(const MachineInfo& machine) {
    if (machine.timebase_frequency == 0)
        panic("the device tree gives no timebase-frequency");
    s_frequency = machine.timebase_frequency;
    s_period = s_frequency / kTimerHz;
    if (s_period == 0)
        panic("timebase of %lu Hz is too slow for a %lu Hz tick", s_frequency, kTimerHz);
    s_epoch = csr::read_time();
}

void timer_init_hart() { arm_next_deadline(csr::read_time()); }

void timer_handle_interrupt() {
    uint64_t now = csr::read_time();
    arm_next_deadline(now);
    Cpu* cpu = this_cpu();
    ++s_hart_ticks[cpu->index];
    // The flush page reclaim deferred to this tick (Cpu::tlb_flush_at_tick). Read before
    // it is written, so that a tick with nothing to do writes nothing.
    if (cpu->tlb_flush_at_tick.load(std::memory_order_relaxed)
        && cpu->tlb_flush_at_tick.exchange(false, std::memory_order_acquire))
        local_flush_tlb_all();

    // Raise the global count to the periods this hart has seen; another hart may have
    // raised it further already, in which case there is nothing to do.
    uint64_t seen = periods_at(now);
    uint64_t current = s_ticks.load(std::memory_order_relaxed);
    while (current < seen && !s_ticks.compare_exchange_weak(current, seen, std::memory_order_relaxed)) {
    }
}

uint64_t timer_ticks() { return s_ticks.load(std::memory_order_relaxed); }

uint64_t timer_hart_ticks() { return s_hart_ticks[this_cpu()->index]; }

uint64_t uptime_ns() {
    uint64_t elapsed = csr::read_time() - s_epoch;
    // Split into seconds and a remainder so that elapsed * 1e9 cannot overflow.
    uint64_t seconds = elapsed / s_frequency;
    uint64_t remainder = elapsed % s_frequency;
    return seconds * kNanosecondsPerSecond + remainder * kNanosecondsPerSecond / s_frequency;
}

uint64_t timer_hart_next_deadline() { return s_next_deadline[this_cpu()->index]; }

uint64_t timer_frequency() { return s_frequency; }
