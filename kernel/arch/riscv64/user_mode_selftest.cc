// Self-test of the user side of traps: entering user mode, demand-zero faults from user
// code, ecall round trips, user floating point across context switches, and a fatal user
// fault reaching the kill path. The process layer is replaced by a test handler
// (register_user_trap_test_thread), so this runs without processes or a disk.
#include <atomic>

#include "arch/riscv64/user_trap.h"
#include "arch/riscv64/user_trap_test_support.h"
#include "lib/assert.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "proc/thread.h"

extern "C" char user_test_program_start[], user_test_program_end[];

namespace {

constexpr uint64_t kText = 0x10000;
constexpr uint64_t kData = 0x20000;
constexpr unsigned kThreads = 3;

struct UserRun {
    OwnPtr<AddressSpace> space;
    uint64_t value { 0 };
    std::atomic<int> good_checks { 0 };
    std::atomic<int> bad_checks { 0 };
    std::atomic<bool> done { false };
    uint64_t fault_address { ~0ull };
    FaultResult fault_result { FaultResult::Resolved };
    const char* fault_cause { nullptr };
};

UserRun s_runs[kThreads];

UserRun& run_of(const TrapFrame& frame) { return s_runs[frame.reg(Reg::s1) - 1]; }

void handler(TrapFrame& frame, FaultResult result, const char* cause) {
    UserRun& run = run_of(frame);
    if (result != FaultResult::Resolved) {
        run.fault_address = frame.stval;
        run.fault_result = result;
        run.fault_cause = cause;
        Thread::exit(0);
    }
    switch (frame.reg(Reg::a7)) {
    case 1:
        if (frame.reg(Reg::a0) == 2 * run.value)
            run.good_checks.fetch_add(1);
        else
            run.bad_checks.fetch_add(1);
        break;
    case 2:
        run.done.store(true);
        break;
    }
    frame.sepc += 4;
    // Give the hart away, so that another test program's FP state takes the registers.
    Thread::yield();
}

void user_thread(void* argument) {
    auto& run = *static_cast<UserRun*>(argument);
    address_space_switch_current(run.space.ptr());
    ASSERT(register_user_trap_test_thread(Thread::current(), handler));
    enter_user_mode(kText, 0, kData, run.value);
}

}  // namespace

KTEST(UserMode, ProgramsRunFaultAndKeepTheirFloatingPoint) {
    RefPtr<Thread> threads[kThreads];
    size_t program_size = user_test_program_end - user_test_program_start;
    for (unsigned i = 0; i < kThreads; ++i) {
        UserRun& run = s_runs[i];
        run.value = i + 1;
        auto space = AddressSpace::try_create();
        KASSERT(!space.is_error());
        run.space = space.release_value();
        KASSERT(!run.space->map_anonymous(kText, 4096, Prot::Read | Prot::Exec, VmaKind::Text).is_error());
        KASSERT(!run.space->map_anonymous(kData, 4096, Prot::Read | Prot::Write, VmaKind::Data).is_error());
        KASSERT(!run.space->write_initial(kText, user_test_program_start, program_size).is_error());
        auto thread = Thread::try_spawn("user test", user_thread, &run);
        KASSERT(!thread.is_error());
        threads[i] = thread.release_value();
    }
    for (unsigned i = 0; i < kThreads; ++i) {
        threads[i]->join();
        unregister_user_trap_test_thread(threads[i].ptr());
        UserRun& run = s_runs[i];
        KEXPECT_EQ(200, run.good_checks.load());
        KEXPECT_EQ(0, run.bad_checks.load());
        KEXPECT(run.done.load());
        KEXPECT_EQ(0u, run.fault_address);
        // A load from address 0, where nothing is mapped: the lookup's reason reaches the
        // kill path, and describe_fault words it from that result alone.
        KEXPECT_EQ(FaultResult::NoMapping, run.fault_result);
        KEXPECT(run.fault_cause && klib::strcmp(run.fault_cause, "null pointer dereference") == 0);
        uint64_t stored = 0;
        KEXPECT(!run.space->read_initial(kData, &stored, sizeof(stored)).is_error());
        KEXPECT_EQ(run.value, stored);
        run.space = nullptr;
    }
}
