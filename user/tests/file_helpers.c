/* file_helpers: see file_helpers.h. */
#include "file_helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kernel/syscall/numbers.h"
#include "harness.h"

/* A fresh file named `name` holding `size` bytes of PATTERN. Returns an O_RDWR
 * descriptor, or -1. */
int make_file(const char* name, size_t size)
{
    unlink(name);
    int fd = open(name, O_RDWR | O_CREAT);
    if (fd < 0)
        return -1;
    char chunk[512];
    size_t done = 0;
    while (done < size) {
        size_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);
        for (size_t i = 0; i < n; i++)
            chunk[i] = PATTERN(done + i);
        if (write(fd, chunk, n) != (long)n) {
            close(fd);
            return -1;
        }
        done += n;
    }
    return fd;
}

/* Drops the cached pages of the file `name` that nothing maps (posix_fadvise DONTNEED
 * writes them back first), so that the next read() of them comes from the disk. */
void drop_cache(const char* name)
{
    int fd = open(name, O_RDONLY);
    if (fd >= 0) {
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
}

/* The byte at `offset` of the file `name`, read with read() through a new descriptor; -1
 * on error or at the end of file. */
int byte_in_file(const char* name, off_t offset)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0)
        return -1;
    unsigned char c = 0;
    int result = -1;
    if (lseek(fd, offset, SEEK_SET) == offset && read(fd, &c, 1) == 1)
        result = c;
    close(fd);
    return result;
}

long file_size(const char* name)
{
    struct stat st;
    return stat(name, &st) == 0 ? (long)st.st_size : -1;
}

/* Whether the bytes [from, to) of the file `name`, read with read(), are all zero and
 * there are exactly that many. */
int file_bytes_are_zero(const char* name, off_t from, off_t to)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0 || lseek(fd, from, SEEK_SET) != from)
        return 0;
    char buffer[512];
    off_t at = from;
    while (at < to) {
        size_t want = (size_t)(to - at) < sizeof(buffer) ? (size_t)(to - at) : sizeof(buffer);
        if (read(fd, buffer, want) != (long)want)
            break;
        for (size_t i = 0; i < want; i++)
            if (buffer[i] != 0)
                goto out;
        at += (off_t)want;
    }
out:
    close(fd);
    return at == to;
}

int bytes_are_zero(const volatile char* p, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

char* map_fd(size_t length, int prot, int flags, int fd, off_t offset)
{
    void* p = mmap(0, length, prot, flags, fd, offset);
    return p == MAP_FAILED ? NULL : (char*)p;
}

/* Whether touching `address` (a read, or a store if `store`) in a child kills it with
 * `signal`. */
int access_kills_with(volatile char* address, int store, int signal)
{
    int pid = fork();
    if (pid == 0) {
        if (store)
            *address = 1;
        else
            (void)*address;
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 0;
    return KILLED_BY(status, signal);
}

struct atlas_vmstat counters(void)
{
    struct atlas_vmstat stats;
    memset(&stats, 0, sizeof(stats));
    syscall(SYS_vmstat, &stats);
    return stats;
}

char* map_anon(size_t length, int prot, int flags) { return map_fd(length, prot, flags, -1, 0); }

int read_file(const char* name, unsigned char* buffer, size_t size)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < size) {
        long n = read(fd, buffer + got, size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    return got == size ? 0 : -1;
}

int differs(const char* what, const unsigned char* got, const unsigned char* expected, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (got[i] != expected[i]) {
            snprintf(failure, sizeof(failure), "%s: byte %lu is 0x%x, expected 0x%x", what,
                     (unsigned long)i, got[i], expected[i]);
            return 1;
        }
    }
    return 0;
}
