/* bufwrite_bench: a buffered write of a new file, then fsync (write-back caching: write()
 * copies into the page cache and marks pages dirty; the flusher, throttling and fsync put
 * them on the disk; docs/vm.md, "The life of a cached page").
 *
 *   bufwrite_bench [MIB [ROUNDS]]      defaults: 64 MiB, 3 rounds
 *
 * Each round creates the file anew, writes MIB MiB with 64 KiB write() calls from one
 * buffer (filled once per round, outside the count), fsyncs it, and then checks what reached
 * the disk: the file's cached pages are dropped (POSIX_FADV_DONTNEED) and a few chunks read
 * back from the disk must hold the buffer.
 *
 *   BENCH bufwrite_64m N instructions/KiB          write() calls and fsync, the cheapest round
 *   BENCH bufwrite_64m_write N instructions/KiB    the write() calls alone (throttled writers
 *                                                  write back while above the hard limit)
 *   BENCH bufwrite_64m_written_back N pages        pages written back in the round with
 *                                                  the most (each page once: MIB * 256)
 *
 * Exact only under QEMU's -icount with one hart (tools/atlas-run --icount --cpus 1 --mem
 * 128M -- bufwrite_bench). The instructions are every hart's busy ones (the idle loop's
 * share subtracted, bench.h), so the flusher thread's work counts too.
 *
 * On Linux (BENCH_LINUX, bench.h) the counter is the time CSR, which runs on while the
 * machine waits for the disk: its figures include that wait, so they are for reading
 * beside Atlas's, not for a ratio budget. The written-back count is vmstat's (Atlas only). */
#include "bench.h"

static const char* const kFile = BENCH_DIR "/bufwrite_bench.dat";
enum { kChunk = 64 * 1024 };

static uint64_t s_buffer[kChunk / 8];
static uint64_t s_back[kChunk / 8];

/* Reads the chunk at `offset` back from the disk and checks it against the buffer. */
static void check_chunk(int fd, size_t offset)
{
    if (pread(fd, s_back, kChunk, (off_t)offset) != kChunk || memcmp(s_back, s_buffer, kChunk) != 0)
        bench_fail("bufwrite_bench: the chunk at %lu does not read back from the disk", (unsigned long)offset);
}

int main(int argc, char** argv)
{
    const char* usage = "bufwrite_bench [MIB [ROUNDS]]";
    size_t bytes = (size_t)bench_argument(argc, argv, 1, 64, usage) * 1024 * 1024;
    long rounds = bench_argument(argc, argv, 2, 3, usage);
    uint64_t best = UINT64_MAX;
    uint64_t best_write = UINT64_MAX;
    uint64_t most_written_back = 0;
    for (long round = 0; round < rounds; round++) {
        unlink(kFile);
        int fd = open(kFile, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            bench_fail("bufwrite_bench: open: %s", strerror(errno));
        for (size_t i = 0; i < kChunk / 8; i++)
            s_buffer[i] = bench_pattern(i * 8) + (uint64_t)round;
#ifdef BENCH_LINUX
        uint64_t start = bench_instret();
#else
        struct bench_mark mark;
        struct atlas_vmstat after_write, after;
        bench_mark_now(&mark);
#endif
        for (size_t done = 0; done < bytes; done += kChunk) {
            if (write(fd, s_buffer, kChunk) != kChunk)
                bench_fail("bufwrite_bench: write: %s", strerror(errno));
        }
#ifdef BENCH_LINUX
        uint64_t written = bench_instret() - start;
#else
        uint64_t written = bench_busy_since(&mark, &after_write);
#endif
        if (fsync(fd) != 0)
            bench_fail("bufwrite_bench: fsync: %s", strerror(errno));
#ifdef BENCH_LINUX
        uint64_t spent = bench_instret() - start;
#else
        uint64_t spent = bench_busy_since(&mark, &after);
        uint64_t written_back = after.pages_written_back - mark.stats.pages_written_back;
        if (written_back > most_written_back)
            most_written_back = written_back;
#endif
        bench_drop_cache(fd);
        check_chunk(fd, 0);
        check_chunk(fd, bytes / 2);
        check_chunk(fd, bytes - kChunk);
        close(fd);
        if (spent / (bytes / 1024) < best)
            best = spent / (bytes / 1024);
        if (written / (bytes / 1024) < best_write)
            best_write = written / (bytes / 1024);
    }
    unlink(kFile);
    printf("buffered write of %lu MiB then fsync: %lu instructions per KiB (write() alone %lu)\n",
           (unsigned long)(bytes >> 20), (unsigned long)best, (unsigned long)best_write);
    bench_report("bufwrite_64m", best, "instructions/KiB");
    bench_report("bufwrite_64m_write", best_write, "instructions/KiB");
#ifndef BENCH_LINUX
    bench_report("bufwrite_64m_written_back", most_written_back, "pages");
#else
    (void)most_written_back;
#endif
    return 0;
}
