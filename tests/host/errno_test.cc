// Pins the kernel's errno vocabulary to the host C library: same numbers, same names.
#include <cerrno>
#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "lib/errno.h"

// The host's <cerrno> came first, so these compare glibc's macros with our list at
// compile time; a wrong number in lib/errno.h stops the build.
#define ATLAS_CHECK_AGAINST_HOST(name, value, description) \
    static_assert(name == value, #name " differs from the host C library");
ATLAS_ERRNO_LIST(ATLAS_CHECK_AGAINST_HOST)
#undef ATLAS_CHECK_AGAINST_HOST

namespace {

struct Entry {
    const char* name;
    int value;
    const char* description;
};

#define ATLAS_ENTRY(name, value, description) Entry { #name, value, description },
constexpr Entry kEntries[] = { ATLAS_ERRNO_LIST(ATLAS_ENTRY) };
#undef ATLAS_ENTRY

TEST(Errno, ValuesAreLinuxNumbers)
{
    EXPECT_EQ(EPERM, 1);
    EXPECT_EQ(ENOENT, 2);
    EXPECT_EQ(ENOMEM, 12);
    EXPECT_EQ(EEXIST, 17);
    EXPECT_EQ(EINVAL, 22);
    EXPECT_EQ(ERANGE, 34);
    EXPECT_EQ(ENOSYS, 38);
    EXPECT_EQ(ELOOP, 40);
    EXPECT_EQ(EOVERFLOW, 75);
    EXPECT_EQ(ETIMEDOUT, 110);
    EXPECT_EQ(EWOULDBLOCK, EAGAIN);
}

TEST(Errno, ListedCodesArePositiveAndUnique)
{
    std::set<int> seen;
    for (const Entry& entry : kEntries) {
        EXPECT_GT(entry.value, 0) << entry.name;
        EXPECT_TRUE(seen.insert(entry.value).second) << entry.name << " repeats a value";
    }
    EXPECT_GE(seen.size(), 40u);
}

TEST(Errno, NameOfEachCodeIsItsSymbol)
{
    for (const Entry& entry : kEntries)
        EXPECT_STREQ(errno_name(entry.value), entry.name);
    EXPECT_STREQ(errno_name(ENOENT), "ENOENT");
    EXPECT_STREQ(errno_name(ENOMEM), "ENOMEM");
}

TEST(Errno, UnknownCodesGetPlaceholdersNotNull)
{
    for (int code : { 0, -1, 41, 9999 }) {
        ASSERT_NE(errno_name(code), nullptr);
        EXPECT_STREQ(errno_name(code), "E?");
        EXPECT_STREQ(errno_description(code), "Unknown error");
    }
}

TEST(Errno, DescriptionsMatchHostStrerror)
{
    for (const Entry& entry : kEntries) {
        EXPECT_STREQ(errno_description(entry.value), std::strerror(entry.value)) << entry.name;
        EXPECT_STREQ(errno_description(entry.value), entry.description);
    }
}

} // namespace
