// The user side of traps: entering a user program, and the hooks through which the trap
// code hands user events to the process layer.
//
//   user mode ──trap──> trap_entry.S (SPP = 0: sp = this thread's kernel stack top from
//                       TrapScratch, tp = this hart's Cpu*, user sp/tp saved in the frame)
//     interrupt                  -> handled as in kernel mode (the timer may preempt)
//     ecall (scause 8)           -> sepc += 4, interrupts on, syscall_dispatch(frame)
//     page fault (12, 13, 15)    -> trap_user_page_fault(): interrupts on,
//                                   handle_page_fault(); unless Resolved, the frame's
//                                   s1-s11 are saved (trap_entry.S: a resolved fault never
//                                   reads them) and trap_user_page_fault_slow() hands the
//                                   fault's signal to process_fault_signal(frame, ...):
//                                   SIGSEGV (SEGV_MAPERR, SEGV_ACCERR), SIGBUS (BUS_ADRERR)
//                                   or, out of memory, SIGKILL
//     any other exception        -> process_fault_signal(frame, ...): SIGILL (illegal
//                                   instruction), SIGBUS (misaligned), SIGSEGV (access
//                                   fault), SIGTRAP (ebreak)
//   process_fault_signal() either rewrites the frame to enter the process's handler or ends
//   the process. Then, before every return to user mode, the signal check (interrupts on):
//   one load of the current process's attention flag (proc/signal.h), and the call to
//   process_deliver_signals(frame) only if it is set. A resolved page fault whose process
//   has signals waiting takes trap_user_page_fault_slow() too, for the complete frame.
//   Then interrupts off, trap_return restores the user registers (tp and sp included) and
//   srets.
//
// The kernel page table is never switched on a user trap: the kernel half is mapped in
// every address space (arch/riscv64/layout.h).
//
// Hooks defined by the process layer (syscall/dispatch.cc, proc/process.cc), which is always
// linked: there are no fallback definitions.
#pragma once

#include <cstdint>

#include "arch/riscv64/trap_frame.h"
#include "mm/fault.h"

// Carries out the system call in frame.x[a7] with arguments a0..a5 and stores the result
// (or -errno) in frame.x[a0]. Runs with interrupts enabled and no lock held; sepc already
// points past the ecall (exec rewrites the whole frame).
void syscall_dispatch(TrapFrame& frame);

// A synchronous user fault as a signal: number, si_code, si_addr, and a few words for the
// line printed when it kills.
struct FaultSignal {
    int signal;
    int code;
    uint64_t address;
    const char* cause;
};

// Delivers `fault` to the current process: if it has a handler for the signal that is not
// blocked, the frame is rewritten to enter it and this returns; otherwise the process dies
// with the signal, after one line (pid, name, signal, cause, address). Interrupts enabled,
// no lock held.
void process_fault_signal(TrapFrame& frame, const FaultSignal& fault);

// Delivers the current process's pending, unblocked signals before a return to user mode
// through `frame`: handlers get frames pushed (the frame then enters the last one), a
// terminating signal ends the process. Interrupts enabled, no lock held.
void process_deliver_signals(TrapFrame& frame);

// Starts the current thread in user mode at `entry` with the user stack pointer `user_sp`
// and a0/a1 as given; every other register is 0, sstatus.FS Initial (FP registers zeroed),
// interrupts enabled. The current thread's address space must already be active
// (address_space_switch_current). Never returns; the kernel stack is reset to its top.
[[noreturn]] void enter_user_mode(uint64_t entry, uint64_t user_sp, uint64_t a0, uint64_t a1);

// Resumes user mode from a complete saved register set (fork's child: the parent's frame
// with a0 = 0). The frame's sstatus is made a user one (SPP 0, SPIE 1, SUM 0; FS kept, or
// Initial if it was Off). The current thread's address space must be active. Never returns.
[[noreturn]] void return_to_user_mode(const TrapFrame& frame);

// exec: the current thread's FP state becomes Initial (zero registers, nothing saved), and
// `frame` (the one exec rewrites) will return to user mode with FS Initial.
void fp_state_reset_for_exec(TrapFrame& frame);

// The scheduler's half of keeping the user trap path right: records the kernel stack top
// of the thread now running on this hart in its TrapScratch. Interrupts disabled.
void trap_set_kernel_stack_top(uint64_t top);

// (The user-mode self-test runs user code in threads without a process: see
// user_trap_test_support.h.)
