// xv6 compatibility: xv6's kernel/syscall.h. Numbers 1..21 are xv6's and Atlas's alike;
// SYS_mmap and SYS_munmap are Atlas's (30, 31: the lab's conventional 22 and 23 are
// waitpid and getppid on Atlas), so a program that makes the call by number reaches mmap.
#ifndef ATLAS_XV6_KERNEL_SYSCALL_H
#define ATLAS_XV6_KERNEL_SYSCALL_H

#define SYS_fork 1
#define SYS_exit 2
#define SYS_wait 3
#define SYS_pipe 4
#define SYS_read 5
#define SYS_kill 6
#define SYS_exec 7
#define SYS_fstat 8
#define SYS_chdir 9
#define SYS_dup 10
#define SYS_getpid 11
#define SYS_sbrk 12
#define SYS_sleep 13
#define SYS_uptime 14
#define SYS_open 15
#define SYS_write 16
#define SYS_mknod 17
#define SYS_unlink 18
#define SYS_link 19
#define SYS_mkdir 20
#define SYS_close 21
#define SYS_mmap 30
#define SYS_munmap 31

#endif
