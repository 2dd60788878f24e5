/* syscall_fuzz_signals: the generators of the signal calls (rt_sigaction, rt_sigprocmask,
 * rt_sigpending; syscall_fuzz.h). The other generators are in syscall_fuzz_calls.c and
 * syscall_fuzz_memory.c. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "../../kernel/syscall/abi.h"
#include "syscall_fuzz.h"

/* The signal calls, on signals nothing else here sends (fz_kill_kid's 1, 9, 15 and 31 must
   keep killing the children, which inherit dispositions and the mask), with SIG_DFL or
   SIG_IGN only: a valid pointer always names our own record, never a random buffer. */
static const int kFuzzSignals[] = {SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH, SIGKILL, SIGSTOP, 0, 32, -1};
#define FZ_SIGNAL_COUNT (int)(sizeof(kFuzzSignals) / sizeof(kFuzzSignals[0]))
#define FZ_SPARED_SIGNALS ((1ul << (SIGHUP - 1)) | (1ul << (SIGTERM - 1)) | (1ul << (SIGSYS - 1)))

static long pick_sigset_size(Fuzz* f)
{
    long size = fz_chance(f, 85) ? 8 : (long)fz_below(f, 17);
    fz_note(f, " setsize=%ld", size);
    return size;
}

void gen_rt_sigaction(Fuzz* f)
{
    int signal = kFuzzSignals[fz_below(f, FZ_SIGNAL_COUNT)];
    static struct fz_sigaction { unsigned long handler, flags, restorer, mask; } record;
    record.handler = fz_chance(f, 50) ? 0 : 1; /* SIG_DFL or SIG_IGN */
    record.flags = fz_below(f, 4) << 28;
    record.restorer = 0;
    record.mask = ((unsigned long)fz_below(f, 1u << 30) << 1) & ~FZ_SPARED_SIGNALS;
    int bad_act = 0, bad_old = 0;
    uintptr_t act = pick_pointer(f, "act", sizeof(record), 0, &bad_act, NULL);
    if (!bad_act)
        act = fz_chance(f, 30) ? 0 : (uintptr_t)&record;
    bad_act = bad_act && act; /* A null act only asks. */
    static struct fz_sigaction old;
    uintptr_t out = pick_pointer(f, "old", sizeof(old), 1, &bad_old, NULL);
    if (!bad_old)
        out = fz_chance(f, 50) ? 0 : (uintptr_t)&old;
    bad_old = bad_old && out;
    long size = pick_sigset_size(f);
    fz_note(f, " signal=%d handler=%lu", signal, record.handler);
    if (size != 8 || signal < 1 || signal > 31 || (act && (signal == SIGKILL || signal == SIGSTOP)))
        f->strict = EB(EINVAL);
    else if (bad_act || bad_old)
        f->strict = EB(EFAULT);
    fz_call(f, SYS_rt_sigaction, signal, (long)act, (long)out, size, 0, 0);
}

void gen_rt_sigprocmask(Fuzz* f)
{
    static unsigned long set, old;
    set = ((unsigned long)fz_below(f, 1u << 30) << 1) & ~FZ_SPARED_SIGNALS;
    int how = fz_chance(f, 90) ? (int)fz_below(f, 3) : (int)fz_below(f, 100) - 50;
    int bad_set = 0, bad_old = 0;
    uintptr_t in = pick_pointer(f, "set", sizeof(set), 0, &bad_set, NULL);
    if (!bad_set)
        in = fz_chance(f, 20) ? 0 : (uintptr_t)&set;
    bad_set = bad_set && in;
    uintptr_t out = pick_pointer(f, "old", sizeof(old), 1, &bad_old, NULL);
    if (!bad_old)
        out = fz_chance(f, 50) ? 0 : (uintptr_t)&old;
    bad_old = bad_old && out;
    long size = pick_sigset_size(f);
    fz_note(f, " how=%d", how);
    if (size != 8 || (in && (how < 0 || how > 2)))
        f->strict = EB(EINVAL);
    else if (bad_set || bad_old)
        f->strict = EB(EFAULT);
    fz_call(f, SYS_rt_sigprocmask, how, (long)in, (long)out, size, 0, 0);
}

void gen_rt_sigpending(Fuzz* f)
{
    int bad = 0;
    uintptr_t out = pick_pointer(f, "set", sizeof(unsigned long), 1, &bad, NULL);
    long size = pick_sigset_size(f);
    if (size != 8)
        f->strict = EB(EINVAL);
    else if (bad)
        f->strict = EB(EFAULT);
    fz_call(f, SYS_rt_sigpending, (long)out, size, 0, 0, 0, 0);
}
