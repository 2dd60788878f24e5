// klib's memory and string functions against the host C library, over every
// combination of small lengths and relative alignments where the word-at-a-time paths
// switch on and off.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "lib/string.h"

namespace {

constexpr size_t kBuffer = 256;

int sign(int value)
{
    return (value > 0) - (value < 0);
}

std::vector<unsigned char> pattern(size_t size, unsigned seed)
{
    std::vector<unsigned char> bytes(size);
    std::mt19937 random(seed);
    for (auto& byte : bytes)
        byte = static_cast<unsigned char>(random());
    return bytes;
}

TEST(String, MemcpyCopiesExactlyTheRequestedBytesAtAnyAlignment)
{
    auto source = pattern(kBuffer, 1);
    for (size_t source_offset = 0; source_offset < 9; ++source_offset) {
        for (size_t destination_offset = 0; destination_offset < 9; ++destination_offset) {
            for (size_t count = 0; count < 80; ++count) {
                std::vector<unsigned char> ours(kBuffer, 0xAA), theirs(kBuffer, 0xAA);
                void* result = klib::memcpy(ours.data() + destination_offset, source.data() + source_offset, count);
                std::memcpy(theirs.data() + destination_offset, source.data() + source_offset, count);
                ASSERT_EQ(result, ours.data() + destination_offset);
                ASSERT_EQ(ours, theirs) << "offsets " << source_offset << "," << destination_offset << " count " << count;
            }
        }
    }
}

TEST(String, MemmoveHandlesOverlapInBothDirections)
{
    auto initial = pattern(kBuffer, 2);
    for (size_t from = 0; from < 24; ++from) {
        for (size_t to = 0; to < 24; ++to) {
            for (size_t count : { 0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 100, 200 }) {
                auto ours = initial, theirs = initial;
                klib::memmove(ours.data() + to, ours.data() + from, count);
                std::memmove(theirs.data() + to, theirs.data() + from, count);
                ASSERT_EQ(ours, theirs) << "from " << from << " to " << to << " count " << count;
            }
        }
    }
}

TEST(String, MemsetFillsOnlyTheRangeWithTheLowByte)
{
    for (size_t offset = 0; offset < 9; ++offset) {
        for (size_t count = 0; count < 80; ++count) {
            std::vector<unsigned char> ours(kBuffer, 0x11), theirs(kBuffer, 0x11);
            void* result = klib::memset(ours.data() + offset, 0x1C5, count); // Only 0xC5 counts.
            std::memset(theirs.data() + offset, 0x1C5, count);
            ASSERT_EQ(result, ours.data() + offset);
            ASSERT_EQ(ours, theirs);
        }
    }
}

TEST(String, MemcmpAgreesInSignAndFindsTheFirstDifference)
{
    auto base = pattern(kBuffer, 3);
    for (size_t offset = 0; offset < 9; ++offset) {
        for (size_t count = 0; count < 70; ++count) {
            for (size_t diff = 0; diff <= count; diff += 1 + count / 8) {
                auto left = base, right = base;
                if (diff < count) {
                    // Make the high bit differ too, to catch signed-char comparisons.
                    left[offset + diff] = 0x80;
                    right[offset + diff] = 0x7F;
                    if (diff + 1 < count)
                        right[offset + diff + 1] = static_cast<unsigned char>(left[offset + diff + 1] + 1);
                }
                int ours = klib::memcmp(left.data() + offset, right.data() + offset, count);
                int theirs = std::memcmp(left.data() + offset, right.data() + offset, count);
                ASSERT_EQ(sign(ours), sign(theirs)) << "offset " << offset << " count " << count << " diff " << diff;
                ASSERT_EQ(sign(klib::memcmp(right.data() + offset, left.data() + offset, count)), -sign(theirs));
            }
        }
    }
    // Different relative alignment of the two sides.
    auto shifted = base;
    shifted.insert(shifted.begin(), 0);
    EXPECT_EQ(klib::memcmp(base.data(), shifted.data() + 1, 200), 0);
}

TEST(String, MemchrFindsTheFirstOccurrenceWithinTheCount)
{
    const char text[] = "abcabc\xff";
    EXPECT_EQ(klib::memchr(text, 'c', 7), text + 2);
    EXPECT_EQ(klib::memchr(text, 'c', 2), nullptr);
    EXPECT_EQ(klib::memchr(text, 0xff, 7), text + 6); // Compared as unsigned char.
    EXPECT_EQ(klib::memchr(text, 'z', 8), nullptr);
    char mutable_text[] = "xyz";
    char* found = static_cast<char*>(klib::memchr(mutable_text, 'y', 3));
    EXPECT_EQ(found, mutable_text + 1);
}

TEST(String, StrlenAndStrnlenCountUpToTheTerminatorOrLimit)
{
    const char* samples[] = { "", "a", "hello", "exactly8", "a somewhat longer string, past a few words" };
    for (const char* sample : samples) {
        EXPECT_EQ(klib::strlen(sample), std::strlen(sample));
        for (size_t limit = 0; limit < 50; ++limit)
            EXPECT_EQ(klib::strnlen(sample, limit), strnlen(sample, limit));
    }
}

TEST(String, StrcmpAndStrncmpAgreeInSign)
{
    const char* samples[] = { "", "a", "ab", "abc", "abd", "b", "\x80", "\x7f", "abc\x80", "ABC" };
    for (const char* left : samples) {
        for (const char* right : samples) {
            EXPECT_EQ(sign(klib::strcmp(left, right)), sign(std::strcmp(left, right))) << left << " vs " << right;
            for (size_t count = 0; count < 6; ++count)
                EXPECT_EQ(sign(klib::strncmp(left, right, count)), sign(std::strncmp(left, right, count)));
        }
    }
}

TEST(String, StrlcpyTruncatesTerminatesAndReturnsSourceLength)
{
    char buffer[8];
    std::memset(buffer, 'X', sizeof(buffer));
    EXPECT_EQ(klib::strlcpy(buffer, "hello", sizeof(buffer)), 5u);
    EXPECT_STREQ(buffer, "hello");

    EXPECT_EQ(klib::strlcpy(buffer, "a much longer source", sizeof(buffer)), 20u);
    EXPECT_STREQ(buffer, "a much ");

    buffer[0] = 'Q';
    EXPECT_EQ(klib::strlcpy(buffer, "abc", 0), 3u); // Size 0 writes nothing.
    EXPECT_EQ(buffer[0], 'Q');

    EXPECT_EQ(klib::strlcpy(buffer, "abc", 1), 3u);
    EXPECT_EQ(buffer[0], '\0');
}

TEST(String, StrchrFindsCharactersAndTheTerminator)
{
    const char* text = "path/to/file";
    EXPECT_EQ(klib::strchr(text, '/'), text + 4);
    EXPECT_EQ(klib::strchr(text, 'z'), nullptr);
    EXPECT_EQ(klib::strchr(text, '\0'), text + std::strlen(text));
    char mutable_text[] = "a=b";
    char* equals = klib::strchr(mutable_text, '=');
    ASSERT_NE(equals, nullptr);
    *equals = '\0';
    EXPECT_STREQ(mutable_text, "a");
}

} // namespace
