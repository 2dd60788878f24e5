/* fork_bench: how many instructions fork() costs the parent when MIB of its memory has
 * been touched (MIB * 256 private pages to share copy-on-write).
 *
 *   fork_bench [MIB [ROUNDS]]      defaults: 64 MiB, 5 rounds
 *
 * The memory is one anonymous mapping. Each round writes every page of it (so that all are
 * private and mapped writable again, as before the first fork), then reads the
 * retired-instruction counter, forks, and reads it again when fork returns in the parent.
 * The child checks that it sees the round's contents and exits; the parent waits for it
 * before the next round. The report is the cheapest round, which leaves out rounds where a
 * timer interrupt or the child's run landed in the window.
 *
 *   BENCH fork N instructions            the cheapest fork
 *   BENCH fork_mapped_pages N pages      pages the parent has mapped: the touched ones plus
 *                                        its text, data and stack (tools/bench judges fork
 *                                        against 40 per mapped page + 50,000)
 *
 * Exact only under QEMU's -icount with one hart (tools/atlas-run --icount --cpus 1 --
 * fork_bench): with several harts the counter is QEMU's one virtual clock, which also
 * counts what the other harts (the child, say) execute meanwhile. */
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

/* Pages outside the touched block that the parent has mapped when it forks: the program's
 * text and data are a few pages, the stack a page or two. An estimate that errs low, so
 * that the budget errs strict. */
enum { kOtherMappedPages = 8 };

int main(int argc, char** argv)
{
    const char* usage = "fork_bench [MIB [ROUNDS]]";
    long mib = bench_argument(argc, argv, 1, 64, usage);
    long rounds = bench_argument(argc, argv, 2, 5, usage);
    size_t bytes = (size_t)mib << 20;
    size_t pages = bytes / kBenchPageSize;
    volatile char* block = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED)
        bench_fail("fork_bench: cannot map %ld MiB: %s", mib, strerror(errno));
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        for (size_t page = 0; page < pages; page++)
            block[page * kBenchPageSize] = (char)(page + round);
        uint64_t start = bench_instret();
        int pid = fork();
        uint64_t spent = bench_instret() - start;
        if (pid == 0) {
            for (size_t page = 0; page < pages; page++)
                if (block[page * kBenchPageSize] != (char)(page + round))
                    _exit(1);
            _exit(0);
        }
        if (pid < 0)
            bench_fail("fork_bench: fork: %s", strerror(errno));
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bench_fail("fork_bench: the child did not see the parent's memory");
        if (spent < best)
            best = spent;
    }
    printf("fork(%ld MiB touched): %lu instructions\n", mib, (unsigned long)best);
    bench_report("fork", best, "instructions");
    bench_report("fork_mapped_pages", pages + kOtherMappedPages, "pages");
    return 0;
}
