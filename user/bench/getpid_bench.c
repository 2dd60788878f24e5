/* getpid_bench: how many instructions one system call costs, user stub and return
 * included, measured as a getpid() round trip.
 *
 *   getpid_bench [CALLS [ROUNDS]]      defaults: 1000 calls, 10 rounds
 *
 * Each round reads the retired-instruction counter (rdinstret; the kernel lets user mode
 * read it), makes CALLS getpid() calls, and reads it again. A timer interrupt that lands
 * inside a round adds its handler's instructions, so the report is the round with the
 * fewest, divided by CALLS; the loop's own few instructions per call are included. Exact
 * only under QEMU's -icount (tools/atlas-run --icount -- getpid_bench); with several
 * harts the counter is QEMU's one virtual clock, so run it with --cpus 1. Prints
 * "BENCH getpid N instructions" for tools/bench. On Linux (BENCH_LINUX) the counter is
 * rdtime x 100 (bench.h).
 *
 * On Atlas it then checks the Linux way of counting against rdinstret: it makes ROUNDS
 * more rounds of CALLS calls, each counted by both, and prints the largest difference as
 * "BENCH counter_disagreement N instructions" (tools/bench requires it under 300: the
 * time counter ticks once per 100 instructions). */
#include "bench.h"

#ifndef BENCH_LINUX
/* The largest |rdtime x 100 - rdinstret| over `rounds` rounds of `calls` getpid() calls. */
static uint64_t counter_disagreement(long calls, long rounds)
{
    uint64_t worst = 0;
    for (long round = 0; round < rounds; round++) {
        uint64_t time_start = bench_time_instret();
        uint64_t start = bench_instret();
        for (long i = 0; i < calls; i++)
            getpid();
        uint64_t spent = bench_instret() - start;
        uint64_t time_spent = bench_time_instret() - time_start;
        uint64_t difference = spent > time_spent ? spent - time_spent : time_spent - spent;
        if (difference > worst)
            worst = difference;
    }
    return worst;
}
#endif

int main(int argc, char** argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 1000;
    long rounds = argc > 2 ? atol(argv[2]) : 10;
    if (calls <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: getpid_bench [CALLS [ROUNDS]]\n");
        return 2;
    }
    int expected = getpid();
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        int mismatches = 0;
        uint64_t start = bench_instret();
        for (long i = 0; i < calls; i++)
            mismatches += getpid() != expected;
        uint64_t spent = bench_instret() - start;
        if (mismatches) {
            fprintf(stderr, "getpid_bench: getpid changed its answer\n");
            return 1;
        }
        if (spent < best)
            best = spent;
    }
    printf("getpid: %lu instructions\n", (unsigned long)(best / (uint64_t)calls));
    printf("BENCH getpid %lu instructions\n", (unsigned long)(best / (uint64_t)calls));
#ifndef BENCH_LINUX
    bench_report("counter_disagreement", counter_disagreement(calls, rounds), "instructions");
#endif
    return 0;
}
