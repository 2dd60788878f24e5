// Compile-time check that the POSIX headers of user/include lay out the structures the
// kernel writes into user memory exactly as kernel/syscall/abi.h does: struct stat against
// atlas_stat, struct dirent against atlas_dirent64 (readdir steps through the records
// getdents writes), struct iovec, which it reads, against atlas_iovec, and siginfo_t and
// ucontext_t against signal_abi.h's frame. A header that drifts from the ABI fails the build
// here; this file defines nothing.
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <ucontext.h>

#include "syscall/abi.h"
#include "syscall/signal_abi.h"

#define ATLAS_SAME_FIELD(user_type, user_field, abi_type, abi_field)                                  \
    static_assert(offsetof(user_type, user_field) == offsetof(abi_type, abi_field)                      \
                      && sizeof(((user_type*)nullptr)->user_field) == sizeof(((abi_type*)nullptr)->abi_field), \
                  #user_type "." #user_field " differs from the ABI")

static_assert(sizeof(struct stat) == sizeof(struct atlas_stat) && sizeof(struct stat) == 128);
ATLAS_SAME_FIELD(struct stat, st_dev, struct atlas_stat, st_dev);
ATLAS_SAME_FIELD(struct stat, st_ino, struct atlas_stat, st_ino);
ATLAS_SAME_FIELD(struct stat, st_mode, struct atlas_stat, st_mode);
ATLAS_SAME_FIELD(struct stat, st_nlink, struct atlas_stat, st_nlink);
ATLAS_SAME_FIELD(struct stat, st_uid, struct atlas_stat, st_uid);
ATLAS_SAME_FIELD(struct stat, st_gid, struct atlas_stat, st_gid);
ATLAS_SAME_FIELD(struct stat, st_rdev, struct atlas_stat, st_rdev);
ATLAS_SAME_FIELD(struct stat, st_size, struct atlas_stat, st_size);
ATLAS_SAME_FIELD(struct stat, st_blksize, struct atlas_stat, st_blksize);
ATLAS_SAME_FIELD(struct stat, st_blocks, struct atlas_stat, st_blocks);
ATLAS_SAME_FIELD(struct stat, st_atime, struct atlas_stat, st_atime_sec);
ATLAS_SAME_FIELD(struct stat, st_mtime, struct atlas_stat, st_mtime_sec);
ATLAS_SAME_FIELD(struct stat, st_mtime_nsec, struct atlas_stat, st_mtime_nsec);
ATLAS_SAME_FIELD(struct stat, st_ctime, struct atlas_stat, st_ctime_sec);

ATLAS_SAME_FIELD(struct dirent, d_ino, struct atlas_dirent64, d_ino);
ATLAS_SAME_FIELD(struct dirent, d_off, struct atlas_dirent64, d_off);
ATLAS_SAME_FIELD(struct dirent, d_reclen, struct atlas_dirent64, d_reclen);
ATLAS_SAME_FIELD(struct dirent, d_type, struct atlas_dirent64, d_type);
static_assert(offsetof(struct dirent, d_name) == offsetof(struct atlas_dirent64, d_name));

static_assert(sizeof(struct iovec) == sizeof(struct atlas_iovec));
ATLAS_SAME_FIELD(struct iovec, iov_base, struct atlas_iovec, iov_base);
ATLAS_SAME_FIELD(struct iovec, iov_len, struct atlas_iovec, iov_len);
static_assert(IOV_MAX == ATLAS_IOV_MAX);

// The signal frame (kernel/syscall/signal_abi.h): what a handler reads through its siginfo_t
// and ucontext_t pointers.
static_assert(sizeof(siginfo_t) == sizeof(struct atlas_siginfo));
ATLAS_SAME_FIELD(siginfo_t, si_signo, struct atlas_siginfo, si_signo);
ATLAS_SAME_FIELD(siginfo_t, si_code, struct atlas_siginfo, si_code);
ATLAS_SAME_FIELD(siginfo_t, si_addr, struct atlas_siginfo, fields.addr);
ATLAS_SAME_FIELD(siginfo_t, si_pid, struct atlas_siginfo, fields.kill.pid);
ATLAS_SAME_FIELD(ucontext_t, uc_sigmask, struct atlas_ucontext, uc_sigmask);
ATLAS_SAME_FIELD(ucontext_t, uc_stack, struct atlas_ucontext, uc_stack);
ATLAS_SAME_FIELD(ucontext_t, uc_mcontext.__gregs, struct atlas_ucontext, uc_mcontext.regs);
ATLAS_SAME_FIELD(ucontext_t, uc_mcontext.__fpregs.__f, struct atlas_ucontext, uc_mcontext.fpregs);
ATLAS_SAME_FIELD(ucontext_t, uc_mcontext.__fpregs.__fcsr, struct atlas_ucontext, uc_mcontext.fcsr);
static_assert(sizeof(ucontext_t) == sizeof(struct atlas_ucontext));

// sigaltstack's stack_t and setitimer's struct itimerval.
static_assert(sizeof(stack_t) == sizeof(struct atlas_stack));
ATLAS_SAME_FIELD(stack_t, ss_sp, struct atlas_stack, ss_sp);
ATLAS_SAME_FIELD(stack_t, ss_flags, struct atlas_stack, ss_flags);
ATLAS_SAME_FIELD(stack_t, ss_size, struct atlas_stack, ss_size);
static_assert(MINSIGSTKSZ == ATLAS_MINSIGSTKSZ && SS_ONSTACK == ATLAS_SS_ONSTACK && SS_DISABLE == ATLAS_SS_DISABLE);
static_assert(sizeof(struct itimerval) == sizeof(struct atlas_itimerval));
ATLAS_SAME_FIELD(struct itimerval, it_interval.tv_sec, struct atlas_itimerval, it_interval.tv_sec);
ATLAS_SAME_FIELD(struct itimerval, it_interval.tv_usec, struct atlas_itimerval, it_interval.tv_usec);
ATLAS_SAME_FIELD(struct itimerval, it_value.tv_sec, struct atlas_itimerval, it_value.tv_sec);
ATLAS_SAME_FIELD(struct itimerval, it_value.tv_usec, struct atlas_itimerval, it_value.tv_usec);
static_assert(ITIMER_REAL == ATLAS_ITIMER_REAL);
