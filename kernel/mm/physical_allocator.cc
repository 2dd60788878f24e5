// The physical page allocator: see physical_allocator.h.
#include "mm/physical_allocator.h"

#include <algorithm>
#include <new>

#include "arch/riscv64/layout.h"
#include "drivers/console.h"
#include "lib/assert.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "sync/spinlock.h"

// The descriptor array covers frames [g_first_frame_phys, g_first_frame_phys + g_frame_count * 4K).
namespace physical_allocator_detail {
Page* g_pages = nullptr;
uint64_t g_first_frame_phys = 0;
uintptr_t g_first_frame_virt = 0;
size_t g_frame_count = 0;
}  // namespace physical_allocator_detail

using namespace physical_allocator_detail;

namespace {

Spinlock s_lock { "physical pages", LockRank::PhysicalMemory };
// Guarded by s_lock.
IntrusiveList<Page, &Page::list_node> s_free_list;
size_t s_total_pages = 0;

// Kept outside the lock so that statistics never contend with allocation; changed only
// under s_lock.
std::atomic<size_t> s_free_pages { 0 };

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

void fill_frame(Page* page, ZeroFill fill)
{
    switch (fill) {
    case ZeroFill::Yes:
        klib::page_zero(page_to_virt(page));
        return;
    case ZeroFill::No:
        klib::memset(page_to_virt(page), kPagePoisonByte, kPageSize);
        return;
    case ZeroFill::CallerOverwrites:
        return;
    }
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
    for (const MemoryRange& range : machine.memory_ranges()) {
        for (uint64_t phys = page_round_up(range.base); phys + kPageSize <= range.end(); phys += kPageSize) {
            if (excluded.overlap_end(phys, phys + kPageSize))
                continue;
            Page* page = page_from_phys(phys);
            page->use = PageUse::Free;
            s_free_list.push_back(*page);
            ++s_total_pages;
        }
    }
    s_free_pages.store(s_total_pages, std::memory_order_relaxed);
}

ErrorOr<Page*> allocate_page(ZeroFill fill, PageUse use)
{
    ASSERT(use != PageUse::Free && use != PageUse::Reserved);
    Page* page;
    {
        SpinlockLocker guard(s_lock);
        page = s_free_list.pop_front();
        if (!page)
            return Error::from_errno(ENOMEM);
        s_free_pages.fetch_sub(1, std::memory_order_relaxed);
    }
    ASSERT(page->use == PageUse::Free);
    ASSERT(page->ref_count.load(std::memory_order_relaxed) == 0);
    page->use = use;
    page->ref_count.store(1, std::memory_order_relaxed);
    page->flags.store(0, std::memory_order_relaxed);
    page->owner = nullptr;
    page->index = 0;
    page->slab_in_use = 0;
    page->slab_free_list = nullptr;
    fill_frame(page, fill);
    return page;
}

static void release_frame(Page* page)
{
    ASSERT(page->use != PageUse::Free && page->use != PageUse::Reserved);
    ASSERT(!page->list_node.is_linked());
    page->use = PageUse::Free;
    page->owner = nullptr;
    SpinlockLocker guard(s_lock);
    // Most recently freed first: its cache lines are the likeliest to be warm.
    s_free_list.push_front(*page);
    s_free_pages.fetch_add(1, std::memory_order_relaxed);
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

size_t free_page_count() { return s_free_pages.load(std::memory_order_relaxed); }

size_t total_page_count() { return s_total_pages; }

void dump_physical_allocator()
{
    kprintf("mm: frames %p..%p, %lu descriptors at %p, %lu of %lu pages free\n",
            reinterpret_cast<void*>(g_first_frame_phys),
            reinterpret_cast<void*>(g_first_frame_phys + g_frame_count * kPageSize), g_frame_count,
            static_cast<void*>(g_pages), free_page_count(), total_page_count());
}
