/* fault_bench: instructions per page fault, for the four kinds of fault a program meets
 * most: a minor fault on a cached MAP_SHARED file page, the first touch of every page of a
 * cached file (where fault-around maps cached neighbours too), a zero-fill fault on
 * private anonymous memory, and a copy-on-write fault after fork.
 *
 *   fault_bench [MIB [ROUNDS]]      defaults: 16 MiB, 5 rounds
 *
 *   BENCH minor_fault_shared N instructions     one read fault on a cached file page
 *                                               mapped MAP_SHARED, in a one-page mapping
 *                                               (so that fault-around has nothing more to
 *                                               map): the touches of 256 such mappings
 *                                               (fewer if MIB is small) over their count
 *   BENCH faultaround_per_page N instructions   read the first byte of every page of a
 *                                               cached MIB-MiB file mapped MAP_SHARED, over
 *                                               the number of pages
 *   BENCH faultaround_faults N faults           the faults that run took (minor_faults
 *                                               growth): pages / 17 with full fault-around
 *   BENCH zero_fill_fault N instructions        first write to each page of a fresh MIB-MiB
 *                                               private anonymous mapping, per page
 *   BENCH cow_fault N instructions              write to each page of MIB MiB after fork,
 *                                               while the child still shares them, per page
 *
 * Each figure is the cheapest of ROUNDS rounds, so a round a timer interrupt lands in is
 * left out. Every touch checks what it read (the file's pattern, zeros, the pre-fork
 * contents in the child), and any mismatch fails the benchmark, as does a major fault in
 * the runs on the cached file (a descriptor of it stays open throughout, since a file's
 * page cache lives only as long as its inode is held). Exact only under QEMU's
 * -icount with one hart (tools/atlas-run --icount --cpus 1 -- fault_bench). On Linux
 * (BENCH_LINUX, bench.h) the fault counts are this process's, from getrusage(), and the
 * file is on the ext4 disk. */
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

static const char* const kFile = BENCH_DIR "/fault_bench.dat";
enum { kMinorFaultMappings = 256 };

static void check_byte(unsigned char got, uint64_t offset, const char* what)
{
    if (got != bench_pattern_byte(offset))
        bench_fail("fault_bench: %s: byte %lu of the file reads %u, not %u", what, (unsigned long)offset,
                   got, bench_pattern_byte(offset));
}

/* Minor fault: one-page MAP_SHARED mappings of the cached file, each touched once. */
static uint64_t minor_fault_shared(size_t file_pages, long rounds)
{
    size_t count = file_pages < kMinorFaultMappings ? file_pages : kMinorFaultMappings;
    volatile unsigned char* maps[kMinorFaultMappings];
    int fd = open(kFile, O_RDONLY);
    if (fd < 0)
        bench_fail("fault_bench: open: %s", strerror(errno));
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        for (size_t i = 0; i < count; i++) {
            void* map = mmap(NULL, kBenchPageSize, PROT_READ, MAP_SHARED, fd, (off_t)(i * kBenchPageSize));
            if (map == MAP_FAILED)
                bench_fail("fault_bench: mmap: %s", strerror(errno));
            maps[i] = map;
        }
        unsigned char got[kMinorFaultMappings];
        struct bench_faults before, after;
        bench_faults_now(&before);
        uint64_t start = bench_instret();
        for (size_t i = 0; i < count; i++)
            got[i] = maps[i][0];
        uint64_t spent = bench_instret() - start;
        bench_faults_now(&after);
        if (after.major != before.major)
            bench_fail("fault_bench: minor fault: %lu of the cached pages came from the disk",
                       (unsigned long)(after.major - before.major));
        for (size_t i = 0; i < count; i++) {
            check_byte(got[i], i * kBenchPageSize, "minor fault");
            munmap((void*)maps[i], kBenchPageSize);
        }
        if (spent < best)
            best = spent;
    }
    close(fd);
    return best / count;
}

/* Fault-around: first touch of every page of one mapping of the whole cached file. */
static uint64_t faultaround(size_t file_pages, long rounds, uint64_t* faults)
{
    size_t bytes = file_pages * kBenchPageSize;
    int fd = open(kFile, O_RDONLY);
    if (fd < 0)
        bench_fail("fault_bench: open: %s", strerror(errno));
    uint64_t best = UINT64_MAX;
    *faults = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        volatile unsigned char* map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            bench_fail("fault_bench: mmap: %s", strerror(errno));
        struct bench_faults before, after;
        bench_faults_now(&before);
        unsigned mismatches = 0;
        uint64_t start = bench_instret();
        for (size_t page = 0; page < file_pages; page++)
            mismatches += map[page * kBenchPageSize] != bench_pattern_byte(page * kBenchPageSize);
        uint64_t spent = bench_instret() - start;
        bench_faults_now(&after);
        if (mismatches)
            bench_fail("fault_bench: fault-around: %u pages read wrong", mismatches);
        if (after.major != before.major)
            bench_fail("fault_bench: fault-around: %lu of the cached pages came from the disk",
                       (unsigned long)(after.major - before.major));
        munmap((void*)map, bytes);
        if (spent < best)
            best = spent;
        if (after.minor - before.minor < *faults)
            *faults = after.minor - before.minor;
    }
    close(fd);
    return best / file_pages;
}

/* Zero fill: the first write to each page of a fresh private anonymous mapping. */
static uint64_t zero_fill(size_t pages, long rounds)
{
    size_t bytes = pages * kBenchPageSize;
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        volatile unsigned char* map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED)
            bench_fail("fault_bench: mmap: %s", strerror(errno));
        uint64_t start = bench_instret();
        for (size_t page = 0; page < pages; page++)
            map[page * kBenchPageSize] = 1;
        uint64_t spent = bench_instret() - start;
        for (size_t page = 0; page < pages; page++) {
            volatile uint64_t* words = (volatile uint64_t*)(map + page * kBenchPageSize);
            if (map[page * kBenchPageSize] != 1 || words[1] != 0 || words[kBenchPageSize / 8 - 1] != 0)
                bench_fail("fault_bench: zero fill: page %lu is not zero", (unsigned long)page);
        }
        munmap((void*)map, bytes);
        if (spent < best)
            best = spent;
    }
    return best / pages;
}

/* Copy-on-write: the parent writes every page while a child still shares them all. */
static uint64_t cow(size_t pages, long rounds)
{
    size_t bytes = pages * kBenchPageSize;
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        volatile uint64_t* map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED)
            bench_fail("fault_bench: mmap: %s", strerror(errno));
        const size_t words_per_page = kBenchPageSize / 8;
        for (size_t word = 0; word < bytes / 8; word += words_per_page / 2)
            map[word] = bench_pattern(word * 8);
        int go[2];
        if (pipe(go) < 0)
            bench_fail("fault_bench: pipe: %s", strerror(errno));
        int pid = fork();
        if (pid < 0)
            bench_fail("fault_bench: fork: %s", strerror(errno));
        if (pid == 0) {
            /* The child keeps every page shared until the parent has written them all, then
             * checks that it still sees the contents from before. */
            char byte;
            close(go[1]);
            if (read(go[0], &byte, 1) != 1)
                _exit(2);
            for (size_t word = 0; word < bytes / 8; word += words_per_page / 2)
                if (map[word] != bench_pattern(word * 8))
                    _exit(1);
            _exit(0);
        }
        close(go[0]);
        uint64_t start = bench_instret();
        for (size_t page = 0; page < pages; page++)
            map[page * words_per_page] = page;
        uint64_t spent = bench_instret() - start;
        for (size_t page = 0; page < pages; page++) {
            size_t word = page * words_per_page;
            if (map[word] != page || map[word + words_per_page / 2] != bench_pattern((word + words_per_page / 2) * 8))
                bench_fail("fault_bench: copy-on-write: page %lu was not copied right", (unsigned long)page);
        }
        if (write(go[1], "g", 1) != 1)
            bench_fail("fault_bench: pipe write: %s", strerror(errno));
        close(go[1]);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bench_fail("fault_bench: copy-on-write: the child saw the parent's writes");
        munmap((void*)map, bytes);
        if (spent < best)
            best = spent;
    }
    return best / pages;
}

int main(int argc, char** argv)
{
    const char* usage = "fault_bench [MIB [ROUNDS]]";
    long mib = bench_argument(argc, argv, 1, 16, usage);
    long rounds = bench_argument(argc, argv, 2, 5, usage);
    size_t pages = (size_t)mib << 8;
    bench_make_file(kFile, pages * kBenchPageSize);
    int holder = bench_cache_file(kFile); /* Open until the end: the pages stay cached. */

    uint64_t minor = minor_fault_shared(pages, rounds);
    uint64_t faults;
    uint64_t around = faultaround(pages, rounds, &faults);
    uint64_t zero = zero_fill(pages, rounds);
    uint64_t copy = cow(pages, rounds);
    close(holder);
    unlink(kFile);

    printf("minor fault, cached MAP_SHARED page: %lu instructions\n", (unsigned long)minor);
    printf("first touch of a cached %ld MiB file: %lu instructions per page (%lu faults for %lu pages)\n",
           mib, (unsigned long)around, (unsigned long)faults, (unsigned long)pages);
    printf("zero-fill fault: %lu instructions\n", (unsigned long)zero);
    printf("copy-on-write fault after fork: %lu instructions\n", (unsigned long)copy);
    bench_report("minor_fault_shared", minor, "instructions");
    bench_report("faultaround_per_page", around, "instructions");
    bench_report("faultaround_faults", faults, "faults");
    bench_report("zero_fill_fault", zero, "instructions");
    bench_report("cow_fault", copy, "instructions");
    return 0;
}
