// The user library's allocator (user/lib/allocator.cc) run on the host over a fake sbrk:
// size classes, large-block reuse and merging, giving memory back at the top of the heap,
// and a random alloc/free/realloc stress that checks contents and invariants throughout.
// The source is compiled into this test directly, since user/lib is not part of the host
// library.
#include "../../user/lib/allocator.cc"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace {

constexpr size_t kArenaSize = 64 << 20;
alignas(4096) char s_arena[kArenaSize];
size_t s_break;
size_t s_high_water;

void* fake_sbrk(intptr_t increment)
{
    if (increment < 0 ? (size_t)-increment > s_break : s_break + (size_t)increment > kArenaSize)
        return (void*)-1;
    char* old = s_arena + s_break;
    s_break += increment;
    if (s_break > s_high_water)
        s_high_water = s_break;
    return old;
}

const char* s_corruption;
void record_corruption(const char* what, void*) { s_corruption = what; }

class UserMalloc : public testing::Test {
protected:
    void SetUp() override
    {
        s_break = 0;
        s_high_water = 0;
        s_corruption = nullptr;
    }
    atlas::Allocator allocator{fake_sbrk, record_corruption};
};

TEST_F(UserMalloc, SmallBlocksAreAlignedAndSizedByClass)
{
    for (size_t size : {1ul, 15ul, 16ul, 17ul, 100ul, 2048ul}) {
        void* p = allocator.allocate(size);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
        EXPECT_GE(allocator.usable_size(p), size);
        EXPECT_LE(allocator.usable_size(p), size < 16 ? 16 : size * 3 / 2 + 16);
        allocator.release(p);
    }
    EXPECT_TRUE(allocator.validate());
}

TEST_F(UserMalloc, FreedSmallBlockIsReusedByItsClass)
{
    void* first = allocator.allocate(40);
    allocator.release(first);
    EXPECT_EQ(allocator.allocate(40), first);
}

TEST_F(UserMalloc, LargeFreeAtTopOfHeapShrinksTheBreak)
{
    size_t before = s_break;
    void* big = allocator.allocate(1 << 20);
    ASSERT_NE(big, nullptr);
    EXPECT_GE(s_break, before + (1 << 20));
    allocator.release(big);
    EXPECT_EQ(s_break, before);
    EXPECT_TRUE(allocator.validate());
}

TEST_F(UserMalloc, AdjacentLargeFreeBlocksMergeAndAreReused)
{
    void* a = allocator.allocate(8192);
    void* b = allocator.allocate(8192);
    void* guard = allocator.allocate(8192);  // Keeps a and b off the top of the heap.
    allocator.release(a);
    allocator.release(b);
    EXPECT_TRUE(allocator.validate());
    size_t top = s_break;
    void* merged = allocator.allocate(16000);
    EXPECT_EQ(s_break, top);  // Served from the merged free blocks, not from sbrk.
    // It lies within the merged span of a and b, which no single one of them could hold.
    EXPECT_GE(static_cast<char*>(merged), static_cast<char*>(a));
    EXPECT_LT(static_cast<char*>(merged), static_cast<char*>(guard));
    allocator.release(merged);
    allocator.release(guard);
    EXPECT_TRUE(allocator.validate());
}

TEST_F(UserMalloc, DoubleFreeIsReported)
{
    void* p = allocator.allocate(24);
    allocator.release(p);
    allocator.release(p);
    ASSERT_NE(s_corruption, nullptr);
    EXPECT_STREQ(s_corruption, "double free");
}

TEST_F(UserMalloc, ExhaustionReturnsNull)
{
    EXPECT_EQ(allocator.allocate(kArenaSize * 2), nullptr);
    EXPECT_EQ(allocator.allocate_zeroed(size_t(1) << 40, size_t(1) << 40), nullptr);
}

TEST_F(UserMalloc, ReallocKeepsContents)
{
    auto* p = static_cast<unsigned char*>(allocator.allocate(10));
    for (int i = 0; i < 10; ++i)
        p[i] = (unsigned char)i;
    p = static_cast<unsigned char*>(allocator.reallocate(p, 100000));
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(p[i], i);
    p = static_cast<unsigned char*>(allocator.reallocate(p, 5));
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(p[i], i);
    allocator.release(p);
    EXPECT_TRUE(allocator.validate());
}

TEST_F(UserMalloc, RandomStressKeepsContentsAndInvariants)
{
    struct Live {
        unsigned char* pointer;
        size_t size;
        unsigned char fill;
    };
    std::mt19937 random(12345);
    std::vector<Live> live;
    auto check = [](const Live& block) {
        for (size_t i = 0; i < block.size; ++i) {
            if (block.pointer[i] != block.fill)
                return false;
        }
        return true;
    };
    for (int step = 0; step < 8000; ++step) {
        int action = random() % 3;
        if (action == 0 || live.empty()) {
            size_t size = random() % 4 == 0 ? random() % 40000 : random() % 600;
            auto* p = static_cast<unsigned char*>(allocator.allocate(size));
            ASSERT_NE(p, nullptr);
            unsigned char fill = (unsigned char)random();
            std::memset(p, fill, size);
            live.push_back({p, size, fill});
        } else if (action == 1) {
            size_t index = random() % live.size();
            ASSERT_TRUE(check(live[index]));
            allocator.release(live[index].pointer);
            live[index] = live.back();
            live.pop_back();
        } else {
            size_t index = random() % live.size();
            Live& block = live[index];
            ASSERT_TRUE(check(block));
            size_t size = random() % 2 ? random() % 50000 : random() % 300;
            auto* p = static_cast<unsigned char*>(allocator.reallocate(block.pointer, size ? size : 1));
            ASSERT_NE(p, nullptr);
            size_t kept = std::min(block.size, size ? size : 1);
            for (size_t i = 0; i < kept; ++i)
                ASSERT_EQ(p[i], block.fill);
            block = {p, size ? size : 1, (unsigned char)random()};
            std::memset(p, block.fill, block.size);
        }
        if (step % 1000 == 0) {
            ASSERT_TRUE(allocator.validate());
        }
    }
    for (const Live& block : live) {
        ASSERT_TRUE(check(block));
        allocator.release(block.pointer);
    }
    EXPECT_TRUE(allocator.validate());
    EXPECT_EQ(s_corruption, nullptr);
}

} // namespace
