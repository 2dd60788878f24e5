// Directories and paths: entries are added into slack and free records, removed by merging,
// directories grow by blocks, and paths resolve ".", "..", absolute and relative.
#include <gtest/gtest.h>

#include "fs/directory.h"
#include "fs/path.h"
#include "support/fs_test_support.h"

using fs_test::MountedDisk;

namespace {

std::vector<std::string> list(MountedDisk& disk, fs::Inode& directory)
{
    std::vector<std::string> names;
    MutexLocker locker(directory.lock());
    uint64_t offset = 0;
    fs::DirectoryEntry entry;
    while (MUST(fs::directory_read(directory, &offset, &entry)))
        names.push_back(entry.name);
    (void)disk;
    return names;
}

}  // namespace

TEST(Directory, NewDirectoryHoldsDotAndDotDot)
{
    MountedDisk disk;
    auto directory = MUST(disk.fs().make_directory(disk.root(), "d"));
    EXPECT_EQ((std::vector<std::string> { ".", ".." }), list(disk, *directory));
    MutexLocker locker(directory->lock());
    EXPECT_EQ(directory->number(), MUST(fs::directory_lookup(*directory, fs::name_from("."))));
    EXPECT_EQ(fs::kRootInode, MUST(fs::directory_lookup(*directory, fs::name_from(".."))));
    EXPECT_TRUE(MUST(fs::directory_is_empty(*directory)));
}

TEST(Directory, RemovedEntrySpaceIsReusedWithoutGrowing)
{
    MountedDisk disk;
    for (int i = 0; i < 20; ++i)
        disk.create(("entry" + std::to_string(i)).c_str());
    uint64_t size = disk.fs().stat(disk.root()).size;
    MUST(disk.fs().unlink(disk.root(), "entry5"));
    MUST(disk.fs().unlink(disk.root(), "entry0"));
    disk.create("newcomer");
    disk.create("other");
    EXPECT_EQ(size, disk.fs().stat(disk.root()).size);
    EXPECT_TRUE(disk.lookup("newcomer"));
    EXPECT_FALSE(disk.lookup("entry5"));
    EXPECT_TRUE(disk.lookup("entry6"));
    EXPECT_EQ("", disk.fsck());
}

TEST(Directory, ManyEntriesGrowTheDirectoryPastItsDirectBlocks)
{
    MountedDisk disk(fs_test::DiskShape { 4096, 1024, 64 });
    // 250-byte names: 15 entries per block, so 900 entries need about 60 blocks.
    for (int i = 0; i < 900; ++i) {
        std::string name = std::string(240, 'x') + std::to_string(100000 + i);
        ASSERT_TRUE(disk.create(name.c_str())) << i;
    }
    EXPECT_GT(disk.fs().stat(disk.root()).size, 12u * 4096);
    for (int i = 0; i < 900; i += 97) {
        std::string name = std::string(240, 'x') + std::to_string(100000 + i);
        EXPECT_TRUE(disk.lookup(name.c_str())) << i;
    }
    EXPECT_EQ(902u, list(disk, disk.root()).size());
    EXPECT_EQ("", disk.fsck());
}

TEST(Directory, BadNamesAreRefused)
{
    EXPECT_EQ(EINVAL, fs::check_name(fs::Name { "", 0 }).error().code());
    EXPECT_EQ(EINVAL, fs::check_name(fs::Name { "a/b", 3 }).error().code());
    std::string long_name(256, 'a');
    EXPECT_EQ(ENAMETOOLONG, fs::check_name(fs::Name { long_name.data(), long_name.size() }).error().code());
    EXPECT_FALSE(fs::check_name(fs::Name { long_name.data(), 255 }).is_error());
}

TEST(Path, ResolvesDotDotDotAbsoluteAndRelative)
{
    MountedDisk disk;
    auto a = MUST(disk.fs().make_directory(disk.root(), "a"));
    auto b = MUST(disk.fs().make_directory(disk.root(), "/a/b"));
    auto file = disk.create("a/b/file");
    EXPECT_EQ(file.ptr(), disk.lookup("/a/b/file").ptr());
    EXPECT_EQ(file.ptr(), disk.lookup("a//b/./file").ptr());
    EXPECT_EQ(file.ptr(), disk.lookup("/a/b/../b/file").ptr());
    EXPECT_EQ(&disk.root(), disk.lookup("/..").ptr());
    EXPECT_EQ(&disk.root(), disk.lookup("/a/b/../..").ptr());
    EXPECT_EQ(&disk.root(), disk.lookup("/").ptr());
    EXPECT_EQ(b.ptr(), disk.lookup("a/b/").ptr());
    // Relative to a starting directory.
    EXPECT_EQ(file.ptr(), MUST(disk.fs().lookup(*b, "file")).ptr());
    EXPECT_EQ(a.ptr(), MUST(disk.fs().lookup(*b, "..")).ptr());
    EXPECT_EQ(file.ptr(), MUST(disk.fs().lookup(*a, "../a/b/file")).ptr());
}

TEST(Path, ReportsMissingNotADirectoryAndEmptyPaths)
{
    MountedDisk disk;
    auto file = disk.create("plain");
    EXPECT_EQ(ENOENT, disk.fs().lookup(disk.root(), "missing").error().code());
    EXPECT_EQ(ENOENT, disk.fs().lookup(disk.root(), "missing/x").error().code());
    EXPECT_EQ(ENOTDIR, disk.fs().lookup(disk.root(), "plain/x").error().code());
    EXPECT_EQ(ENOTDIR, disk.fs().lookup(disk.root(), "plain/").error().code());
    EXPECT_EQ(ENOENT, disk.fs().lookup(disk.root(), "").error().code());
    std::string long_component = "/" + std::string(300, 'c') + "/x";
    EXPECT_EQ(ENAMETOOLONG, disk.fs().lookup(disk.root(), long_component.c_str()).error().code());
}

TEST(Path, ResolveParentSplitsOffTheLastComponent)
{
    MountedDisk disk;
    MUST(disk.fs().make_directory(disk.root(), "dir"));
    auto where = MUST(fs::resolve_parent(disk.fs(), disk.root(), "/dir/new-name/"));
    EXPECT_EQ(disk.lookup("dir").ptr(), where.parent.ptr());
    EXPECT_EQ("new-name", std::string(where.name.characters, where.name.length));
    EXPECT_TRUE(where.trailing_slash);
    EXPECT_FALSE(where.only_slashes);
    auto root = MUST(fs::resolve_parent(disk.fs(), disk.root(), "//"));
    EXPECT_TRUE(root.only_slashes);
    EXPECT_EQ(&disk.root(), root.parent.ptr());
}
