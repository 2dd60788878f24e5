/*
 * The signal restorer: every handler that sigaction installs returns here (the kernel
 * points ra at it, kernel/syscall/signal_abi.h), with sp back where the kernel left it, at
 * the signal frame; rt_sigreturn restores the interrupted registers and mask from there and
 * never returns. Unwinders that stop at a zero return address stop here too.
 */
#include "syscall/numbers.h"

    .text
    .globl __atlas_sigreturn
    .type __atlas_sigreturn, @function
__atlas_sigreturn:
    li a7, SYS_rt_sigreturn
    ecall
1:  j 1b
    .size __atlas_sigreturn, . - __atlas_sigreturn
