/* <unistd.h>: processes, descriptors and files, the POSIX way. Every call returns -1 and
 * sets errno on failure.
 *
 * Units: sleep() takes seconds and usleep() microseconds, as POSIX says; the kernel counts
 * in ticks of 1/100 s (xv6 on QEMU ticks about every 1/10 s); xv6's sleep() in
 * user/include/xv6/user/user.h passes ticks straight through, and uptime_ticks() returns
 * them. */
#ifndef _ATLAS_UNISTD_H
#define _ATLAS_UNISTD_H

#include <sys/cdefs.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* Kernel ticks per second (the unit of SYS_sleep and SYS_uptime). */
#define ATLAS_TICKS_PER_SECOND 100

__ATLAS_BEGIN_DECLS
pid_t fork(void);
int execve(const char* path, char* const argv[], char* const envp[]);
int execv(const char* path, char* const argv[]);
/* execv, trying /bin/NAME when `file` has no slash. */
int execvp(const char* file, char* const argv[]);
__ATLAS_NORETURN void _exit(int status);
pid_t getpid(void);
pid_t getppid(void);

/* Process groups and sessions (docs/signals.md): setpgid(0, 0) makes the caller lead a
 * group of its own; a parent may move a child that has not exec'd yet (EACCES after),
 * within its session. setsid() starts a session (EPERM for a group leader). tcsetpgrp()
 * and tcgetpgrp() set and read the console's foreground group, which Ctrl-C (SIGINT)
 * and Ctrl-backslash (SIGQUIT) signal; any process of the group's session may set it
 * (there are no controlling terminals). */
int setpgid(pid_t pid, pid_t pgid);
pid_t getpgid(pid_t pid);
pid_t getpgrp(void);
pid_t getsid(pid_t pid);
pid_t setsid(void);
pid_t tcgetpgrp(int fd);
int tcsetpgrp(int fd, pid_t pgid);

int pipe(int fds[2]);
int dup(int fd);
int dup2(int old_fd, int new_fd);
ssize_t read(int fd, void* buffer, size_t count);
ssize_t write(int fd, const void* buffer, size_t count);
/* read() and write() at `offset`, leaving the descriptor's offset where it is. ESPIPE on a
 * pipe or the console, EINVAL for a negative offset. On a file opened with O_APPEND,
 * pwrite() appends whatever the offset, as on Linux. */
ssize_t pread(int fd, void* buffer, size_t count, off_t offset);
ssize_t pwrite(int fd, const void* buffer, size_t count, off_t offset);
int close(int fd);
off_t lseek(int fd, off_t offset, int whence);
int ftruncate(int fd, off_t length);
int fsync(int fd);
/* fdatasync is fsync (the size is the only metadata it writes beyond what is committed
 * anyway); sync writes back every file write() left dirty and commits the log. */
int fdatasync(int fd);
void sync(void);
int isatty(int fd);

int unlink(const char* path);
int link(const char* old_path, const char* new_path);
int rmdir(const char* path);
int chdir(const char* path);

/* Moves the end of the heap by `increment` bytes and returns its old end, or
 * (void*)-1 with errno ENOMEM. */
void* sbrk(intptr_t increment);
int brk(void* end);

/* sleep returns the seconds left (rounded up) if a signal handler interrupted it. */
unsigned sleep(unsigned seconds);
int usleep(useconds_t microseconds);
/* SIGALRM in `seconds` (0 cancels); returns the seconds the previous alarm had left, rounded
   up, or 0 if there was none (setitimer's ITIMER_REAL, <sys/time.h>). */
unsigned alarm(unsigned seconds);
/* Waits until a signal handler has run; always -1 with errno EINTR. */
int pause(void);
/* Ticks of 1/100 s since boot. */
long uptime_ticks(void);

/* Raw system call: returns the kernel's result, or -1 with errno set from a negative one. */
long syscall(long number, ...);
__ATLAS_END_DECLS

#endif
