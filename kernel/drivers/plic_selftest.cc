// Self-tests of the PLIC, the IRQ registry and interrupt-driven UART input. The UART's
// loopback mode turns a transmitted byte into received input, which raises a real receive
// interrupt without anyone typing.
#include "arch/riscv64/cpu.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/timer.h"
#include "drivers/irq.h"
#include "drivers/plic.h"
#include "drivers/uart.h"
#include "lib/ktest.h"
#include "sync/interrupt_disabler.h"

extern MachineInfo g_machine;

namespace {

template<typename Predicate>
bool wait_until(Predicate done, uint64_t timeout_ns) {
    uint64_t deadline = uptime_ns() + timeout_ns;
    while (!done() && uptime_ns() < deadline) {
    }
    return done();
}

constexpr uint64_t kOneSecond = 1'000'000'000;

// Claims for this hart until the claim is `irq` or nothing, servicing any other source on
// the way through its registered handler (the virtio disk's interrupt is routed to the boot
// hart too, and a late completion interrupt of it may be pending). Interrupts must be off.
uint32_t claim_skipping_other_sources(uint32_t irq) {
    for (;;) {
        uint32_t claimed = plic_claim();
        if (claimed == 0 || claimed == irq)
            return claimed;
        irq_dispatch(claimed);
        plic_complete(claimed);
    }
}

// Empties the input ring, so a test sees only its own bytes.
void drain_input() {
    while (uart::try_get_char() >= 0) {
    }
}

}  // namespace

KTEST(Plic, UartInterruptIsRoutedToTheBootHart) {
    KASSERT(plic_present());
    uint32_t irq = g_machine.uart.irq;
    KASSERT(irq != 0);
    KEXPECT(irq <= plic_source_count());
    KEXPECT(plic_priority(irq) >= 1);
    KEXPECT(plic_is_enabled(irq, 0));
    for (unsigned cpu = 1; cpu < cpu_count(); ++cpu)
        KEXPECT(!plic_is_enabled(irq, cpu));
}

KTEST(Plic, EnableAndDisableRoundTrip) {
    KASSERT(plic_present());
    // The last source: no device on QEMU virt uses it, and at priority 0 it is never
    // delivered even while enabled.
    uint32_t irq = plic_source_count();
    KEXPECT_EQ(0u, plic_priority(irq));
    KEXPECT(!plic_is_enabled(irq, 0));
    KEXPECT(!plic_enable(irq, 0).is_error());
    KEXPECT(plic_is_enabled(irq, 0));
    plic_disable(irq, 0);
    KEXPECT(!plic_is_enabled(irq, 0));
    plic_set_priority(irq, 3);
    KEXPECT_EQ(3u, plic_priority(irq));
    plic_set_priority(irq, 0);
    KEXPECT_EQ(0u, plic_priority(irq));
    // Out-of-range sources are refused.
    KEXPECT(plic_enable(0, 0).is_error());
    KEXPECT(plic_enable(plic_source_count() + 1, 0).is_error());
}

KTEST(Plic, IrqRegistryRefusesDoubleRegistration) {
    uint32_t irq = g_machine.uart.irq;
    auto result = irq_register(irq, [](void*) {}, nullptr, 0);
    KASSERT(result.is_error());
    KEXPECT_EQ(EBUSY, result.error().code());
    KEXPECT(irq_register(0, [](void*) {}, nullptr, 0).is_error());
}

KTEST(Plic, ClaimReturnsTheUartSourceAndCompleteRearmsIt) {
    uint32_t irq = g_machine.uart.irq;
    KASSERT(plic_present() && irq != 0);
    {
        // Pinned with interrupts off, and the UART routed here, so this hart's context is
        // the only one that can claim it and nothing claims it behind our back.
        InterruptDisabler pin;
        unsigned self = this_cpu()->index;
        KASSERT(!irq_set_affinity(irq, self).is_error());
        // Take whatever someone may have typed (other sources are serviced on the way).
        if (uint32_t stale = claim_skipping_other_sources(irq)) {
            KEXPECT_EQ(irq, stale);
            uart::handle_interrupt();
            plic_complete(stale);
        }
        drain_input();

        uart::set_loopback(uart::Loopback::On);
        // Twice: the second byte is delivered only if completing the first re-armed the
        // source in the PLIC.
        for (char c : { 'Q', 'R' }) {
            uart::put_char(c);
            KEXPECT(wait_until([&] { return plic_is_pending(irq); }, kOneSecond));
            uint32_t claimed = claim_skipping_other_sources(irq);
            KEXPECT_EQ(irq, claimed);
            KEXPECT(!plic_is_pending(irq));  // Claiming clears the pending bit.
            uart::handle_interrupt();         // Reading the byte lowers the UART's line.
            if (claimed != 0)
                plic_complete(claimed);
        }
        uart::set_loopback(uart::Loopback::Off);
        KEXPECT(!irq_set_affinity(irq, 0).is_error());
    }
    KEXPECT_EQ(static_cast<int>('Q'), uart::try_get_char());
    KEXPECT_EQ(static_cast<int>('R'), uart::try_get_char());
}

KTEST(Plic, UartInputArrivesByInterrupt) {
    uint32_t irq = g_machine.uart.irq;
    KASSERT(irq != 0);
    KASSERT(interrupts_enabled());
    drain_input();
    uint64_t interrupts_before = irq_count(irq);

    uart::set_loopback(uart::Loopback::On);
    const char sent[] = "atlas";
    for (char c : sent) {
        if (c)
            uart::put_char(c);
    }
    // Nobody polls: the bytes reach the ring only through PLIC -> trap -> handler.
    char received[sizeof(sent)] = {};
    size_t count = 0;
    wait_until(
        [&] {
            int c;
            while (count + 1 < sizeof(received) && (c = uart::try_get_char()) >= 0)
                received[count++] = static_cast<char>(c);
            return count + 1 == sizeof(received);
        },
        kOneSecond);
    uart::set_loopback(uart::Loopback::Off);

    KEXPECT_EQ(sizeof(sent) - 1, count);
    for (size_t i = 0; i + 1 < sizeof(sent); ++i)
        KEXPECT_EQ(sent[i], received[i]);
    KEXPECT(irq_count(irq) > interrupts_before);
}
