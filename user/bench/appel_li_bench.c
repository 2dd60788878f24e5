/* appel_li_bench: Appel and Li's virtual-memory primitives for user programs (ASPLOS 1991),
 * timed in instructions as combinations a user-level algorithm uses:
 *
 *   TRAP+PROT1+UNPROT  protect one page (mprotect PROT_READ), store to it, and the SIGSEGV
 *                      handler unprotects it (mprotect PROT_READ|PROT_WRITE) and returns,
 *                      so the store runs again and completes: per trap
 *   PROTN+TRAP+UNPROT  protect 100 pages with one mprotect, then store to each: one trap
 *                      per page, whose handler unprotects that page: per trap (the PROTN
 *                      call shared among the 100)
 *
 *   appel_li_bench [TRAPS [ROUNDS]]    defaults: 1000 traps, 5 rounds
 *
 * Each figure is the round with the fewest instructions divided by its traps (a timer
 * interrupt inside a round only adds). The handler checks si_addr against the page it
 * expects, and every store is read back. Exact only under -icount with one hart; prints
 * "BENCH appel_li_trap_prot1_unprot N instructions" and "BENCH appel_li_protn_trap_unprot N
 * instructions". Builds for Linux too (BENCH_LINUX, bench.h). */
#include <signal.h>
#include <sys/mman.h>

#include "bench.h"

enum { kPagesN = 100 };

static char* volatile g_expected_page;
static volatile long g_traps;
static volatile int g_wrong_address;

static void unprotect_handler(int signal, siginfo_t* info, void* context)
{
    (void)signal;
    (void)context;
    char* page = (char*)((uintptr_t)info->si_addr & ~(uintptr_t)(kBenchPageSize - 1));
    if (g_expected_page && page != g_expected_page)
        g_wrong_address = 1;
    mprotect(page, kBenchPageSize, PROT_READ | PROT_WRITE);
    g_traps++;
}

static uint64_t trap_prot1_unprot(char* page, long traps)
{
    g_expected_page = page;
    uint64_t start = bench_instret();
    for (long i = 0; i < traps; i++) {
        mprotect(page, kBenchPageSize, PROT_READ);
        ((volatile long*)page)[1] = i;
    }
    return bench_instret() - start;
}

static uint64_t protn_trap_unprot(char* pages)
{
    g_expected_page = NULL;
    uint64_t start = bench_instret();
    mprotect(pages, (size_t)kPagesN * kBenchPageSize, PROT_READ);
    for (long i = 0; i < kPagesN; i++)
        ((volatile long*)(pages + i * kBenchPageSize))[1] = i;
    return bench_instret() - start;
}

int main(int argc, char** argv)
{
    long traps = argc > 1 ? atol(argv[1]) : 1000;
    long rounds = argc > 2 ? atol(argv[2]) : 5;
    if (traps <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: appel_li_bench [TRAPS [ROUNDS]]\n");
        return 2;
    }
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = unprotect_handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, NULL) != 0) {
        perror("appel_li_bench: sigaction");
        return 1;
    }
    char* pages = (char*)mmap(NULL, (size_t)kPagesN * kBenchPageSize, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        perror("appel_li_bench: mmap");
        return 1;
    }
    memset(pages, 1, (size_t)kPagesN * kBenchPageSize);

    uint64_t best_one = UINT64_MAX, best_n = UINT64_MAX;
    long expected_traps = 0;
    for (long round = 0; round < rounds; round++) {
        uint64_t one = trap_prot1_unprot(pages, traps);
        if (one < best_one)
            best_one = one;
        uint64_t n = protn_trap_unprot(pages);
        if (n < best_n)
            best_n = n;
        expected_traps += traps + kPagesN;
    }
    for (long i = 0; i < kPagesN; i++) {
        if (((long*)(pages + i * kBenchPageSize))[1] != i) {
            fprintf(stderr, "appel_li_bench: a store did not land on page %ld\n", i);
            return 1;
        }
    }
    if (g_traps != expected_traps || g_wrong_address) {
        fprintf(stderr, "appel_li_bench: %ld traps (expected %ld), wrong si_addr: %d\n", g_traps, expected_traps,
                g_wrong_address);
        return 1;
    }
    printf("BENCH appel_li_trap_prot1_unprot %lu instructions\n", (unsigned long)(best_one / (uint64_t)traps));
    printf("BENCH appel_li_protn_trap_unprot %lu instructions\n", (unsigned long)(best_n / kPagesN));
    return 0;
}
