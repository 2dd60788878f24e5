// The user side of traps: entering a user program, and the hooks through which the trap
// code hands user events to the process layer.
//
//   user mode ──trap──> trap_entry.S (SPP = 0: sp = this thread's kernel stack top from
//                       TrapScratch, tp = this hart's Cpu*, user sp/tp saved in the frame)
//     interrupt                  -> handled as in kernel mode (the timer may preempt)
//     ecall (scause 8)           -> sepc += 4, interrupts on, syscall_dispatch(frame)
//     page fault (12, 13, 15)    -> trap_user_page_fault(): interrupts on,
//                                   handle_page_fault(); unless Resolved:
//                                   kill_current_process_for_fault(stval, result, cause).
//                                   The frame's s1-s11 are saved only in that case
//                                   (trap_entry.S: a resolved fault never reads them)
//     any other exception        -> kill_current_process_for_fault(...) (illegal
//                                   instruction, misaligned access, access fault, ebreak)
//   then, before every return to user mode, the pending-kill check (interrupts on): after an
//   interrupt, process_check_pending_kill(); after an exception, one load of the current
//   process's kill flag, and the call only if a kill is pending. Then interrupts off, trap_return restores the user registers (tp and sp included) and srets.
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

// Kills the current process for a bad access: prints one line (pid, name, `vaddr`,
// `cause`) and exits it with SIGSEGV status (SIGBUS for FaultResult::BusError; an
// out-of-memory fault is reported as SIGKILL or SIGSEGV as the process layer prefers).
// Never returns. Interrupts enabled, no lock held.
[[noreturn]] void kill_current_process_for_fault(uint64_t vaddr, FaultResult result, const char* cause);

// Exits the current process if someone has killed it (kill()); returns otherwise. Called
// before every return to user mode, with interrupts enabled and no lock held.
void process_check_pending_kill();

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
