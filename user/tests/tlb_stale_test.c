/* tlb_stale_test: a store through a translation the kernel took away must fault, on every
 * hart. Each test runs waves of worker processes, as many at once as there may be harts, so
 * that every hart runs some: a worker maps anonymous memory, stores to every page (so its
 * hart's TLB holds writable translations of them), takes Write or the whole mapping away
 * (mprotect PROT_READ, or munmap) and stores again, which must kill it with SIGSEGV. A
 * worker whose second store goes through (a stale TLB entry the kernel did not flush)
 * exits 0, and the test fails. Ranges of a few pages and of more than the kernel's
 * page-by-page flush limit (64 pages, arch/riscv64/csr.h) both run, since the kernel flushes
 * them differently. Atlas has no threads yet, so no two harts run one address space at once
 * here; what this pins is the flush of the hart that made the change and the flush on a
 * switch between address spaces (the workers of a wave share harts).
 *
 *   tlb_stale_test            run every test
 *   tlb_stale_test NAME...    run the tests whose names contain one of the NAMEs */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

enum {
    kPage = 4096,
    kWorkers = 4, /* At once: the most harts make check runs this on. */
    kWaves = 6,
    kFewPages = 3,
    kManyPages = 100, /* Above the kernel's page-by-page flush limit. */
};

enum Change { kProtectReadOnly, kUnmap };

/* One worker: never returns. Exits 0 if the last store went through, 2 if setting up
   failed; the expected outcome is death by SIGSEGV at that store. */
static void worker(enum Change change, size_t pages, size_t victim)
{
    volatile char* p = mmap(NULL, pages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        _exit(2);
    /* Twice over, so that the translations are in the TLB and used, not just installed. */
    for (int round = 0; round < 2; round++)
        for (size_t page = 0; page < pages; page++)
            p[page * kPage] = (char)(page + round);
    if (change == kProtectReadOnly) {
        if (mprotect((void*)p, pages * kPage, PROT_READ) != 0)
            _exit(2);
        if (p[victim * kPage] != (char)(victim + 1))
            _exit(2); /* Still readable, with what was stored. */
    } else if (munmap((void*)p, pages * kPage) != 0) {
        _exit(2);
    }
    p[victim * kPage] = 'x';
    _exit(0);
}

/* Runs kWaves waves of kWorkers workers; fails unless every one died of SIGSEGV. */
static int every_worker_faults(enum Change change, size_t pages)
{
    for (int wave = 0; wave < kWaves; wave++) {
        int pids[kWorkers];
        for (int i = 0; i < kWorkers; i++) {
            /* The first, a middle and the last page, in turn. */
            size_t victim = (size_t)(wave + i) % 3 == 0 ? 0 : (size_t)(wave + i) % 3 == 1 ? pages / 2 : pages - 1;
            pids[i] = fork();
            CHECK(pids[i] >= 0);
            if (pids[i] == 0)
                worker(change, pages, victim);
        }
        int went_through = 0;
        int other = 0;
        for (int i = 0; i < kWorkers; i++) {
            int status = 0;
            CHECK(waitpid(pids[i], &status, 0) == pids[i]);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                went_through++;
            else if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV))
                other++;
        }
        CHECK(went_through == 0);
        CHECK(other == 0);
    }
    return 0;
}

static int store_after_mprotect_read_faults_few_pages(void)
{
    return every_worker_faults(kProtectReadOnly, kFewPages);
}

static int store_after_mprotect_read_faults_many_pages(void)
{
    return every_worker_faults(kProtectReadOnly, kManyPages);
}

static int store_after_munmap_faults_few_pages(void)
{
    return every_worker_faults(kUnmap, kFewPages);
}

static int store_after_munmap_faults_many_pages(void)
{
    return every_worker_faults(kUnmap, kManyPages);
}

static const struct TestCase kTests[] = {
    TEST(store_after_mprotect_read_faults_few_pages),
    TEST(store_after_mprotect_read_faults_many_pages),
    TEST(store_after_munmap_faults_few_pages),
    TEST(store_after_munmap_faults_many_pages),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
