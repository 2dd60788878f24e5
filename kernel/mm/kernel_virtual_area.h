// How the kernel virtual area (layout.h: kKernelVirtualAreaBase .. kKernelVirtualAreaEnd,
// 64 GiB) is divided. Nothing here is mapped at boot; each part's owner maps pages into
// the kernel page table as it hands them out, and the page-table pages above them exist
// from boot on (see kernel_page_table.h), so those mappings appear in every address space.
//
//   kKernelVirtualAreaBase  +---------------------------+
//                           | kernel stacks (1 GiB)     |  mm/kernel_stack.cc
//   kLargeHeapBase          +---------------------------+
//                           | large heap blocks (63 GiB)|  mm/kernel_heap.cc
//   kKernelVirtualAreaEnd   +---------------------------+
#pragma once

#include <cstdint>

#include "arch/riscv64/layout.h"

constexpr uint64_t kKernelStackRegionBase = kKernelVirtualAreaBase;
constexpr uint64_t kKernelStackRegionSize = 1ull << 30;
constexpr uint64_t kLargeHeapBase = kKernelStackRegionBase + kKernelStackRegionSize;
constexpr uint64_t kLargeHeapEnd = kKernelVirtualAreaEnd;

static_assert(kLargeHeapBase < kLargeHeapEnd);

// Removes [start, start + size) of the kernel half from every online hart's TLB: this
// hart's with sfence.vma, the others' through SBI. Called after unmapping kernel memory
// and before its virtual range is reused, so no hart keeps a stale translation to frames
// that have been given to someone else.
void flush_kernel_tlb_range(uint64_t start, uint64_t size);
