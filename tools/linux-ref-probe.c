/* linux-ref-probe: the first program of the Linux reference machine (tools/linux-ref). It
 * says which kernel it runs on and what one getpid() round trip costs there.
 *
 *   linux-ref-probe [CALLS [ROUNDS]]      defaults: 1000 calls, 10 rounds
 *
 * Built for Linux only: statically against glibc with riscv64-linux-gnu-gcc, by
 * tools/linux-ref. Prints uname(2)'s answer, then, like user/bench/getpid_bench.c, the
 * cheapest of ROUNDS rounds of CALLS getpid() calls, divided by CALLS.
 *
 * Linux does not let user mode read instret (the SBI PMU stops the counter), so the
 * rounds are timed with rdtime instead. On QEMU's virt machine the timer runs at 10 MHz
 * and, under -icount shift=0, one instruction takes 1 ns: one time tick is 100
 * instructions, and rdtime x 100 counts instructions to within 100 per round (0.1 per
 * call with 1000 calls). Meaningful only under -icount and with one hart
 * (tools/linux-ref --icount --cpus 1 -- linux-ref-probe). Prints
 * "BENCH getpid_linux N instructions". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

static const uint64_t kInstructionsPerTick = 100;

static inline uint64_t read_time(void)
{
    uint64_t value;
    __asm__ volatile("rdtime %0" : "=r"(value));
    return value;
}

int main(int argc, char** argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 1000;
    long rounds = argc > 2 ? atol(argv[2]) : 10;
    if (calls <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: linux-ref-probe [CALLS [ROUNDS]]\n");
        return 2;
    }
    struct utsname name;
    if (uname(&name) != 0) {
        perror("linux-ref-probe: uname");
        return 1;
    }
    printf("uname: %s %s %s %s\n", name.sysname, name.release, name.version, name.machine);

    int expected = getpid();
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        int mismatches = 0;
        uint64_t start = read_time();
        for (long i = 0; i < calls; i++)
            mismatches += getpid() != expected;
        uint64_t spent = (read_time() - start) * kInstructionsPerTick;
        if (mismatches) {
            fprintf(stderr, "linux-ref-probe: getpid changed its answer\n");
            return 1;
        }
        if (spent < best)
            best = spent;
    }
    printf("getpid: %lu instructions\n", (unsigned long)(best / (uint64_t)calls));
    printf("BENCH getpid_linux %lu instructions\n", (unsigned long)(best / (uint64_t)calls));
    return 0;
}
