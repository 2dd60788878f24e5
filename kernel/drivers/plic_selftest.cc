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

// Whether the input ring delivers `expected` in order within a second. Other bytes may come
// in between: while loopback is on, whatever another hart prints is looped back too, and
// the console is not ours to silence in the middle of a test run.
bool input_contains_in_order(const char* expected) {
    const char* next = expected;
    wait_until(
        [&] {
            int c;
            while (*next && (c = uart::try_get_char()) >= 0) {
                if (c == *next)
                    ++next;
            }
            return *next == '\0';
        },
        kOneSecond);
    return *next == '\0';
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

        // While loopback is on, everything printed (a failed expectation's report too)
        // goes back into the UART instead of to the console, so the results are kept and
        // checked once it is off.
        bool became_pending[2] = {};
        uint32_t claimed_irq[2] = {};
        uart::set_loopback(uart::Loopback::On);
        // Twice: the second byte is delivered only if completing the first re-armed the
        // source in the PLIC.
        int round = 0;
        for (char c : { 'Q', 'R' }) {
            uart::put_char(c);
            became_pending[round] = wait_until([&] { return plic_is_pending(irq); }, kOneSecond);
            uint32_t claimed = claim_skipping_other_sources(irq);
            claimed_irq[round++] = claimed;
            uart::handle_interrupt();  // Reading the byte lowers the UART's line.
            if (claimed != 0)
                plic_complete(claimed);
        }
        uart::set_loopback(uart::Loopback::Off);
        KEXPECT(!irq_set_affinity(irq, 0).is_error());
        for (int i = 0; i < 2; ++i) {
            KEXPECT(became_pending[i]);
            KEXPECT_EQ(irq, claimed_irq[i]);
        }
    }
    KEXPECT(input_contains_in_order("QR"));
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
    bool received = input_contains_in_order(sent);
    uart::set_loopback(uart::Loopback::Off);
    KEXPECT(received);
    KEXPECT(irq_count(irq) > interrupts_before);
}
