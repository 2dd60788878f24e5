// Behaviour of Error, ErrorOr<T>, ErrorOr<void>, TRY and MUST.
#include <cstddef>
#include <string>

#include <gtest/gtest.h>

#include "lib/error_or.h"
#include "lib/own_ptr.h"

namespace {

ErrorOr<int> parse_positive(int input)
{
    if (input <= 0)
        return Error::from_errno(EINVAL);
    return input;
}

ErrorOr<void> check_even(int input)
{
    if (input % 2)
        return Error::from_errno(ERANGE);
    return {};
}

// Counts how many instances of itself exist, to catch leaks and double destruction.
struct Tracked {
    static inline int s_alive = 0;
    int value;
    explicit Tracked(int v)
        : value(v)
    {
        ++s_alive;
    }
    Tracked(const Tracked& other)
        : value(other.value)
    {
        ++s_alive;
    }
    Tracked(Tracked&& other)
        : value(other.value)
    {
        other.value = -1;
        ++s_alive;
    }
    ~Tracked() { --s_alive; }
};

struct MoveOnly {
    explicit MoveOnly(int v)
        : value(v)
    {
    }
    MoveOnly(const MoveOnly&) = delete;
    MoveOnly(MoveOnly&&) = default;
    int value;
};

TEST(Error, CarriesItsErrnoCodeAndName)
{
    Error error = Error::from_errno(ENOMEM);
    EXPECT_EQ(error.code(), ENOMEM);
    EXPECT_STREQ(error.name(), "ENOMEM");
    EXPECT_EQ(error, Error::from_errno(ENOMEM));
    EXPECT_NE(error, Error::from_errno(EIO));
}

TEST(ErrorOr, HoldsValueWhenConstructedFromValue)
{
    ErrorOr<int> result = parse_positive(7);
    ASSERT_FALSE(result.is_error());
    EXPECT_EQ(result.value(), 7);
    EXPECT_EQ(result.release_value(), 7);
}

TEST(ErrorOr, HoldsErrorWhenConstructedFromError)
{
    ErrorOr<int> result = parse_positive(-3);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), EINVAL);
}

TEST(ErrorOr, VoidDefaultsToSuccess)
{
    ErrorOr<void> ok = check_even(2);
    EXPECT_FALSE(ok.is_error());
    ErrorOr<void> bad = check_even(3);
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code(), ERANGE);
}

ErrorOr<int> sum_of_two(int a, int b, int& steps)
{
    int first = TRY(parse_positive(a));
    ++steps;
    int second = TRY(parse_positive(b));
    ++steps;
    TRY(check_even(first + second));
    ++steps;
    return first + second;
}

TEST(ErrorOr, TryYieldsValuesWhenEverythingSucceeds)
{
    int steps = 0;
    auto result = sum_of_two(3, 5, steps);
    ASSERT_FALSE(result.is_error());
    EXPECT_EQ(result.value(), 8);
    EXPECT_EQ(steps, 3);
}

TEST(ErrorOr, TryReturnsFirstErrorAndSkipsTheRest)
{
    int steps = 0;
    auto result = sum_of_two(3, -1, steps);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), EINVAL);
    EXPECT_EQ(steps, 1);

    steps = 0;
    auto odd = sum_of_two(2, 3, steps);
    ASSERT_TRUE(odd.is_error());
    EXPECT_EQ(odd.error().code(), ERANGE);
    EXPECT_EQ(steps, 2);
}

ErrorOr<MoveOnly> make_move_only(int value)
{
    if (value < 0)
        return Error::from_errno(EIO);
    return MoveOnly(value);
}

ErrorOr<int> unwrap_move_only(int value)
{
    MoveOnly object = TRY(make_move_only(value));
    return object.value * 2;
}

TEST(ErrorOr, WorksWithMoveOnlyValuesThroughTry)
{
    EXPECT_EQ(unwrap_move_only(21).value(), 42);
    EXPECT_EQ(unwrap_move_only(-1).error().code(), EIO);

    ErrorOr<OwnPtr<int>> owned = try_make<int>(5);
    ASSERT_FALSE(owned.is_error());
    OwnPtr<int> pointer = owned.release_value();
    EXPECT_EQ(*pointer, 5);
}

TEST(ErrorOr, DestroysItsValueExactlyOnce)
{
    ASSERT_EQ(Tracked::s_alive, 0);
    {
        ErrorOr<Tracked> result = Tracked(1);
        EXPECT_EQ(Tracked::s_alive, 1);
        ErrorOr<Tracked> copy = result;
        EXPECT_EQ(Tracked::s_alive, 2);
        ErrorOr<Tracked> moved = std::move(copy);
        EXPECT_EQ(moved.value().value, 1);
        copy = Error::from_errno(EIO);
        EXPECT_TRUE(copy.is_error());
        EXPECT_EQ(Tracked::s_alive, 2);
        ErrorOr<Tracked> error = Error::from_errno(ENOENT);
        EXPECT_EQ(Tracked::s_alive, 2);
        error = result;
        EXPECT_EQ(Tracked::s_alive, 3);
        EXPECT_EQ(error.value().value, 1);
    }
    EXPECT_EQ(Tracked::s_alive, 0);
}

struct Base {
    virtual ~Base() = default;
    virtual int id() const { return 1; }
};
struct Derived : Base {
    int id() const override { return 2; }
};

ErrorOr<OwnPtr<Base>> make_base()
{
    return adopt_own(new Derived);
}

ErrorOr<size_t> count_something()
{
    return 3; // An int, converted to size_t.
}

TEST(ErrorOr, ConvertsCompatibleValues)
{
    auto base = make_base();
    ASSERT_FALSE(base.is_error());
    EXPECT_EQ(base.value()->id(), 2);
    EXPECT_EQ(count_something().value(), 3u);
    ErrorOr<std::string> text = "characters";
    EXPECT_EQ(text.value(), "characters");
}

TEST(ErrorOr, MustYieldsValueOnSuccess)
{
    int value = MUST(parse_positive(9));
    EXPECT_EQ(value, 9);
    MUST(check_even(4));
}

TEST(ErrorOrDeathTest, MustStopsOnError)
{
    EXPECT_DEATH((void)MUST(parse_positive(0)), "ASSERTION FAILED");
}

TEST(ErrorOrDeathTest, AskingForValueOfErrorStops)
{
    ErrorOr<int> result = parse_positive(0);
    EXPECT_DEATH((void)result.value(), "ASSERTION FAILED");
    ErrorOr<int> fine = parse_positive(1);
    EXPECT_DEATH((void)fine.error(), "ASSERTION FAILED");
}

TEST(ErrorDeathTest, NonPositiveCodeIsRejected)
{
    EXPECT_DEATH((void)Error::from_errno(0), "code > 0");
}

} // namespace
