// The Sv39 virtual address space as Atlas lays it out, and conversions between physical
// addresses and the kernel's views of them.
//
//   0x0000000000000000 .. 0x0000003fffffffff   user space (256 GiB, the lower half)
//   ---- non-canonical hole ----
//   0xffffffc000000000 .. 0xffffffdfffffffff   direct map: physical p at kDirectMapBase + p
//   0xffffffe000000000 .. 0xffffffefffffffff   kernel virtual area: stacks (each with an
//                                              unmapped guard page below), large heap blocks
//   0xffffffff80000000 .. 0xffffffffffffffff   kernel image, linked at 0xffffffff80200000
//
// Every address space shares the kernel half: the kernel's root-table entries 256..511
// point at page-table pages allocated once at boot and never freed, so a mapping the kernel
// adds later (a new stack) is visible in every address space without touching them.
#pragma once

#include <cstddef>
#include <cstdint>

constexpr size_t kPageSize = 4096;
constexpr unsigned kPageShift = 12;

constexpr uint64_t kUserSpaceEnd = 0x0000004000000000ull;
constexpr uint64_t kDirectMapBase = 0xffffffc000000000ull;
constexpr uint64_t kDirectMapSize = 0x0000002000000000ull;  // 128 GiB of physical memory.
constexpr uint64_t kKernelVirtualAreaBase = 0xffffffe000000000ull;
constexpr uint64_t kKernelVirtualAreaEnd = 0xfffffff000000000ull;
constexpr uint64_t kKernelImageBase = 0xffffffff80000000ull;

constexpr uint64_t page_round_down(uint64_t address) { return address & ~(kPageSize - 1); }
constexpr uint64_t page_round_up(uint64_t address) { return (address + kPageSize - 1) & ~(kPageSize - 1); }

// The direct-map view of a physical address, and back.
inline void* phys_to_virt(uint64_t phys) { return reinterpret_cast<void*>(phys + kDirectMapBase); }
inline uint64_t virt_to_phys(const void* direct_mapped) {
    return reinterpret_cast<uint64_t>(direct_mapped) - kDirectMapBase;
}

// Boundaries of the kernel image, from the linker script (kernel.ld). Their addresses are
// what matters; the declared type only lets us take them.
extern "C" char kernel_start[], kernel_text_end[], kernel_rodata_end[], kernel_data_end[], kernel_end[];
extern "C" char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

// Where OpenSBI loads the image (kernel.ld's KERNEL_PHYS_BASE) and where it is linked.
constexpr uint64_t kKernelPhysBase = 0x80200000ull;
constexpr uint64_t kKernelVirtBase = 0xffffffff80200000ull;

inline uint64_t kernel_image_phys(const void* symbol) {
    return reinterpret_cast<uint64_t>(symbol) - kKernelVirtBase + kKernelPhysBase;
}
