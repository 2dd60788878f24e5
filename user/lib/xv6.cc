// The xv6 face of the library: the functions user/include/xv6/user/user.h maps xv6's
// names onto where xv6 and POSIX differ (see that header for the list), plus xv6's own
// exec, uptime and gets. The xv6 headers are not included here (their names would clash
// with the POSIX ones); the structures are mirrored and checked by size.
//
// Three xv6 behaviours are emulated here rather than in the kernel, which stays POSIX:
//   - read() of a directory gives xv6's struct dirent records (DirectoryStream below);
//   - unlink() of a directory removes it if it is empty (rmdir);
//   - a bare name (no '/') that is not in the working directory is looked up in /bin,
//     by exec and by a read-only open, since xv6 keeps every program in /.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall.h"
#include "syscall/abi.h"

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

// xv6's kernel/fs.h struct dirent: a 16-bit inode number (0 marks a free slot, which
// xv6 programs skip) and a name of DIRSIZ bytes, NUL-padded, not terminated at full length.
constexpr int kXv6NameSize = 14;
struct Xv6Dirent {
    unsigned short inum;
    char name[kXv6NameSize];
};
static_assert(sizeof(Xv6Dirent) == 16, "xv6's struct dirent is 16 bytes");

// What getdents is asked for at a time: room for the longest record (19 + 255 + 1 bytes,
// rounded up to 8), so that every call makes progress.
constexpr size_t kRawChunk = 512;
// The smallest raw record is 24 bytes (a one-byte name), so one chunk converts to at
// most this many xv6 bytes.
constexpr size_t kConvertedCapacity = kRawChunk / 24 * sizeof(Xv6Dirent);

// The xv6 records of one directory descriptor converted from getdents but not yet read.
// read() hands them out as a byte stream, so a read that ends inside a record continues
// there the next time. The kernel's offset of the open file says which entries getdents
// has returned; this says how much of their conversion the program has taken.
struct DirectoryStream {
    unsigned short used;      // Bytes of records.
    unsigned short position;  // Bytes already read.
    char records[kConvertedCapacity];
};

// One per descriptor, cleared by close(). Lives in .bss, so only the slots of descriptors
// that were read as directories ever take memory.
DirectoryStream s_directory_streams[ATLAS_OPEN_MAX];

void to_xv6_dirent(const atlas_dirent64& raw, Xv6Dirent* record)
{
    // xv6's number is 16 bits; 0 would mean "free slot", so a number whose low bits are
    // zero is shown as 0xffff instead of being hidden.
    record->inum = (unsigned short)raw.d_ino ? (unsigned short)raw.d_ino : 0xffff;
    memset(record->name, 0, sizeof(record->name));
    size_t length = strlen(raw.d_name);
    memcpy(record->name, raw.d_name, length < sizeof(record->name) ? length : sizeof(record->name));
}

// Refills an empty stream from getdents: >0 bytes of records, 0 at the end, -1 on error.
long refill(int fd, DirectoryStream& stream)
{
    alignas(8) char raw[kRawChunk];
    long got = getdents(fd, raw, sizeof(raw));
    if (got <= 0)
        return got;
    size_t used = 0;
    for (long offset = 0; offset < got;) {
        const auto* entry = reinterpret_cast<const atlas_dirent64*>(raw + offset);
        if (entry->d_reclen == 0)
            break;
        to_xv6_dirent(*entry, reinterpret_cast<Xv6Dirent*>(stream.records + used));
        used += sizeof(Xv6Dirent);
        offset += entry->d_reclen;
    }
    stream.used = (unsigned short)used;
    stream.position = 0;
    return (long)used;
}

// read() of a directory descriptor, xv6-style: as many bytes of xv6 records as asked for
// and available; 0 at the end of the directory.
int read_directory(int fd, char* buffer, int size)
{
    if (fd < 0 || fd >= ATLAS_OPEN_MAX) {
        errno = EBADF;
        return -1;
    }
    DirectoryStream& stream = s_directory_streams[fd];
    int done = 0;
    while (done < size) {
        if (stream.position == stream.used) {
            long got = refill(fd, stream);
            if (got < 0)
                return done > 0 ? done : -1;
            if (got == 0)
                break;
        }
        int chunk = stream.used - stream.position;
        if (chunk > size - done)
            chunk = size - done;
        memcpy(buffer + done, stream.records + stream.position, (size_t)chunk);
        stream.position = (unsigned short)(stream.position + chunk);
        done += chunk;
    }
    return done;
}

// "/bin/NAME" for a bare NAME (no '/'), in `storage`; nullptr if `path` is not bare or
// too long.
const char* in_bin(const char* path, char* storage, size_t size)
{
    constexpr char kPrefix[] = "/bin/";
    constexpr size_t kPrefixLength = sizeof(kPrefix) - 1;
    size_t length = strlen(path);
    if (length == 0 || strchr(path, '/') || kPrefixLength + length >= size)
        return nullptr;
    memcpy(storage, kPrefix, kPrefixLength);
    memcpy(storage + kPrefixLength, path, length + 1);
    return storage;
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
    int fd = open(path, flags, 0666);
    // open("echo", O_RDONLY) from anywhere finds xv6's programs, which live in /bin here.
    char bin_path[PATH_MAX];
    if (fd < 0 && errno == ENOENT && flags == O_RDONLY && in_bin(path, bin_path, sizeof(bin_path)))
        fd = open(bin_path, flags, 0666);
    if (fd >= 0 && fd < ATLAS_OPEN_MAX)
        s_directory_streams[fd].used = s_directory_streams[fd].position = 0;
    return fd;
}

int xv6_read(int fd, void* buffer, int size)
{
    int got = (int)read(fd, buffer, (size_t)size);
    // The kernel's read() of a directory is EISDIR; xv6's gives its directory records.
    if (got < 0 && errno == EISDIR)
        return read_directory(fd, (char*)buffer, size);
    return got;
}

int xv6_close(int fd)
{
    if (fd >= 0 && fd < ATLAS_OPEN_MAX)
        s_directory_streams[fd].used = s_directory_streams[fd].position = 0;
    return close(fd);
}

// xv6 removes an empty directory with unlink.
int xv6_unlink(const char* path)
{
    if (unlink(path) == 0)
        return 0;
    if (errno != EISDIR)
        return -1;
    return rmdir(path);
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
int exec(const char* path, char** argv)
{
    execv(path, argv);
    char bin_path[PATH_MAX];
    if (errno == ENOENT && in_bin(path, bin_path, sizeof(bin_path)))
        execv(bin_path, argv);  // Its error is the one to report (ENOENT if no such program).
    return -1;
}

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
