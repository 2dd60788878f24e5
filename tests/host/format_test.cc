// Tests for the printf engine (kernel/lib/format.h), mostly by comparison with the host
// C library's snprintf, which is the behaviour kprintf and the user snprintf promise.
#include "lib/format.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string atlas_format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string host_format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

std::string atlas_format(const char* fmt, ...) {
    char buffer[512];
    va_list args;
    va_start(args, fmt);
    int length = vsnformat(buffer, sizeof(buffer), fmt, args);
    va_end(args);
    EXPECT_GE(length, 0);
    EXPECT_LT(static_cast<size_t>(length), sizeof(buffer));
    return std::string(buffer);
}

std::string host_format(const char* fmt, ...) {
    char buffer[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buffer, sizeof(buffer), fmt, args);
    va_end(args);
    return std::string(buffer);
}

// Formats with both engines and compares; the format string is shown on failure.
#define EXPECT_SAME_AS_HOST(...) \
    EXPECT_EQ(atlas_format(__VA_ARGS__), host_format(__VA_ARGS__)) << "format: " << #__VA_ARGS__

// A sink that records every call, to check that runs arrive whole.
class RecordingSink final : public FormatSink {
public:
    void write(const char* chars, size_t length) override {
        m_calls.emplace_back(chars, length);
        m_text.append(chars, length);
    }

    std::vector<std::string> m_calls;
    std::string m_text;
};

TEST(Format, PlainText) {
    EXPECT_SAME_AS_HOST("hello, world");
    EXPECT_SAME_AS_HOST("%s", "");
    EXPECT_SAME_AS_HOST("100%%");
    EXPECT_SAME_AS_HOST("%%%%%%");
}

TEST(Format, SignedDecimal) {
    EXPECT_SAME_AS_HOST("%d", 0);
    EXPECT_SAME_AS_HOST("%d", 1);
    EXPECT_SAME_AS_HOST("%d", -1);
    EXPECT_SAME_AS_HOST("%i", 123456);
    EXPECT_SAME_AS_HOST("%d", INT_MAX);
    EXPECT_SAME_AS_HOST("%d", INT_MIN);
    EXPECT_SAME_AS_HOST("%ld", LONG_MAX);
    EXPECT_SAME_AS_HOST("%ld", LONG_MIN);
    EXPECT_SAME_AS_HOST("%lld", static_cast<long long>(INT64_MIN));
    EXPECT_SAME_AS_HOST("%lld", static_cast<long long>(INT64_MAX));
    EXPECT_SAME_AS_HOST("%zd", static_cast<ssize_t>(-42));
    EXPECT_SAME_AS_HOST("%jd", static_cast<intmax_t>(INT64_MIN));
    EXPECT_SAME_AS_HOST("%td", static_cast<ptrdiff_t>(-7));
    EXPECT_SAME_AS_HOST("%hd", 70000);
    EXPECT_SAME_AS_HOST("%hhd", 300);
    EXPECT_SAME_AS_HOST("%hhd", -129);
}

TEST(Format, Int64MinExactly) {
    EXPECT_EQ(atlas_format("%lld", static_cast<long long>(INT64_MIN)), "-9223372036854775808");
    EXPECT_EQ(atlas_format("%ld", static_cast<long>(INT64_MIN)), "-9223372036854775808");
}

TEST(Format, UnsignedAndHex) {
    EXPECT_SAME_AS_HOST("%u", 0u);
    EXPECT_SAME_AS_HOST("%u", UINT_MAX);
    EXPECT_SAME_AS_HOST("%lu", ULONG_MAX);
    EXPECT_SAME_AS_HOST("%llu", static_cast<unsigned long long>(UINT64_MAX));
    EXPECT_SAME_AS_HOST("%zu", static_cast<size_t>(SIZE_MAX));
    EXPECT_SAME_AS_HOST("%x", 0u);
    EXPECT_SAME_AS_HOST("%x", 0xdeadbeefu);
    EXPECT_SAME_AS_HOST("%X", 0xdeadbeefu);
    EXPECT_SAME_AS_HOST("%lx", 0x123456789abcdef0ul);
    EXPECT_SAME_AS_HOST("%llX", 0xfedcba9876543210ull);
    EXPECT_SAME_AS_HOST("%zx", static_cast<size_t>(0x80000000));
    EXPECT_SAME_AS_HOST("%hx", 0x12345u);
    EXPECT_SAME_AS_HOST("%hhx", 0x1ffu);
    EXPECT_SAME_AS_HOST("%o", 8u);
    EXPECT_SAME_AS_HOST("%lo", ULONG_MAX);
    EXPECT_SAME_AS_HOST("%x", static_cast<unsigned>(-1));
}

TEST(Format, WidthAndFlags) {
    EXPECT_SAME_AS_HOST("[%5d]", 42);
    EXPECT_SAME_AS_HOST("[%-5d]", 42);
    EXPECT_SAME_AS_HOST("[%05d]", 42);
    EXPECT_SAME_AS_HOST("[%05d]", -42);
    EXPECT_SAME_AS_HOST("[%2d]", 12345);
    EXPECT_SAME_AS_HOST("[%016lx]", 0xabcul);
    EXPECT_SAME_AS_HOST("[%08X]", 0xbeefu);
    EXPECT_SAME_AS_HOST("[%-8x]", 0xbeefu);
    EXPECT_SAME_AS_HOST("[%+d]", 5);
    EXPECT_SAME_AS_HOST("[%+d]", -5);
    EXPECT_SAME_AS_HOST("[% d]", 5);
    EXPECT_SAME_AS_HOST("[%+05d]", 5);
    EXPECT_SAME_AS_HOST("[%#x]", 0x1fu);
    EXPECT_SAME_AS_HOST("[%#X]", 0x1fu);
    EXPECT_SAME_AS_HOST("[%#x]", 0u);
    EXPECT_SAME_AS_HOST("[%#010x]", 0x1fu);
    EXPECT_SAME_AS_HOST("[%#o]", 8u);
    EXPECT_SAME_AS_HOST("[%#o]", 0u);
    EXPECT_SAME_AS_HOST("[%20lld]", static_cast<long long>(INT64_MIN));
    EXPECT_SAME_AS_HOST("[%030lld]", static_cast<long long>(INT64_MIN));
    EXPECT_SAME_AS_HOST("[%100d]", 1);
}

// Flags that C says to ignore in these combinations; GCC warns about each one, which is
// the point, so the warning is silenced for this test alone.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
TEST(Format, IgnoredFlagCombinations) {
    EXPECT_SAME_AS_HOST("[%-05d]", -42);
    EXPECT_SAME_AS_HOST("[%+ d]", 5);
    EXPECT_SAME_AS_HOST("[%+u]", 5u);
    EXPECT_SAME_AS_HOST("[%08.5d]", 42);
}
#pragma GCC diagnostic pop

TEST(Format, StarWidthAndPrecision) {
    EXPECT_SAME_AS_HOST("[%*d]", 6, 42);
    EXPECT_SAME_AS_HOST("[%*d]", -6, 42);
    EXPECT_SAME_AS_HOST("[%-*d]", 6, 42);
    EXPECT_SAME_AS_HOST("[%0*d]", 6, -42);
    EXPECT_SAME_AS_HOST("[%*s]", 8, "abc");
    EXPECT_SAME_AS_HOST("[%*s]", -8, "abc");
    EXPECT_SAME_AS_HOST("[%.*s]", 2, "abcdef");
    EXPECT_SAME_AS_HOST("[%.*s]", 0, "abcdef");
    EXPECT_SAME_AS_HOST("[%.*s]", -1, "abcdef");
    EXPECT_SAME_AS_HOST("[%*.*s]", 6, 2, "abcdef");
    EXPECT_SAME_AS_HOST("[%-*.*s]", 6, 2, "abcdef");
}

TEST(Format, IntegerPrecision) {
    EXPECT_SAME_AS_HOST("[%.5d]", 42);
    EXPECT_SAME_AS_HOST("[%.5d]", -42);
    EXPECT_SAME_AS_HOST("[%8.5d]", -42);
    EXPECT_SAME_AS_HOST("[%-8.5d]", 42);
    EXPECT_SAME_AS_HOST("[%.0d]", 0);
    EXPECT_SAME_AS_HOST("[%5.0d]", 0);
    EXPECT_SAME_AS_HOST("[%.0x]", 0u);
    EXPECT_SAME_AS_HOST("[%.3x]", 0xau);
    EXPECT_SAME_AS_HOST("[%#.5o]", 15u);
    EXPECT_SAME_AS_HOST("[%#.0o]", 0u);
    EXPECT_SAME_AS_HOST("[%#.8x]", 0xabu);
    EXPECT_SAME_AS_HOST("[%.*d]", 4, 7);
}

TEST(Format, Strings) {
    EXPECT_SAME_AS_HOST("%s", "abc");
    EXPECT_SAME_AS_HOST("[%10s]", "abc");
    EXPECT_SAME_AS_HOST("[%-10s]", "abc");
    EXPECT_SAME_AS_HOST("[%.2s]", "abc");
    EXPECT_SAME_AS_HOST("[%.10s]", "abc");
    EXPECT_SAME_AS_HOST("[%5.1s]", "abc");
    EXPECT_SAME_AS_HOST("%s and %s", "this", "that");
}

TEST(Format, NullString) {
    // Through a volatile, so the compiler cannot see the nullptr and warn about it.
    const char* volatile null_string = nullptr;
    EXPECT_EQ(atlas_format("%s", null_string), "(null)");
    EXPECT_EQ(atlas_format("[%8s]", null_string), "[  (null)]");
    EXPECT_EQ(atlas_format("[%.3s]", null_string), "[(nu]");
}

TEST(Format, PrecisionDoesNotReadPastTheArray) {
    // No NUL anywhere: the formatter must stop after the precision. ASan catches a
    // read of the byte after the array.
    char unterminated[3] = {'x', 'y', 'z'};
    EXPECT_EQ(atlas_format("%.3s", unterminated), "xyz");
    EXPECT_EQ(atlas_format("%.*s", 2, unterminated), "xy");
}

TEST(Format, Characters) {
    EXPECT_SAME_AS_HOST("%c", 'a');
    EXPECT_SAME_AS_HOST("[%3c]", 'a');
    EXPECT_SAME_AS_HOST("[%-3c]", 'a');
    EXPECT_SAME_AS_HOST("%c%c%c", 'x', 'y', 'z');
}

TEST(Format, PointersAreAlwaysSixteenDigits) {
    EXPECT_EQ(atlas_format("%p", reinterpret_cast<void*>(0x80200000)), "0x0000000080200000");
    EXPECT_EQ(atlas_format("%p", static_cast<void*>(nullptr)), "0x0000000000000000");
    EXPECT_EQ(atlas_format("%p", reinterpret_cast<void*>(UINTPTR_MAX)), "0xffffffffffffffff");
    EXPECT_EQ(atlas_format("[%20p]", reinterpret_cast<void*>(0x1000)), "[  0x0000000000001000]");
    EXPECT_EQ(atlas_format("[%-20p]", reinterpret_cast<void*>(0x1000)), "[0x0000000000001000  ]");
}

TEST(Format, MixedArguments) {
    EXPECT_SAME_AS_HOST("pid %d: %s at 0x%lx (%zu bytes) %c%%", 17, "fault", 0xffffffc000001000ul,
                        static_cast<size_t>(4096), '!');
    EXPECT_SAME_AS_HOST("%d %ld %lld %u %lu %llu %x %lx %llx", -1, -2l, -3ll, 4u, 5ul, 6ull, 7u, 8ul, 9ull);
}

TEST(Format, UnknownConversionIsPrintedLiterally) {
    // The compiler would rightly reject these formats, so they go through a variable.
    const char* unknown = "a%qb";
    EXPECT_EQ(atlas_format(unknown, 0), "a%qb");
    const char* trailing = "abc%";
    EXPECT_EQ(atlas_format(trailing, 0), "abc%");
    const char* trailing_flags = "abc%-08l";
    EXPECT_EQ(atlas_format(trailing_flags, 0), "abc%-08l");
}

TEST(Format, SnformatTruncatesAndTerminates) {
    char buffer[8];
    EXPECT_EQ(snformat(buffer, sizeof(buffer), "%s", "0123456789"), 10);
    EXPECT_STREQ(buffer, "0123456");

    EXPECT_EQ(snformat(buffer, sizeof(buffer), "%d", 1234567), 7);
    EXPECT_STREQ(buffer, "1234567");

    EXPECT_EQ(snformat(buffer, 1, "%s", "abc"), 3);
    EXPECT_STREQ(buffer, "");

    // Size 0 writes nothing at all; the canary must survive.
    buffer[0] = '#';
    EXPECT_EQ(snformat(buffer, 0, "%s", "abc"), 3);
    EXPECT_EQ(buffer[0], '#');
    EXPECT_EQ(snformat(nullptr, 0, "%d-%d", 10, 20), 5);
}

TEST(Format, SnformatMatchesHostForEveryBufferSize) {
    const char* fmt = "[%-6s|%05d|%#x|%c]";
    for (size_t size = 0; size <= 32; ++size) {
        char ours[40];
        char theirs[40];
        memset(ours, '@', sizeof(ours));
        memset(theirs, '@', sizeof(theirs));
        int our_length = snformat(ours, size, fmt, "ab", -12, 0x2au, 'z');
        int their_length = snprintf(theirs, size, fmt, "ab", -12, 0x2au, 'z');
        EXPECT_EQ(our_length, their_length) << "size " << size;
        EXPECT_EQ(memcmp(ours, theirs, sizeof(ours)), 0) << "size " << size;
    }
}

TEST(Format, FormatReturnsCountAndBatchesRuns) {
    RecordingSink sink;
    size_t produced = format(sink, "abc%ddef%sghi", 42, "xyz");
    EXPECT_EQ(sink.m_text, "abc42defxyzghi");
    EXPECT_EQ(produced, sink.m_text.size());
    std::vector<std::string> expected{"abc", "42", "def", "xyz", "ghi"};
    EXPECT_EQ(sink.m_calls, expected);
}

TEST(Format, WidePaddingIsChunked) {
    RecordingSink sink;
    size_t produced = format(sink, "%200d", 1);
    EXPECT_EQ(produced, 200u);
    EXPECT_EQ(sink.m_text, std::string(199, ' ') + "1");
    // Padding goes out in chunks, not a call per character.
    EXPECT_LT(sink.m_calls.size(), 20u);
}

TEST(Format, ManyValuesAgreeWithHost) {
    // A sweep over interesting magnitudes and every combination of a few flags and widths.
    const long long values[] = {0,
                                1,
                                -1,
                                9,
                                10,
                                -10,
                                255,
                                256,
                                65535,
                                -65536,
                                INT_MAX,
                                INT_MIN,
                                static_cast<long long>(UINT_MAX),
                                INT64_MAX,
                                INT64_MIN,
                                1234567890123ll};
    const char* formats[] = {"%lld",   "%5lld",    "%-5lld",   "%05lld", "%+lld", "% lld",
                             "%.3lld", "%12.4lld", "%-+12lld", "%llx",   "%#llx", "%020llX",
                             "%llo",   "%llu",     "%-25llu",  "%.0lld"};
    for (const char* fmt : formats) {
        for (long long value : values) {
            char ours[64];
            char theirs[64];
            int our_length = snformat(ours, sizeof(ours), fmt, value);
            int their_length = snprintf(theirs, sizeof(theirs), fmt, value);
            EXPECT_EQ(our_length, their_length) << fmt << " " << value;
            EXPECT_STREQ(ours, theirs) << fmt << " " << value;
        }
    }
}

}  // namespace
