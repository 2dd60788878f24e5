// The interrupt handler registry: see irq.h.
#include "drivers/irq.h"

#include <atomic>

#include "arch/riscv64/cpu.h"
#include "drivers/plic.h"
#include "sync/spinlock.h"

namespace {

// One more than the PLIC's largest possible source number (1023).
constexpr uint32_t kMaxIrqs = 1024;

struct IrqEntry {
    // The handler is published last (release) and read first (acquire), so a dispatcher
    // that sees it also sees its context.
    std::atomic<IrqHandler> handler { nullptr };
    void* context { nullptr };
    unsigned cpu_index { 0 };
    std::atomic<uint64_t> count { 0 };
};

IrqEntry s_irqs[kMaxIrqs];
std::atomic<uint64_t> s_spurious;
Spinlock s_lock { "irq registry", LockRank::Device };

}  // namespace

ErrorOr<void> irq_register(uint32_t irq, IrqHandler handler, void* context, unsigned cpu_index) {
    if (irq == 0 || irq >= kMaxIrqs || irq > plic_source_count() || !handler)
        return Error::from_errno(plic_present() ? EINVAL : ENODEV);
    SpinlockLocker locker(s_lock);
    IrqEntry& entry = s_irqs[irq];
    if (entry.handler.load(std::memory_order_relaxed))
        return Error::from_errno(EBUSY);
    entry.context = context;
    entry.cpu_index = cpu_index;
    entry.handler.store(handler, std::memory_order_release);
    plic_set_priority(irq, 1);
    auto routed = plic_enable(irq, cpu_index);
    if (routed.is_error()) {
        entry.handler.store(nullptr, std::memory_order_relaxed);
        plic_set_priority(irq, 0);
        return routed;
    }
    return {};
}

void irq_unregister(uint32_t irq) {
    if (irq == 0 || irq >= kMaxIrqs)
        return;
    SpinlockLocker locker(s_lock);
    IrqEntry& entry = s_irqs[irq];
    if (!entry.handler.load(std::memory_order_relaxed))
        return;
    plic_disable(irq, entry.cpu_index);
    plic_set_priority(irq, 0);
    // The context stays: a dispatch on another hart may have loaded the handler already.
    entry.handler.store(nullptr, std::memory_order_relaxed);
}

ErrorOr<void> irq_set_affinity(uint32_t irq, unsigned cpu_index) {
    if (irq == 0 || irq >= kMaxIrqs)
        return Error::from_errno(EINVAL);
    SpinlockLocker locker(s_lock);
    IrqEntry& entry = s_irqs[irq];
    if (!entry.handler.load(std::memory_order_relaxed))
        return Error::from_errno(EINVAL);
    if (cpu_index == entry.cpu_index)
        return {};
    // Enable at the new hart before disabling at the old one, so the source is never
    // routed nowhere; at worst both harts see it once, and only one can claim it.
    TRY(plic_enable(irq, cpu_index));
    plic_disable(irq, entry.cpu_index);
    entry.cpu_index = cpu_index;
    return {};
}

void irq_dispatch(uint32_t irq) {
    IrqHandler handler = irq < kMaxIrqs ? s_irqs[irq].handler.load(std::memory_order_acquire) : nullptr;
    if (!handler) {
        // Priority 0 stops delivery to every context without touching enable bits, which
        // only the registry lock may change (and an interrupt handler must not take it).
        s_spurious.fetch_add(1, std::memory_order_relaxed);
        plic_set_priority(irq, 0);
        return;
    }
    s_irqs[irq].count.fetch_add(1, std::memory_order_relaxed);
    handler(s_irqs[irq].context);
}

uint64_t irq_count(uint32_t irq) { return irq < kMaxIrqs ? s_irqs[irq].count.load(std::memory_order_relaxed) : 0; }

uint64_t irq_spurious_count() { return s_spurious.load(std::memory_order_relaxed); }
