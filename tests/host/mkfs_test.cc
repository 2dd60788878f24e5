// Tests for mkfs's library (tools/mkfs): format_image lays out a file system that fsck finds
// clean, ImageBuilder adds files, directories and links consistently, and populate_image
// copies a host directory tree whose contents read back the same. The image is read back
// with a small reader written here from format.h alone, so the builder does not check itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "check.h"
#include "format_image.h"
#include "fs/format.h"
#include "image_builder.h"
#include "populate.h"

namespace {

namespace stdfs = std::filesystem;

// Reads files and directories out of an image, independently of ImageBuilder.
class Reader {
public:
    explicit Reader(const std::vector<uint8_t>& image) : m_image(image) {
        std::memcpy(&m_superblock, block(fs::kSuperblockBlock), sizeof(m_superblock));
    }

    const fs::Superblock& superblock() const { return m_superblock; }

    const uint8_t* block(uint64_t number) const { return m_image.data() + number * fs::kBlockSize; }

    fs::DiskInode inode(fs::InodeNumber number) const {
        fs::DiskInode result;
        std::memcpy(&result,
                    block(m_superblock.inode_table_start + number / fs::kInodesPerBlock) +
                        (number % fs::kInodesPerBlock) * sizeof(fs::DiskInode),
                    sizeof(result));
        return result;
    }

    fs::BlockNumber pointer(fs::BlockNumber table, uint64_t index) const {
        if (table == 0)
            return 0;
        fs::BlockNumber result;
        std::memcpy(&result, block(table) + index * sizeof(fs::BlockNumber), sizeof(result));
        return result;
    }

    fs::BlockNumber map(const fs::DiskInode& file, uint64_t index) const {
        if (index < fs::kDirectBlocks)
            return file.direct[index];
        index -= fs::kDirectBlocks;
        if (index < fs::kPointersPerBlock)
            return pointer(file.indirect, index);
        index -= fs::kPointersPerBlock;
        return pointer(pointer(file.double_indirect, index / fs::kPointersPerBlock),
                       index % fs::kPointersPerBlock);
    }

    std::vector<uint8_t> read_file(fs::InodeNumber number) const {
        fs::DiskInode file = inode(number);
        std::vector<uint8_t> data(file.size);
        for (uint64_t offset = 0; offset < file.size; offset += fs::kBlockSize) {
            fs::BlockNumber at = map(file, offset / fs::kBlockSize);
            size_t length = std::min<uint64_t>(fs::kBlockSize, file.size - offset);
            if (at)
                std::memcpy(data.data() + offset, block(at), length);
        }
        return data;
    }

    // Name -> inode, for every entry of a directory ("." and ".." included).
    std::map<std::string, fs::InodeNumber> list(fs::InodeNumber directory) const {
        std::map<std::string, fs::InodeNumber> entries;
        fs::DiskInode dir = inode(directory);
        for (uint64_t index = 0; index * fs::kBlockSize < dir.size; ++index) {
            const uint8_t* data = block(map(dir, index));
            for (uint32_t offset = 0; offset < fs::kBlockSize;) {
                fs::DirEntry entry;
                std::memcpy(&entry, data + offset, sizeof(entry));
                if (entry.inode)
                    entries[std::string(reinterpret_cast<const char*>(data + offset + 8),
                                        entry.name_length)] = entry.inode;
                offset += entry.record_length;
            }
        }
        return entries;
    }

private:
    const std::vector<uint8_t>& m_image;
    fs::Superblock m_superblock{};
};

// Reproducible pseudo-random contents (xorshift, eight bytes a step: these are megabytes
// and the tests run unoptimised under the sanitizers).
std::vector<uint8_t> random_bytes(size_t length, uint32_t seed) {
    uint64_t state = 0x9e3779b97f4a7c15ull * (seed + 1);
    std::vector<uint8_t> bytes(length);
    for (size_t i = 0; i < length; i += 8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        std::memcpy(bytes.data() + i, &state, std::min<size_t>(8, length - i));
    }
    return bytes;
}

void expect_clean(const std::vector<uint8_t>& image) {
    fsck::Report report = fsck::check_image(image.data(), image.size());
    EXPECT_TRUE(report.clean()) << report.text();
}

// A scratch directory on the host, removed at the end of the test.
class HostTree {
public:
    HostTree() {
        char pattern[] = "/tmp/atlas-mkfs-test-XXXXXX";
        m_root = ::mkdtemp(pattern);
    }
    ~HostTree() { stdfs::remove_all(m_root); }

    const stdfs::path& root() const { return m_root; }

    void write(const std::string& relative, const std::vector<uint8_t>& data) const {
        stdfs::path path = m_root / relative;
        stdfs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), data.size());
    }

private:
    stdfs::path m_root;
};

TEST(FormatImage, EmptyFileSystemIsClean) {
    for (uint32_t blocks : {64u, 2048u, 65536u}) {
        std::vector<uint8_t> image;
        std::string error;
        ASSERT_TRUE(mkfs::format_image(image, blocks, mkfs::default_inode_count(blocks),
                                       mkfs::default_log_blocks(blocks), &error))
            << error;
        EXPECT_EQ(image.size(), uint64_t(blocks) * fs::kBlockSize);
        expect_clean(image);
    }
}

TEST(FormatImage, RootHoldsOnlyDotAndDotDotNamingItself) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 1024, 128, 32, nullptr));
    Reader reader(image);
    EXPECT_EQ(reader.superblock().root_inode, fs::kRootInode);
    fs::DiskInode root = reader.inode(fs::kRootInode);
    EXPECT_EQ(root.type, fs::InodeType::Directory);
    EXPECT_EQ(root.link_count, 2);
    EXPECT_EQ(root.size, fs::kBlockSize);
    std::map<std::string, fs::InodeNumber> expected{{".", fs::kRootInode}, {"..", fs::kRootInode}};
    EXPECT_EQ(reader.list(fs::kRootInode), expected);
}

TEST(FormatImage, LogStartsEmptyWithValidHeader) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 1024, 128, 32, nullptr));
    Reader reader(image);
    fs::LogHeader header;
    std::memcpy(&header, reader.block(reader.superblock().log_start), sizeof(header));
    EXPECT_EQ(header.magic, fs::kLogMagic);
    EXPECT_EQ(header.count, 0u);
    EXPECT_EQ(header.checksum, fs::log_header_checksum(header));
    EXPECT_EQ(reader.superblock().log_blocks, 32u);
}

TEST(FormatImage, RefusesParametersThatCannotMakeAFileSystem) {
    std::vector<uint8_t> image;
    std::string error;
    EXPECT_FALSE(mkfs::format_image(image, 1024, 1, 32, &error));
    EXPECT_NE(error.find("inodes"), std::string::npos) << error;
    EXPECT_FALSE(mkfs::format_image(image, 1024, 128, 1, &error));
    EXPECT_FALSE(mkfs::format_image(image, 1024, 128, mkfs::kMaxLogBlocks + 1, &error));
    EXPECT_NE(error.find("log"), std::string::npos) << error;
    EXPECT_FALSE(mkfs::format_image(image, 40, 128, 32, &error));
    EXPECT_NE(error.find("no room"), std::string::npos) << error;
    // An inode count whose table would wrap 32-bit arithmetic is refused, not mis-laid.
    EXPECT_FALSE(mkfs::format_image(image, 1024, UINT32_MAX, 32, &error));
    EXPECT_TRUE(image.empty());
}

TEST(FormatImage, DefaultsFollowTheDiskSize) {
    uint32_t default_blocks = (256u << 20) / fs::kBlockSize;
    EXPECT_EQ(mkfs::default_inode_count(default_blocks), 16384u);
    EXPECT_EQ(mkfs::default_log_blocks(default_blocks), mkfs::kMaxLogBlocks);
    EXPECT_EQ(mkfs::default_log_blocks(64), mkfs::kMinLogBlocks + 2);
    EXPECT_EQ(mkfs::default_inode_count(64), 64u);
    EXPECT_EQ(mkfs::default_inode_count(UINT32_MAX), 1u << 20);
}

TEST(ImageBuilder, FilesCrossingIndirectBoundariesReadBack) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 4096, 256, 64, nullptr));
    auto builder = mkfs::ImageBuilder::open(image, nullptr);
    ASSERT_TRUE(builder);
    // Sizes just around the direct/indirect (12 blocks) and indirect/double-indirect
    // (1036 blocks) boundaries, and one partial last block.
    std::vector<uint64_t> sizes = {
        0, 1, 12 * 4096 - 1, 12 * 4096, 12 * 4096 + 1, 1036 * 4096, 1036 * 4096 + 7, 1100 * 4096 + 100};
    std::vector<fs::InodeNumber> inodes;
    for (size_t i = 0; i < sizes.size(); ++i) {
        std::string error;
        auto file = builder->create_file(fs::kRootInode, "f" + std::to_string(i), &error);
        ASSERT_TRUE(file) << error;
        std::vector<uint8_t> data = random_bytes(sizes[i], uint32_t(i));
        ASSERT_TRUE(builder->write_file(*file, 0, data.data(), data.size(), &error)) << error;
        inodes.push_back(*file);
    }
    Reader reader(image);
    for (size_t i = 0; i < sizes.size(); ++i)
        EXPECT_EQ(reader.read_file(inodes[i]), random_bytes(sizes[i], uint32_t(i))) << "size " << sizes[i];
    EXPECT_NE(reader.inode(inodes.back()).double_indirect, 0u);
    EXPECT_EQ(reader.inode(inodes[3]).indirect, 0u);
    EXPECT_NE(reader.inode(inodes[4]).indirect, 0u);
    expect_clean(image);
}

TEST(ImageBuilder, WriteAtOffsetLeavesHolesThatReadAsZeros) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 2048, 128, 32, nullptr));
    auto builder = mkfs::ImageBuilder::open(image, nullptr);
    auto file = builder->create_file(fs::kRootInode, "sparse", nullptr);
    ASSERT_TRUE(file);
    const uint8_t tail[] = {1, 2, 3};
    uint64_t offset = 2000 * uint64_t(fs::kBlockSize);
    ASSERT_TRUE(builder->write_file(*file, offset, tail, sizeof(tail), nullptr));
    EXPECT_EQ(builder->block_of(*file, 0), 0u);
    EXPECT_EQ(builder->block_of(*file, 1500), 0u);
    std::vector<uint8_t> data = Reader(image).read_file(*file);
    ASSERT_EQ(data.size(), offset + 3);
    EXPECT_EQ(data[0], 0);
    EXPECT_EQ(data[offset + 2], 3);
    expect_clean(image);
}

TEST(ImageBuilder, DirectoriesAndHardLinksKeepLinkCounts) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 1024, 128, 32, nullptr));
    auto builder = mkfs::ImageBuilder::open(image, nullptr);
    auto a = builder->make_directory(fs::kRootInode, "a", nullptr);
    auto b = builder->make_directory(*a, "b", nullptr);
    auto file = builder->create_file(*b, "file", nullptr);
    ASSERT_TRUE(a && b && file);
    ASSERT_TRUE(builder->link(fs::kRootInode, "alias", *file, nullptr));
    std::string error;
    EXPECT_FALSE(builder->link(fs::kRootInode, "dirlink", *a, &error));
    EXPECT_FALSE(builder->create_file(*b, "file", &error));
    EXPECT_NE(error.find("already exists"), std::string::npos);
    EXPECT_FALSE(builder->create_file(*b, "x/y", &error));
    EXPECT_FALSE(builder->create_file(*b, std::string(256, 'n'), &error));
    EXPECT_TRUE(builder->create_file(*b, std::string(255, 'n'), &error)) << error;

    Reader reader(image);
    EXPECT_EQ(reader.inode(fs::kRootInode).link_count, 3);  // ".", "..", and a's "..".
    EXPECT_EQ(reader.inode(*a).link_count, 3);
    EXPECT_EQ(reader.inode(*b).link_count, 2);
    EXPECT_EQ(reader.inode(*file).link_count, 2);
    EXPECT_EQ(reader.list(*b).at(".."), *a);
    EXPECT_EQ(reader.list(fs::kRootInode).at("alias"), *file);
    EXPECT_EQ(builder->lookup(*b, "file"), file);
    expect_clean(image);
}

TEST(ImageBuilder, LargeDirectorySpansSeveralBlocks) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 2048, 1024, 32, nullptr));
    auto builder = mkfs::ImageBuilder::open(image, nullptr);
    for (int i = 0; i < 600; ++i) {
        std::string error;
        ASSERT_TRUE(builder->create_file(fs::kRootInode,
                                         "a-rather-long-file-name-number-" + std::to_string(i), &error))
            << error;
    }
    Reader reader(image);
    EXPECT_GT(reader.inode(fs::kRootInode).size, 4u * fs::kBlockSize);
    EXPECT_EQ(reader.list(fs::kRootInode).size(), 602u);
    expect_clean(image);
}

TEST(ImageBuilder, RunningOutOfBlocksFailsAndLeavesImageConsistent) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 256, 64, 16, nullptr));
    auto builder = mkfs::ImageBuilder::open(image, nullptr);
    auto file = builder->create_file(fs::kRootInode, "huge", nullptr);
    ASSERT_TRUE(file);
    std::vector<uint8_t> data(2 << 20, 0xab);
    std::string error;
    EXPECT_FALSE(builder->write_file(*file, 0, data.data(), data.size(), &error));
    EXPECT_NE(error.find("out of data blocks"), std::string::npos) << error;
    expect_clean(image);
    // The part that fitted reads back.
    std::vector<uint8_t> written = Reader(image).read_file(*file);
    EXPECT_GT(written.size(), 0u);
    EXPECT_TRUE(std::all_of(written.begin(), written.end(), [](uint8_t b) { return b == 0xab; }));
    EXPECT_FALSE(builder->make_directory(fs::kRootInode, "more", &error));
    expect_clean(image);
}

TEST(ImageBuilder, RunningOutOfInodesFailsAndLeavesImageConsistent) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 1024, 40, 16, nullptr));
    auto builder = mkfs::ImageBuilder::open(image, nullptr);
    std::string error;
    int created = 0;
    while (builder->create_file(fs::kRootInode, "f" + std::to_string(created), &error))
        ++created;
    EXPECT_EQ(created, 38);  // 40 minus inode 0 and the root.
    EXPECT_NE(error.find("out of inodes"), std::string::npos) << error;
    EXPECT_FALSE(builder->make_directory(fs::kRootInode, "d", &error));
    expect_clean(image);
}

TEST(Populate, CopiesHostTreeWithContents) {
    HostTree tree;
    tree.write("README", {'h', 'i', '\n'});
    tree.write("empty", {});
    tree.write("bin/big", random_bytes(1040 * 4096 + 5, 1));  // Into the double-indirect range.
    tree.write("bin/small", random_bytes(5000, 2));
    tree.write("a/b/c/deep", random_bytes(12 * 4096, 3));
    stdfs::create_directories(tree.root() / "emptydir");
    stdfs::create_symlink("README", tree.root() / "link");

    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 4096, 256, 64, nullptr));
    std::vector<std::string> warnings;
    std::string error;
    ASSERT_TRUE(mkfs::populate_image(image, tree.root().string(), &warnings, &error)) << error;
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("link"), std::string::npos);
    expect_clean(image);

    Reader reader(image);
    auto root = reader.list(fs::kRootInode);
    EXPECT_EQ(root.size(), 7u);  // ".", "..", README, empty, bin, a, emptydir.
    EXPECT_EQ(root.count("link"), 0u);
    EXPECT_EQ(reader.read_file(root.at("README")), (std::vector<uint8_t>{'h', 'i', '\n'}));
    EXPECT_TRUE(reader.read_file(root.at("empty")).empty());
    auto bin = reader.list(root.at("bin"));
    EXPECT_EQ(reader.read_file(bin.at("big")), random_bytes(1040 * 4096 + 5, 1));
    EXPECT_EQ(reader.read_file(bin.at("small")), random_bytes(5000, 2));
    fs::InodeNumber c = reader.list(reader.list(root.at("a")).at("b")).at("c");
    EXPECT_EQ(reader.inode(c).type, fs::InodeType::Directory);
    EXPECT_EQ(reader.read_file(reader.list(c).at("deep")), random_bytes(12 * 4096, 3));
    EXPECT_EQ(reader.list(root.at("emptydir")).size(), 2u);
}

TEST(Populate, TreeTooLargeForTheImageIsAnError) {
    HostTree tree;
    tree.write("big", random_bytes(4 << 20, 4));
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 512, 64, 16, nullptr));
    std::string error;
    EXPECT_FALSE(mkfs::populate_image(image, tree.root().string(), nullptr, &error));
    EXPECT_NE(error.find("out of data blocks"), std::string::npos) << error;
    expect_clean(image);
}

TEST(Populate, MissingSourceDirectoryIsAnError) {
    std::vector<uint8_t> image;
    ASSERT_TRUE(mkfs::format_image(image, 512, 64, 16, nullptr));
    std::string error;
    EXPECT_FALSE(mkfs::populate_image(image, "/nonexistent/atlas", nullptr, &error));
    EXPECT_NE(error.find("not a directory"), std::string::npos);
}

}  // namespace
