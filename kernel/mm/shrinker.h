// Shrinkers: how memory management asks the caches of higher layers to give memory back.
//
// mm knows nothing of the file system or the drivers (it must not include them), yet some
// of their caches hold frames that could be freed and rebuilt later, such as the file
// system's block cache of metadata. Each such cache registers a Shrinker here; page reclaim
// (mm/reclaim.h) calls the shrinkers when freeing page-cache pages was not enough, before
// an allocation fails, and drop_caches() calls them to empty the caches completely.
//
//   fs mount ──register_shrinker(block cache's)──> registry (a list)
//   reclaim: page-cache pages first ──not enough──> shrink_caches(n) ──> each shrinker in turn
//
// A shrinker frees only what its cache can rebuild (clean, unused entries), least recently
// used first, and says how many frames it freed.
//
// Invariants: a Shrinker is on the registry from register_shrinker() until
// unregister_shrinker(); it must stay valid (and its cache alive) all that time.
//
// Locking: the registry is guarded by a Mutex held across the calls, so unregistering waits
// for a shrink in progress. A shrink function is called with no spinlock held, from a thread
// that may hold an AddressSpace lock but no VmObject or file-system lock; it may take
// spinlocks and free memory, but must not sleep on I/O or register shrinkers.
#pragma once

#include <cstddef>

#include "lib/intrusive_list.h"

struct Shrinker {
    using ShrinkFunction = size_t (*)(void* context, size_t frames);
    Shrinker(const char* name_, ShrinkFunction shrink_, void* context_)
        : name(name_)
        , shrink(shrink_)
        , context(context_)
    {
    }
    Shrinker(const Shrinker&) = delete;
    Shrinker& operator=(const Shrinker&) = delete;

    const char* name;
    // Frees up to `frames` frames of rebuildable memory; returns how many it freed.
    ShrinkFunction shrink;
    void* context;
    ListNode node;  // On the registry; guarded by its lock.
};

void register_shrinker(Shrinker& shrinker);
void unregister_shrinker(Shrinker& shrinker);

// Asks the shrinkers, in registration order, for `frames` frames in all (SIZE_MAX: all
// they can give). Returns how many they freed. May sleep (for the registry's lock).
size_t shrink_caches(size_t frames);

// Frames the shrinkers have freed since boot, for vmstat.
size_t shrunk_frames();
