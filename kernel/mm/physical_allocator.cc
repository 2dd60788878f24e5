// The physical page allocator: see physical_allocator.h.
#include "mm/physical_allocator.h"

#include <algorithm>
#include <new>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/layout.h"
#include "lib/assert.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "sync/spinlock.h"

// The descriptor array covers frames [g_first_frame_phys, g_first_frame_phys + g_frame_count * 4K).
namespace physical_allocator_detail {
Page* g_pages = nullptr;
uint64_t g_first_frame_phys = 0;
uintptr_t g_first_frame_virt = 0;
size_t g_frame_count = 0;
std::atomic<size_t> g_free_list_pages { 0 };
size_t g_total_pages = 0;
FrameCache g_frame_caches[kMaxCpus];
}  // namespace physical_allocator_detail

using namespace physical_allocator_detail;

namespace {

Spinlock s_lock { "physical pages", LockRank::PhysicalMemory };
// The free list: a stack linked through Page::next_free. Guarded by s_lock.
Page* s_free_list = nullptr;

// Bumped by the holder of s_lock before and after each move of frames between the free list
// and a cache (odd while one is under way), so that free_page_count() can add up the counts
// without s_lock and still neither miss nor double-count the frames being moved: it reads
// them again if a move overlapped its reads.
std::atomic<uint32_t> s_move_sequence { 0 };

// Brackets one such move, under s_lock.
class MoveWindow {
public:
    MoveWindow()
    {
        s_lock.assert_locked();
        klib::store_relaxed(s_move_sequence, s_move_sequence.load(std::memory_order_relaxed) + 1);
        // The odd sequence is visible before any count it brackets changes.
        std::atomic_thread_fence(std::memory_order_release);
    }
    ~MoveWindow() { klib::store_release(s_move_sequence, s_move_sequence.load(std::memory_order_relaxed) + 1); }
    MoveWindow(const MoveWindow&) = delete;
    MoveWindow& operator=(const MoveWindow&) = delete;
};

// With s_lock held: puts the chain first..last of `count` frames on top of the free list.
void push_chain_locked(Page* first, Page* last, size_t count)
{
    s_lock.assert_locked();
    last->next_free = s_free_list;
    s_free_list = first;
    klib::store_relaxed(g_free_list_pages, g_free_list_pages.load(std::memory_order_relaxed) + count);
}

// The last frame of the chain of `count` (> 0) frames starting at `first`.
Page* chain_end(Page* first, uint32_t count)
{
    Page* last = first;
    while (--count > 0)
        last = last->next_free;
    return last;
}

// The per-hart frame caches (physical_allocator.h). Each hart uses its own with interrupts
// off, under its `lock`, which is contended only by a hart stealing the frames of every
// cache because the free list ran dry (steal_cached_frames_locked): so no frame is out of
// reach while any is free. `lock` is a bare flag, taken after s_lock when both are needed
// (a hart that must refill or drain its cache lets go of it, takes s_lock, and takes it
// again), and nothing is taken while only it is held.
// Set by physical_allocator_init (frame_cache_capacity() in the header says how).
uint32_t s_cache_capacity = 64;
constexpr uint32_t kCacheBatch = 32;
// The most frames free_page_batch() pushes one by one in one hold of a cache.
constexpr uint32_t kMaxPushesPerHold = 256;
FrameCache (&s_caches)[kMaxCpus] = g_frame_caches;

// Puts a free frame on top of `cache` (locked).
void push_cached_frame(FrameCache& cache, Page* page)
{
    if (cache.count == 0)
        cache.bottom = page;
    page->next_free = cache.top;
    cache.top = page;
    ++cache.count;
}

// Interrupts off and this hart's cache locked, for the span of one allocation or free.
class CacheGuard {
public:
    CacheGuard()
        : m_cache(&s_caches[m_pinned.cpu()->index])
    {
        lock(*m_cache);
    }
    ~CacheGuard() { unlock(*m_cache); }
    CacheGuard(const CacheGuard&) = delete;
    CacheGuard& operator=(const CacheGuard&) = delete;

    FrameCache& cache() { return *m_cache; }

    static void lock(FrameCache& cache)
    {
        while (cache.lock.exchange(1, std::memory_order_acquire)) [[unlikely]] {
            while (cache.lock.load(std::memory_order_relaxed)) { }
        }
    }
    static void unlock(FrameCache& cache) { klib::store_release(cache.lock, 0); }

private:
    InterruptDisabler m_pinned;  // First: constructed before, and destroyed after, m_cache's use.
    FrameCache* m_cache;
};

constexpr size_t kMaxExcluded = MachineInfo::kMaxReservedRanges + 3;

// Physical ranges of RAM that must not become free frames.
struct ExcludedRanges {
    MemoryRange ranges[kMaxExcluded];
    size_t count { 0 };

    void add(uint64_t base, uint64_t end)
    {
        if (end <= base)
            return;
        ASSERT(count < kMaxExcluded);
        ranges[count++] = MemoryRange { page_round_down(base), page_round_up(end) - page_round_down(base) };
    }

    // The end of an excluded range that overlaps [base, end), or 0 if none does.
    uint64_t overlap_end(uint64_t base, uint64_t end) const
    {
        for (size_t i = 0; i < count; ++i) {
            if (ranges[i].base < end && base < ranges[i].end())
                return ranges[i].end();
        }
        return 0;
    }
};

// Finds `bytes` of page-aligned RAM that overlap nothing excluded, lowest address first.
uint64_t find_free_run(const MachineInfo& machine, const ExcludedRanges& excluded, uint64_t bytes)
{
    for (const MemoryRange& range : machine.memory_ranges()) {
        uint64_t base = page_round_up(range.base);
        uint64_t range_end = page_round_down(range.end());
        while (base + bytes <= range_end) {
            uint64_t blocker_end = excluded.overlap_end(base, base + bytes);
            if (blocker_end == 0)
                return base;
            base = page_round_up(blocker_end);
        }
    }
    panic("physical_allocator_init: no room for %lu bytes of page descriptors", bytes);
}

// With s_lock held and `cache` (this hart's, locked) empty: moves the first kCacheBatch
// frames of the free list (or all, if fewer) into it, as one chain. Returns how many.
uint32_t refill_locked(FrameCache& cache)
{
    s_lock.assert_locked();
    Page* first = s_free_list;
    if (!first)
        return 0;
    MoveWindow moving;
    Page* last = first;
    uint32_t moved = 1;
    while (moved < kCacheBatch && last->next_free) {
        last = last->next_free;
        ++moved;
    }
    s_free_list = last->next_free;
    klib::store_relaxed(g_free_list_pages, g_free_list_pages.load(std::memory_order_relaxed) - moved);
    if (cache.count == 0)
        cache.bottom = last;
    last->next_free = cache.top;
    cache.top = first;
    cache.count += moved;
    return moved;
}

// With s_lock held and the free list empty: moves every frame the other harts' caches
// hold (all but `mine`) onto the free list. Returns whether there were any.
bool steal_cached_frames_locked(FrameCache& mine)
{
    s_lock.assert_locked();
    bool found = false;
    for (FrameCache& other : s_caches) {
        if (&other == &mine)
            continue;
        CacheGuard::lock(other);
        if (other.count > 0) {
            MoveWindow moving;
            push_chain_locked(other.top, other.bottom, other.count);
            other.top = nullptr;
            other.count = 0;
            found = true;
        }
        CacheGuard::unlock(other);
    }
    return found;
}

// With s_lock held: moves every frame of `cache` (any hart's) onto the free list
// (drain_frame_caches; the allocator's own steal, above, leaves the caller's cache).
void drain_cache_locked(FrameCache& cache)
{
    s_lock.assert_locked();
    CacheGuard::lock(cache);
    if (cache.count > 0) {
        MoveWindow moving;
        push_chain_locked(cache.top, cache.bottom, cache.count);
        cache.top = nullptr;
        cache.count = 0;
    }
    CacheGuard::unlock(cache);
}

// Takes a free frame from this hart's cache, refilling it first if it is empty; nullptr
// when no frame is free anywhere.
Page* take_free_frame()
{
    CacheGuard guard;
    FrameCache& cache = guard.cache();
    if (cache.count == 0) [[unlikely]] {
        // The lock order is s_lock first: let go of the cache (interrupts stay off, so it
        // stays this hart's) and take it back under s_lock. Only a stealer can have come
        // in between, and it only empties caches.
        CacheGuard::unlock(cache);
        SpinlockLocker locker(s_lock);
        CacheGuard::lock(cache);
        if (cache.count == 0 && refill_locked(cache) == 0
            && !(steal_cached_frames_locked(cache) && refill_locked(cache) > 0))
            return nullptr;
    }
    return pop_cached_frame(cache);
}

} // namespace

void physical_allocator_init(const MachineInfo& machine, MemoryRange device_tree)
{
    ASSERT(!g_pages);
    ASSERT(machine.memory_count > 0);

    uint64_t lowest = ~0ull;
    uint64_t highest = 0;
    for (const MemoryRange& range : machine.memory_ranges()) {
        lowest = std::min(lowest, page_round_up(range.base));
        highest = std::max(highest, page_round_down(range.end()));
    }
    ASSERT(lowest < highest);

    ExcludedRanges excluded;
    for (const MemoryRange& range : machine.reserved_ranges())
        excluded.add(range.base, range.end());
    excluded.add(kernel_image_phys(kernel_start), kernel_image_phys(kernel_end));
    excluded.add(device_tree.base, device_tree.end());

    size_t frame_count = (highest - lowest) / kPageSize;
    uint64_t array_bytes = page_round_up(frame_count * sizeof(Page));
    uint64_t array_phys = find_free_run(machine, excluded, array_bytes);
    excluded.add(array_phys, array_phys + array_bytes);

    // The boot page table direct-maps the first 64 GiB of physical memory, which is where
    // QEMU puts RAM; the array is written through that map.
    g_pages = static_cast<Page*>(phys_to_virt(array_phys));
    g_first_frame_phys = lowest;
    g_first_frame_virt = reinterpret_cast<uintptr_t>(phys_to_virt(lowest));
    static_assert(kFrameShift == kPageShift);
    g_frame_count = frame_count;
    for (size_t i = 0; i < frame_count; ++i)
        new (&g_pages[i]) Page();

    SpinlockLocker guard(s_lock);
    // In address order, the lowest frame on top: early allocations come from low memory.
    Page** tail = &s_free_list;
    for (const MemoryRange& range : machine.memory_ranges()) {
        for (uint64_t phys = page_round_up(range.base); phys + kPageSize <= range.end(); phys += kPageSize) {
            if (excluded.overlap_end(phys, phys + kPageSize))
                continue;
            Page* page = page_from_phys(phys);
            page->use = PageUse::Free;
            *tail = page;
            tail = &page->next_free;
            ++g_total_pages;
        }
    }
    g_free_list_pages.store(g_total_pages, std::memory_order_relaxed);
    // A quarter of RAM over the harts that may run, within [kCacheBatch * 2, 8192].
    size_t share = g_total_pages / (4 * std::max<size_t>(machine.hart_count, 1));
    s_cache_capacity = static_cast<uint32_t>(std::clamp<size_t>(share, kCacheBatch * 2, 8192));
}

Page* refill_and_allocate_page(ZeroFill fill, PageUse use)
{
    ASSERT(use != PageUse::Free && use != PageUse::Reserved);
    Page* page = take_free_frame();
    if (page)
        prepare_allocated_frame(page, fill, use);
    return page;
}

ErrorOr<Page*> allocate_page(ZeroFill fill, PageUse use)
{
    Page* page = try_allocate_page(fill, use);
    if (!page) [[unlikely]]
        return Error::from_errno(ENOMEM);
    return page;
}

// Marks a frame that just lost its last reference as Free.
static void retire_frame(Page* page)
{
    ASSERT(page->use != PageUse::Free && page->use != PageUse::Reserved);
    ASSERT(!page->list_node.is_linked());
    page->use = PageUse::Free;
    page->owner = nullptr;
}

static void release_frame(Page* page)
{
    retire_frame(page);
    CacheGuard guard;
    FrameCache& cache = guard.cache();
    if (cache.count >= s_cache_capacity) [[unlikely]] {
        // Full: the 32 on top go back to the free list as one chain.
        // s_lock first, as in take_free_frame(). A stealer may empty the cache meanwhile.
        CacheGuard::unlock(cache);
        SpinlockLocker locker(s_lock);
        CacheGuard::lock(cache);
        if (cache.count >= s_cache_capacity) {
            MoveWindow moving;
            Page* first = cache.top;
            Page* last = chain_end(first, kCacheBatch);
            cache.top = last->next_free;
            push_chain_locked(first, last, kCacheBatch);
            cache.count -= kCacheBatch;
        }
    }
    // Most recently freed is handed out first: its cache lines are the likeliest to be warm.
    push_cached_frame(cache, page);
}

void free_page(Page* page)
{
    ASSERT(page);
    uint32_t old = page->ref_count.exchange(0, std::memory_order_acq_rel);
    ASSERT(old == 1);
    release_frame(page);
}

void page_ref(Page* page)
{
    uint32_t old = page->ref_count.fetch_add(1, std::memory_order_relaxed);
    ASSERT(old > 0);
}

void page_unref(Page* page)
{
    uint32_t old = page->ref_count.fetch_sub(1, std::memory_order_acq_rel);
    ASSERT(old > 0);
    if (old == 1)
        release_frame(page);
}

void page_unref_into(Page* page, FreeBatch& batch)
{
    uint32_t old = page->ref_count.fetch_sub(1, std::memory_order_acq_rel);
    ASSERT(old > 0);
    if (old != 1)
        return;
    retire_frame(page);
    page->next_free = batch.first;
    batch.first = page;
    if (!batch.last)
        batch.last = page;
    ++batch.count;
}

void free_page_batch(FreeBatch& batch)
{
    Page* rest = batch.first;
    Page* last = batch.last;
    size_t left = batch.count;
    batch = FreeBatch {};
    if (left == 0)
        return;
    while (left > 0) {
        CacheGuard guard;
        FrameCache& cache = guard.cache();
        uint32_t room = s_cache_capacity > cache.count ? s_cache_capacity - cache.count : 0;
        if (room == 0)
            break;
        if (left <= room) {
            // All of it fits: one splice.
            if (cache.count == 0)
                cache.bottom = last;
            last->next_free = cache.top;
            cache.top = rest;
            cache.count += static_cast<uint32_t>(left);
            return;
        }
        // A part, a bounded number of frames at a time, so that interrupts stay off (and a
        // stealer waits for this cache's flag) only briefly.
        for (uint32_t pushed = 0; pushed < kMaxPushesPerHold && pushed < room; ++pushed) {
            Page* page = rest;
            rest = page->next_free;
            push_cached_frame(cache, page);
            --left;
        }
    }
    if (left == 0)
        return;
    // The cache is full. The rest is still linked in order and ends at the batch's last frame.
    SpinlockLocker locker(s_lock);
    push_chain_locked(rest, last, left);
}

uint32_t frame_cache_capacity() { return s_cache_capacity; }

size_t free_page_count()
{
    for (;;) {
        uint32_t sequence = s_move_sequence.load(std::memory_order_acquire);
        if (sequence & 1) [[unlikely]]
            continue;  // A move is under way, with interrupts off: it ends soon.
        size_t count = g_free_list_pages.load(std::memory_order_relaxed) + cached_frame_count();
        std::atomic_thread_fence(std::memory_order_acquire);
        if (s_move_sequence.load(std::memory_order_relaxed) == sequence) [[likely]]
            return count;
    }
}

void drain_frame_caches()
{
    SpinlockLocker locker(s_lock);
    for (FrameCache& cache : s_caches)
        drain_cache_locked(cache);
}

size_t cached_frame_count()
{
    size_t count = 0;
    for (const FrameCache& cache : s_caches)
        count += __atomic_load_n(&cache.count, __ATOMIC_RELAXED);
    return count;
}

void dump_physical_allocator()
{
    kprintf("mm: frames %p..%p, %lu descriptors at %p, %lu of %lu pages free\n",
            reinterpret_cast<void*>(g_first_frame_phys),
            reinterpret_cast<void*>(g_first_frame_phys + g_frame_count * kPageSize), g_frame_count,
            static_cast<void*>(g_pages), free_page_count(), total_page_count());
}
