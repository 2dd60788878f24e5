/* gc_tree.h: the small helpers the collector's demo, test and benchmark share to grow and
 * mutate their trees of heap-indexed nodes (node k has children 2k and 2k + 1, the root is
 * 1): the building of a complete subtree, a seeded pseudo-random stream, so a run is the
 * same every time, and the depth of a node's key.
 *
 * Invariants: gc_tree_random never returns 0 for a non-zero state (xorshift64 keeps the
 * state non-zero), and the same state gives the same stream on every kernel. */
#ifndef ATLAS_GC_TREE_H
#define ATLAS_GC_TREE_H

#include <stdint.h>

#include "gc.h"

/* A complete subtree of `depth` levels whose root is heap index `key`, each node made by
 * make(key): two pointer fields and the key in its data, or NULL when out of memory, which
 * ends that branch (the demo and the benchmark exit instead). The root stays on the root
 * stack while its children are built, since building them may collect. */
static inline gc_object* gc_tree_build(uint64_t key, int depth, gc_object* (*make)(uint64_t key))
{
    gc_object* root = make(key);
    if (!root || depth == 1)
        return root;
    gc_push_root(&root);
    gc_object* left = gc_tree_build(2 * key, depth - 1, make);
    gc_write(root, 0, left);
    gc_object* right = gc_tree_build(2 * key + 1, depth - 1, make);
    gc_write(root, 1, right);
    gc_pop_roots(1);
    return root;
}

/* The next value of the xorshift64 stream whose state is *state (non-zero). */
static inline uint64_t gc_tree_random(uint64_t* state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* The level of heap index `key` in its tree: 1 for the root (key 1), 2 for keys 2 and 3... */
static inline int gc_tree_depth(uint64_t key)
{
    int depth = 0;
    while (key >> depth)
        depth++;
    return depth;
}

#endif
