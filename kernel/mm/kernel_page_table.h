// The kernel page table: built once at boot, then the kernel half of every address space.
//
//   root entry   virtual range                         contents
//   256..       0xffffffc000000000  direct map        all RAM except firmware-reserved
//                                                      ranges, R+W, never X, 2 MiB or
//                                                      1 GiB leaves where aligned; device
//                                                      MMIO (UART, PLIC, sifive_test,
//                                                      virtio-mmio) R+W, 4 KiB leaves
//   384..447    0xffffffe000000000  kernel virtual    kernel stacks, large heap blocks
//                                   area              (mm/kernel_virtual_area.h), mapped
//                                                      page by page later
//   510         0xffffffff80200000  kernel image      .text R+X, .rodata R, .data/.bss
//                                                      R+W, boot stack R+W with its guard
//                                                      page unmapped, symbol table R
//
// Every leaf is Global, and has A and D set.
//
// The sharing invariant: every root entry 256..511 is valid by the end of
// kernel_page_table_init() (either a leaf of the direct map or a table, allocated empty if
// nothing was mapped there yet), and none of them ever changes again. Kernel mappings made
// later (a new stack) change only tables below the root, which every address space reaches
// through the same root entries. So a new address space shares the kernel half by copying
// root entries 256..511 once (PageTable::try_create(KernelHalf::SharedWithKernel)), and
// those tables are never freed.
//
// The direct map also covers the kernel image's frames, writable: an alias that the
// kernel never uses to reach its own code.
//
// Locking: the kernel page table's own lock (rank PageTable) serialises changes to it;
// callers hold no spinlock of that rank or later.
#pragma once

#include <cstdint>

#include "arch/riscv64/machine.h"
#include "arch/riscv64/page_table.h"

// Builds the kernel page table. Runs once on the boot hart after physical_allocator_init(),
// with the boot page table still active. Panics if memory runs out.
void kernel_page_table_init(const MachineInfo& machine);

// Switches this hart to the kernel page table: writes satp and flushes the TLB. The boot
// hart calls it after kernel_page_table_init(); every other hart on entry. From then on the
// boot page table (entry.S) serves only secondary harts on their way in.
void kernel_page_table_activate();

// The satp value that selects the kernel page table, for the SecondaryBoot record.
uint64_t kernel_satp();

// The kernel page table itself, for mapping into the kernel virtual area.
PageTable& kernel_page_table();

// Whether kernel_page_table_init() has run.
bool kernel_page_table_ready();
