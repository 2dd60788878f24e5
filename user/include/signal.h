/* <signal.h>: signals, with Linux's numbers and layouts (docs/signals.md).
 *
 * sigaction with SA_SIGINFO, SA_NODEFER, SA_RESETHAND, SA_RESTART (a blocked call the
 * handler interrupted runs again instead of failing with EINTR) and SA_ONSTACK (the
 * handler runs on the sigaltstack). A handler returns through __atlas_sigreturn, the
 * restorer sigaction installs. sigset_t is one 64-bit word: bit (n - 1) for signal n. Stop
 * and continue are not implemented: the stop signals and SIGCONT are ignored by default. */
#ifndef _ATLAS_SIGNAL_H
#define _ATLAS_SIGNAL_H

#include <sys/cdefs.h>
#include <sys/types.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGIOT SIGABRT
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPOLL SIGIO
#define SIGPWR 30
#define SIGSYS 31
#define NSIG 32
#define _NSIG NSIG

typedef unsigned long sigset_t;
typedef int sig_atomic_t;
typedef void (*sighandler_t)(int);

#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)
#define SIG_ERR ((sighandler_t)-1)

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_NOMASK SA_NODEFER
#define SA_ONESHOT SA_RESETHAND

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* si_code values. */
#define SI_USER 0
#define SI_KERNEL 0x80
#define ILL_ILLOPC 1
#define TRAP_BRKPT 1
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2

union sigval {
    int sival_int;
    void* sival_ptr;
};

/* 128 bytes, as on Linux: the union at offset 16 holds the sender (kill) or the faulting
   address (SIGSEGV, SIGBUS, SIGILL, SIGTRAP). */
typedef struct {
    int si_signo;
    int si_errno;
    int si_code;
    int __pad0;
    union {
        struct {
            pid_t __pid;
            uid_t __uid;
        } __kill;
        struct {
            void* __addr;
        } __fault;
        int __pad[28];
    } __fields;
} siginfo_t;
#define si_pid __fields.__kill.__pid
#define si_uid __fields.__kill.__uid
#define si_addr __fields.__fault.__addr

typedef struct {
    void* ss_sp;
    int ss_flags;
    size_t ss_size;
} stack_t;
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048 /* The smallest stack sigaltstack takes (ENOMEM below). */
#define SIGSTKSZ 8192

struct sigaction {
    union {
        void (*__handler)(int);
        void (*__sigaction)(int, siginfo_t*, void*);
    } __u;
    sigset_t sa_mask;
    int sa_flags;
    void (*sa_restorer)(void);
};
#define sa_handler __u.__handler
#define sa_sigaction __u.__sigaction

__ATLAS_BEGIN_DECLS
int kill(pid_t pid, int signal);
int raise(int signal);
int sigaction(int signal, const struct sigaction* action, struct sigaction* old);
sighandler_t signal(int signal, sighandler_t handler);
int sigprocmask(int how, const sigset_t* set, sigset_t* old);
int sigpending(sigset_t* set);
/* Waits with `mask` until a handler has run; always -1 with errno EINTR. */
int sigsuspend(const sigset_t* mask);
int sigaltstack(const stack_t* stack, stack_t* old);
int sigemptyset(sigset_t* set);
int sigfillset(sigset_t* set);
int sigaddset(sigset_t* set, int signal);
int sigdelset(sigset_t* set, int signal);
int sigismember(const sigset_t* set, int signal);
/* The restorer: calls rt_sigreturn. Not to be called directly. */
void __atlas_sigreturn(void);
__ATLAS_END_DECLS

#endif
