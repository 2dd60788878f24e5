/* vma_merge_test: mprotect merges the Vmas it split once their protections agree again
 * (docs/vm.md, "munmap, mprotect, MAP_FIXED"), so a program that toggles page protections
 * keeps as many mappings as it started with, and the merged mappings behave as one. The
 * mapping count and entries come from procmaps (as pmap reads them). Each test runs in a
 * child (TEST_IN_CHILD). Prints "PASS name" or "FAIL name: why" per test.
 *
 *   vma_merge_test            run every test
 *   vma_merge_test NAME...    run the tests whose names contain one of the NAMEs */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "harness.h"

#define PG 4096ul
#define RW (PROT_READ | PROT_WRITE)
#define MAX_ENTRIES 64

static struct atlas_map_entry entries[MAX_ENTRIES];

/* The number of the caller's mappings. */
static long mapping_count(void)
{
    return syscall(SYS_procmaps, getpid(), (struct atlas_map_entry *)0, 0L);
}

/* The caller's mapping that contains `address` (copied), or start == end == 0. */
static struct atlas_map_entry mapping_at(const void *address)
{
    struct atlas_map_entry none = { 0 };
    long n = syscall(SYS_procmaps, getpid(), entries, (long)MAX_ENTRIES);
    for (long i = 0; i < n && i < MAX_ENTRIES; i++)
        if (entries[i].start <= (uint64_t)(uintptr_t)address && (uint64_t)(uintptr_t)address < entries[i].end)
            return entries[i];
    return none;
}

static char *map_anon(size_t length)
{
    void *p = mmap(0, length, RW, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    return p == MAP_FAILED ? NULL : (char *)p;
}

/* Toggling one page in the middle of a touched mapping 10,000 times leaves the mapping
 * count where it started and the mapping whole; every page keeps its contents. */
static int test_toggling_a_page_10000_times_keeps_the_mapping_count(void)
{
    char *p = map_anon(8 * PG);
    CHECK(p);
    for (int i = 0; i < 8; i++)
        memset(p + i * PG, 'a' + i, PG);
    long before = mapping_count();
    for (int i = 0; i < 10000; i++) {
        CHECK(mprotect(p + 3 * PG, PG, PROT_READ) == 0);
        CHECK(mprotect(p + 3 * PG, PG, RW) == 0);
    }
    CHECK(mapping_count() == before);
    struct atlas_map_entry whole = mapping_at(p);
    CHECK(whole.start == (uint64_t)(uintptr_t)p && whole.end == (uint64_t)(uintptr_t)(p + 8 * PG));
    for (int i = 0; i < 8; i++)
        CHECK(p[i * PG] == 'a' + i && p[i * PG + PG - 1] == 'a' + i);
    p[3 * PG + 5] = 'z';
    CHECK(p[3 * PG + 5] == 'z');
    return 0;
}

/* The collector's pattern: protect a run of pages with one call, then unprotect them one
 * by one (each joins its lower neighbour): back to one mapping, contents intact; and
 * protections of a few pages each way, in any order, come back together too. */
static int test_unprotecting_a_run_page_by_page_joins_it_again(void)
{
    char *p = map_anon(16 * PG);
    CHECK(p);
    for (int i = 0; i < 16; i++)
        p[i * PG] = (char)i;
    long before = mapping_count();
    for (int round = 0; round < 50; round++) {
        CHECK(mprotect(p, 16 * PG, PROT_READ) == 0);
        for (int i = 0; i < 16; i++)
            CHECK(mprotect(p + (size_t)((i * 7) % 16) * PG, PG, RW) == 0);
        CHECK(mapping_count() == before);
        CHECK(mprotect(p + 2 * PG, 3 * PG, PROT_NONE) == 0);
        CHECK(mprotect(p + 9 * PG, 2 * PG, PROT_READ) == 0);
        CHECK(mprotect(p + 2 * PG, 10 * PG, RW) == 0);
        CHECK(mapping_count() == before);
    }
    for (int i = 0; i < 16; i++)
        CHECK(p[i * PG] == (char)i);
    return 0;
}

/* A merged mapping behaves as one: faults, munmap of part of it, and fork (the child sees
 * the contents and its stores stay its own). */
static int test_merged_mapping_faults_unmaps_and_forks(void)
{
    char *p = map_anon(6 * PG);
    CHECK(p);
    p[0] = 1;  /* Touched before the split: both halves share one object. */
    CHECK(mprotect(p + 2 * PG, 2 * PG, PROT_NONE) == 0);
    CHECK(mprotect(p + 2 * PG, 2 * PG, RW) == 0);
    struct atlas_map_entry whole = mapping_at(p);
    CHECK(whole.end - whole.start == 6 * PG);
    for (int i = 0; i < 6; i++)
        p[i * PG + 1] = (char)(10 + i);  /* Faults in the pages not yet touched. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int ok = 1;
        for (int i = 0; i < 6; i++)
            ok &= p[i * PG + 1] == (char)(10 + i);
        p[2 * PG + 1] = 99;
        _exit(ok && p[2 * PG + 1] == 99 ? 0 : 1);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[2 * PG + 1] == 12);
    CHECK(munmap(p + PG, PG) == 0);
    CHECK(p[0] == 1 && p[2 * PG + 1] == 12 && p[5 * PG + 1] == 15);
    struct atlas_map_entry head = mapping_at(p);
    struct atlas_map_entry tail = mapping_at(p + 2 * PG);
    CHECK(head.end == (uint64_t)(uintptr_t)(p + PG) && tail.start == (uint64_t)(uintptr_t)(p + 2 * PG));
    CHECK(tail.end == (uint64_t)(uintptr_t)(p + 6 * PG) && tail.offset == 2 * PG);
    return 0;
}

/* Two mappings made apart stay apart, whatever their protections do: placed next to each
 * other, touched (each has its own object) or not (each starts at offset 0). */
static int test_separately_mapped_neighbours_do_not_merge(void)
{
    char *low = map_anon(8 * PG);
    CHECK(low);
    CHECK(munmap(low + 4 * PG, 4 * PG) == 0);  /* Room for the other one right above. */
    for (int touched = 0; touched < 2; touched++) {
        char *high = mmap(low + 4 * PG, 4 * PG, RW, MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0);
        CHECK(high == low + 4 * PG);
        if (touched) {
            low[0] = 1;
            high[0] = 2;
        }
        long before = mapping_count();
        CHECK(mprotect(low, 8 * PG, PROT_READ) == 0);
        CHECK(mprotect(low + 3 * PG, 2 * PG, RW) == 0);
        CHECK(mprotect(low, 8 * PG, RW) == 0);
        CHECK(mapping_count() == before);
        struct atlas_map_entry a = mapping_at(low);
        CHECK(a.end == (uint64_t)(uintptr_t)high);
        CHECK(munmap(high, 4 * PG) == 0);
    }
    return 0;
}

/* A MAP_SHARED file mapping split by mprotect and merged again writes back what was
 * stored through either part: msync, then the file read back; and munmap of a merged mapping
 * writes back what was stored through the part merged in. Two views of one file whose
 * offsets do not continue each other stay two mappings. */
static int test_shared_file_mapping_merges_and_writes_back(void)
{
    const char *path = "vma_merge_test.dat";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    static char zeros[8 * PG];
    CHECK(write(fd, zeros, sizeof(zeros)) == (long)sizeof(zeros));
    char *p = mmap(0, 4 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    long before = mapping_count();
    CHECK(mprotect(p + PG, 2 * PG, PROT_READ) == 0);
    CHECK(mapping_count() == before + 2);
    CHECK(mprotect(p + PG, 2 * PG, RW) == 0);
    CHECK(mapping_count() == before);
    p[0] = 'x';
    p[2 * PG] = 'y';
    p[3 * PG + 7] = 'w';
    CHECK(msync(p, 4 * PG, MS_SYNC) == 0);
    char back[3] = { 0 };
    CHECK(pread(fd, &back[0], 1, 0) == 1 && pread(fd, &back[1], 1, 2 * PG) == 1 &&
          pread(fd, &back[2], 1, 3 * PG + 7) == 1);
    CHECK(back[0] == 'x' && back[1] == 'y' && back[2] == 'w');
    CHECK(munmap(p, 4 * PG) == 0);
    /* A fresh mapping whose lower part is split off read-only before any store, a store
       through the upper part alone, and the merge: the merged mapping (the lower part,
       grown) must remember that the upper part had a writable entry, so that munmap writes
       the page back. Without that, munmap skips the write-back and the page stays dirty
       (to be written by the flusher or an fsync later): pages_written_back would not move
       across the munmap. */
    p = mmap(0, 4 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK(mprotect(p, 2 * PG, PROT_READ) == 0);
    p[3 * PG + 8] = 'v';
    CHECK(mprotect(p, 2 * PG, RW) == 0);
    CHECK(mapping_at(p).end == (uint64_t)(uintptr_t)(p + 4 * PG));
    struct atlas_vmstat stats;
    CHECK(syscall(SYS_vmstat, &stats) == 0);
    uint64_t written_before = stats.pages_written_back;
    CHECK(munmap(p, 4 * PG) == 0);
    CHECK(syscall(SYS_vmstat, &stats) == 0);
    CHECK(stats.pages_written_back >= written_before + 1);
    CHECK(pread(fd, &back[0], 1, 3 * PG + 8) == 1 && back[0] == 'v');
    /* Offsets 0..2 at one address, 4..6 right above: not one mapping. */
    char *a = mmap(0, 4 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(a != MAP_FAILED);
    CHECK(munmap(a, 4 * PG) == 0);
    CHECK(mmap(a, 2 * PG, RW, MAP_SHARED | MAP_FIXED, fd, 0) == a);
    CHECK(mmap(a + 2 * PG, 2 * PG, RW, MAP_SHARED | MAP_FIXED, fd, 4 * PG) == a + 2 * PG);
    before = mapping_count();
    CHECK(mprotect(a, 4 * PG, PROT_READ) == 0);
    CHECK(mprotect(a, 4 * PG, RW) == 0);
    CHECK(mapping_count() == before);
    CHECK(mapping_at(a).end == (uint64_t)(uintptr_t)(a + 2 * PG));
    /* Offsets that do continue each other: one mapping after an mprotect over both. */
    CHECK(mmap(a + 2 * PG, 2 * PG, RW, MAP_SHARED | MAP_FIXED, fd, 2 * PG) == a + 2 * PG);
    CHECK(mprotect(a, 4 * PG, RW) == 0);
    CHECK(mapping_count() == before - 1);
    CHECK(munmap(a, 4 * PG) == 0);
    close(fd);
    unlink(path);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(test_toggling_a_page_10000_times_keeps_the_mapping_count),
    TEST(test_unprotecting_a_run_page_by_page_joins_it_again),
    TEST(test_merged_mapping_faults_unmaps_and_forks),
    TEST(test_separately_mapped_neighbours_do_not_merge),
    TEST(test_shared_file_mapping_merges_and_writes_back),
};

int main(int argc, char **argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
