// The kernel command-line reader: flags, key=value words, and the words that must not
// match a key (longer words, keys inside other words, values that look like keys).
#include "lib/command_line.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

std::string value_of(const CommandLineWord& word) {
    return std::string(word.value, word.value_length);
}

// What copy_value() left in a buffer of out_size bytes (filled with 'x' beforehand, so
// that a missing terminator shows), and whether it said the value fitted.
struct Copy {
    std::string text;
    bool fitted;
};

Copy copy_value_of(const char* line, const char* key, size_t out_size) {
    auto word = command_line_find(line, key);
    EXPECT_TRUE(word.has_value()) << key << " in " << line;
    if (!word)
        return {"", false};
    std::vector<char> out(out_size + 1, 'x');
    out[out_size] = '\0';
    bool fitted = word->copy_value(out.data(), out_size);
    EXPECT_LT(std::strlen(out.data()), out_size) << "copy_value left no terminator";
    return {out.data(), fitted};
}

TEST(CommandLine, FindsAFlagStandingAlone) {
    auto word = command_line_find("selftest", "selftest");
    ASSERT_TRUE(word.has_value());
    EXPECT_FALSE(word->has_value());
    EXPECT_TRUE(command_line_has("fsbench", "fsbench"));
}

TEST(CommandLine, FindsAKeyWithItsValueUpToTheNextSpace) {
    auto word = command_line_find("console=ttyS0 selftest=Heap.Grows quiet", "selftest");
    ASSERT_TRUE(word.has_value());
    ASSERT_TRUE(word->has_value());
    EXPECT_EQ(value_of(*word), "Heap.Grows");
}

TEST(CommandLine, FindsAValueThatRunsToTheEndOfTheLine) {
    auto word = command_line_find("quiet atlas.run=echo,a%20b", "atlas.run");
    ASSERT_TRUE(word.has_value());
    EXPECT_EQ(value_of(*word), "echo,a%20b");
}

TEST(CommandLine, AnEmptyValueIsStillAValue) {
    auto word = command_line_find("selftest=", "selftest");
    ASSERT_TRUE(word.has_value());
    ASSERT_TRUE(word->has_value());
    EXPECT_EQ(word->value_length, 0u);
}

TEST(CommandLine, AFlagCountsAsPresentWhenGivenAValue) {
    EXPECT_TRUE(command_line_has("panictest=1", "panictest"));
}

TEST(CommandLine, SkipsRunsOfSpacesBetweenAndAroundWords) {
    const char* line = "   faulttest    fsbench=x   ";
    EXPECT_TRUE(command_line_has(line, "faulttest"));
    auto word = command_line_find(line, "fsbench");
    ASSERT_TRUE(word.has_value());
    EXPECT_EQ(value_of(*word), "x");
}

TEST(CommandLine, DoesNotMatchAWordThatOnlyStartsWithTheKey) {
    EXPECT_FALSE(command_line_has("selftests", "selftest"));
    EXPECT_FALSE(command_line_has("selftest.x=1", "selftest"));
}

TEST(CommandLine, DoesNotMatchTheKeyInsideAnotherWordOrValue) {
    EXPECT_FALSE(command_line_has("myselftest", "selftest"));
    EXPECT_FALSE(command_line_has("atlas.run=selftest", "selftest"));
    EXPECT_FALSE(command_line_has("x=selftest=1", "selftest"));
}

TEST(CommandLine, DoesNotMatchAPrefixOfTheKey) {
    EXPECT_FALSE(command_line_has("self", "selftest"));
    EXPECT_FALSE(command_line_has("atlas", "atlas.run"));
}

TEST(CommandLine, TheFirstOfRepeatedKeysWins) {
    auto word = command_line_find("selftest=Heap selftest=Fdt", "selftest");
    ASSERT_TRUE(word.has_value());
    EXPECT_EQ(value_of(*word), "Heap");

    auto flag_first = command_line_find("selftest selftest=Fdt", "selftest");
    ASSERT_TRUE(flag_first.has_value());
    EXPECT_FALSE(flag_first->has_value());
}

TEST(CommandLine, EmptyAndNullCommandLinesHoldNothing) {
    EXPECT_FALSE(command_line_has(nullptr, "selftest"));
    EXPECT_FALSE(command_line_has("", "selftest"));
    EXPECT_FALSE(command_line_has("    ", "selftest"));
}

TEST(CommandLine, AnEmptyKeyMatchesNothing) {
    EXPECT_FALSE(command_line_has("=x selftest", ""));
}

TEST(CommandLine, CopyValueMakesACString) {
    Copy copy = copy_value_of("selftest=Heap", "selftest", 16);
    EXPECT_TRUE(copy.fitted);
    EXPECT_EQ(copy.text, "Heap");
}

TEST(CommandLine, CopyValueOfAFlagIsEmpty) {
    Copy copy = copy_value_of("selftest", "selftest", 4);
    EXPECT_TRUE(copy.fitted);
    EXPECT_EQ(copy.text, "");
}

TEST(CommandLine, CopyValueCutsALongValueAndSaysSo) {
    Copy cut = copy_value_of("selftest=Scheduler", "selftest", 5);
    EXPECT_FALSE(cut.fitted);
    EXPECT_EQ(cut.text, "Sche");

    Copy exact = copy_value_of("selftest=Scheduler", "selftest", 10);
    EXPECT_TRUE(exact.fitted);
    EXPECT_EQ(exact.text, "Scheduler");
}

}  // namespace
