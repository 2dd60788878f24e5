// PLIC driver: see plic.h.
#include "drivers/plic.h"

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/machine.h"

namespace {

constexpr uint64_t kPriorityBase = 0x000000;
constexpr uint64_t kPendingBase = 0x001000;
constexpr uint64_t kEnableBase = 0x002000;
constexpr uint64_t kEnableStride = 0x80;
constexpr uint64_t kContextBase = 0x200000;
constexpr uint64_t kContextStride = 0x1000;
constexpr uint64_t kThresholdOffset = 0;
constexpr uint64_t kClaimOffset = 4;

// The specification allows at most 1023 sources.
constexpr uint32_t kMaxSources = 1023;

uint64_t s_base;  // Kernel virtual address of the registers, 0 if there is no PLIC.
uint32_t s_source_count;
// Supervisor context of each cpu index, -1 if the PLIC delivers nothing to that hart.
int32_t s_context[kMaxCpus];

volatile uint32_t& reg(uint64_t offset) { return *reinterpret_cast<volatile uint32_t*>(s_base + offset); }

volatile uint32_t& enable_word(uint32_t irq, int32_t context) {
    return reg(kEnableBase + kEnableStride * static_cast<uint64_t>(context) + 4 * (irq / 32));
}

volatile uint32_t& context_reg(int32_t context, uint64_t offset) {
    return reg(kContextBase + kContextStride * static_cast<uint64_t>(context) + offset);
}

bool valid_source(uint32_t irq) { return s_base != 0 && irq >= 1 && irq <= s_source_count; }

int32_t context_of(unsigned cpu_index) { return cpu_index < kMaxCpus ? s_context[cpu_index] : -1; }

}  // namespace

void plic_init(const MachineInfo& machine) {
    for (auto& context : s_context)
        context = -1;
    if (!machine.plic.present)
        return;
    s_base = reinterpret_cast<uint64_t>(phys_to_virt(machine.plic.base));
    for (unsigned i = 0; i < cpu_count(); ++i) {
        const HartInfo* hart = machine.find_hart(static_cast<uint32_t>(cpu_by_index(i).hart_id));
        s_context[i] = hart ? hart->plic_supervisor_context : -1;
    }
    s_source_count = machine.plic.ndev < kMaxSources ? machine.plic.ndev : kMaxSources;
    // Trust the hardware over the tree: some device trees (QEMU 7.2's virt) count source 0
    // in riscv,ndev, claiming one source more than exists. An unimplemented source's
    // priority and enable bits read as zero whatever is written, which finds the real last
    // one. (The enable words are cleared below anyway.)
    int32_t probe_context = s_context[0];
    while (s_source_count > 0) {
        uint32_t irq = s_source_count;
        reg(kPriorityBase + 4 * irq) = 1;
        bool implemented = reg(kPriorityBase + 4 * irq) != 0;
        if (implemented && probe_context >= 0) {
            enable_word(irq, probe_context) = 1u << (irq % 32);
            implemented = enable_word(irq, probe_context) & (1u << (irq % 32));
        }
        if (implemented)
            break;
        --s_source_count;
    }
    for (uint32_t irq = 1; irq <= s_source_count; ++irq)
        reg(kPriorityBase + 4 * irq) = 0;
    for (unsigned i = 0; i < cpu_count(); ++i) {
        if (s_context[i] < 0)
            continue;
        for (uint32_t word = 0; word <= s_source_count / 32; ++word)
            reg(kEnableBase + kEnableStride * static_cast<uint64_t>(s_context[i]) + 4 * word) = 0;
    }
}

void plic_init_hart() {
    int32_t context = context_of(this_cpu()->index);
    if (s_base == 0 || context < 0)
        return;
    context_reg(context, kThresholdOffset) = 0;
}

bool plic_present() { return s_base != 0; }

uint32_t plic_source_count() { return s_source_count; }

void plic_set_priority(uint32_t irq, uint32_t priority) {
    if (valid_source(irq))
        reg(kPriorityBase + 4 * irq) = priority;
}

uint32_t plic_priority(uint32_t irq) { return valid_source(irq) ? reg(kPriorityBase + 4 * irq) : 0; }

ErrorOr<void> plic_enable(uint32_t irq, unsigned cpu_index) {
    if (s_base == 0)
        return Error::from_errno(ENODEV);
    if (!valid_source(irq))
        return Error::from_errno(EINVAL);
    int32_t context = context_of(cpu_index);
    if (context < 0)
        return Error::from_errno(ENODEV);
    enable_word(irq, context) = enable_word(irq, context) | (1u << (irq % 32));
    return {};
}

void plic_disable(uint32_t irq, unsigned cpu_index) {
    int32_t context = context_of(cpu_index);
    if (!valid_source(irq) || context < 0)
        return;
    enable_word(irq, context) = enable_word(irq, context) & ~(1u << (irq % 32));
}

bool plic_is_enabled(uint32_t irq, unsigned cpu_index) {
    int32_t context = context_of(cpu_index);
    if (!valid_source(irq) || context < 0)
        return false;
    return enable_word(irq, context) & (1u << (irq % 32));
}

bool plic_is_pending(uint32_t irq) {
    if (!valid_source(irq))
        return false;
    return reg(kPendingBase + 4 * (irq / 32)) & (1u << (irq % 32));
}

uint32_t plic_claim() {
    int32_t context = context_of(this_cpu()->index);
    if (s_base == 0 || context < 0)
        return 0;
    return context_reg(context, kClaimOffset);
}

void plic_complete(uint32_t irq) {
    int32_t context = context_of(this_cpu()->index);
    if (s_base == 0 || context < 0)
        return;
    context_reg(context, kClaimOffset) = irq;
}
