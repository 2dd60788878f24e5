// Helpers shared by the file-system tests: a freshly formatted in-memory disk, mounting it,
// whole-file reads, and the fsck verdict on an image. Header-only test scaffolding.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "check.h"
#include "format_image.h"
#include "fs/file_system.h"
#include "memory_block_device.h"

namespace fs_test {

struct DiskShape {
    uint32_t blocks { 4096 };  // 16 MiB
    uint32_t inodes { 256 };
    uint32_t log_blocks { 64 };
};

inline std::vector<uint8_t> formatted_image(DiskShape shape = {})
{
    std::vector<uint8_t> image;
    std::string error;
    bool ok = mkfs::format_image(image, shape.blocks, shape.inodes, shape.log_blocks, &error);
    EXPECT_TRUE(ok) << error;
    return image;
}

// The fsck report of an image, as text when it is not clean.
inline std::string fsck_problems(const std::vector<uint8_t>& image)
{
    fsck::Report report = fsck::check_image(image.data(), image.size());
    return report.clean() ? std::string() : report.text();
}

// A device with a fresh file system, and the file system mounted on it.
struct MountedDisk {
    explicit MountedDisk(DiskShape shape = {}, fs::MountOptions options = {})
        : device(formatted_image(shape))
    {
        mount(options);
    }

    void mount(fs::MountOptions options = {})
    {
        auto mounted = fs::FileSystem::mount(device, options);
        EXPECT_FALSE(mounted.is_error()) << (mounted.is_error() ? mounted.error().name() : "");
        if (!mounted.is_error())
            file_system = mounted.release_value();
    }

    // Unmounts (every inode reference but the root's must be gone) and mounts again.
    void remount()
    {
        auto result = file_system->unmount();
        ASSERT_FALSE(result.is_error()) << result.error().name();
        file_system = nullptr;
        mount();
    }

    void unmount()
    {
        auto result = file_system->unmount();
        ASSERT_FALSE(result.is_error()) << result.error().name();
        file_system = nullptr;
    }

    fs::FileSystem& fs() { return *file_system; }
    fs::Inode& root() { return *file_system->root(); }

    RefPtr<fs::Inode> create(const char* path)
    {
        auto inode = file_system->create_file(root(), path);
        EXPECT_FALSE(inode.is_error()) << path << ": " << (inode.is_error() ? inode.error().name() : "");
        return inode.is_error() ? RefPtr<fs::Inode>() : inode.release_value();
    }

    RefPtr<fs::Inode> lookup(const char* path)
    {
        auto inode = file_system->lookup(root(), path);
        return inode.is_error() ? RefPtr<fs::Inode>() : inode.release_value();
    }

    void write(fs::Inode& inode, uint64_t offset, const std::string& data)
    {
        auto written = file_system->write(inode, offset, data.data(), data.size());
        ASSERT_FALSE(written.is_error()) << written.error().name();
        ASSERT_EQ(data.size(), written.value());
    }

    std::string read(fs::Inode& inode, uint64_t offset, size_t length)
    {
        std::string data(length, '\0');
        auto count = file_system->read(inode, offset, data.data(), length);
        EXPECT_FALSE(count.is_error()) << (count.is_error() ? count.error().name() : "");
        data.resize(count.is_error() ? 0 : count.value());
        return data;
    }

    std::string read_all(fs::Inode& inode) { return read(inode, 0, size_t(file_system->stat(inode).size)); }

    // fsck's verdict on the disk as it is now (the file system should be idle).
    std::string fsck() { return fsck_problems(device.image()); }

    MemoryBlockDevice device;
    OwnPtr<fs::FileSystem> file_system;
};

// Deterministic bytes that differ per seed and position.
inline std::string pattern(size_t length, uint32_t seed)
{
    std::string data(length, '\0');
    uint32_t state = seed * 2654435761u + 1;
    for (size_t i = 0; i < length; ++i) {
        state = state * 1103515245u + 12345u;
        data[i] = char('a' + (state >> 16) % 26);
    }
    return data;
}

}  // namespace fs_test
