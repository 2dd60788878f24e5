/* mmap_scale_test: the VM system at scale and at its limits: a fork chain of a thousand
 * generations that must not grow memory, 100,000 mappings in one process (listed, touched
 * and all unmapped), and running out of memory, which must kill the faulting process and
 * nothing else. The races between two processes are mmap_stress_test's.
 * Each test runs in a child (the harness's TEST_IN_CHILD); a test passes if its child exits
 * 0. Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   mmap_scale_test               run every test
 *   mmap_scale_test NAME...       run the tests whose names contain one of the NAMEs
 *   mmap_scale_test --exec-probe  (the out-of-memory test execs this) touch fresh memory and
 *                                 exit kProbeExitCode if it reads back
 *
 * The orphans the tests leave (the fork chain leaves a thousand) go to init, which reaps
 * them, under atlas-run as at the shell. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "file_helpers.h"
#include "harness.h"

#define ANON_PRIVATE (MAP_ANONYMOUS | MAP_PRIVATE)


/* The VM counters into `stats`: 0, or -1 if the vmstat system call failed (unlike
 * file_helpers' counters(), which cannot tell). */
static int read_vmstat(struct atlas_vmstat* stats)
{
    memset(stats, 0, sizeof(*stats));
    return (int)syscall(SYS_vmstat, stats);
}

static long free_frames(void)
{
    struct atlas_vmstat stats;
    return read_vmstat(&stats) == 0 ? (long)stats.free_frames : -1;
}

static long procmaps(long pid, struct atlas_map_entry* buffer, long count)
{
    return syscall(SYS_procmaps, pid, buffer, count);
}


/* --- 4: a fork chain of a thousand generations --- */

enum {
    kGenerations = 1000,
    kChainPages = 16,
    kFrameSlack = 64,                  /* Frames the chain's tail may differ by. */
    kHeapSlack = 128 * 1024,           /* Kernel-heap bytes likewise. */
    kForkRetries = 200,
};

/* Generation g (1..kGenerations) owns word slot(g) of the chain's anonymous region and of its
 * MAP_PRIVATE file mapping: spread over the pages, so that each generation copies one. */
static size_t chain_slot(int generation)
{
    return (size_t)(generation % kChainPages) * (PG / 4) + (size_t)(generation / kChainPages);
}

static uint32_t anon_marker(int generation)
{
    return 0x5a000000u | (uint32_t)generation;
}

static uint32_t file_marker(int generation)
{
    return 0xa5000000u | (uint32_t)generation;
}

/* The file's original word at a slot (four PATTERN bytes). */
static uint32_t file_word(size_t slot)
{
    uint32_t word = 0;
    for (int i = 3; i >= 0; i--)
        word = (word << 8) | (unsigned char)PATTERN(slot * 4 + (size_t)i);
    return word;
}

/* What generation 10 saw, recorded in private memory for its descendants to inherit. */
static struct atlas_vmstat chain_stats_at_10;

/* The life of the chain after the first fork: runs as generation 1, then as every later
 * generation in turn (each continues as its own child), and never returns. */
/* vmstat once the processes that earlier generations left for init to reap are gone (at
 * most `baseline` plus two, or after about five seconds): on a loaded host init may lag
 * hundreds of zombies behind the chain, and their memory is not the chain's leak. */
static int settled_vmstat(struct atlas_vmstat* now, uint64_t baseline)
{
    for (int wait = 0; wait < 500; wait++) {
        if (read_vmstat(now) != 0)
            return -1;
        if (now->processes <= baseline + 2)
            return 0;
        usleep(10000);
    }
    return 0;
}

__attribute__((noreturn)) static void run_chain(int report, uint32_t* anon, uint32_t* file)
{
    for (int generation = 1;; generation++) {
        /* Every earlier generation's stores, and nothing of the later ones. */
        for (int g = 1; g <= kGenerations; g++) {
            size_t slot = chain_slot(g);
            uint32_t want_anon = g < generation ? anon_marker(g) : 0;
            uint32_t want_file = g < generation ? file_marker(g) : file_word(slot);
            if (anon[slot] != want_anon || file[slot] != want_file) {
                dprintf(report, "FAIL generation %d: slot of generation %d holds %x/%x\n",
                        generation, g, anon[slot], file[slot]);
                _exit(1);
            }
        }
        anon[chain_slot(generation)] = anon_marker(generation);
        file[chain_slot(generation)] = file_marker(generation);
        if (generation == 10 && read_vmstat(&chain_stats_at_10) != 0) {
            dprintf(report, "FAIL generation 10: vmstat\n");
            _exit(1);
        }
        if (generation == kGenerations) {
            struct atlas_vmstat now;
            if (settled_vmstat(&now, chain_stats_at_10.processes) != 0) {
                dprintf(report, "FAIL generation %d: vmstat\n", generation);
                _exit(1);
            }
            dprintf(report, "DONE %ld %ld %ld %ld %ld %ld\n",
                    (long)chain_stats_at_10.free_frames, (long)now.free_frames,
                    (long)chain_stats_at_10.kernel_heap_bytes, (long)now.kernel_heap_bytes,
                    (long)chain_stats_at_10.processes, (long)now.processes);
            _exit(0);
        }
        int pid = -1;
        /* The parents of earlier generations may not be reaped yet: EAGAIN is worth a wait. */
        for (int attempt = 0; attempt < kForkRetries; attempt++) {
            pid = fork();
            if (pid >= 0 || errno != EAGAIN)
                break;
            usleep(10000);
        }
        if (pid < 0) {
            int error = errno;
            struct atlas_vmstat now;
            read_vmstat(&now);
            dprintf(report, "FAIL generation %d: fork: errno %d with %ld processes (limit %ld)\n",
                    generation, error, (long)now.processes, (long)now.process_limit);
            _exit(1);
        }
        if (pid > 0)
            _exit(0); /* Without waiting: the child carries on alone. */
    }
}

static int fork_chain_of_a_thousand_generations_keeps_memory_bounded(void)
{
    const char* name = "msc_chain";
    int fd = make_file(name, kChainPages * PG);
    CHECK(fd >= 0);
    uint32_t* anon = (uint32_t*)map_anon(kChainPages * PG, RW, ANON_PRIVATE);
    uint32_t* file = (uint32_t*)map_fd(kChainPages * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(anon != NULL && file != NULL);
    close(fd);
    int fds[2];
    CHECK(pipe(fds) == 0);
    int first = fork();
    CHECK(first >= 0);
    if (first == 0) {
        close(fds[0]);
        run_chain(fds[1], anon, file);
    }
    close(fds[1]);
    /* Every generation holds the write end until it exits: end of file means all are gone. */
    static char report[1024];
    size_t got = 0;
    long n;
    while ((n = read(fds[0], report + got, sizeof(report) - 1 - got)) > 0)
        got += (size_t)n;
    report[got] = '\0';
    close(fds[0]);
    int status = 0;
    CHECK(waitpid(first, &status, 0) == first && EXITED_OK(status));
    if (strstr(report, "FAIL") || strncmp(report, "DONE ", 5) != 0) {
        snprintf(failure, sizeof(failure), "chain: %s", got ? report : "ended without a report");
        return 1;
    }
    char* cursor = report + 5;
    long numbers[6];
    for (int i = 0; i < 6; i++)
        numbers[i] = strtol(cursor, &cursor, 10);
    long free_10 = numbers[0], free_last = numbers[1];
    long heap_10 = numbers[2], heap_last = numbers[3];
    if (free_last + kFrameSlack < free_10 || heap_last > heap_10 + kHeapSlack) {
        snprintf(failure, sizeof(failure),
                 "memory grew along the chain: free frames %ld at generation 10, %ld at %d; "
                 "kernel heap %ld, then %ld; processes %ld, then %ld",
                 free_10, free_last, kGenerations, heap_10, heap_last, numbers[4], numbers[5]);
        return 1;
    }
    /* The private stores never reached the file, and the parent's own copy is untouched. */
    static unsigned char contents[kChainPages * PG], original[kChainPages * PG];
    for (size_t i = 0; i < sizeof(original); i++)
        original[i] = (unsigned char)PATTERN(i);
    CHECK(read_file(name, contents, sizeof(contents)) == 0);
    if (differs("the file after the chain", contents, original, sizeof(original)))
        return 1;
    if (differs("the test's own MAP_PRIVATE copy", (const unsigned char*)file, original,
                sizeof(original)))
        return 1;
    for (size_t i = 0; i < kChainPages * PG / 4; i++)
        CHECK(anon[i] == 0);
    unlink(name);
    return 0;
}

/* --- 5: 100,000 mappings in one process --- */

enum { kManyMappings = 100000, kSampleStride = 997 };

static int compare_addresses(const void* left, const void* right)
{
    uintptr_t a = (uintptr_t)*(char* const*)left, b = (uintptr_t)*(char* const*)right;
    return a < b ? -1 : a > b;
}

static int hundred_thousand_mappings_are_listed_touched_and_all_unmapped(void)
{
    static char* pages[kManyMappings];
    static char* sorted[kManyMappings];
    /* Room for the whole listing, mapped before the count is taken. */
    size_t listing_size = ((kManyMappings + 256) * sizeof(struct atlas_map_entry) + PG - 1) & ~(PG - 1);
    struct atlas_map_entry* listing = (struct atlas_map_entry*)map_anon(listing_size, RW, ANON_PRIVATE);
    CHECK(listing != NULL);
    struct atlas_vmstat before_stats;
    CHECK(read_vmstat(&before_stats) == 0);
    long before = procmaps(getpid(), NULL, 0);
    CHECK(before > 0);

    /* Alternating protections keep neighbours from ever being one mapping. */
    for (int i = 0; i < kManyMappings; i++) {
        pages[i] = map_anon(PG, (i & 1) ? PROT_READ : RW, ANON_PRIVATE);
        CHECK(pages[i] != NULL);
    }
    CHECK(procmaps(getpid(), NULL, 0) == before + kManyMappings);

    /* Touch a sample: stores to the writable ones, loads (zero) from the read-only ones. */
    for (int i = 0; i < kManyMappings; i += kSampleStride) {
        if (i & 1)
            CHECK(pages[i][PG - 1] == 0);
        else
            *(volatile int*)(pages[i] + 8) = i;
    }
    for (int i = 0; i < kManyMappings; i += kSampleStride)
        CHECK(*(volatile int*)(pages[i] + 8) == ((i & 1) ? 0 : i));

    /* The listing names every one of them with its protection, in address order. */
    long listed = procmaps(getpid(), listing, kManyMappings + 256);
    CHECK(listed == before + kManyMappings);
    memcpy(sorted, pages, sizeof(pages));
    qsort(sorted, kManyMappings, sizeof(sorted[0]), compare_addresses);
    int found = 0;
    for (long e = 0; e < listed; e++) {
        if (e > 0)
            CHECK(listing[e - 1].end <= listing[e].start);
        if (found < kManyMappings && listing[e].start == (uintptr_t)sorted[found]) {
            CHECK(listing[e].end == listing[e].start + PG);
            CHECK(listing[e].kind == ATLAS_MAP_KIND_ANONYMOUS);
            found++;
        }
    }
    CHECK(found == kManyMappings);
    for (int i = 0; i < kManyMappings; i += kSampleStride) {
        long low = 0, high = listed;
        while (low < high) {
            long mid = (low + high) / 2;
            if (listing[mid].start < (uintptr_t)pages[i])
                low = mid + 1;
            else
                high = mid;
        }
        CHECK(low < listed && listing[low].start == (uintptr_t)pages[i]);
        CHECK(listing[low].prot == (uint32_t)((i & 1) ? PROT_READ : RW));
    }

    for (int i = 0; i < kManyMappings; i++)
        CHECK(munmap(pages[i], PG) == 0);
    CHECK(procmaps(getpid(), NULL, 0) == before);
    /* Every Vma went back to the kernel heap. */
    struct atlas_vmstat after_stats;
    CHECK(read_vmstat(&after_stats) == 0);
    if (after_stats.kernel_heap_bytes > before_stats.kernel_heap_bytes + 64 * 1024) {
        snprintf(failure, sizeof(failure), "kernel heap %lu bytes before, %lu after unmapping all",
                 (unsigned long)before_stats.kernel_heap_bytes,
                 (unsigned long)after_stats.kernel_heap_bytes);
        return 1;
    }
    return 0;
}

/* --- 6: out of memory --- */

enum { kBystanderPages = 16, kProbeExitCode = 42, kProbePages = 64 };

/* Run as "mmap_scale_test --exec-probe" after the out-of-memory test: touches fresh memory
 * and exits kProbeExitCode if it reads back. */
static int exec_probe(void)
{
    char* p = map_anon(kProbePages * PG, RW, ANON_PRIVATE);
    if (!p)
        return 1;
    for (size_t i = 0; i < kProbePages; i++)
        p[i * PG] = (char)i;
    for (size_t i = 0; i < kProbePages; i++)
        if (p[i * PG] != (char)i)
            return 1;
    return kProbeExitCode;
}

/* The out-of-memory test's bystander: private memory of its own, filled, then asleep in a
 * read of `go` while the hog runs; exits 0 only if its memory is intact afterwards. */
__attribute__((noreturn)) static void bystander_main(int go)
{
    char* own = map_anon(kBystanderPages * PG, RW, ANON_PRIVATE);
    if (!own)
        _exit(2);
    for (size_t i = 0; i < kBystanderPages * PG; i += 64)
        own[i] = (char)(i / 64);
    char c;
    if (read(go, &c, 1) != 1)
        _exit(3);
    for (size_t i = 0; i < kBystanderPages * PG; i += 64)
        if (own[i] != (char)(i / 64))
            _exit(4);
    _exit(0);
}

/* The out-of-memory test's hog: maps and touches `pages` pages, twice the machine's
 * memory, so it must be killed before it gets to exit. */
__attribute__((noreturn)) static void hog_main(size_t pages)
{
    char* p = map_anon(pages * PG, RW, ANON_PRIVATE);
    if (!p)
        _exit(2);
    for (size_t i = 0; i < pages; i++)
        p[i * PG] = 1;
    _exit(0);
}

static int out_of_memory_kills_only_the_faulting_process(void)
{
    struct atlas_vmstat stats;
    CHECK(read_vmstat(&stats) == 0);
    long total = (long)stats.total_frames;
    CHECK(total > 0);

    /* A MAP_SHARED file written before the memory runs out. */
    const char* name = "msc_oom";
    int fd = make_file(name, 2 * PG);
    CHECK(fd >= 0);
    volatile char* shared = (volatile char*)map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(shared != NULL);
    close(fd);
    memcpy((char*)shared + 100, "kept through OOM", 16);
    memcpy((char*)shared + PG + 200, "second page too", 15);

    /* A bystander with private memory of its own, asleep in a pipe read meanwhile. */
    int go[2];
    CHECK(pipe(go) == 0);
    int bystander = fork();
    CHECK(bystander >= 0);
    if (bystander == 0) {
        close(go[1]);
        bystander_main(go[0]);
    }
    close(go[0]);

    long before = free_frames();
    CHECK(before > 0);
    int hog = fork();
    CHECK(hog >= 0);
    if (hog == 0)
        hog_main((size_t)total * 2);
    int status = 0;
    CHECK(waitpid(hog, &status, 0) == hog);
    if (!KILLED_BY(status, SIGKILL)) {
        snprintf(failure, sizeof(failure), "the hog was not killed with SIGKILL: status 0x%x",
                 status);
        return 1;
    }
    long after = free_frames();
    if (after + kFrameSlack < before) {
        snprintf(failure, sizeof(failure), "free frames %ld before the hog, %ld after", before,
                 after);
        return 1;
    }

    /* The bystander lived through it with its memory intact. */
    CHECK(write(go[1], "g", 1) == 1);
    close(go[1]);
    CHECK(waitpid(bystander, &status, 0) == bystander);
    CHECK(EXITED_OK(status));

    /* The shared file page kept its data, in the mapping and in the file. */
    CHECK(memcmp((const char*)shared + 100, "kept through OOM", 16) == 0);
    CHECK(memcmp((const char*)shared + PG + 200, "second page too", 15) == 0);
    unsigned char contents[2 * PG];
    CHECK(read_file(name, contents, sizeof(contents)) == 0);
    CHECK(memcmp(contents + 100, "kept through OOM", 16) == 0);
    CHECK(memcmp(contents + PG + 200, "second page too", 15) == 0);

    /* And a new program starts and gets memory. */
    int probe = fork();
    CHECK(probe >= 0);
    if (probe == 0) {
        char* argv[] = {"mmap_scale_test", "--exec-probe", NULL};
        execv("/bin/mmap_scale_test", argv);
        _exit(2);
    }
    CHECK(waitpid(probe, &status, 0) == probe);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == kProbeExitCode);
    unlink(name);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(fork_chain_of_a_thousand_generations_keeps_memory_bounded),
    TEST(hundred_thousand_mappings_are_listed_touched_and_all_unmapped),
    TEST(out_of_memory_kills_only_the_faulting_process),
};

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--exec-probe") == 0)
        return exec_probe();
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
