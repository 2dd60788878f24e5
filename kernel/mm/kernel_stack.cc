// Kernel stacks with guard pages: see kernel_stack.h.
#include "mm/kernel_stack.h"

#include "lib/assert.h"
#include "lib/panic.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_virtual_area.h"
#include "sync/spinlock.h"
#include "mm/physical_allocator.h"

namespace {

constexpr uint64_t kSlotSize = kKernelStackGuardSize + kKernelStackSize;
constexpr size_t kStackPages = kKernelStackSize / kPageSize;

// The free-slot links live in a fixed array (a slot being free means nothing of it is
// mapped, so the link cannot live in the slot). 8192 stacks take 256 MiB of the region and
// 32 KiB of .bss; raising the limit costs 4 bytes per stack.
constexpr size_t kMaxKernelStacks = 8192;
static_assert(kMaxKernelStacks * kSlotSize <= kKernelStackRegionSize);
constexpr uint32_t kNoSlot = ~0u;

Spinlock s_lock { "kernel stack slots", LockRank::KernelHeap };
// Guarded by s_lock.
uint32_t s_next_free[kMaxKernelStacks];
uint32_t s_first_free = kNoSlot;
uint32_t s_slots_used = 0; // Slots ever taken; [0, s_slots_used) are in use or free-listed.
size_t s_in_use = 0;

ErrorOr<uint32_t> take_slot()
{
    SpinlockLocker guard(s_lock);
    uint32_t slot = s_first_free;
    if (slot != kNoSlot) {
        s_first_free = s_next_free[slot];
    } else {
        if (s_slots_used == kMaxKernelStacks)
            return Error::from_errno(ENOMEM);
        slot = s_slots_used++;
    }
    ++s_in_use;
    return slot;
}

void return_slot(uint32_t slot)
{
    SpinlockLocker guard(s_lock);
    s_next_free[slot] = s_first_free;
    s_first_free = slot;
    --s_in_use;
}

uint64_t slot_bottom(uint32_t slot) { return kKernelStackRegionBase + slot * kSlotSize + kKernelStackGuardSize; }

// Unmaps and frees the first `pages` pages of the stack at `bottom`.
void release_pages(uint64_t bottom, size_t pages)
{
    PageTable& table = kernel_page_table();
    for (size_t i = 0; i < pages; ++i) {
        uint64_t vaddr = bottom + i * kPageSize;
        auto translation = table.translate(vaddr);
        ASSERT(translation);
        Page* page = page_from_phys(translation->phys);
        ASSERT(page && page->use == PageUse::KernelStack);
        MUST(table.unmap(vaddr, kPageSize));
        free_page(page);
    }
    // The slot may be reused as soon as it is returned: no hart may keep translating it to
    // the frames just freed.
    if (pages > 0)
        flush_kernel_tlb_range(bottom, pages * kPageSize);
}

} // namespace

ErrorOr<KernelStack> allocate_kernel_stack()
{
    uint32_t slot = TRY(take_slot());
    uint64_t bottom = slot_bottom(slot);
    PageTable& table = kernel_page_table();
    for (size_t i = 0; i < kStackPages; ++i) {
        auto page = allocate_page(ZeroFill::No, PageUse::KernelStack);
        if (!page.is_error()) {
            auto mapped = table.map(bottom + i * kPageSize, page_to_phys(page.value()), kPageSize,
                                    PteFlags::Read | PteFlags::Write | PteFlags::Global);
            if (!mapped.is_error())
                continue;
            free_page(page.value());
        }
        release_pages(bottom, i);
        return_slot(slot);
        return Error::from_errno(ENOMEM);
    }
    return KernelStack { bottom, bottom + kKernelStackSize };
}

void free_kernel_stack(const KernelStack& stack)
{
    ASSERT(stack.top == stack.bottom + kKernelStackSize);
    ASSERT(is_in_kernel_stack_region(stack.bottom) && !is_kernel_stack_guard(stack.bottom));
    uint64_t offset = stack.bottom - kKernelStackRegionBase;
    ASSERT(offset % kSlotSize == kKernelStackGuardSize);
    release_pages(stack.bottom, kStackPages);
    return_slot(static_cast<uint32_t>(offset / kSlotSize));
}

bool is_in_kernel_stack_region(uint64_t vaddr)
{
    return vaddr >= kKernelStackRegionBase && vaddr - kKernelStackRegionBase < kKernelStackRegionSize;
}

bool is_kernel_stack_guard(uint64_t vaddr)
{
    return is_in_kernel_stack_region(vaddr) && (vaddr - kKernelStackRegionBase) % kSlotSize < kKernelStackGuardSize;
}

size_t kernel_stacks_in_use()
{
    SpinlockLocker guard(s_lock);
    return s_in_use;
}
