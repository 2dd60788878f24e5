// Behaviour of Bitmap: single bits, ranges across word boundaries, searches and
// counts that respect the bitmap's size, checked against std::vector<bool>.
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "lib/bitmap.h"

namespace {

std::optional<size_t> model_find(const std::vector<bool>& model, size_t from, bool value)
{
    for (size_t i = from; i < model.size(); ++i) {
        if (model[i] == value)
            return i;
    }
    return std::nullopt;
}

TEST(Bitmap, WordsForRoundsUp)
{
    EXPECT_EQ(Bitmap::words_for(0), 0u);
    EXPECT_EQ(Bitmap::words_for(1), 1u);
    EXPECT_EQ(Bitmap::words_for(64), 1u);
    EXPECT_EQ(Bitmap::words_for(65), 2u);
}

TEST(Bitmap, SetGetClearTouchOnlyTheNamedBit)
{
    uint64_t words[2] = {};
    Bitmap bitmap(words, 128);
    bitmap.set(0);
    bitmap.set(63);
    bitmap.set(64);
    EXPECT_TRUE(bitmap.get(0));
    EXPECT_TRUE(bitmap.get(63));
    EXPECT_TRUE(bitmap.get(64));
    EXPECT_FALSE(bitmap.get(1));
    EXPECT_EQ(words[0], (uint64_t(1) << 63) | 1);
    EXPECT_EQ(words[1], 1u);
    bitmap.clear(63);
    EXPECT_FALSE(bitmap.get(63));
    bitmap.set(5, true);
    bitmap.set(0, false);
    EXPECT_EQ(words[0], uint64_t(1) << 5);
}

TEST(Bitmap, LayoutMatchesByteWiseLittleEndianBitmaps)
{
    uint64_t words[1] = {};
    Bitmap bitmap(words, 64);
    bitmap.set(9); // Byte 1, bit 1.
    const auto* bytes = reinterpret_cast<const unsigned char*>(words);
    EXPECT_EQ(bytes[1], 0x02);
    EXPECT_EQ(bytes[0], 0x00);
}

TEST(Bitmap, RangesCrossWordBoundaries)
{
    uint64_t words[3] = {};
    Bitmap bitmap(words, 192);
    bitmap.set_range(60, 72); // Bits 60..131.
    EXPECT_EQ(words[0], ~uint64_t(0) << 60);
    EXPECT_EQ(words[1], ~uint64_t(0));
    EXPECT_EQ(words[2], (uint64_t(1) << 4) - 1);
    EXPECT_EQ(bitmap.count_set(), 72u);
    bitmap.clear_range(64, 64);
    EXPECT_EQ(words[1], 0u);
    EXPECT_EQ(bitmap.count_set(), 8u);
    bitmap.set_range(10, 0);
    EXPECT_EQ(bitmap.count_set(), 8u);
}

TEST(Bitmap, SearchesIgnoreBitsBeyondTheSize)
{
    // 70 bits: the last word's upper 58 bits are outside the bitmap and are left set
    // or clear on purpose to catch searches that look at them.
    uint64_t words[2] = { ~uint64_t(0), ~uint64_t(0) << 6 };
    Bitmap bitmap(words, 70);
    EXPECT_EQ(bitmap.find_first_clear(), std::optional<size_t>(64));
    bitmap.set_range(64, 6);
    EXPECT_FALSE(bitmap.find_first_clear().has_value());
    EXPECT_EQ(bitmap.count_set(), 70u);
    EXPECT_EQ(words[1], ~uint64_t(0));

    uint64_t zeros[2] = { 0, ~uint64_t(0) << 6 };
    Bitmap empty(zeros, 70);
    EXPECT_FALSE(empty.find_first_set().has_value());
    EXPECT_EQ(empty.count_set(), 0u);
}

TEST(Bitmap, FindStartsAtTheGivenBit)
{
    uint64_t words[2] = {};
    Bitmap bitmap(words, 128);
    bitmap.set(3);
    bitmap.set(100);
    EXPECT_EQ(bitmap.find_first_set(), std::optional<size_t>(3));
    EXPECT_EQ(bitmap.find_first_set(3), std::optional<size_t>(3));
    EXPECT_EQ(bitmap.find_first_set(4), std::optional<size_t>(100));
    EXPECT_FALSE(bitmap.find_first_set(101).has_value());
    EXPECT_FALSE(bitmap.find_first_set(128).has_value());
    EXPECT_FALSE(bitmap.find_first_set(1000).has_value());
    EXPECT_EQ(bitmap.find_first_clear(3), std::optional<size_t>(4));
}

TEST(Bitmap, CountSetOverASubrange)
{
    uint64_t words[4] = {};
    Bitmap bitmap(words, 256);
    for (size_t i = 0; i < 256; i += 3)
        bitmap.set(i);
    EXPECT_EQ(bitmap.count_set(0, 256), 86u);
    EXPECT_EQ(bitmap.count_set(1, 2), 0u);
    EXPECT_EQ(bitmap.count_set(60, 10), 4u); // 60, 63, 66, 69: across a word boundary.
    EXPECT_EQ(bitmap.count_set(256, 0), 0u);
}

TEST(Bitmap, RandomOperationsMatchVectorOfBool)
{
    std::mt19937 random(5);
    constexpr size_t kBits = 1000;
    std::vector<uint64_t> words(Bitmap::words_for(kBits), 0);
    Bitmap bitmap(words.data(), kBits);
    std::vector<bool> model(kBits, false);
    for (int step = 0; step < 5000; ++step) {
        size_t start = random() % kBits;
        size_t count = random() % (kBits - start + 1);
        switch (random() % 4) {
        case 0:
            bitmap.set(start);
            model[start] = true;
            break;
        case 1:
            bitmap.clear(start);
            model[start] = false;
            break;
        case 2:
            bitmap.set_range(start, count % 150);
            for (size_t i = start; i < start + count % 150 && i < kBits; ++i)
                model[i] = true;
            break;
        case 3:
            bitmap.clear_range(start, count);
            for (size_t i = start; i < start + count; ++i)
                model[i] = false;
            break;
        }
        size_t from = random() % (kBits + 10);
        ASSERT_EQ(bitmap.find_first_set(from), model_find(model, from, true));
        ASSERT_EQ(bitmap.find_first_clear(from), model_find(model, from, false));
        size_t expected = 0;
        for (size_t i = start; i < start + count; ++i)
            expected += model[i];
        ASSERT_EQ(bitmap.count_set(start, count), expected);
        for (size_t i = 0; i < kBits; i += 37)
            ASSERT_EQ(bitmap.get(i), model[i]);
    }
}

TEST(BitmapDeathTest, OutOfRangeIndexStops)
{
    uint64_t words[1] = {};
    Bitmap bitmap(words, 10);
    EXPECT_DEATH(bitmap.set(10), "ASSERTION FAILED");
    EXPECT_DEATH(bitmap.set_range(5, 6), "ASSERTION FAILED");
}

} // namespace
