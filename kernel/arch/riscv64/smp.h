// Bringing up the other harts and talking to them.
//
// The boot hart numbers every usable hart found in the device tree (cpu index 0 is
// itself), then starts each of the others through SBI HSM at _start_secondary with a
// SecondaryBoot record; those harts switch to the kernel page table, take the stack
// prepared for them and enter secondary_main(), which initialises their traps, reports
// them online and makes them schedule threads.
//
//   boot hart                              hart i
//   allocate stack, fill record i
//   sbi hart_start(hart, _start_secondary, phys(record i))
//                                          entry.S: satp = record.satp, sp, tp = &cpu[i]
//                                          secondary_main: trap_init_hart, online = true
//   wait for cpu[i].online (timeout)       scheduler_enter (idle loop)
//
// Inter-hart requests: a hart sets an IpiRequest bit in the target's Cpu and sends it a
// software interrupt; the target's trap code calls smp_handle_ipi(), which takes the bits.
// A cross-call (smp_run_on_every_hart) is one such request: every online hart runs one
// function in its interrupt handler, which is how per-hart state that only its own hart may
// touch (the kernel heap's object caches) is emptied from elsewhere.
#pragma once

#include <cstdint>

#include "arch/riscv64/cpu.h"

struct MachineInfo;

// Layout known to entry.S: do not reorder.
struct SecondaryBoot {
    uint64_t satp;
    uint64_t stack_top;
    uint64_t tp;
    // Lets a hart that firmware started at _start instead of _start_secondary find its
    // record (entry.S).
    uint64_t hart_id;
};

// Fills the Cpu table from the machine description and points tp at the boot hart's Cpu.
void smp_init_boot_hart(const MachineInfo& machine, unsigned long boot_hart_id);

// Starts every other hart; returns when all of them are online or have failed to come up
// within a timeout (reported on the console; such a hart stays offline and is never
// used). Needs kernel stacks and the kernel page table.
void smp_start_secondary_harts();

// The number of harts that are online (the boot hart included).
unsigned online_cpu_count();

unsigned long current_hart_id();

// Posts `request` to `cpu` and sends it a software interrupt.
void smp_send_ipi(Cpu& cpu, IpiRequest request);

// Called by the trap code on a supervisor software interrupt (after it has cleared
// sip.SSIP and checked for a panic): handles whatever other harts asked of this one.
void smp_handle_ipi();

// Runs `function` once on every online hart (this one included), each time in that
// hart's software-interrupt handler, so with interrupts off and between any two of the
// code's interrupts-off sections; returns when every hart has run it. Cross-calls are
// serialised. The function must take only locks that are safe in an interrupt handler
// (spinlocks) and must not sleep. Every hart's request is sent before any hart can run
// the function, so the functions may wait for one another (a barrier among the online
// harts). Call from a thread, with interrupts on and no spinlock held: the caller waits
// for the others with its own interrupts on (so that it takes its own request, and those
// of a concurrent waiter, meanwhile). May sleep.
void smp_run_on_every_hart(void (*function)());

// For panic(): asks every other online hart to halt (software interrupt), without waiting.
void stop_other_harts();
