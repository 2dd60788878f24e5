/* appel_li_bench: Appel and Li's virtual-memory primitives for user programs (ASPLOS 1991),
 * timed in instructions as combinations a user-level algorithm uses:
 *
 *   TRAP+PROT1+UNPROT  protect one page (mprotect PROT_READ), store to it, and the SIGSEGV
 *                      handler unprotects it (mprotect PROT_READ|PROT_WRITE) and returns,
 *                      so the store runs again and completes: per trap
 *   PROTN+TRAP+UNPROT  protect 100 pages with one mprotect, then store to each: one trap
 *                      per page, whose handler unprotects that page: per trap (the PROTN
 *                      call shared among the 100)
 *   MAP2               one page of a file at two addresses: a MAP_SHARED read-write view
 *                      stays mapped; each step maps another MAP_SHARED view of the same
 *                      page read-only (at a new address), stores through the first, loads
 *                      through the new one (its first touch: a minor fault on the cached
 *                      page) and checks that the load sees the store: per view (mmap +
 *                      fault + check). The views are unmapped after the measured window.
 *                      Before the rounds, a store through a read-write second view is
 *                      checked through the first.
 *
 *   appel_li_bench [TRAPS [ROUNDS]]    defaults: 1000 traps, 5 rounds
 *
 * Each figure is the round with the fewest instructions divided by its traps (a timer
 * interrupt inside a round only adds). The handler checks si_addr against the page it
 * expects, and every store is read back. Exact only under -icount with one hart; prints
 * "BENCH appel_li_trap_prot1_unprot N instructions", "BENCH appel_li_protn_trap_unprot N
 * instructions" and "BENCH appel_li_map2 N instructions" (TRAPS views a round for MAP2).
 * Builds for Linux too (BENCH_LINUX, bench.h); the file lives under BENCH_DIR. */
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

static const char kMap2File[] = BENCH_DIR "/appel_li_map2.dat";

/* The page of the file open as `fd` mapped MAP_SHARED with `protection`. */
static volatile long* map_file_page(int fd, int protection)
{
    void* view = mmap(NULL, kBenchPageSize, protection, MAP_SHARED, fd, 0);
    if (view == MAP_FAILED)
        bench_fail("appel_li_bench: mmap of %s: %s", kMap2File, strerror(errno));
    return (volatile long*)view;
}

/* `rounds` more views of the page at as many addresses, each checked against a store
   through `first`; unmapped after the measured window (an munmap of a shared view writes
   a stored page back to the file, docs/mmap.md, which is not what MAP2 measures). */
static uint64_t map2(int fd, volatile long* first, long rounds, volatile long** views)
{
    uint64_t start = bench_instret();
    for (long i = 0; i < rounds; i++) {
        volatile long* second = map_file_page(fd, PROT_READ);
        first[2] = i;
        if (second == first || second[2] != i)
            bench_fail("appel_li_bench: MAP2: a store through one view is not seen through the other");
        views[i] = second;
    }
    uint64_t spent = bench_instret() - start;
    for (long i = 0; i < rounds; i++)
        munmap((void*)views[i], kBenchPageSize);
    return spent;
}

/* The file page and its first view, read-write; the other direction checked once. */
static volatile long* map2_setup(int* fd_out)
{
    bench_make_file(kMap2File, kBenchPageSize);
    int fd = open(kMap2File, O_RDWR);
    if (fd < 0)
        bench_fail("appel_li_bench: open %s: %s", kMap2File, strerror(errno));
    volatile long* first = map_file_page(fd, PROT_READ | PROT_WRITE);
    volatile long* second = map_file_page(fd, PROT_READ | PROT_WRITE);
    if (first[3] != (long)bench_pattern(24))
        bench_fail("appel_li_bench: MAP2: the file page reads wrong");
    second[3] = 12345;
    if (first[3] != 12345)
        bench_fail("appel_li_bench: MAP2: a store through the second view is not seen through the first");
    munmap((void*)second, kBenchPageSize);
    *fd_out = fd;
    return first;
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

    int map2_fd;
    volatile long* map2_view = map2_setup(&map2_fd);
    volatile long** map2_views = malloc((size_t)traps * sizeof(*map2_views));
    if (!map2_views)
        bench_fail("appel_li_bench: malloc: %s", strerror(errno));

    uint64_t best_one = UINT64_MAX, best_n = UINT64_MAX, best_map2 = UINT64_MAX;
    long expected_traps = 0;
    for (long round = 0; round < rounds; round++) {
        uint64_t one = trap_prot1_unprot(pages, traps);
        if (one < best_one)
            best_one = one;
        uint64_t n = protn_trap_unprot(pages);
        if (n < best_n)
            best_n = n;
        expected_traps += traps + kPagesN;
        uint64_t two = map2(map2_fd, map2_view, traps, map2_views);
        if (two < best_map2)
            best_map2 = two;
    }
    munmap((void*)map2_view, kBenchPageSize);
    close(map2_fd);
    unlink(kMap2File);
    free(map2_views);
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
    printf("BENCH appel_li_map2 %lu instructions\n", (unsigned long)(best_map2 / (uint64_t)traps));
    return 0;
}
