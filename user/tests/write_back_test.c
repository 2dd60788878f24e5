/* write_back_test: write-back caching seen from user space (docs/vm.md, "The life of a
 * cached page"): write() leaves dirty pages in the page cache, which reach the disk later.
 *
 *   - written bytes are visible to read() and to a MAP_SHARED mapping before any
 *     write-back (vmstat's pages_written_back stays put), and fsync writes them back;
 *   - the flusher writes a dirty file back by itself after about five seconds;
 *   - fdatasync writes its own file's dirty pages back, sync every file's at once;
 *   - a writer that writes far more than the dirty limit into a small machine is throttled,
 *     never failed, and everything it wrote reads back after fsync;
 *   - truncating or unlinking a file with dirty pages writes none of them back;
 *   - with the caches dropped, frames and heap come back to their baseline (no leak);
 *   - a write of new pages past the end whose source faults leaves zeros after what
 *     arrived (new whole pages are not zeroed before the copy);
 *   - SIGKILL stops a long write() at a batch boundary, and the killed writer leaks
 *     nothing.
 *
 * Each test runs in a child (the harness's TEST_IN_CHILD). Prints "PASS name" or
 * "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   write_back_test            run every test
 *   write_back_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/numbers.h"
#include "file_helpers.h"
#include "harness.h"

static unsigned char s_buffer[64 * 1024];

/* Fills s_buffer with bytes depending on `seed`. */
static void fill(unsigned seed)
{
    for (size_t i = 0; i < sizeof(s_buffer); i++)
        s_buffer[i] = (unsigned char)(i * 7 + seed);
}

/* Whether `length` bytes at `p` are s_buffer's first `length`. */
static int holds_buffer(const unsigned char* p, size_t length) { return memcmp(p, s_buffer, length) == 0; }

static int written_bytes_are_visible_to_read_and_mmap_before_write_back(void)
{
    int fd = open("write_back.visible", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    fill(3);
    uint64_t written_back = counters().pages_written_back;
    CHECK(write(fd, s_buffer, sizeof(s_buffer)) == (ssize_t)sizeof(s_buffer));
    static unsigned char back[64 * 1024];
    CHECK(pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back));
    CHECK(holds_buffer(back, sizeof(back)));
    unsigned char* map = (unsigned char*)map_fd(sizeof(s_buffer), PROT_READ, MAP_SHARED, fd, 0);
    CHECK(map != NULL);
    CHECK(holds_buffer(map, sizeof(s_buffer)));
    /* Nothing was written back for all that (munmap may write back: before it). */
    CHECK(counters().pages_written_back == written_back);
    CHECK(munmap(map, sizeof(s_buffer)) == 0);
    /* fsync writes the 16 pages (or what munmap left). */
    CHECK(write(fd, s_buffer, sizeof(s_buffer)) == (ssize_t)sizeof(s_buffer));
    CHECK(fsync(fd) == 0);
    CHECK(counters().pages_written_back >= written_back + 16);
    CHECK(close(fd) == 0);
    CHECK(unlink("write_back.visible") == 0);
    return 0;
}

static int flusher_writes_a_dirty_file_back_after_about_five_seconds(void)
{
    int fd = open("write_back.aged", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    fill(5);
    uint64_t written_back = counters().pages_written_back;
    CHECK(write(fd, s_buffer, 3 * PG) == (ssize_t)(3 * PG));
    sleep(1);  /* Too young to be written. */
    CHECK(counters().pages_written_back == written_back);
    int waited = 1;
    while (counters().pages_written_back < written_back + 3 && waited < 9) {
        sleep(1);
        waited++;
    }
    CHECK(counters().pages_written_back >= written_back + 3);
    CHECK(close(fd) == 0);
    CHECK(unlink("write_back.aged") == 0);
    return 0;
}

static int fdatasync_and_sync_write_dirty_pages_back_at_once(void)
{
    int first = open("write_back.sync1", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int second = open("write_back.sync2", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(first >= 0 && second >= 0);
    fill(7);
    uint64_t written_back = counters().pages_written_back;
    CHECK(write(first, s_buffer, 4 * PG) == (ssize_t)(4 * PG));
    CHECK(write(second, s_buffer, 3 * PG) == (ssize_t)(3 * PG));
    CHECK(counters().pages_written_back == written_back);
    /* fdatasync: the first file's 4 pages, not the second's 3. */
    CHECK(fdatasync(first) == 0);
    CHECK(counters().pages_written_back == written_back + 4);
    /* sync: the second's too, long before the flusher's five seconds. */
    sync();
    CHECK(counters().pages_written_back == written_back + 7);
    /* Nothing is left dirty for fsync to write. */
    CHECK(fsync(second) == 0);
    CHECK(counters().pages_written_back == written_back + 7);
    CHECK(close(first) == 0 && close(second) == 0);
    CHECK(unlink("write_back.sync1") == 0 && unlink("write_back.sync2") == 0);
    return 0;
}

/* More than three times the dirty limit (1/8 of memory) written as fast as write() goes:
 * every call writes its whole count. */
static int writer_outpacing_the_disk_is_throttled_not_failed(void)
{
    struct atlas_vmstat before = counters();
    size_t bytes = ((size_t)before.total_frames * PG / 8 * 3) & ~(sizeof(s_buffer) - 1);
    size_t step = (bytes / 8) & ~(sizeof(s_buffer) - 1);
    int fd = open("write_back.fast", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    fill(9);
    for (size_t done = 0; done < bytes; done += sizeof(s_buffer))
        CHECK(write(fd, s_buffer, sizeof(s_buffer)) == (ssize_t)sizeof(s_buffer));
    /* Throttling wrote most of it back already, before fsync. */
    CHECK(counters().pages_written_back - before.pages_written_back >= bytes / PG / 2);
    CHECK(fsync(fd) == 0);
    static unsigned char back[64 * 1024];
    for (size_t offset = 0; offset < bytes; offset += step) {
        CHECK(pread(fd, back, sizeof(back), (off_t)offset) == (ssize_t)sizeof(back));
        if (!holds_buffer(back, sizeof(back))) {
            size_t i = 0;
            while (back[i] == s_buffer[i])
                i++;
            snprintf(failure, sizeof(failure), "at %zu + %zu: %u, expected %u (file %zu bytes)", offset, i,
                     back[i], s_buffer[i], bytes);
            return 1;
        }
    }
    CHECK(close(fd) == 0);
    CHECK(unlink("write_back.fast") == 0);
    return 0;
}

static int truncated_and_unlinked_dirty_pages_are_never_written_back(void)
{
    fill(11);
    uint64_t written_back = counters().pages_written_back;
    int fd = open("write_back.truncated", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    for (int i = 0; i < 16; i++)
        CHECK(write(fd, s_buffer, sizeof(s_buffer)) == (ssize_t)sizeof(s_buffer));
    CHECK(ftruncate(fd, 0) == 0);
    CHECK(fsync(fd) == 0);
    CHECK(close(fd) == 0);
    CHECK(unlink("write_back.truncated") == 0);
    fd = open("write_back.unlinked", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    for (int i = 0; i < 16; i++)
        CHECK(write(fd, s_buffer, sizeof(s_buffer)) == (ssize_t)sizeof(s_buffer));
    CHECK(unlink("write_back.unlinked") == 0);
    CHECK(close(fd) == 0);
    CHECK(counters().pages_written_back == written_back);
    return 0;
}

/* Drops the caches and looks at what memory stays used: round 1 records it as the
 * baseline; from round 2 on, a difference from it in used frames or heap bytes is a leak
 * (1, with `failure` set). */
static int caches_dropped_back_to_baseline(int round, struct atlas_vmstat *baseline)
{
    CHECK(syscall(SYS_drop_caches) == 0);
    struct atlas_vmstat dropped = counters();
    if (round == 1)
        *baseline = dropped;
    if (round < 2)
        return 0;
    long used_before = (long)(baseline->total_frames - baseline->free_frames);
    long used_after = (long)(dropped.total_frames - dropped.free_frames);
    if (used_after != used_before || dropped.kernel_heap_bytes != baseline->kernel_heap_bytes) {
        snprintf(failure, sizeof(failure), "after drop_caches: used frames %ld -> %ld, heap bytes %lu -> %lu",
                 used_before, used_after, (unsigned long)baseline->kernel_heap_bytes,
                 (unsigned long)dropped.kernel_heap_bytes);
        return 1;
    }
    return 0;
}

static int dropped_caches_return_frames_and_heap_to_baseline(void)
{
    struct atlas_vmstat baseline = { 0 };
    for (int round = 0; round < 3; round++) {
        /* Round 0 warms up; the later rounds must end where round 1 did. */
        fill((unsigned)round);
        for (int i = 0; i < 4; i++) {
            char name[32];
            snprintf(name, sizeof(name), "write_back.leak.%d", i);
            int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
            CHECK(fd >= 0);
            for (int j = 0; j <= i * 8; j++)
                CHECK(write(fd, s_buffer, sizeof(s_buffer)) == (ssize_t)sizeof(s_buffer));
            if (i % 2)
                CHECK(fsync(fd) == 0);
            CHECK(close(fd) == 0);
            if (i == 3)
                CHECK(unlink(name) == 0);
        }
        if (caches_dropped_back_to_baseline(round, &baseline))
            return 1;
    }
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "write_back.leak.%d", i);
        CHECK(unlink(name) == 0);
    }
    return 0;
}

/* A write of whole new pages past the end whose source faults inside one: the page's frame
 * is not zeroed first (the copy was to cover it), so the write zeroes what did not arrive:
 * a mapping of the last page, and the file grown later, show zeros there, never the bytes
 * an old frame held. */
static int write_faulting_inside_a_new_page_past_the_end_leaves_zeros_after_what_arrived(void)
{
    int fd = open("write_back.fault", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    fill(13);
    CHECK(write(fd, s_buffer, 2 * PG) == (ssize_t)(2 * PG));
    /* A source of one readable page and a hole after it. */
    unsigned char* source = (unsigned char*)map_anon(2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    CHECK(source != NULL);
    CHECK(munmap(source + PG, PG) == 0);
    memcpy(source, s_buffer, PG);
    /* Frames just freed holding non-zero bytes, for the write's new page to be given. */
    int junk = open("write_back.junk", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(junk >= 0);
    memset(s_buffer, 0xab, sizeof(s_buffer));
    CHECK(write(junk, s_buffer, sizeof(s_buffer)) == (ssize_t)sizeof(s_buffer));
    CHECK(fsync(junk) == 0);
    CHECK(posix_fadvise(junk, 0, 0, POSIX_FADV_DONTNEED) == 0);
    CHECK(close(junk) == 0);
    fill(13);
    /* Pages 2 and 3 asked, 700 bytes arrive. */
    CHECK(pwrite(fd, source + PG - 700, 2 * PG, 2 * PG) == 700);
    CHECK(lseek(fd, 0, SEEK_END) == (off_t)(2 * PG + 700));
    /* A mapping of the last page sees zeros beyond the end (no other file's bytes). */
    unsigned char* last = (unsigned char*)map_fd(PG, PROT_READ, MAP_SHARED, fd, 2 * PG);
    CHECK(last != NULL);
    CHECK(memcmp(last, s_buffer + PG - 700, 700) == 0);
    CHECK(bytes_are_zero((const char*)last + 700, PG - 700));
    CHECK(munmap(last, PG) == 0);
    CHECK(ftruncate(fd, 4 * PG) == 0);
    static unsigned char back[2 * PG];
    CHECK(pread(fd, back, 2 * PG, 2 * PG) == (ssize_t)(2 * PG));
    CHECK(memcmp(back, s_buffer + PG - 700, 700) == 0);
    CHECK(bytes_are_zero((const char*)back + 700, 2 * PG - 700));
    CHECK(munmap(source, PG) == 0);
    CHECK(close(fd) == 0);
    CHECK(unlink("write_back.fault") == 0);
    CHECK(unlink("write_back.junk") == 0);
    return 0;
}

/* One write() of kKillChunks MiB from a source of that much address space over a single
 * 1 MiB file (mapped again and again, so the source costs 1 MiB of frames); returns the
 * child writing it, which has written a byte to `ready` just before the call. */
enum { kKillChunk = 1 << 20, kKillChunks = 96 };

static pid_t start_big_writer(int ready)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int source = open("write_back.kill.source", O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < kKillChunk / (int)sizeof(s_buffer); i++)
        if (write(source, s_buffer, sizeof(s_buffer)) != (ssize_t)sizeof(s_buffer))
            _exit(2);
    size_t total = (size_t)kKillChunks * kKillChunk;
    char* base = map_anon(total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
    if (!base)
        _exit(3);
    for (int i = 0; i < kKillChunks; i++) {
        char* chunk = base + (size_t)i * kKillChunk;
        if (mmap(chunk, kKillChunk, PROT_READ, MAP_SHARED | MAP_FIXED, source, 0) != chunk)
            _exit(4);
    }
    int fd = open("write_back.killed", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(ready, "x", 1) != 1)
        _exit(5);
    write(fd, base, total);
    _exit(0);
}

/* SIGKILL stops a long write() at its next batch (64 KiB) boundary: the child dies with
 * a small part of the file written, not after writing (and being throttled through) all of
 * it, and the frames and heap it used come back (drop_caches, as above). */
static int writer_killed_during_a_long_write_stops_at_a_batch_boundary_and_leaks_nothing(void)
{
    struct atlas_vmstat baseline = { 0 };
    fill(21);
    for (int round = 0; round < 3; round++) {
        /* Round 0 warms up; round 2 must end where round 1 did. */
        int ready[2];
        CHECK(pipe(ready) == 0);
        pid_t pid = start_big_writer(ready[1]);
        CHECK(pid > 0);
        char byte;
        CHECK(read(ready[0], &byte, 1) == 1);
        usleep(100000);
        CHECK(kill(pid, SIGKILL) == 0);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        struct stat st;
        CHECK(stat("write_back.killed", &st) == 0);
        if (st.st_size >= (off_t)kKillChunks * kKillChunk / 2) {
            snprintf(failure, sizeof(failure), "the killed writer wrote %ld of %ld bytes", (long)st.st_size,
                     (long)kKillChunks * kKillChunk);
            return 1;
        }
        CHECK(close(ready[0]) == 0 && close(ready[1]) == 0);
        CHECK(unlink("write_back.killed") == 0);
        CHECK(unlink("write_back.kill.source") == 0);
        if (caches_dropped_back_to_baseline(round, &baseline))
            return 1;
    }
    return 0;
}

/* One read() of kKillReadChunks MiB from a sparse file (holes: each page read is a zero
 * page filled into the cache, no disk needed) into a destination of that much address space
 * over a single 1 MiB file; returns the child reading it, which has written a byte to
 * `ready` just before the call. */
enum { kKillReadChunks = 192 };

static pid_t start_big_reader(int ready)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    size_t total = (size_t)kKillReadChunks * kKillChunk;
    int source = open("write_back.sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int target = open("write_back.target", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (source < 0 || target < 0 || ftruncate(source, (off_t)total) != 0 || ftruncate(target, kKillChunk) != 0)
        _exit(2);
    char* base = map_anon(total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
    if (!base)
        _exit(3);
    for (int i = 0; i < kKillReadChunks; i++) {
        char* chunk = base + (size_t)i * kKillChunk;
        if (mmap(chunk, kKillChunk, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, target, 0) != chunk)
            _exit(4);
    }
    if (write(ready, "x", 1) != 1)
        _exit(5);
    read(source, base, total);
    _exit(0);
}

/* SIGKILL stops a long read() at its next batch boundary too: the child dies having
 * brought a small part of the file into the cache (page-cache misses and readahead count
 * the pages it filled), not all of it, and the frames and heap it used come back. */
static int reader_killed_during_a_long_read_stops_at_a_batch_boundary_and_leaks_nothing(void)
{
    struct atlas_vmstat baseline = { 0 };
    const uint64_t total_pages = (uint64_t)kKillReadChunks * kKillChunk / PG;
    for (int round = 0; round < 3; round++) {
        /* Round 0 warms up; round 2 must end where round 1 did. */
        int ready[2];
        CHECK(pipe(ready) == 0);
        struct atlas_vmstat before = counters();
        pid_t pid = start_big_reader(ready[1]);
        CHECK(pid > 0);
        char byte;
        CHECK(read(ready[0], &byte, 1) == 1);
        usleep(20000);
        CHECK(kill(pid, SIGKILL) == 0);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        struct atlas_vmstat after = counters();
        uint64_t filled = (after.page_cache_misses + after.readahead_pages) -
                          (before.page_cache_misses + before.readahead_pages);
        if (filled >= total_pages / 2) {
            snprintf(failure, sizeof(failure), "the killed reader filled %lu of %lu pages", (unsigned long)filled,
                     (unsigned long)total_pages);
            return 1;
        }
        CHECK(close(ready[0]) == 0 && close(ready[1]) == 0);
        CHECK(unlink("write_back.sparse") == 0);
        CHECK(unlink("write_back.target") == 0);
        if (caches_dropped_back_to_baseline(round, &baseline))
            return 1;
    }
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(written_bytes_are_visible_to_read_and_mmap_before_write_back),
    TEST(flusher_writes_a_dirty_file_back_after_about_five_seconds),
    TEST(fdatasync_and_sync_write_dirty_pages_back_at_once),
    TEST(writer_outpacing_the_disk_is_throttled_not_failed),
    TEST(truncated_and_unlinked_dirty_pages_are_never_written_back),
    TEST(dropped_caches_return_frames_and_heap_to_baseline),
    TEST(write_faulting_inside_a_new_page_past_the_end_leaves_zeros_after_what_arrived),
    TEST(writer_killed_during_a_long_write_stops_at_a_batch_boundary_and_leaks_nothing),
    TEST(reader_killed_during_a_long_read_stops_at_a_batch_boundary_and_leaks_nothing),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
