// The physical page allocator: hands out single 4 KiB frames in O(1) and keeps one Page
// descriptor (mm/page.h) per frame.
//
// At boot, physical_allocator_init() looks at every RAM range in MachineInfo and takes
// out what is not the kernel's to give:
//
//   0x80000000  +------------------+
//               | OpenSBI          |  MachineInfo::reserved (firmware, PMP-protected)
//   0x80200000  +------------------+
//               | kernel image     |  [kernel_start, kernel_end), physically
//               +------------------+
//               | Page descriptors |  carved from the first free run big enough
//               +------------------+
//               | free frames      |  -> the free list
//               |       ...        |
//               +------------------+
//               | device tree blob |  reserved: main.cc passes where it is
//   RAM end     +------------------+
//
// The descriptor array covers every frame from the lowest RAM address to the highest, so
// page_from_phys() and page_to_phys() are one subtraction and one shift; frames in holes
// between RAM ranges get descriptors marked Reserved that are never handed out.
//
// Free frames sit on one global free list and in per-hart caches (stacks refilled from the
// free list 32 frames at a time): the common allocation and free touch only the calling
// hart's cache, with interrupts off, and the free list's lock is taken once per 32 frames.
// A caller that frees many frames at once (munmap, exit) collects them in a FreeBatch and
// hands them over in one call: one lock of its cache for the lot, and the frames that do
// not fit go to the free list as one chain.
//
// A cache holds up to frame_cache_capacity() frames: a quarter of RAM shared out among the
// harts (at least 64, at most 8,192 frames, 32 MiB), so that what a hart's munmap of tens of
// MiB frees is what its next faults get back: frames last written on this hart, whose bytes
// and descriptors the host's caches still hold on this core, instead of frames another
// hart just freed. The frames stay free and counted, and within reach of every hart. When
// the free list runs dry, an allocation takes the frames of every other hart's cache
// before it fails, so ENOMEM means no frame is free anywhere.
//
// Nothing shared is written per frame: each cache counts its own frames, and the free list
// its own (changed only under its lock), so two harts faulting and freeing at full speed
// touch no common cache line (free_page_count() adds the counts up).
//
// Invariants: free_page_count() is the number of frames on the free list and in the
// caches (a snapshot while other harts allocate and free); every such frame is Free with a
// zero reference count; total_page_count() never changes after init.
//
// Locking: one lock (LockRank::PhysicalMemory) guards the free list; it and the calling
// hart's cache lock are taken and released inside each call. Callers may hold a page-table
// lock but no heap lock. Safe from interrupt handlers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/machine.h"
#include "lib/assert.h"
#include "lib/error_or.h"
#include "lib/plain_store.h"
#include "lib/string.h"
#include "mm/page.h"
#include "sync/interrupt_disabler.h"

// What a freshly allocated frame contains:
//   - No: the poison pattern (kPagePoisonByte), which makes a read of never-written memory
//     easy to spot: for the kernel's own users (slabs, heap blocks, stacks);
//   - Yes: zeros (klib::page_zero);
//   - CallerOverwrites: whatever the frame held last, untouched, for a frame the caller
//     wholly overwrites before anybody else can read it (a copy-on-write copy, a page-cache
//     frame filled from the disk). The poison fill would cost as much as the copy's stores
//     for nothing. The frame may hold another holder's old data: it must never reach user
//     space or a reader before the caller has written all of it.
enum class ZeroFill : uint8_t { No, Yes, CallerOverwrites };

constexpr uint8_t kPagePoisonByte = 0xa5;

// Builds the descriptor array and the free list. `device_tree` is the blob's physical
// range, which stays reserved. Must run once, on the boot hart, while the boot page table
// (which direct-maps all RAM) is active. Panics if RAM cannot hold the descriptors.
void physical_allocator_init(const MachineInfo& machine, MemoryRange device_tree);

// Takes a free frame, with one reference, marked as `use`. Fails with ENOMEM when none
// is left.
ErrorOr<Page*> allocate_page(ZeroFill fill, PageUse use = PageUse::Other);

// A frame from the calling hart's cache, prepared as allocate_page() prepares it, or
// nullptr if the cache is empty (or, rarely, being emptied by another hart): then
// allocate_page() refills it from the free list. Inline, and no ErrorOr: this is the
// allocation of every zero-fill and copy-on-write fault (reclaim::allocate_user_page).
[[gnu::always_inline]] inline Page* allocate_page_from_cache(ZeroFill fill, PageUse use);

// allocate_page() without the ErrorOr: nullptr when no frame is free anywhere. The pop
// from this hart's cache is inline; refill_and_allocate_page(), out of line, refills the
// cache from the free list (or takes the other harts' frames) first.
Page* refill_and_allocate_page(ZeroFill fill, PageUse use);
[[gnu::always_inline]] inline Page* try_allocate_page(ZeroFill fill, PageUse use)
{
    if (Page* page = allocate_page_from_cache(fill, use)) [[likely]]
        return page;
    return refill_and_allocate_page(fill, use);
}

// Returns a frame whose only reference the caller holds (asserted) to the free list.
void free_page(Page* page);

// Reference counting for frames shared by several holders; the last unref frees it.
void page_ref(Page* page);
void page_unref(Page* page);

// Frames on their way back to the allocator, chained through Page::next_free: each is
// already Free, with no reference. free_page_batch() frees them all.
struct FreeBatch {
    Page* first { nullptr };
    Page* last { nullptr };
    size_t count { 0 };
};

// page_unref() for a caller dropping many references at once: a frame whose last
// reference this was joins `batch` instead of going back at once.
void page_unref_into(Page* page, FreeBatch& batch);

// Frees every frame of `batch` (which ends up empty): as many as fit into this hart's
// cache go there, the rest onto the free list in one piece.
void free_page_batch(FreeBatch& batch);

// The descriptor array (set once by physical_allocator_init, never changed after), for
// the inline conversions below: the fault path converts on every page it maps.
namespace physical_allocator_detail {
extern Page* g_pages;
extern uint64_t g_first_frame_phys;
extern uintptr_t g_first_frame_virt;  // Where the direct map shows the first frame.
extern size_t g_frame_count;
// Frames on the free list: changed only under the free list's lock, read without it.
extern std::atomic<size_t> g_free_list_pages;
extern size_t g_total_pages;  // Set by physical_allocator_init.

// A hart's cache of free frames: a stack linked through Page::next_free, like the free
// list, so that a refill or a drain moves a whole chain. Used by its own hart with
// interrupts off under `lock` (a bare flag; see physical_allocator.cc for who else takes
// it and in what order). `bottom` is the last frame of the stack while count > 0 (stale
// when it is 0), so that the whole stack moves to the free list without a walk.
struct alignas(64) FrameCache {
    std::atomic<uint32_t> lock { 0 };
    uint32_t count { 0 };
    Page* top { nullptr };
    Page* bottom { nullptr };
};
extern FrameCache g_frame_caches[kMaxCpus];

// Takes the top frame of `cache` (locked, not empty).
inline Page* pop_cached_frame(FrameCache& cache)
{
    Page* page = cache.top;
    cache.top = page->next_free;
    --cache.count;
    return page;
}
constexpr unsigned kFrameShift = 12;  // 4 KiB frames.
}  // namespace physical_allocator_detail

// The descriptor of the frame holding physical address `phys`, or nullptr if no
// descriptor covers it (device memory, outside RAM).
inline Page* page_from_phys(uint64_t phys)
{
    using namespace physical_allocator_detail;
    // One unsigned comparison covers both ends: below the first frame wraps to a huge
    // frame number.
    uint64_t frame = (phys - g_first_frame_phys) >> kFrameShift;
    return frame < g_frame_count ? &g_pages[frame] : nullptr;
}

inline uint64_t page_to_phys(const Page* page)
{
    using namespace physical_allocator_detail;
    auto frame = static_cast<uint64_t>(page - g_pages);
    ASSERT(frame < g_frame_count);
    return g_first_frame_phys + (frame << kFrameShift);
}

// The frame's contents through the direct map, and back.
inline void* page_to_virt(const Page* page)
{
    using namespace physical_allocator_detail;
    auto frame = static_cast<uint64_t>(page - g_pages);
    ASSERT(frame < g_frame_count);
    return reinterpret_cast<void*>(g_first_frame_virt + (frame << kFrameShift));
}

inline Page* page_from_virt(const void* direct_mapped)
{
    using namespace physical_allocator_detail;
    uint64_t frame = (reinterpret_cast<uintptr_t>(direct_mapped) - g_first_frame_virt) >> kFrameShift;
    return frame < g_frame_count ? &g_pages[frame] : nullptr;
}

// Frames free (on the free list or in a hart's cache), and frames managed. The count is a
// snapshot, since frames are allocated and freed in the caches without a common lock, but
// frames moving between the free list and a cache are never missed or counted twice.
size_t free_page_count();
inline size_t total_page_count() { return physical_allocator_detail::g_total_pages; }

// The most frames one hart's cache holds (set at init from RAM and the number of harts).
uint32_t frame_cache_capacity();

// The frames on the free list and in the calling hart's cache: two loads, and no more than
// free_page_count() but for frames moving meanwhile. For the reclaim check of every user
// allocation (reclaim::allocate_user_page), which looks again with free_page_count() when
// this is low. (The other harts' caches are left out: reading them would fetch cache lines
// that their harts write at every allocation and free.)
inline size_t quick_free_page_count()
{
    using namespace physical_allocator_detail;
    return g_free_list_pages.load(std::memory_order_relaxed)
        + __atomic_load_n(&g_frame_caches[this_cpu()->index].count, __ATOMIC_RELAXED);
}

// Moves the frames of every hart's cache to the free list (they stay free and counted so;
// the caches refill on their next allocation). For drop_caches: afterwards the free list
// alone holds every free frame. Takes each cache's lock in turn, so it needs no help from
// the other harts.
void drain_frame_caches();

// Frames resting in the harts' caches now (a snapshot: they change without a lock).
size_t cached_frame_count();

// Prints the ranges managed and the counters.
void dump_physical_allocator();

// Makes a frame just taken off a free list (Free, no reference) the caller's: one
// reference, `use`, no flags or owner, and the contents `fill` asks for.
// (The contents first: then the descriptor's stores come last, where the compiler can
// merge them with the caller's own, such as the owner a fault sets right after.)
[[gnu::always_inline]] inline void prepare_allocated_frame(Page* page, ZeroFill fill, PageUse use)
{
    ASSERT(page->use == PageUse::Free);
    ASSERT(page->ref_count.load(std::memory_order_relaxed) == 0);
    switch (fill) {
    case ZeroFill::Yes:
        klib::page_zero(page_to_virt(page));
        break;
    case ZeroFill::No:
        klib::memset(page_to_virt(page), kPagePoisonByte, size_t(1) << physical_allocator_detail::kFrameShift);
        break;
    case ZeroFill::CallerOverwrites:
        break;
    }
    page->use = use;
    // Plain stores (lib/plain_store.h): nobody else can see the frame yet.
    klib::store_relaxed(page->ref_count, 1);
    klib::store_relaxed(page->flags, 0);
    page->owner = nullptr;
    page->index = 0;
    page->slab_in_use = 0;
    page->slab_free_list = nullptr;
}

[[gnu::always_inline]] inline Page* allocate_page_from_cache(ZeroFill fill, PageUse use)
{
    using namespace physical_allocator_detail;
    Page* page = nullptr;
    {
        InterruptDisabler pinned;
        FrameCache& cache = g_frame_caches[pinned.cpu()->index];
        if (!cache.lock.exchange(1, std::memory_order_acquire)) [[likely]] {
            if (cache.top) [[likely]]
                page = pop_cached_frame(cache);
            klib::store_release(cache.lock, 0);
        }
    }
    if (page) [[likely]]
        prepare_allocated_frame(page, fill, use);
    return page;
}
