// Kernel stacks: 16 KiB stacks in the kernel virtual area, each with unmapped memory
// below it, so that running off the bottom of a stack faults instead of silently
// overwriting whatever lies beneath.
//
// The stack region is cut into equal slots; slot i starts at
// kKernelStackRegionBase + i * kSlotSize:
//
//   slot i:  +---------------------------+ <- bottom of slot i + 1
//            | stack (16 KiB, mapped R+W) |    top (the initial sp; the stack grows down)
//            |                           |
//            +---------------------------+ <- bottom
//            | guard (16 KiB, unmapped)  |    a store here faults: "kernel stack overflow"
//            +---------------------------+ <- slot base
//
// Freeing a stack unmaps it at once (this hart's TLB is flushed for it, so a touch of it
// here faults) and gives its frames back, but another hart that ran on the stack, or
// woke a waiter living on it, may still hold translations of its addresses in its TLB.
// Flushing every other hart costs an SBI call that waits for each of them, which is far
// more than the rest of freeing a stack, so it is not done per stack: the slot is parked
// instead, and parked slots are flushed on every hart together, once per
// kKernelStackFlushBatch of them.
//
//   allocate ──> in use ──free──> pending ──flush of the region on every hart──> free
//      ^          (mapped)        (unmapped; other                    (unmapped; no TLB
//      │                           harts may cache it)                 holds it)
//      └──────────────────────────────────────────────────────────────────────┘
//
// Invariants:
//   - A slot is in use (its stack pages mapped, each from the page allocator), pending
//     (nothing mapped, but other harts' TLBs may still translate its stack pages to the
//     frames it had) or free (nothing mapped, and no hart's TLB holds a translation of
//     it); a slot never yet taken is like a free one. A guard is never mapped.
//   - Only free or never-taken slots are handed out. So when a slot gets new frames, no
//     hart can reach the previous stack's frames through that slot's addresses: a stale
//     translation never shadows a new stack.
//   - A slot becomes free only through a flush of the whole used part of the region on
//     every online hart that starts after the slot's pages were unmapped. A free that
//     brings the pending slots to kKernelStackFlushBatch does that flush (so its cost is
//     shared by a batch of frees), and so does an allocation that finds no free or
//     never-taken slot left.
//   - Freed slots are reused before fresh ones are taken, and a fresh one is taken only
//     when fewer than a batch are pending, so the region's used part stays within the
//     peak number of stacks plus about a batch (plus the slots of a flush in progress).
//   - A stack's pages are mapped individually; they need not be physically contiguous.
//   - A stack's frames go back to the page allocator when it is freed, not when its slot
//     is flushed, so counts of free frames are exact at once. Until the flush, a hart
//     that cached a translation could still reach those frames through the dead stack's
//     addresses; nothing may touch a stack after freeing it (its thread is gone), which is
//     what makes that harmless, as for any use after free.
//
// Locking: callers hold no spinlock of rank PageTable or later (sync/lock_order.h); the
// functions take the stack-slot lock and the kernel page table's lock themselves, one at
// a time, and flush other harts with no lock held.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/riscv64/layout.h"
#include "lib/error_or.h"

constexpr size_t kKernelStackSize = 16 * 1024;
constexpr size_t kKernelStackGuardSize = 16 * 1024;
// Pending slots that trigger a flush of every hart's TLB (see above).
constexpr size_t kKernelStackFlushBatch = 32;

struct KernelStack {
    uint64_t bottom; // Lowest mapped address.
    uint64_t top;    // One past the highest mapped address: the initial stack pointer.
};

// Allocates and maps a stack. Fails with ENOMEM when frames, page-table pages or slots
// run out; nothing is left half-made on failure.
ErrorOr<KernelStack> allocate_kernel_stack();

// Unmaps a stack from allocate_kernel_stack(), frees its frames and parks its slot until
// the next flush of every hart's TLB (which this call makes if the batch is full). No
// hart may run on the stack any more, or touch it afterwards.
void free_kernel_stack(const KernelStack& stack);

// Flushes the pending slots from every hart's TLB now and makes them free, for tests and
// for whoever wants every freed slot reusable at once.
void flush_freed_kernel_stacks();

// Whether `vaddr` lies in the guard below some kernel stack (in use or not), for the trap
// code to report a kernel stack overflow rather than a plain bad access.
bool is_kernel_stack_guard(uint64_t vaddr);

// Whether `vaddr` lies in the kernel stack region at all (guards included).
bool is_in_kernel_stack_region(uint64_t vaddr);

// The number of stacks allocated now, for statistics and tests.
size_t kernel_stacks_in_use();

// Freed slots waiting for the next flush, the flushes made so far, and the slots ever
// taken (the used part of the region), for statistics and tests.
size_t kernel_stacks_pending_flush();
uint64_t kernel_stack_flush_count();
size_t kernel_stack_slots_taken();
