// Traps: how interrupts and exceptions reach C++ and what happens to them there.
//
// Every supervisor trap enters at trap_entry (trap_entry.S), which saves the interrupted
// registers as a TrapFrame (trap_frame.h) and calls trap_dispatch(), except a page fault
// from user mode, which goes straight to trap_user_page_fault() (user_trap.h):
//
//   supervisor timer interrupt     -> timer_handle_interrupt() (rearm, count)
//                                     -> scheduler_timer_tick() (may switch threads)
//   supervisor software interrupt  -> clear sip.SSIP; halt forever if the kernel is
//                                     panicking, otherwise smp_handle_ipi()
//   supervisor external interrupt  -> PLIC claim, the handler registered for that IRQ
//                                     (drivers/irq.h), PLIC complete; until none is left
//   exception from user mode       -> system call or kill: see
//                                     arch/riscv64/user_trap.h
//   page fault in user_copy.S      -> the fault pipeline, else the copy returns -EFAULT
//   exception from kernel mode     -> panic with a report: cause name, sepc (symbolized),
//                                     stval, every register and a backtrace of the trapped
//                                     code ("kernel stack overflow" for guard-page hits)
//
// Handlers run with interrupts disabled on the trapping hart (the hardware clears
// sstatus.SIE on entry; sret restores it from the saved SPIE). A handler may switch threads
// (the timer tick preempts): the TrapFrame stays on the preempted thread's stack, and when
// that thread is switched back in, it returns from the trap as if nothing had happened,
// possibly on another hart (which is why the return path does not restore tp).
//
// sscratch. At all times, in kernel and in user mode, sscratch holds the address
// of this hart's TrapScratch. The entry swaps it with t0 to gain two scratch registers
// without touching memory that might be unmapped, and swaps it back before the first stack
// store. Traps from user mode (user programs in the lower half, the kernel mapped above,
// so no page-table switch): the scheduler stores the incoming thread's
// kernel stack top in TrapScratch::kernel_stack_top on every switch, and kernel_tp holds
// the hart's Cpu*. The entry checks sstatus.SPP; coming from user mode it saves the user
// sp and tp into the TrapFrame, loads sp = kernel_stack_top and tp = kernel_tp, and
// proceeds as below; the return path restores the user tp and sp instead.
//
// Kernel stack overflow. Kernel stacks have an unmapped guard page below them (boot stack:
// boot_stack_guard in layout.h; thread stacks: mm/kernel_stack.h). Overflowing writes into
// the guard and takes a store page fault with stval in the kernel half. Before it pushes
// anything, the entry code tests for exactly that class of trap (a page fault on a
// kernel-half address, which is always fatal: the kernel never takes legitimate faults on
// its own addresses, only on user ones in copy_from_user) and builds the frame on this
// hart's emergency stack instead (TrapScratch::emergency_stack_*). The report then calls
// the fault a "kernel stack overflow" when stval or the trapped sp lies in a guard page.
// An interrupt taken with sp already in the guard faults on the entry's own first store,
// which re-enters the entry the same way. The emergency stack is per hart and used only on
// the way to panic(); a fault while reporting (already on it) stays on it.
#pragma once

#include <cstdint>

#include "arch/riscv64/trap_frame.h"

struct MachineInfo;

// Once, on the boot hart, after smp_init_boot_hart() and uart::init(): the PLIC (routing
// of the UART's IRQ to the boot hart included), the timer and the IRQ registry.
void trap_init(const MachineInfo& machine);

// On every hart, the boot hart included, after trap_init(): points sscratch and stvec at
// the trap machinery, enables the software, timer and external interrupt bits in sie, sets
// up this hart's PLIC context, starts this hart's periodic timer and lets user mode read
// the cycle, time and instret counters (scounteren). It leaves sstatus.SIE alone: the
// caller enables interrupts when it is ready to take them.
void trap_init_hart();

// Called by trap_entry.S with interrupts disabled; see the table above.
extern "C" void trap_dispatch(TrapFrame* frame);

// The trap vector in trap_entry.S (what stvec points at); not to be called.
extern "C" void trap_entry();

// The address trap_entry.S resumes from after trap_dispatch returns (see trap_entry.S).
extern "C" void trap_return();

// Software interrupts the hart of cpu `cpu_index` has taken (for tests and statistics).
uint64_t trap_software_interrupt_count(unsigned cpu_index);

// What a fatal kernel fault was, judged from the faulting address and the trapped sp.
enum class KernelFaultKind { StackOverflow, BadAccess };
KernelFaultKind classify_kernel_fault(const TrapFrame& frame);

// Prints sepc (symbolized), stval, sstatus, scause and all registers, four to a line.
void print_trap_frame(const TrapFrame& frame);

// Debug facility for demonstrations: "panictest" on the kernel command line panics on
// purpose, "faulttest" loads from an unmapped kernel address. Call after trap init.
void trap_run_boot_debug_requests(const char* bootargs);
