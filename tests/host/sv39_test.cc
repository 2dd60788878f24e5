// Host tests of the Sv39 arithmetic in kernel/arch/riscv64/sv39.h.
#include "arch/riscv64/sv39.h"

#include <gtest/gtest.h>

using namespace sv39;

TEST(Sv39, TableIndicesSplitTheAddress)
{
    // VPN[2] = 1, VPN[1] = 2, VPN[0] = 3, offset 0x567.
    uint64_t vaddr = (1ull << 30) | (2ull << 21) | (3ull << 12) | 0x567;
    EXPECT_EQ(1u, table_index(vaddr, 2));
    EXPECT_EQ(2u, table_index(vaddr, 1));
    EXPECT_EQ(3u, table_index(vaddr, 0));
    EXPECT_EQ(511u, table_index(~0ull, 2));
    EXPECT_EQ(256u, table_index(0xffffffc000000000ull, 2));
    EXPECT_EQ(384u, table_index(0xffffffe000000000ull, 2));
    EXPECT_EQ(510u, table_index(0xffffffff80200000ull, 2));
}

TEST(Sv39, CanonicalAddressesCopyBit38)
{
    EXPECT_TRUE(is_canonical(0));
    EXPECT_TRUE(is_canonical(0x0000003fffffffffull));
    EXPECT_FALSE(is_canonical(0x0000004000000000ull));
    EXPECT_FALSE(is_canonical(0xffffffbfffffffffull));
    EXPECT_TRUE(is_canonical(0xffffffc000000000ull));
    EXPECT_TRUE(is_canonical(~0ull));
}

TEST(Sv39, RootEntryBaseIsSignExtended)
{
    EXPECT_EQ(0u, root_entry_base(0));
    EXPECT_EQ(0x0000003fc0000000ull, root_entry_base(255));
    EXPECT_EQ(0xffffffc000000000ull, root_entry_base(256));
    EXPECT_EQ(0xffffffffc0000000ull, root_entry_base(511));
    for (size_t i = 0; i < kEntriesPerTable; ++i) {
        EXPECT_TRUE(is_canonical(root_entry_base(i)));
        EXPECT_EQ(i, table_index(root_entry_base(i), kRootLevel));
    }
}

TEST(Sv39, PteRoundTripsAddressAndFlags)
{
    PteFlags flags = PteFlags::Valid | PteFlags::Read | PteFlags::Write | PteFlags::Accessed | PteFlags::Dirty;
    Pte pte = make_pte(0x87654000ull, flags);
    EXPECT_EQ(0x87654000ull, pte_phys(pte));
    EXPECT_EQ(flags, pte_flags(pte));
    EXPECT_TRUE(pte_is_leaf(pte));
    EXPECT_FALSE(pte_is_table(pte));
    // PPN starts at bit 10.
    EXPECT_EQ((0x87654ull << 10) | uint64_t(flags), pte);
    // The largest physical address Sv39 entries can hold (56 bits).
    EXPECT_EQ(0x00fffffffffff000ull, pte_phys(make_pte(0x00fffffffffff000ull, PteFlags::Valid)));

    Pte table = make_pte(0x80001000ull, PteFlags::Valid);
    EXPECT_TRUE(pte_is_table(table));
    EXPECT_FALSE(pte_is_leaf(table));
    EXPECT_FALSE(pte_is_valid(make_pte(0x80001000ull, PteFlags::Read)));
}

TEST(Sv39, FlagOperators)
{
    PteFlags rw = PteFlags::Read | PteFlags::Write;
    EXPECT_TRUE(has_all(rw, PteFlags::Read));
    EXPECT_TRUE(has_any(rw, PteFlags::Write | PteFlags::Execute));
    EXPECT_FALSE(has_all(rw, PteFlags::Write | PteFlags::Execute));
    EXPECT_EQ(PteFlags::Read, rw & ~PteFlags::Write);
    EXPECT_EQ(uint64_t(0xff), uint64_t(kAllFlags));
}

TEST(Sv39, BestLeafLevelNeedsAlignmentAndLength)
{
    constexpr uint64_t k2M = 2ull << 20, k1G = 1ull << 30;
    EXPECT_EQ(2u, best_leaf_level(k1G, k1G, k1G, kRootLevel));
    EXPECT_EQ(1u, best_leaf_level(k1G, k1G, k1G - 4096, kRootLevel));
    EXPECT_EQ(0u, best_leaf_level(k1G, k1G, k2M - 4096, kRootLevel));
    // Virtual and physical must both line up.
    EXPECT_EQ(0u, best_leaf_level(k2M, k2M + 4096, k2M, kRootLevel));
    EXPECT_EQ(1u, best_leaf_level(k1G + k2M, k2M, k1G, kRootLevel));
    // The cap forbids large pages.
    EXPECT_EQ(0u, best_leaf_level(k1G, k1G, k1G, 0));
    EXPECT_EQ(1u, best_leaf_level(k1G, k1G, k1G, 1));
}

TEST(Sv39, SatpSelectsSv39AndTheRoot)
{
    uint64_t satp = make_satp(0x80400000ull);
    EXPECT_EQ(8ull, satp >> 60);
    EXPECT_EQ(0x80400ull, satp & ((1ull << 44) - 1));
    EXPECT_EQ(5ull, (make_satp(0x80400000ull, 5) >> 44) & 0xffff);
}
