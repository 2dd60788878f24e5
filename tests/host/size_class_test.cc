// Host tests of the heap's size classes (kernel/mm/size_class.h).
#include "mm/size_class.h"

#include <gtest/gtest.h>

TEST(SizeClass, EverySizePicksTheSmallestClassThatFits)
{
    for (size_t size = 0; size <= kLargestSizeClass; ++size) {
        size_t index = size_class_for(size);
        ASSERT_LT(index, kSizeClassCount) << size;
        EXPECT_GE(size_class_size(index), size) << size;
        if (index > 0) {
            EXPECT_LT(size_class_size(index - 1), size) << size;
        }
    }
}

TEST(SizeClass, ClassesAreSortedMultiplesOfSixteen)
{
    for (size_t i = 0; i < kSizeClassCount; ++i) {
        EXPECT_EQ(0u, kSizeClasses[i] % kSizeClassGranule);
        if (i > 0) {
            EXPECT_LT(kSizeClasses[i - 1], kSizeClasses[i]);
        }
    }
    EXPECT_EQ(16u, kSizeClasses[0]);
    EXPECT_EQ(2048u, kLargestSizeClass);
}

TEST(SizeClass, EveryPowerOfTwoIsAClass)
{
    // The heap relies on this for aligned allocation: a power-of-two class is aligned to
    // its own size because slab objects start at the frame's first byte.
    for (size_t size = 16; size <= kLargestSizeClass; size *= 2)
        EXPECT_EQ(size, size_class_size(size_class_for(size)));
}

TEST(SizeClass, WasteIsBounded)
{
    // No request wastes half its block, and above 32 bytes no more than a third.
    for (size_t size = 1; size <= kLargestSizeClass; ++size) {
        size_t block = size_class_size(size_class_for(size));
        if (size > 16) {
            EXPECT_LT((block - size) * 2, block) << size;
        }
        if (size > 32) {
            EXPECT_LE((block - size) * 3, block) << size;
        }
    }
}

TEST(SizeClass, EverySlabHoldsAtLeastTwoObjects)
{
    for (size_t i = 0; i < kSizeClassCount; ++i)
        EXPECT_GE(size_class_objects_per_slab(i, 4096), 2u);
}

TEST(SizeClass, HartCacheHoldsAFewKiBAndAtLeastTwoObjects)
{
    // The heap's statistics tests allow for what per-hart caches pin, so the caches must
    // stay small; and a cache of one object could not take a free after a refill.
    for (size_t i = 0; i < kSizeClassCount; ++i) {
        size_t capacity = size_class_cache_capacity(i);
        EXPECT_GE(capacity, 2u) << i;
        EXPECT_LE(capacity, kCacheMaxObjects) << i;
        EXPECT_LE(capacity * size_class_size(i), 4096u) << i;
        EXPECT_GE(size_class_cache_batch(i), 1u) << i;
        EXPECT_LT(size_class_cache_batch(i), capacity) << i;
    }
}
