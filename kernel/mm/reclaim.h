// Page reclaim: what frees memory when frames run out, so that a file larger than RAM can be
// mapped, read and written end to end.
//
// Only pages of the page cache (PageUse::File, mm/file_object.h) are reclaimable: a clean
// one is simply dropped (the disk has it), a dirty one is written back first. Anonymous
// memory has nowhere to go (there is no swap), so it is never taken.
//
// Two queues, a two-handed clock in the style of the BSDs and Linux:
//
//   inactive: [oldest ........................ newest] <- new cache pages enter here
//                 |  used since the last look? --yes--> active tail
//                 `--no--> evicted: unmapped from every page table (the reverse map),
//                          written back if dirty, freed
//   active:   [oldest ........................ newest]
//                 `-- when inactive is the smaller queue, the oldest active pages move
//                     to the inactive tail (their referenced flag cleared: a second chance)
//
// "Used" is either of two marks, both cleared by the look that reads them:
//   - kPageReferenced, set whenever the cache hands a page out (read(), write(), a fault);
//   - the accessed bit (A) of a PTE that maps the page, which the hardware sets on every
//     load or store through the entry and the clock reads and clears through the reverse
//     map (FileObject::try_evict). A cleared entry may still sit in a TLB, where it is used
//     without setting A again: after each batch of looks, the harts that may cache a
//     cleared entry flush their TLBs, this one at once and the others at their next timer
//     tick (StaleTlbs in mm/address_space.h).
// So a page used only through its mappings, with no fault, stays active for as long as it
// is used once per round of the queues. The active queue's hand (deactivation) asks only
// the flag, under the queue lock; the accessed bits are asked at the inactive head, under
// the object's lock. On cores that fault on a clear A bit instead of setting it (Svade),
// the next use of a cleared entry faults, and the fault pipeline writes the entry again
// with A (and D) set; see docs/vm.md.
//
// Who runs it:
//   - the reclaim thread ("pageout"), woken when free frames fall below low_watermark(),
//     frees until high_watermark(); it alone writes dirty pages back;
//   - allocating threads, through allocate_user_page(): below reserve_frames() they reclaim clean
//     pages themselves (direct reclaim), then shrink the other caches (mm/shrinker.h: the
//     block cache's unused buffers), then wait for the thread's next pass (which shrinks
//     them too once the page cache has nothing left), and as a last resort drain the
//     kernel heap's per-hart caches. When a pass
//     frees nothing and nothing is free, the allocation fails with ENOMEM and the faulting
//     process is killed; the kernel carries on. The reserve is left to the
//     kernel's own allocations (page tables, the heap, the block cache), which never wait.
//
// Invariants:
//   - A page is on a queue exactly while it is in a FileObject's tree (page_cached /
//     page_uncached, called by the object under its lock); kPageActive says which queue.
//   - A page leaves the cache only under its object's lock, so the reclaimer revalidates
//     (object, index, page) under that lock before it evicts anything.
//
// Locking: the queues are guarded by one spinlock of rank PageQueue; nothing sleeps or takes
// an object's lock while holding it. allocate_user_page() may sleep: call it with no
// spinlock and no FileObject lock held (an AddressSpace lock is fine).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "mm/page.h"
#include "mm/physical_allocator.h"

namespace reclaim {

// Queue bookkeeping, for the page cache (under the owning object's lock).
void page_cached(Page& page);
void page_uncached(Page& page);
// The clock found the page used since its last look: onto the active tail (if not there).
void page_activate(Page& page);

// Watermarks, as fractions of RAM with floors for small machines (in frames). Below the
// low watermark the thread wakes; it works until the high one; user allocations stop at
// the reserve, which is left to the kernel's own allocations.
inline size_t reserve_frames() { return total_page_count() / 128 > 128 ? total_page_count() / 128 : 128; }
inline size_t high_watermark() { return reserve_frames() * 4; }

// The low watermark, computed once (set_watermarks(), at boot, right after the physical
// allocator knows how much RAM there is): every user allocation compares against it.
namespace detail {
extern size_t g_low_watermark;
}
void set_watermarks();
inline size_t low_watermark() { return detail::g_low_watermark; }

// allocate_user_page() once the free count is at or below the low watermark, or the
// allocator failed: reclaims, wakes the thread, waits. nullptr: out of memory.
Page* allocate_user_page_with_reclaim(ZeroFill fill, PageUse use);

// The one way to get a frame for user data or the page cache (zero-fill, copy-on-write and
// private copies in the fault pipeline, page-cache fills): like try_allocate_page(), but
// below the reserve it reclaims, and waits for the reclaim thread, before it gives up.
// nullptr means out of memory (ENOMEM for the caller). May sleep.
// Inline, and no ErrorOr: above the low watermark (the common case) one comparison
// decides, and the frame comes from this hart's cache, so every fault that allocates pays
// no call for it. The comparison counts the free list's frames and this hart's cache's
// (quick_free_page_count(), two loads); when they are few, allocate_user_page_with_reclaim()
// looks again at every free frame, the other harts' caches included, so the decision is the
// same as with free_page_count().
[[gnu::always_inline]] inline Page* allocate_user_page(ZeroFill fill, PageUse use) {
    if (quick_free_page_count() > low_watermark()) [[likely]] {
        if (Page* page = try_allocate_page(fill, use)) [[likely]]
            return page;
    }
    return allocate_user_page_with_reclaim(fill, use);
}

// Whether a frame can be taken without going below the point where reclaim starts (for
// allocations that are only worth making when memory is plentiful: readahead).
bool can_allocate_without_reclaim();

// Evicts up to `count` reclaimable pages (dirty ones only if `write_back`); returns how many
// frames it freed. For the reclaim thread, direct reclaim and tests.
size_t reclaim_pages(size_t count, bool write_back);

// Gives back every frame the kernel holds only to be fast and can rebuild, like Linux's
// drop_caches: writes back and evicts the cached pages of files that nobody maps (and that
// no read or fault is using), empties the registered caches (mm/shrinker.h: the block
// cache), makes the freed kernel stacks' slots free, and drains the kernel heap's and the
// physical allocator's per-hart caches. Returns how many page-cache pages it evicted. Call
// from a thread with interrupts on and no lock held; sleeps (disk I/O, cross-calls).
size_t drop_caches();

// Starts the reclaim thread (once, at boot, after the scheduler).
void start_thread();

struct Statistics {
    uint64_t reclaimed;      // Pages evicted since boot.
    uint64_t cached_pages;   // Pages on the queues now.
    uint64_t active_pages;   // Of which on the active queue.
    uint64_t activated;      // Pages the clock found used since its last look (since boot).
};
Statistics statistics();

}  // namespace reclaim
