// Inodes and their block maps: allocation on write across the direct / indirect /
// double-indirect boundaries, holes, shrinking that frees indirect blocks, and the one
// in-memory inode per number.
#include <gtest/gtest.h>

#include "fs/path.h"
#include "support/fs_test_support.h"

using fs_test::MountedDisk;

namespace {

// Maps file block `index` of `inode` in its own transaction; returns the disk block.
fs::BlockNumber map_for_writing(MountedDisk& disk, fs::Inode& inode, uint64_t index)
{
    auto transaction = MUST(disk.fs().log().begin(inode.write_reservation(index, 1)));
    MutexLocker locker(inode.lock());
    fs::MappedBlock mapped = MUST(inode.block_for_writing(transaction, index));
    EXPECT_TRUE(mapped.fresh);
    if (inode.size() < (index + 1) * fs::kBlockSize) {
        inode.disk().size = (index + 1) * fs::kBlockSize;
        MUST(inode.write_back(transaction));
    }
    locker.unlock();
    MUST(transaction.end());
    return mapped.block;
}

}  // namespace

TEST(Inode, BlockMapAllocatesIndirectBlocksOnlyWhenCrossingIntoThem)
{
    MountedDisk disk;
    auto file = disk.create("f");
    uint32_t free = disk.fs().usage().free_blocks;
    map_for_writing(disk, *file, 11);
    EXPECT_EQ(free - 1, disk.fs().usage().free_blocks);  // Direct: the data block only.
    map_for_writing(disk, *file, 12);
    EXPECT_EQ(free - 3, disk.fs().usage().free_blocks);  // Plus the indirect block.
    map_for_writing(disk, *file, 1035);
    EXPECT_EQ(free - 4, disk.fs().usage().free_blocks);
    map_for_writing(disk, *file, 1036);
    EXPECT_EQ(free - 7, disk.fs().usage().free_blocks);  // Double-indirect, its table, data.
    map_for_writing(disk, *file, 1036 + 1024);
    EXPECT_EQ(free - 9, disk.fs().usage().free_blocks);  // A second table, data.
}

TEST(Inode, HolesMapToZeroAndMappedBlocksAreStable)
{
    MountedDisk disk;
    auto file = disk.create("f");
    fs::BlockNumber block = map_for_writing(disk, *file, 2000);
    MutexLocker locker(file->lock());
    EXPECT_EQ(0u, MUST(file->block_for(1999)));
    EXPECT_EQ(0u, MUST(file->block_for(5)));
    EXPECT_EQ(block, MUST(file->block_for(2000)));
    EXPECT_EQ(EFBIG, file->block_for(fs::kMaxFileBlocks).error().code());
}

TEST(Inode, ShrinkFreesEmptiedIndirectBlocksInBoundedSteps)
{
    MountedDisk disk;
    auto file = disk.create("f");
    uint32_t free = disk.fs().usage().free_blocks;
    std::string data = fs_test::pattern(1100 * 4096, 1);
    disk.write(*file, 0, data);
    EXPECT_EQ(free - 1100 - 3, disk.fs().usage().free_blocks);

    // One step of at most 50 blocks frees exactly 50 from the end and leaves a consistent size.
    {
        auto transaction = MUST(disk.fs().log().begin(file->shrink_reservation(50)));
        MutexLocker locker(file->lock());
        MUST(file->shrink_step(transaction, 0, 50));
        EXPECT_EQ(1050u * 4096, file->size());
        locker.unlock();
        MUST(transaction.end());
    }
    EXPECT_EQ(free - 1050 - 3, disk.fs().usage().free_blocks);
    EXPECT_EQ("", disk.fsck());

    MUST(disk.fs().truncate(*file, 12 * 4096));
    EXPECT_EQ(free - 12, disk.fs().usage().free_blocks);  // Both indirect levels are gone.
    EXPECT_EQ(data.substr(0, 12 * 4096), disk.read_all(*file));
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(Inode, OneInMemoryInodePerNumber)
{
    MountedDisk disk;
    auto created = disk.create("same");
    auto first = disk.lookup("same");
    auto second = disk.lookup("/./same");
    EXPECT_EQ(created.ptr(), first.ptr());
    EXPECT_EQ(first.ptr(), second.ptr());
    size_t before = disk.fs().inode_table().size();
    created = nullptr;
    first = nullptr;
    EXPECT_EQ(before, disk.fs().inode_table().size());
    second = nullptr;
    EXPECT_EQ(before - 1, disk.fs().inode_table().size());
}

TEST(Inode, InodeNumberOutOfRangeIsEio)
{
    MountedDisk disk;
    EXPECT_EQ(EIO, disk.fs().inode_table().get(0).error().code());
    EXPECT_EQ(EIO, disk.fs().inode_table().get(100000).error().code());
    EXPECT_EQ(EIO, disk.fs().inode_table().get(5).error().code());  // Free.
}

TEST(Inode, FreedInodeNumberIsReused)
{
    MountedDisk disk;
    fs::InodeNumber number = disk.create("a")->number();
    MUST(disk.fs().unlink(disk.root(), "a"));
    EXPECT_FALSE(disk.fs().create_file(disk.root(), "b").is_error());
    // The cursor moves on, but a full cycle comes back to the freed number.
    EXPECT_NE(number, disk.lookup("b")->number());
    EXPECT_EQ("", disk.fsck());
}
