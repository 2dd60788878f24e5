// Host tests of trap decoding (kernel/arch/riscv64/trap_cause.h) and of the TrapFrame
// layout that trap_entry.S relies on.
#include <gtest/gtest.h>

#include <cstddef>
#include <string_view>

#include "arch/riscv64/trap_cause.h"
#include "arch/riscv64/trap_frame.h"

namespace {

constexpr uint64_t kInterrupt = trap_cause::kInterruptBit;

TEST(TrapCause, NamesEveryArchitecturalException) {
    EXPECT_EQ(std::string_view("instruction address misaligned"), trap_cause_name(0));
    EXPECT_EQ(std::string_view("instruction access fault"), trap_cause_name(1));
    EXPECT_EQ(std::string_view("illegal instruction"), trap_cause_name(2));
    EXPECT_EQ(std::string_view("breakpoint"), trap_cause_name(3));
    EXPECT_EQ(std::string_view("load address misaligned"), trap_cause_name(4));
    EXPECT_EQ(std::string_view("load access fault"), trap_cause_name(5));
    EXPECT_EQ(std::string_view("store address misaligned"), trap_cause_name(6));
    EXPECT_EQ(std::string_view("store access fault"), trap_cause_name(7));
    EXPECT_EQ(std::string_view("environment call from user mode"), trap_cause_name(8));
    EXPECT_EQ(std::string_view("environment call from supervisor mode"), trap_cause_name(9));
    EXPECT_EQ(std::string_view("instruction page fault"), trap_cause_name(12));
    EXPECT_EQ(std::string_view("load page fault"), trap_cause_name(13));
    EXPECT_EQ(std::string_view("store page fault"), trap_cause_name(15));
}

TEST(TrapCause, ReservedCodesAreNamedAsSuch) {
    EXPECT_EQ(std::string_view("reserved exception"), trap_cause_name(10));
    EXPECT_EQ(std::string_view("reserved exception"), trap_cause_name(14));
    EXPECT_EQ(std::string_view("reserved exception"), trap_cause_name(64));
    EXPECT_EQ(std::string_view("reserved interrupt"), trap_cause_name(kInterrupt | 0));
    EXPECT_EQ(std::string_view("reserved interrupt"), trap_cause_name(kInterrupt | 7));
    EXPECT_EQ(std::string_view("reserved interrupt"), trap_cause_name(kInterrupt | 1000));
}

TEST(TrapCause, InterruptBitChoosesTheTable) {
    EXPECT_EQ(std::string_view("supervisor software interrupt"), trap_cause_name(kInterrupt | 1));
    EXPECT_EQ(std::string_view("supervisor timer interrupt"), trap_cause_name(kInterrupt | 5));
    EXPECT_EQ(std::string_view("supervisor external interrupt"), trap_cause_name(kInterrupt | 9));
    EXPECT_TRUE(scause_is_interrupt(kInterrupt | 5));
    EXPECT_FALSE(scause_is_interrupt(5));
    EXPECT_EQ(5u, scause_code(kInterrupt | 5));
}

TEST(TrapCause, FaultAccessAndPageFaults) {
    EXPECT_EQ(FaultAccess::Read, fault_access(trap_cause::kLoadPageFault));
    EXPECT_EQ(FaultAccess::Read, fault_access(trap_cause::kLoadAccessFault));
    EXPECT_EQ(FaultAccess::Write, fault_access(trap_cause::kStorePageFault));
    EXPECT_EQ(FaultAccess::Write, fault_access(trap_cause::kStoreAccessFault));
    EXPECT_EQ(FaultAccess::Execute, fault_access(trap_cause::kInstructionPageFault));
    EXPECT_FALSE(fault_access(trap_cause::kIllegalInstruction).has_value());
    EXPECT_FALSE(fault_access(kInterrupt | trap_cause::kLoadPageFault).has_value());
    EXPECT_TRUE(is_page_fault(12));
    EXPECT_TRUE(is_page_fault(13));
    EXPECT_TRUE(is_page_fault(15));
    EXPECT_FALSE(is_page_fault(14));
    EXPECT_FALSE(is_page_fault(5));
}

TEST(TrapCause, OriginFromSpp) {
    EXPECT_EQ(TrapOrigin::Kernel, trap_origin(1u << 8));
    EXPECT_EQ(TrapOrigin::User, trap_origin(0));
    EXPECT_EQ(TrapOrigin::User, trap_origin(1u << 5));  // SPIE alone says nothing about SPP.
}

TEST(TrapCause, RegisterNames) {
    EXPECT_EQ(std::string_view("zero"), register_abi_name(0));
    EXPECT_EQ(std::string_view("ra"), register_abi_name(1));
    EXPECT_EQ(std::string_view("sp"), register_abi_name(2));
    EXPECT_EQ(std::string_view("s0"), register_abi_name(8));
    EXPECT_EQ(std::string_view("a0"), register_abi_name(10));
    EXPECT_EQ(std::string_view("s2"), register_abi_name(18));
    EXPECT_EQ(std::string_view("t6"), register_abi_name(31));
    EXPECT_EQ(std::string_view("?"), register_abi_name(32));
}

TEST(TrapFrameLayout, MatchesTheOffsetsTheEntryCodeUses) {
    EXPECT_EQ(288u, sizeof(TrapFrame));
    EXPECT_EQ(0u, sizeof(TrapFrame) % 16);
    EXPECT_EQ(static_cast<size_t>(TRAP_FRAME_X(2)), offsetof(TrapFrame, x) + 2 * sizeof(uint64_t));
    EXPECT_EQ(static_cast<size_t>(TRAP_FRAME_SEPC), offsetof(TrapFrame, sepc));
    EXPECT_EQ(static_cast<size_t>(TRAP_FRAME_STVAL), offsetof(TrapFrame, stval));
    TrapFrame frame {};
    frame.reg(Reg::sp) = 0x1000;
    frame.reg(Reg::s0) = 0x2000;
    EXPECT_EQ(0x1000u, frame.x[2]);
    EXPECT_EQ(0x2000u, frame.fp());
    EXPECT_EQ(0x1000u, frame.sp());
}

}  // namespace
