// BlockCache: one buffer per block, LRU recycling, pinning, and read errors.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "fs/block_cache.h"
#include "support/memory_block_device.h"

namespace {

std::vector<uint8_t> numbered_image(uint32_t blocks)
{
    std::vector<uint8_t> image(size_t(blocks) * fs::kBlockSize);
    for (uint32_t block = 0; block < blocks; ++block)
        std::memset(image.data() + size_t(block) * fs::kBlockSize, int(block & 0xff), fs::kBlockSize);
    return image;
}

}  // namespace

TEST(BlockCache, GetReturnsTheBlocksContents)
{
    MemoryBlockDevice device(numbered_image(16));
    auto cache = MUST(fs::BlockCache::create(device, 64));
    auto buffer = MUST(cache->get(7));
    EXPECT_EQ(7u, buffer.block());
    EXPECT_EQ(7, buffer.data()[0]);
    EXPECT_EQ(7, buffer.data()[fs::kBlockSize - 1]);
}

TEST(BlockCache, SecondGetOfABlockIsAHitWithoutDeviceRead)
{
    MemoryBlockDevice device(numbered_image(16));
    auto cache = MUST(fs::BlockCache::create(device, 64));
    {
        auto buffer = MUST(cache->get(3));
        buffer.data()[0] = 99;  // Changes stay in the cached copy.
    }
    uint64_t reads = device.block_reads();
    auto again = MUST(cache->get(3));
    EXPECT_EQ(99, again.data()[0]);
    EXPECT_EQ(reads, device.block_reads());
    EXPECT_EQ(1u, cache->statistics().hits);
}

TEST(BlockCache, OverwriteSkipsTheReadAndZeroFills)
{
    MemoryBlockDevice device(numbered_image(16));
    auto cache = MUST(fs::BlockCache::create(device, 64));
    auto buffer = MUST(cache->get(5, fs::BlockContents::Overwrite));
    EXPECT_EQ(0u, device.block_reads());
    EXPECT_EQ(0, buffer.data()[0]);
}

TEST(BlockCache, LeastRecentlyUsedBufferIsRecycledAtCapacity)
{
    MemoryBlockDevice device(numbered_image(200));
    auto cache = MUST(fs::BlockCache::create(device, fs::BlockCache::kMinimumCapacity));
    for (uint32_t block = 0; block < 64; ++block)
        MUST(cache->get(block));
    MUST(cache->get(0));  // Block 0 becomes the most recently used; block 1 the least.
    MUST(cache->get(100));
    EXPECT_EQ(64u, cache->statistics().buffers);
    EXPECT_EQ(1u, cache->statistics().evictions);
    uint64_t reads = device.block_reads();
    MUST(cache->get(0));
    EXPECT_EQ(reads, device.block_reads());
    MUST(cache->get(1));
    EXPECT_EQ(reads + 1, device.block_reads());
}

TEST(BlockCache, PinnedBufferIsNeverRecycled)
{
    MemoryBlockDevice device(numbered_image(200));
    auto cache = MUST(fs::BlockCache::create(device, fs::BlockCache::kMinimumCapacity));
    {
        auto buffer = MUST(cache->get(0));
        buffer.data()[0] = 42;  // A change only the cache holds, as in a transaction.
        cache->pin(buffer.buffer());
    }
    for (uint32_t block = 1; block < 150; ++block)
        MUST(cache->get(block));
    auto buffer = MUST(cache->get(0));
    EXPECT_EQ(42, buffer.data()[0]);
    cache->unpin(buffer.buffer());
}

TEST(BlockCache, GrowsPastCapacityWhenEverythingIsInUseAndShrinksBack)
{
    MemoryBlockDevice device(numbered_image(200));
    auto cache = MUST(fs::BlockCache::create(device, fs::BlockCache::kMinimumCapacity));
    {
        std::vector<fs::BufferHandle> held;
        for (uint32_t block = 0; block < 80; ++block)
            held.push_back(MUST(cache->get(block)));
        EXPECT_EQ(80u, cache->statistics().buffers);
    }
    EXPECT_EQ(64u, cache->statistics().buffers);
}

TEST(BlockCache, ShrinkFreesUnusedBuffersLeastRecentlyUsedFirst)
{
    MemoryBlockDevice device(numbered_image(16));
    auto cache = MUST(fs::BlockCache::create(device, 64));
    for (uint32_t block = 0; block < 8; ++block)
        MUST(cache->get(block));
    MUST(cache->get(0));  // Block 0 becomes the most recently used; 1 and 2 the least.
    EXPECT_EQ(8u, cache->statistics().unused);
    EXPECT_EQ(2u, cache->shrink(2));
    EXPECT_EQ(6u, cache->statistics().buffers);
    uint64_t reads = device.block_reads();
    MUST(cache->get(0));
    MUST(cache->get(3));
    EXPECT_EQ(reads, device.block_reads());  // Still cached.
    MUST(cache->get(1));
    MUST(cache->get(2));
    EXPECT_EQ(reads + 2, device.block_reads());  // Shrunk away, read again.
}

TEST(BlockCache, ShrinkLeavesReferencedAndPinnedBuffers)
{
    MemoryBlockDevice device(numbered_image(16));
    auto cache = MUST(fs::BlockCache::create(device, 64));
    auto held = MUST(cache->get(0));
    {
        auto pinned = MUST(cache->get(1));
        pinned.data()[0] = 42;  // A change only the cache holds, as in a transaction.
        cache->pin(pinned.buffer());
    }
    MUST(cache->get(2));
    EXPECT_EQ(1u, cache->statistics().unused);
    EXPECT_EQ(1u, cache->shrink(SIZE_MAX));
    EXPECT_EQ(2u, cache->statistics().buffers);
    auto pinned = MUST(cache->get(1));
    EXPECT_EQ(42, pinned.data()[0]);
    cache->unpin(pinned.buffer());
}

TEST(BlockCache, FailedReadIsEioAndTheNextGetRetries)
{
    MemoryBlockDevice device(numbered_image(16));
    auto cache = MUST(fs::BlockCache::create(device, 64));
    EXPECT_EQ(EIO, cache->get(16).error().code());  // Beyond the device.
    auto buffer = MUST(cache->get(15));
    EXPECT_EQ(15, buffer.data()[0]);
}

TEST(BlockCache, CapacityComesFromMemoryWithAFloor)
{
    EXPECT_EQ(fs::BlockCache::kMinimumCapacity, fs::BlockCache::capacity_for_memory(100));
    EXPECT_EQ(1024u, fs::BlockCache::capacity_for_memory(16384));
}

TEST(BlockCache, ConcurrentGetsOfOneBlockShareOneBuffer)
{
    MemoryBlockDevice device(numbered_image(64));
    auto cache = MUST(fs::BlockCache::create(device, 64));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 400; ++i) {
                auto buffer = MUST(cache->get(uint32_t(i % 8)));
                // The buffer lock makes this read-modify-write exclusive.
                buffer.data()[1]++;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    // 1600 increments spread evenly over 8 blocks: 200 each, none lost.
    for (uint32_t block = 0; block < 8; ++block) {
        auto buffer = MUST(cache->get(block));
        EXPECT_EQ(uint8_t(block + 200), buffer.data()[1]) << block;
    }
    EXPECT_EQ(8u, cache->statistics().buffers);
}
