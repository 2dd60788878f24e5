// The registry of device interrupt handlers: which function services which PLIC source.
//
// A driver registers a handler for its interrupt source and names the cpu that should
// take it; the registry routes the source there in the PLIC (priority 1, enabled in that
// hart's context). The trap code claims each external interrupt from the PLIC and calls
// irq_dispatch(), which finds the handler in O(1) (a table indexed by source number).
//
// Handlers run in interrupt context on the hart the source is routed to, with interrupts
// disabled: they must not sleep, and should only move data and wake threads. The PLIC
// never delivers a source again before it is completed, so one handler never runs twice
// at once for the same source.
//
// Invariants: a source has at most one handler; it is enabled in the PLIC only while a
// handler is registered. The registry lock (rank Device) serializes changes, and with
// them every read-modify-write of the PLIC's enable bits.
#pragma once

#include <cstdint>

#include "lib/error_or.h"

using IrqHandler = void (*)(void* context);

// Registers `handler` for PLIC source `irq` and routes the source to cpu `cpu_index`.
// EBUSY if the source has a handler already, EINVAL if it is out of range, ENODEV if
// there is no PLIC or the cpu has no supervisor context. Takes the registry lock.
ErrorOr<void> irq_register(uint32_t irq, IrqHandler handler, void* context, unsigned cpu_index);

// Disables the source and forgets its handler. The device must be quiet already: a
// handler running right now on another hart may still finish. Takes the registry lock.
void irq_unregister(uint32_t irq);

// Moves a registered source to cpu `cpu_index`. EINVAL if it has no handler, ENODEV if the
// cpu has no supervisor context (the old routing stays then). Takes the registry lock.
ErrorOr<void> irq_set_affinity(uint32_t irq, unsigned cpu_index);

// Called by the trap code for a claimed source, with interrupts disabled. A source
// without a handler is counted as spurious and disabled, so it cannot storm.
void irq_dispatch(uint32_t irq);

// Interrupts dispatched for `irq` since boot, and those that found no handler.
uint64_t irq_count(uint32_t irq);
uint64_t irq_spurious_count();
