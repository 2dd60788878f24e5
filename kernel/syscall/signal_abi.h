// The signal part of the system-call ABI: signal numbers, sigaction flags, the sigprocmask
// operations, si_code values, and the structures the kernel reads from and writes to user
// memory (the sigaction record, and the signal frame it pushes on the user stack).
//
// Numbers and layouts are Linux's for riscv64 (asm-generic signal numbers, the riscv
// rt_sigframe), with one difference: Linux on riscv64 returns from handlers through a
// vDSO and has no sa_restorer; Atlas takes the restorer from the sigaction record, in
// the place and with the flag (SA_RESTORER) Linux uses on the architectures that have one.
// The user library (user/lib/signal.cc) always sets it. user/lib/abi_check.cc checks at
// compile time that the user headers' siginfo_t and ucontext_t agree with the layouts here.
//
// Like abi.h, this header compiles as C and C++ and needs no other header; the structs
// carry an atlas_ prefix and every macro is #ifndef-guarded, so that it can sit next to
// the user headers.
//
// Signal sets are 64-bit masks with bit (n - 1) for signal n (signals 1..31 exist).
//
//   rt_sigaction(int sig, const struct atlas_sigaction* act, struct atlas_sigaction* old,
//                size_t sigsetsize)          sigsetsize must be 8; EINVAL for sig outside
//                                            1..31 and for a new action on SIGKILL/SIGSTOP
//   rt_sigprocmask(int how, const u64* set, u64* old, size_t sigsetsize)
//                                            how: SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK;
//                                            SIGKILL and SIGSTOP are never blocked
//   rt_sigpending(u64* set, size_t sigsetsize)  the pending signals that are blocked
//   rt_sigreturn()                           from a handler: restores the registers and
//                                            the mask saved in the frame at sp
//   rt_sigsuspend(const u64* mask, size_t sigsetsize)
//                                            waits for a handled signal with `mask`; EINTR
//   sigaltstack(const struct atlas_stack* ss, struct atlas_stack* old)
//                                            ss_flags 0 or ATLAS_SS_DISABLE; EPERM on it,
//                                            ENOMEM below ATLAS_MINSIGSTKSZ
//   kill(pid, sig) at 129, tgkill(tgid, tid, sig) at 131 (tid == tgid == pid)
//   getitimer(which, struct atlas_itimerval* value), setitimer(which, new, old):
//                                            ITIMER_REAL only: SIGALRM, in 10 ms ticks
#ifndef ATLAS_SYSCALL_SIGNAL_ABI_H
#define ATLAS_SYSCALL_SIGNAL_ABI_H

#define ATLAS_SIGNAL_COUNT 31  // Signals are 1..31.

#ifndef SIGHUP
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
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
#define SIGPWR 30
#define SIGSYS 31
#endif

// sa_handler values other than a function's address.
#define ATLAS_SIG_DFL 0
#define ATLAS_SIG_IGN 1

// sa_flags (Linux values).
#ifndef SA_NOCLDSTOP
#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO 0x00000004
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#endif

// rt_sigprocmask's `how`.
#ifndef SIG_BLOCK
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#endif

// si_code values.
#ifndef SI_USER
#define SI_USER 0        // Sent by kill() (si_pid, si_uid).
#define SI_KERNEL 0x80
#define ILL_ILLOPC 1     // Illegal opcode (si_addr: the instruction).
#define TRAP_BRKPT 1     // Breakpoint (si_addr: the instruction).
#define BUS_ADRALN 1     // Misaligned address (si_addr: the address).
#define BUS_ADRERR 2     // Nonexistent physical address: beyond the end of a mapped file.
#define SEGV_MAPERR 1    // No mapping at the address.
#define SEGV_ACCERR 2    // The mapping does not allow the access.
#endif

// sigaltstack's ss_flags and uc_stack.ss_flags.
#define ATLAS_SS_ONSTACK 1   // The stack is in use (reported only).
#define ATLAS_SS_DISABLE 2   // No alternate signal stack.
#define ATLAS_MINSIGSTKSZ 2048  // The smallest alternate stack sigaltstack takes (ENOMEM).

// setitimer's and getitimer's `which`: only ITIMER_REAL (0) exists.
#define ATLAS_ITIMER_REAL 0

struct atlas_timeval {
    __INT64_TYPE__ tv_sec;
    __INT64_TYPE__ tv_usec;
};

struct atlas_itimerval {
    struct atlas_timeval it_interval;  // Reloaded when the timer fires (0: once).
    struct atlas_timeval it_value;     // Until the next SIGALRM (0: disarmed).
};

// What rt_sigaction reads and writes (Linux's generic layout with sa_restorer).
struct atlas_sigaction {
    __UINT64_TYPE__ handler;   // ATLAS_SIG_DFL, ATLAS_SIG_IGN or the handler's address.
    __UINT64_TYPE__ flags;     // SA_*.
    __UINT64_TYPE__ restorer;  // Where the handler returns to (SA_RESTORER): code that
                               // calls rt_sigreturn with sp where it was on entry.
    __UINT64_TYPE__ mask;      // Signals blocked while the handler runs.
};

// siginfo_t: 128 bytes; the union at 16 holds si_pid/si_uid (kill) or si_addr (faults).
struct atlas_siginfo {
    __INT32_TYPE__ si_signo;
    __INT32_TYPE__ si_errno;
    __INT32_TYPE__ si_code;
    __INT32_TYPE__ pad0;
    union {
        struct {
            __INT32_TYPE__ pid;
            __UINT32_TYPE__ uid;
        } kill;
        __UINT64_TYPE__ addr;
    } fields;
    __UINT8_TYPE__ pad[104];
};

struct atlas_stack {
    __UINT64_TYPE__ ss_sp;
    __INT32_TYPE__ ss_flags;
    __INT32_TYPE__ pad;
    __UINT64_TYPE__ ss_size;
};

// The saved user registers (riscv's struct sigcontext): regs[0] is the pc, regs[n] register
// xn for n = 1..31; then the floating-point registers (the D extension's f0..f31 and fcsr,
// in a 528-byte area that Linux sizes for the Q extension).
struct atlas_sigcontext {
    __UINT64_TYPE__ regs[32];
    __UINT64_TYPE__ fpregs[32];
    __UINT32_TYPE__ fcsr;
    __UINT32_TYPE__ fp_reserved[3];
    __UINT8_TYPE__ fp_pad[528 - 32 * 8 - 16];
} __attribute__((aligned(16)));

struct atlas_ucontext {
    __UINT64_TYPE__ uc_flags;     // 0.
    __UINT64_TYPE__ uc_link;      // 0.
    struct atlas_stack uc_stack;  // The alternate stack: {0, ATLAS_SS_DISABLE, 0} if none;
                                  // ss_flags ATLAS_SS_ONSTACK if the interrupted code ran on it.
    __UINT64_TYPE__ uc_sigmask;   // The mask to restore (the one before the handler).
    __UINT8_TYPE__ unused[120];   // Room for a larger sigset, as on Linux.
    struct atlas_sigcontext uc_mcontext;
};

// What a handler finds at its sp: a1 points at `info`, a2 at `uc`.
struct atlas_signal_frame {
    struct atlas_siginfo info;
    struct atlas_ucontext uc;
};

#define ATLAS_SIGINFO_SIZE 128
#define ATLAS_UCONTEXT_MCONTEXT_OFFSET 176
#define ATLAS_SIGNAL_FRAME_SIZE 1088

#ifdef __cplusplus
static_assert(sizeof(struct atlas_sigaction) == 32);
static_assert(sizeof(struct atlas_siginfo) == ATLAS_SIGINFO_SIZE);
static_assert(sizeof(struct atlas_sigcontext) == 784);
static_assert(__builtin_offsetof(struct atlas_ucontext, uc_sigmask) == 40);
static_assert(__builtin_offsetof(struct atlas_ucontext, uc_mcontext) == ATLAS_UCONTEXT_MCONTEXT_OFFSET);
static_assert(sizeof(struct atlas_signal_frame) == ATLAS_SIGNAL_FRAME_SIZE);
#endif

#endif  // ATLAS_SYSCALL_SIGNAL_ABI_H
