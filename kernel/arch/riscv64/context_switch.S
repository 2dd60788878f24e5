/*
 * context_switch(from, to): saves the callee-saved registers of the running thread into
 * *from and resumes the thread whose registers are in *to (struct ThreadContext in
 * proc/thread.h: ra, sp, s0..s11 at offsets 0, 8, 16..104).
 *
 * Only callee-saved registers need saving: to its caller this is an ordinary function
 * call, so everything else is already dead or saved on the stack. tp is not touched: it
 * belongs to the hart (its Cpu), not to the thread. The call "returns" into the other
 * thread, at the point where it called context_switch, or at thread_entry_trampoline
 * for a thread that never ran.
 */
    .text
    .globl context_switch
    .type context_switch, @function
context_switch:
    sd ra, 0(a0)
    sd sp, 8(a0)
    sd s0, 16(a0)
    sd s1, 24(a0)
    sd s2, 32(a0)
    sd s3, 40(a0)
    sd s4, 48(a0)
    sd s5, 56(a0)
    sd s6, 64(a0)
    sd s7, 72(a0)
    sd s8, 80(a0)
    sd s9, 88(a0)
    sd s10, 96(a0)
    sd s11, 104(a0)

    ld ra, 0(a1)
    ld sp, 8(a1)
    ld s0, 16(a1)
    ld s1, 24(a1)
    ld s2, 32(a1)
    ld s3, 40(a1)
    ld s4, 48(a1)
    ld s5, 56(a1)
    ld s6, 64(a1)
    ld s7, 72(a1)
    ld s8, 80(a1)
    ld s9, 88(a1)
    ld s10, 96(a1)
    ld s11, 104(a1)
    ret
    .size context_switch, . - context_switch

/*
 * Where a new thread's first switch lands (its context's ra). A zero return address and
 * frame pointer end backtraces here; thread_first_run (proc/thread.cc) never returns.
 */
    .globl thread_entry_trampoline
    .type thread_entry_trampoline, @function
thread_entry_trampoline:
    mv ra, zero
    mv s0, zero
    j thread_first_run
    .size thread_entry_trampoline, . - thread_entry_trampoline
