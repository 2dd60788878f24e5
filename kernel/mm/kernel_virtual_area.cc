// Kernel-wide TLB flushes for the kernel virtual area: see kernel_virtual_area.h.
#include "mm/kernel_virtual_area.h"

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/sbi.h"
#include "sync/interrupt_disabler.h"

void flush_kernel_tlb_range(uint64_t start, uint64_t size)
{
    // The local flush and the choice of "self" must happen on the same hart: a thread
    // migrated in between would skip the hart it now runs on, which keeps stale entries.
    InterruptDisabler stay_on_this_hart;

    // Flushing page by page is cheaper than a full flush for the few pages of a stack;
    // beyond a few dozen pages the full flush wins.
    constexpr uint64_t kMaxPagesFlushedOneByOne = 32;
    if (size / kPageSize <= kMaxPagesFlushedOneByOne) {
        for (uint64_t offset = 0; offset < size; offset += kPageSize)
            local_flush_tlb_page(start + offset);
    } else {
        local_flush_tlb_all();
    }

    // FIXME: use the TLB shootdown of arch/riscv64 once it exists; until then every other
    // online hart gets its own SBI call (hart ids need not fit one mask).
    Cpu* self = this_cpu();
    for (unsigned i = 0; i < cpu_count(); ++i) {
        Cpu& cpu = cpu_by_index(i);
        if (&cpu == self || !cpu.online.load(std::memory_order_acquire))
            continue;
        sbi::remote_sfence_vma(1, cpu.hart_id, start, size);
    }
}
