// The system-call handlers, with the parameter types their arguments decode to
// (arguments.h). dispatch.cc maps numbers to them; abi.h describes the ABI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "syscall/arguments.h"

struct atlas_stat;
struct atlas_vmstat;
struct atlas_map_entry;
struct atlas_sigaction;
struct atlas_stack;
struct atlas_itimerval;

// sys_proc.cc
ErrorOr<int> sys_fork(TrapFrame& frame);
ErrorOr<void> sys_exit(int code);
ErrorOr<int> sys_wait(UserPtr<int> status);
ErrorOr<int> sys_waitpid(int pid, UserPtr<int> status, int options);
ErrorOr<void> sys_kill(int pid, int signal);
ErrorOr<uint64_t> sys_exec(TrapFrame& frame, UserString path, UserPtr<uint64_t> argv, uint64_t envp);
ErrorOr<int> sys_getpid();
ErrorOr<int> sys_getppid();
ErrorOr<void> sys_sleep(int64_t ticks);
ErrorOr<uint64_t> sys_uptime();
ErrorOr<void> sys_setpgid(int pid, int pgid);
ErrorOr<int> sys_getpgid(int pid);
ErrorOr<int> sys_getsid(int pid);
ErrorOr<int> sys_setsid();

// sys_file.cc
ErrorOr<int> sys_open(UserString path, int flags, int mode);
ErrorOr<void> sys_close(int fd);
ErrorOr<size_t> sys_read(int fd, UserBuffer buffer, size_t length);
ErrorOr<size_t> sys_write(int fd, UserBuffer buffer, size_t length);
ErrorOr<size_t> sys_pread(int fd, UserBuffer buffer, size_t length, int64_t offset);
ErrorOr<size_t> sys_pwrite(int fd, UserBuffer buffer, size_t length, int64_t offset);
ErrorOr<size_t> sys_readv(int fd, UserBuffer segments, int count);
ErrorOr<size_t> sys_writev(int fd, UserBuffer segments, int count);
ErrorOr<uint64_t> sys_lseek(int fd, int64_t offset, int whence);
ErrorOr<int> sys_dup(int fd);
ErrorOr<int> sys_dup2(int old_fd, int new_fd);
ErrorOr<void> sys_pipe(UserPtr<int> fds);
ErrorOr<void> sys_fstat(int fd, UserPtr<atlas_stat> out);
ErrorOr<void> sys_ftruncate(int fd, int64_t length);
ErrorOr<void> sys_fsync(int fd);
ErrorOr<void> sys_fdatasync(int fd);
ErrorOr<void> sys_sync();
ErrorOr<size_t> sys_getdents(int fd, UserBuffer buffer, size_t length);
ErrorOr<int> sys_ioctl(int fd, uint64_t request, uint64_t argument);

// sys_fs.cc (the name space)
ErrorOr<void> sys_stat(UserString path, UserPtr<atlas_stat> out);
ErrorOr<void> sys_link(UserString existing, UserString new_path);
ErrorOr<void> sys_unlink(UserString path);
ErrorOr<void> sys_mkdir(UserString path, int mode);
ErrorOr<void> sys_rmdir(UserString path);
ErrorOr<void> sys_chdir(UserString path);
ErrorOr<void> sys_mknod(UserString path, int major, int minor);

// sys_mm.cc
ErrorOr<uint64_t> sys_sbrk(int64_t increment);
ErrorOr<void> sys_vmstat(UserPtr<atlas_vmstat> out);
ErrorOr<void> sys_drop_caches();
ErrorOr<int64_t> sys_procmaps(int pid, UserPtr<atlas_map_entry> buffer, int64_t count);
ErrorOr<uint64_t> sys_mmap(uint64_t address, uint64_t length, uint64_t prot, uint64_t flags, int fd, int64_t offset);
ErrorOr<void> sys_munmap(uint64_t address, uint64_t length);
ErrorOr<void> sys_mprotect(uint64_t address, uint64_t length, uint64_t prot);
ErrorOr<void> sys_msync(uint64_t address, uint64_t length, uint64_t flags);
ErrorOr<void> sys_madvise(uint64_t address, uint64_t length, uint64_t advice);
ErrorOr<void> sys_fadvise(int fd, int64_t offset, int64_t length, uint64_t advice);

// sys_signal.cc
ErrorOr<void> sys_rt_sigaction(int signal, UserPtr<atlas_sigaction> action, UserPtr<atlas_sigaction> old,
                               size_t set_size);
ErrorOr<void> sys_rt_sigprocmask(int how, UserPtr<uint64_t> set, UserPtr<uint64_t> old, size_t set_size);
ErrorOr<void> sys_rt_sigpending(UserPtr<uint64_t> set, size_t set_size);
ErrorOr<uint64_t> sys_rt_sigreturn(TrapFrame& frame);
ErrorOr<void> sys_rt_sigsuspend(UserPtr<uint64_t> mask, size_t set_size);
ErrorOr<void> sys_sigaltstack(TrapFrame& frame, UserPtr<atlas_stack> stack, UserPtr<atlas_stack> old);
ErrorOr<void> sys_tgkill(int tgid, int tid, int signal);
ErrorOr<void> sys_getitimer(int which, UserPtr<atlas_itimerval> value);
ErrorOr<void> sys_setitimer(int which, UserPtr<atlas_itimerval> value, UserPtr<atlas_itimerval> old);
