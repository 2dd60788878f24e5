// Host tests of the VM's range and protection arithmetic (kernel/mm/vm_range.h), and of
// RadixTree::replace, which copy-on-write relies on never to allocate.
#include <gtest/gtest.h>

#include "lib/radix_tree.h"
#include "mm/vm_range.h"

using vm::covering_pages;
using vm::is_user_range;
using vm::kPageSize;
using vm::kUserSpaceEnd;
using vm::range_from_length;

TEST(VirtRange, SplitAtAPageBoundaryGivesTwoAdjacentHalves) {
    VirtRange range { 0x10000, 0x20000 };
    EXPECT_EQ((VirtRange { 0x10000, 0x18000 }), range.split_below(0x18000));
    EXPECT_EQ((VirtRange { 0x18000, 0x20000 }), range.split_above(0x18000));
    EXPECT_TRUE(range.split_below(0x10000).empty());
    EXPECT_TRUE(range.split_above(0x20000).empty());
    // Split points outside the range clamp to its ends.
    EXPECT_EQ(range, range.split_below(0x30000));
    EXPECT_EQ(range, range.split_above(0x1000));
}

TEST(VirtRange, OverlapAndContainmentAreHalfOpen) {
    VirtRange a { 0x1000, 0x3000 };
    VirtRange b { 0x3000, 0x4000 };
    EXPECT_FALSE(a.overlaps(b));
    EXPECT_FALSE(b.overlaps(a));
    EXPECT_TRUE(a.overlaps({ 0x2fff, 0x3001 }));
    EXPECT_TRUE(a.contains(0x1000));
    EXPECT_FALSE(a.contains(0x3000));
    EXPECT_TRUE(a.contains(VirtRange { 0x2000, 0x3000 }));
    EXPECT_FALSE(a.contains(VirtRange { 0x2000, 0x3001 }));
    EXPECT_EQ((VirtRange { 0x2000, 0x3000 }), a.intersect({ 0x2000, 0x5000 }));
    EXPECT_TRUE(a.intersect(b).empty());
    EXPECT_EQ(2u, a.page_count());
}

TEST(VirtRange, UserRangeChecksCatchWrapAndKernelAddresses) {
    EXPECT_TRUE(is_user_range(0, 0));
    EXPECT_TRUE(is_user_range(kUserSpaceEnd, 0));
    EXPECT_TRUE(is_user_range(kUserSpaceEnd - 8, 8));
    EXPECT_FALSE(is_user_range(kUserSpaceEnd - 8, 9));
    EXPECT_FALSE(is_user_range(kUserSpaceEnd + 1, 0));
    EXPECT_FALSE(is_user_range(0xffffffc000000000ull, 8));
    EXPECT_FALSE(is_user_range(~0ull - 3, 8));            // Wraps around 2^64.
    EXPECT_FALSE(is_user_range(8, ~0ull));
    EXPECT_TRUE(range_from_length(~0ull - 3, 8).start > range_from_length(~0ull - 3, 8).end);
}

TEST(VirtRange, CoveringPagesRoundsOutward) {
    EXPECT_EQ((VirtRange { 0x1000, 0x3000 }), covering_pages(0x1ffc, 8));
    EXPECT_EQ((VirtRange { 0x1000, 0x2000 }), covering_pages(0x1000, kPageSize));
    EXPECT_TRUE(covering_pages(0x1234, 0).empty());
    EXPECT_EQ(0u, vm::round_up(~0ull - 10));  // Overflow shows as 0, which callers reject.
}

TEST(Prot, BitsFollowLinuxValues) {
    EXPECT_EQ(1, static_cast<int>(Prot::Read));
    EXPECT_EQ(2, static_cast<int>(Prot::Write));
    EXPECT_EQ(4, static_cast<int>(Prot::Exec));
    Prot rw = Prot::Read | Prot::Write;
    EXPECT_TRUE(has_all(rw, Prot::Read));
    EXPECT_FALSE(has_any(rw, Prot::Exec));
    EXPECT_EQ(Prot::Exec, ~rw);
    EXPECT_TRUE(vm::is_valid_prot_bits(7));
    EXPECT_FALSE(vm::is_valid_prot_bits(8));
}

TEST(RadixTree, ReplaceSwapsAnExistingValueWithoutAllocating) {
    RadixTree<int> tree;
    int a = 1, b = 2;
    ASSERT_FALSE(tree.insert(5000, &a).is_error());
    size_t nodes = tree.node_count();
    EXPECT_EQ(&a, tree.replace(5000, &b));
    EXPECT_EQ(&b, tree.lookup(5000));
    EXPECT_EQ(nodes, tree.node_count());
    EXPECT_EQ(1u, tree.size());
    // Absent indices (inside and beyond the tree's height) are left alone.
    EXPECT_EQ(nullptr, tree.replace(5001, &a));
    EXPECT_EQ(nullptr, tree.replace(1ull << 40, &a));
    EXPECT_EQ(nullptr, tree.lookup(5001));
}
