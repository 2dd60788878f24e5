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
 * "BENCH getpid N instructions" for tools/bench. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline uint64_t read_instret(void)
{
    uint64_t value;
    __asm__ volatile("rdinstret %0" : "=r"(value));
    return value;
}

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
        uint64_t start = read_instret();
        for (long i = 0; i < calls; i++)
            mismatches += getpid() != expected;
        uint64_t spent = read_instret() - start;
        if (mismatches) {
            fprintf(stderr, "getpid_bench: getpid changed its answer\n");
            return 1;
        }
        if (spent < best)
            best = spent;
    }
    printf("getpid: %lu instructions\n", (unsigned long)(best / (uint64_t)calls));
    printf("BENCH getpid %lu instructions\n", (unsigned long)(best / (uint64_t)calls));
    return 0;
}
