// System-call numbers: the one table shared by the kernel's dispatcher and the user
// library's stubs (user/lib includes this header), so the two cannot disagree.
//
// Calling convention (RISC-V, like Linux): `ecall` with the number in a7 and up to six
// arguments in a0..a5; the result comes back in a0, a negative errno on failure
// (-ENOENT), which the user stubs turn into errno and -1 (MAP_FAILED for mmap).
//
// Numbers are Atlas's own and never reused; append new calls at the end.
#pragma once

#define SYS_fork 1
#define SYS_exit 2
#define SYS_wait 3        // wait(int* status): POSIX-encoded status, any child.
#define SYS_pipe 4
#define SYS_read 5
#define SYS_kill 6
#define SYS_exec 7        // execve(path, argv, envp)
#define SYS_fstat 8
#define SYS_chdir 9
#define SYS_dup 10
#define SYS_getpid 11
#define SYS_sbrk 12
#define SYS_sleep 13      // sleep(ticks), xv6's unit: 1/100 s
#define SYS_uptime 14     // ticks since boot
#define SYS_open 15       // open(path, flags, mode)
#define SYS_write 16
#define SYS_mknod 17
#define SYS_unlink 18
#define SYS_link 19
#define SYS_mkdir 20
#define SYS_close 21
#define SYS_waitpid 22    // waitpid(pid, int* status, options)
#define SYS_getppid 23
#define SYS_lseek 24
#define SYS_dup2 25
#define SYS_rmdir 26
#define SYS_ftruncate 27
#define SYS_fsync 28
#define SYS_stat 29
#define SYS_mmap 30
#define SYS_munmap 31
#define SYS_mprotect 32
#define SYS_msync 33
#define SYS_madvise 34
#define SYS_getdents 35   // directory entries, for ls
#define SYS_vmstat 36     // VM counters, for the vmstat program
#define SYS_procmaps 37   // a process's mappings, for pmap
#define SYS_fadvise 38    // posix_fadvise(fd, offset, length, advice)
#define SYS_drop_caches 39 // drop_caches(): empty the kernel's rebuildable caches
#define SYS_pread 40      // pread(fd, buffer, count, offset)
#define SYS_pwrite 41     // pwrite(fd, buffer, count, offset)
#define SYS_readv 42      // readv(fd, iov, iovcnt)
#define SYS_writev 43     // writev(fd, iov, iovcnt)
#define SYS_ioctl 44      // ioctl(fd, request, arg): the console's TIOCGPGRP/TIOCSPGRP (Linux's 29 is stat here)

// The signal calls take Linux's riscv64 numbers, with its rt_ names and arguments
// (syscall/signal_abi.h); the table simply has room up to them. Later calls take Linux's
// numbers too, so that Atlas's own never meet them.
#define SYS_sync 81
#define SYS_fdatasync 83
#define SYS_getitimer 102
#define SYS_setitimer 103
#define SYS_linux_kill 129     // kill with Linux's number (SYS_kill, 6, stays for xv6 programs)
#define SYS_tgkill 131
#define SYS_sigaltstack 132
#define SYS_rt_sigsuspend 133
#define SYS_rt_sigaction 134
#define SYS_rt_sigprocmask 135
#define SYS_rt_sigpending 136
#define SYS_rt_sigreturn 139
// So do the process-group calls (proc/process_group.h).
#define SYS_setpgid 154
#define SYS_getpgid 155
#define SYS_getsid 156
#define SYS_setsid 157
#define SYS_count 158
