// Self-tests of kernel stacks and their guard pages.
#include "lib/ktest.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_stack.h"
#include "mm/physical_allocator.h"

KTEST(KernelStack, GuardBelowEveryStackIsUnmapped)
{
    auto allocated = allocate_kernel_stack();
    KASSERT(!allocated.is_error());
    KernelStack stack = allocated.value();
    KEXPECT_EQ(kKernelStackSize, stack.top - stack.bottom);
    KEXPECT_EQ(0u, stack.top % 16);

    PageTable& table = kernel_page_table();
    for (uint64_t guard = stack.bottom - kKernelStackGuardSize; guard < stack.bottom; guard += kPageSize) {
        KEXPECT(!table.translate(guard));
        KEXPECT(is_kernel_stack_guard(guard));
    }
    KEXPECT(!is_kernel_stack_guard(stack.bottom));
    KEXPECT(!is_kernel_stack_guard(stack.top - 1));
    KEXPECT(is_kernel_stack_guard(stack.bottom - 1));

    // Every byte of the stack is mapped writable, not executable, and really reachable.
    for (uint64_t address = stack.bottom; address < stack.top; address += kPageSize) {
        auto translation = table.translate(address);
        KASSERT(translation);
        KEXPECT(has_all(translation->flags, PteFlags::Read | PteFlags::Write));
        KEXPECT(!has_any(translation->flags, PteFlags::Execute | PteFlags::User));
    }
    auto* words = reinterpret_cast<volatile uint64_t*>(stack.bottom);
    size_t count = kKernelStackSize / sizeof(uint64_t);
    for (size_t i = 0; i < count; ++i)
        words[i] = i * 0x9e3779b97f4a7c15ull;
    size_t wrong = 0;
    for (size_t i = 0; i < count; ++i)
        wrong += words[i] != i * 0x9e3779b97f4a7c15ull;
    KEXPECT_EQ(0u, wrong);
    // What was written through the stack's address is in the frame the table names.
    auto last = table.translate(stack.top - sizeof(uint64_t));
    KASSERT(last);
    KEXPECT_EQ((count - 1) * 0x9e3779b97f4a7c15ull, *static_cast<uint64_t*>(phys_to_virt(last->phys)));

    free_kernel_stack(stack);
    KEXPECT(!table.translate(stack.bottom));
}

KTEST(KernelStack, AllocateAndFreeManyRecyclesSlots)
{
    constexpr size_t kCount = 64;
    // Slots freed earlier (by the reaper, say) become reusable first, so that the rounds
    // below take no fresh slots but their own.
    flush_freed_kernel_stacks();
    size_t free_before = free_page_count();
    size_t in_use_before = kernel_stacks_in_use();
    KernelStack stacks[kCount];
    for (size_t i = 0; i < kCount; ++i) {
        auto allocated = allocate_kernel_stack();
        KASSERT(!allocated.is_error());
        stacks[i] = allocated.value();
    }
    KEXPECT_EQ(in_use_before + kCount, kernel_stacks_in_use());
    // Stacks never overlap each other or each other's guards.
    size_t overlaps = 0;
    for (size_t i = 0; i < kCount; ++i) {
        for (size_t j = i + 1; j < kCount; ++j) {
            if (stacks[i].bottom - kKernelStackGuardSize < stacks[j].top
                && stacks[j].bottom - kKernelStackGuardSize < stacks[i].top)
                ++overlaps;
        }
    }
    KEXPECT_EQ(0u, overlaps);

    for (size_t i = 0; i < kCount; ++i)
        free_kernel_stack(stacks[i]);
    KEXPECT_EQ(in_use_before, kernel_stacks_in_use());

    // Once flushed, the last slot freed is the first reused.
    flush_freed_kernel_stacks();
    auto again = allocate_kernel_stack();
    KASSERT(!again.is_error());
    KEXPECT_EQ(stacks[kCount - 1].bottom, again.value().bottom);
    free_kernel_stack(again.value());
    flush_freed_kernel_stacks();

    // Page-table pages made for new slots stay (kernel-half tables are never freed), at
    // most one per 2 MiB of slots plus one; every stack frame came back.
    size_t tables_kept = free_before - free_page_count();
    KEXPECT(tables_kept <= kCount * (kKernelStackSize + kKernelStackGuardSize) / (2 << 20) + 1);
    // A second round over the same slots needs no new tables: the count returns exactly.
    size_t free_after_first_round = free_page_count();
    for (size_t i = 0; i < kCount; ++i) {
        auto allocated = allocate_kernel_stack();
        KASSERT(!allocated.is_error());
        stacks[i] = allocated.value();
    }
    KEXPECT_EQ(free_after_first_round - kCount * (kKernelStackSize / kPageSize), free_page_count());
    for (size_t i = 0; i < kCount; ++i)
        free_kernel_stack(stacks[i]);
    KEXPECT_EQ(free_after_first_round, free_page_count());
}

KTEST(KernelStack, FreedSlotIsNotReusedBeforeEveryHartIsFlushed)
{
    flush_freed_kernel_stacks();
    auto first = allocate_kernel_stack();
    KASSERT(!first.is_error());
    uint64_t flushes_before = kernel_stack_flush_count();
    free_kernel_stack(first.value());
    KEXPECT_EQ(1u, kernel_stacks_pending_flush());

    // Fewer than a batch: no flush yet, so the freed slot, which another hart might still
    // translate to its old frames, is not handed out again.
    constexpr size_t kCount = kKernelStackFlushBatch / 2;
    KernelStack stacks[kCount];
    size_t reused = 0;
    for (size_t i = 0; i < kCount; ++i) {
        auto allocated = allocate_kernel_stack();
        KASSERT(!allocated.is_error());
        stacks[i] = allocated.value();
        reused += stacks[i].bottom == first.value().bottom;
    }
    KEXPECT_EQ(flushes_before, kernel_stack_flush_count());
    KEXPECT_EQ(0u, reused);
    for (size_t i = 0; i < kCount; ++i)
        free_kernel_stack(stacks[i]);
    KEXPECT_EQ(kCount + 1, kernel_stacks_pending_flush());
    // The freed slot is unmapped at once all the same, guard and stack.
    PageTable& table = kernel_page_table();
    KEXPECT(!table.translate(first.value().bottom));
    KEXPECT(!table.translate(first.value().top - 1));

    // After a flush every pending slot is free, and taken before any fresh one.
    flush_freed_kernel_stacks();
    KEXPECT_EQ(flushes_before + 1, kernel_stack_flush_count());
    KEXPECT_EQ(0u, kernel_stacks_pending_flush());
    KernelStack again[kCount + 1];
    size_t from_freed = 0;
    for (size_t i = 0; i < kCount + 1; ++i) {
        auto allocated = allocate_kernel_stack();
        KASSERT(!allocated.is_error());
        again[i] = allocated.value();
        bool was_freed = again[i].bottom == first.value().bottom;
        for (size_t j = 0; j < kCount; ++j)
            was_freed = was_freed || again[i].bottom == stacks[j].bottom;
        from_freed += was_freed;
    }
    KEXPECT_EQ(kCount + 1, from_freed);
    for (size_t i = 0; i < kCount + 1; ++i)
        free_kernel_stack(again[i]);
    flush_freed_kernel_stacks();
}

KTEST(KernelStack, FreeingABatchCostsOneFlush)
{
    flush_freed_kernel_stacks();
    KernelStack stacks[kKernelStackFlushBatch];
    for (size_t i = 0; i < kKernelStackFlushBatch; ++i) {
        auto allocated = allocate_kernel_stack();
        KASSERT(!allocated.is_error());
        stacks[i] = allocated.value();
    }
    uint64_t flushes_before = kernel_stack_flush_count();
    for (size_t i = 0; i + 1 < kKernelStackFlushBatch; ++i)
        free_kernel_stack(stacks[i]);
    KEXPECT_EQ(flushes_before, kernel_stack_flush_count());
    KEXPECT_EQ(kKernelStackFlushBatch - 1, kernel_stacks_pending_flush());
    // The free that fills the batch flushes every hart once, and the whole batch is free.
    free_kernel_stack(stacks[kKernelStackFlushBatch - 1]);
    KEXPECT_EQ(flushes_before + 1, kernel_stack_flush_count());
    KEXPECT_EQ(0u, kernel_stacks_pending_flush());
}

KTEST(KernelStack, FreshSlotsAreTakenOnlyWhileFewerThanABatchIsPending)
{
    // One stack at a time, a thousand times: the deferred reuse may take up to a batch of
    // fresh slots, never one per stack.
    flush_freed_kernel_stacks();
    size_t slots_before = kernel_stack_slots_taken();
    for (size_t i = 0; i < 1000; ++i) {
        auto allocated = allocate_kernel_stack();
        KASSERT(!allocated.is_error());
        free_kernel_stack(allocated.value());
    }
    KEXPECT(kernel_stack_slots_taken() <= slots_before + kKernelStackFlushBatch);
    flush_freed_kernel_stacks();
}
