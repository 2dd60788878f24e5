// Self-tests of the trap machinery: decoding, the fault classifier, and a software
// interrupt delivered through the real entry code.
#include <cstddef>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/sbi.h"
#include "arch/riscv64/timer.h"
#include "arch/riscv64/trap.h"
#include "arch/riscv64/trap_cause.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/kernel_stack.h"
#include "sync/interrupt_disabler.h"

// The entry code addresses registers as x[n]; the C++ side by name. Both must agree.
static_assert(offsetof(TrapFrame, x) + 8 * 2 == TRAP_FRAME_X(2));
static_assert(offsetof(TrapFrame, x) + 8 * 8 == TRAP_FRAME_X(8));
static_assert(sizeof(TrapFrame) == 36 * 8);
static_assert(static_cast<unsigned>(Reg::s0) == 8 && static_cast<unsigned>(Reg::t6) == 31);

namespace {

bool names_equal(const char* a, const char* b) { return klib::strcmp(a, b) == 0; }

// Spins with interrupts on until `done()` or `timeout_ns` have passed; returns done().
template<typename Predicate>
bool wait_until(Predicate done, uint64_t timeout_ns) {
    uint64_t deadline = uptime_ns() + timeout_ns;
    while (!done() && uptime_ns() < deadline) {
    }
    return done();
}

constexpr uint64_t kOneSecond = 1'000'000'000;

}  // namespace

KTEST(Trap, CauseNames) {
    KEXPECT(names_equal("load page fault", trap_cause_name(trap_cause::kLoadPageFault)));
    KEXPECT(names_equal("store page fault", trap_cause_name(trap_cause::kStorePageFault)));
    KEXPECT(names_equal("instruction page fault", trap_cause_name(trap_cause::kInstructionPageFault)));
    KEXPECT(names_equal("illegal instruction", trap_cause_name(trap_cause::kIllegalInstruction)));
    KEXPECT(names_equal("breakpoint", trap_cause_name(trap_cause::kBreakpoint)));
    KEXPECT(names_equal("environment call from user mode", trap_cause_name(trap_cause::kEcallFromUser)));
    KEXPECT(names_equal("supervisor timer interrupt",
                        trap_cause_name(trap_cause::kInterruptBit | trap_cause::kSupervisorTimer)));
    KEXPECT(names_equal("supervisor software interrupt",
                        trap_cause_name(trap_cause::kInterruptBit | trap_cause::kSupervisorSoftware)));
    KEXPECT(names_equal("supervisor external interrupt",
                        trap_cause_name(trap_cause::kInterruptBit | trap_cause::kSupervisorExternal)));
    // Code 5 means different things as an exception and as an interrupt.
    KEXPECT(names_equal("load access fault", trap_cause_name(5)));
    KEXPECT(names_equal("reserved exception", trap_cause_name(14)));
    KEXPECT(names_equal("reserved exception", trap_cause_name(1000)));
    KEXPECT(names_equal("reserved interrupt", trap_cause_name(trap_cause::kInterruptBit | 3)));
}

KTEST(Trap, FrameDecoding) {
    TrapFrame frame {};
    frame.x[2] = 0xffffffe000012340;
    frame.x[8] = 0xffffffe000012380;
    frame.reg(Reg::a0) = 42;
    frame.sstatus = csr::kSstatusSpp | csr::kSstatusSpie;
    frame.scause = trap_cause::kStorePageFault;
    KEXPECT_EQ(0xffffffe000012340ull, frame.sp());
    KEXPECT_EQ(0xffffffe000012380ull, frame.fp());
    KEXPECT_EQ(42ull, frame.x[10]);
    KEXPECT(trap_origin(frame.sstatus) == TrapOrigin::Kernel);
    KEXPECT(trap_origin(csr::kSstatusSpie) == TrapOrigin::User);
    KEXPECT(!scause_is_interrupt(frame.scause));
    KEXPECT(fault_access(frame.scause) == FaultAccess::Write);
    KEXPECT(fault_access(trap_cause::kLoadPageFault) == FaultAccess::Read);
    KEXPECT(fault_access(trap_cause::kInstructionPageFault) == FaultAccess::Execute);
    KEXPECT(!fault_access(trap_cause::kInterruptBit | trap_cause::kLoadPageFault).has_value());
    KEXPECT(is_page_fault(trap_cause::kLoadPageFault));
    KEXPECT(!is_page_fault(trap_cause::kLoadAccessFault));
    KEXPECT(!is_page_fault(trap_cause::kInterruptBit | trap_cause::kLoadPageFault));
    KEXPECT_EQ(5ull, scause_code(trap_cause::kInterruptBit | 5));
    KEXPECT(names_equal("s0", register_abi_name(8)));
    KEXPECT(names_equal("t6", register_abi_name(31)));
    KEXPECT(names_equal("?", register_abi_name(32)));
}

KTEST(Trap, ClassifiesGuardPageFaultsAsStackOverflow) {
    TrapFrame frame {};
    frame.scause = trap_cause::kStorePageFault;
    frame.x[2] = reinterpret_cast<uint64_t>(boot_stack_bottom) + 64;

    frame.stval = reinterpret_cast<uint64_t>(boot_stack_guard) + 8;
    KEXPECT(classify_kernel_fault(frame) == KernelFaultKind::StackOverflow);
    frame.stval = kKernelVirtualAreaEnd + 0x1230;
    KEXPECT(classify_kernel_fault(frame) == KernelFaultKind::BadAccess);
    // The sp already in the guard is enough, whatever the faulting address.
    frame.x[2] = reinterpret_cast<uint64_t>(boot_stack_bottom) - 16;
    KEXPECT(classify_kernel_fault(frame) == KernelFaultKind::StackOverflow);

    // A thread stack's guard, from the memory manager's stacks.
    auto stack = allocate_kernel_stack();
    KASSERT(!stack.is_error());
    frame.x[2] = stack.value().bottom + 32;
    frame.stval = stack.value().bottom - 8;
    KEXPECT(classify_kernel_fault(frame) == KernelFaultKind::StackOverflow);
    frame.stval = stack.value().bottom + 8;
    KEXPECT(classify_kernel_fault(frame) == KernelFaultKind::BadAccess);
    free_kernel_stack(stack.value());
}

KTEST(Trap, HartIsSetUpForTraps) {
    InterruptDisabler pin;  // Keeps this thread on one hart while it reads that hart's CSRs.
    KEXPECT_EQ(reinterpret_cast<uint64_t>(&trap_entry), csr::read_stvec());
    uint64_t sie = csr::read_sie();
    KEXPECT(sie & csr::kSoftwareInterrupt);
    KEXPECT(sie & csr::kTimerInterrupt);
    KEXPECT(sie & csr::kExternalInterrupt);
    auto* scratch = reinterpret_cast<const TrapScratch*>(csr::read_sscratch());
    KASSERT(scratch != nullptr);
    KEXPECT_EQ(reinterpret_cast<uint64_t>(this_cpu()), scratch->kernel_tp);
    KEXPECT(scratch->emergency_stack_top > scratch->emergency_stack_bottom);
    KEXPECT_EQ(0ull, scratch->emergency_stack_top % 16);
}

KTEST(Trap, SoftwareInterruptToSelfIsDelivered) {
    unsigned cpu_index;
    uint64_t before;
    {
        // Pinned to one hart: the IPI must become pending here, and be taken here as soon
        // as interrupts are back on.
        InterruptDisabler pin;
        cpu_index = this_cpu()->index;
        before = trap_software_interrupt_count(cpu_index);
        sbi::Result result = sbi::send_ipi(1, this_cpu()->hart_id);
        KEXPECT_EQ(0l, result.error);
        bool pending = wait_until([] { return (csr::read_sip() & csr::kSoftwareInterrupt) != 0; }, kOneSecond);
        KEXPECT(pending);
    }
    KEXPECT(wait_until([&] { return trap_software_interrupt_count(cpu_index) > before; }, kOneSecond));

    // Setting sip.SSIP directly takes the same path.
    {
        InterruptDisabler pin;
        cpu_index = this_cpu()->index;
        before = trap_software_interrupt_count(cpu_index);
        csr::set_sip(csr::kSoftwareInterrupt);
    }
    KEXPECT(wait_until([&] { return trap_software_interrupt_count(cpu_index) > before; }, kOneSecond));
}
