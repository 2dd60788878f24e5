// The system-call table and dispatcher: see syscall.h.
//
// numbers.h comes first and its values are captured in an enum at once: <atomic>, which
// the headers below include, drags in the C library's <sys/syscall.h>, whose Linux SYS_*
// macros silently replace Atlas's from then on.
#include "syscall/numbers.h"

enum AtlasSyscall : unsigned {
    kSys_fork = SYS_fork,
    kSys_exit = SYS_exit,
    kSys_wait = SYS_wait,
    kSys_pipe = SYS_pipe,
    kSys_read = SYS_read,
    kSys_kill = SYS_kill,
    kSys_exec = SYS_exec,
    kSys_fstat = SYS_fstat,
    kSys_chdir = SYS_chdir,
    kSys_dup = SYS_dup,
    kSys_getpid = SYS_getpid,
    kSys_sbrk = SYS_sbrk,
    kSys_sleep = SYS_sleep,
    kSys_uptime = SYS_uptime,
    kSys_open = SYS_open,
    kSys_write = SYS_write,
    kSys_mknod = SYS_mknod,
    kSys_unlink = SYS_unlink,
    kSys_link = SYS_link,
    kSys_mkdir = SYS_mkdir,
    kSys_close = SYS_close,
    kSys_waitpid = SYS_waitpid,
    kSys_getppid = SYS_getppid,
    kSys_lseek = SYS_lseek,
    kSys_dup2 = SYS_dup2,
    kSys_rmdir = SYS_rmdir,
    kSys_ftruncate = SYS_ftruncate,
    kSys_fsync = SYS_fsync,
    kSys_stat = SYS_stat,
    kSys_getdents = SYS_getdents,
    kSys_vmstat = SYS_vmstat,
    kSys_count = SYS_count,
};

#include <array>

#include "arch/riscv64/trap_frame.h"
#include "lib/errno.h"
#include "syscall/arguments.h"
#include "syscall/handlers.h"
#include "syscall/syscall.h"

namespace {

using Entry = int64_t (*)(TrapFrame&);

constexpr std::array<Entry, kSys_count> make_table() {
    std::array<Entry, kSys_count> table {};
    table[kSys_fork] = &invoke<sys_fork>;
    table[kSys_exit] = &invoke<sys_exit>;
    table[kSys_wait] = &invoke<sys_wait>;
    table[kSys_pipe] = &invoke<sys_pipe>;
    table[kSys_read] = &invoke<sys_read>;
    table[kSys_kill] = &invoke<sys_kill>;
    table[kSys_exec] = &invoke<sys_exec>;
    table[kSys_fstat] = &invoke<sys_fstat>;
    table[kSys_chdir] = &invoke<sys_chdir>;
    table[kSys_dup] = &invoke<sys_dup>;
    table[kSys_getpid] = &invoke<sys_getpid>;
    table[kSys_sbrk] = &invoke<sys_sbrk>;
    table[kSys_sleep] = &invoke<sys_sleep>;
    table[kSys_uptime] = &invoke<sys_uptime>;
    table[kSys_open] = &invoke<sys_open>;
    table[kSys_write] = &invoke<sys_write>;
    table[kSys_mknod] = &invoke<sys_mknod>;
    table[kSys_unlink] = &invoke<sys_unlink>;
    table[kSys_link] = &invoke<sys_link>;
    table[kSys_mkdir] = &invoke<sys_mkdir>;
    table[kSys_close] = &invoke<sys_close>;
    table[kSys_waitpid] = &invoke<sys_waitpid>;
    table[kSys_getppid] = &invoke<sys_getppid>;
    table[kSys_lseek] = &invoke<sys_lseek>;
    table[kSys_dup2] = &invoke<sys_dup2>;
    table[kSys_rmdir] = &invoke<sys_rmdir>;
    table[kSys_ftruncate] = &invoke<sys_ftruncate>;
    table[kSys_fsync] = &invoke<sys_fsync>;
    table[kSys_stat] = &invoke<sys_stat>;
    table[kSys_getdents] = &invoke<sys_getdents>;
    table[kSys_vmstat] = &invoke<sys_vmstat>;
    // mmap, munmap, mprotect, msync, madvise and procmaps come with the mmap issue.
    return table;
}

constexpr std::array<Entry, kSys_count> s_table = make_table();

}  // namespace

void syscall_dispatch(TrapFrame& frame) {
    uint64_t number = frame.reg(Reg::a7);
    int64_t result = -ENOSYS;
    if (number < s_table.size() && s_table[number])
        result = s_table[number](frame);
    frame.reg(Reg::a0) = static_cast<uint64_t>(result);
}
