/* <ucontext.h>: the context a SA_SIGINFO handler receives as its third argument, laid out
 * as Linux's riscv64 struct ucontext (docs/signals.md). uc_mcontext.__gregs[REG_PC] is the
 * pc the handler returns to (the faulting instruction for a fault: change it to skip the
 * instruction), __gregs[n] register xn; uc_sigmask is the mask restored on return. */
#ifndef _ATLAS_UCONTEXT_H
#define _ATLAS_UCONTEXT_H

#include <signal.h>

#define REG_PC 0
#define REG_RA 1
#define REG_SP 2
#define REG_TP 4
#define REG_S0 8
#define REG_A0 10
#define NGREG 32

typedef unsigned long greg_t;
typedef unsigned long gregset_t[NGREG];

struct __atlas_fp_state {
    unsigned long long __f[32];
    unsigned int __fcsr;
    unsigned int __reserved[3];
    unsigned char __pad[528 - 32 * 8 - 16];
};

typedef struct {
    gregset_t __gregs;
    struct __atlas_fp_state __fpregs;
} __attribute__((aligned(16))) mcontext_t;

typedef struct ucontext_t {
    unsigned long uc_flags;
    struct ucontext_t* uc_link;
    stack_t uc_stack;
    sigset_t uc_sigmask;
    unsigned char __unused[120];
    mcontext_t uc_mcontext;
} ucontext_t;

#endif
