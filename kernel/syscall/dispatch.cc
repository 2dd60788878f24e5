// The system-call table and dispatcher: see syscall.h.
//
// The SYS_* numbers are Atlas's own (numbers.h). libstdc++'s <atomic>, which the headers
// below include, reaches for <syscall.h>; the kernel's include path puts
// arch/riscv64/sysroot-fixup/syscall.h in front of glibc's, so Linux's numbers never
// arrive. The assertions below are the tripwire should that ever stop being true.
#include <array>

#include "arch/riscv64/trap_frame.h"
#include "lib/errno.h"
#include "syscall/arguments.h"
#include "syscall/handlers.h"
#include "syscall/numbers.h"
#include "syscall/syscall.h"

static_assert(SYS_getpid == 11 && SYS_write == 16 && SYS_count == 158,
              "SYS_* must be Atlas's numbers (syscall/numbers.h), not the C library's");

namespace {

using Entry = int64_t (*)(TrapFrame&);

constexpr std::array<Entry, SYS_count> make_table() {
    std::array<Entry, SYS_count> table {};
    table[SYS_fork] = &invoke<sys_fork>;
    table[SYS_exit] = &invoke<sys_exit>;
    table[SYS_wait] = &invoke<sys_wait>;
    table[SYS_pipe] = &invoke<sys_pipe>;
    table[SYS_read] = &invoke<sys_read>;
    table[SYS_kill] = &invoke<sys_kill>;
    table[SYS_exec] = &invoke<sys_exec>;
    table[SYS_fstat] = &invoke<sys_fstat>;
    table[SYS_chdir] = &invoke<sys_chdir>;
    table[SYS_dup] = &invoke<sys_dup>;
    table[SYS_getpid] = &invoke<sys_getpid>;
    table[SYS_sbrk] = &invoke<sys_sbrk>;
    table[SYS_sleep] = &invoke<sys_sleep>;
    table[SYS_uptime] = &invoke<sys_uptime>;
    table[SYS_open] = &invoke<sys_open>;
    table[SYS_write] = &invoke<sys_write>;
    table[SYS_pread] = &invoke<sys_pread>;
    table[SYS_pwrite] = &invoke<sys_pwrite>;
    table[SYS_readv] = &invoke<sys_readv>;
    table[SYS_writev] = &invoke<sys_writev>;
    table[SYS_mknod] = &invoke<sys_mknod>;
    table[SYS_unlink] = &invoke<sys_unlink>;
    table[SYS_link] = &invoke<sys_link>;
    table[SYS_mkdir] = &invoke<sys_mkdir>;
    table[SYS_close] = &invoke<sys_close>;
    table[SYS_waitpid] = &invoke<sys_waitpid>;
    table[SYS_getppid] = &invoke<sys_getppid>;
    table[SYS_lseek] = &invoke<sys_lseek>;
    table[SYS_dup2] = &invoke<sys_dup2>;
    table[SYS_rmdir] = &invoke<sys_rmdir>;
    table[SYS_ftruncate] = &invoke<sys_ftruncate>;
    table[SYS_fsync] = &invoke<sys_fsync>;
    table[SYS_fdatasync] = &invoke<sys_fdatasync>;
    table[SYS_sync] = &invoke<sys_sync>;
    table[SYS_stat] = &invoke<sys_stat>;
    table[SYS_getdents] = &invoke<sys_getdents>;
    table[SYS_vmstat] = &invoke<sys_vmstat>;
    table[SYS_drop_caches] = &invoke<sys_drop_caches>;
    table[SYS_mmap] = &invoke<sys_mmap>;
    table[SYS_munmap] = &invoke<sys_munmap>;
    table[SYS_mprotect] = &invoke<sys_mprotect>;
    table[SYS_msync] = &invoke<sys_msync>;
    table[SYS_madvise] = &invoke<sys_madvise>;
    table[SYS_fadvise] = &invoke<sys_fadvise>;
    table[SYS_procmaps] = &invoke<sys_procmaps>;
    table[SYS_ioctl] = &invoke<sys_ioctl>;
    table[SYS_setpgid] = &invoke<sys_setpgid>;
    table[SYS_getpgid] = &invoke<sys_getpgid>;
    table[SYS_getsid] = &invoke<sys_getsid>;
    table[SYS_setsid] = &invoke<sys_setsid>;
    table[SYS_rt_sigaction] = &invoke<sys_rt_sigaction>;
    table[SYS_rt_sigprocmask] = &invoke<sys_rt_sigprocmask>;
    table[SYS_rt_sigpending] = &invoke<sys_rt_sigpending>;
    table[SYS_rt_sigreturn] = &invoke<sys_rt_sigreturn>;
    table[SYS_rt_sigsuspend] = &invoke<sys_rt_sigsuspend>;
    table[SYS_sigaltstack] = &invoke<sys_sigaltstack>;
    table[SYS_linux_kill] = &invoke<sys_kill>;
    table[SYS_tgkill] = &invoke<sys_tgkill>;
    table[SYS_getitimer] = &invoke<sys_getitimer>;
    table[SYS_setitimer] = &invoke<sys_setitimer>;
    return table;
}

constexpr std::array<Entry, SYS_count> s_table = make_table();

}  // namespace

void syscall_dispatch(TrapFrame& frame) {
    uint64_t number = frame.reg(Reg::a7);
    int64_t result = -ENOSYS;
    if (number < s_table.size() && s_table[number])
        result = s_table[number](frame);
    frame.reg(Reg::a0) = static_cast<uint64_t>(result);
}
