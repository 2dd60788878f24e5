/* gc_tree.h: the two small helpers the collector's demo, test and benchmark share to grow
 * and mutate their trees of heap-indexed nodes (node k has children 2k and 2k + 1, the root
 * is 1): a seeded pseudo-random stream, so a run is the same every time, and the depth of
 * a node's key.
 *
 * Invariants: gc_tree_random never returns 0 for a non-zero state (xorshift64 keeps the
 * state non-zero), and the same state gives the same stream on every kernel. */
#ifndef ATLAS_GC_TREE_H
#define ATLAS_GC_TREE_H

#include <stdint.h>

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
