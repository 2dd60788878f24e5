// Signals in the C library: sigaction and its simpler cousin signal(), sigprocmask,
// sigpending, sigsuspend and pause, sigaltstack, raise, alarm with setitimer and getitimer,
// and the sigset_t helpers. sigaction turns struct sigaction into the
// kernel's record (kernel/syscall/signal_abi.h) and always names a restorer:
// __atlas_sigreturn (sigreturn.S) unless the caller gives its own with SA_RESTORER.
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include "syscall.h"
#include "syscall/signal_abi.h"

namespace {

constexpr long kSigsetSize = sizeof(sigset_t);

bool valid_signal(int signal) { return signal >= 1 && signal < NSIG; }

unsigned long signal_bit(int signal) { return 1ul << (signal - 1); }

} // namespace

extern "C" {

int sigaction(int signal, const struct sigaction* action, struct sigaction* old)
{
    atlas_sigaction kernel_action {};
    atlas_sigaction kernel_old {};
    if (action) {
        kernel_action.handler = (unsigned long)action->sa_handler;
        kernel_action.flags = (unsigned int)action->sa_flags | SA_RESTORER;
        kernel_action.restorer = (action->sa_flags & SA_RESTORER) && action->sa_restorer
                                     ? (unsigned long)action->sa_restorer
                                     : (unsigned long)&__atlas_sigreturn;
        kernel_action.mask = action->sa_mask;
    }
    long result = atlas::syscall(SYS_rt_sigaction, signal, action ? &kernel_action : nullptr,
                                 old ? &kernel_old : nullptr, kSigsetSize);
    if (result < 0)
        return -1;
    if (old) {
        old->sa_handler = (void (*)(int))kernel_old.handler;
        old->sa_flags = (int)kernel_old.flags;
        old->sa_restorer = (void (*)(void))kernel_old.restorer;
        old->sa_mask = kernel_old.mask;
    }
    return 0;
}

// BSD semantics, as glibc's signal(): the handler stays installed and interrupted calls
// restart (SA_RESTART).
sighandler_t signal(int signal, sighandler_t handler)
{
    struct sigaction action {};
    struct sigaction old {};
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART;
    if (sigaction(signal, &action, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

int sigprocmask(int how, const sigset_t* set, sigset_t* old)
{
    return (int)atlas::syscall(SYS_rt_sigprocmask, how, set, old, kSigsetSize);
}

int sigpending(sigset_t* set) { return (int)atlas::syscall(SYS_rt_sigpending, set, kSigsetSize); }

int sigsuspend(const sigset_t* mask) { return (int)atlas::syscall(SYS_rt_sigsuspend, mask, kSigsetSize); }

// sigsuspend with the mask as it is: Linux's riscv64 has no pause call either.
int pause(void)
{
    sigset_t mask;
    if (sigprocmask(SIG_BLOCK, nullptr, &mask) < 0)
        return -1;
    return sigsuspend(&mask);
}

int sigaltstack(const stack_t* stack, stack_t* old) { return (int)atlas::syscall(SYS_sigaltstack, stack, old); }

int raise(int signal) { return kill(getpid(), signal); }

int getitimer(int which, struct itimerval* value) { return (int)atlas::syscall(SYS_getitimer, which, value); }

int setitimer(int which, const struct itimerval* value, struct itimerval* old)
{
    return (int)atlas::syscall(SYS_setitimer, which, value, old);
}

// The seconds the previous alarm had left are rounded up: an alarm that is still armed
// never reports 0.
unsigned alarm(unsigned seconds)
{
    struct itimerval value {};
    struct itimerval old {};
    value.it_value.tv_sec = seconds;
    if (setitimer(ITIMER_REAL, &value, &old) < 0)
        return 0;
    return (unsigned)(old.it_value.tv_sec + (old.it_value.tv_usec > 0 ? 1 : 0));
}

int sigemptyset(sigset_t* set)
{
    *set = 0;
    return 0;
}

int sigfillset(sigset_t* set)
{
    *set = (1ul << (NSIG - 1)) - 1;
    return 0;
}

int sigaddset(sigset_t* set, int signal)
{
    if (!valid_signal(signal)) {
        errno = EINVAL;
        return -1;
    }
    *set |= signal_bit(signal);
    return 0;
}

int sigdelset(sigset_t* set, int signal)
{
    if (!valid_signal(signal)) {
        errno = EINVAL;
        return -1;
    }
    *set &= ~signal_bit(signal);
    return 0;
}

int sigismember(const sigset_t* set, int signal)
{
    if (!valid_signal(signal)) {
        errno = EINVAL;
        return -1;
    }
    return (*set & signal_bit(signal)) != 0;
}

} // extern "C"
