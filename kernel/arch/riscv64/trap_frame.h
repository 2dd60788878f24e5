// The memory shapes that the trap entry code (trap_entry.S) shares with C++: the TrapFrame
// it builds on the stack, and the per-hart TrapScratch area that sscratch points at.
//
// This header is included by assembly too: the offsets are #defines, and the C++ structs
// below are checked against them with static_assert, so the two can never drift apart.
//
// A kernel-mode trap leaves this on the stack it interrupted (or on the hart's emergency
// stack, see trap.h), growing down from the interrupted sp:
//
//   interrupted sp -> +----------------------------+  higher addresses
//                     | frame record: return addr  |  sepc + 4, so a backtrace shows the
//                     |               caller's fp  |  trapped instruction (interrupted s0)
//       frame + 288 ->+----------------------------+  <- s0 while the dispatcher runs
//                     | stval  scause  sstatus     |
//                     | sepc                       |
//                     | x31 ... x1                 |  x[n] is register n
//  TrapFrame* (sp) -> | x0 slot (always zero)      |
//                     +----------------------------+  lower addresses
//
// Invariants: sizeof(TrapFrame) and the frame record are multiples of 16, so sp stays
// aligned as the ABI requires; x[0] is zero; x[2] holds sp as it was before the trap.
#pragma once

#define TRAP_FRAME_X(n) ((n) * 8)
#define TRAP_FRAME_SEPC (32 * 8)
#define TRAP_FRAME_SSTATUS (33 * 8)
#define TRAP_FRAME_SCAUSE (34 * 8)
#define TRAP_FRAME_STVAL (35 * 8)
#define TRAP_FRAME_SIZE (36 * 8)
// The frame record above the TrapFrame: caller's fp, then return address.
#define TRAP_FRAME_RECORD_SIZE 16

// TrapScratch, one per hart; sscratch holds its address at all times (see trap.h).
#define TRAP_SCRATCH_SAVED_T0 0
#define TRAP_SCRATCH_SAVED_T1 8
#define TRAP_SCRATCH_EMERGENCY_STACK_TOP 16
#define TRAP_SCRATCH_EMERGENCY_STACK_BOTTOM 24
#define TRAP_SCRATCH_KERNEL_STACK_TOP 32
#define TRAP_SCRATCH_KERNEL_TP 40
#define TRAP_SCRATCH_SIZE 48

// mm/fault.h's Access values, which trap_entry.S hands to trap_user_page_fault (checked in
// trap.cc).
#define TRAP_ACCESS_READ 0
#define TRAP_ACCESS_WRITE 1
#define TRAP_ACCESS_EXECUTE 2
// What trap_user_page_fault returns for a resolved fault when the process has signals to
// take: not a FaultResult, so trap_entry.S takes the slow road as for a failed fault.
#define TRAP_FAULT_SIGNALS_PENDING 0x100

#ifndef __ASSEMBLER__

#include <cstddef>
#include <cstdint>

// Register numbers in TrapFrame::x, by ABI name.
enum class Reg : unsigned {
    zero = 0, ra = 1, sp = 2, gp = 3, tp = 4, t0 = 5, t1 = 6, t2 = 7, s0 = 8, s1 = 9,
    a0 = 10, a1 = 11, a2 = 12, a3 = 13, a4 = 14, a5 = 15, a6 = 16, a7 = 17,
    s2 = 18, s3 = 19, s4 = 20, s5 = 21, s6 = 22, s7 = 23, s8 = 24, s9 = 25, s10 = 26, s11 = 27,
    t3 = 28, t4 = 29, t5 = 30, t6 = 31,
};

struct TrapFrame {
    // Integer registers by number; x[0] is never loaded back (x0 is hard-wired to zero),
    // it only keeps the index equal to the register number.
    uint64_t x[32];
    uint64_t sepc;     // Where the trap happened; sret resumes here.
    uint64_t sstatus;  // SPP says which mode trapped, SPIE the interrupt state to restore.
    uint64_t scause;   // Bit 63: interrupt; the rest: the cause code.
    uint64_t stval;    // The faulting address (page faults) or instruction bits.

    uint64_t& reg(Reg r) { return x[static_cast<unsigned>(r)]; }
    uint64_t reg(Reg r) const { return x[static_cast<unsigned>(r)]; }
    uint64_t sp() const { return reg(Reg::sp); }
    uint64_t fp() const { return reg(Reg::s0); }
};

// Per-hart area the entry code reaches through sscratch before it may touch any stack.
struct TrapScratch {
    // Two registers parked by the entry code while it decides which stack to use.
    uint64_t saved_t0;
    uint64_t saved_t1;
    // This hart's emergency stack, used for faults on kernel addresses (stack overflow).
    uint64_t emergency_stack_top;
    uint64_t emergency_stack_bottom;
    // For traps from user mode: the kernel stack of the thread
    // running on this hart and the hart's Cpu*, loaded into sp and tp on entry.
    uint64_t kernel_stack_top;
    uint64_t kernel_tp;
};

static_assert(offsetof(TrapFrame, x) == TRAP_FRAME_X(0));
static_assert(offsetof(TrapFrame, sepc) == TRAP_FRAME_SEPC);
static_assert(offsetof(TrapFrame, sstatus) == TRAP_FRAME_SSTATUS);
static_assert(offsetof(TrapFrame, scause) == TRAP_FRAME_SCAUSE);
static_assert(offsetof(TrapFrame, stval) == TRAP_FRAME_STVAL);
static_assert(sizeof(TrapFrame) == TRAP_FRAME_SIZE);
static_assert(TRAP_FRAME_SIZE % 16 == 0 && TRAP_FRAME_RECORD_SIZE % 16 == 0);

static_assert(offsetof(TrapScratch, saved_t0) == TRAP_SCRATCH_SAVED_T0);
static_assert(offsetof(TrapScratch, saved_t1) == TRAP_SCRATCH_SAVED_T1);
static_assert(offsetof(TrapScratch, emergency_stack_top) == TRAP_SCRATCH_EMERGENCY_STACK_TOP);
static_assert(offsetof(TrapScratch, emergency_stack_bottom) == TRAP_SCRATCH_EMERGENCY_STACK_BOTTOM);
static_assert(offsetof(TrapScratch, kernel_stack_top) == TRAP_SCRATCH_KERNEL_STACK_TOP);
static_assert(offsetof(TrapScratch, kernel_tp) == TRAP_SCRATCH_KERNEL_TP);
static_assert(sizeof(TrapScratch) == TRAP_SCRATCH_SIZE);

#endif  // __ASSEMBLER__
