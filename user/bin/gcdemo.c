/* gcdemo: the collector of user/gc at work. It builds a binary tree of 4,095 nodes and
 * then, MUTATIONS times, replaces a random subtree by a freshly built one (the old one
 * becomes garbage) and drops a few short-lived objects, so the old generation keeps
 * receiving pointers to young objects. It prints a line for every major collection and
 * for every 64th minor one, and a summary: collections, objects allocated, freed and
 * live, the barrier's faults or records, and a checksum of the tree, which is the same
 * under either barrier (docs/userland.md).
 *
 *   gcdemo [--software] [MUTATIONS]    defaults: the page-protection barrier, 20000 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../gc/gc.h"
#include "../gc/gc_tree.h"

enum { kDepth = 12, kNodes = (1 << kDepth) - 1 };

static uint64_t g_random = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void) { return gc_tree_random(&g_random); }

/* A node of the tree, for heap index `key` (its data); out of memory ends the demo. */
static gc_object* tree_node(uint64_t key)
{
    gc_object* node = gc_alloc(2, 8);
    if (!node) {
        fprintf(stderr, "gcdemo: out of memory\n");
        exit(1);
    }
    *(uint64_t*)gc_data(node) = key;
    return node;
}

/* A complete subtree of `depth` levels rooted at heap index `key`. */
static gc_object* build(uint64_t key, int depth) { return gc_tree_build(key, depth, tree_node); }

/* The sum of key x depth over the subtree, or 0 if a node has the wrong key or shape. */
static uint64_t checksum(gc_object* at, uint64_t key, int depth)
{
    if (!at || *(uint64_t*)gc_data(at) != key)
        return 0;
    uint64_t sum = key * (uint64_t)(kDepth - depth + 1);
    if (depth == 1)
        return gc_read(at, 0) || gc_read(at, 1) ? 0 : sum;
    uint64_t left = checksum(gc_read(at, 0), 2 * key, depth - 1);
    uint64_t right = checksum(gc_read(at, 1), 2 * key + 1, depth - 1);
    return left && right ? sum + left + right : 0;
}

static void print_collection(const struct gc_collection* collection)
{
    static uint64_t minors;
    if (!collection->major && ++minors % 64 != 0)
        return;
    printf("%s collection: %lu survivors, %lu freed, %lu dirty pages scanned, old generation %lu KiB\n",
           collection->major ? "major" : "minor", (unsigned long)collection->survivors,
           (unsigned long)collection->freed, (unsigned long)collection->dirty_pages,
           (unsigned long)(collection->old_bytes / 1024));
}

int main(int argc, char** argv)
{
    enum gc_barrier barrier = GC_BARRIER_PAGE_PROTECTION;
    long mutations = 20000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--software") == 0)
            barrier = GC_BARRIER_SOFTWARE;
        else if ((mutations = atol(argv[i])) <= 0) {
            fprintf(stderr, "usage: gcdemo [--software] [MUTATIONS]\n");
            return 2;
        }
    }
    struct gc_config config = {barrier, 64 * 1024, 1024 * 1024, print_collection};
    if (gc_init(&config) != 0) {
        perror("gcdemo: gc_init");
        return 1;
    }
    gc_object* tree = build(1, kDepth);
    gc_push_root(&tree);
    for (long m = 0; m < mutations; m++) {
        uint64_t key = 2 + next_random() % (kNodes - 1);
        gc_object* fresh = build(key, kDepth - gc_tree_depth(key) + 1);
        gc_push_root(&fresh);
        for (int g = 0; g < 4; g++)
            if (!gc_alloc((uint32_t)(next_random() % 4), 16))
                return 1;
        gc_pop_roots(1);
        gc_object* parent = tree;
        for (int bit = gc_tree_depth(key) - 2; bit > 0; bit--)
            parent = gc_read(parent, (uint32_t)((key >> bit) & 1));
        gc_write(parent, (uint32_t)(key & 1), fresh);
    }
    uint64_t sum = checksum(tree, 1, kDepth);
    struct gc_stats stats;
    gc_get_stats(&stats);
    printf("gcdemo: %s barrier, %ld mutations: %lu minor and %lu major collections\n", gc_barrier_name(barrier),
           mutations, (unsigned long)stats.minor_collections, (unsigned long)stats.major_collections);
    printf("gcdemo: objects allocated %lu, freed %lu, live %lu (old %lu, %lu KiB)\n",
           (unsigned long)stats.allocated_objects, (unsigned long)stats.freed_objects,
           (unsigned long)(stats.old_objects + stats.nursery_objects), (unsigned long)stats.old_objects,
           (unsigned long)(stats.old_bytes / 1024));
    printf("gcdemo: pages recorded %lu (barrier faults %lu), dirty pages scanned %lu\n",
           (unsigned long)stats.pages_recorded, (unsigned long)stats.barrier_faults,
           (unsigned long)stats.dirty_pages_scanned);
    printf("gcdemo: tree checksum %lu (%s)\n", (unsigned long)sum, sum ? "intact" : "BROKEN");
    gc_shutdown();
    return sum ? 0 : 1;
}
