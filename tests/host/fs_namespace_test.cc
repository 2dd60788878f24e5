// The namespace operations at their edges: names that resolve to their own directory or to
// its parent ("." and ".."), directories given as link sources, "file/." and "file/..",
// trailing slashes, removed directories whose ".." must lead nowhere, and link racing
// rmdir on the same two directories. The errors are Linux 6.x's; each test ends with fsck.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "support/fs_test_support.h"

using fs_test::MountedDisk;

namespace {

int error_of(ErrorOr<void> result) { return result.is_error() ? result.error().code() : 0; }

template<typename T>
int error_of(ErrorOr<T> result)
{
    return result.is_error() ? result.error().code() : 0;
}

}  // namespace

TEST(Namespace, LinkOfADirectoryIsEpermWhateverItResolvesTo)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    MUST(fs.make_directory(disk.root(), "d"));
    MUST(fs.make_directory(disk.root(), "d/s"));
    auto d = disk.lookup("d");
    // The source is the new name's directory itself, its parent, or an ancestor further up:
    // each used to lock an inode twice or child before parent.
    EXPECT_EQ(EPERM, error_of(fs.link(disk.root(), ".", "x")));
    EXPECT_EQ(EPERM, error_of(fs.link(disk.root(), "d", "d/x")));
    EXPECT_EQ(EPERM, error_of(fs.link(disk.root(), "d/.", "d/y")));
    EXPECT_EQ(EPERM, error_of(fs.link(disk.root(), "/", "/x")));
    EXPECT_EQ(EPERM, error_of(fs.link(*d, "..", "../x")));
    EXPECT_EQ(EPERM, error_of(fs.link(disk.root(), "d", "d/s/x")));
    EXPECT_EQ(EPERM, error_of(fs.link(disk.root(), "d/s", "d/s/x")));
    // Errors of the new name come first, as in Linux.
    EXPECT_EQ(EEXIST, error_of(fs.link(disk.root(), "d", "d/s")));
    EXPECT_EQ(EEXIST, error_of(fs.link(disk.root(), "d", "d/.")));
    EXPECT_EQ(ENOENT, error_of(fs.link(disk.root(), "d", "d/z/x")));
    for (const char* name : { "x", "d/x", "d/y", "d/s/x" })
        EXPECT_EQ(ENOENT, error_of(fs.lookup(disk.root(), name))) << name;
    EXPECT_EQ(3u, fs.stat(*d).link_count);
    d = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(Namespace, LinkOfAFileIntoItsOwnDirectoryAndBackWorks)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    MUST(fs.make_directory(disk.root(), "d"));
    auto file = disk.create("d/f");
    auto d = disk.lookup("d");
    ASSERT_FALSE(fs.link(*d, "f", "g").is_error());
    ASSERT_FALSE(fs.link(*d, "./f", "../h").is_error());
    EXPECT_EQ(EEXIST, error_of(fs.link(*d, "f", "f")));
    EXPECT_EQ(EEXIST, error_of(fs.link(*d, "f", "..")));
    EXPECT_EQ(3u, fs.stat(*file).link_count);
    file = nullptr;
    d = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(Namespace, DotNamesInsideAFileAreEnotdirForEveryOperation)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    disk.create("f");
    for (const char* path : { "f/.", "f/..", "f/x", "f/./", "f/../" }) {
        EXPECT_EQ(ENOTDIR, error_of(fs.unlink(disk.root(), path))) << path;
        EXPECT_EQ(ENOTDIR, error_of(fs.make_directory(disk.root(), path))) << path;
        EXPECT_EQ(ENOTDIR, error_of(fs.remove_directory(disk.root(), path))) << path;
        EXPECT_EQ(ENOTDIR, error_of(fs.link(disk.root(), "f", path))) << path;
        EXPECT_EQ(ENOTDIR, error_of(fs.create_file(disk.root(), path))) << path;
        EXPECT_EQ(ENOTDIR, error_of(fs.make_device(disk.root(), path, 1, 1))) << path;
        EXPECT_EQ(ENOTDIR, error_of(fs.lookup(disk.root(), path))) << path;
        EXPECT_EQ(ENOTDIR, error_of(fs.link(disk.root(), path, "g"))) << path;
    }
    EXPECT_EQ(1u, fs.stat(*disk.lookup("f")).link_count);
    EXPECT_EQ("", disk.fsck());
}

TEST(Namespace, DotAndDotDotAndTheRootGiveLinuxErrors)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    MUST(fs.make_directory(disk.root(), "d"));
    disk.create("d/f");
    EXPECT_EQ(EISDIR, error_of(fs.unlink(disk.root(), "/")));
    EXPECT_EQ(EISDIR, error_of(fs.unlink(disk.root(), ".")));
    EXPECT_EQ(EISDIR, error_of(fs.unlink(disk.root(), "d/..")));
    EXPECT_EQ(EEXIST, error_of(fs.make_directory(disk.root(), "/")));
    EXPECT_EQ(EEXIST, error_of(fs.make_directory(disk.root(), "d/.")));
    EXPECT_EQ(EEXIST, error_of(fs.make_directory(disk.root(), "d/..")));
    EXPECT_EQ(EEXIST, error_of(fs.create_file(disk.root(), "d/.")));
    EXPECT_EQ(EBUSY, error_of(fs.remove_directory(disk.root(), "/")));
    EXPECT_EQ(EBUSY, error_of(fs.remove_directory(disk.root(), "//")));
    EXPECT_EQ(EINVAL, error_of(fs.remove_directory(disk.root(), "/.")));
    EXPECT_EQ(EINVAL, error_of(fs.remove_directory(disk.root(), "d/.")));
    EXPECT_EQ(ENOTEMPTY, error_of(fs.remove_directory(disk.root(), "d/..")));
    EXPECT_EQ(ENOTDIR, error_of(fs.remove_directory(disk.root(), "d/f")));
    EXPECT_EQ(EISDIR, error_of(fs.unlink(disk.root(), "d")));
    EXPECT_TRUE(disk.lookup("d/f"));
    EXPECT_EQ("", disk.fsck());
}

TEST(Namespace, TrailingSlashNamesADirectory)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    disk.create("a");
    disk.create("f");
    // open("n/", O_CREAT) creates nothing.
    EXPECT_EQ(EISDIR, error_of(fs.create_file(disk.root(), "n/")));
    EXPECT_EQ(EISDIR, error_of(fs.create_file(disk.root(), "f/")));
    EXPECT_EQ(ENOENT, error_of(fs.lookup(disk.root(), "n")));
    // link to "b/": the slash asks for a directory that link cannot make.
    EXPECT_EQ(ENOENT, error_of(fs.link(disk.root(), "a", "b/")));
    EXPECT_EQ(EEXIST, error_of(fs.link(disk.root(), "a", "f/")));
    EXPECT_EQ(ENOTDIR, error_of(fs.link(disk.root(), "a/", "b")));
    EXPECT_EQ(ENOENT, error_of(fs.lookup(disk.root(), "b")));
    EXPECT_EQ(ENOENT, error_of(fs.make_device(disk.root(), "dev/", 1, 1)));
    // unlink("f/") leaves a regular file alone.
    EXPECT_EQ(ENOTDIR, error_of(fs.unlink(disk.root(), "f/")));
    EXPECT_EQ(ENOENT, error_of(fs.unlink(disk.root(), "missing/")));
    EXPECT_TRUE(disk.lookup("f"));
    EXPECT_EQ(ENOTDIR, error_of(fs.lookup(disk.root(), "f/")));
    // mkdir and rmdir take "dir/" and "dir//".
    ASSERT_FALSE(fs.make_directory(disk.root(), "d/").is_error());
    EXPECT_EQ(EEXIST, error_of(fs.make_directory(disk.root(), "d//")));
    EXPECT_EQ(EISDIR, error_of(fs.unlink(disk.root(), "d/")));
    EXPECT_TRUE(disk.lookup("d/"));
    ASSERT_FALSE(fs.remove_directory(disk.root(), "d//").is_error());
    EXPECT_EQ(ENOENT, error_of(fs.lookup(disk.root(), "d")));
    EXPECT_EQ(ENOTDIR, error_of(fs.remove_directory(disk.root(), "f/")));
    EXPECT_EQ("", disk.fsck());
}

TEST(Namespace, RemovedDirectoryHoldsNothingNotEvenItsDotDot)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    MUST(fs.make_directory(disk.root(), "a"));
    MUST(fs.make_directory(disk.root(), "a/b"));
    // A process sitting in a/b (its working directory) while both are removed.
    auto b = disk.lookup("a/b");
    fs::InodeNumber a_number = disk.lookup("a")->number();
    ASSERT_FALSE(fs.remove_directory(disk.root(), "a/b").is_error());
    ASSERT_FALSE(fs.remove_directory(disk.root(), "a").is_error());
    EXPECT_EQ(ENOENT, error_of(fs.lookup(*b, "..")));
    EXPECT_EQ(ENOENT, error_of(fs.lookup(*b, "../..")));
    EXPECT_EQ(ENOENT, error_of(fs.lookup(*b, "x")));
    EXPECT_EQ(b.ptr(), MUST(fs.lookup(*b, ".")).ptr());
    EXPECT_EQ(0u, fs.stat(*b).link_count);
    // Nothing can be made in it, and asking to remove ".." finds nothing either.
    EXPECT_EQ(ENOENT, error_of(fs.create_file(*b, "x")));
    EXPECT_EQ(ENOENT, error_of(fs.make_directory(*b, "x")));
    disk.create("f");
    EXPECT_EQ(ENOENT, error_of(fs.link(*b, "/f", "x")));
    EXPECT_EQ(ENOENT, error_of(fs.unlink(*b, "x")));
    // Its listing is ENOENT, as Linux's getdents gives.
    {
        fs::DirectoryEntry entry;
        uint64_t offset = 0;
        MutexLocker locker(b->lock());
        EXPECT_EQ(ENOENT, error_of(fs::directory_read(*b, &offset, &entry)));
    }
    // The old parent's number is reused by a new directory: ".." still leads nowhere.
    bool reused = false;
    for (int i = 0; !reused; ++i) {
        std::string name = "c" + std::to_string(i);
        auto made = fs.make_directory(disk.root(), name.c_str());
        if (made.is_error())
            break;  // Out of inodes.
        reused = made.value()->number() == a_number;
    }
    ASSERT_TRUE(reused);
    EXPECT_EQ(ENOENT, error_of(fs.lookup(*b, "..")));
    EXPECT_EQ(ENOENT, error_of(fs.lookup(*b, "../c0")));
    b = nullptr;
    disk.remount();
    EXPECT_EQ("", disk.fsck());
}

TEST(Namespace, FileInARemovedDirectoryStaysOpenButItsNameIsGone)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    MUST(fs.make_directory(disk.root(), "d"));
    auto file = disk.create("d/f");
    auto d = disk.lookup("d");
    ASSERT_FALSE(fs.unlink(*d, "f").is_error());
    ASSERT_FALSE(fs.remove_directory(disk.root(), "d").is_error());
    disk.write(*file, 0, "still here");
    EXPECT_EQ("still here", disk.read_all(*file));
    EXPECT_EQ(ENOENT, error_of(fs.lookup(*d, "f")));
    file = nullptr;
    d = nullptr;
    EXPECT_EQ("", disk.fsck());
}

TEST(NamespaceDeathTest, SecondInodeLockOutsideThePairRuleIsCaught)
{
    MountedDisk disk;
    auto file = disk.create("f");
    auto other = disk.create("g");
    fs::Inode& root = disk.root();
    // The same inode twice, and a directory under a file.
    EXPECT_DEATH(
        {
            MutexLocker locker(root.lock());
            auto second = fs::lock_second_inode(root, root);
        },
        "");
    EXPECT_DEATH(
        {
            MutexLocker locker(file->lock());
            auto second = fs::lock_second_inode(*file, root);
        },
        "");
    // A plain lock() of a second inode, which is how link used to take its source.
    EXPECT_DEATH(
        {
            MutexLocker locker(root.lock());
            MutexLocker second(file->lock());
        },
        "");
    // Two files go by increasing number.
    fs::Inode& lower = file->number() < other->number() ? *file : *other;
    fs::Inode& higher = file->number() < other->number() ? *other : *file;
    {
        MutexLocker locker(lower.lock());
        auto second = fs::lock_second_inode(lower, higher);
    }
    EXPECT_DEATH(
        {
            MutexLocker locker(higher.lock());
            auto second = fs::lock_second_inode(higher, lower);
        },
        "");
}

// link("d", "d/s/x") locked d/s and then d, while rmdir("d/s") locks d and then d/s: two
// threads doing them at once stopped for good. A third thread links and unlinks a file in
// d/s meanwhile. A watchdog turns a deadlock into a failure instead of a hung test.
TEST(Namespace, LinkRacingRmdirOfTheSameDirectoriesNeverDeadlocks)
{
    MountedDisk disk;
    fs::FileSystem& fs = disk.fs();
    MUST(fs.make_directory(disk.root(), "d"));
    disk.create("d/f");
    constexpr int kRounds = 3000;
    std::atomic<int> finished { 0 };
    std::atomic<int> unexpected { 0 };
    auto expect_one_of = [&](int error, std::initializer_list<int> allowed) {
        for (int code : allowed)
            if (error == code)
                return;
        fprintf(stderr, "unexpected error %d\n", error);
        ++unexpected;
    };
    std::thread linker([&] {
        for (int i = 0; i < kRounds; ++i)
            expect_one_of(error_of(fs.link(disk.root(), "d", "d/s/x")), { EPERM, ENOENT });
        ++finished;
    });
    std::thread remover([&] {
        for (int i = 0; i < kRounds; ++i) {
            expect_one_of(error_of(fs.make_directory(disk.root(), "d/s")), { 0, EEXIST });
            expect_one_of(error_of(fs.remove_directory(disk.root(), "d/s")), { 0, ENOENT, ENOTEMPTY });
        }
        ++finished;
    });
    std::thread file_linker([&] {
        for (int i = 0; i < kRounds; ++i) {
            expect_one_of(error_of(fs.link(disk.root(), "d/f", "d/s/y")), { 0, ENOENT, EEXIST });
            expect_one_of(error_of(fs.unlink(disk.root(), "d/s/y")), { 0, ENOENT });
        }
        ++finished;
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (finished.load() < 3) {
        if (std::chrono::steady_clock::now() > deadline) {
            fprintf(stderr, "deadlock: link and rmdir did not finish in 120 s\n");
            std::_Exit(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    linker.join();
    remover.join();
    file_linker.join();
    EXPECT_EQ(0, unexpected.load());
    (void)fs.unlink(disk.root(), "d/s/y");
    (void)fs.remove_directory(disk.root(), "d/s");
    EXPECT_EQ(1u, fs.stat(*disk.lookup("d/f")).link_count);
    EXPECT_EQ("", disk.fsck());
}
