/* gc_test: the collector of user/gc (gc.h) under both of its write barriers: it frees
 * exactly what is unreachable, keeps every reachable object with its contents across many
 * minor and major collections, finds old-to-young pointers written by plain stores into
 * protected pages (the fault handler's remembered set: the test that fails if a dirty page
 * is missed), gives the same results with either barrier, takes 100,000 barrier faults
 * without leaking, and leaves faults outside its heap fatal; gcdemo ends with the same
 * intact tree under either barrier. Each test runs in a child of
 * its own (TEST_IN_CHILD): the heap is one per process.
 *
 *   gc_test            run every test
 *   gc_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "../gc/gc.h"
#include "../gc/gc_tree.h"
#include "harness.h"

static const enum gc_barrier kBarriers[] = {GC_BARRIER_PAGE_PROTECTION, GC_BARRIER_SOFTWARE};

static int start(enum gc_barrier barrier, size_t nursery, size_t old)
{
    struct gc_config config = {barrier, nursery, old, NULL};
    return gc_init(&config);
}

static struct gc_stats stats_now(void)
{
    struct gc_stats stats;
    gc_get_stats(&stats);
    return stats;
}

static uint64_t key_of(gc_object* object) { return *(uint64_t*)gc_data(object); }

static gc_object* node(uint32_t fields, uint64_t key)
{
    gc_object* object = gc_alloc(fields, 8);
    if (object)
        *(uint64_t*)gc_data(object) = key;
    return object;
}

/* --- Exact counts --- */

/* A list of 100 nodes reachable from a root, 50 unreachable nodes between them and an
   unreachable cycle of 10: a minor collection promotes the 100 and frees the 60; cutting
   the list after 40 nodes, a major collection frees the 60 others. */
static int collect_counts(enum gc_barrier barrier)
{
    CHECK(start(barrier, 0, 0) == 0);
    gc_object* head = NULL;
    gc_object* cycle = NULL;
    gc_push_root(&head);
    gc_push_root(&cycle);
    for (uint64_t i = 0; i < 100; i++) {
        gc_object* fresh = node(1, i);
        CHECK(fresh);
        gc_write(fresh, 0, head);
        head = fresh;
        if (i % 2 == 0)
            CHECK(node(0, 1000 + i));
    }
    cycle = node(1, 2000);  /* A ring of 10: the first node, then 9 pointing back. */
    gc_object* last = cycle;
    gc_push_root(&last);
    for (uint64_t i = 1; i < 10; i++) {
        gc_object* fresh = node(1, 2000 + i);
        CHECK(fresh);
        gc_write(fresh, 0, last);
        last = fresh;
    }
    gc_write(cycle, 0, last);
    gc_pop_roots(1);
    cycle = NULL;  /* The cycle is garbage now. */
    gc_collect_minor();
    struct gc_stats s = stats_now();
    CHECK(s.minor_collections == 1 && s.major_collections == 0);
    CHECK(s.allocated_objects == 160 && s.promoted_objects == 100 && s.freed_objects == 60);
    CHECK(s.old_objects == 100 && s.nursery_objects == 0);

    gc_object* cut = head;
    for (int i = 0; i < 39; i++)
        cut = gc_read(cut, 0);
    gc_write(cut, 0, NULL);
    gc_collect_major();
    s = stats_now();
    CHECK(s.major_collections == 1 && s.freed_objects == 120 && s.old_objects == 40);
    uint64_t expected = 99;
    for (gc_object* at = head; at; at = gc_read(at, 0))
        CHECK(key_of(at) == expected--);
    CHECK(expected == 59);
    gc_pop_roots(2);
    gc_collect_major();
    s = stats_now();
    CHECK(s.freed_objects == 160 && s.old_objects == 0 && s.old_bytes == 0);
    gc_shutdown();
    return 0;
}

static int collections_free_exactly_the_unreachable_objects(void)
{
    for (int b = 0; b < 2; b++)
        if (collect_counts(kBarriers[b]))
            return 1;
    return 0;
}

/* --- A mutated tree --- */

enum { kTreeDepth = 10, kTreeNodes = (1 << kTreeDepth) - 1 };

/* A complete subtree of `depth` levels whose root is heap index `key` (children 2k, 2k+1). */
static gc_object* tree_node(uint64_t key) { return node(2, key); }

static gc_object* build(uint64_t key, int depth) { return gc_tree_build(key, depth, tree_node); }

/* Nodes of the subtree whose shape and keys are right, or -1 at the first wrong one. */
static long verify(gc_object* at, uint64_t key, int depth)
{
    if (!at || key_of(at) != key || gc_field_count(at) != 2)
        return -1;
    if (depth == 1)
        return gc_read(at, 0) || gc_read(at, 1) ? -1 : 1;
    long left = verify(gc_read(at, 0), 2 * key, depth - 1);
    long right = verify(gc_read(at, 1), 2 * key + 1, depth - 1);
    return left < 0 || right < 0 ? -1 : left + right + 1;
}

static uint64_t g_random = 88172645463325252ull;

static uint64_t next_random(void) { return gc_tree_random(&g_random); }

/* `mutations` times: rebuild a random subtree (the old one becomes garbage) and hang it
   where the old one was, with some unreachable objects on the side. Returns the number of
   nodes verify() counts at the end (kTreeNodes when everything survived), or -1. */
static long mutate_tree(gc_object** tree, int mutations)
{
    for (int m = 0; m < mutations; m++) {
        uint64_t key = 2 + next_random() % (kTreeNodes - 1);
        gc_object* fresh = build(key, kTreeDepth - gc_tree_depth(key) + 1);
        if (!fresh)
            return -1;
        gc_push_root(&fresh);
        for (int g = 0; g < 3; g++)
            node((uint32_t)(next_random() % 4), key);
        gc_pop_roots(1);
        gc_object* parent = *tree;
        for (int bit = gc_tree_depth(key) - 2; bit > 0; bit--)
            parent = gc_read(parent, (uint32_t)((key >> bit) & 1));
        gc_write(parent, (uint32_t)(key & 1), fresh);
        if (m % 97 == 0 && verify(*tree, 1, kTreeDepth) != kTreeNodes)
            return -1;
    }
    return verify(*tree, 1, kTreeDepth);
}

static int a_live_tree_survives_many_collections_with_each_barrier(void)
{
    for (int b = 0; b < 2; b++) {
        g_random = 88172645463325252ull;
        CHECK(start(kBarriers[b], 16 * 1024, 512 * 1024) == 0);
        gc_object* tree = build(1, kTreeDepth);
        gc_push_root(&tree);
        CHECK(mutate_tree(&tree, 3000) == kTreeNodes);
        struct gc_stats s = stats_now();
        if (s.minor_collections < 50 || s.major_collections < 2 || s.pages_recorded == 0) {
            snprintf(failure, sizeof(failure), "%s: %lu minor, %lu major collections, %lu pages recorded",
                     gc_barrier_name(kBarriers[b]), (unsigned long)s.minor_collections,
                     (unsigned long)s.major_collections, (unsigned long)s.pages_recorded);
            return 1;
        }
        CHECK(s.allocated_objects - s.freed_objects == s.old_objects + s.nursery_objects);
        gc_shutdown();
    }
    return 0;
}

static int both_barriers_give_identical_results(void)
{
    struct gc_stats s[2];
    for (int b = 0; b < 2; b++) {
        g_random = 12345;
        CHECK(start(kBarriers[b], 16 * 1024, 512 * 1024) == 0);
        gc_object* tree = build(1, kTreeDepth);
        gc_push_root(&tree);
        CHECK(mutate_tree(&tree, 2000) == kTreeNodes);
        s[b] = stats_now();
        gc_shutdown();
    }
    CHECK(s[0].minor_collections == s[1].minor_collections);
    CHECK(s[0].major_collections == s[1].major_collections);
    CHECK(s[0].allocated_objects == s[1].allocated_objects);
    CHECK(s[0].freed_objects == s[1].freed_objects);
    CHECK(s[0].promoted_objects == s[1].promoted_objects);
    CHECK(s[0].old_bytes == s[1].old_bytes);
    /* The same stores hit the same old pages: one fault for each page the software barrier
       records, and the same pages scanned. */
    CHECK(s[0].pages_recorded == s[1].pages_recorded && s[0].pages_recorded > 0);
    CHECK(s[0].barrier_faults == s[0].pages_recorded && s[1].barrier_faults == 0);
    CHECK(s[0].dirty_pages_scanned == s[1].dirty_pages_scanned);
    return 0;
}

/* --- Old-to-young pointers that only the fault handler saw --- */

enum { kBuckets = 64, kBucketFields = 511 };  /* A bucket is 8 + 511 * 8 = 4,096 bytes. */

static int old_to_young_pointers_stored_by_plain_stores_survive_minor_collections(void)
{
    CHECK(start(GC_BARRIER_PAGE_PROTECTION, 64 * 1024, 0) == 0);
    gc_object* table = gc_alloc(kBuckets, 0);
    gc_push_root(&table);
    for (int k = 0; k < kBuckets; k++) {
        gc_object* bucket = gc_alloc(kBucketFields, 0);
        CHECK(bucket);
        gc_write(table, (uint32_t)k, bucket);
    }
    gc_collect_major();  /* The table and the buckets are old, and read-only. */
    struct gc_stats before = stats_now();
    CHECK(before.old_objects == kBuckets + 1);
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < kBuckets * 8; i++) {
            gc_object* young = node(0, (uint64_t)round << 32 | (uint64_t)i);
            CHECK(young);
            gc_object* bucket = gc_read(table, (uint32_t)(i % kBuckets));
            /* A plain store: no gc_write, so only the page barrier can see it. */
            gc_fields(bucket)[(i / kBuckets + round * 8) % kBucketFields] = young;
            for (int g = 0; g < 4; g++)
                CHECK(node(1, 0));  /* Garbage, so that collections also happen by themselves. */
        }
        gc_collect_minor();
        for (int i = 0; i < kBuckets * 8; i++) {
            gc_object* bucket = gc_read(table, (uint32_t)(i % kBuckets));
            gc_object* young = gc_read(bucket, (uint32_t)((i / kBuckets + round * 8) % kBucketFields));
            CHECK(young && key_of(young) == ((uint64_t)round << 32 | (uint64_t)i));
        }
    }
    struct gc_stats after = stats_now();
    CHECK(after.barrier_faults - before.barrier_faults >= 20 * kBuckets);
    CHECK(after.barrier_faults == after.pages_recorded);
    CHECK(after.old_objects == kBuckets + 1 + 20 * kBuckets * 8);
    gc_shutdown();
    return 0;
}

/* --- Faults and memory --- */

static struct atlas_vmstat vm(void)
{
    struct atlas_vmstat stats;
    memset(&stats, 0, sizeof(stats));
    syscall(SYS_vmstat, &stats);
    return stats;
}

enum { kFaultPages = 1000, kFaultRounds = 100 };

/* kFaultPages page-sized old objects; each round a minor collection protects them all and
   one store into each takes one barrier fault. `middle` and `last` (when given) receive
   vmstat after round 10 and after the last round. */
static int fault_rounds(int rounds, struct atlas_vmstat* middle, struct atlas_vmstat* last)
{
    CHECK(start(GC_BARRIER_PAGE_PROTECTION, 64 * 1024, 8 * 1024 * 1024) == 0);
    gc_object* table = gc_alloc(kFaultPages, 0);
    gc_push_root(&table);
    for (int k = 0; k < kFaultPages; k++) {
        gc_object* page = gc_alloc(1, kGcPageSize - 16);  /* 8 + 8 + 4,080: one page. */
        CHECK(page);
        gc_write(table, (uint32_t)k, page);
    }
    gc_collect_major();
    uint64_t faults_before = stats_now().barrier_faults;
    for (int round = 0; round < rounds; round++) {
        if (round == 10 && middle)
            *middle = vm();
        for (int k = 0; k < kFaultPages; k++)
            gc_fields(gc_read(table, (uint32_t)k))[0] = NULL;
        gc_collect_minor();
    }
    if (last)
        *last = vm();
    struct gc_stats s = stats_now();
    CHECK(s.barrier_faults - faults_before == (uint64_t)rounds * kFaultPages);
    CHECK(s.pages_recorded == s.barrier_faults);
    gc_shutdown();
    return 0;
}

static int the_page_barrier_takes_100000_faults_without_leaking(void)
{
    CHECK(fault_rounds(12, NULL, NULL) == 0);  /* Warm-up: the kernel's caches fill. */
    /* No write-back may run meanwhile: a file an earlier test left dirty sits on the
     * flusher's queue, holding its page cache, which the flusher lets go when it writes it
     * back, changing the heap under the count. sync() empties the queue now. */
    sync();
    struct atlas_vmstat before = vm(), middle, last;
    CHECK(fault_rounds(kFaultRounds, &middle, &last) == 0);
    struct atlas_vmstat after = vm();
    /* 90,000 faults between middle and last, and nothing kept for any of them. */
    CHECK(last.kernel_heap_bytes == middle.kernel_heap_bytes);
    CHECK(last.free_frames + 8 >= middle.free_frames);
    /* And the heap's memory all given back. */
    CHECK(after.kernel_heap_bytes == before.kernel_heap_bytes);
    CHECK(after.free_frames + 8 >= before.free_frames);
    return 0;
}

static int a_fault_outside_the_heap_still_kills_the_process(void)
{
    for (int b = 0; b < 2; b++) {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            char* page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (page == MAP_FAILED || start(kBarriers[b], 0, 0) != 0)
                _exit(2);
            gc_collect_minor();
            *(volatile char*)page = 1;
            _exit(3);
        }
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    }
    return 0;
}

static volatile int g_own_handler_calls;

static void own_handler(int signal, siginfo_t* info, void* context)
{
    (void)signal;
    (void)context;
    g_own_handler_calls++;
    mprotect((void*)((uintptr_t)info->si_addr & ~(uintptr_t)4095), 4096, PROT_READ | PROT_WRITE);
}

static int a_handler_installed_before_gc_init_still_gets_the_other_faults(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = own_handler;
    action.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &action, NULL) == 0);
    char* page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    CHECK(start(GC_BARRIER_PAGE_PROTECTION, 0, 0) == 0);
    gc_object* object = gc_alloc(1, 0);
    gc_push_root(&object);
    gc_collect_minor();
    gc_fields(object)[0] = object;  /* The barrier's fault. */
    *(volatile char*)page = 7;      /* The program's own. */
    CHECK(g_own_handler_calls == 1 && page[0] == 7);
    CHECK(stats_now().barrier_faults == 1);
    gc_shutdown();
    struct sigaction now;
    CHECK(sigaction(SIGSEGV, NULL, &now) == 0 && now.sa_sigaction == own_handler);
    return 0;
}

static int oversized_objects_and_a_missing_heap_are_enomem(void)
{
    errno = 0;
    CHECK(gc_alloc(1, 8) == NULL && errno == ENOMEM);
    CHECK(start(GC_BARRIER_SOFTWARE, 16 * 1024, 0) == 0);
    errno = 0;
    CHECK(gc_alloc(0, 32 * 1024) == NULL && errno == ENOMEM);
    CHECK(start(GC_BARRIER_SOFTWARE, 0, 0) == -1 && errno == EBUSY);
    CHECK(gc_alloc(0, 8 * 1024) != NULL);
    gc_shutdown();
    return 0;
}

/* --- The demo --- */

/* Runs gcdemo with `argument` and leaves in `line` the summary line with its checksum;
   returns its wait status, or -1. */
static int run_demo(const char* argument, char* line, size_t size)
{
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_ends[1], 1);
        close(pipe_ends[0]);
        close(pipe_ends[1]);
        char* argv[] = {"gcdemo", (char*)argument, "4000", NULL};
        execvp("gcdemo", argument ? argv : (char*[]){"gcdemo", "4000", NULL});
        _exit(127);
    }
    close(pipe_ends[1]);
    static char output[8192];
    size_t length = 0;
    ssize_t got;
    while ((got = read(pipe_ends[0], output + length, sizeof(output) - 1 - length)) > 0)
        length += (size_t)got;
    output[length] = 0;
    close(pipe_ends[0]);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    const char* found = strstr(output, "tree checksum");
    line[0] = 0;
    if (found) {
        size_t n = strcspn(found, "\n");
        n = n < size - 1 ? n : size - 1;
        memcpy(line, found, n);
        line[n] = 0;
    }
    return status;
}

static int gcdemo_keeps_the_same_tree_under_both_barriers(void)
{
    char page_line[128], software_line[128];
    CHECK(run_demo(NULL, page_line, sizeof(page_line)) == 0);
    CHECK(run_demo("--software", software_line, sizeof(software_line)) == 0);
    CHECK(strstr(page_line, "(intact)") != NULL);
    CHECK(strcmp(page_line, software_line) == 0);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(collections_free_exactly_the_unreachable_objects),
    TEST(a_live_tree_survives_many_collections_with_each_barrier),
    TEST(both_barriers_give_identical_results),
    TEST(old_to_young_pointers_stored_by_plain_stores_survive_minor_collections),
    TEST(the_page_barrier_takes_100000_faults_without_leaking),
    TEST(a_fault_outside_the_heap_still_kills_the_process),
    TEST(a_handler_installed_before_gc_init_still_gets_the_other_faults),
    TEST(oversized_objects_and_a_missing_heap_are_enomem),
    TEST(gcdemo_keeps_the_same_tree_under_both_barriers),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
