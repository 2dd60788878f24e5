/* fault_trace: the driver of tools/trace-traps, which traces, instruction by instruction,
 * the first page-fault trap this process takes after each of its getpid() calls. It takes
 * five such faults, each right after a getpid() with no other fault in between:
 *
 *   trace 1  a zero-fill fault: the first write to a page of private anonymous memory
 *            whose neighbours were touched before (so its page tables exist)
 *   trace 2-4  copy-on-write faults: writes after fork to pages the child still shares
 *   trace 5  a minor fault: the first read of a cached file page mapped MAP_SHARED in a
 *            one-page mapping (so fault-around has nothing more to map)
 *
 * It prints "trace N: what" before each, and checks what every touch reads and writes
 * (exit status 1 on a mismatch). It is not a benchmark (tools/bench does not run it);
 * run it as `tools/trace-traps` (docs/debugging.md). */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

static const char* const kFile = "/fault_trace.dat";
enum { kPages = 16, kFilePages = 4, kCowFaults = 3 };

static void expect(unsigned got, unsigned want, const char* what)
{
    if (got != want)
        bench_fail("fault_trace: %s reads %u, not %u", what, got, want);
}

int main(void)
{
    volatile unsigned char* anon =
        mmap(NULL, kPages * kBenchPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED)
        bench_fail("fault_trace: mmap: %s", strerror(errno));
    for (int i = 0; i < kPages / 2; i++)  /* Warm up: the page tables of the mapping exist. */
        anon[i * kBenchPageSize] = (unsigned char)(i + 1);

    printf("trace 1: zero-fill fault\n");
    getpid();
    anon[(kPages / 2) * kBenchPageSize] = kPages / 2 + 1;
    expect(anon[(kPages / 2) * kBenchPageSize + 1], 0, "the zero-filled page");
    for (int i = kPages / 2 + 1; i < kPages; i++)
        anon[i * kBenchPageSize] = (unsigned char)(i + 1);

    pid_t child = fork();
    if (child < 0)
        bench_fail("fault_trace: fork: %s", strerror(errno));
    if (child == 0) {  /* Keeps every page shared until the parent kills it. */
        sleep(1000);
        _exit(0);
    }
    anon[0] = 1;  /* The first copy-on-write fault after fork (also of the stack), untraced. */
    for (int k = 1; k <= kCowFaults; k++) {
        printf("trace %d: copy-on-write fault\n", k + 1);
        getpid();
        anon[k * kBenchPageSize + 1] = 'c';
        expect(anon[k * kBenchPageSize], (unsigned)(k + 1), "the copied page");
        expect(anon[k * kBenchPageSize + 1], 'c', "the write to the copied page");
    }

    bench_make_file(kFile, kFilePages * kBenchPageSize);
    int fd = bench_cache_file(kFile);
    volatile unsigned char* maps[2];
    for (int i = 0; i < 2; i++) {
        maps[i] = mmap(NULL, kBenchPageSize, PROT_READ, MAP_SHARED, fd, (off_t)(i * kBenchPageSize));
        if (maps[i] == MAP_FAILED)
            bench_fail("fault_trace: mmap %s: %s", kFile, strerror(errno));
    }
    expect(maps[0][0], bench_pattern_byte(0), "the first file mapping");  /* Warm up. */
    printf("trace 5: minor fault on a cached MAP_SHARED file page\n");
    getpid();
    expect(maps[1][0], bench_pattern_byte(kBenchPageSize), "the second file mapping");

    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(fd);
    unlink(kFile);
    printf("fault_trace: done\n");
    return 0;
}
