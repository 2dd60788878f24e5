// Trap decoding: see trap_cause.h. Host-compilable (no CSR access here).
#include "arch/riscv64/trap_cause.h"

#include <array>

namespace {

// Indexed by code; nullptr marks a code the specification reserves.
constexpr std::array<const char*, 20> kExceptionNames = {
    "instruction address misaligned",
    "instruction access fault",
    "illegal instruction",
    "breakpoint",
    "load address misaligned",
    "load access fault",
    "store address misaligned",
    "store access fault",
    "environment call from user mode",
    "environment call from supervisor mode",
    nullptr,
    nullptr,
    "instruction page fault",
    "load page fault",
    nullptr,
    "store page fault",
    nullptr,
    nullptr,
    "software check",
    "hardware error",
};

constexpr std::array<const char*, 14> kInterruptNames = {
    nullptr,
    "supervisor software interrupt",
    nullptr,
    nullptr,
    nullptr,
    "supervisor timer interrupt",
    nullptr,
    nullptr,
    nullptr,
    "supervisor external interrupt",
    nullptr,
    nullptr,
    nullptr,
    "counter overflow interrupt",
};

constexpr std::array<const char*, 32> kRegisterNames = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

// sstatus.SPP: the privilege level the hart was in before the trap (1 = supervisor).
constexpr uint64_t kSstatusSpp = 1ull << 8;

}  // namespace

const char* trap_cause_name(uint64_t scause) {
    uint64_t code = scause_code(scause);
    if (scause_is_interrupt(scause)) {
        if (code < kInterruptNames.size() && kInterruptNames[code])
            return kInterruptNames[code];
        return "reserved interrupt";
    }
    if (code < kExceptionNames.size() && kExceptionNames[code])
        return kExceptionNames[code];
    return "reserved exception";
}

TrapOrigin trap_origin(uint64_t sstatus) { return (sstatus & kSstatusSpp) ? TrapOrigin::Kernel : TrapOrigin::User; }

std::optional<FaultAccess> fault_access(uint64_t scause) {
    if (scause_is_interrupt(scause))
        return std::nullopt;
    switch (scause_code(scause)) {
    case trap_cause::kInstructionAccessFault:
    case trap_cause::kInstructionPageFault:
        return FaultAccess::Execute;
    case trap_cause::kLoadAccessFault:
    case trap_cause::kLoadPageFault:
        return FaultAccess::Read;
    case trap_cause::kStoreAccessFault:
    case trap_cause::kStorePageFault:
        return FaultAccess::Write;
    default:
        return std::nullopt;
    }
}

bool is_page_fault(uint64_t scause) {
    return scause == trap_cause::kInstructionPageFault || scause == trap_cause::kLoadPageFault
        || scause == trap_cause::kStorePageFault;
}

const char* register_abi_name(unsigned number) {
    return number < kRegisterNames.size() ? kRegisterNames[number] : "?";
}
