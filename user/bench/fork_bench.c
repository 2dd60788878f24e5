/* fork_bench: how many instructions fork() costs the parent when 16 MiB of its heap has
 * been touched (4096 private pages to share copy-on-write).
 *
 *   fork_bench [MIB [ROUNDS]]      defaults: 16 MiB, 5 rounds
 *
 * Each round writes every page of the heap block (so that all are private and mapped
 * writable again, as before the first fork), then reads the retired-instruction counter,
 * forks, and reads it again when fork returns in the parent. The child exits at once; the
 * parent waits for it before the next round. The report is the cheapest round, which
 * leaves out rounds where a timer interrupt or the child's run landed in the window.
 * Exact only under QEMU's -icount with one hart (tools/atlas-run --icount --cpus 1 --
 * fork_bench): with several harts the counter is QEMU's one virtual clock, which also
 * counts what the other harts (the child, say) execute meanwhile. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static inline uint64_t read_instret(void)
{
    uint64_t value;
    __asm__ volatile("rdinstret %0" : "=r"(value));
    return value;
}

enum { kPageSize = 4096 };

int main(int argc, char** argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 16;
    long rounds = argc > 2 ? atol(argv[2]) : 5;
    if (mib <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: fork_bench [MIB [ROUNDS]]\n");
        return 2;
    }
    size_t bytes = (size_t)mib << 20;
    volatile char* heap = malloc(bytes);
    if (!heap) {
        fprintf(stderr, "fork_bench: cannot allocate %ld MiB\n", mib);
        return 1;
    }
    uint64_t best = UINT64_MAX;
    for (long round = 0; round < rounds; round++) {
        for (size_t offset = 0; offset < bytes; offset += kPageSize)
            heap[offset] = (char)(offset / kPageSize + round);
        uint64_t start = read_instret();
        int pid = fork();
        uint64_t spent = read_instret() - start;
        if (pid == 0)
            _exit(0);
        if (pid < 0) {
            perror("fork_bench: fork");
            return 1;
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "fork_bench: the child did not exit cleanly\n");
            return 1;
        }
        if (spent < best)
            best = spent;
    }
    printf("fork(%ld MiB touched): %lu instructions\n", mib, (unsigned long)best);
    return 0;
}
