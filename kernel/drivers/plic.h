// The RISC-V platform-level interrupt controller (PLIC): routes device interrupt sources
// to harts. Register layout as in the PLIC specification:
//
//   base + 0x000000 + 4*irq                  priority of source irq (0 = never delivered)
//   base + 0x001000 + 4*(irq/32)             pending bits
//   base + 0x002000 + 0x80*ctx + 4*(irq/32)  enable bits of context ctx
//   base + 0x200000 + 0x1000*ctx             priority threshold of context ctx
//   base + 0x200004 + 0x1000*ctx             claim (read) / complete (write) of context ctx
//
// A context is one hart in one privilege mode; Atlas uses only each hart's supervisor
// context, taken from MachineInfo (HartInfo::plic_supervisor_context) and addressed here
// by cpu index. Sources are 1..ndev; 0 means "none" in claim results.
//
// Invariants: after plic_init() every source has priority 0 and is disabled in every
// context; a source is delivered only while it is enabled for some context and has a
// non-zero priority above that context's threshold. Enable bits are read-modify-written,
// so calls that change them (plic_enable, plic_disable) must be serialized by the caller;
// the IRQ registry (drivers/irq.h) does that with its lock.
#pragma once

#include <cstdint>

#include "lib/error_or.h"

struct MachineInfo;

// Once, on the boot hart, after smp_init_boot_hart(): finds the controller and the
// contexts of every cpu; priorities to 0 and every source disabled. No-op without a PLIC.
void plic_init(const MachineInfo& machine);

// On each hart: threshold 0 for this hart's supervisor context, so any priority >= 1 gets
// through. Leaves the enable bits alone (a source may be routed before the hart starts).
void plic_init_hart();

bool plic_present();
uint32_t plic_source_count();

void plic_set_priority(uint32_t irq, uint32_t priority);
uint32_t plic_priority(uint32_t irq);

// Routes `irq` to the supervisor context of cpu `cpu_index`. EINVAL for a source out of
// range, ENODEV when there is no PLIC or that hart has no supervisor context. Caller
// serializes (see above).
ErrorOr<void> plic_enable(uint32_t irq, unsigned cpu_index);
void plic_disable(uint32_t irq, unsigned cpu_index);
bool plic_is_enabled(uint32_t irq, unsigned cpu_index);

bool plic_is_pending(uint32_t irq);

// Claims the highest-priority pending source for the calling hart's context, or returns 0
// if none is pending. Every non-zero claim must be followed by plic_complete(irq) on the
// same hart once the device has been serviced; until then the source is not delivered again.
uint32_t plic_claim();
void plic_complete(uint32_t irq);
