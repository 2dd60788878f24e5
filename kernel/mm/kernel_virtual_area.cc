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

    // FIXME: use the TLB shootdown of arch/riscv64 once it exists. Until then the other
    // online harts are flushed through SBI, one call per window of 64 hart ids (an SBI hart
    // mask covers hart_mask_base .. hart_mask_base + 63), so on the usual machine with hart
    // ids below 64 a single call reaches every other hart and the firmware flushes them in
    // parallel rather than one after another.
    Cpu* self = this_cpu();
    bool done[kMaxCpus] = {};
    for (unsigned i = 0; i < cpu_count(); ++i) {
        Cpu& cpu = cpu_by_index(i);
        if (done[i] || &cpu == self || !cpu.online.load(std::memory_order_acquire))
            continue;
        unsigned long base = cpu.hart_id & ~63ul;
        unsigned long mask = 0;
        for (unsigned j = i; j < cpu_count(); ++j) {
            Cpu& other = cpu_by_index(j);
            if (done[j] || &other == self || !other.online.load(std::memory_order_acquire))
                continue;
            if ((other.hart_id & ~63ul) != base)
                continue;
            mask |= 1ul << (other.hart_id - base);
            done[j] = true;
        }
        sbi::remote_sfence_vma(mask, base, start, size);
    }
}
