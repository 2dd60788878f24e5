// The xv6 face of the library: the functions user/include/xv6/user/user.h maps xv6's
// names onto where xv6 and POSIX differ (see that header for the list), plus xv6's own
// exec, uptime and gets. The xv6 headers are not included here (their names would clash
// with the POSIX ones); the structures are mirrored and checked by size.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall.h"

namespace {

// xv6's kernel/stat.h struct stat and its type codes.
struct Xv6Stat {
    int dev;
    unsigned int ino;
    short type;
    short nlink;
    unsigned long size;
};
static_assert(sizeof(Xv6Stat) == 24, "xv6's struct stat is 24 bytes");

constexpr short kXv6Directory = 1;
constexpr short kXv6File = 2;
constexpr short kXv6Device = 3;

// xv6's open flags (kernel/fcntl.h in user/include/xv6).
constexpr int kXv6AccessMask = 0x003;
constexpr int kXv6Create = 0x200;
constexpr int kXv6Truncate = 0x400;

void to_xv6(const struct stat& from, Xv6Stat* to)
{
    to->dev = (int)from.st_dev;
    to->ino = (unsigned int)from.st_ino;
    to->type = S_ISDIR(from.st_mode) ? kXv6Directory : S_ISREG(from.st_mode) ? kXv6File : kXv6Device;
    to->nlink = (short)from.st_nlink;
    to->size = (unsigned long)from.st_size;
}

} // namespace

extern "C" {

// The plain exit code, sign-extended from its 8 bits so that exit(-1) reads back as -1;
// -1 for a process the kernel killed.
int xv6_wait(int* status)
{
    int posix_status = 0;
    pid_t pid = wait(&posix_status);
    if (pid >= 0 && status)
        *status = WIFEXITED(posix_status) ? (int)(signed char)WEXITSTATUS(posix_status) : -1;
    return pid;
}

int xv6_kill(int pid) { return kill(pid, SIGKILL); }

int xv6_open(const char* path, int xv6_flags)
{
    int flags = xv6_flags & kXv6AccessMask;
    if (xv6_flags & kXv6Create)
        flags |= O_CREAT;
    if (xv6_flags & kXv6Truncate)
        flags |= O_TRUNC;
    return open(path, flags, 0666);
}

int xv6_mknod(const char* path, short major, short minor)
{
    return (int)atlas::syscall(SYS_mknod, path, major, minor);
}

int xv6_fstat(int fd, Xv6Stat* result)
{
    struct stat status;
    if (fstat(fd, &status) < 0)
        return -1;
    to_xv6(status, result);
    return 0;
}

int xv6_stat(const char* path, Xv6Stat* result)
{
    struct stat status;
    if (stat(path, &status) < 0)
        return -1;
    to_xv6(status, result);
    return 0;
}

int xv6_mkdir(const char* path) { return mkdir(path, 0777); }
char* xv6_sbrk(int increment) { return (char*)sbrk(increment); }
int xv6_sleep(int ticks) { return (int)atlas::syscall(SYS_sleep, ticks); }
int uptime(void) { return (int)uptime_ticks(); }
int exec(const char* path, char** argv) { return execv(path, argv); }

void xv6_fprintf(int fd, const char* format, ...)
{
    va_list args;
    va_start(args, format);
    vdprintf(fd, format, args);
    va_end(args);
}

void xv6_printf(const char* format, ...)
{
    va_list args;
    va_start(args, format);
    vdprintf(1, format, args);
    va_end(args);
}

// xv6's gets: reads up to max - 1 bytes, stopping after a newline or carriage return.
char* gets(char* buffer, int max)
{
    int i = 0;
    while (i + 1 < max) {
        char c;
        if (read(0, &c, 1) < 1)
            break;
        buffer[i++] = c;
        if (c == '\n' || c == '\r')
            break;
    }
    buffer[i] = '\0';
    return buffer;
}

} // extern "C"
