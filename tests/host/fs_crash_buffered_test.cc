// The crash test with buffered writes: the same power-cut harness as fs_crash_test.cc, over
// a workload that writes the way the page cache's write-back caching does. write() only
// changes cached pages and raises the size in memory (FileSystem::grow_cached_size); dirty
// pages reach the disk later through FileSystem::write_pages, run by run, as the flusher,
// reclaim (a run starting in the middle of a file) and fsync do, and the flusher logs the
// size afterwards (log_size). Truncations drop the dirty pages beyond the new end unwritten,
// and a file unlinked while open is freed with its dirty pages never written.
//
// After a cut at any of hundreds of points the disk must mount, pass fsck, hold every
// fsynced file exactly as it was at its fsync, and show in every file only bytes that file
// itself wrote, or zeros: every byte a file is given carries the file's tag in its high five
// bits, so a block of another file, or a stale block, shows up as a foreign tag.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fs/block_memory.h"
#include "support/fs_test_support.h"

namespace {

constexpr size_t kPage = 4096;
constexpr fs_test::DiskShape kShape { 1024, 96, 40 };

// Bytes for file `tag` (1..31) at `offset`: the tag in the high five bits, never zero.
std::string tagged(size_t length, uint64_t offset, uint8_t tag, uint32_t seed)
{
    std::string bytes(length, '\0');
    for (size_t i = 0; i < length; ++i)
        bytes[i] = char((tag << 3) | ((offset + i) / 97 + seed) % 8);
    return bytes;
}

struct DurableFile {
    std::string path;
    std::string contents;
    uint64_t writes;
    bool append_only;
};

// A page frame of the model's cache: page-aligned block memory, as the kernel's frames are.
struct Frame {
    Frame()
        : data(static_cast<uint8_t*>(fs::allocate_block_memory().release_value()))
    {
        std::memset(data, 0, kPage);
    }
    ~Frame() { fs::free_block_memory(data); }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;
    uint8_t* data;
};

// One open file as the page cache sees it: its contents (what read() would return) and its
// dirty pages, which only write-back puts on the disk.
struct CachedFile {
    RefPtr<fs::Inode> inode;
    std::string contents;
    std::map<uint64_t, std::unique_ptr<Frame>> dirty;
};

class BufferedWorkload {
public:
    BufferedWorkload(fs::FileSystem& fs, MemoryBlockDevice& device)
        : m_fs(fs)
        , m_device(device)
        , m_root(*fs.root())
    {
    }

    std::vector<DurableFile> run()
    {
        MUST(m_fs.make_directory(m_root, "/d"));
        CachedFile journal = create("/d/journal");
        std::deque<std::pair<std::string, CachedFile>> open_files;
        for (uint32_t round = 0; round < 20; ++round) {
            std::string path = "/d/f" + std::to_string(round);
            CachedFile file = create(path);
            uint8_t tag = uint8_t(round % 30 + 2);
            size_t size = 300 + (round * 7919u) % (14 * kPage);
            write(file, 0, tagged(size, 0, tag, round));
            if (round % 3 == 0) {
                fsync(file);
                m_durable.push_back({ path, file.contents, m_device.block_writes(), false });
            } else {
                // Overwrite the middle, shrink, append: all in the cache, some written back.
                write(file, size / 3, tagged(size / 4 + 1, size / 3, tag, round + 1));
                if (round % 2)
                    write_back_from(file, (size / 2) / kPage);  // Reclaim: mid-file first.
                truncate(file, size / 2);
                write(file, size / 2 + 50, tagged(5000, size / 2 + 50, tag, round + 2));
                open_files.emplace_back(path, std::move(file));
            }
            // The journal grows by small appends, some fsynced.
            std::string entry = tagged(200 + round * 40, journal.contents.size(), 1, round);
            write(journal, journal.contents.size(), entry);
            if (round % 2 == 0) {
                fsync(journal);
                m_durable.push_back({ "/d/journal", journal.contents, m_device.block_writes(), true });
            }
            // The flusher: the oldest open file's pages, then its size.
            if (round % 2 == 1 && !open_files.empty()) {
                flush(open_files.front().second);
                open_files.erase(open_files.begin());
            }
            if (round % 4 == 3) {
                // Unlinked while open with dirty pages: freed, its pages never written.
                std::string doomed = "/d/doomed" + std::to_string(round);
                CachedFile gone = create(doomed);
                write(gone, 0, tagged(12 * kPage, 0, 31, round));
                write_back_from(gone, 6);
                MUST(m_fs.unlink(m_root, doomed.c_str()));
                write(gone, kPage, tagged(kPage, kPage, 31, round + 5));
                gone.dirty.clear();
                gone.inode = nullptr;
            }
            if (round % 5 == 4 && open_files.size() > 1) {
                // A file removed after some write-back: its blocks go back to the allocator,
                // and later files must never show them.
                auto& victim = open_files.back();
                flush(victim.second);
                victim.second.inode = nullptr;
                MUST(m_fs.unlink(m_root, victim.first.c_str()));
                open_files.pop_back();
            }
        }
        for (auto& [path, file] : open_files)
            flush(file);
        return m_durable;
    }

private:
    CachedFile create(const std::string& path)
    {
        CachedFile file;
        file.inode = MUST(m_fs.create_file(m_root, path.c_str()));
        m_paths.push_back(path);
        return file;
    }

    // write(): the cached pages take the bytes and turn dirty; the size grows in memory.
    void write(CachedFile& file, uint64_t offset, const std::string& data)
    {
        if (file.contents.size() < offset + data.size())
            file.contents.resize(offset + data.size(), '\0');
        file.contents.replace(offset, data.size(), data);
        for (uint64_t index = offset / kPage; index <= (offset + data.size() - 1) / kPage; ++index)
            refresh_dirty(file, index);
        MUST(m_fs.grow_cached_size(*file.inode, file.contents.size()));
    }

    void refresh_dirty(CachedFile& file, uint64_t index)
    {
        auto& frame = file.dirty[index];
        if (!frame)
            frame = std::make_unique<Frame>();
        std::memset(frame->data, 0, kPage);
        if (index * kPage < file.contents.size())
            std::memcpy(frame->data, file.contents.data() + index * kPage,
                        std::min(kPage, file.contents.size() - index * kPage));
    }

    // Write-back of the dirty pages from `first` on, run by run (as write_back_locked).
    void write_back_from(CachedFile& file, uint64_t first)
    {
        while (true) {
            auto it = file.dirty.lower_bound(first);
            if (it == file.dirty.end())
                return;
            uint64_t start = it->first;
            std::vector<const void*> frames;
            std::vector<uint64_t> indexes;
            while (it != file.dirty.end() && it->first == start + frames.size() && frames.size() < 64) {
                frames.push_back(it->second->data);
                indexes.push_back(it->first);
                ++it;
            }
            MUST(m_fs.write_pages(*file.inode, start, frames.data(), uint32_t(frames.size())));
            for (uint64_t index : indexes)
                file.dirty.erase(index);
            first = start + frames.size();
        }
    }

    // The flusher: every dirty page, then the size.
    void flush(CachedFile& file)
    {
        write_back_from(file, 0);
        MUST(m_fs.log_size(*file.inode));
    }

    void fsync(CachedFile& file)
    {
        write_back_from(file, 0);
        MUST(m_fs.fsync(*file.inode));
    }

    // FileObject::truncate: the disk's size, the dirty pages beyond it dropped unwritten, the
    // new last page's tail zeroed in the cache.
    void truncate(CachedFile& file, uint64_t size)
    {
        MUST(m_fs.truncate(*file.inode, size));
        file.contents.resize(size);
        file.dirty.erase(file.dirty.lower_bound((size + kPage - 1) / kPage), file.dirty.end());
        if (size % kPage && file.dirty.count(size / kPage))
            refresh_dirty(file, size / kPage);
    }

    fs::FileSystem& m_fs;
    MemoryBlockDevice& m_device;
    fs::Inode& m_root;
    std::vector<DurableFile> m_durable;

public:
    std::vector<std::string> m_paths;
};

struct RunResult {
    std::vector<DurableFile> durable;
    std::vector<std::string> paths;
};

RunResult run_workload(MemoryBlockDevice& device, uint64_t cut)
{
    if (cut)
        device.cut_power_after(cut);
    auto mounted = fs::FileSystem::mount(device);
    EXPECT_FALSE(mounted.is_error());
    if (mounted.is_error())
        return {};
    BufferedWorkload workload(*mounted.value(), device);
    RunResult result { workload.run(), workload.m_paths };
    EXPECT_FALSE(mounted.value()->unmount().is_error());
    return result;
}

// Whether every byte of `contents` is zero or carries a tag the file at `path` may hold.
bool only_own_bytes(const std::string& path, const std::string& contents)
{
    uint8_t tag = 0;
    if (path.rfind("/d/f", 0) == 0)
        tag = uint8_t(std::stoul(path.substr(4)) % 30 + 2);
    else if (path == "/d/journal")
        tag = 1;
    else if (path.rfind("/d/doomed", 0) == 0)
        tag = 31;
    for (char c : contents) {
        uint8_t byte = uint8_t(c);
        if (byte != 0 && (byte >> 3) != tag)
            return false;
    }
    return true;
}

std::string check_after_cut(const std::vector<uint8_t>& image, const RunResult& run, uint64_t cut)
{
    MemoryBlockDevice disk(image);
    std::string failures;
    {
        auto mounted = fs::FileSystem::mount(disk);
        if (mounted.is_error())
            return "mount failed: " + std::string(mounted.error().name());
        fs::FileSystem& fs = *mounted.value();
        for (const std::string& path : run.paths) {
            auto inode = fs.lookup(*fs.root(), path.c_str());
            if (inode.is_error())
                continue;
            uint64_t size = fs.stat(*inode.value()).size;
            std::string contents(size, '\0');
            auto count = fs.read(*inode.value(), 0, contents.data(), contents.size());
            if (count.is_error() || count.value() != size)
                failures += path + " cannot be read whole; ";
            else if (!only_own_bytes(path, contents))
                failures += path + " shows bytes it never had (another file's or stale); ";
            for (const DurableFile& file : run.durable) {
                if (file.path != path || file.writes > cut)
                    continue;
                bool size_ok = file.append_only ? size >= file.contents.size() : size == file.contents.size();
                if (!size_ok || contents.compare(0, file.contents.size(), file.contents) != 0)
                    failures += path + " (fsynced) has changed; ";
            }
        }
        for (const DurableFile& file : run.durable) {
            if (file.writes <= cut && fs.lookup(*fs.root(), file.path.c_str()).is_error())
                failures += file.path + " (fsynced) is missing; ";
        }
        if (auto result = fs.unmount(); result.is_error())
            failures += "unmount failed; ";
    }
    std::string problems = fs_test::fsck_problems(disk.image());
    if (!problems.empty())
        failures += "fsck: " + problems;
    return failures;
}

// A fresh file system whose free blocks hold garbage, as a used disk's do: a block that a
// file shows before its data was written shows this garbage's tag (30, which no file has).
std::vector<uint8_t> used_looking_image()
{
    std::vector<uint8_t> image = fs_test::formatted_image(kShape);
    fs::Superblock superblock;
    std::memcpy(&superblock, image.data() + fs::kSuperblockBlock * kPage, sizeof(superblock));
    const uint8_t* bitmap = image.data() + uint64_t(superblock.block_bitmap_start) * kPage;
    for (uint32_t block = superblock.data_start; block < superblock.block_count; ++block) {
        if (!(bitmap[block / 8] & (1u << (block % 8))))
            std::memset(image.data() + uint64_t(block) * kPage, 30 << 3, kPage);
    }
    return image;
}

}  // namespace

TEST(FileSystemCrash, BufferedWritesSurviveEveryPowerCutOrderedAndFsyncedIntact)
{
    auto started = std::chrono::steady_clock::now();
    const std::vector<uint8_t> fresh = used_looking_image();

    MemoryBlockDevice reference(fresh);
    RunResult expected = run_workload(reference, 0);
    uint64_t total_writes = reference.block_writes();
    ASSERT_GT(total_writes, 300u);
    ASSERT_GT(expected.durable.size(), 10u);
    EXPECT_EQ("", fs_test::fsck_problems(reference.image()));
    EXPECT_EQ("", check_after_cut(reference.image(), expected, total_writes));

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
        RunResult run = run_workload(device, cut);
        ASSERT_EQ(expected.durable.size(), run.durable.size()) << "the workload must be deterministic";
        for (const DurableFile& file : run.durable)
            fsynced_checked += file.writes <= cut;
        std::string failure = check_after_cut(device.durable_image(), run, cut);
        if (!failure.empty()) {
            ++failed;
            ADD_FAILURE() << "power cut after write " << cut << " of " << total_writes << ": " << failure;
            if (failed > 5)
                break;
        }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("buffered crash test: %zu power cuts over a workload of %lu block writes (%zu fsync points); "
                "%zu fsynced files checked; %zu failures; %.1f s\n",
                cuts.size(), static_cast<unsigned long>(total_writes), expected.durable.size(), fsynced_checked,
                failed, seconds);
}
