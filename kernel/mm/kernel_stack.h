// Kernel stacks: 16 KiB stacks in the kernel virtual area, each with unmapped memory
// below it, so that running off the bottom of a stack faults instead of silently
// overwriting whatever lies beneath.
//
// The stack region is cut into equal slots; slot i starts at kStackRegionBase + i * kSlotSize:
//
//   slot i:  +---------------------------+ <- bottom of slot i + 1
//            | stack (16 KiB, mapped R+W) |    top (the initial sp; the stack grows down)
//            |                           |
//            +---------------------------+ <- bottom
//            | guard (16 KiB, unmapped)  |    a store here faults: "kernel stack overflow"
//            +---------------------------+ <- slot base
//
// Invariants:
//   - A slot is either in use (its stack pages mapped, each from the page allocator) or on
//     the free list (nothing mapped); a guard is never mapped.
//   - Freed slots are reused before fresh ones are taken, so allocation and freeing are
//     O(1) and the region's used part stays as small as the peak number of stacks.
//   - A stack's pages are mapped individually; they need not be physically contiguous.
//
// Locking: callers hold no spinlock of rank PageTable or later (sync/lock_order.h); the
// functions take the stack-slot lock and the kernel page table's lock themselves, one at
// a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/riscv64/layout.h"
#include "lib/error_or.h"

constexpr size_t kKernelStackSize = 16 * 1024;
constexpr size_t kKernelStackGuardSize = 16 * 1024;

struct KernelStack {
    uint64_t bottom; // Lowest mapped address.
    uint64_t top;    // One past the highest mapped address: the initial stack pointer.
};

// Allocates and maps a stack. Fails with ENOMEM when frames, page-table pages or slots
// run out; nothing is left half-made on failure.
ErrorOr<KernelStack> allocate_kernel_stack();

// Unmaps a stack from allocate_kernel_stack(), frees its frames and recycles its slot.
// No hart may run on it any more. Flushes the range from every hart's TLB.
void free_kernel_stack(const KernelStack& stack);

// Whether `vaddr` lies in the guard below some kernel stack (in use or not), for the trap
// code to report a kernel stack overflow rather than a plain bad access.
bool is_kernel_stack_guard(uint64_t vaddr);

// Whether `vaddr` lies in the kernel stack region at all (guards included).
bool is_in_kernel_stack_region(uint64_t vaddr);

// The number of stacks allocated now, for statistics and tests.
size_t kernel_stacks_in_use();
