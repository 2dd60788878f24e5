// The kernel heap: kmalloc/kfree and the global operator new and delete.
//
// Small blocks (up to kMaxSmallSize bytes) come from size classes, each served from
// slabs: single 4 KiB frames cut into equal objects, reached through the direct map.
// A slab's free objects are linked through the objects themselves; the slab's frame
// descriptor (mm/page.h) records its class, its free list and how many objects are out:
//
//   SizeClass 64: partial slabs -> [Page: free list, in use 37] -> [Page: ...] -> ...
//                 full slabs are on no list; an empty slab is returned to the page
//                 allocator (one empty slab per class is kept to absorb alloc/free
//                 ping-pong at a slab boundary).
//
// In front of the classes, each hart keeps a small cache of free objects per class (a
// stack of pointers, at most size_class_cache_capacity() of them: about 2 KiB, never more
// than 32 objects nor fewer than 2). kmalloc pops from it and kfree pushes onto it with
// this hart's interrupts off and no lock, which is what makes the common case cheap:
//
//   kmalloc(100) -> class 128 -> this hart's cache [o7 o3 o9 ...]: pop    (no lock)
//                   cache empty: lock the class, take one object plus half a cache's
//                   worth from the slabs into the cache (the slow path)
//   kfree(p)     -> p's slab descriptor names the class -> push p          (no lock)
//                   cache full: lock the class, return the older half of the cache to
//                   its slabs, then push p
//
// An object in a cache is free as far as statistics go, but its slab still counts as in
// use: a slab whose other objects are all free goes back to the page allocator only once
// the cache gives the object back (when it overflows, when kmalloc finds no frame, or on
// kernel_heap_drain_this_cpu()). At most size_class_cache_capacity() slabs per class and
// hart are held like this.
//
// Larger blocks are made of whole frames mapped side by side in the kernel virtual area,
// since the page allocator hands out single frames (O(1)) and never contiguous runs.
// Each large block sits in a virtual slot of a power-of-two number of pages with at least
// one unmapped page after the block, so running off its end faults. Slots are recycled
// through one free list per size; nothing is ever coalesced, because the 63 GiB of
// virtual space set aside is far more than physical memory can fill.
//
// Guarantees: every allocation is aligned to 16 bytes; a block whose size is a power of
// two up to 4096 is aligned to that size; large blocks are page-aligned. Allocation and
// free are O(1) for small blocks (a cache refill or drain moves at most 16 objects) and
// O(pages) for large ones.
//
// Running out of memory: kmalloc returns nullptr, and so does `new (std::nothrow)`,
// which is what fallible code uses (try_make and try_make_ref_counted do). Plain `new`
// cannot report failure without exceptions, so it panics on exhaustion: use it only where
// running out of memory is truly fatal.
//
// Locking: the per-hart caches have no lock; only their hart touches them, with
// interrupts off. Each size class has its own lock, and large blocks share one (all of rank
// LockRank::KernelHeap). None of them is held while the heap calls the page allocator or
// the page table, so the heap's locks never nest. Callers may hold any lock that comes
// before KernelHeap in sync/lock_order.h. Interrupt handlers may allocate.
#pragma once

#include <cstddef>
#include <cstdint>

constexpr size_t kMaxSmallSize = 2048;

// Returns a block of at least `size` bytes, or nullptr when memory runs out. kmalloc(0)
// returns a unique minimal block, as operator new must.
void* kmalloc(size_t size);

// Frees a block from kmalloc (or operator new). kfree(nullptr) does nothing.
void kfree(void* pointer);

// Returns a block of `size` bytes aligned to `alignment` (a power of two, at most 4096).
void* kmalloc_aligned(size_t size, size_t alignment);

// The usable size of a block: what its size class or page count gives it.
size_t kmalloc_usable_size(const void* pointer);

// Gives every object in this hart's caches back to its slab, and empty slabs beyond each
// class's spare back to the page allocator. The caller should keep interrupts off if it
// needs all of it to be this one hart's caches (a thread may otherwise move between
// classes).
void kernel_heap_drain_this_cpu();

// Gives back what the heap holds for speed rather than for its callers: every hart's
// object caches (each hart drains its own, through a cross-call: only its hart may touch a
// cache) and every class's spare empty slab. Afterwards slab_pages counts only slabs that
// hold objects in use. For drop_caches and for reclaim before memory runs out. Call from
// a thread with interrupts on and no spinlock held (smp_run_on_every_hart). May sleep.
void kernel_heap_drain_every_cpu();

struct KernelHeapStatistics {
    // Sum of the object sizes of small blocks callers hold: objects resting in per-hart
    // caches are free and not counted, so this is exact whatever the caches hold.
    size_t small_bytes_in_use;
    size_t slab_pages;         // Frames held by slabs (full, partial and cached empty).
    size_t cached_objects;     // Free objects resting in the harts' caches,
    size_t cached_bytes;       // and the bytes they span (free, but their slabs are held).
    size_t spare_slabs;        // Empty slabs kept, one per class at most.
    size_t large_blocks;       // Large blocks in use.
    size_t large_pages;        // Frames mapped for them.
};
KernelHeapStatistics kernel_heap_statistics();
