// Building the kernel page table: see kernel_page_table.h.
#include "mm/kernel_page_table.h"

#include <algorithm>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "lib/assert.h"
#include "lib/panic.h"

namespace {

PageTable* s_kernel_page_table = nullptr;

constexpr size_t kFirstKernelRootEntry = sv39::kEntriesPerTable / 2;

void must_map(uint64_t vaddr, uint64_t paddr, uint64_t size, PteFlags flags, LargePages large_pages, const char* what)
{
    if (size == 0)
        return;
    auto result = s_kernel_page_table->map(vaddr, paddr, size, flags | PteFlags::Global, large_pages);
    if (result.is_error())
        panic("kernel page table: cannot map %s at %p (%lu bytes): %s", what, reinterpret_cast<void*>(vaddr), size,
              result.error().name());
}

// Maps a piece of the kernel image at its link address, from its load address.
void map_image_range(const char* start, const char* end, PteFlags flags, const char* what)
{
    auto vstart = reinterpret_cast<uint64_t>(start);
    auto vend = reinterpret_cast<uint64_t>(end);
    ASSERT(sv39::is_aligned(vstart, kPageSize) && sv39::is_aligned(vend, kPageSize));
    must_map(vstart, kernel_image_phys(start), vend - vstart, flags, LargePages::Forbidden, what);
}

// Direct-maps the RAM in `range` except the firmware's reserved ranges (sorted by base,
// as MachineInfo promises), which PMP guards: leaving them unmapped turns a stray access
// into a clean page fault.
void map_ram(const MemoryRange& range, const MachineInfo& machine)
{
    constexpr PteFlags kRamFlags = PteFlags::Read | PteFlags::Write;
    uint64_t cursor = page_round_up(range.base);
    uint64_t end = page_round_down(range.end());
    for (const MemoryRange& reserved : machine.reserved_ranges()) {
        uint64_t hole_start = page_round_down(reserved.base);
        uint64_t hole_end = page_round_up(reserved.end());
        if (hole_end <= cursor || hole_start >= end)
            continue;
        if (hole_start > cursor)
            must_map(kDirectMapBase + cursor, cursor, hole_start - cursor, kRamFlags, LargePages::Allowed, "RAM");
        cursor = std::max(cursor, hole_end);
    }
    if (cursor < end)
        must_map(kDirectMapBase + cursor, cursor, end - cursor, kRamFlags, LargePages::Allowed, "RAM");
}

// Maps device registers into the direct map, one page at a time; pages already mapped (two
// devices sharing a page) are left as they are.
void map_device(uint64_t base, uint64_t size, const char* what)
{
    uint64_t start = page_round_down(base);
    uint64_t end = page_round_up(base + std::max<uint64_t>(size, 1));
    ASSERT(end - start <= kDirectMapSize);
    for (uint64_t phys = start; phys < end; phys += kPageSize) {
        if (s_kernel_page_table->translate(kDirectMapBase + phys))
            continue;
        must_map(kDirectMapBase + phys, phys, kPageSize, PteFlags::Read | PteFlags::Write, LargePages::Forbidden, what);
    }
}

} // namespace

void kernel_page_table_init(const MachineInfo& machine)
{
    ASSERT(!s_kernel_page_table);
    auto table = PageTable::try_create(KernelHalf::Empty);
    if (table.is_error())
        panic("kernel page table: no frame for the root");
    s_kernel_page_table = table.release_value().leak_ptr();

    constexpr PteFlags kRead = PteFlags::Read;
    constexpr PteFlags kReadWrite = PteFlags::Read | PteFlags::Write;
    map_image_range(kernel_start, kernel_text_end, kRead | PteFlags::Execute, ".text");
    map_image_range(kernel_text_end, kernel_rodata_end, kRead, ".rodata");
    map_image_range(kernel_rodata_end, boot_stack_guard, kReadWrite, ".data/.bss");
    // boot_stack_guard .. boot_stack_bottom stays unmapped: the boot stack's guard page.
    map_image_range(boot_stack_bottom, kernel_data_end, kReadWrite, "boot stack");
    // The embedded symbol table; kernel_data_end is page-aligned because the boot stack is.
    map_image_range(kernel_data_end, kernel_end, kRead, "symbol table");

    for (const MemoryRange& range : machine.memory_ranges())
        map_ram(range, machine);

    if (machine.uart.present)
        map_device(machine.uart.base, machine.uart.size, "UART");
    if (machine.plic.present)
        map_device(machine.plic.base, machine.plic.size, "PLIC");
    if (machine.test_device.present)
        map_device(machine.test_device.base, kPageSize, "sifive_test");
    for (const VirtioMmioInfo& virtio : machine.virtio_devices())
        map_device(virtio.base, virtio.size, "virtio-mmio");

    if (s_kernel_page_table->populate_root_entries(kFirstKernelRootEntry, sv39::kEntriesPerTable - 1).is_error())
        panic("kernel page table: no frames for the kernel half's tables");
}

void kernel_page_table_activate()
{
    ASSERT(s_kernel_page_table);
    local_flush_tlb_all();
    csr::write_satp(s_kernel_page_table->satp());
    local_flush_tlb_all();
}

uint64_t kernel_satp()
{
    ASSERT(s_kernel_page_table);
    return s_kernel_page_table->satp();
}

PageTable& kernel_page_table()
{
    ASSERT(s_kernel_page_table);
    return *s_kernel_page_table;
}

bool kernel_page_table_ready() { return s_kernel_page_table != nullptr; }
