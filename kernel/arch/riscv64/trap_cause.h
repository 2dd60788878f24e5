// Decoding what a trap was: scause values and their names, where the trap came from, what a
// page fault tried to do, and the ABI names of the registers in a TrapFrame. Pure functions
// of the saved CSR values, so the host tests exercise them too (tests/host/trap_cause_test.cc).
//
// scause as the privileged specification defines it:
//
//   63   62                                 0
//   +---+------------------------------------+
//   | I |  exception or interrupt code       |   I = 1: interrupt, I = 0: exception
//   +---+------------------------------------+
#pragma once

#include <cstdint>
#include <optional>

namespace trap_cause {

constexpr uint64_t kInterruptBit = 1ull << 63;

// Exception codes.
constexpr uint64_t kInstructionMisaligned = 0;
constexpr uint64_t kInstructionAccessFault = 1;
constexpr uint64_t kIllegalInstruction = 2;
constexpr uint64_t kBreakpoint = 3;
constexpr uint64_t kLoadMisaligned = 4;
constexpr uint64_t kLoadAccessFault = 5;
constexpr uint64_t kStoreMisaligned = 6;
constexpr uint64_t kStoreAccessFault = 7;
constexpr uint64_t kEcallFromUser = 8;
constexpr uint64_t kEcallFromSupervisor = 9;
constexpr uint64_t kInstructionPageFault = 12;
constexpr uint64_t kLoadPageFault = 13;
constexpr uint64_t kStorePageFault = 15;
constexpr uint64_t kSoftwareCheck = 18;
constexpr uint64_t kHardwareError = 19;

// Interrupt codes (the same numbers as the bits in sie and sip).
constexpr uint64_t kSupervisorSoftware = 1;
constexpr uint64_t kSupervisorTimer = 5;
constexpr uint64_t kSupervisorExternal = 9;
constexpr uint64_t kCounterOverflow = 13;

}  // namespace trap_cause

constexpr bool scause_is_interrupt(uint64_t scause) { return scause & trap_cause::kInterruptBit; }
constexpr uint64_t scause_code(uint64_t scause) { return scause & ~trap_cause::kInterruptBit; }

// A readable name for any scause value: "load page fault", "supervisor timer interrupt".
// Codes the specification reserves come out as "reserved exception" / "reserved interrupt".
const char* trap_cause_name(uint64_t scause);

// Which privilege level was running when the trap was taken, from the saved sstatus.SPP.
enum class TrapOrigin { User, Kernel };
TrapOrigin trap_origin(uint64_t sstatus);

// What a page or access fault tried to do; nullopt for every other cause.
enum class FaultAccess { Read, Write, Execute };
std::optional<FaultAccess> fault_access(uint64_t scause);

// True for the three page-fault causes (12, 13, 15).
bool is_page_fault(uint64_t scause);

// "ra", "sp", ... "t6" for register numbers 0..31 ("zero" for 0); "?" beyond.
const char* register_abi_name(unsigned number);
