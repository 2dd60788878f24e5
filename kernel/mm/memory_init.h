// Bringing up memory management at boot, in the one order that works:
//
//   1. physical_allocator_init   frame descriptors and the free list (boot page table on)
//   2. the small heap works from here on (slabs are reached through the direct map)
//   3. kernel_page_table_init    the kernel page table, built with frames and the heap
//   4. kernel_page_table_activate  the boot hart switches satp to it
//   5. large heap blocks and kernel stacks work from here on (kernel virtual area)
#pragma once

#include "arch/riscv64/machine.h"

// Runs steps 1 to 4 on the boot hart, after smp_init_boot_hart() (tp must point at the
// boot hart's Cpu) and before anything allocates. `device_tree` is the blob's physical
// range, which stays reserved.
void memory_init(const MachineInfo& machine, MemoryRange device_tree);
