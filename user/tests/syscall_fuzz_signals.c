/* syscall_fuzz_signals: the generators of the signal calls (rt_sigaction, rt_sigprocmask,
 * rt_sigpending, rt_sigsuspend, sigaltstack, kill at Linux's number, tgkill, getitimer,
 * setitimer; syscall_fuzz.h). The other generators are in syscall_fuzz_calls.c and
 * syscall_fuzz_memory.c.
 *
 * None of them may block or end the worker: rt_sigsuspend only ever gets arguments that
 * fail (a valid call would wait for a signal no one sends), kill and tgkill send a signal
 * only to processes that cannot take it (init, pids that do not exist) or signal 0, and
 * setitimer arms only timers too long to fire during a run (SIGALRM would end the worker). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>

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

void gen_rt_sigsuspend(Fuzz* f)
{
    static unsigned long mask;
    mask = fz_next(f);
    int bad = 0;
    uintptr_t in = pick_pointer(f, "mask", sizeof(mask), 0, &bad, NULL);
    if (!bad)
        in = (uintptr_t)&mask;
    long size = pick_sigset_size(f);
    /* Only failing calls: with a size of 8 the mask must be unreadable. */
    if (size == 8 && !bad)
        size = 4;
    f->strict = size != 8 ? EB(EINVAL) : EB(EFAULT);
    fz_call(f, SYS_rt_sigsuspend, (long)in, size, 0, 0, 0, 0);
}

void gen_sigaltstack(Fuzz* f)
{
    static const int kFlags[] = {0, 0, SS_DISABLE, SS_ONSTACK, 4, -1};
    static const unsigned long kSizes[] = {0, 1024, MINSIGSTKSZ - 1, MINSIGSTKSZ, 8192, ~0ul};
    static stack_t record, old;
    record.ss_sp = f->scratch;
    record.ss_flags = kFlags[fz_below(f, 6)];
    record.ss_size = kSizes[fz_below(f, 6)];
    int bad_in = 0, bad_out = 0;
    uintptr_t in = pick_pointer(f, "ss", sizeof(record), 0, &bad_in, NULL);
    if (!bad_in)
        in = fz_chance(f, 30) ? 0 : (uintptr_t)&record;
    bad_in = bad_in && in; /* A null ss only asks. */
    uintptr_t out = pick_pointer(f, "old", sizeof(old), 1, &bad_out, NULL);
    if (!bad_out)
        out = fz_chance(f, 50) ? 0 : (uintptr_t)&old;
    bad_out = bad_out && out;
    fz_note(f, " flags=%d size=%lu", record.ss_flags, record.ss_size);
    if (bad_in)
        f->strict = EB(EFAULT);
    else if (in && (record.ss_flags & ~(SS_DISABLE | SS_ONSTACK)))
        f->strict = EB(EINVAL);
    else if (in && !(record.ss_flags & SS_DISABLE) && record.ss_size < MINSIGSTKSZ)
        f->strict = EB(ENOMEM);
    else if (bad_out)
        f->strict = EB(EFAULT);
    fz_call(f, SYS_sigaltstack, (long)in, (long)out, 0, 0, 0, 0);
}

/* Signal 0 to ourselves, or any signal to processes that cannot take it. */
static void pick_target(Fuzz* f, int* pid, int* signal)
{
    static const int kSignals[] = {0, 9, 15, 10, 32, -1, 64};
    *signal = kSignals[fz_below(f, 7)];
    int bad_signal = *signal < 0 || *signal > 31;
    switch (fz_below(f, 3)) {
    case 0:
        *pid = 1;
        f->strict = bad_signal ? EB(EINVAL) : *signal ? EB(EPERM) : 0;
        break;
    case 1:
        *pid = 99999;
        f->strict = bad_signal ? EB(EINVAL) : EB(ESRCH);
        break;
    default:
        *pid = (int)fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0);
        if (!bad_signal)
            *signal = 0;
        f->strict = bad_signal ? EB(EINVAL) : 0;
        break;
    }
}

void gen_linux_kill(Fuzz* f)
{
    int pid, signal;
    pick_target(f, &pid, &signal);
    fz_note(f, "pid=%d signal=%d", pid, signal);
    fz_call(f, SYS_linux_kill, pid, signal, 0, 0, 0, 0);
}

void gen_tgkill(Fuzz* f)
{
    int pid, signal;
    pick_target(f, &pid, &signal);
    int tgid = pid, tid = pid;
    switch (fz_below(f, 4)) {
    case 0: tid = pid + 1; break;  /* Another thread id than the process's own. */
    case 1: tgid = -(int)fz_below(f, 3); break;
    default: break;
    }
    if (tgid <= 0 || tid <= 0 || signal < 0 || signal > 31)
        f->strict = EB(EINVAL);
    else if (tid != tgid)
        f->strict = EB(ESRCH);
    fz_note(f, "tgid=%d tid=%d signal=%d", tgid, tid, signal);
    fz_call(f, SYS_tgkill, tgid, tid, signal, 0, 0, 0);
}

void gen_getitimer(Fuzz* f)
{
    int which = fz_chance(f, 80) ? ITIMER_REAL : (int)fz_below(f, 6) - 2;
    int bad = 0;
    uintptr_t out = pick_pointer(f, "value", sizeof(struct itimerval), 1, &bad, NULL);
    fz_note(f, " which=%d", which);
    f->strict = which != ITIMER_REAL ? EB(EINVAL) : bad ? EB(EFAULT) : 0;
    fz_call(f, SYS_getitimer, which, (long)out, 0, 0, 0, 0);
}

void gen_setitimer(Fuzz* f)
{
    static struct itimerval record, old;
    int which = fz_chance(f, 80) ? ITIMER_REAL : (int)fz_below(f, 6) - 2;
    /* Disarmed, a day or more away, or out of range: never a timer that fires. */
    static const long kSeconds[] = {0, 86400, 1000000000, -1};
    static const long kMicroseconds[] = {0, 1, 999999, 1000000, -5};
    record.it_value.tv_sec = kSeconds[fz_below(f, 4)];
    record.it_value.tv_usec = record.it_value.tv_sec > 0 ? kMicroseconds[fz_below(f, 5)] : 0;
    record.it_interval.tv_sec = kSeconds[fz_below(f, 4)];
    record.it_interval.tv_usec = kMicroseconds[fz_below(f, 5)];
    int bad_in = 0, bad_out = 0;
    uintptr_t in = pick_pointer(f, "value", sizeof(record), 0, &bad_in, NULL);
    if (!bad_in)
        in = fz_chance(f, 10) ? 0 : (uintptr_t)&record;
    bad_in = bad_in && in; /* A null value disarms. */
    uintptr_t out = pick_pointer(f, "old", sizeof(old), 1, &bad_out, NULL);
    if (!bad_out)
        out = fz_chance(f, 50) ? 0 : (uintptr_t)&old;
    bad_out = bad_out && out;
    int bad_value = in && (record.it_value.tv_sec < 0 || record.it_value.tv_usec < 0
                           || record.it_value.tv_usec >= 1000000 || record.it_interval.tv_sec < 0
                           || record.it_interval.tv_usec < 0 || record.it_interval.tv_usec >= 1000000);
    fz_note(f, " which=%d value=%ld.%06ld interval=%ld.%06ld", which, record.it_value.tv_sec,
            record.it_value.tv_usec, record.it_interval.tv_sec, record.it_interval.tv_usec);
    if (which != ITIMER_REAL)
        f->strict = EB(EINVAL);
    else if (bad_in)
        f->strict = EB(EFAULT);
    else if (bad_value)
        f->strict = EB(EINVAL);
    else if (bad_out)
        f->strict = EB(EFAULT);
    fz_call(f, SYS_setitimer, which, (long)in, (long)out, 0, 0, 0);
}
