/* gc_bench: the collector of user/gc (gc.h) with its page-protection write barrier against
 * the same collector with its software barrier, on two workloads, in instructions:
 *
 *   tree    a binary tree of 4,095 nodes; each mutation builds a random subtree afresh,
 *           hangs it in place of the old one (one store into an old node) and drops four
 *           short-lived objects: few stores into the old generation, spread over its
 *           pages. Per mutation, collections included.
 *   stores  64 old objects of one page each; each step allocates a small object and
 *           stores it into 8 random fields of them: many stores into few old pages. Per
 *           store, allocation and collections included.
 *
 *   gc_bench [MUTATIONS [ROUNDS]]    defaults: 20000 mutations (and 8 x as many stores), 3 rounds
 *
 * Prints "BENCH gc_tree_page N instructions" and gc_tree_software, gc_stores_page,
 * gc_stores_software (the round with the fewest instructions, per mutation or store), and
 * per round the barrier's faults under page protection (gc_tree_barrier_faults,
 * gc_stores_barrier_faults) and the minor collections (gc_tree_minor_collections,
 * gc_stores_minor_collections), which are the same under either barrier. Every round
 * checks its structure's contents, and both barriers must agree on every count. Exact
 * only under -icount with one hart. Builds for Linux too (BENCH_LINUX, bench.h; gc.c is
 * linked in), where the collector runs unchanged on glibc's signals. */
#include <signal.h>
#include <sys/mman.h>

#include "../gc/gc.h"
#include "../gc/gc_tree.h"
#include "bench.h"

enum { kDepth = 12, kNodes = (1 << kDepth) - 1, kBuckets = 64, kBucketFields = 511, kStoresPerStep = 8 };

static uint64_t g_random;

static uint64_t next_random(void) { return gc_tree_random(&g_random); }

static gc_object* allocate(uint32_t fields, uint64_t key)
{
    gc_object* object = gc_alloc(fields, 8);
    if (!object)
        bench_fail("gc_bench: gc_alloc: %s", strerror(errno));
    *(uint64_t*)gc_data(object) = key;
    return object;
}

static gc_object* tree_node(uint64_t key) { return allocate(2, key); }

static gc_object* build(uint64_t key, int depth) { return gc_tree_build(key, depth, tree_node); }

/* Sum of key x level over the tree, 0 if any node is wrong. */
static uint64_t checksum(gc_object* at, uint64_t key, int depth)
{
    if (!at || *(uint64_t*)gc_data(at) != key)
        return 0;
    if (depth == 1)
        return key * kDepth;
    uint64_t left = checksum(gc_read(at, 0), 2 * key, depth - 1);
    uint64_t right = checksum(gc_read(at, 1), 2 * key + 1, depth - 1);
    return left && right ? key * (uint64_t)(kDepth - depth + 1) + left + right : 0;
}

static void start(enum gc_barrier barrier, size_t nursery)
{
    struct gc_config config = {barrier, nursery, 4 * 1024 * 1024, NULL};
    if (gc_init(&config) != 0)
        bench_fail("gc_bench: gc_init: %s", strerror(errno));
}

/* One round of the tree workload; returns its instructions. */
static uint64_t tree_round(enum gc_barrier barrier, long mutations, struct gc_stats* stats)
{
    g_random = 0x9E3779B97F4A7C15ull;
    start(barrier, 64 * 1024);
    gc_object* tree = build(1, kDepth);
    gc_push_root(&tree);
    gc_collect_major();
    uint64_t begin = bench_instret();
    for (long m = 0; m < mutations; m++) {
        uint64_t key = 2 + next_random() % (kNodes - 1);
        gc_object* fresh = build(key, kDepth - gc_tree_depth(key) + 1);
        gc_push_root(&fresh);
        for (int g = 0; g < 4; g++)
            allocate((uint32_t)(next_random() % 4), key);
        gc_pop_roots(1);
        gc_object* parent = tree;
        for (int bit = gc_tree_depth(key) - 2; bit > 0; bit--)
            parent = gc_read(parent, (uint32_t)((key >> bit) & 1));
        gc_write(parent, (uint32_t)(key & 1), fresh);
    }
    uint64_t spent = bench_instret() - begin;
    if (checksum(tree, 1, kDepth) == 0)
        bench_fail("gc_bench: the %s barrier lost part of the tree", gc_barrier_name(barrier));
    gc_get_stats(stats);
    gc_shutdown();
    return spent;
}

/* One round of the store workload; returns its instructions. */
static uint64_t stores_round(enum gc_barrier barrier, long steps, struct gc_stats* stats)
{
    g_random = 0x2545F4914F6CDD1Dull;
    start(barrier, 256 * 1024);
    gc_object* table = gc_alloc(kBuckets, 0);
    gc_push_root(&table);
    for (int k = 0; k < kBuckets; k++) {
        gc_object* bucket = gc_alloc(kBucketFields, 0);  /* May move the table. */
        gc_write(table, (uint32_t)k, bucket);
    }
    gc_collect_major();
    uint64_t begin = bench_instret();
    for (long step = 0; step < steps; step++) {
        gc_object* young = allocate(0, (uint64_t)step);
        for (int s = 0; s < kStoresPerStep; s++) {
            uint64_t r = next_random();
            gc_write(gc_read(table, (uint32_t)(r % kBuckets)), (uint32_t)((r >> 8) % kBucketFields), young);
        }
    }
    uint64_t spent = bench_instret() - begin;
    /* Every field holds NULL or one of the objects, whose keys are step numbers. */
    for (int k = 0; k < kBuckets; k++) {
        gc_object* bucket = gc_read(table, (uint32_t)k);
        for (int f = 0; f < kBucketFields; f++) {
            gc_object* young = gc_read(bucket, (uint32_t)f);
            if (young && (gc_field_count(young) != 0 || *(uint64_t*)gc_data(young) >= (uint64_t)steps))
                bench_fail("gc_bench: the %s barrier lost a stored object", gc_barrier_name(barrier));
        }
    }
    gc_get_stats(stats);
    gc_shutdown();
    return spent;
}

static void same_counts(const char* workload, const struct gc_stats* page, const struct gc_stats* software)
{
    if (page->minor_collections != software->minor_collections ||
        page->freed_objects != software->freed_objects || page->old_bytes != software->old_bytes ||
        page->pages_recorded != software->pages_recorded || page->barrier_faults != page->pages_recorded)
        bench_fail("gc_bench: %s: the two barriers disagree", workload);
}

int main(int argc, char** argv)
{
    const char* usage = "gc_bench [MUTATIONS [ROUNDS]]";
    long mutations = bench_argument(argc, argv, 1, 20000, usage);
    long rounds = bench_argument(argc, argv, 2, 3, usage);
    long steps = mutations;  /* Of kStoresPerStep stores each. */
    uint64_t best[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    struct gc_stats tree[2], stores[2];
    for (long round = 0; round < rounds; round++) {
        for (int b = 0; b < 2; b++) {
            enum gc_barrier barrier = b ? GC_BARRIER_SOFTWARE : GC_BARRIER_PAGE_PROTECTION;
            uint64_t spent = tree_round(barrier, mutations, &tree[b]);
            if (spent < best[b])
                best[b] = spent;
            spent = stores_round(barrier, steps, &stores[b]);
            if (spent < best[2 + b])
                best[2 + b] = spent;
        }
        same_counts("tree", &tree[0], &tree[1]);
        same_counts("stores", &stores[0], &stores[1]);
    }
    uint64_t store_count = (uint64_t)steps * kStoresPerStep;
    bench_report("gc_tree_page", best[0] / (uint64_t)mutations, "instructions");
    bench_report("gc_tree_software", best[1] / (uint64_t)mutations, "instructions");
    bench_report("gc_stores_page", best[2] / store_count, "instructions");
    bench_report("gc_stores_software", best[3] / store_count, "instructions");
    bench_report("gc_tree_barrier_faults", tree[0].barrier_faults, "faults");
    bench_report("gc_stores_barrier_faults", stores[0].barrier_faults, "faults");
    bench_report("gc_tree_minor_collections", tree[0].minor_collections, "collections");
    bench_report("gc_stores_minor_collections", stores[0].minor_collections, "collections");
    return 0;
}
