// Memory bring-up at boot: see memory_init.h.
#include "mm/memory_init.h"

#include "lib/kprintf.h"
#include "mm/kernel_page_table.h"
#include "mm/physical_allocator.h"
#include "mm/reclaim.h"

void memory_init(const MachineInfo& machine, MemoryRange device_tree)
{
    physical_allocator_init(machine, device_tree);
    reclaim::set_watermarks();
    kernel_page_table_init(machine);
    kernel_page_table_activate();
    kprintf("mm: %lu KiB of %lu KiB free after the kernel page table\n", free_page_count() * 4,
            total_page_count() * 4);
}
