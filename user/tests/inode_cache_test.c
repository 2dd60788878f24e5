/* inode_cache_test: a file's page cache outlives its last close (docs/storage.md, "The
 * inode life cycle"): an unused inode keeps its cached pages on the inode table's LRU until
 * memory pressure or drop_caches evicts it, and a lookup revives it with its cache.
 *
 *   - re-reading a closed file, and exec'ing a program a second time, reads nothing from
 *     the disk (vmstat's disk_read_requests and page_cache_misses stay put);
 *   - unlink of a closed cached file gives its frames back at once;
 *   - memory pressure takes the pages of closed files rather than killing anybody;
 *   - drop_caches evicts every unused inode: frames and heap come back to their baseline;
 *   - several processes opening, reading, closing, unlinking and re-creating files while
 *     another fills memory and drops the caches: every byte read is right.
 *
 * Each test runs in a child (the harness's TEST_IN_CHILD). Prints "PASS name" or
 * "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   inode_cache_test            run every test
 *   inode_cache_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/numbers.h"
#include "file_helpers.h"
#include "harness.h"

static unsigned char s_buffer[64 * 1024];

/* Reads the file `name` whole with read() through a new descriptor, closes it, and checks
 * every byte against PATTERN and the size. 0 if all is right. */
static int read_and_check(const char* name, size_t size)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t done = 0;
    ssize_t got;
    while ((got = read(fd, s_buffer, sizeof(s_buffer))) > 0) {
        for (ssize_t i = 0; i < got; i++) {
            if (s_buffer[i] != (unsigned char)PATTERN(done + (size_t)i)) {
                close(fd);
                return -1;
            }
        }
        done += (size_t)got;
    }
    close(fd);
    return got == 0 && done == size ? 0 : -1;
}

/* A closed file with `size` bytes of PATTERN, cached whole: written (in large writes, which
 * go through to the disk and leave nothing cached), read back and closed. */
static int make_cached_file(const char* name, size_t size)
{
    unlink(name);
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    for (size_t done = 0; done < size;) {
        size_t n = size - done < sizeof(s_buffer) ? size - done : sizeof(s_buffer);
        for (size_t i = 0; i < n; i++)
            s_buffer[i] = (unsigned char)PATTERN(done + i);
        if (write(fd, s_buffer, n) != (ssize_t)n) {
            close(fd);
            return -1;
        }
        done += n;
    }
    close(fd);
    return read_and_check(name, size);
}

static void drop_caches(void) { syscall(SYS_drop_caches); }

static int reread_of_closed_file_reads_nothing_from_disk(void)
{
    const char* name = "inode_cache.reread";
    const size_t size = 512 * 1024;
    CHECK(make_cached_file(name, size) == 0);
    struct atlas_vmstat before = counters();
    CHECK(before.unused_inodes >= 1);
    CHECK(read_and_check(name, size) == 0);
    struct atlas_vmstat after = counters();
    if (after.disk_read_requests != before.disk_read_requests || after.page_cache_misses != before.page_cache_misses) {
        snprintf(failure, sizeof(failure), "the re-read after close read the disk: %lu requests, %lu misses",
                 (unsigned long)(after.disk_read_requests - before.disk_read_requests),
                 (unsigned long)(after.page_cache_misses - before.page_cache_misses));
        unlink(name);
        return 1;
    }
    CHECK(after.page_cache_hits >= before.page_cache_hits + size / PG);
    CHECK(unlink(name) == 0);
    return 0;
}

/* fork + exec of /bin/hello with its output thrown away; its exit status. */
static int run_hello(void)
{
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(1);  /* Its greeting would only clutter the output; it exits 0 regardless. */
        char* argv[] = { "hello", NULL };
        execv("/bin/hello", argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return EXITED_OK(status) ? 0 : -1;
}

static int second_exec_reads_nothing_from_disk(void)
{
    drop_caches();  /* The first exec reads the program from the disk... */
    struct atlas_vmstat first = counters();
    CHECK(run_hello() == 0);
    struct atlas_vmstat before = counters();
    CHECK(before.disk_read_requests > first.disk_read_requests);
    CHECK(run_hello() == 0);  /* ...the second finds it in the page cache. */
    struct atlas_vmstat after = counters();
    if (after.disk_read_requests != before.disk_read_requests) {
        snprintf(failure, sizeof(failure), "the second exec read the disk (%lu requests; the first %lu)",
                 (unsigned long)(after.disk_read_requests - before.disk_read_requests),
                 (unsigned long)(before.disk_read_requests - first.disk_read_requests));
        return 1;
    }
    return 0;
}

static int unlink_of_closed_cached_file_frees_its_frames(void)
{
    const char* name = "inode_cache.unlink";
    const size_t pages = 256;
    CHECK(make_cached_file(name, pages * PG) == 0);
    struct atlas_vmstat before = counters();
    CHECK(before.unused_inodes >= 1);
    CHECK(unlink(name) == 0);
    struct atlas_vmstat after = counters();
    if (after.cached_pages + pages > before.cached_pages || after.free_frames + 16 < before.free_frames + pages
        || after.unused_inodes + 1 != before.unused_inodes) {
        snprintf(failure, sizeof(failure),
                 "unlink: cached pages %lu -> %lu, free frames %lu -> %lu, unused inodes %lu -> %lu",
                 (unsigned long)before.cached_pages, (unsigned long)after.cached_pages,
                 (unsigned long)before.free_frames, (unsigned long)after.free_frames,
                 (unsigned long)before.unused_inodes, (unsigned long)after.unused_inodes);
        return 1;
    }
    CHECK(open(name, O_RDONLY) == -1 && errno == ENOENT);
    return 0;
}

/* A child that touches `pages` pages of anonymous memory; its wait status. */
static int fill_memory(size_t pages)
{
    int pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char* p = mmap(0, pages * PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
        if (p == MAP_FAILED)
            _exit(2);
        for (size_t i = 0; i < pages; i++)
            p[i * PG] = 1;
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

enum { kPressureFiles = 4, kPressureFilePages = 512 };  /* 8 MiB of closed files. */

static int memory_pressure_evicts_closed_files(void)
{
    char names[kPressureFiles][32];
    for (int i = 0; i < kPressureFiles; i++) {
        snprintf(names[i], sizeof(names[i]), "inode_cache.pressure.%d", i);
        CHECK(make_cached_file(names[i], kPressureFilePages * PG) == 0);
    }
    struct atlas_vmstat before = counters();
    CHECK(before.unused_inodes >= kPressureFiles);
    CHECK(before.cached_pages >= kPressureFiles * kPressureFilePages);
    /* More than what is free: only the closed files' pages can make up the difference. */
    size_t pages = before.free_frames + kPressureFiles * kPressureFilePages / 2;
    int status = fill_memory(pages);
    struct atlas_vmstat after = counters();
    if (!EXITED_OK(status) || after.cached_pages + kPressureFiles * kPressureFilePages / 4 > before.cached_pages) {
        snprintf(failure, sizeof(failure),
                 "a process of %lu pages: status %#x; cached pages %lu -> %lu, unused inodes %lu -> %lu", (unsigned long)pages,
                 status, (unsigned long)before.cached_pages, (unsigned long)after.cached_pages,
                 (unsigned long)before.unused_inodes, (unsigned long)after.unused_inodes);
        return 1;
    }
    /* What was evicted is read from the disk again, right. */
    for (int i = 0; i < kPressureFiles; i++) {
        CHECK(read_and_check(names[i], kPressureFilePages * PG) == 0);
        CHECK(unlink(names[i]) == 0);
    }
    return 0;
}

static int drop_caches_evicts_unused_inodes_to_baseline(void)
{
    char names[8][32];
    struct atlas_vmstat baseline = { 0 };
    for (int round = 0; round < 2; round++) {
        /* Round 0 warms up (high-water marks); round 1 must end at round 0's baseline. */
        for (int i = 0; i < 8; i++) {
            snprintf(names[i], sizeof(names[i]), "inode_cache.drop.%d", i);
            CHECK(make_cached_file(names[i], (size_t)(i + 1) * 3 * PG + 100) == 0);
        }
        struct atlas_vmstat cached = counters();
        CHECK(cached.unused_inodes >= 8);
        drop_caches();
        struct atlas_vmstat dropped = counters();
        CHECK(dropped.unused_inodes == 0);
        CHECK(dropped.cached_inodes + 8 <= cached.cached_inodes);
        if (round == 0) {
            baseline = dropped;
            continue;
        }
        long used_before = (long)(baseline.total_frames - baseline.free_frames);
        long used_after = (long)(dropped.total_frames - dropped.free_frames);
        if (used_after != used_before || dropped.kernel_heap_bytes != baseline.kernel_heap_bytes
            || dropped.cached_inodes != baseline.cached_inodes) {
            snprintf(failure, sizeof(failure), "after drop_caches: used frames %ld -> %ld, heap bytes %lu -> %lu, "
                     "inodes %lu -> %lu", used_before, used_after, (unsigned long)baseline.kernel_heap_bytes,
                     (unsigned long)dropped.kernel_heap_bytes, (unsigned long)baseline.cached_inodes,
                     (unsigned long)dropped.cached_inodes);
            return 1;
        }
    }
    for (int i = 0; i < 8; i++)
        CHECK(unlink(names[i]) == 0);
    return 0;
}

/* --- concurrency: lookups, unlinks and re-creations racing eviction --- */

enum { kWorkers = 4, kSharedFiles = 4, kRounds = 40 };

static size_t shared_size(int i) { return (size_t)(i + 1) * 5 * PG + 123; }

/* One worker: reads the shared files (reviving their inodes while others' closes and the
 * pressure child's drops make them unused and evict them), and creates, reads, closes and
 * unlinks a file of its own. Exits with the round it failed in, 0 if none. */
static void worker(int id)
{
    char own[32];
    snprintf(own, sizeof(own), "inode_cache.own.%d", id);
    for (int round = 1; round <= kRounds; round++) {
        char shared[32];
        int i = (id + round) % kSharedFiles;
        snprintf(shared, sizeof(shared), "inode_cache.shared.%d", i);
        if (read_and_check(shared, shared_size(i)) != 0)
            _exit(round);
        size_t size = (size_t)((round * 7 + id) % 16 + 1) * PG + (size_t)round;
        if (make_cached_file(own, size) != 0 || read_and_check(own, size) != 0)
            _exit(round);
        if (round % 2 == 0 && unlink(own) != 0)
            _exit(round);
    }
    unlink(own);
    _exit(0);
}

/* Fills most of memory and drops the caches, over and over, until `stop` is set. */
static void pressure(volatile long* stop, size_t pages)
{
    while (!*stop) {
        char* p = mmap(0, pages * PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
        if (p == MAP_FAILED)
            _exit(2);
        for (size_t i = 0; i < pages && !*stop; i++)
            p[i * PG] = 1;
        munmap(p, pages * PG);
        drop_caches();
    }
    _exit(0);
}

static int open_read_unlink_race_eviction(void)
{
    for (int i = 0; i < kSharedFiles; i++) {
        char name[32];
        snprintf(name, sizeof(name), "inode_cache.shared.%d", i);
        CHECK(make_cached_file(name, shared_size(i)) == 0);
    }
    volatile long* stop = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_SHARED, -1, 0);
    CHECK(stop != MAP_FAILED);
    *stop = 0;
    struct atlas_vmstat stats = counters();
    int pressure_pid = fork();
    CHECK(pressure_pid >= 0);
    if (pressure_pid == 0)
        pressure(stop, stats.free_frames * 3 / 4);
    int pids[kWorkers];
    for (int id = 0; id < kWorkers; id++) {
        pids[id] = fork();
        CHECK(pids[id] >= 0);
        if (pids[id] == 0)
            worker(id);
    }
    int bad = 0;
    for (int id = 0; id < kWorkers; id++) {
        int status = 0;
        CHECK(waitpid(pids[id], &status, 0) == pids[id]);
        if (!EXITED_OK(status) && !bad) {
            bad = 1;
            snprintf(failure, sizeof(failure), "worker %d failed (status %#x: round %d)", id, status,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        }
    }
    *stop = 1;
    int status = 0;
    CHECK(waitpid(pressure_pid, &status, 0) == pressure_pid);
    if (bad)
        return 1;
    CHECK(EXITED_OK(status));
    for (int i = 0; i < kSharedFiles; i++) {
        char name[32];
        snprintf(name, sizeof(name), "inode_cache.shared.%d", i);
        CHECK(read_and_check(name, shared_size(i)) == 0);
        CHECK(unlink(name) == 0);
    }
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(reread_of_closed_file_reads_nothing_from_disk),
    TEST(second_exec_reads_nothing_from_disk),
    TEST(unlink_of_closed_cached_file_frees_its_frames),
    TEST(memory_pressure_evicts_closed_files),
    TEST(drop_caches_evicts_unused_inodes_to_baseline),
    TEST(open_read_unlink_race_eviction),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
