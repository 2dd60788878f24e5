/* reread_bench: re-reading a file after its last close, which finds the file's pages still
 * in the page cache (an unused inode keeps its cache until memory pressure evicts it;
 * docs/storage.md): instructions per KiB, and the disk requests it issued (none).
 *
 *   reread_bench [MIB [ROUNDS]]      defaults: 16 MiB, 3 rounds
 *
 * The file is written, fsynced and dropped from the cache (bench_make_file), then read whole
 * through read() once and closed: no descriptor of it stays open (unlike seqread_bench's
 * holder). Each round then opens it, reads it whole with a 64 KiB buffer adding up every
 * 64-bit word (checked against the pattern's sum, so a wrong byte fails the benchmark), and
 * closes it; the instructions count all three steps.
 *
 *   BENCH reread_closed N instructions/KiB        the cheapest round
 *   BENCH reread_closed_requests N requests       disk read requests, the most any round
 *                                                 issued (budget: 0)
 *
 * Exact only under QEMU's -icount with one hart (tools/atlas-run --icount --cpus 1 --mem
 * 128M -- reread_bench).
 *
 * On Linux (BENCH_LINUX, bench.h) only reread_closed is printed: the request count is
 * vmstat's. A round there checks through getrusage() that it did no I/O (no major fault,
 * no block read: ru_inblock). */
#include "bench.h"

static const char* const kFile = BENCH_DIR "/reread_bench.dat";
enum { kBufferSize = 64 * 1024 };

static uint64_t s_buffer[kBufferSize / 8];

/* Opens, reads whole and closes the file; returns the sum of its words. */
static uint64_t read_whole(size_t bytes)
{
    int fd = open(kFile, O_RDONLY);
    if (fd < 0)
        bench_fail("reread_bench: open: %s", strerror(errno));
    uint64_t sum = 0;
    size_t total = 0;
    ssize_t got;
    while ((got = read(fd, s_buffer, sizeof(s_buffer))) > 0) {
        for (size_t i = 0; i < (size_t)got / 8; i++)
            sum += s_buffer[i];
        total += (size_t)got;
    }
    if (got < 0 || total != bytes)
        bench_fail("reread_bench: read: %s", got < 0 ? strerror(errno) : "the file is short");
    close(fd);
    return sum;
}

#ifdef BENCH_LINUX
/* Major faults plus blocks read by this process: what a re-read must not grow. */
static uint64_t io_so_far(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) < 0)
        bench_fail("reread_bench: getrusage: %s", strerror(errno));
    return (uint64_t)usage.ru_majflt + (uint64_t)usage.ru_inblock;
}
#endif

int main(int argc, char** argv)
{
    const char* usage = "reread_bench [MIB [ROUNDS]]";
    size_t bytes = (size_t)bench_argument(argc, argv, 1, 16, usage) * 1024 * 1024;
    long rounds = bench_argument(argc, argv, 2, 3, usage);
    bench_make_file(kFile, bytes);
    uint64_t expected = 0;
    for (size_t offset = 0; offset < bytes; offset += 8)
        expected += bench_pattern(offset);
    /* The first read brings the file in; the last close leaves it cached. */
    if (read_whole(bytes) != expected)
        bench_fail("reread_bench: the data read is wrong");

    uint64_t best = UINT64_MAX;
    uint64_t most_requests = 0;
    for (long round = 0; round < rounds; round++) {
#ifdef BENCH_LINUX
        uint64_t io = io_so_far();
        uint64_t start = bench_instret();
        uint64_t sum = read_whole(bytes);
        uint64_t spent = bench_instret() - start;
        if (io_so_far() != io)
            bench_fail("reread_bench: a re-read after close read from the disk");
#else
        struct bench_mark mark;
        struct atlas_vmstat after;
        bench_mark_now(&mark);
        uint64_t sum = read_whole(bytes);
        uint64_t spent = bench_busy_since(&mark, &after);
        uint64_t requests = after.disk_read_requests - mark.stats.disk_read_requests;
        if (requests > most_requests)
            most_requests = requests;
#endif
        if (sum != expected)
            bench_fail("reread_bench: the data read is wrong (sum %lx, expected %lx)", (unsigned long)sum,
                       (unsigned long)expected);
        if (spent / (bytes / 1024) < best)
            best = spent / (bytes / 1024);
    }
    bench_report("reread_closed", best, "instructions/KiB");
#ifndef BENCH_LINUX
    bench_report("reread_closed_requests", most_requests, "requests");
#else
    (void)most_requests;
#endif
    unlink(kFile);
    return 0;
}
