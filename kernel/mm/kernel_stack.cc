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

// The links of the free and pending lists live in a fixed array (a slot that is not in use
// has nothing mapped, so the link cannot live in the slot); a slot is on at most one of
// them. 8192 stacks take 256 MiB of the region and 32 KiB of .bss; raising the limit costs
// 4 bytes per stack.
constexpr size_t kMaxKernelStacks = 8192;
static_assert(kMaxKernelStacks * kSlotSize <= kKernelStackRegionSize);
constexpr uint32_t kNoSlot = ~0u;

Spinlock s_lock { "kernel stack slots", LockRank::KernelHeap };
// Guarded by s_lock.
uint32_t s_next[kMaxKernelStacks];
uint32_t s_first_free = kNoSlot;
uint32_t s_first_pending = kNoSlot;
uint32_t s_last_pending = kNoSlot;
size_t s_pending = 0;
uint32_t s_slots_used = 0; // Slots ever taken; [0, s_slots_used) are in use, pending or free.
size_t s_in_use = 0;
uint64_t s_flushes = 0;

uint64_t slot_bottom(uint32_t slot) { return kKernelStackRegionBase + slot * kSlotSize + kKernelStackGuardSize; }

// Expects s_lock held. Parks a slot whose pages are unmapped until the next flush; returns
// whether the batch is full.
bool park_locked(uint32_t slot)
{
    s_lock.assert_locked();
    s_next[slot] = s_first_pending;
    s_first_pending = slot;
    if (s_last_pending == kNoSlot)
        s_last_pending = slot;
    --s_in_use;
    return ++s_pending >= kKernelStackFlushBatch;
}

// Flushes every slot pending now from every hart's TLB and moves them to the free list.
// Slots parked while the flush runs wait for the next one: their pages may have been
// unmapped after the flush began. Called with no lock held.
void flush_pending_slots()
{
    uint32_t first;
    uint32_t last;
    uint32_t slots_used;
    {
        SpinlockLocker guard(s_lock);
        first = s_first_pending;
        last = s_last_pending;
        slots_used = s_slots_used;
        s_first_pending = s_last_pending = kNoSlot;
        s_pending = 0;
    }
    if (first == kNoSlot)
        return; // Nothing pending, or another flush took them.
    // One flush of the used part of the region serves every slot taken above: on this hart
    // and, through SBI, on every other online one.
    flush_kernel_tlb_range(kKernelStackRegionBase, slots_used * kSlotSize);
    SpinlockLocker guard(s_lock);
    // The most recently freed slots go first, so reuse stays LIFO.
    s_next[last] = s_first_free;
    s_first_free = first;
    ++s_flushes;
}

enum class TakeResult { Taken, NeedsFlush, Exhausted };

// Takes a free slot, or else a fresh one; with neither, says whether a flush of the
// pending slots could make one free.
TakeResult try_take_slot(uint32_t& slot)
{
    SpinlockLocker guard(s_lock);
    if (s_first_free != kNoSlot) {
        slot = s_first_free;
        s_first_free = s_next[slot];
    } else if (s_slots_used < kMaxKernelStacks) {
        slot = s_slots_used++;
    } else {
        return s_pending > 0 ? TakeResult::NeedsFlush : TakeResult::Exhausted;
    }
    ++s_in_use;
    return TakeResult::Taken;
}

ErrorOr<uint32_t> take_slot()
{
    uint32_t slot = kNoSlot;
    for (;;) {
        switch (try_take_slot(slot)) {
        case TakeResult::Taken: return slot;
        case TakeResult::NeedsFlush: flush_pending_slots(); break;
        // A flush of another thread may be in progress; its slots are not counted as
        // pending, and this allocation fails as if they were in use.
        case TakeResult::Exhausted: return Error::from_errno(ENOMEM);
        }
    }
}

// Unmaps and frees the first `pages` pages of the stack at `bottom`. Only this hart's TLB
// is flushed (by unmap); the other harts' wait for the flush of the pending slots.
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
}

// Unmaps what the slot has mapped and parks it; flushes if that fills the batch.
void retire_slot(uint32_t slot, size_t pages_mapped)
{
    release_pages(slot_bottom(slot), pages_mapped);
    bool batch_full;
    {
        SpinlockLocker guard(s_lock);
        batch_full = park_locked(slot);
    }
    if (batch_full)
        flush_pending_slots();
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
        // The pages mapped so far may have been cached by a speculative walk on any hart
        // this thread ran on: the slot goes the way of a freed stack's.
        retire_slot(slot, i);
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
    retire_slot(static_cast<uint32_t>(offset / kSlotSize), kStackPages);
}

void flush_freed_kernel_stacks() { flush_pending_slots(); }

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

size_t kernel_stacks_pending_flush()
{
    SpinlockLocker guard(s_lock);
    return s_pending;
}

uint64_t kernel_stack_flush_count()
{
    SpinlockLocker guard(s_lock);
    return s_flushes;
}

size_t kernel_stack_slots_taken()
{
    SpinlockLocker guard(s_lock);
    return s_slots_used;
}
