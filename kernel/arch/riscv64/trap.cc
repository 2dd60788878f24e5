// Trap dispatch and the kernel fault report: see trap.h.
#include "arch/riscv64/trap.h"

#include <atomic>

#include "arch/riscv64/backtrace.h"
#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/smp.h"
#include "arch/riscv64/timer.h"
#include "arch/riscv64/trap_cause.h"
#include "drivers/console.h"
#include "drivers/irq.h"
#include "drivers/plic.h"
#include "drivers/uart.h"
#include "lib/assert.h"
#include "lib/panic.h"
#include "proc/scheduler.h"

#if __has_include("mm/kernel_stack.h")
#    include "mm/kernel_stack.h"
#    define ATLAS_HAVE_KERNEL_STACK_GUARDS 1
#endif

namespace {

// Enough for panic(): kprintf, the backtrace walk and the power-off path.
constexpr size_t kEmergencyStackSize = 8192;

struct alignas(16) EmergencyStack {
    uint8_t bytes[kEmergencyStackSize];
};

// Per-hart trap state, indexed by Cpu::index. Each hart writes only its own entry.
struct HartTrapState {
    TrapScratch scratch {};
    // Written only by its hart, read by any (tests).
    std::atomic<uint64_t> software_interrupts { 0 };
    // Set while this hart prints a fault report, so a fault inside the report does not
    // start another one.
    bool reporting { false };
};

HartTrapState s_harts[kMaxCpus];
EmergencyStack s_emergency_stacks[kMaxCpus];

HartTrapState& this_hart() { return s_harts[this_cpu()->index]; }

// True if `address` lies in the unmapped page under a kernel stack.
bool in_stack_guard(uint64_t address) {
    auto guard = reinterpret_cast<uint64_t>(boot_stack_guard);
    if (address >= guard && address < reinterpret_cast<uint64_t>(boot_stack_bottom))
        return true;
#ifdef ATLAS_HAVE_KERNEL_STACK_GUARDS
    return is_kernel_stack_guard(address);
#else
    return false;
#endif
}

[[noreturn]] void halt_this_hart() {
    disable_interrupts();
    for (;;)
        wait_for_interrupt();
}

void handle_software_interrupt() {
    csr::clear_sip(csr::kSoftwareInterrupt);
    if (kernel_panicking())
        halt_this_hart();
    this_hart().software_interrupts.fetch_add(1, std::memory_order_relaxed);
    smp_handle_ipi();
}

void handle_external_interrupt() {
    // Take every interrupt the PLIC has for this hart before returning, so that a burst
    // costs one trap rather than one per source.
    for (uint32_t irq = plic_claim(); irq != 0; irq = plic_claim()) {
        irq_dispatch(irq);
        plic_complete(irq);
    }
}

void handle_interrupt(uint64_t code) {
    switch (code) {
    case trap_cause::kSupervisorTimer:
        timer_handle_interrupt();
        // Last, because it may switch to another thread; everything this hart owes the
        // hardware for this interrupt (the next deadline) is done by now.
        scheduler_timer_tick();
        return;
    case trap_cause::kSupervisorSoftware:
        handle_software_interrupt();
        return;
    case trap_cause::kSupervisorExternal:
        handle_external_interrupt();
        return;
    default:
        panic("unexpected %s (scause code %lu)", trap_cause_name(trap_cause::kInterruptBit | code), code);
    }
}

[[noreturn]] void report_kernel_exception(const TrapFrame& frame) {
    HartTrapState& hart = this_hart();
    if (hart.reporting)
        panic("%s at %p while reporting a kernel fault", trap_cause_name(frame.scause),
              reinterpret_cast<void*>(frame.sepc));
    hart.reporting = true;

    // The faulting code may have held the console lock (a fault inside kprintf); the
    // machine is going down anyway, so being heard matters more than tidy output.
    console_force_unlock();

    const bool overflow = is_page_fault(frame.scause) && classify_kernel_fault(frame) == KernelFaultKind::StackOverflow;
    Symbol where = symbolize(frame.sepc);
    kprintf("\n%s on hart %lu: %s (scause %lu), address %p\n", overflow ? "Kernel stack overflow" : "Kernel exception",
            current_hart_id(), trap_cause_name(frame.scause), frame.scause, reinterpret_cast<void*>(frame.stval));
    print_trap_frame(frame);
    kprintf("Backtrace of the trapped code:\n");
    print_backtrace(frame.sepc, frame.fp());

    if (overflow)
        panic("kernel stack overflow: %s at %s+0x%lx, sp %p", trap_cause_name(frame.scause),
              where.name ? where.name : "?", where.offset, reinterpret_cast<void*>(frame.sp()));
    panic("kernel %s at %s+0x%lx, address %p", trap_cause_name(frame.scause), where.name ? where.name : "?",
          where.offset, reinterpret_cast<void*>(frame.stval));
}

}  // namespace

KernelFaultKind classify_kernel_fault(const TrapFrame& frame) {
    if (in_stack_guard(frame.stval) || in_stack_guard(frame.sp()))
        return KernelFaultKind::StackOverflow;
    return KernelFaultKind::BadAccess;
}

void print_trap_frame(const TrapFrame& frame) {
    Symbol where = symbolize(frame.sepc);
    kprintf("  sepc    %p %s+0x%lx\n", reinterpret_cast<void*>(frame.sepc), where.name ? where.name : "?",
            where.offset);
    kprintf("  stval   %p  scause %p  sstatus %p\n", reinterpret_cast<void*>(frame.stval),
            reinterpret_cast<void*>(frame.scause), reinterpret_cast<void*>(frame.sstatus));
    for (unsigned n = 1; n < 32; n += 4) {
        for (unsigned i = n; i < n + 4 && i < 32; ++i)
            kprintf("  %-4s %p", register_abi_name(i), reinterpret_cast<void*>(frame.x[i]));
        kprintf("\n");
    }
}

extern "C" void trap_dispatch(TrapFrame* frame) {
    if (scause_is_interrupt(frame->scause)) {
        handle_interrupt(scause_code(frame->scause));
        return;
    }
    if (trap_origin(frame->sstatus) == TrapOrigin::Kernel)
        report_kernel_exception(*frame);
    // FIXME: user-mode traps (system calls, user page faults) arrive with the process work.
    panic("trap from user mode before user mode exists: %s at %p", trap_cause_name(frame->scause),
          reinterpret_cast<void*>(frame->sepc));
}

void trap_init(const MachineInfo& machine) {
    plic_init(machine);
    timer_init(machine);
    if (machine.uart.present && machine.uart.irq != 0 && plic_present()) {
        // Console input is routed to the boot hart (cpu index 0).
        auto result = uart::enable_receive_interrupt(machine.uart.irq, 0);
        if (result.is_error())
            panic("cannot route UART interrupt %u: %s", machine.uart.irq, result.error().name());
    }
}

void trap_init_hart() {
    Cpu* cpu = this_cpu();
    ASSERT(cpu && cpu->index < kMaxCpus);
    HartTrapState& hart = s_harts[cpu->index];
    auto stack_bottom = reinterpret_cast<uint64_t>(&s_emergency_stacks[cpu->index]);
    hart.scratch.emergency_stack_bottom = stack_bottom;
    hart.scratch.emergency_stack_top = stack_bottom + kEmergencyStackSize;
    hart.scratch.kernel_tp = reinterpret_cast<uint64_t>(cpu);

    // sscratch first: the entry code relies on it from the first trap on.
    csr::write_sscratch(reinterpret_cast<uint64_t>(&hart.scratch));
    csr::write_stvec(reinterpret_cast<uint64_t>(&trap_entry));  // Direct mode: low bits 0.
    plic_init_hart();
    timer_init_hart();
    csr::set_sie(csr::kSoftwareInterrupt | csr::kTimerInterrupt | csr::kExternalInterrupt);
}

uint64_t trap_software_interrupt_count(unsigned cpu_index) {
    return cpu_index < kMaxCpus ? s_harts[cpu_index].software_interrupts.load(std::memory_order_relaxed) : 0;
}
