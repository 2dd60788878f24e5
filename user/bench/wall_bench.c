/* wall_bench: wall time of the operations users feel, to compare Atlas with Linux on the
 * same QEMU without -icount (tools/bench runs it on both kernels, back to back, at one and
 * two harts, and judges Atlas's time over Linux's).
 *
 *   wall_bench ROW|all|loops [MS [ROUNDS [MIB [PROCS]]]]
 *                          defaults: all rows, 80 ms, 5 rounds, 16 MiB, 1 process
 *
 * A round repeats the row's unit of work until at least MS milliseconds of measured time
 * have passed; the figure is the fastest round's time per operation (on a loaded host, the
 * round that other processes disturbed least). Time is the time CSR
 * (rdtime), which QEMU's virt machine runs at 10 MHz on both kernels: a wall clock when
 * QEMU runs without -icount, and one tick per 100 instructions under -icount shift=0 (so
 * the tiny run of make check, which uses -icount, reports instructions as "ns"). Only the
 * loop is timed: boot, QEMU's start-up and each row's setup (making and caching the file,
 * filling memory before fork) are not. MIB (the region and file size below, 16) is smaller
 * only in the tiny run.
 *
 *   BENCH wall_zero_fill N ns/page     map 16 MiB private anonymous, write one byte of
 *                                      each page (reading back a zero word of it), unmap
 *   BENCH wall_cow N ns/page           after fork, with the child sharing all of a 16 MiB
 *                                      mapping, the parent writes every page of it
 *   BENCH wall_minor_shared N ns/page  map a cached 16 MiB file MAP_SHARED, read the first
 *                                      byte of every page, unmap (fault-around included)
 *   BENCH wall_read_cached N ns/KiB    read() the cached 16 MiB file whole, 64 KiB a call
 *   BENCH wall_write_cached N ns/KiB   write() the first MiB of the cached file again,
 *                                      64 KiB a call, with the bytes it already holds
 *   BENCH wall_fork N ns/fork          fork, the child exits at once, wait; 16 MiB touched
 *   BENCH wall_mmap_munmap N ns/pair   mmap and munmap of one anonymous page, untouched
 *   BENCH wall_file_loop N pages/ms    PROCS forked processes at once, each maps the
 *                                      cached 16 MiB file MAP_SHARED, reads one word of
 *                                      every page, unmaps, kLoopPasses times; pages of
 *                                      all of them per ms
 *   BENCH wall_anon_loop N pages/ms    PROCS forked processes at once, each maps 16 MiB
 *                                      private anonymous, writes every page, unmaps,
 *                                      kLoopPasses times
 *
 * The two loops (the rows "loops" selects) measure scaling with harts: tools/bench runs
 * them with PROCS = the machine's harts at 1, 2 and 4 harts. Their time runs from before
 * the first fork to the last child's exit, as the parent sees it, and their figure is a
 * throughput (the best round's), not a time per operation.
 *
 * Every row checks what it did and fails the run if it went wrong: zero pages read zero,
 * the pages read through the mapping and the data read() returns (one word a page) are the
 * file's pattern, the child after copy-on-write still sees the old contents, the rewritten
 * MiB reads back as the pattern, each fork's child exited 0 after seeing the touched memory,
 * every mmap and munmap succeeded, and every loop child exited 0 after reading back its
 * page-index stamp from every anonymous page it wrote and the pattern from every page of
 * the file. A descriptor of the file stays open throughout, so
 * its pages stay cached (on Atlas a file's page cache lives as long as its inode is held);
 * the read rows also fail if they read the disk (major faults and page-cache misses in
 * vmstat on Atlas, major faults and blocks read in getrusage() on Linux). On Atlas, each loop
 * row is followed by the lock waits of its time ("ROW: lock CLASS: N waits, T ms waited", from
 * vmstat's lock statistics), for the classes of lock that were waited for. On Atlas, write()
 * writes through to the disk today, so wall_write_cached includes the disk's work there. */
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

static const char* const kFile = BENCH_DIR "/wall_bench.dat";
enum {
    kMebibyte = 1 << 20,
    kBufferSize = 64 * 1024,
    kWriteBytes = kMebibyte,
    kMmapPairs = 100,
    kLoopPasses = 4,
};

/* The size of the anonymous region and of the file: MIB MiB. */
static size_t s_region_bytes;
static size_t s_region_pages;

static uint64_t s_buffer[kBufferSize / 8];

/* The time CSR in ns: 100 ns a tick at QEMU virt's 10 MHz. */
static inline uint64_t now_ns(void)
{
    uint64_t ticks;
    __asm__ volatile("rdtime %0" : "=r"(ticks));
    return ticks * 100;
}

/* One row: `work` does one unit of work, returns the ns it measured (timing only its part)
 * and adds the operations it did to *operations; `unit` is the figure's unit; a `loop` row
 * (selected by "loops") reports operations per ms, the others ns per operation. */
struct row {
    const char* name;
    const char* unit;
    uint64_t (*work)(uint64_t* operations);
    int loop;
};

static int s_file = -1;  /* The cached file, open throughout. */
static long s_procs = 1; /* The loops' processes. */

static void* map_anonymous(size_t bytes)
{
    void* map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        bench_fail("wall_bench: mmap: %s", strerror(errno));
    return map;
}

static uint64_t zero_fill(uint64_t* operations)
{
    uint64_t start = now_ns();
    volatile uint64_t* map = map_anonymous(s_region_bytes);
    uint64_t nonzero = 0;
    for (size_t page = 0; page < s_region_pages; page++) {
        map[page * (kBenchPageSize / 8)] = 1;
        nonzero |= map[page * (kBenchPageSize / 8) + 1];
    }
    if (munmap((void*)map, s_region_bytes) < 0)
        bench_fail("wall_bench: munmap: %s", strerror(errno));
    uint64_t spent = now_ns() - start;
    if (nonzero)
        bench_fail("wall_bench: zero fill: a new page is not zero");
    *operations += s_region_pages;
    return spent;
}

static uint64_t cow(uint64_t* operations)
{
    const size_t words_per_page = kBenchPageSize / 8;
    volatile uint64_t* map = map_anonymous(s_region_bytes);
    for (size_t page = 0; page < s_region_pages; page++)
        map[page * words_per_page + 1] = bench_pattern(page);
    int go[2];
    if (pipe(go) < 0)
        bench_fail("wall_bench: pipe: %s", strerror(errno));
    int pid = fork();
    if (pid < 0)
        bench_fail("wall_bench: fork: %s", strerror(errno));
    if (pid == 0) {
        char byte;
        close(go[1]);
        if (read(go[0], &byte, 1) != 1)
            _exit(2);
        for (size_t page = 0; page < s_region_pages; page++)
            if (map[page * words_per_page] != 0 || map[page * words_per_page + 1] != bench_pattern(page))
                _exit(1);
        _exit(0);
    }
    close(go[0]);
    uint64_t start = now_ns();
    for (size_t page = 0; page < s_region_pages; page++)
        map[page * words_per_page] = page + 1;
    uint64_t spent = now_ns() - start;
    for (size_t page = 0; page < s_region_pages; page++)
        if (map[page * words_per_page] != page + 1 || map[page * words_per_page + 1] != bench_pattern(page))
            bench_fail("wall_bench: copy-on-write: page %lu was not copied right", (unsigned long)page);
    if (write(go[1], "g", 1) != 1)
        bench_fail("wall_bench: pipe write: %s", strerror(errno));
    close(go[1]);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_fail("wall_bench: copy-on-write: the child saw the parent's writes");
    munmap((void*)map, s_region_bytes);
    *operations += s_region_pages;
    return spent;
}

static uint64_t minor_shared(uint64_t* operations)
{
    uint64_t start = now_ns();
    volatile unsigned char* map = mmap(NULL, s_region_bytes, PROT_READ, MAP_SHARED, s_file, 0);
    if (map == MAP_FAILED)
        bench_fail("wall_bench: mmap of the file: %s", strerror(errno));
    unsigned mismatches = 0;
    for (size_t page = 0; page < s_region_pages; page++)
        mismatches += map[page * kBenchPageSize] != bench_pattern_byte(page * kBenchPageSize);
    if (munmap((void*)map, s_region_bytes) < 0)
        bench_fail("wall_bench: munmap: %s", strerror(errno));
    uint64_t spent = now_ns() - start;
    if (mismatches)
        bench_fail("wall_bench: minor faults: %u pages of the file read wrong", mismatches);
    *operations += s_region_pages;
    return spent;
}

static uint64_t read_cached(uint64_t* operations)
{
    uint64_t start = now_ns();
    if (lseek(s_file, 0, SEEK_SET) != 0)
        bench_fail("wall_bench: lseek: %s", strerror(errno));
    unsigned mismatches = 0;
    size_t offset = 0;
    while (offset < s_region_bytes) {
        ssize_t got = read(s_file, s_buffer, sizeof(s_buffer));
        if (got != (ssize_t)sizeof(s_buffer))
            bench_fail("wall_bench: read: %s", got < 0 ? strerror(errno) : "short read");
        for (size_t word = 0; word < sizeof(s_buffer) / 8; word += kBenchPageSize / 8)
            mismatches += s_buffer[word] != bench_pattern(offset + word * 8);
        offset += (size_t)got;
    }
    uint64_t spent = now_ns() - start;
    if (mismatches)
        bench_fail("wall_bench: read: %u pages of the file read wrong", mismatches);
    *operations += s_region_bytes / 1024;
    return spent;
}

static uint64_t write_cached(uint64_t* operations)
{
    static uint64_t pattern[kWriteBytes / 8];
    if (pattern[0] == 0)
        for (size_t word = 0; word < kWriteBytes / 8; word++)
            pattern[word] = bench_pattern(word * 8);
    uint64_t start = now_ns();
    if (lseek(s_file, 0, SEEK_SET) != 0)
        bench_fail("wall_bench: lseek: %s", strerror(errno));
    for (size_t offset = 0; offset < kWriteBytes; offset += kBufferSize) {
        ssize_t put = write(s_file, (const char*)pattern + offset, kBufferSize);
        if (put != kBufferSize)
            bench_fail("wall_bench: write: %s", put < 0 ? strerror(errno) : "short write");
    }
    uint64_t spent = now_ns() - start;
    *operations += kWriteBytes / 1024;
    return spent;
}

/* The memory fork_once's children check: touched once, before the first round. */
static volatile uint64_t* s_touched;

static uint64_t fork_once(uint64_t* operations)
{
    const size_t words_per_page = kBenchPageSize / 8;
    if (s_touched == NULL) {
        s_touched = map_anonymous(s_region_bytes);
        for (size_t page = 0; page < s_region_pages; page++)
            s_touched[page * words_per_page] = bench_pattern(page);
    }
    uint64_t start = now_ns();
    int pid = fork();
    if (pid == 0)
        _exit(s_touched[(s_region_pages - 1) * words_per_page] == bench_pattern(s_region_pages - 1) ? 0 : 1);
    if (pid < 0)
        bench_fail("wall_bench: fork: %s", strerror(errno));
    int status;
    if (waitpid(pid, &status, 0) != pid)
        bench_fail("wall_bench: waitpid: %s", strerror(errno));
    uint64_t spent = now_ns() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_fail("wall_bench: fork: the child did not see the parent's memory");
    *operations += 1;
    return spent;
}

static uint64_t mmap_munmap(uint64_t* operations)
{
    long failures = 0;
    uint64_t start = now_ns();
    for (int pair = 0; pair < kMmapPairs; pair++) {
        void* page = mmap(NULL, kBenchPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        failures += page == MAP_FAILED || munmap(page, kBenchPageSize) != 0;
    }
    uint64_t spent = now_ns() - start;
    if (failures)
        bench_fail("wall_bench: %ld of %d mmap/munmap pairs failed", failures, kMmapPairs);
    *operations += kMmapPairs;
    return spent;
}

/* One child of the anonymous loop: kLoopPasses times map, stamp and check every page,
 * unmap. Returns the exit status: 0, or 1 if a page read back wrong. */
static int anon_loop_child(void)
{
    const size_t words_per_page = kBenchPageSize / 8;
    int bad = 0;
    for (int pass = 0; pass < kLoopPasses; pass++) {
        volatile uint64_t* map = mmap(NULL, s_region_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                      -1, 0);
        if (map == MAP_FAILED)
            return 1;
        for (size_t page = 0; page < s_region_pages; page++)
            map[page * words_per_page] = page + 1;
        for (size_t page = 0; page < s_region_pages; page++)
            bad |= map[page * words_per_page] != page + 1 || map[page * words_per_page + 1] != 0;
        if (munmap((void*)map, s_region_bytes) < 0)
            return 1;
    }
    return bad;
}

/* One child of the file loop: kLoopPasses times map the cached file shared, check one word
 * of every page against the pattern, unmap. */
static int file_loop_child(void)
{
    const size_t words_per_page = kBenchPageSize / 8;
    int bad = 0;
    for (int pass = 0; pass < kLoopPasses; pass++) {
        volatile uint64_t* map = mmap(NULL, s_region_bytes, PROT_READ, MAP_SHARED, s_file, 0);
        if (map == MAP_FAILED)
            return 1;
        for (size_t page = 0; page < s_region_pages; page++)
            bad |= map[page * words_per_page] != bench_pattern(page * kBenchPageSize);
        if (munmap((void*)map, s_region_bytes) < 0)
            return 1;
    }
    return bad;
}

/* s_procs children at once, each running `child`; the time from before the first fork to
 * the last child's exit. */
static uint64_t loop_of_processes(int (*child)(void), const char* name, uint64_t* operations)
{
    uint64_t start = now_ns();
    for (long i = 0; i < s_procs; i++) {
        int pid = fork();
        if (pid < 0)
            bench_fail("wall_bench: %s: fork: %s", name, strerror(errno));
        if (pid == 0)
            _exit(child());
    }
    long failed = 0;
    for (long i = 0; i < s_procs; i++) {
        int status;
        if (wait(&status) < 0)
            bench_fail("wall_bench: %s: wait: %s", name, strerror(errno));
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    uint64_t spent = now_ns() - start;
    if (failed)
        bench_fail("wall_bench: %s: %ld of %ld processes read their pages wrong", name, failed, s_procs);
    *operations += (uint64_t)s_procs * kLoopPasses * s_region_pages;
    return spent;
}

static uint64_t anon_loop(uint64_t* operations)
{
    return loop_of_processes(anon_loop_child, "anon loop", operations);
}

static uint64_t file_loop(uint64_t* operations)
{
    static int mapped_once;
    if (!mapped_once) {
        /* Untimed: the file's first mapping, as minor_shared's is when "all" runs (Linux
         * counted the 4-hart loop's first faults on it as reading the disk without this). */
        uint64_t ignored = 0;
        minor_shared(&ignored);
        mapped_once = 1;
    }
    return loop_of_processes(file_loop_child, "file loop", operations);
}

static const struct row kRows[] = {
    { "zero_fill", "ns/page", zero_fill, 0 },
    { "cow", "ns/page", cow, 0 },
    { "minor_shared", "ns/page", minor_shared, 0 },
    { "read_cached", "ns/KiB", read_cached, 0 },
    { "write_cached", "ns/KiB", write_cached, 0 },
    /* The file loop first, so that the anonymous loop's P x 16 MiB cannot push the file
     * out of the page cache before it: the file loop must not read the disk. */
    { "file_loop", "pages/ms", file_loop, 1 },
    { "anon_loop", "pages/ms", anon_loop, 1 },
    { "fork", "ns/fork", fork_once, 0 },
    { "mmap_munmap", "ns/pair", mmap_munmap, 0 },
};
enum { kRowCount = sizeof(kRows) / sizeof(kRows[0]) };

/* The fastest of `rounds` rounds of at least `ms` ms each: in ns per operation, or for a
 * loop row in operations per ms. */
static uint64_t measure(const struct row* row, long ms, long rounds)
{
    uint64_t best = UINT64_MAX;
    uint64_t best_rate = 0;
    for (long round = 0; round < rounds; round++) {
        uint64_t spent = 0;
        uint64_t operations = 0;
        while (spent < (uint64_t)ms * 1000000)
            spent += row->work(&operations);
        if (spent / operations < best)
            best = spent / operations;
        if (operations * 1000000 / spent > best_rate)
            best_rate = operations * 1000000 / spent;
    }
    return row->loop ? best_rate : best;
}

/* Whether `which` (a row's name, "all" or "loops") selects `row`. */
static int selects(const char* which, const struct row* row)
{
    return strcmp(which, "all") == 0 || (strcmp(which, "loops") == 0 && row->loop) ||
           strcmp(which, row->name) == 0;
}

/* What the rows that read the cached file must not grow: pages brought in from the disk,
 * counted as major faults plus page-cache misses on Atlas (vmstat) and as major faults
 * plus blocks read by this process and its waited-for children on Linux (getrusage). */
static uint64_t disk_reads_so_far(void)
{
#ifdef BENCH_LINUX
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) < 0)
        bench_fail("wall_bench: getrusage: %s", strerror(errno));
    struct rusage children; /* The loops' children, waited for. */
    if (getrusage(RUSAGE_CHILDREN, &children) < 0)
        bench_fail("wall_bench: getrusage: %s", strerror(errno));
    return (uint64_t)usage.ru_majflt + (uint64_t)usage.ru_inblock + (uint64_t)children.ru_majflt +
           (uint64_t)children.ru_inblock;
#else
    struct atlas_vmstat stats;
    bench_vmstat(&stats);
    return stats.major_faults + stats.page_cache_misses;
#endif
}

#ifndef BENCH_LINUX
/* On Atlas, after a loop row: the lock statistics of the row's time (vmstat's lock rows,
 * the difference over the row), one line per class of lock that was waited for: how many
 * acquisitions waited, and how long in all (ms of wall time, over every hart). */
static void print_lock_waits(const char* row, const struct atlas_vmstat* before)
{
    static const char* const names[ATLAS_LOCK_CLASSES] = {
        "address_space", "file_writers", "vm_object", "file_pages", "inode", "page_queue", "page_table",
        "physical_memory", "kernel_heap", "sleeping_lock_state", "wait_queue", "scheduler", "other",
    };
    struct atlas_vmstat after;
    bench_vmstat(&after);
    for (int i = 0; i < ATLAS_LOCK_CLASSES; i++) {
        uint64_t waits = after.locks[i].contended - before->locks[i].contended;
        uint64_t ticks = after.locks[i].wait_ticks - before->locks[i].wait_ticks;
        if (waits)
            printf("%s: lock %s: %lu waits, %lu.%02lu ms waited\n", row, names[i], (unsigned long)waits,
                   (unsigned long)(ticks / 10000), (unsigned long)(ticks / 100 % 100));
    }
}
#endif

int main(int argc, char** argv)
{
    const char* usage = "wall_bench ROW|all|loops [MS [ROUNDS [MIB [PROCS]]]] (rows: zero_fill cow minor_shared "
                        "read_cached write_cached anon_loop file_loop fork mmap_munmap)";
    const char* which = argc > 1 ? argv[1] : "all";
    long ms = bench_argument(argc, argv, 2, 80, usage);
    long rounds = bench_argument(argc, argv, 3, 5, usage);
    s_region_bytes = (size_t)bench_argument(argc, argv, 4, 16, usage) * kMebibyte;
    s_region_pages = s_region_bytes / kBenchPageSize;
    s_procs = bench_argument(argc, argv, 5, 1, usage);
    int found = 0;
    for (int i = 0; i < kRowCount; i++)
        found |= selects(which, &kRows[i]);
    if (!found) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    bench_make_file(kFile, s_region_bytes);
    int holder = bench_cache_file(kFile); /* Open until the end: the pages stay cached. */
    s_file = open(kFile, O_RDWR);
    if (s_file < 0)
        bench_fail("wall_bench: open: %s", strerror(errno));
    for (int i = 0; i < kRowCount; i++) {
        const struct row* row = &kRows[i];
        if (!selects(which, row))
            continue;
        uint64_t disk_reads = disk_reads_so_far();
#ifndef BENCH_LINUX
        struct atlas_vmstat locks_before;
        bench_vmstat(&locks_before);
#endif
        uint64_t figure = measure(row, ms, rounds);
#ifndef BENCH_LINUX
        if (row->loop)
            print_lock_waits(row->name, &locks_before);
#endif
        uint64_t read_since = disk_reads_so_far() - disk_reads;
        if ((row->work == minor_shared || row->work == read_cached || row->work == file_loop) && read_since)
            bench_fail("wall_bench: %s: the cached file was read from the disk (%lu major faults and blocks)",
                       row->name, (unsigned long)read_since);
        char name[64];
        snprintf(name, sizeof(name), "wall_%s", row->name);
        printf("%s: %lu %s\n", row->name, (unsigned long)figure, row->unit);
        bench_report(name, figure, row->unit);
    }
    /* The rewritten MiB must read back as the pattern it was written with. */
    if (lseek(s_file, 0, SEEK_SET) != 0)
        bench_fail("wall_bench: lseek: %s", strerror(errno));
    for (size_t offset = 0; offset < kWriteBytes; offset += kBufferSize) {
        if (read(s_file, s_buffer, kBufferSize) != kBufferSize)
            bench_fail("wall_bench: read back: %s", strerror(errno));
        for (size_t word = 0; word < kBufferSize / 8; word++)
            if (s_buffer[word] != bench_pattern(offset + word * 8))
                bench_fail("wall_bench: write: byte %lu reads back wrong", (unsigned long)(offset + word * 8));
    }
    close(s_file);
    close(holder);
    unlink(kFile);
    return 0;
}
