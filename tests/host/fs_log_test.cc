// Log: commit writes home locations and clears the header; a committed but uninstalled
// transaction is replayed at mount; a torn header is not; operations share a transaction.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "fs/block_cache.h"
#include "fs/log.h"
#include "support/fs_test_support.h"

namespace {

fs::Superblock superblock_of(const std::vector<uint8_t>& image)
{
    fs::Superblock superblock;
    std::memcpy(&superblock, image.data() + fs::kBlockSize, sizeof(superblock));
    return superblock;
}

const uint8_t* block_of(const std::vector<uint8_t>& image, uint32_t block)
{
    return image.data() + size_t(block) * fs::kBlockSize;
}

struct LogFixture {
    LogFixture()
        : image(fs_test::formatted_image())
        , superblock(superblock_of(image))
        , device(image)
        , cache(MUST(fs::BlockCache::create(device, 64)))
        , log(MUST(fs::Log::create(*cache, superblock)))
    {
    }

    // Changes `count` data blocks from the first, filling each with `value`, in one operation.
    void change_blocks(uint32_t count, uint8_t value)
    {
        auto transaction = MUST(log->begin(count));
        for (uint32_t i = 0; i < count; ++i) {
            auto buffer = MUST(cache->get(superblock.data_start + 10 + i));
            std::memset(buffer.data(), value, fs::kBlockSize);
            transaction.add(buffer);
        }
        MUST(transaction.end());
    }

    std::vector<uint8_t> image;
    fs::Superblock superblock;
    MemoryBlockDevice device;
    OwnPtr<fs::BlockCache> cache;
    OwnPtr<fs::Log> log;
};

}  // namespace

TEST(Log, CommitInstallsBlocksAndClearsTheHeader)
{
    LogFixture fixture;
    fixture.change_blocks(3, 0x5a);
    auto image = fixture.device.image();
    for (uint32_t i = 0; i < 3; ++i)
        EXPECT_EQ(0x5a, block_of(image, fixture.superblock.data_start + 10 + i)[100]);
    fs::LogHeader header;
    std::memcpy(&header, block_of(image, fixture.superblock.log_start), sizeof(header));
    EXPECT_EQ(fs::kLogMagic, header.magic);
    EXPECT_EQ(0u, header.count);
    EXPECT_EQ(1u, fixture.log->commit_count());
    // Logged twice (slot and home), header twice (commit and clear).
    EXPECT_EQ(3u * 2 + 2, fixture.device.block_writes());
}

TEST(Log, CommittedTransactionIsReplayedAfterACrashBeforeInstall)
{
    LogFixture fixture;
    // Cut the power right after the commit point: the three slots and the header.
    fixture.device.cut_power_after(4);
    fixture.change_blocks(3, 0x77);
    auto crashed = fixture.device.durable_image();
    EXPECT_NE(0x77, block_of(crashed, fixture.superblock.data_start + 10)[0]);

    MemoryBlockDevice rebooted(crashed);
    auto cache = MUST(fs::BlockCache::create(rebooted, 64));
    auto log = MUST(fs::Log::create(*cache, fixture.superblock));
    MUST(log->recover());
    auto image = rebooted.image();
    for (uint32_t i = 0; i < 3; ++i)
        EXPECT_EQ(0x77, block_of(image, fixture.superblock.data_start + 10 + i)[0]);
    fs::LogHeader header;
    std::memcpy(&header, block_of(image, fixture.superblock.log_start), sizeof(header));
    EXPECT_EQ(0u, header.count);
}

TEST(Log, TransactionCutBeforeTheCommitPointLeavesNoTrace)
{
    LogFixture fixture;
    auto before = fixture.device.image();
    fixture.device.cut_power_after(3);  // The slots, but not the header.
    fixture.change_blocks(3, 0x77);
    MemoryBlockDevice rebooted(fixture.device.durable_image());
    auto cache = MUST(fs::BlockCache::create(rebooted, 64));
    auto log = MUST(fs::Log::create(*cache, fixture.superblock));
    MUST(log->recover());
    auto after = rebooted.image();
    for (uint32_t block = fixture.superblock.inode_bitmap_start; block < 4096; ++block)
        ASSERT_EQ(0, std::memcmp(block_of(before, block), block_of(after, block), fs::kBlockSize)) << block;
}

TEST(Log, TornHeaderIsNotReplayed)
{
    LogFixture fixture;
    fixture.device.cut_power_after(3);  // Two slots and the header.
    fixture.change_blocks(2, 0x33);
    auto crashed = fixture.device.durable_image();
    // Damage the committed header's list of blocks: its checksum no longer matches.
    crashed[size_t(fixture.superblock.log_start) * fs::kBlockSize + 16] ^= 0xff;
    MemoryBlockDevice rebooted(crashed);
    auto cache = MUST(fs::BlockCache::create(rebooted, 64));
    auto log = MUST(fs::Log::create(*cache, fixture.superblock));
    MUST(log->recover());
    EXPECT_NE(0x33, block_of(rebooted.image(), fixture.superblock.data_start + 10)[0]);
}

TEST(Log, HeaderNamingBlocksOutsideTheFileSystemIsRefused)
{
    LogFixture fixture;
    fixture.device.cut_power_after(3);
    fixture.change_blocks(2, 0x33);
    auto crashed = fixture.device.durable_image();
    fs::LogHeader header;
    size_t offset = size_t(fixture.superblock.log_start) * fs::kBlockSize;
    std::memcpy(&header, crashed.data() + offset, sizeof(header));
    header.blocks[0] = fixture.superblock.block_count + 5;
    header.checksum = fs::log_header_checksum(header);
    std::memcpy(crashed.data() + offset, &header, sizeof(header));
    MemoryBlockDevice rebooted(crashed);
    auto cache = MUST(fs::BlockCache::create(rebooted, 64));
    auto log = MUST(fs::Log::create(*cache, fixture.superblock));
    EXPECT_EQ(EINVAL, log->recover().error().code());
}

TEST(Log, ConcurrentOperationsCommitTogether)
{
    LogFixture fixture;
    auto first = MUST(fixture.log->begin(2));
    auto second = MUST(fixture.log->begin(2));
    {
        auto buffer = MUST(fixture.cache->get(fixture.superblock.data_start + 1));
        buffer.data()[0] = 1;
        first.add(buffer);
        second.add(buffer);  // The same block in both: logged once.
    }
    MUST(first.end());
    EXPECT_EQ(0u, fixture.log->commit_count());  // The second is still running.
    MUST(second.end());
    EXPECT_EQ(1u, fixture.log->commit_count());
    EXPECT_EQ(1u * 2 + 2, fixture.device.block_writes());
}

TEST(Log, BeginWaitsUntilTheLogHasRoom)
{
    LogFixture fixture;
    uint32_t capacity = fixture.log->capacity();
    auto big = MUST(fixture.log->begin(capacity));
    std::atomic<bool> started { false };
    std::thread waiter([&] {
        auto small = MUST(fixture.log->begin(1));
        started = true;
        MUST(small.end());
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(started);
    MUST(big.end());
    waiter.join();
    EXPECT_TRUE(started);
}

TEST(Log, CommitNowWaitsForRunningOperations)
{
    LogFixture fixture;
    auto running = MUST(fixture.log->begin(1));
    {
        auto buffer = MUST(fixture.cache->get(fixture.superblock.data_start + 2));
        buffer.data()[0] = 9;
        running.add(buffer);
    }
    std::atomic<bool> committed { false };
    std::thread syncer([&] {
        MUST(fixture.log->commit_now());
        committed = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(committed);
    MUST(running.end());
    syncer.join();
    EXPECT_TRUE(committed);
    EXPECT_EQ(9, block_of(fixture.device.image(), fixture.superblock.data_start + 2)[0]);
}
