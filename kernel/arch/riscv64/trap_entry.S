/*
 * The supervisor trap vector: every interrupt and exception taken in supervisor mode enters
 * at trap_entry (stvec, direct mode). It saves the interrupted registers as a TrapFrame
 * (trap_frame.h), calls trap_dispatch(frame) in trap.cc and returns with sret through
 * trap_return. See trap.h for the protocol around sscratch and the emergency stack. A page
 * fault from user mode takes a shorter road, without s1-s11 (see .Luser_page_fault and
 * docs/traps.md).
 *
 * On entry the hart has cleared sstatus.SIE, so nothing interrupts this code; only a fault
 * of its own (a store onto an overflowed stack) can re-enter it, and that case is exactly
 * what the emergency stack is for.
 */
#include "arch/riscv64/trap_frame.h"

#define FRAME_AND_RECORD (TRAP_FRAME_SIZE + TRAP_FRAME_RECORD_SIZE)
#define SSTATUS_SIE 2
#define SSTATUS_SPP 0x100

.macro SAVE_REG n, reg
    sd \reg, TRAP_FRAME_X(\n)(sp)
.endm
.macro LOAD_REG n, reg
    ld \reg, TRAP_FRAME_X(\n)(sp)
.endm
/*
 * The one register-restore sequence: sepc and sstatus from the frame, then every register
 * but x0, sp last, then sret. Written once, used twice: by trap_return (a complete frame,
 * to kernel or user mode) and by the user page fault that resolved (a user frame without
 * s1-s11, which were never saved). complete=1: also restore s1-s11; user=1: the frame is
 * known to be a user one, so tp is restored without testing sstatus.SPP; off=1: interrupts
 * are known to be off already (trap_user_page_fault returns 0 only with them off).
 *
 * Interrupts go off first (unless known to be): the frame's sepc and sstatus must not be
 * overwritten by a trap while we restore. tp is not restored for a return to kernel code:
 * there it is the Cpu* of the hart running the code, and a thread preempted inside this
 * trap may resume on another hart. A return to user mode restores the user's tp; the
 * kernel's stays in TrapScratch.
 */
.macro RESTORE_FRAME_AND_SRET complete, user, off
.if !\off
    csrci sstatus, SSTATUS_SIE
.endif
    ld t0, TRAP_FRAME_SEPC(sp)
    csrw sepc, t0
    ld t0, TRAP_FRAME_SSTATUS(sp)
    csrw sstatus, t0
.if \user
    LOAD_REG 4, tp
.else
    andi t0, t0, SSTATUS_SPP
    bnez t0, 1f
    LOAD_REG 4, tp
1:
.endif
    LOAD_REG 1, ra
    LOAD_REG 3, gp
    LOAD_REG 5, t0
    LOAD_REG 6, t1
    LOAD_REG 7, t2
    LOAD_REG 8, s0
.if \complete
    LOAD_REG 9, s1
    LOAD_REG 18, s2
    LOAD_REG 19, s3
    LOAD_REG 20, s4
    LOAD_REG 21, s5
    LOAD_REG 22, s6
    LOAD_REG 23, s7
    LOAD_REG 24, s8
    LOAD_REG 25, s9
    LOAD_REG 26, s10
    LOAD_REG 27, s11
.endif
    LOAD_REG 10, a0
    LOAD_REG 11, a1
    LOAD_REG 12, a2
    LOAD_REG 13, a3
    LOAD_REG 14, a4
    LOAD_REG 15, a5
    LOAD_REG 16, a6
    LOAD_REG 17, a7
    LOAD_REG 28, t3
    LOAD_REG 29, t4
    LOAD_REG 30, t5
    LOAD_REG 31, t6
    LOAD_REG 2, sp
    sret
.endm
/* The registers C code preserves, but s0 (the frame pointer, saved with the others), and
 * the frame's x0 slot: what a user page fault that resolves never stores. */
.macro COMPLETE_FRAME
    SAVE_REG 0, zero
    SAVE_REG 9, s1
    SAVE_REG 18, s2
    SAVE_REG 19, s3
    SAVE_REG 20, s4
    SAVE_REG 21, s5
    SAVE_REG 22, s6
    SAVE_REG 23, s7
    SAVE_REG 24, s8
    SAVE_REG 25, s9
    SAVE_REG 26, s10
    SAVE_REG 27, s11
.endm

    .text
    .balign 4
    .globl trap_entry
trap_entry:
    /*
     * Park t0 and t1 in this hart's TrapScratch before touching any stack. sscratch is
     * restored to the scratch address before the first store to the stack, so that a
     * fault on that store re-enters here with sscratch intact.
     */
    csrrw t0, sscratch, t0           /* t0 = &TrapScratch, sscratch = interrupted t0 */
    sd t1, TRAP_SCRATCH_SAVED_T1(t0)
    csrrw t1, sscratch, t0           /* t1 = interrupted t0, sscratch = &TrapScratch */
    sd t1, TRAP_SCRATCH_SAVED_T0(t0)

    /*
     * From user mode (sstatus.SPP == 0): the user's sp means nothing to us, so the frame goes
     * at the top of the running thread's kernel stack (TrapScratch::kernel_stack_top, kept
     * current by the scheduler). tp is switched to the hart's Cpu* after the save below.
     * This test comes before the kernel-half fault test: a user access to a kernel address
     * is the user's fault, not a kernel stack overflow.
     */
    csrr t1, sstatus
    andi t1, t1, SSTATUS_SPP
    bnez t1, .Lfrom_kernel
    mv t1, sp
    ld sp, TRAP_SCRATCH_KERNEL_STACK_TOP(t0)
    addi sp, sp, -FRAME_AND_RECORD
    j .Lsave

.Lfrom_kernel:

    /*
     * Page faults (causes 12, 13, 15) on kernel-half addresses are always fatal, and they
     * are what a kernel stack overflow into a guard page looks like. Pushing a frame onto
     * that stack would fault again, forever, so such traps move to the emergency stack.
     */
    csrr t1, scause
    addi t1, t1, -12
    sltiu t1, t1, 4                  /* Interrupts have bit 63 set and fail this too. */
    beqz t1, .Lcurrent_stack
    csrr t1, stval
    bltz t1, .Lemergency_stack       /* The kernel half is where bit 63 is set. */

.Lcurrent_stack:
    mv t1, sp
    addi sp, sp, -FRAME_AND_RECORD
    j .Lsave

.Lemergency_stack:
    mv t1, sp
    /* Already on the emergency stack (a fault while reporting a fault): stay on it. */
    ld sp, TRAP_SCRATCH_EMERGENCY_STACK_TOP(t0)
    bgeu t1, sp, .Lswitch
    ld sp, TRAP_SCRATCH_EMERGENCY_STACK_BOTTOM(t0)
    bltu t1, sp, .Lswitch
    andi sp, t1, -16
    addi sp, sp, -FRAME_AND_RECORD
    j .Lsave
.Lswitch:
    ld sp, TRAP_SCRATCH_EMERGENCY_STACK_TOP(t0)
    addi sp, sp, -FRAME_AND_RECORD

.Lsave:
    /*
     * t0 = &TrapScratch, t1 = interrupted sp, sp = the new TrapFrame. The registers that
     * C code may clobber (and sp, gp, tp, s0) first; s1-s11, which C code preserves, only
     * after the fast path below has had its say.
     */
    SAVE_REG 2, t1
    ld t1, TRAP_SCRATCH_SAVED_T0(t0)
    SAVE_REG 5, t1
    ld t1, TRAP_SCRATCH_SAVED_T1(t0)
    SAVE_REG 6, t1
    SAVE_REG 1, ra
    SAVE_REG 3, gp
    SAVE_REG 4, tp
    SAVE_REG 7, t2
    SAVE_REG 8, s0
    SAVE_REG 10, a0
    SAVE_REG 11, a1
    SAVE_REG 12, a2
    SAVE_REG 13, a3
    SAVE_REG 14, a4
    SAVE_REG 15, a5
    SAVE_REG 16, a6
    SAVE_REG 17, a7
    SAVE_REG 28, t3
    SAVE_REG 29, t4
    SAVE_REG 30, t5
    SAVE_REG 31, t6
    csrr t0, sepc
    sd t0, TRAP_FRAME_SEPC(sp)
    csrr t1, sstatus
    sd t1, TRAP_FRAME_SSTATUS(sp)
    csrr t2, scause
    sd t2, TRAP_FRAME_SCAUSE(sp)
    csrr a0, stval
    sd a0, TRAP_FRAME_STVAL(sp)

    andi t1, t1, SSTATUS_SPP
    bnez t1, .Lsave_callee_saved

    /*
     * From user mode: run the kernel with its own tp (this hart's Cpu*), and end kernel
     * backtraces here with an all-zero frame record (user frames are not ours to walk).
     */
    csrr t1, sscratch
    ld tp, TRAP_SCRATCH_KERNEL_TP(t1)
    sd zero, (TRAP_FRAME_SIZE + 8)(sp)
    sd zero, TRAP_FRAME_SIZE(sp)
    addi s0, sp, FRAME_AND_RECORD

    /*
     * A user page fault (causes 12, 13, 15) that resolves changes nothing in the frame, and
     * the C code that resolves it preserves s1-s11: so they are neither saved nor restored,
     * nor is the x0 slot stored (23 instructions of every fault). trap_user_page_fault
     * (frame, stval, access) returns 0 when the fault is resolved and no signal waits;
     * otherwise the frame is completed, s1-s11 still holding the user's values, before
     * trap_user_page_fault_slow delivers the signal (the fault's own, or pending ones), which
     * may rewrite the frame to enter a handler or end the process, and the full trap_return
     * follows.
     */
    mv a1, a0                        /* stval */
    li a2, TRAP_ACCESS_EXECUTE
    addi t1, t2, -12
    beqz t1, .Luser_page_fault
    li a2, TRAP_ACCESS_READ
    addi t1, t2, -13
    beqz t1, .Luser_page_fault
    li a2, TRAP_ACCESS_WRITE
    addi t1, t2, -15
    bnez t1, .Luser_other

.Luser_page_fault:
    mv a0, sp
    call trap_user_page_fault        /* (frame, stval, access) */
    bnez a0, .Luser_page_fault_slow
    /* Like trap_return, for a user frame whose s1-s11 were never saved. */
    RESTORE_FRAME_AND_SRET complete=0, user=1, off=1

.Luser_page_fault_slow:
    mv a1, a0
    COMPLETE_FRAME
    mv a0, sp
    call trap_user_page_fault_slow   /* (frame, result); returns with interrupts off */
    j trap_return

.Luser_other:
    COMPLETE_FRAME
    j .Ldispatch

.Lsave_callee_saved:
    COMPLETE_FRAME

.Lkernel_record:
    /*
     * A frame record above the TrapFrame makes the trapped instruction look like a call
     * site, so a backtrace taken inside a handler continues into the interrupted code.
     * The "return address" is sepc + 4 because backtraces print return address - 4.
     */
    addi t0, t0, 4
    sd t0, (TRAP_FRAME_SIZE + 8)(sp)
    sd s0, TRAP_FRAME_SIZE(sp)
    addi s0, sp, FRAME_AND_RECORD

.Ldispatch:
    mv a0, sp
    call trap_dispatch

/*
 * Returns from the TrapFrame at sp. Besides the end of trap_entry, this is where a new
 * thread can start: point sp at a prepared TrapFrame (with a frame record above it) and
 * jump here.
 */
    .globl trap_return
trap_return:
    RESTORE_FRAME_AND_SRET complete=1, user=0, off=0

/*
 * user_mode_start(frame): the first return to user mode of a new program (enter_user_mode
 * in trap.cc built the frame on the current kernel stack). Later user traps build their
 * frames at the stack's top again, over whatever this left behind.
 */
    .globl user_mode_start
user_mode_start:
    mv sp, a0
    j trap_return
