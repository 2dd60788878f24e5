// FileSystem as system calls will use it: files, directories, links, truncation, full
// disks, mount validation, and the VM's page hooks, each checked against fsck afterwards.
#include <gtest/gtest.h>

#include <cstring>

#include "fs/block_memory.h"
#include "support/fs_test_support.h"

using fs_test::MountedDisk;
using fs_test::pattern;

TEST(FileSystem, WrittenDataReadsBackAndSurvivesRemount)
{
    MountedDisk disk;
    {
        auto file = disk.create("hello.txt");
        disk.write(*file, 0, "hello, world");
        EXPECT_EQ("hello, world", disk.read_all(*file));
        EXPECT_EQ("world", disk.read(*file, 7, 100));
        EXPECT_EQ("", disk.read(*file, 12, 10));
    }
    disk.remount();
    auto file = disk.lookup("/hello.txt");
    ASSERT_TRUE(file);
    EXPECT_EQ("hello, world", disk.read_all(*file));
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, OverwriteInTheMiddleKeepsTheRest)
{
    MountedDisk disk;
    auto file = disk.create("f");
    std::string data = pattern(3 * 4096 + 100, 1);
    disk.write(*file, 0, data);
    disk.write(*file, 4000, "XYZXYZXYZXYZ");
    data.replace(4000, 12, "XYZXYZXYZXYZ");
    EXPECT_EQ(data, disk.read_all(*file));
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, WritePastTheEndLeavesAHoleOfZeros)
{
    MountedDisk disk;
    auto file = disk.create("sparse");
    disk.write(*file, 0, "abc");
    disk.write(*file, 5 * 4096 + 10, "end");
    std::string expected = "abc" + std::string(5 * 4096 + 10 - 3, '\0') + "end";
    EXPECT_EQ(expected, disk.read_all(*file));
    EXPECT_EQ(2u, disk.fs().stat(*file).blocks);
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, TruncateDownThenUpReadsZerosWhereDataWas)
{
    MountedDisk disk;
    auto file = disk.create("t");
    uint32_t free_before = disk.fs().usage().free_blocks;
    disk.write(*file, 0, pattern(20 * 4096, 2));
    ASSERT_FALSE(disk.fs().truncate(*file, 100).is_error());
    EXPECT_EQ(100u, disk.fs().stat(*file).size);
    EXPECT_EQ(free_before - 1, disk.fs().usage().free_blocks);  // Only block 0 stays, no indirect.
    ASSERT_FALSE(disk.fs().truncate(*file, 3 * 4096).is_error());
    std::string expected = pattern(20 * 4096, 2).substr(0, 100) + std::string(3 * 4096 - 100, '\0');
    EXPECT_EQ(expected, disk.read_all(*file));
    ASSERT_FALSE(disk.fs().truncate(*file, 0).is_error());
    EXPECT_EQ(free_before, disk.fs().usage().free_blocks);
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, GrowingAfterWritePageTailDoesNotExposeItsBytes)
{
    MountedDisk disk;
    auto file = disk.create("tail");
    disk.write(*file, 0, "0123456789");
    // The VM writes the whole last page, garbage beyond the end of file included.
    void* frame = fs::allocate_block_memory().release_value();
    std::memset(frame, 'G', 4096);
    std::memcpy(frame, "0123456789", 10);
    ASSERT_FALSE(disk.fs().write_page(*file, 0, frame, 10).is_error());
    fs::free_block_memory(frame);
    disk.write(*file, 20, "x");
    EXPECT_EQ(std::string("0123456789") + std::string(10, '\0') + "x", disk.read_all(*file));
}

TEST(FileSystem, UnlinkedFileStaysReadableWhileOpenAndIsFreedAtLastReference)
{
    MountedDisk disk;
    uint32_t free_blocks = disk.fs().usage().free_blocks;
    uint32_t free_inodes = disk.fs().usage().free_inodes;
    auto file = disk.create("doomed");
    disk.write(*file, 0, pattern(50 * 4096, 3));
    ASSERT_FALSE(disk.fs().unlink(disk.root(), "doomed").is_error());
    EXPECT_FALSE(disk.lookup("doomed"));
    EXPECT_EQ(0u, disk.fs().stat(*file).link_count);
    EXPECT_EQ(pattern(50 * 4096, 3), disk.read_all(*file));
    disk.write(*file, 0, "still writable");
    EXPECT_LT(disk.fs().usage().free_blocks, free_blocks);
    file = nullptr;
    EXPECT_EQ(free_blocks, disk.fs().usage().free_blocks);
    EXPECT_EQ(free_inodes, disk.fs().usage().free_inodes);
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, OrphanLeftByACrashIsFreedAtMount)
{
    MountedDisk disk;
    uint32_t free_blocks = disk.fs().usage().free_blocks;
    auto file = disk.create("orphan");
    disk.write(*file, 0, pattern(30 * 4096, 4));
    ASSERT_FALSE(disk.fs().unlink(disk.root(), "orphan").is_error());
    // The machine stops while the file is open: take the disk as it is now.
    MemoryBlockDevice after_crash(disk.device.image());
    EXPECT_NE("", fs_test::fsck_problems(after_crash.image()));
    {
        auto mounted = fs::FileSystem::mount(after_crash);
        ASSERT_FALSE(mounted.is_error());
        EXPECT_EQ(free_blocks, mounted.value()->usage().free_blocks);
        ASSERT_FALSE(mounted.value()->unmount().is_error());
    }
    EXPECT_EQ("", fs_test::fsck_problems(after_crash.image()));
}

TEST(FileSystem, HardLinksShareContentsAndCountLinks)
{
    MountedDisk disk;
    auto file = disk.create("a");
    disk.write(*file, 0, "shared");
    ASSERT_FALSE(disk.fs().make_directory(disk.root(), "dir").is_error());
    ASSERT_FALSE(disk.fs().link(disk.root(), "a", "dir/b").is_error());
    EXPECT_EQ(2u, disk.fs().stat(*file).link_count);
    auto other = disk.lookup("/dir/b");
    ASSERT_TRUE(other);
    EXPECT_EQ(file.ptr(), other.ptr());
    EXPECT_EQ(EEXIST, disk.fs().link(disk.root(), "a", "dir/b").error().code());
    EXPECT_EQ(EPERM, disk.fs().link(disk.root(), "dir", "dir2").error().code());
    ASSERT_FALSE(disk.fs().unlink(disk.root(), "a").is_error());
    EXPECT_EQ("shared", disk.read_all(*other));
    EXPECT_EQ(1u, disk.fs().stat(*file).link_count);
    file = nullptr;
    other = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, DirectoriesNestAndRemoveOnlyWhenEmpty)
{
    MountedDisk disk;
    ASSERT_FALSE(disk.fs().make_directory(disk.root(), "a").is_error());
    ASSERT_FALSE(disk.fs().make_directory(disk.root(), "a/b").is_error());
    EXPECT_EQ(3u, disk.fs().stat(*disk.lookup("a")).link_count);
    EXPECT_EQ(3u, disk.fs().stat(disk.root()).link_count);
    ASSERT_TRUE(disk.create("a/b/file"));
    EXPECT_EQ(EEXIST, disk.fs().make_directory(disk.root(), "a/b").error().code());
    EXPECT_EQ(ENOTEMPTY, disk.fs().remove_directory(disk.root(), "a/b").error().code());
    EXPECT_EQ(EISDIR, disk.fs().unlink(disk.root(), "a/b").error().code());
    EXPECT_EQ(ENOTDIR, disk.fs().remove_directory(disk.root(), "a/b/file").error().code());
    EXPECT_EQ(ENOTDIR, disk.fs().create_file(disk.root(), "a/b/file/x").error().code());
    EXPECT_EQ(ENOENT, disk.fs().create_file(disk.root(), "a/missing/x").error().code());
    EXPECT_EQ(EINVAL, disk.fs().remove_directory(disk.root(), "a/.").error().code());
    EXPECT_EQ(EBUSY, disk.fs().remove_directory(disk.root(), "/").error().code());
    ASSERT_FALSE(disk.fs().unlink(disk.root(), "a/b/file").is_error());
    ASSERT_FALSE(disk.fs().remove_directory(disk.root(), "a/b").is_error());
    EXPECT_EQ(2u, disk.fs().stat(*disk.lookup("a")).link_count);
    EXPECT_FALSE(disk.lookup("a/b"));
    EXPECT_EQ("", disk.fsck());
    disk.remount();
    EXPECT_TRUE(disk.lookup("a"));
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, FilesCrossingEveryBlockMapBoundaryReadBack)
{
    MountedDisk disk;
    auto file = disk.create("big");
    // The last direct block, the first and last single-indirect, the first double-indirect
    // block, and the very last block a file can have.
    const uint64_t indices[] = { 11, 12, 1035, 1036, 1036 + 1024 * 1024 - 1 };
    for (uint64_t index : indices)
        disk.write(*file, index * 4096, pattern(4096, uint32_t(index)));
    EXPECT_EQ(fs::kMaxFileSize, disk.fs().stat(*file).size);
    for (uint64_t index : indices)
        EXPECT_EQ(pattern(4096, uint32_t(index)), disk.read(*file, index * 4096, 4096)) << index;
    EXPECT_EQ(std::string(4096, '\0'), disk.read(*file, 2000 * 4096, 4096));
    EXPECT_EQ(EFBIG, disk.fs().write(*file, fs::kMaxFileSize, "x", 1).error().code());
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
    disk.remount();
    file = disk.lookup("big");
    for (uint64_t index : indices)
        EXPECT_EQ(pattern(4096, uint32_t(index)), disk.read(*file, index * 4096, 4096)) << index;
    uint32_t free_before = disk.fs().usage().free_blocks;
    ASSERT_FALSE(disk.fs().truncate(*file, 1036 * 4096).is_error());
    // The last data block, its indirect block and the double-indirect block go; 1036's data
    // block too, with the indirect block above it.
    EXPECT_EQ(free_before + 5, disk.fs().usage().free_blocks);
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, FullDiskGivesEnospcAndStaysConsistent)
{
    MountedDisk disk(fs_test::DiskShape { 512, 64, 32 });
    auto file = disk.create("filler");
    std::string chunk = pattern(64 * 1024, 5);
    uint64_t offset = 0;
    for (;;) {
        auto written = disk.fs().write(*file, offset, chunk.data(), chunk.size());
        if (written.is_error()) {
            EXPECT_EQ(ENOSPC, written.error().code());
            break;
        }
        offset += written.value();
        if (written.value() < chunk.size())
            continue;  // A short write: the next one reports ENOSPC.
    }
    EXPECT_EQ(0u, disk.fs().usage().free_blocks);
    EXPECT_EQ(offset, disk.fs().stat(*file).size);
    // Everything written so far is intact, and metadata changes that need a block fail.
    EXPECT_EQ(chunk.substr(0, 4096), disk.read(*file, 0, 4096));
    for (int i = 0; i < 200; ++i) {
        std::string name = "f" + std::to_string(i);
        auto created = disk.fs().create_file(disk.root(), name.c_str());
        if (created.is_error()) {
            EXPECT_EQ(ENOSPC, created.error().code());
            break;
        }
    }
    EXPECT_EQ("", disk.fsck());
    // Freeing space makes room again.
    ASSERT_FALSE(disk.fs().truncate(*file, 0).is_error());
    EXPECT_GT(disk.fs().usage().free_blocks, 100u);
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, RunningOutOfInodesGivesEnospc)
{
    MountedDisk disk(fs_test::DiskShape { 1024, 32, 32 });
    int created = 0;
    for (int i = 0; i < 100; ++i) {
        std::string name = "n" + std::to_string(i);
        auto inode = disk.fs().create_file(disk.root(), name.c_str());
        if (inode.is_error()) {
            EXPECT_EQ(ENOSPC, inode.error().code());
            break;
        }
        ++created;
    }
    EXPECT_EQ(30, created);  // Inodes 0 and 1 (the root) are taken.
    EXPECT_EQ(0u, disk.fs().usage().free_inodes);
    EXPECT_EQ("", disk.fsck());
    ASSERT_FALSE(disk.fs().unlink(disk.root(), "n7").is_error());
    EXPECT_FALSE(disk.fs().create_file(disk.root(), "again").is_error());
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, MountRefusesForeignAndCorruptedImages)
{
    std::vector<uint8_t> zeros(1024 * 4096, 0);
    MemoryBlockDevice blank(zeros);
    EXPECT_EQ(EINVAL, fs::FileSystem::mount(blank).error().code());

    auto image = fs_test::formatted_image();
    image[4096 + 8] ^= 1;  // The block size field: the checksum no longer matches.
    MemoryBlockDevice flipped(image);
    EXPECT_EQ(EINVAL, fs::FileSystem::mount(flipped).error().code());

    image = fs_test::formatted_image();
    std::vector<uint8_t> truncated(image.begin(), image.begin() + 100 * 4096);
    MemoryBlockDevice small(truncated);
    EXPECT_EQ(EINVAL, fs::FileSystem::mount(small).error().code());

    MemoryBlockDevice tiny_log(fs_test::formatted_image(fs_test::DiskShape { 1024, 64, 8 }));
    EXPECT_EQ(EINVAL, fs::FileSystem::mount(tiny_log).error().code());
}

TEST(FileSystem, CorruptedDirectoryIsAnErrorNotACrash)
{
    MountedDisk disk;
    ASSERT_TRUE(disk.create("x"));
    disk.unmount();
    auto image = disk.device.image();
    // The root directory's block is the first data block; break its first record's length.
    fs::Superblock superblock;
    std::memcpy(&superblock, image.data() + 4096, sizeof(superblock));
    uint8_t* root_block = image.data() + size_t(superblock.data_start) * 4096;
    root_block[4] = 3;
    root_block[5] = 0;
    MemoryBlockDevice broken(image);
    auto mounted = fs::FileSystem::mount(broken);
    ASSERT_FALSE(mounted.is_error());
    auto& fs = *mounted.value();
    EXPECT_EQ(EIO, fs.lookup(*fs.root(), "x").error().code());
    EXPECT_EQ(EIO, fs.create_file(*fs.root(), "y").error().code());
}

TEST(FileSystem, NamesUpTo255BytesWorkAndLongerAreRefused)
{
    MountedDisk disk;
    std::string longest(255, 'n');
    ASSERT_TRUE(disk.create(longest.c_str()));
    EXPECT_TRUE(disk.lookup(longest.c_str()));
    std::string too_long(256, 'n');
    EXPECT_EQ(ENAMETOOLONG, disk.fs().create_file(disk.root(), too_long.c_str()).error().code());
    EXPECT_EQ(ENAMETOOLONG, disk.fs().lookup(disk.root(), too_long.c_str()).error().code());
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, ReadPageZeroFillsHolesAndTheTailBeyondEnd)
{
    MountedDisk disk;
    auto file = disk.create("paged");
    disk.write(*file, 4096 * 2 + 5, "tail!");
    auto* frame = static_cast<uint8_t*>(fs::allocate_block_memory().release_value());
    std::memset(frame, 0xee, 4096);
    ASSERT_FALSE(disk.fs().read_page(*file, 0, frame).is_error());
    EXPECT_EQ(std::string(4096, '\0'), std::string(reinterpret_cast<char*>(frame), 4096));
    ASSERT_FALSE(disk.fs().read_page(*file, 2, frame).is_error());
    EXPECT_EQ(std::string(5, '\0') + "tail!" + std::string(4086, '\0'), std::string(reinterpret_cast<char*>(frame), 4096));
    ASSERT_FALSE(disk.fs().read_page(*file, 7, frame).is_error());
    EXPECT_EQ(std::string(4096, '\0'), std::string(reinterpret_cast<char*>(frame), 4096));
    fs::free_block_memory(frame);
}

TEST(FileSystem, WritePageFillsAHoleWithoutChangingTheSize)
{
    MountedDisk disk;
    auto file = disk.create("mapped");
    ASSERT_FALSE(disk.fs().truncate(*file, 3 * 4096).is_error());
    uint32_t free_before = disk.fs().usage().free_blocks;
    auto* frame = static_cast<uint8_t*>(fs::allocate_block_memory().release_value());
    std::string page = pattern(4096, 9);
    std::memcpy(frame, page.data(), 4096);
    ASSERT_FALSE(disk.fs().write_page(*file, 1, frame, 4096).is_error());
    EXPECT_EQ(free_before - 1, disk.fs().usage().free_blocks);
    EXPECT_EQ(3u * 4096, disk.fs().stat(*file).size);
    EXPECT_EQ(page, disk.read(*file, 4096, 4096));
    // A page beyond the end of file is not written.
    ASSERT_FALSE(disk.fs().write_page(*file, 5, frame, 4096).is_error());
    EXPECT_EQ(3u * 4096, disk.fs().stat(*file).size);
    EXPECT_EQ(free_before - 1, disk.fs().usage().free_blocks);
    // Overwriting a mapped page allocates nothing.
    ASSERT_FALSE(disk.fs().write_page(*file, 1, frame, 4096).is_error());
    EXPECT_EQ(free_before - 1, disk.fs().usage().free_blocks);
    ASSERT_FALSE(disk.fs().fsync(*file).is_error());
    fs::free_block_memory(frame);
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, DeviceNodesRecordTheirNumbers)
{
    MountedDisk disk;
    auto device = disk.fs().make_device(disk.root(), "console", 1, 2);
    ASSERT_FALSE(device.is_error());
    fs::InodeInfo info = disk.fs().stat(*device.value());
    EXPECT_EQ(fs::InodeType::Device, info.type);
    EXPECT_EQ(1u, info.major);
    EXPECT_EQ(2u, info.minor);
    char byte;
    EXPECT_EQ(EINVAL, disk.fs().read(*device.value(), 0, &byte, 1).error().code());
}

TEST(FileSystem, UnmountWithOpenInodesIsBusy)
{
    MountedDisk disk;
    auto file = disk.create("open");
    EXPECT_EQ(EBUSY, disk.fs().unmount().error().code());
    file = nullptr;
    EXPECT_FALSE(disk.fs().unmount().is_error());
}

TEST(FileSystem, DeviceWriteErrorIsReportedAsEio)
{
    MountedDisk disk;
    auto file = disk.create("victim");
    disk.device.fail_writes_from(disk.device.block_writes() + 1);
    char data[100] = {};
    auto written = disk.fs().write(*file, 0, data, sizeof(data));
    ASSERT_TRUE(written.is_error());
    EXPECT_EQ(EIO, written.error().code());
    // The log has failed: the file system refuses further changes instead of corrupting.
    EXPECT_EQ(EIO, disk.fs().create_file(disk.root(), "later").error().code());
}

// Write-back caching: the page cache's write() grows the size in memory (grow_cached_size),
// and write-back hands over whole page frames (write_pages), which allocates the blocks.
namespace {

// `count` page frames holding `contents` (whole pages; shorter contents leave zeros).
struct Frames {
    explicit Frames(uint32_t count, const std::string& contents)
    {
        for (uint32_t i = 0; i < count; ++i) {
            void* frame = fs::allocate_block_memory().release_value();
            std::memset(frame, 0, 4096);
            if (contents.size() > i * 4096ul)
                std::memcpy(frame, contents.data() + i * 4096, std::min<size_t>(4096, contents.size() - i * 4096));
            frames.push_back(frame);
        }
    }
    ~Frames()
    {
        for (void* frame : frames)
            fs::free_block_memory(frame);
    }
    const void* const* data() const { return frames.data(); }
    std::vector<void*> frames;
};

}  // namespace

TEST(FileSystem, GrowCachedSizeZeroesTheOldTailAndAllocatesNothingUntilWriteBack)
{
    MountedDisk disk;
    auto file = disk.create("grow");
    disk.write(*file, 0, "0123456789");
    // Garbage beyond the end of page 0 on the disk, as write_page may leave it.
    void* frame = fs::allocate_block_memory().release_value();
    std::memset(frame, 'G', 4096);
    std::memcpy(frame, "0123456789", 10);
    ASSERT_FALSE(disk.fs().write_page(*file, 0, frame, 10).is_error());
    fs::free_block_memory(frame);
    uint32_t free_blocks = disk.fs().usage().free_blocks;
    ASSERT_FALSE(disk.fs().grow_cached_size(*file, 2 * 4096 + 3).is_error());
    // The size grew, nothing was allocated, and what lies beyond the old end reads as zeros.
    EXPECT_EQ(2 * 4096u + 3, disk.fs().stat(*file).size);
    EXPECT_EQ(1u, disk.fs().stat(*file).blocks);
    EXPECT_EQ(free_blocks, disk.fs().usage().free_blocks);
    EXPECT_TRUE(file->size_unlogged());
    std::string expected = std::string("0123456789") + std::string(2 * 4096 + 3 - 10, '\0');
    EXPECT_EQ(expected, disk.read_all(*file));
    // Write-back of page 2 allocates its block, and its transaction logs the size.
    Frames frames(1, "abc");
    ASSERT_FALSE(disk.fs().write_pages(*file, 2, frames.data(), 1).is_error());
    EXPECT_EQ(2u, disk.fs().stat(*file).blocks);
    EXPECT_FALSE(file->size_unlogged());
    EXPECT_EQ(expected.substr(0, 2 * 4096) + "abc", disk.read_all(*file));
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, FsyncLogsASizeGrownInMemoryWithinTheLastBlock)
{
    MountedDisk disk;
    auto file = disk.create("tail");
    disk.write(*file, 0, "0123456789");
    ASSERT_FALSE(disk.fs().fsync(*file).is_error());
    // Growth within the existing last block: written back in place, with no transaction.
    ASSERT_FALSE(disk.fs().grow_cached_size(*file, 20).is_error());
    Frames frames(1, "0123456789abcdefghij");
    ASSERT_FALSE(disk.fs().write_pages(*file, 0, frames.data(), 1).is_error());
    EXPECT_TRUE(file->size_unlogged());
    ASSERT_FALSE(disk.fs().fsync(*file).is_error());
    EXPECT_FALSE(file->size_unlogged());
    // What a power cut right now would leave: the new size and bytes.
    MemoryBlockDevice after(disk.device.durable_image());
    auto mounted = fs::FileSystem::mount(after);
    ASSERT_FALSE(mounted.is_error());
    auto again = mounted.value()->lookup(*mounted.value()->root(), "tail");
    ASSERT_FALSE(again.is_error());
    std::string contents(20, '\0');
    auto read = mounted.value()->read(*again.value(), 0, contents.data(), 20);
    ASSERT_FALSE(read.is_error());
    EXPECT_EQ(20u, read.value());
    EXPECT_EQ("0123456789abcdefghij", contents);
    again = nullptr;
    EXPECT_FALSE(mounted.value()->unmount().is_error());
    file = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(FileSystem, WritePagesOnAFullDiskIsENOSPCAndLeavesTheDiskConsistent)
{
    MountedDisk disk(fs_test::DiskShape { 512, 64, 32 });
    auto filler = disk.create("filler");
    std::string chunk = pattern(64 * 1024, 5);
    uint64_t offset = 0;
    for (;;) {
        auto written = disk.fs().write(*filler, offset, chunk.data(), chunk.size());
        if (written.is_error())
            break;
        offset += written.value();
    }
    // Room for exactly 2 blocks; write-back of 4 grown pages fills it and fails.
    ASSERT_FALSE(disk.fs().truncate(*filler, offset - 2 * 4096).is_error());
    auto file = disk.create("late");
    std::string data = pattern(4 * 4096, 9);
    Frames frames(4, data);
    ASSERT_FALSE(disk.fs().grow_cached_size(*file, 4 * 4096).is_error());
    auto written = disk.fs().write_pages(*file, 0, frames.data(), 4);
    ASSERT_TRUE(written.is_error());
    EXPECT_EQ(ENOSPC, written.error().code());
    file = nullptr;
    filler = nullptr;
    EXPECT_EQ("", disk.fsck());
}
