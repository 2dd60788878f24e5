// Trap dispatch and the kernel fault report: see trap.h.
#include "arch/riscv64/trap.h"

#include <atomic>

#include "arch/riscv64/backtrace.h"
#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/fp_state.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/smp.h"
#include "arch/riscv64/timer.h"
#include "arch/riscv64/trap_cause.h"
#include "arch/riscv64/user_copy.h"
#include "arch/riscv64/user_trap.h"
#include "arch/riscv64/user_trap_test_support.h"
#include "drivers/irq.h"
#include "drivers/plic.h"
#include "drivers/uart.h"
#include "lib/assert.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "mm/address_space.h"
#include "mm/fault.h"
#include "mm/kernel_stack.h"
#include "mm/user_memory.h"
#include "proc/alarm.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/thread.h"
#include "sync/interrupt_disabler.h"
#include "syscall/signal_abi.h"


extern "C" [[noreturn]] void user_mode_start(TrapFrame* frame);

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
    return is_kernel_stack_guard(address);
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
        // Processes' alarms that are due (one load when none is).
        process_alarms_tick();
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

    // The faulting code may have held the print lock (a fault inside kprintf); the
    // machine is going down anyway, so being heard matters more than tidy output.
    kprintf_force_unlock();

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

Access access_of_page_fault(uint64_t scause) {
    switch (scause) {
    case trap_cause::kInstructionPageFault: return Access::Execute;
    case trap_cause::kStorePageFault: return Access::Write;
    default: return Access::Read;
    }
}

// A page fault taken by one of the user-copy routines (user_copy.S) on a user address:
// bring the page in through the fault pipeline and retry, or make the routine return
// -EFAULT. Returns false if the fault is not of that kind (then it is a kernel bug).
bool recover_user_copy_fault(TrapFrame& frame) {
    if (!is_page_fault(frame.scause) || !is_user_copy_pc(frame.sepc) || frame.stval >= kUserSpaceEnd)
        return false;
    AddressSpace* space = current_address_space();
    FaultResult result = FaultResult::Segfault;
    if (space) {
        // The copy routines run with interrupts as their caller had them; the pipeline may
        // sleep, which is fine either way, but a long fault should not hold off the timer.
        if (frame.sstatus & csr::kSstatusSpie)
            enable_interrupts();
        result = handle_page_fault(*space, frame.stval, access_of_page_fault(frame.scause));
        disable_interrupts();
    }
    if (result != FaultResult::Resolved)
        frame.sepc = user_copy_resume_pc(frame.sepc);
    return true;
}

// A user exception the process cannot continue past as it is: the signal goes to the
// process (or to the user-trap self-test's handler, for threads without one). Returns if a
// handler will run (the frame now enters it); otherwise the process dies.
void signal_user_exception(TrapFrame& frame, const FaultSignal& fault, FaultResult result) {
    if (UserTrapTestHandler handler = user_trap_test_handler()) {
        handler(frame, result, fault.cause);
        panic("user-trap test handler returned from a fatal fault");
    }
    process_fault_signal(frame, fault);
}

// The signal for a user page fault the VM could not resolve: SIGSEGV with SEGV_MAPERR (no
// mapping there) or SEGV_ACCERR (the mapping forbids the access), SIGBUS with BUS_ADRERR
// (a file page beyond the end of the file), SIGKILL when memory ran out.
void signal_user_page_fault(TrapFrame& frame, FaultResult result) {
    AddressSpace* space = current_address_space();
    if (!space) {
        signal_user_exception(frame, FaultSignal { SIGSEGV, SEGV_MAPERR, frame.stval, "no address space" },
                              FaultResult::Segfault);
        return;
    }
    Access access = access_of_page_fault(scause_code(frame.scause));
    FaultSignal fault { SIGSEGV, SEGV_MAPERR, frame.stval, describe_fault(frame.stval, access, result) };
    if (result == FaultResult::Forbidden) {
        fault.code = SEGV_ACCERR;
    } else if (result == FaultResult::BusError) {
        fault.signal = SIGBUS;
        fault.code = BUS_ADRERR;
    } else if (result == FaultResult::OutOfMemory) {
        fault.signal = SIGKILL;
        fault.code = SI_KERNEL;
    }
    signal_user_exception(frame, fault, result);
}

// An exception from user mode other than a page fault (trap_entry sends those to
// trap_user_page_fault): a system call, or a signal (SIGILL, SIGBUS, SIGSEGV, SIGTRAP).
void handle_user_exception(TrapFrame& frame) {
    uint64_t code = scause_code(frame.scause);
    switch (code) {
    case trap_cause::kEcallFromUser:
        enable_interrupts();
        if (UserTrapTestHandler handler = user_trap_test_handler()) {
            handler(frame, FaultResult::Resolved, nullptr);
            return;
        }
        frame.sepc += 4;
        syscall_dispatch(frame);
        return;
    case trap_cause::kIllegalInstruction:
        enable_interrupts();
        signal_user_exception(frame, FaultSignal { SIGILL, ILL_ILLOPC, frame.sepc, "illegal instruction" },
                              FaultResult::Segfault);
        return;
    case trap_cause::kInstructionMisaligned:
    case trap_cause::kLoadMisaligned:
    case trap_cause::kStoreMisaligned:
        enable_interrupts();
        signal_user_exception(frame, FaultSignal { SIGBUS, BUS_ADRALN, frame.stval, "misaligned access" },
                              FaultResult::BusError);
        return;
    case trap_cause::kInstructionAccessFault:
    case trap_cause::kLoadAccessFault:
    case trap_cause::kStoreAccessFault:
        enable_interrupts();
        signal_user_exception(frame, FaultSignal { SIGSEGV, SEGV_ACCERR, frame.stval, "access fault" },
                              FaultResult::Segfault);
        return;
    case trap_cause::kBreakpoint:
        enable_interrupts();
        signal_user_exception(frame, FaultSignal { SIGTRAP, TRAP_BRKPT, frame.sepc, "breakpoint" },
                              FaultResult::Segfault);
        return;
    default:
        enable_interrupts();
        signal_user_exception(frame, FaultSignal { SIGILL, SI_KERNEL, frame.sepc, trap_cause_name(frame.scause) },
                              FaultResult::Segfault);
        return;
    }
}

// Last stop before user mode, for the current `thread` returning through `frame`: signals
// are delivered here (a terminating one ends the process; a handled one rewrites the frame
// to enter its handler). The test is one load of the process's attention flag, and only a
// process with something to deliver pays for process_deliver_signals() (with interrupts on,
// as it may write the user stack or exit). Interrupts are off on return either way; a
// timer that fired meanwhile is taken in user mode, right after sret.
void prepare_return_to_user(Thread* thread, TrapFrame& frame) {
    Process* process = thread ? thread->process() : nullptr;
    if (process && process->signals().attention()) [[unlikely]] {
        enable_interrupts();
        process_deliver_signals(frame);
    }
    disable_interrupts();
}

}  // namespace

void enter_user_mode(uint64_t entry, uint64_t user_sp, uint64_t a0, uint64_t a1) {
    disable_interrupts();
    Thread* thread = Thread::current();
    ASSERT(thread && thread->address_space());
    trap_set_kernel_stack_top(thread->stack().top);
    // A fresh program starts with FP state Initial: zero registers, nothing saved.
    thread->fp_state().valid = 0;
    csr::set_sstatus(fp::kFsInitial);
    fp_zero();

    TrapFrame frame {};
    frame.sepc = entry;
    frame.reg(Reg::sp) = user_sp;
    frame.reg(Reg::a0) = a0;
    frame.reg(Reg::a1) = a1;
    // SPP = 0 (user), SPIE = 1 (interrupts on in user mode), FS = Initial, SUM = 0.
    uint64_t sstatus = csr::read_sstatus();
    sstatus &= ~(csr::kSstatusSpp | csr::kSstatusSum | csr::kSstatusSie | fp::kFsMask);
    sstatus |= csr::kSstatusSpie | fp::kFsInitial;
    frame.sstatus = sstatus;
    user_mode_start(&frame);
}

void return_to_user_mode(const TrapFrame& saved) {
    disable_interrupts();
    Thread* thread = Thread::current();
    ASSERT(thread && thread->address_space());
    trap_set_kernel_stack_top(thread->stack().top);
    TrapFrame frame = saved;
    uint64_t fs = frame.sstatus & fp::kFsMask;
    frame.sstatus &= ~(csr::kSstatusSpp | csr::kSstatusSum | csr::kSstatusSie | fp::kFsMask);
    frame.sstatus |= csr::kSstatusSpie | (fs == fp::kFsOff ? fp::kFsInitial : fs);
    user_mode_start(&frame);
}

void fp_state_reset_for_exec(TrapFrame& frame) {
    InterruptDisabler disabler;
    if (Thread* thread = Thread::current())
        thread->fp_state().valid = 0;
    csr::clear_sstatus(fp::kFsMask);
    csr::set_sstatus(fp::kFsInitial);
    fp_zero();
    frame.sstatus = (frame.sstatus & ~fp::kFsMask) | fp::kFsInitial;
}

void trap_set_kernel_stack_top(uint64_t top) { this_hart().scratch.kernel_stack_top = top; }

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

// trap_entry's path for a page fault from user mode, whose frame lacks s1-s11 (see
// trap_entry.S). Interrupts are off on entry. Returns 0 if the fault was resolved and the
// process has no signal to take, with interrupts off again (trap_entry returns to user mode
// at once); otherwise the FaultResult (or TRAP_FAULT_SIGNALS_PENDING), with interrupts on,
// and trap_entry completes the frame and calls trap_user_page_fault_slow.
// `vaddr` and `access` are the frame's stval and what its scause means, which trap_entry
// has at hand.
static_assert(TRAP_ACCESS_READ == static_cast<int>(Access::Read) && TRAP_ACCESS_WRITE == static_cast<int>(Access::Write)
              && TRAP_ACCESS_EXECUTE == static_cast<int>(Access::Execute));
extern "C" uint64_t trap_user_page_fault(TrapFrame*, uint64_t vaddr, Access access) {
    // The current thread, read once (one load relative to tp).
    Thread* thread = Thread::current();
    AddressSpace* space = thread ? thread->address_space() : nullptr;
    enable_interrupts();
    if (!space) [[unlikely]]
        return static_cast<uint64_t>(FaultResult::Segfault);
    FaultResult result = handle_page_fault(*space, vaddr, access);
    if (result != FaultResult::Resolved) [[unlikely]]
        return static_cast<uint64_t>(result);
    // A signal to deliver needs the complete frame: the slow road.
    Process* process = thread->process();
    if (process && process->signals().attention()) [[unlikely]]
        return TRAP_FAULT_SIGNALS_PENDING;
    disable_interrupts();
    return 0;
}

// The slow road of a user page fault (trap_entry.S has completed the frame): `result` is
// the FaultResult that could not be resolved, or TRAP_FAULT_SIGNALS_PENDING for a resolved
// fault with signals to deliver. Returns with interrupts off, for trap_return.
static_assert(TRAP_FAULT_SIGNALS_PENDING > 0xff, "not a FaultResult (uint8_t)");
extern "C" void trap_user_page_fault_slow(TrapFrame* frame, uint64_t result) {
    Thread* thread = Thread::current();
    if (result != TRAP_FAULT_SIGNALS_PENDING)
        signal_user_page_fault(*frame, static_cast<FaultResult>(result));
    prepare_return_to_user(thread, *frame);
}

extern "C" void trap_dispatch(TrapFrame* frame) {
    // sstatus.SPP tested in place: trap_origin() is out of line, and this is every system
    // call's path.
    bool from_user = (frame->sstatus & csr::kSstatusSpp) == 0;
    if (scause_is_interrupt(frame->scause)) {
        handle_interrupt(scause_code(frame->scause));
        if (from_user)
            prepare_return_to_user(Thread::current(), *frame);
        return;
    }
    if (!from_user) {
        if (recover_user_copy_fault(*frame))
            return;
        report_kernel_exception(*frame);
    }
    // From user mode: the current thread is read once (one load relative to tp,
    // arch/riscv64/cpu.h). It stays the current thread of this code wherever it runs next.
    Thread* thread = Thread::current();
    handle_user_exception(*frame);
    prepare_return_to_user(thread, *frame);
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
    // User programs may read the cycle, time and retired-instruction counters directly:
    // benchmarks count instructions with rdinstret (exact under QEMU's -icount), and
    // reading the time needs no system call. Without these bits the reads trap as illegal
    // instructions. (OpenSBI already lets supervisor mode read them.)
    csr::write_scounteren(csr::kCounterCycle | csr::kCounterTime | csr::kCounterInstret);
}

uint64_t trap_software_interrupt_count(unsigned cpu_index) {
    return cpu_index < kMaxCpus ? s_harts[cpu_index].software_interrupts.load(std::memory_order_relaxed) : 0;
}
