/* hotset_bench: the major faults a small, hot MAP_SHARED file mapping takes while a file
 * larger than RAM streams through the page cache. Page reclaim should see that the mapped
 * pages are in use (the accessed bits of their PTEs) and evict the stream instead.
 *
 *   hotset_bench [HOT_MIB [TIMES_RAM]]     defaults: 4 MiB hot, a stream of 3 x RAM
 *
 * The hot file is written with the pattern of bench.h, fsynced and dropped from the cache;
 * it is mapped and read whole once (its major faults are not counted). The stream file is
 * sparse (its pages are zeros: they cost no disk time, but fill the cache like any other)
 * and TIMES_RAM times the size of RAM. One process reads the stream through read() in
 * 64 KiB chunks, and after each chunk loads the first word of every hot page (checking it),
 * so the hot set is used far more often than the cache turns over. read() misses are not
 * major faults, so every major fault counted is a hot page read back from the disk.
 *
 *   BENCH hotset_major_faults N faults   hot-set major faults during the stream
 *   BENCH hotset_pages N pages           the hot set's size
 *   BENCH hotset_stream_mib N MiB        how much was streamed
 *
 * tools/bench allows hotset_major_faults at most 1% of hotset_pages. On Linux
 * (BENCH_LINUX, bench.h) the faults come from getrusage(), this process's alone; on Atlas
 * from vmstat, every process's (nothing else runs). Timing plays no part: one process does
 * everything, so the figure does not depend on the scheduler. */
#include <sys/mman.h>

#include "bench.h"

static const char* const kHotFile = BENCH_DIR "/hotset_bench.hot";
static const char* const kStreamFile = BENCH_DIR "/hotset_bench.stream";

static uint64_t ram_bytes(void)
{
#ifdef BENCH_LINUX
    return (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
#else
    struct atlas_vmstat stats;
    bench_vmstat(&stats);
    return stats.total_frames * stats.page_size;
#endif
}

/* A load from every page of the hot set, each checked against the pattern. */
static void read_hot_set(const volatile uint64_t* hot, size_t bytes)
{
    for (size_t offset = 0; offset < bytes; offset += kBenchPageSize)
        if (hot[offset / 8] != bench_pattern(offset))
            bench_fail("hotset_bench: word %lu of the hot file reads wrong", (unsigned long)offset);
}

int main(int argc, char** argv)
{
    const char* usage = "hotset_bench [HOT_MIB [TIMES_RAM]]";
    size_t hot_bytes = (size_t)bench_argument(argc, argv, 1, 4, usage) << 20;
    uint64_t stream_bytes = ram_bytes() * (uint64_t)bench_argument(argc, argv, 2, 3, usage);

    bench_make_file(kHotFile, hot_bytes);
    unlink(kStreamFile);
    int stream_fd = open(kStreamFile, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (stream_fd < 0 || ftruncate(stream_fd, (off_t)stream_bytes) < 0)
        bench_fail("hotset_bench: cannot make the stream file: %s", strerror(errno));

    int hot_fd = open(kHotFile, O_RDONLY);
    if (hot_fd < 0)
        bench_fail("hotset_bench: open: %s", strerror(errno));
    const volatile uint64_t* hot = mmap(NULL, hot_bytes, PROT_READ, MAP_SHARED, hot_fd, 0);
    if (hot == MAP_FAILED)
        bench_fail("hotset_bench: mmap: %s", strerror(errno));
    read_hot_set(hot, hot_bytes);

    static char buffer[64 * 1024];
    struct bench_faults before;
    struct bench_faults after;
    bench_faults_now(&before);
    uint64_t streamed = 0;
    ssize_t got;
    while ((got = read(stream_fd, buffer, sizeof(buffer))) > 0) {
        streamed += (uint64_t)got;
        read_hot_set(hot, hot_bytes);
    }
    bench_faults_now(&after);
    if (got < 0 || streamed != stream_bytes)
        bench_fail("hotset_bench: read of the stream: %s", got < 0 ? strerror(errno) : "short");

    munmap((void*)hot, hot_bytes);
    close(hot_fd);
    close(stream_fd);
    unlink(kHotFile);
    unlink(kStreamFile);
    uint64_t major = after.major - before.major;
    printf("hot set of %lu pages: %lu major faults while %lu MiB streamed through %lu MiB of RAM\n",
           (unsigned long)(hot_bytes / kBenchPageSize), (unsigned long)major, (unsigned long)(streamed >> 20),
           (unsigned long)(ram_bytes() >> 20));
    bench_report("hotset_major_faults", major, "faults");
    bench_report("hotset_pages", hot_bytes / kBenchPageSize, "pages");
    bench_report("hotset_stream_mib", streamed >> 20, "MiB");
    return 0;
}
