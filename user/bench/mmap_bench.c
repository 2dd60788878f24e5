/* mmap_bench: instructions for an mmap and munmap of one anonymous page, when the process
 * has few other mappings and when it has very many: the address-space operations must stay
 * (nearly) independent of the number of mappings.
 *
 *   mmap_bench [FEW [MANY [CALLS [ROUNDS]]]]      defaults: 10, 100000, 1000 calls, 5 rounds
 *
 * The other mappings are made distinct Vmas: one anonymous region of FEW (then MANY) pages
 * whose every other page is mprotect()ed to read-only, so no two neighbours could be
 * merged. Each round then makes CALLS pairs of mmap(NULL, 4096, RW, private anonymous) and
 * munmap of it, the page untouched; the figure is the cheapest round over CALLS.
 *
 *   BENCH mmap_munmap_few N instructions    one mmap+munmap pair with FEW other mappings
 *   BENCH mmap_munmap_many N instructions   the same with MANY other mappings
 *   BENCH mmap_few_mappings N mappings      FEW and MANY as made (tools/bench checks each
 *   BENCH mmap_many_mappings N mappings     pair against 3,000 and many <= 2 x few)
 *
 * Each new mapping is checked to be zero-filled and writable after the measured rounds,
 * so the benchmark fails if mmap hands out anything else. Exact only under QEMU's -icount
 * with one hart (tools/atlas-run --icount --cpus 1 -- mmap_bench). */
#include <sys/mman.h>

#include "bench.h"

/* Makes `count` distinct mappings (alternating protections); returns the region. */
static void* make_mappings(long count)
{
    size_t bytes = (size_t)count * kBenchPageSize;
    char* region = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED)
        bench_fail("mmap_bench: cannot map %ld pages: %s", count, strerror(errno));
    for (long page = 1; page < count; page += 2)
        if (mprotect(region + page * kBenchPageSize, kBenchPageSize, PROT_READ) < 0)
            bench_fail("mmap_bench: mprotect of mapping %ld: %s", page, strerror(errno));
    return region;
}

static uint64_t mmap_munmap(long calls, long rounds)
{
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        long failures = 0;
        uint64_t start = bench_instret();
        for (long call = 0; call < calls; call++) {
            void* page = mmap(NULL, kBenchPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            failures += page == MAP_FAILED || munmap(page, kBenchPageSize) != 0;
        }
        uint64_t spent = bench_instret() - start;
        if (failures)
            bench_fail("mmap_bench: %ld of %ld mmap/munmap pairs failed", failures, calls);
        if (spent < best)
            best = spent;
    }
    volatile uint64_t* page = mmap(NULL, kBenchPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || page[0] != 0 || page[kBenchPageSize / 8 - 1] != 0)
        bench_fail("mmap_bench: a new mapping is not a zero page");
    page[1] = 42;
    if (page[1] != 42 || munmap((void*)page, kBenchPageSize) != 0)
        bench_fail("mmap_bench: a new mapping is not writable, or would not go");
    return best / (uint64_t)calls;
}

int main(int argc, char** argv)
{
    const char* usage = "mmap_bench [FEW [MANY [CALLS [ROUNDS]]]]";
    long few = bench_argument(argc, argv, 1, 10, usage);
    long many = bench_argument(argc, argv, 2, 100000, usage);
    long calls = bench_argument(argc, argv, 3, 1000, usage);
    long rounds = bench_argument(argc, argv, 4, 5, usage);

    void* region = make_mappings(few);
    uint64_t with_few = mmap_munmap(calls, rounds);
    munmap(region, (size_t)few * kBenchPageSize);
    region = make_mappings(many);
    uint64_t with_many = mmap_munmap(calls, rounds);
    munmap(region, (size_t)many * kBenchPageSize);

    printf("mmap+munmap of one page: %lu instructions with %ld mappings, %lu with %ld\n", (unsigned long)with_few,
           few, (unsigned long)with_many, many);
    bench_report("mmap_munmap_few", with_few, "instructions");
    bench_report("mmap_munmap_many", with_many, "instructions");
    bench_report("mmap_few_mappings", (uint64_t)few, "mappings");
    bench_report("mmap_many_mappings", (uint64_t)many, "mappings");
    return 0;
}
