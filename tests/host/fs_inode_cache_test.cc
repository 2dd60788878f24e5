// The unused-inode LRU of the inode table (fs/inode_table.h): an inode whose last reference
// goes while it has links and cached pages stays in the table, unreferenced, and a lookup
// revives it with its cache; one without pages, or unlinked, leaves at once; evict_unused()
// takes the least recently used first, skips caches that cannot go, and reports their
// pages; lookups, unlinks and re-creations racing eviction on several threads. The page
// cache is the kernel's FileObject; here a stand-in (FakeCache) records what the table asks.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "fs/inode_table.h"
#include "support/fs_test_support.h"

using fs_test::MountedDisk;

namespace {

// What every FakeCache did, for the concurrent test (which cannot keep pointers to them).
std::atomic<long> g_live_caches { 0 };

// A page cache that holds `pages` imaginary pages. It deletes itself when the table lets go
// of it (evicted or released), as the kernel's drops the inode's reference then.
class FakeCache final : public fs::InodePageCache {
public:
    explicit FakeCache(size_t pages, bool* gone = nullptr)
        : m_pages(pages)
        , m_gone(gone)
    {
        ++g_live_caches;
    }

    ErrorOr<size_t> read(uint64_t, void*, size_t) override { return Error::from_errno(EIO); }
    void inode_released(bool keep_data) override
    {
        last_keep_data = keep_data;
        ++released;
        finish();
    }
    void write_back_before_unused() override { ++write_backs; }
    size_t cached_page_count() const override { return m_pages.load(); }
    std::optional<size_t> evict_if_unused() override
    {
        if (busy.load())
            return std::nullopt;
        size_t pages = m_pages.load();
        finish();
        return pages;
    }

    std::atomic<bool> busy { false };
    static inline std::atomic<int> released { 0 };
    static inline std::atomic<int> write_backs { 0 };
    static inline std::atomic<bool> last_keep_data { false };

private:
    void finish()
    {
        if (m_gone)
            *m_gone = true;
        --g_live_caches;
        delete this;
    }
    ~FakeCache() = default;

    std::atomic<size_t> m_pages;
    bool* m_gone;
};

// Attaches a new FakeCache of `pages` pages to `inode` unless it has a cache; returns it.
FakeCache* attach(fs::Inode& inode, size_t pages, bool* gone = nullptr)
{
    MutexLocker locker(inode.lock());
    if (auto* existing = inode.page_cache())
        return static_cast<FakeCache*>(existing);
    auto* cache = new FakeCache(pages, gone);
    inode.set_page_cache(cache);
    return cache;
}

fs::InodePageCache* cache_of(fs::Inode& inode)
{
    MutexLocker locker(inode.lock());
    return inode.page_cache();
}

}  // namespace

TEST(InodeCache, UnusedInodeWithCachedPagesStaysAndIsRevivedWithItsCache)
{
    MountedDisk disk;
    auto file = disk.create("f");
    fs::Inode* address = file.ptr();
    FakeCache* cache = attach(*file, 3);
    size_t inodes = disk.fs().inode_table().size();
    int write_backs = FakeCache::write_backs;
    file = nullptr;
    EXPECT_EQ(inodes, disk.fs().inode_table().size());
    EXPECT_EQ(1u, disk.fs().inode_table().unused_count());
    EXPECT_EQ(write_backs + 1, FakeCache::write_backs);  // Dirty pages first, at the last close.
    auto again = disk.lookup("f");
    ASSERT_TRUE(again);
    EXPECT_EQ(address, again.ptr());
    EXPECT_EQ(1u, again->ref_count());
    EXPECT_EQ(0u, disk.fs().inode_table().unused_count());
    EXPECT_EQ(cache, cache_of(*again));
    again = nullptr;
    EXPECT_EQ(1u, disk.fs().inode_table().unused_count());
    disk.unmount();  // Evicts it: the table must be empty but for the root.
    EXPECT_EQ(0, g_live_caches.load());
}

TEST(InodeCache, InodeWithNothingCachedLeavesAtItsLastReference)
{
    MountedDisk disk;
    auto file = disk.create("f");
    bool gone = false;
    attach(*file, 0, &gone);
    size_t inodes = disk.fs().inode_table().size();
    file = nullptr;
    EXPECT_TRUE(gone);
    EXPECT_TRUE(FakeCache::last_keep_data);
    EXPECT_EQ(inodes - 1, disk.fs().inode_table().size());
    EXPECT_EQ(0u, disk.fs().inode_table().unused_count());
}

TEST(InodeCache, UnlinkOfAnUnusedInodeFreesItAndItsCacheAtOnce)
{
    MountedDisk disk;
    uint32_t free_inodes = disk.fs().usage().free_inodes;
    uint32_t free_blocks = disk.fs().usage().free_blocks;
    auto file = disk.create("f");
    disk.write(*file, 0, fs_test::pattern(5 * 4096, 7));
    bool gone = false;
    attach(*file, 5, &gone);
    size_t inodes = disk.fs().inode_table().size();
    file = nullptr;
    EXPECT_FALSE(gone);
    EXPECT_EQ(1u, disk.fs().inode_table().unused_count());
    ASSERT_FALSE(disk.fs().unlink(disk.root(), "f").is_error());
    EXPECT_TRUE(gone);
    EXPECT_FALSE(FakeCache::last_keep_data);  // Nothing written back for a file being freed.
    EXPECT_EQ(0u, disk.fs().inode_table().unused_count());
    EXPECT_EQ(inodes - 1, disk.fs().inode_table().size());
    MUST(disk.fs().log().commit_now());
    EXPECT_EQ(free_inodes, disk.fs().usage().free_inodes);
    EXPECT_EQ(free_blocks, disk.fs().usage().free_blocks);
    EXPECT_EQ("", disk.fsck());
}

TEST(InodeCache, UnlinkWhileOpenFreesAtTheLastCloseNotBefore)
{
    MountedDisk disk;
    auto file = disk.create("f");
    bool gone = false;
    attach(*file, 2, &gone);
    ASSERT_FALSE(disk.fs().unlink(disk.root(), "f").is_error());
    EXPECT_FALSE(gone);
    file = nullptr;
    EXPECT_TRUE(gone);
    EXPECT_EQ(0u, disk.fs().inode_table().unused_count());
    MUST(disk.fs().log().commit_now());
    EXPECT_EQ("", disk.fsck());
}

TEST(InodeCache, EvictionTakesTheLeastRecentlyUsedFirstAndCountsTheirPages)
{
    MountedDisk disk;
    bool gone[3] = {};
    const char* names[3] = { "a", "b", "c" };
    for (int i = 0; i < 3; ++i) {
        auto file = disk.create(names[i]);
        attach(*file, size_t(1) << i, &gone[i]);
    }
    // Used in the order a, b, c: a is the oldest. Touching a again makes b the oldest.
    disk.lookup("a");
    EXPECT_EQ(3u, disk.fs().inode_table().unused_count());
    EXPECT_EQ(2u, disk.fs().inode_table().evict_unused(1));  // b (2 pages) is enough.
    EXPECT_FALSE(gone[0]);
    EXPECT_TRUE(gone[1]);
    EXPECT_FALSE(gone[2]);
    EXPECT_EQ(5u, disk.fs().inode_table().evict_unused(SIZE_MAX));  // c, then a.
    EXPECT_TRUE(gone[0] && gone[2]);
    EXPECT_EQ(0u, disk.fs().inode_table().unused_count());
    // Evicted means forgotten: the next lookup reads the inode anew, with no cache.
    auto b = disk.lookup("b");
    ASSERT_TRUE(b);
    EXPECT_EQ(nullptr, cache_of(*b));
}

TEST(InodeCache, ACacheThatCannotGoNowStaysAndIsTriedAgainLater)
{
    MountedDisk disk;
    bool gone = false;
    FakeCache* cache;
    {
        auto file = disk.create("f");
        cache = attach(*file, 4, &gone);
        cache->busy = true;
    }
    EXPECT_EQ(0u, disk.fs().inode_table().evict_unused(SIZE_MAX));
    EXPECT_FALSE(gone);
    EXPECT_EQ(1u, disk.fs().inode_table().unused_count());
    auto again = disk.lookup("f");  // Still revivable, with its cache.
    ASSERT_TRUE(again);
    EXPECT_EQ(cache, cache_of(*again));
    again = nullptr;
    cache->busy = false;
    EXPECT_EQ(4u, disk.fs().inode_table().evict_unused(SIZE_MAX));
    EXPECT_TRUE(gone);
}

// Threads look files up (reviving their inodes, attaching caches to the ones that lost
// theirs), unlink and re-create their own, while another evicts every unused inode again
// and again. The sanitizers catch a revival of a freed inode; the counts must add up, and
// the disk must be clean.
TEST(InodeCache, LookupsUnlinksAndRecreationsRacingEviction)
{
    MountedDisk disk({ .blocks = 4096, .inodes = 256, .log_blocks = 64 });
    constexpr int kShared = 4;
    constexpr int kThreads = 4;
    constexpr int kRounds = 400;
    for (int i = 0; i < kShared; ++i) {
        auto file = disk.create(("s" + std::to_string(i)).c_str());
        disk.write(*file, 0, fs_test::pattern(4096, uint32_t(i)));
    }
    std::atomic<bool> stop { false };
    std::atomic<int> failures { 0 };
    std::thread evictor([&] {
        while (!stop.load())
            disk.fs().inode_table().evict_unused(SIZE_MAX);
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::string own = "own" + std::to_string(t);
            for (int round = 0; round < kRounds; ++round) {
                int i = (t + round) % kShared;
                auto shared = disk.fs().lookup(disk.root(), ("s" + std::to_string(i)).c_str());
                if (shared.is_error() || shared.value()->size() != 4096) {
                    ++failures;
                    continue;
                }
                attach(*shared.value(), 1);
                if (round % 3 == 0) {
                    auto created = disk.fs().create_file(disk.root(), own.c_str());
                    if (created.is_error()) {
                        ++failures;
                        continue;
                    }
                    attach(*created.value(), 2);
                } else if (round % 3 == 2) {
                    if (disk.fs().unlink(disk.root(), own.c_str()).is_error())
                        ++failures;
                } else {
                    auto found = disk.fs().lookup(disk.root(), own.c_str());
                    if (found.is_error())
                        ++failures;
                    else
                        attach(*found.value(), 1);
                }
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    stop = true;
    evictor.join();
    EXPECT_EQ(0, failures.load());
    for (int t = 0; t < kThreads; ++t)
        (void)disk.fs().unlink(disk.root(), ("own" + std::to_string(t)).c_str());
    disk.fs().inode_table().evict_unused(SIZE_MAX);
    EXPECT_EQ(0u, disk.fs().inode_table().unused_count());
    EXPECT_EQ(0, g_live_caches.load());
    MUST(disk.fs().log().commit_now());
    EXPECT_EQ("", disk.fsck());
}
