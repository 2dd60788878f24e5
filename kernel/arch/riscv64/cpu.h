// Per-hart state. While a hart runs kernel code, its tp register points at its Cpu, so
// this_cpu() is one register read; a hart only ever touches its own Cpu except to read
// `hart_id` or `online` of another, or to post an inter-hart request (`ipi_requests`).
//
// Cpu indices are dense (0 .. cpu_count() - 1, the boot hart is 0); hart ids come from
// the device tree and need not be dense or start at 0.
//
// tp is never saved or restored by a context switch: a thread that blocks on one hart
// and resumes on another finds the other hart's Cpu in tp, which is what it must see.
// Code must therefore not keep a Cpu* across anything that may switch threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sync/lock_order.h"

class SyncThread;
class Thread;

constexpr unsigned kMaxCpus = 8;

// Requests one hart posts to another before sending it a software interrupt.
enum class IpiRequest : uint32_t {
    // The run queue gained work: an idle hart should look at it.
    Reschedule = 1u << 0,
    // Run the function of the cross-call in progress (smp_run_on_every_hart), then clear
    // `call_pending`.
    RunFunction = 1u << 1,
};

struct Cpu {
    unsigned index { 0 };
    unsigned long hart_id { 0 };
    std::atomic<bool> online { false };

    // Interrupt-disable nesting, kept by InterruptDisabler (sync/interrupt_disabler.h):
    // interrupts are re-enabled only when the outermost holder lets go, and only if they
    // were enabled before it took them. interrupts_were_enabled is sstatus's SIE bit as it
    // was (csr::kSstatusSie or 0), so that the release sets it back with one csrs.
    int interrupt_disable_depth { 0 };
    uint8_t interrupts_were_enabled { 0 };

    // Spinlocks held by this hart: a thread must not sleep while this is non-zero (the
    // scheduler's own lock, held across the switch itself, is the one exception).
    int spinlocks_held { 0 };
    // Their ranks, for the lock-order checker (sync/lock_order.h).
    HeldLockRanks spinlock_ranks;

    // The thread running on this hart, and the one it runs when the run queue is empty.
    // Both are written only by this hart, under the scheduler lock. The running thread is
    // kept as the sync layer's view of it (sync/sync_thread.h), which the sleeping locks
    // read on every lock and unlock; proc/thread.h's Thread::current() is the Thread.
    SyncThread* current_thread { nullptr };
    Thread* idle_thread { nullptr };

    // Top of the stack used while this hart has no thread (boot, and between threads).
    uint64_t boot_stack_top { 0 };

    // Ticks of the timer on this hart, for statistics.
    uint64_t timer_ticks { 0 };
    // Switches into a thread other than the idle thread, for statistics and tests.
    uint64_t context_switches { 0 };
    // rdinstret ticks that passed while this hart waited in wfi. Under QEMU's -icount the
    // instret counter is the virtual clock, which keeps running while a hart sleeps in wfi;
    // benchmarks subtract this to count only the instructions actually retired.
    std::atomic<uint64_t> idle_instret { 0 };

    // IpiRequest bits other harts have posted; taken by smp_handle_ipi().
    std::atomic<uint32_t> ipi_requests { 0 };
    // Set by smp_run_on_every_hart() before it posts RunFunction; this hart clears it once
    // it has run the function.
    std::atomic<bool> call_pending { false };
    // Set when this hart's TLB may hold user entries whose accessed bit page reclaim has
    // cleared (StaleTlbs in mm/address_space.h); the hart's next timer tick flushes its
    // whole TLB and clears it (timer_handle_interrupt).
    std::atomic<bool> tlb_flush_at_tick { false };
};

inline Cpu* this_cpu() {
    Cpu* cpu;
    asm volatile("mv %0, tp" : "=r"(cpu));
    return cpu;
}

inline void set_this_cpu(Cpu* cpu) { asm volatile("mv tp, %0" ::"r"(cpu)); }

// The thread running on this hart, and the spinlocks it holds, each read with one
// instruction (a load relative to tp). An interrupt, and with it a migration to another
// hart, can only come before or after that instruction, and either way the hart it reads
// is running the calling thread at that instant: so these need no InterruptDisabler,
// where this_cpu()->current_thread (two instructions) would.
inline SyncThread* this_cpu_current_thread() {
    SyncThread* thread;
    asm volatile("ld %0, %1(tp)" : "=r"(thread) : "i"(offsetof(Cpu, current_thread)));
    return thread;
}

inline int this_cpu_spinlocks_held() {
    int held;
    asm volatile("lw %0, %1(tp)" : "=r"(held) : "i"(offsetof(Cpu, spinlocks_held)));
    return held;
}

// Storage for every Cpu; entries past cpu_count() are unused.
Cpu& cpu_by_index(unsigned index);
unsigned cpu_count();
