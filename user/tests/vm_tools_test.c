/* vm_tools_test: the two windows onto the memory system that pmap and vmstat use: the
 * procmaps system call (one struct atlas_map_entry per mapping of a process) and the fault
 * counters of vmstat. Each test runs in a child (the harness's TEST_IN_CHILD), so a crash in
 * one cannot take the others down; a test passes if its child exits 0.
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   vm_tools_test            run every test
 *   vm_tools_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "harness.h"

#define PG 4096ul
#define ANON_PRIVATE (MAP_ANONYMOUS | MAP_PRIVATE)
#define ANON_SHARED (MAP_ANONYMOUS | MAP_SHARED)
#define MAX_ENTRIES 64

static long procmaps(long pid, struct atlas_map_entry *buffer, long count)
{
    return syscall(SYS_procmaps, pid, buffer, count);
}

static char *map(size_t length, int prot, int flags)
{
    void *p = mmap(0, length, prot, flags, -1, 0);
    return p == MAP_FAILED ? NULL : (char *)p;
}

static int read_vmstat(struct atlas_vmstat *stats)
{
    memset(stats, 0, sizeof(*stats));
    return (int)syscall(SYS_vmstat, stats);
}

/* The entry of `entries` (n of them) that contains `address`, or NULL. */
static const struct atlas_map_entry *entry_at(const struct atlas_map_entry *entries, long n, uint64_t address)
{
    for (long i = 0; i < n; i++)
        if (entries[i].start <= address && address < entries[i].end)
            return &entries[i];
    return NULL;
}

static struct atlas_map_entry entries[MAX_ENTRIES];

/* procmaps of the caller lists its heap, its stack and a fresh mapping, each with its
 * kind and protection, in address order without overlaps. */
static int test_procmaps_self_lists_heap_stack_and_new_mapping(void)
{
    char *heap = sbrk(2 * PG);
    CHECK(heap != (char *)-1);
    heap[0] = 1;
    char *readonly = map(3 * PG, PROT_READ, ANON_PRIVATE);
    char *shared = map(PG, PROT_READ | PROT_WRITE, ANON_SHARED);
    CHECK(readonly && shared);
    int on_stack = 0;

    long n = procmaps(getpid(), entries, MAX_ENTRIES);
    CHECK(n > 0 && n <= MAX_ENTRIES);
    for (long i = 1; i < n; i++)
        CHECK(entries[i - 1].end <= entries[i].start);

    const struct atlas_map_entry *h = entry_at(entries, n, (uint64_t)(uintptr_t)heap);
    CHECK(h && h->kind == ATLAS_MAP_KIND_HEAP && h->prot == (PROT_READ | PROT_WRITE));
    CHECK(h->flags == 0 && h->name[0] == '\0');

    const struct atlas_map_entry *s = entry_at(entries, n, (uint64_t)(uintptr_t)&on_stack);
    CHECK(s && s->kind == ATLAS_MAP_KIND_STACK && s->prot == (PROT_READ | PROT_WRITE));
    /* The guard page sits right below the stack. */
    const struct atlas_map_entry *g = entry_at(entries, n, s->start - PG);
    CHECK(g && g->kind == ATLAS_MAP_KIND_GUARD && g->prot == 0);

    const struct atlas_map_entry *r = entry_at(entries, n, (uint64_t)(uintptr_t)readonly);
    CHECK(r && r->kind == ATLAS_MAP_KIND_ANONYMOUS && r->prot == PROT_READ);
    CHECK(r->start == (uint64_t)(uintptr_t)readonly && r->end == r->start + 3 * PG);
    CHECK((r->flags & ATLAS_MAP_FLAG_SHARED) == 0);

    const struct atlas_map_entry *sh = entry_at(entries, n, (uint64_t)(uintptr_t)shared);
    CHECK(sh && sh->kind == ATLAS_MAP_KIND_ANONYMOUS && (sh->flags & ATLAS_MAP_FLAG_SHARED));
    CHECK(sh->prot == (PROT_READ | PROT_WRITE));

    /* The program's text is named after it and executable. */
    const struct atlas_map_entry *t = entry_at(entries, n, (uint64_t)(uintptr_t)&procmaps);
    CHECK(t && t->kind == ATLAS_MAP_KIND_TEXT && (t->prot & PROT_EXEC) && !(t->prot & PROT_WRITE));
    CHECK(strcmp(t->name, "vm_tools_test") == 0);
    return 0;
}

/* mprotect of the middle page splits one mapping into three, each with its protection. */
static int test_procmaps_shows_mprotect_split(void)
{
    char *p = map(3 * PG, PROT_READ | PROT_WRITE, ANON_PRIVATE);
    CHECK(p);
    CHECK(mprotect(p + PG, PG, PROT_READ) == 0);
    long n = procmaps(getpid(), entries, MAX_ENTRIES);
    CHECK(n > 0 && n <= MAX_ENTRIES);
    const struct atlas_map_entry *middle = entry_at(entries, n, (uint64_t)(uintptr_t)(p + PG));
    CHECK(middle && middle->start == (uint64_t)(uintptr_t)(p + PG) && middle->end == middle->start + PG);
    CHECK(middle->prot == PROT_READ);
    /* Its page keeps its place in the object: one page in. */
    CHECK(middle->offset == PG);
    const struct atlas_map_entry *low = entry_at(entries, n, (uint64_t)(uintptr_t)p);
    CHECK(low && low->end == middle->start && low->prot == (PROT_READ | PROT_WRITE));
    return 0;
}

/* The count follows mmap and munmap: one more for a mapping, one more for a hole punched
 * into it, back to the start once it is gone. */
static int test_procmaps_count_tracks_mmap_and_munmap(void)
{
    long before = procmaps(getpid(), NULL, 0);
    CHECK(before > 0);
    char *p = map(3 * PG, PROT_READ | PROT_WRITE, ANON_PRIVATE);
    CHECK(p);
    CHECK(procmaps(getpid(), NULL, 0) == before + 1);
    CHECK(munmap(p + PG, PG) == 0);
    CHECK(procmaps(getpid(), NULL, 0) == before + 2);
    CHECK(munmap(p, 3 * PG) == 0);
    CHECK(procmaps(getpid(), NULL, 0) == before);
    return 0;
}

/* A buffer too small gets the first mappings and the full count, and nothing beyond it is
 * written. */
static int test_procmaps_small_buffer_gets_full_count(void)
{
    memset(entries, 0xa5, sizeof(entries));
    long n = procmaps(getpid(), entries, 2);
    CHECK(n > 2);
    CHECK(entries[0].start < entries[0].end && entries[0].end <= entries[1].start);
    unsigned char *beyond = (unsigned char *)&entries[2];
    for (size_t i = 0; i < sizeof(entries[2]); i++)
        CHECK(beyond[i] == 0xa5);
    return 0;
}

/* Another process's mappings: a child maps a page at an address of its choosing and the
 * parent finds it there. */
static int test_procmaps_lists_another_process(void)
{
    const uint64_t where = 0x1800000000ul;
    int ready[2];
    CHECK(pipe(ready) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        void *p = mmap((void *)where, 2 * PG, PROT_READ | PROT_EXEC, ANON_PRIVATE | MAP_FIXED, -1, 0);
        char byte = p == (void *)where ? 1 : 0;
        write(ready[1], &byte, 1);
        for (;;)
            sleep(100);
    }
    char byte = 0;
    CHECK(read(ready[0], &byte, 1) == 1 && byte == 1);
    long n = procmaps(pid, entries, MAX_ENTRIES);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK(n > 0 && n <= MAX_ENTRIES);
    const struct atlas_map_entry *e = entry_at(entries, n, where);
    CHECK(e && e->start == where && e->end == where + 2 * PG);
    CHECK(e->prot == (PROT_READ | PROT_EXEC) && e->kind == ATLAS_MAP_KIND_ANONYMOUS);
    return 0;
}

/* No such process, a zombie and a reaped child: ESRCH. */
static int test_procmaps_of_missing_process_is_esrch(void)
{
    CHECK_ERRNO(procmaps(4000000, entries, MAX_ENTRIES), ESRCH);
    CHECK_ERRNO(procmaps(-1, entries, MAX_ENTRIES), ESRCH);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(0);
    /* Wait for it to become a zombie: kill(pid, 0) keeps answering until then. */
    while (kill(pid, 0) == 0)
        sleep(1);
    CHECK_ERRNO(procmaps(pid, entries, MAX_ENTRIES), ESRCH);
    CHECK(waitpid(pid, NULL, 0) == pid);
    CHECK_ERRNO(procmaps(pid, entries, MAX_ENTRIES), ESRCH);
    return 0;
}

/* A bad buffer is EFAULT (and the caller lives on); a negative count EINVAL. */
static int test_procmaps_bad_buffer_is_efault(void)
{
    CHECK_ERRNO(procmaps(getpid(), (struct atlas_map_entry *)8, 4), EFAULT);
    CHECK_ERRNO(procmaps(getpid(), (struct atlas_map_entry *)0xffffffc000000000ul, 4), EFAULT);
    char *readonly = map(PG, PROT_READ, ANON_PRIVATE);
    CHECK(readonly);
    CHECK_ERRNO(procmaps(getpid(), (struct atlas_map_entry *)readonly, 4), EFAULT);
    CHECK_ERRNO(procmaps(getpid(), entries, -1), EINVAL);
    /* A null buffer with a count of 0 only asks for the count. */
    CHECK(procmaps(getpid(), NULL, 0) > 0);
    return 0;
}

/* Touching fresh private anonymous pages zero-fills each: the zero-fill and minor-fault
 * counters rise by at least the number of pages. */
static int test_vmstat_zero_fill_faults_count_touched_pages(void)
{
    const int pages = 8;
    char *p = map(pages * PG, PROT_READ | PROT_WRITE, ANON_PRIVATE);
    CHECK(p);
    struct atlas_vmstat before, after;
    CHECK(read_vmstat(&before) == 0);
    for (int i = 0; i < pages; i++)
        p[i * PG] = 1;
    CHECK(read_vmstat(&after) == 0);
    CHECK(after.zero_fill_faults >= before.zero_fill_faults + pages);
    CHECK(after.minor_faults >= before.minor_faults + pages);
    /* Touching them again faults no more: at most a few faults elsewhere. */
    CHECK(read_vmstat(&before) == 0);
    for (int i = 0; i < pages; i++)
        p[i * PG] = 2;
    CHECK(read_vmstat(&after) == 0);
    CHECK(after.zero_fill_faults < before.zero_fill_faults + pages);
    return 0;
}

/* A write after fork to a page both processes hold copies it: the child's write moves the
 * copy-on-write counter, and the parent still sees its own byte. */
static int test_vmstat_cow_write_after_fork_counts_copy(void)
{
    char *p = map(PG, PROT_READ | PROT_WRITE, ANON_PRIVATE);
    CHECK(p);
    p[0] = 'p';
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct atlas_vmstat before, after;
        if (read_vmstat(&before) != 0)
            _exit(2);
        p[0] = 'c';
        if (read_vmstat(&after) != 0)
            _exit(3);
        _exit(after.cow_copies >= before.cow_copies + 1 ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[0] == 'p');
    return 0;
}

/* A read of a fresh page zero-fills it but copies nothing; free frames fall by the pages
 * touched. */
static int test_vmstat_read_fault_copies_nothing(void)
{
    char *p = map(4 * PG, PROT_READ, ANON_PRIVATE);
    CHECK(p);
    struct atlas_vmstat before, after;
    CHECK(read_vmstat(&before) == 0);
    volatile char sum = 0;
    for (int i = 0; i < 4; i++)
        sum += p[i * PG];
    CHECK(read_vmstat(&after) == 0);
    CHECK(sum == 0);
    CHECK(after.zero_fill_faults >= before.zero_fill_faults + 4);
    CHECK(after.cow_copies == before.cow_copies);
    CHECK(after.free_frames < before.free_frames);
    return 0;
}

static const struct TestCase kTests[] = {
    { "procmaps_self_lists_heap_stack_and_new_mapping", test_procmaps_self_lists_heap_stack_and_new_mapping },
    { "procmaps_shows_mprotect_split", test_procmaps_shows_mprotect_split },
    { "procmaps_count_tracks_mmap_and_munmap", test_procmaps_count_tracks_mmap_and_munmap },
    { "procmaps_small_buffer_gets_full_count", test_procmaps_small_buffer_gets_full_count },
    { "procmaps_lists_another_process", test_procmaps_lists_another_process },
    { "procmaps_of_missing_process_is_esrch", test_procmaps_of_missing_process_is_esrch },
    { "procmaps_bad_buffer_is_efault", test_procmaps_bad_buffer_is_efault },
    { "vmstat_zero_fill_faults_count_touched_pages", test_vmstat_zero_fill_faults_count_touched_pages },
    { "vmstat_cow_write_after_fork_counts_copy", test_vmstat_cow_write_after_fork_counts_copy },
    { "vmstat_read_fault_copies_nothing", test_vmstat_read_fault_copies_nothing },
};

int main(int argc, char **argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
