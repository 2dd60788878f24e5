// Floating-point state of user threads.
//
// User programs are compiled for rv64gc/lp64d and use f0..f31 and fcsr; the kernel never
// does. sstatus.FS tells whether the registers hold anything worth saving:
//
//   Off (0)      FP instructions trap; the kernel's own state between user threads
//   Initial (1)  a user program that has not touched FP yet (its registers are zero)
//   Clean (2)    the registers equal the thread's saved FpState
//   Dirty (3)    user code changed them since they were last saved
//
// Lazy where it is free, eager where it is simple: when a thread is switched out with FS
// Dirty, its registers are saved into Thread::fp_state() (and marked valid); when a thread
// that has a valid saved state is switched in, it is restored and FS set to Clean; a user
// thread without one gets zeroed registers, so no state leaks between processes. FS as
// seen by user code comes from the TrapFrame's sstatus, which trap_return reloads, so the
// kernel may set the live FS freely in between.
#pragma once

#include <cstdint>

struct FpState;
class Thread;

extern "C" {
void fp_save(FpState* state);
void fp_restore(const FpState* state);
void fp_zero();
}

namespace fp {
constexpr uint64_t kFsShift = 13;
constexpr uint64_t kFsMask = 3ull << kFsShift;
constexpr uint64_t kFsOff = 0;
constexpr uint64_t kFsInitial = 1ull << kFsShift;
constexpr uint64_t kFsClean = 2ull << kFsShift;
constexpr uint64_t kFsDirty = 3ull << kFsShift;
}  // namespace fp

// Scheduler: before switching away from `thread` on this hart. Saves the registers if the
// live FS is Dirty. Interrupts disabled.
void fp_switch_out(Thread& thread);

// Scheduler: after switching to `thread` on this hart. Restores its saved state, or zeroes
// the registers for a user thread without one. Interrupts disabled.
void fp_switch_in(Thread& thread);

// fork: gives `child` a copy of the calling thread's current FP registers (its live state
// if FS is not Off, else nothing: the child then starts from zeros, as the parent did).
void fp_state_copy_current_to(Thread& child);

// f0..f31 and fcsr laid out as fp_save and fp_restore store them (FpState's first fields),
// for the signal frame.
struct FpRegisters {
    uint64_t f[32];
    uint64_t fcsr;
};

// Signal delivery: the current user thread's FP registers as its user code sees them now
// (zeros while FS is Off), into `out`.
void fp_capture_current(FpRegisters& out);

// rt_sigreturn: makes `in` the current thread's FP registers; `frame` returns to user mode
// with FS Dirty, so the scheduler saves them when it switches away.
struct TrapFrame;
void fp_load_current(const FpRegisters& in, TrapFrame& frame);
