/* seqread_bench: instructions per KiB to read a whole file sequentially, through mmap and
 * through read() with a 64 KiB buffer, with the file in the page cache and not; and, for
 * the uncached runs, how the disk was asked for it (requests, their average size, pages
 * read ahead).
 *
 *   seqread_bench [MIB [ROUNDS]]      defaults: 64 MiB, 3 rounds
 *
 * Both ways do the same user work: open the file, add up every 64-bit word of it (checked
 * against the sum of the pattern the file was written with, so a wrong byte fails the
 * benchmark), and close it (the mmap way maps all of it MAP_SHARED read-only and unmaps it
 * before closing). A descriptor of the file stays open throughout, so that its page cache
 * outlives each reader's own. A cached round first reads the file whole through read();
 * an uncached round first drops its cached pages with posix_fadvise(POSIX_FADV_DONTNEED)
 * while nothing maps it, and subtracts the instructions the idle loop retired while the
 * disk worked (vmstat's idle_instret). A cached round that brought any page in (page cache
 * misses or major faults) fails the benchmark. Each figure is the cheapest of ROUNDS
 * rounds.
 *
 *   BENCH seqread_{mmap,read}_{cached,uncached} N instructions/KiB
 *   BENCH seqread_write_cached N instructions/KiB   write() the first MiB of the cached
 *                                                   file again (64 KiB a call, the bytes
 *                                                   it holds), through a descriptor open
 *                                                   for writing; the data read back after
 *                                                   each round must be the pattern. Atlas
 *                                                   writes through to the disk today: the
 *                                                   idle loop's share is subtracted, the
 *                                                   disk requests' work is not
 *   BENCH seqread_{mmap,read}_uncached_requests N requests      disk read requests
 *   BENCH seqread_{mmap,read}_uncached_request_size N bytes     their average size
 *   BENCH seqread_{mmap,read}_uncached_readahead N pages        pages read ahead
 *
 * Exact only under QEMU's -icount with one hart (tools/atlas-run --icount --cpus 1 --mem
 * 384M -- seqread_bench): the file is cached whole, and there is no reclaim yet.
 *
 * On Linux (BENCH_LINUX, bench.h) only the cached figures (and the write) are measured
 * and printed: an
 * uncached round counts the instructions the idle loop retires while the disk works,
 * which only Atlas's vmstat (idle_instret) can subtract, and the disk counters (requests,
 * their size, readahead) are vmstat's too. A cached round there checks that it did no
 * I/O through getrusage(): no major fault and no block read (ru_inblock). */
#include <sys/mman.h>

#include "bench.h"

static const char* const kFile = BENCH_DIR "/seqread_bench.dat";
enum { kBufferSize = 64 * 1024, kWriteBytes = 1 << 20 };

static uint64_t s_buffer[kBufferSize / 8];

static uint64_t sum_words(const volatile uint64_t* words, size_t count)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++)
        sum += words[i];
    return sum;
}

static uint64_t read_with_read(size_t bytes)
{
    int fd = open(kFile, O_RDONLY);
    if (fd < 0)
        bench_fail("seqread_bench: open: %s", strerror(errno));
    uint64_t sum = 0;
    size_t total = 0;
    ssize_t got;
    while ((got = read(fd, s_buffer, sizeof(s_buffer))) > 0) {
        sum += sum_words(s_buffer, (size_t)got / 8);
        total += (size_t)got;
    }
    if (got < 0 || total != bytes)
        bench_fail("seqread_bench: read: %s", got < 0 ? strerror(errno) : "the file is short");
    close(fd);
    return sum;
}

static uint64_t read_with_mmap(size_t bytes)
{
    int fd = open(kFile, O_RDONLY);
    if (fd < 0)
        bench_fail("seqread_bench: open: %s", strerror(errno));
    const volatile uint64_t* map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        bench_fail("seqread_bench: mmap: %s", strerror(errno));
    uint64_t sum = sum_words(map, bytes / 8);
    munmap((void*)map, bytes);
    close(fd);
    return sum;
}

static uint64_t s_pattern[kWriteBytes / 8];

/* Writes the first kWriteBytes of the file again with the bytes it holds (s_pattern). */
static void rewrite(int fd)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        bench_fail("seqread_bench: lseek: %s", strerror(errno));
    for (size_t offset = 0; offset < kWriteBytes; offset += kBufferSize) {
        ssize_t put = write(fd, (const char*)s_pattern + offset, kBufferSize);
        if (put != kBufferSize)
            bench_fail("seqread_bench: write: %s", put < 0 ? strerror(errno) : "short write");
    }
}

/* The first kWriteBytes of the file must read back as the pattern. */
static void check_rewritten(int fd)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        bench_fail("seqread_bench: lseek: %s", strerror(errno));
    for (size_t offset = 0; offset < kWriteBytes; offset += kBufferSize) {
        if (read(fd, s_buffer, kBufferSize) != kBufferSize)
            bench_fail("seqread_bench: read back: %s", strerror(errno));
        for (size_t word = 0; word < kBufferSize / 8; word++)
            if (s_buffer[word] != bench_pattern(offset + word * 8))
                bench_fail("seqread_bench: write: byte %lu reads back wrong", (unsigned long)(offset + word * 8));
    }
}

/* Instructions per KiB of rewrite() on the cached file, the cheapest of `rounds`. */
static uint64_t measure_write(long rounds)
{
    for (size_t word = 0; word < kWriteBytes / 8; word++)
        s_pattern[word] = bench_pattern(word * 8);
    int fd = open(kFile, O_RDWR);
    if (fd < 0)
        bench_fail("seqread_bench: open for writing: %s", strerror(errno));
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        rewrite(fd); /* The first round brings the pages in, where they are not yet. */
#ifdef BENCH_LINUX
        uint64_t start = bench_instret();
        rewrite(fd);
        uint64_t spent = bench_instret() - start;
#else
        struct bench_mark mark;
        struct atlas_vmstat after;
        bench_mark_now(&mark);
        rewrite(fd);
        uint64_t spent = bench_busy_since(&mark, &after);
#endif
        check_rewritten(fd);
        if (spent / (kWriteBytes / 1024) < best)
            best = spent / (kWriteBytes / 1024);
    }
    close(fd);
    return best;
}

struct result {
    uint64_t per_kib;
    uint64_t requests;
    uint64_t request_bytes;
    uint64_t readahead_pages;
};

/* `holder` is a descriptor of the file that stays open throughout, so that the file's page
 * cache outlives the readers' own descriptors (a file's cache lives as long as its inode
 * is held). */
#ifdef BENCH_LINUX
/* Major faults plus blocks read by this process: what a cached round must not grow. */
static uint64_t io_so_far(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) < 0)
        bench_fail("seqread_bench: getrusage: %s", strerror(errno));
    return (uint64_t)usage.ru_majflt + (uint64_t)usage.ru_inblock;
}

static struct result measure_cached(uint64_t (*reader)(size_t), size_t bytes, long rounds, uint64_t expected)
{
    struct result best = { UINT64_MAX, 0, 0, 0 };
    for (long round = 0; round < rounds; round++) {
        close(bench_cache_file(kFile));
        uint64_t io = io_so_far();
        uint64_t start = bench_instret();
        uint64_t sum = reader(bytes);
        uint64_t spent = bench_instret() - start;
        if (sum != expected)
            bench_fail("seqread_bench: the data read is wrong (sum %lx, expected %lx)", (unsigned long)sum,
                       (unsigned long)expected);
        if (io_so_far() != io)
            bench_fail("seqread_bench: a cached run read from the disk");
        if (spent / (bytes / 1024) < best.per_kib)
            best.per_kib = spent / (bytes / 1024);
    }
    return best;
}
#else
static struct result measure(uint64_t (*reader)(size_t), size_t bytes, int holder, int cached, long rounds,
                             uint64_t expected)
{
    struct result best = { UINT64_MAX, 0, 0, 0 };
    for (long round = 0; round < rounds; round++) {
        if (cached)
            close(bench_cache_file(kFile));
        else
            bench_drop_cache(holder);
        struct bench_mark mark;
        struct atlas_vmstat after;
        bench_mark_now(&mark);
        uint64_t sum = reader(bytes);
        uint64_t spent = bench_busy_since(&mark, &after);
        if (sum != expected)
            bench_fail("seqread_bench: the data read is wrong (sum %lx, expected %lx)", (unsigned long)sum,
                       (unsigned long)expected);
        if (cached && (after.page_cache_misses != mark.stats.page_cache_misses ||
                       after.major_faults != mark.stats.major_faults))
            bench_fail("seqread_bench: a cached run read from the disk (%lu misses, %lu major faults)",
                       (unsigned long)(after.page_cache_misses - mark.stats.page_cache_misses),
                       (unsigned long)(after.major_faults - mark.stats.major_faults));
        uint64_t per_kib = spent / (bytes / 1024);
        if (per_kib < best.per_kib) {
            best.per_kib = per_kib;
            best.requests = after.disk_read_requests - mark.stats.disk_read_requests;
            best.request_bytes = after.disk_read_bytes - mark.stats.disk_read_bytes;
            best.readahead_pages = after.readahead_pages - mark.stats.readahead_pages;
        }
    }
    return best;
}
#endif

static void report(const char* way, const char* state, struct result result, int uncached)
{
    char name[64];
    snprintf(name, sizeof(name), "seqread_%s_%s", way, state);
    bench_report(name, result.per_kib, "instructions/KiB");
    if (!uncached)
        return;
    uint64_t average = result.requests ? result.request_bytes / result.requests : 0;
    printf("%s, %s: %lu disk requests, %lu bytes each on average, %lu pages read ahead\n", way, state,
           (unsigned long)result.requests, (unsigned long)average, (unsigned long)result.readahead_pages);
    snprintf(name, sizeof(name), "seqread_%s_%s_requests", way, state);
    bench_report(name, result.requests, "requests");
    snprintf(name, sizeof(name), "seqread_%s_%s_request_size", way, state);
    bench_report(name, average, "bytes");
    snprintf(name, sizeof(name), "seqread_%s_%s_readahead", way, state);
    bench_report(name, result.readahead_pages, "pages");
}

int main(int argc, char** argv)
{
    const char* usage = "seqread_bench [MIB [ROUNDS]]";
    long mib = bench_argument(argc, argv, 1, 64, usage);
    long rounds = bench_argument(argc, argv, 2, 3, usage);
    size_t bytes = (size_t)mib << 20;
    bench_make_file(kFile, bytes);
    uint64_t expected = 0;
    for (size_t offset = 0; offset < bytes; offset += 8)
        expected += bench_pattern(offset);

    int holder = open(kFile, O_RDONLY);
    if (holder < 0)
        bench_fail("seqread_bench: open: %s", strerror(errno));
#ifdef BENCH_LINUX
    struct result read_cached = measure_cached(read_with_read, bytes, rounds, expected);
    struct result mmap_cached = measure_cached(read_with_mmap, bytes, rounds, expected);
    uint64_t write_cached = measure_write(rounds);
    close(holder);
    unlink(kFile);
    printf("sequential read of %ld MiB, instructions per KiB: read() %lu / mmap %lu cached\n", mib,
           (unsigned long)read_cached.per_kib, (unsigned long)mmap_cached.per_kib);
    report("mmap", "cached", mmap_cached, 0);
    report("read", "cached", read_cached, 0);
    bench_report("seqread_write_cached", write_cached, "instructions/KiB");
    return 0;
#else
    struct result read_cached = measure(read_with_read, bytes, holder, 1, rounds, expected);
    struct result mmap_cached = measure(read_with_mmap, bytes, holder, 1, rounds, expected);
    uint64_t write_cached = measure_write(rounds);
    struct result read_uncached = measure(read_with_read, bytes, holder, 0, rounds, expected);
    struct result mmap_uncached = measure(read_with_mmap, bytes, holder, 0, rounds, expected);
    close(holder);
    unlink(kFile);

    printf("sequential read of %ld MiB, instructions per KiB: read() %lu / mmap %lu cached, "
           "read() %lu / mmap %lu uncached\n",
           mib, (unsigned long)read_cached.per_kib, (unsigned long)mmap_cached.per_kib,
           (unsigned long)read_uncached.per_kib, (unsigned long)mmap_uncached.per_kib);
    report("mmap", "cached", mmap_cached, 0);
    report("read", "cached", read_cached, 0);
    bench_report("seqread_write_cached", write_cached, "instructions/KiB");
    report("mmap", "uncached", mmap_uncached, 1);
    report("read", "uncached", read_uncached, 1);
    return 0;
#endif
}
