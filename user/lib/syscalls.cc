// The system-call stubs: one C function per call in kernel/syscall/numbers.h, each a thin
// wrapper that passes its arguments in registers and turns a negative result into errno
// and -1 (MAP_FAILED for mmap, (void*)-1 for sbrk). POSIX conveniences built from one
// call (execv, wait, sleep in seconds) live here too, next to the call they wrap.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall.h"



int errno;

long atlas::set_errno(long result)
{
    if (is_error(result)) {
        errno = (int)-result;
        return -1;
    }
    return result;
}

extern "C" {

pid_t fork(void) { return (pid_t)atlas::syscall(SYS_fork); }

__attribute__((noreturn)) void _exit(int status)
{
    atlas::raw_syscall(SYS_exit, status);
    // The kernel never returns from exit; spin rather than run off the end if it did.
    for (;;) {
    }
}

__attribute__((noreturn)) void _Exit(int status) { _exit(status); }

pid_t wait(int* status) { return (pid_t)atlas::syscall(SYS_wait, status); }
pid_t waitpid(pid_t pid, int* status, int options) { return (pid_t)atlas::syscall(SYS_waitpid, pid, status, options); }

int pipe(int fds[2]) { return (int)atlas::syscall(SYS_pipe, fds); }
ssize_t read(int fd, void* buffer, size_t count) { return atlas::syscall(SYS_read, fd, buffer, count); }
ssize_t write(int fd, const void* buffer, size_t count) { return atlas::syscall(SYS_write, fd, buffer, count); }
ssize_t pread(int fd, void* buffer, size_t count, off_t offset)
{
    return atlas::syscall(SYS_pread, fd, buffer, count, offset);
}
ssize_t pwrite(int fd, const void* buffer, size_t count, off_t offset)
{
    return atlas::syscall(SYS_pwrite, fd, buffer, count, offset);
}
ssize_t readv(int fd, const struct iovec* iov, int iovcnt) { return atlas::syscall(SYS_readv, fd, iov, iovcnt); }
ssize_t writev(int fd, const struct iovec* iov, int iovcnt) { return atlas::syscall(SYS_writev, fd, iov, iovcnt); }
int close(int fd) { return (int)atlas::syscall(SYS_close, fd); }

// kill sends any signal 1..31 (0 checks that the process exists); signal.cc has the rest.
int kill(pid_t pid, int signal) { return (int)atlas::syscall(SYS_kill, pid, signal); }

int execve(const char* path, char* const argv[], char* const envp[])
{
    return (int)atlas::syscall(SYS_exec, path, argv, envp);
}

int execv(const char* path, char* const argv[])
{
    static char* const empty_environment[] = {nullptr};
    return execve(path, argv, empty_environment);
}

int fstat(int fd, struct stat* result) { return (int)atlas::syscall(SYS_fstat, fd, result); }
int stat(const char* path, struct stat* result) { return (int)atlas::syscall(SYS_stat, path, result); }
int chdir(const char* path) { return (int)atlas::syscall(SYS_chdir, path); }
int dup(int fd) { return (int)atlas::syscall(SYS_dup, fd); }
int dup2(int old_fd, int new_fd) { return (int)atlas::syscall(SYS_dup2, old_fd, new_fd); }
pid_t getpid(void) { return (pid_t)atlas::syscall(SYS_getpid); }
pid_t getppid(void) { return (pid_t)atlas::syscall(SYS_getppid); }

// Process groups and sessions (Linux's numbers); getpgrp and the tc* calls are made of them.
int setpgid(pid_t pid, pid_t pgid) { return (int)atlas::syscall(SYS_setpgid, pid, pgid); }
pid_t getpgid(pid_t pid) { return (pid_t)atlas::syscall(SYS_getpgid, pid); }
pid_t getpgrp(void) { return getpgid(0); }
pid_t getsid(pid_t pid) { return (pid_t)atlas::syscall(SYS_getsid, pid); }
pid_t setsid(void) { return (pid_t)atlas::syscall(SYS_setsid); }
int ioctl(int fd, unsigned long request, ...)
{
    va_list arguments;
    va_start(arguments, request);
    void* argument = va_arg(arguments, void*);
    va_end(arguments);
    return (int)atlas::syscall(SYS_ioctl, fd, request, argument);
}
pid_t tcgetpgrp(int fd)
{
    int pgid;
    return ioctl(fd, TIOCGPGRP, &pgid) < 0 ? -1 : pgid;
}
int tcsetpgrp(int fd, pid_t pgid)
{
    int value = pgid;
    return ioctl(fd, TIOCSPGRP, &value);
}

void* sbrk(intptr_t increment)
{
    long result = atlas::raw_syscall(SYS_sbrk, increment);
    if (atlas::is_error(result)) {
        errno = (int)-result;
        return (void*)-1;
    }
    return (void*)result;
}

int brk(void* end)
{
    void* current = sbrk(0);
    if (current == (void*)-1)
        return -1;
    return sbrk((char*)end - (char*)current) == (void*)-1 ? -1 : 0;
}

long uptime_ticks(void) { return atlas::syscall(SYS_uptime); }

// POSIX sleep takes seconds; the kernel counts ticks of 1/100 s. Returns 0, or, if a
// handled signal interrupted it, the seconds left, rounded up.
unsigned sleep(unsigned seconds)
{
    long ticks = (long)seconds * ATLAS_TICKS_PER_SECOND;
    long start = atlas::raw_syscall(SYS_uptime);
    if (atlas::raw_syscall(SYS_sleep, ticks) != -EINTR)
        return 0;
    long left = ticks - (atlas::raw_syscall(SYS_uptime) - start);
    if (left <= 0)
        return 0;
    return (unsigned)((left + ATLAS_TICKS_PER_SECOND - 1) / ATLAS_TICKS_PER_SECOND);
}

int usleep(useconds_t microseconds)
{
    const long microseconds_per_tick = 1000000 / ATLAS_TICKS_PER_SECOND;
    long ticks = ((long)microseconds + microseconds_per_tick - 1) / microseconds_per_tick;
    return (int)atlas::syscall(SYS_sleep, ticks);
}

int open(const char* path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list args;
        va_start(args, flags);
        mode = va_arg(args, mode_t);
        va_end(args);
    }
    return (int)atlas::syscall(SYS_open, path, flags, mode);
}

int creat(const char* path, mode_t mode) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode); }

// The kernel knows device files by major and minor only (as xv6 does): SYS_mknod takes
// (path, major, minor). The file-type bits of `mode` are not passed.
int mknod(const char* path, mode_t mode, dev_t dev)
{
    (void)mode;
    return (int)atlas::syscall(SYS_mknod, path, major(dev), minor(dev));
}

int unlink(const char* path) { return (int)atlas::syscall(SYS_unlink, path); }
int link(const char* old_path, const char* new_path) { return (int)atlas::syscall(SYS_link, old_path, new_path); }
int mkdir(const char* path, mode_t mode) { return (int)atlas::syscall(SYS_mkdir, path, mode); }
int rmdir(const char* path) { return (int)atlas::syscall(SYS_rmdir, path); }
off_t lseek(int fd, off_t offset, int whence) { return atlas::syscall(SYS_lseek, fd, offset, whence); }
int ftruncate(int fd, off_t length) { return (int)atlas::syscall(SYS_ftruncate, fd, length); }
int fsync(int fd) { return (int)atlas::syscall(SYS_fsync, fd); }
int fdatasync(int fd) { return (int)atlas::syscall(SYS_fdatasync, fd); }
void sync(void) { (void)atlas::syscall(SYS_sync); }

void* mmap(void* address, size_t length, int prot, int flags, int fd, off_t offset)
{
    long result = atlas::raw_syscall(SYS_mmap, (long)address, (long)length, prot, flags, fd, offset);
    if (atlas::is_error(result)) {
        errno = (int)-result;
        return MAP_FAILED;
    }
    return (void*)result;
}

int munmap(void* address, size_t length) { return (int)atlas::syscall(SYS_munmap, address, length); }
int mprotect(void* address, size_t length, int prot) { return (int)atlas::syscall(SYS_mprotect, address, length, prot); }
int msync(void* address, size_t length, int flags) { return (int)atlas::syscall(SYS_msync, address, length, flags); }
int madvise(void* address, size_t length, int advice) { return (int)atlas::syscall(SYS_madvise, address, length, advice); }
int posix_fadvise(int fd, off_t offset, off_t length, int advice) {
    long result = atlas::raw_syscall(SYS_fadvise, fd, offset, length, advice);
    return atlas::is_error(result) ? (int)-result : 0;  // Leaves errno alone, as POSIX says.
}

long syscall(long number, ...)
{
    va_list args;
    va_start(args, number);
    long arguments[6];
    for (long& argument : arguments)
        argument = va_arg(args, long);
    va_end(args);
    return atlas::syscall(number, arguments[0], arguments[1], arguments[2], arguments[3], arguments[4],
                          arguments[5]);
}

int isatty(int fd)
{
    struct stat status;
    if (fstat(fd, &status) < 0)
        return 0;
    if (!S_ISCHR(status.st_mode)) {
        errno = ENOTTY;
        return 0;
    }
    return 1;
}

} // extern "C"
