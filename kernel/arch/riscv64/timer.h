// Time: the periodic timer interrupt on every hart, and time since boot.
//
// The clock is the `time` CSR (rdtime), which counts at the device tree's
// timebase-frequency and is the same on every hart. Each hart asks SBI for a supervisor
// timer interrupt at its next deadline; deadlines lie on one grid shared by all harts,
//
//   epoch + k * period,   period = timebase / kTimerHz,
//
// so ticks do not drift however late an interrupt is taken (a hart that missed several
// deadlines skips to the next one ahead rather than firing a burst).
//
// timer_ticks() is the number of whole periods since the epoch that some hart has seen in a
// timer interrupt: monotonic, global, and at most one period (plus interrupt latency)
// behind uptime_ns() / (1e9 / kTimerHz) as long as any hart takes timer interrupts.
#pragma once

#include <cstdint>

struct MachineInfo;

constexpr uint64_t kTimerHz = 100;

// Once, on the boot hart: the timebase and the epoch (uptime 0). Panics without a timebase.
void timer_init(const MachineInfo& machine);

// On each hart (from trap_init_hart()): asks for this hart's first tick.
void timer_init_hart();

// Called by the trap code on a supervisor timer interrupt, with interrupts disabled:
// arms this hart's next deadline and advances the tick counts; flushes this hart's TLB if
// page reclaim asked for it (Cpu::tlb_flush_at_tick).
void timer_handle_interrupt();

// Global ticks since boot (see above).
uint64_t timer_ticks();

// Timer interrupts taken by the calling hart.
uint64_t timer_hart_ticks();

// Nanoseconds since timer_init(), from rdtime. Monotonic.
uint64_t uptime_ns();

// The time-CSR value at which the calling hart's next timer interrupt is due.
uint64_t timer_hart_next_deadline();

// Ticks of the time CSR per second.
uint64_t timer_frequency();
