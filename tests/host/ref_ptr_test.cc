// Behaviour of RefCounted/RefPtr and OwnPtr, including fallible construction.
#include <atomic>
#include <cstddef>
#include <new>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "lib/own_ptr.h"
#include "lib/ref_ptr.h"

// Replaces the nothrow operator new for this test program so that tests can make
// allocations fail. Unarmed, it forwards to the ordinary (sanitizer-tracked) new.
namespace {
bool g_fail_nothrow_allocations = false;
}

void* operator new(std::size_t size, const std::nothrow_t&) noexcept
{
    if (g_fail_nothrow_allocations)
        return nullptr;
    try {
        return ::operator new(size);
    } catch (...) {
        return nullptr;
    }
}

namespace {

struct Counter : RefCounted<Counter> {
    static inline int s_alive = 0;
    int value;
    explicit Counter(int v)
        : value(v)
    {
        ++s_alive;
    }
    ~Counter() { --s_alive; }
};

struct Shape : RefCounted<Shape> {
    static inline int s_alive = 0;
    Shape() { ++s_alive; }
    virtual ~Shape() { --s_alive; }
    virtual int sides() const { return 0; }
};

struct Square : Shape {
    int sides() const override { return 4; }
};

class RefPtrTest : public ::testing::Test {
protected:
    void TearDown() override
    {
        EXPECT_EQ(Counter::s_alive, 0) << "a Counter leaked or was freed twice";
        EXPECT_EQ(Shape::s_alive, 0);
        g_fail_nothrow_allocations = false;
    }
};

TEST_F(RefPtrTest, AdoptTakesOverTheInitialReference)
{
    Counter* raw = new Counter(1);
    EXPECT_EQ(raw->ref_count(), 1u);
    {
        RefPtr<Counter> pointer = adopt_ref(*raw);
        EXPECT_EQ(pointer->ref_count(), 1u);
        EXPECT_EQ(Counter::s_alive, 1);
    }
    EXPECT_EQ(Counter::s_alive, 0);
}

TEST_F(RefPtrTest, CopiesShareTheObjectAndCountReferences)
{
    RefPtr<Counter> first = MUST(try_make_ref_counted<Counter>(5));
    {
        RefPtr<Counter> second = first;
        RefPtr<Counter> third(second);
        EXPECT_EQ(first->ref_count(), 3u);
        EXPECT_EQ(second.ptr(), first.ptr());
        EXPECT_EQ(third->value, 5);
    }
    EXPECT_EQ(first->ref_count(), 1u);
    EXPECT_EQ(Counter::s_alive, 1);
}

TEST_F(RefPtrTest, MoveTransfersWithoutChangingTheCount)
{
    RefPtr<Counter> source = MUST(try_make_ref_counted<Counter>(1));
    Counter* raw = source.ptr();
    RefPtr<Counter> target = std::move(source);
    EXPECT_TRUE(source.is_null());
    EXPECT_EQ(target.ptr(), raw);
    EXPECT_EQ(raw->ref_count(), 1u);
}

TEST_F(RefPtrTest, DroppingLastReferenceDeletesObject)
{
    RefPtr<Counter> pointer = MUST(try_make_ref_counted<Counter>(1));
    RefPtr<Counter> other = pointer;
    pointer = nullptr;
    EXPECT_EQ(Counter::s_alive, 1);
    other.clear();
    EXPECT_EQ(Counter::s_alive, 0);
    EXPECT_FALSE(other);
}

TEST_F(RefPtrTest, AssigningAnotherObjectReleasesTheOldOne)
{
    RefPtr<Counter> pointer = MUST(try_make_ref_counted<Counter>(1));
    RefPtr<Counter> replacement = MUST(try_make_ref_counted<Counter>(2));
    pointer = replacement;
    EXPECT_EQ(Counter::s_alive, 1);
    EXPECT_EQ(pointer->value, 2);
    EXPECT_EQ(replacement->ref_count(), 2u);
}

TEST_F(RefPtrTest, SelfAssignmentKeepsObjectAlive)
{
    RefPtr<Counter> pointer = MUST(try_make_ref_counted<Counter>(1));
    RefPtr<Counter>& alias = pointer;
    pointer = alias;
    EXPECT_EQ(Counter::s_alive, 1);
    EXPECT_EQ(pointer->ref_count(), 1u);
    pointer = std::move(alias);
    EXPECT_EQ(Counter::s_alive, 1);
    EXPECT_EQ(pointer->ref_count(), 1u);
}

TEST_F(RefPtrTest, RawReferenceConstructionTakesANewReference)
{
    RefPtr<Counter> owner = MUST(try_make_ref_counted<Counter>(1));
    Counter& object = *owner;
    RefPtr<Counter> from_reference(object);
    RefPtr<Counter> from_pointer(&object);
    EXPECT_EQ(object.ref_count(), 3u);
}

TEST_F(RefPtrTest, LeakedReferenceKeepsObjectUntilReadopted)
{
    RefPtr<Counter> pointer = MUST(try_make_ref_counted<Counter>(1));
    Counter* leaked = pointer.leak_ref();
    EXPECT_TRUE(pointer.is_null());
    EXPECT_EQ(Counter::s_alive, 1);
    RefPtr<Counter> back = adopt_ref(*leaked);
    EXPECT_EQ(back->ref_count(), 1u);
}

TEST_F(RefPtrTest, DerivedConvertsToBaseAndDeletesThroughVirtualDestructor)
{
    RefPtr<Square> square = MUST(try_make_ref_counted<Square>());
    RefPtr<Shape> shape = square;
    EXPECT_EQ(shape->sides(), 4);
    EXPECT_EQ(shape, square);
    square = nullptr;
    RefPtr<Shape> moved = std::move(shape);
    EXPECT_EQ(Shape::s_alive, 1);
    moved.clear();
    EXPECT_EQ(Shape::s_alive, 0);
}

TEST_F(RefPtrTest, ComparesByIdentity)
{
    RefPtr<Counter> a = MUST(try_make_ref_counted<Counter>(1));
    RefPtr<Counter> b = MUST(try_make_ref_counted<Counter>(1));
    RefPtr<Counter> a2 = a;
    RefPtr<Counter> null;
    EXPECT_EQ(a, a2);
    EXPECT_NE(a, b);
    EXPECT_EQ(null, nullptr);
    EXPECT_NE(a, nullptr);
    EXPECT_EQ(a, a.ptr());
}

TEST_F(RefPtrTest, ConcurrentCopiesKeepTheCountExact)
{
    RefPtr<Counter> shared = MUST(try_make_ref_counted<Counter>(1));
    constexpr int kThreads = 4;
    constexpr int kIterations = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&shared] {
            for (int i = 0; i < kIterations; ++i) {
                RefPtr<Counter> copy = shared;
                RefPtr<Counter> another = copy;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(shared->ref_count(), 1u);
    EXPECT_EQ(Counter::s_alive, 1);
}

TEST_F(RefPtrTest, TryMakeRefCountedReportsEnomemWhenAllocationFails)
{
    g_fail_nothrow_allocations = true;
    auto result = try_make_ref_counted<Counter>(1);
    g_fail_nothrow_allocations = false;
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOMEM);
    EXPECT_EQ(Counter::s_alive, 0);
}

TEST(RefPtrDeathTest, DereferencingNullStops)
{
    RefPtr<Counter> null;
    EXPECT_DEATH((void)null->value, "ASSERTION FAILED");
}

struct Owned {
    static inline int s_alive = 0;
    int value;
    explicit Owned(int v)
        : value(v)
    {
        ++s_alive;
    }
    virtual ~Owned() { --s_alive; }
};

struct OwnedChild : Owned {
    OwnedChild()
        : Owned(7)
    {
    }
};

class OwnPtrTest : public ::testing::Test {
protected:
    void TearDown() override
    {
        EXPECT_EQ(Owned::s_alive, 0);
        g_fail_nothrow_allocations = false;
    }
};

TEST_F(OwnPtrTest, DeletesObjectWhenDestroyed)
{
    {
        OwnPtr<Owned> pointer = MUST(try_make<Owned>(3));
        EXPECT_EQ(Owned::s_alive, 1);
        EXPECT_EQ(pointer->value, 3);
    }
    EXPECT_EQ(Owned::s_alive, 0);
}

TEST_F(OwnPtrTest, MoveTransfersOwnership)
{
    OwnPtr<Owned> source = MUST(try_make<Owned>(3));
    Owned* raw = source.ptr();
    OwnPtr<Owned> target = std::move(source);
    EXPECT_TRUE(source.is_null());
    EXPECT_EQ(target.ptr(), raw);
    EXPECT_EQ(Owned::s_alive, 1);
    OwnPtr<Owned> other = MUST(try_make<Owned>(4));
    target = std::move(other);
    EXPECT_EQ(Owned::s_alive, 1);
    EXPECT_EQ(target->value, 4);
}

TEST_F(OwnPtrTest, LeakPtrReleasesOwnership)
{
    OwnPtr<Owned> pointer = adopt_own(new Owned(1));
    Owned* raw = pointer.leak_ptr();
    EXPECT_TRUE(pointer.is_null());
    EXPECT_EQ(Owned::s_alive, 1);
    delete raw;
}

TEST_F(OwnPtrTest, DerivedConvertsToBase)
{
    OwnPtr<OwnedChild> child = MUST(try_make<OwnedChild>());
    OwnPtr<Owned> base = std::move(child);
    EXPECT_EQ(base->value, 7);
    EXPECT_TRUE(child.is_null());
    base = nullptr;
    EXPECT_EQ(Owned::s_alive, 0);
}

TEST_F(OwnPtrTest, TryMakeReportsEnomemWhenAllocationFails)
{
    g_fail_nothrow_allocations = true;
    auto result = try_make<Owned>(1);
    g_fail_nothrow_allocations = false;
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOMEM);
}

} // namespace
