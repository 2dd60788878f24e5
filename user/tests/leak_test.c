/* leak_test: every byte of kernel memory a program used is given back when it is gone.
 *
 * For each program of the list, leak_test runs it once (a warm-up: the first run may
 * raise high-water marks the kernel keeps, such as page-table pages of the kernel stack
 * region), drops the kernel's caches (drop_caches) and records the counters of vmstat as the
 * baseline; then runs it N times more, one after the other (fork, exec, wait; the
 * program's output goes into a pipe, and its end is shown only if a run fails), drops the caches
 * again and requires the memory in use to be exactly the baseline: used frames
 * (total_frames - free_frames), kernel_heap_bytes, slab frames, processes and kernel stacks.
 * Two tests of the caches come first: drop_caches empties the block cache, and under
 * memory pressure the block cache shrinks before a process is killed (a process obtains as
 * much memory with the cache full as with it dropped; named "pressure" for NAME...).
 * Prints "PASS name" or "FAIL name: why" per program and ends with "N passed, N failed".
 *
 *   leak_test               every program, each DEFAULT_RUNS times (100)
 *   leak_test N             every program N times
 *   leak_test N NAME...     the programs whose names contain one of the NAMEs, N times
 *                           (make leakcheck N=1000: leak_test 1000 xv6_mmaptest pressure) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"

#define DEFAULT_RUNS 100

/* The programs, each run with no arguments (every test of it). */
static const char *const kPrograms[] = {
    "xv6_mmaptest_2020", "xv6_mmaptest_2023", "xv6_mmaptest_2024", "mmap_anon_test",
    "mmap_file_test",    "mmap_life_test",    "mmap_spec_test",    "file_io_test",
};
#define PROGRAM_COUNT (sizeof(kPrograms) / sizeof(kPrograms[0]))

static int passed;
static int failed;

static int read_counters(struct atlas_vmstat *stats, int drop)
{
    if (drop && syscall(SYS_drop_caches) < 0)
        return -1;
    memset(stats, 0, sizeof(*stats));
    return (int)syscall(SYS_vmstat, stats);
}

/* The end of the last run's output, shown when a run fails. */
static char tail[2048];
static size_t tail_length;

static void keep_tail(const char *bytes, size_t n)
{
    if (n >= sizeof(tail)) {
        memcpy(tail, bytes + n - sizeof(tail), sizeof(tail));
        tail_length = sizeof(tail);
        return;
    }
    if (tail_length + n > sizeof(tail)) {
        size_t drop = tail_length + n - sizeof(tail);
        memmove(tail, tail + drop, tail_length - drop);
        tail_length -= drop;
    }
    memcpy(tail + tail_length, bytes, n);
    tail_length += n;
}

/* Each line indented, so that a test runner does not take the program's PASS and FAIL
 * lines for leak_test's own. */
static void show_tail(void)
{
    size_t start = 0;
    for (size_t i = 0; i < tail_length; i++) {
        if (tail[i] == '\n' || i + 1 == tail_length) {
            printf("  | %.*s\n", (int)(i - start + (tail[i] != '\n')), tail + start);
            start = i + 1;
        }
    }
}

/* Runs `program` once with its output (standard output and error) into a pipe that this
 * process drains, keeping the end of it; returns its wait status, or -1 if it could not be
 * started. (A pipe, not a file: the programs check what mmap of their descriptors gives.) */
static int run_once(const char *program)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[1]);
        char *argv[] = { (char *)program, NULL };
        execvp(program, argv);
        _exit(127);
    }
    close(fds[1]);
    tail_length = 0;
    char buffer[512];
    long n;
    while ((n = read(fds[0], buffer, sizeof(buffer))) > 0)
        keep_tail(buffer, (size_t)n);
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

struct Usage {
    long used_frames;
    long heap_bytes;
    long slab_frames;
    long processes;
    long kernel_stacks;
};

static struct Usage usage_of(const struct atlas_vmstat *stats)
{
    struct Usage usage = {
        .used_frames = (long)(stats->total_frames - stats->free_frames),
        .heap_bytes = (long)stats->kernel_heap_bytes,
        .slab_frames = (long)stats->heap_slab_frames,
        .processes = (long)stats->processes,
        .kernel_stacks = (long)stats->kernel_stacks,
    };
    return usage;
}

static int same_usage(const struct Usage *a, const struct Usage *b)
{
    return a->used_frames == b->used_frames && a->heap_bytes == b->heap_bytes && a->slab_frames == b->slab_frames
        && a->processes == b->processes && a->kernel_stacks == b->kernel_stacks;
}

/* Runs `program` `runs` times after a warm-up and prints PASS or FAIL for it. */
static void check_program(const char *program, long runs)
{
    struct atlas_vmstat stats;
    int status = run_once(program);
    if (status != 0) {
        show_tail();
        printf("FAIL leak_free_%s: the warm-up run ended with status %d\n", program, status);
        failed++;
        return;
    }
    if (read_counters(&stats, 1) < 0) {
        printf("FAIL leak_free_%s: drop_caches or vmstat failed (errno %d)\n", program, errno);
        failed++;
        return;
    }
    struct Usage before = usage_of(&stats);
    unsigned long cache_before = stats.block_cache_buffers;
    long start = uptime_ticks();
    for (long i = 0; i < runs; i++) {
        status = run_once(program);
        if (status != 0) {
            show_tail();
            printf("FAIL leak_free_%s: run %ld ended with status %d\n", program, i + 1, status);
            failed++;
            return;
        }
    }
    long elapsed = uptime_ticks() - start;
    read_counters(&stats, 0);
    unsigned long cache_grown = stats.block_cache_buffers;
    struct Usage undropped = usage_of(&stats);
    read_counters(&stats, 1);
    struct Usage after = usage_of(&stats);
    printf("%s x%ld (%ld.%02ld s): used frames %ld -> %ld, heap bytes %ld -> %ld, slab frames %ld -> %ld, "
           "processes %ld -> %ld, kernel stacks %ld -> %ld (before the drop: used frames %ld, heap bytes %ld; "
           "block cache %lu -> %lu -> %lu buffers)\n",
           program, runs, elapsed / ATLAS_TICKS_PER_SECOND, elapsed % ATLAS_TICKS_PER_SECOND, before.used_frames, after.used_frames, before.heap_bytes, after.heap_bytes,
           before.slab_frames, after.slab_frames, before.processes, after.processes, before.kernel_stacks,
           after.kernel_stacks, undropped.used_frames, undropped.heap_bytes, cache_before, cache_grown, (unsigned long)stats.block_cache_buffers);
    if (same_usage(&before, &after)) {
        printf("PASS leak_free_%s\n", program);
        passed++;
    } else {
        printf("FAIL leak_free_%s: kernel memory in use grew over %ld runs\n", program, runs);
        failed++;
    }
}

static int selected(const char *program, int argc, char **argv)
{
    if (argc <= 2)
        return 1;
    for (int i = 2; i < argc; i++)
        if (strstr(program, argv[i]))
            return 1;
    return 0;
}

/* drop_caches leaves the block cache holding only buffers in use (none, between system
 * calls of a single process), and frees frames when the cache had unused buffers. */
static void check_drop_empties_block_cache(void)
{
    struct atlas_vmstat before;
    struct atlas_vmstat after;
    /* Fill the cache a little: creating files reads bitmap, inode and directory blocks. */
    for (int i = 0; i < 8; i++) {
        char name[32];
        snprintf(name, sizeof(name), "leak_test.%d", i);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            close(fd);
        unlink(name);
    }
    read_counters(&before, 0);
    read_counters(&after, 1);
    printf("drop_caches: block cache %lu -> %lu buffers, free frames %lu -> %lu\n",
           (unsigned long)before.block_cache_buffers, (unsigned long)after.block_cache_buffers,
           (unsigned long)before.free_frames, (unsigned long)after.free_frames);
    if (before.block_cache_buffers > 0 && after.block_cache_buffers == 0 && after.block_cache_unused == 0
        && after.heap_cached_objects == 0 && after.free_frames >= before.free_frames + before.block_cache_buffers) {
        printf("PASS drop_caches_empties_block_cache\n");
        passed++;
    } else {
        printf("FAIL drop_caches_empties_block_cache\n");
        failed++;
    }
}

/* Frames a process can fill with anonymous memory before the kernel kills it for want of
 * memory: a child touches one page after another and counts them in a page it shares with
 * this process. */
static long obtainable_frames(void)
{
    volatile long *count = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_SHARED, -1, 0);
    if (count == MAP_FAILED)
        return -1;
    *count = 0;
    struct atlas_vmstat stats;
    read_counters(&stats, 0);
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        size_t pages = (size_t)stats.total_frames * 2;
        char *p = mmap(0, pages * 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
        if (p == MAP_FAILED)
            _exit(2);
        for (size_t i = 0; i < pages; i++) {
            p[i * 4096] = 1;
            *count = (long)i + 1;
        }
        _exit(0); /* Twice the machine's memory: cannot happen. */
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        return -1;
    long obtained = *count;
    munmap((void *)count, 4096);
    return obtained;
}

/* Under memory pressure the block cache gives its unused buffers back before a process is
 * killed: a process obtains as much memory with the cache full as with it dropped. */
#define FILL_FILES 2048
#define PRESSURE_SLACK 16 /* frames: page tables and reclaim timing */
static void check_pressure_shrinks_block_cache(void)
{
    struct atlas_vmstat stats;
    read_counters(&stats, 1);
    long before = obtainable_frames();
    /* Fill the cache: new files take the next inode numbers, so each 32 of them reach
     * another inode-table block. */
    for (int i = 0; i < FILL_FILES; i++) {
        char name[32];
        snprintf(name, sizeof(name), "lt_fill_%d", i);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            close(fd);
        unlink(name);
    }
    read_counters(&stats, 0);
    unsigned long filled = stats.block_cache_buffers;
    long after = obtainable_frames();
    read_counters(&stats, 0);
    printf("pressure: %ld frames obtainable with the caches dropped, %ld with %lu block-cache buffers "
           "(%lu left after the pressure)\n",
           before, after, filled, (unsigned long)stats.block_cache_buffers);
    if (before > 0 && filled >= 4 * PRESSURE_SLACK && after + PRESSURE_SLACK >= before
        && stats.block_cache_buffers < filled / 2) {
        printf("PASS pressure_shrinks_the_block_cache_before_killing\n");
        passed++;
    } else {
        printf("FAIL pressure_shrinks_the_block_cache_before_killing\n");
        failed++;
    }
}

int main(int argc, char **argv)
{
    long runs = DEFAULT_RUNS;
    if (argc >= 2) {
        runs = strtol(argv[1], NULL, 10);
        if (runs <= 0) {
            fprintf(stderr, "usage: leak_test [N [NAME...]]\n");
            return 2;
        }
    }
    check_drop_empties_block_cache();
    if (selected("pressure", argc, argv))
        check_pressure_shrinks_block_cache();
    for (size_t i = 0; i < PROGRAM_COUNT; i++)
        if (selected(kPrograms[i], argc, argv))
            check_program(kPrograms[i], runs);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
