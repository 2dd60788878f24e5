// The crash test: a write-heavy workload is cut off by a power failure after its k-th block
// write, for hundreds of k spread over the whole run; each time the disk as it was at the
// cut must mount (replaying the log), pass fsck, and hold every file that was fsynced before
// the cut with exactly the contents it had then.
//
// The workload is deterministic, so the block-write sequence is the same in every run and
// "after the k-th write" is a precise instant. The device keeps running the file system on
// its live image after the cut (see memory_block_device.h), so the workload never notices.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "support/fs_test_support.h"

namespace {

using fs_test::pattern;

// A file whose contents were made durable by fsync when the device had done `writes`
// block writes. Sealed files are never changed afterwards, so they must match exactly;
// append-only files must start with the recorded contents.
struct DurableFile {
    std::string path;
    std::string contents;
    uint64_t writes;
    bool append_only;
};

constexpr fs_test::DiskShape kShape { 1024, 96, 40 };

class Workload {
public:
    Workload(fs::FileSystem& fs, MemoryBlockDevice& device)
        : m_fs(fs)
        , m_device(device)
        , m_root(*fs.root())
    {
    }

    // Runs every step, failing the test on any error; returns the fsync records.
    std::vector<DurableFile> run()
    {
        MUST(m_fs.make_directory(m_root, "/a"));
        MUST(m_fs.make_directory(m_root, "/b"));
        RefPtr<fs::Inode> journal = MUST(m_fs.create_file(m_root, "/a/journal"));
        std::string journal_contents;
        std::vector<std::string> churn;

        for (uint32_t round = 0; round < 24; ++round) {
            std::string directory = round % 2 ? "/a" : "/b";
            std::string path = directory + "/file" + std::to_string(round);
            RefPtr<fs::Inode> file = MUST(m_fs.create_file(m_root, path.c_str()));
            // Sizes from a few bytes to past the 12 direct blocks, so indirect blocks come
            // and go too.
            size_t size = 100 + (round * 7919u) % (16 * 4096);
            std::string contents = pattern(size, round);
            write(*file, 0, contents);

            if (round % 3 == 0) {
                MUST(m_fs.fsync(*file));
                m_durable.push_back({ path, contents, m_device.block_writes(), false });
            } else {
                // Overwrite in the middle, shrink, then append.
                write(*file, size / 3, pattern(size / 4 + 1, round + 100));
                MUST(m_fs.truncate(*file, size / 2));
                write(*file, size / 2, pattern(5000, round + 200));
                churn.push_back(path);
            }

            std::string entry = "round " + std::to_string(round) + ": " + pattern(300 + round * 50, round + 300) + "\n";
            write(*journal, journal_contents.size(), entry);
            journal_contents += entry;
            if (round % 2 == 0) {
                MUST(m_fs.fsync(*journal));
                m_durable.push_back({ "/a/journal", journal_contents, m_device.block_writes(), true });
            }

            if (round % 4 == 3 && !churn.empty()) {
                MUST(m_fs.unlink(m_root, churn.front().c_str()));
                churn.erase(churn.begin());
            }
            if (round % 5 == 4) {
                // Unlink while open: the inode and its blocks go when the reference does.
                std::string doomed = directory + "/doomed" + std::to_string(round);
                RefPtr<fs::Inode> open = MUST(m_fs.create_file(m_root, doomed.c_str()));
                write(*open, 0, pattern(20 * 4096, round + 400));
                MUST(m_fs.unlink(m_root, doomed.c_str()));
                write(*open, 4096, pattern(4096, round + 500));
            }
            if (round % 6 == 5) {
                std::string sub = directory + "/sub" + std::to_string(round);
                MUST(m_fs.make_directory(m_root, sub.c_str()));
                std::string inner = sub + "/x";
                RefPtr<fs::Inode> x = MUST(m_fs.create_file(m_root, inner.c_str()));
                write(*x, 0, "inside");
                x = nullptr;
                if (round % 12 == 11) {
                    MUST(m_fs.unlink(m_root, inner.c_str()));
                    MUST(m_fs.remove_directory(m_root, sub.c_str()));
                }
            }
            if (round % 8 == 7) {
                std::string alias = directory + "/alias" + std::to_string(round);
                MUST(m_fs.link(m_root, path.c_str(), alias.c_str()));
            }
        }
        return m_durable;
    }

private:
    void write(fs::Inode& inode, uint64_t offset, const std::string& data)
    {
        size_t written = MUST(m_fs.write(inode, offset, data.data(), data.size()));
        ASSERT_EQ(data.size(), written);
    }

    fs::FileSystem& m_fs;
    MemoryBlockDevice& m_device;
    fs::Inode& m_root;
    std::vector<DurableFile> m_durable;
};

// Runs the workload on a fresh disk whose power fails after `cut` block writes (never, for
// 0), and returns the fsync records and the total number of block writes.
std::vector<DurableFile> run_workload(MemoryBlockDevice& device, uint64_t cut)
{
    if (cut)
        device.cut_power_after(cut);
    auto mounted = fs::FileSystem::mount(device);
    EXPECT_FALSE(mounted.is_error());
    if (mounted.is_error())
        return {};
    std::vector<DurableFile> durable = Workload(*mounted.value(), device).run();
    EXPECT_FALSE(mounted.value()->unmount().is_error());
    return durable;
}

// Mounts the disk left by a cut after `cut` writes and checks it; returns an empty string or
// what was wrong.
std::string check_after_cut(const std::vector<uint8_t>& durable_image, const std::vector<DurableFile>& durable,
                            uint64_t cut)
{
    MemoryBlockDevice disk(durable_image);
    std::string failures;
    {
        auto mounted = fs::FileSystem::mount(disk);
        if (mounted.is_error())
            return "mount failed: " + std::string(mounted.error().name());
        fs::FileSystem& fs = *mounted.value();
        for (const DurableFile& file : durable) {
            if (file.writes > cut)
                continue;
            auto inode = fs.lookup(*fs.root(), file.path.c_str());
            if (inode.is_error()) {
                failures += file.path + " (fsynced) is missing; ";
                continue;
            }
            std::string contents(file.contents.size(), '\0');
            auto count = fs.read(*inode.value(), 0, contents.data(), contents.size());
            uint64_t size = fs.stat(*inode.value()).size;
            bool size_ok = file.append_only ? size >= file.contents.size() : size == file.contents.size();
            if (count.is_error() || count.value() != contents.size() || contents != file.contents || !size_ok)
                failures += file.path + " (fsynced) has changed; ";
        }
        if (auto result = fs.unmount(); result.is_error())
            failures += "unmount failed; ";
    }
    std::string problems = fs_test::fsck_problems(disk.image());
    if (!problems.empty())
        failures += "fsck: " + problems;
    return failures;
}

}  // namespace

TEST(FileSystemCrash, EveryPowerCutLeavesAConsistentDiskWithFsyncedFilesIntact)
{
    auto started = std::chrono::steady_clock::now();
    const std::vector<uint8_t> fresh = fs_test::formatted_image(kShape);

    MemoryBlockDevice reference(fresh);
    std::vector<DurableFile> expected = run_workload(reference, 0);
    uint64_t total_writes = reference.block_writes();
    ASSERT_GT(total_writes, 300u);
    ASSERT_GT(expected.size(), 10u);
    EXPECT_EQ("", fs_test::fsck_problems(reference.image()));

    // Every k if the run is short; otherwise an even spread of about 350 points, plus the
    // last few writes.
    std::vector<uint64_t> cuts;
    uint64_t step = total_writes <= 400 ? 1 : total_writes / 350;
    for (uint64_t k = 1; k <= total_writes; k += step)
        cuts.push_back(k);
    for (uint64_t k = total_writes > 5 ? total_writes - 5 : 1; k <= total_writes; ++k)
        cuts.push_back(k);

    size_t failed = 0;
    size_t fsynced_checked = 0;
    for (uint64_t cut : cuts) {
        MemoryBlockDevice device(fresh);
        std::vector<DurableFile> durable = run_workload(device, cut);
        ASSERT_EQ(expected.size(), durable.size()) << "the workload must be deterministic";
        for (const DurableFile& file : durable)
            fsynced_checked += file.writes <= cut;
        std::string failure = check_after_cut(device.durable_image(), durable, cut);
        if (!failure.empty()) {
            ++failed;
            ADD_FAILURE() << "power cut after write " << cut << " of " << total_writes << ": " << failure;
            if (failed > 5)
                break;
        }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("crash test: %zu power cuts over a workload of %lu block writes (%zu fsync points); "
                "%zu fsynced files checked; %zu failures; %.1f s\n",
                cuts.size(), static_cast<unsigned long>(total_writes), expected.size(), fsynced_checked, failed,
                seconds);
}
