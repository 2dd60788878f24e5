/* bench.h: what every benchmark of user/bench shares — the retired-instruction counter,
 * the kernel's vmstat counters, the "BENCH name value unit" report line that tools/bench
 * parses, and test files whose contents are a known function of the offset, so that a
 * benchmark can check the data it reads.
 *
 * Counts are exact only under QEMU's -icount with one hart (tools/atlas-run --icount
 * --cpus 1): there rdinstret counts the instructions every hart retires, the kernel's
 * included, and also the idle loop's while the machine waits for the disk; a benchmark that
 * waits for the disk subtracts the growth of vmstat's idle_instret (bench_busy_since).
 *
 * The same programs also build for Linux against glibc (riscv64-linux-gnu-gcc -static
 * -DBENCH_LINUX; only tools/linux-ref sets BENCH_LINUX), to run on the Linux reference
 * machine (docs/linux-ref.md). There user mode may not read instret (the SBI PMU stops the
 * counter), so bench_instret() is rdtime x 100: under -icount shift=0 on QEMU's virt
 * machine the 10 MHz timer ticks once per 100 instructions, so it counts retired
 * instructions to within 100 per measurement (getpid_bench checks on Atlas that the two
 * agree). What only Atlas has is compiled out there, never in a measured window: vmstat
 * (bench_vmstat, bench_mark_now, bench_busy_since) and Atlas's abi.h. bench_faults_now
 * reads the fault counters from vmstat on Atlas and from getrusage() on Linux. Test files
 * live under BENCH_DIR: the root on Atlas, the ext4 disk (/mnt) on Linux, whose root is
 * the initramfs. */
#ifndef ATLAS_USER_BENCH_H
#define ATLAS_USER_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef BENCH_LINUX
#include <sys/resource.h>
#define BENCH_DIR "/mnt"
#else
#include "../../kernel/syscall/abi.h"
#define BENCH_DIR ""
#endif

enum { kBenchPageSize = 4096 };

/* The time CSR x 100: retired instructions under -icount shift=0 (both kernels let user
 * mode read it), to within 100. */
static inline uint64_t bench_time_instret(void)
{
    uint64_t value;
    __asm__ volatile("rdtime %0" : "=r"(value));
    return value * 100;
}

/* Retired instructions: rdinstret on Atlas, rdtime x 100 on Linux. */
static inline uint64_t bench_instret(void)
{
#ifdef BENCH_LINUX
    return bench_time_instret();
#else
    uint64_t value;
    __asm__ volatile("rdinstret %0" : "=r"(value));
    return value;
#endif
}

/* Stops the benchmark: it measured something wrong, so it must not report a figure. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void bench_fail(const char* format, ...)
{
    char message[256];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    fprintf(stderr, "%s\n", message);
    exit(1);
}

/* The process's page faults so far: vmstat's (all processes') on Atlas, getrusage()'s
 * (this process's) on Linux. Read outside measured windows only. */
struct bench_faults {
    uint64_t major;
    uint64_t minor;
};

#ifdef BENCH_LINUX
static inline void bench_faults_now(struct bench_faults* faults)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) < 0)
        bench_fail("getrusage: %s", strerror(errno));
    faults->major = (uint64_t)usage.ru_majflt;
    faults->minor = (uint64_t)usage.ru_minflt;
}
#else
static inline void bench_vmstat(struct atlas_vmstat* stats)
{
    memset(stats, 0, sizeof(*stats));
    if (syscall(SYS_vmstat, stats) < 0)
        bench_fail("vmstat: %s", strerror(errno));
}

/* A point in time of one measurement: the counter and the idle loop's share of it. */
struct bench_mark {
    uint64_t instret;
    uint64_t idle;
    struct atlas_vmstat stats;
};

static inline void bench_mark_now(struct bench_mark* mark)
{
    bench_vmstat(&mark->stats);
    mark->idle = mark->stats.idle_instret;
    mark->instret = bench_instret();
}

/* Instructions retired since `mark` outside the idle loop (the vmstat call that reads the
 * idle counter is on both sides, so it cancels out but for a few instructions). */
static inline uint64_t bench_busy_since(const struct bench_mark* mark, struct atlas_vmstat* now)
{
    uint64_t end = bench_instret();
    bench_vmstat(now);
    uint64_t idle = now->idle_instret - mark->idle;
    uint64_t spent = end - mark->instret;
    return idle < spent ? spent - idle : 0;
}

static inline void bench_faults_now(struct bench_faults* faults)
{
    struct atlas_vmstat stats;
    bench_vmstat(&stats);
    faults->major = stats.major_faults;
    faults->minor = stats.minor_faults;
}
#endif

/* The one line per figure that tools/bench reads. */
static inline void bench_report(const char* name, uint64_t value, const char* unit)
{
    printf("BENCH %s %lu %s\n", name, (unsigned long)value, unit);
}

/* The 64-bit word at byte `offset` (a multiple of 8) of every test file: distinct for every
 * word of the file and cheap to recompute. */
static inline uint64_t bench_pattern(uint64_t offset)
{
    return (offset >> 3) * 0x9E3779B97F4A7C15ull + 0x5851F42D4C957F2Dull;
}

/* The byte at `offset` of a test file (little-endian words). */
static inline unsigned char bench_pattern_byte(uint64_t offset)
{
    return (unsigned char)(bench_pattern(offset & ~(uint64_t)7) >> (8 * (offset & 7)));
}

/* Writes `bytes` (a multiple of 8) of the pattern to a new file `path`, fsyncs it and drops
 * its cached pages, so that it starts uncached. */
static inline void bench_make_file(const char* path, size_t bytes)
{
    enum { kChunk = 64 * 1024 };
    static uint64_t chunk[kChunk / 8];
    unlink(path);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0)
        bench_fail("open %s: %s", path, strerror(errno));
    for (size_t done = 0; done < bytes;) {
        size_t length = bytes - done < kChunk ? bytes - done : kChunk;
        for (size_t i = 0; i < length / 8; i++)
            chunk[i] = bench_pattern(done + 8 * i);
        ssize_t written = write(fd, chunk, length);
        if (written != (ssize_t)length)
            bench_fail("write %s: %s", path, written < 0 ? strerror(errno) : "short write");
        done += length;
    }
    if (fsync(fd) < 0)
        bench_fail("fsync %s: %s", path, strerror(errno));
    int error = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);  /* An errno value, or 0. */
    if (error != 0)
        bench_fail("posix_fadvise %s: %s", path, strerror(error));
    close(fd);
}

/* Opens the file and reads it whole through read(), so that all its pages are in the page
 * cache, and returns the descriptor. The caller keeps it open for as long as the pages
 * must stay cached: a file's page cache lives only as long as something holds its inode
 * (an open descriptor or a mapping; docs/vm.md), so closing the last one drops it. */
static inline int bench_cache_file(const char* path)
{
    static char buffer[64 * 1024];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        bench_fail("open %s: %s", path, strerror(errno));
    ssize_t got;
    while ((got = read(fd, buffer, sizeof(buffer))) > 0) {
    }
    if (got < 0)
        bench_fail("read %s: %s", path, strerror(errno));
    return fd;
}

/* Drops the cached pages of the file open as `fd` (nothing may map it). */
static inline void bench_drop_cache(int fd)
{
    int error = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);  /* An errno value, or 0. */
    if (error != 0)
        bench_fail("posix_fadvise: %s", strerror(error));
}

/* argv[index] as a positive number, or `fallback` when absent; anything else is a usage
 * error. */
static inline long bench_argument(int argc, char** argv, int index, long fallback, const char* usage)
{
    if (argc <= index)
        return fallback;
    char* end;
    long value = strtol(argv[index], &end, 10);
    if (*end != '\0' || value <= 0) {
        fprintf(stderr, "usage: %s\n", usage);
        exit(2);
    }
    return value;
}

#endif
