// Tests for fsck::check_image (tools/fsck/check.h): a well-formed image is clean, each
// invariant broken on its own is reported by a sentence that names it, a committed log is
// replayed rather than reported, and garbage never crashes the checker (these tests run
// under AddressSanitizer and UndefinedBehaviorSanitizer).
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "format_image.h"
#include "fs/format.h"
#include "image_builder.h"

namespace {

// A small file system with a bit of everything, built fresh for every test:
//   /a/            directory
//   /a/f           3 blocks
//   /a/sub/        empty directory
//   /a/h2          hard link to /h
//   /g             20 blocks (uses the indirect block)
//   /h             1 block, two names
class FsckTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(mkfs::format_image(m_image, 2048, 128, 32, nullptr));
        m_builder = mkfs::ImageBuilder::open(m_image, nullptr);
        ASSERT_TRUE(m_builder);
        m_a = *m_builder->make_directory(fs::kRootInode, "a", nullptr);
        m_f = *m_builder->create_file(m_a, "f", nullptr);
        write(m_f, 3 * fs::kBlockSize);
        m_sub = *m_builder->make_directory(m_a, "sub", nullptr);
        m_g = *m_builder->create_file(fs::kRootInode, "g", nullptr);
        write(m_g, 20 * fs::kBlockSize);
        m_h = *m_builder->create_file(fs::kRootInode, "h", nullptr);
        write(m_h, 100);
        ASSERT_TRUE(m_builder->link(m_a, "h2", m_h, nullptr));
        fsck::Report report = check();
        ASSERT_TRUE(report.clean()) << report.text();
    }

    void write(fs::InodeNumber inode, size_t length) {
        std::vector<uint8_t> data(length, uint8_t(inode));
        ASSERT_TRUE(m_builder->write_file(inode, 0, data.data(), data.size(), nullptr));
    }

    fsck::Report check() const { return fsck::check_image(m_image.data(), m_image.size()); }

    // The entry `name` of `directory`, found by walking its records.
    fs::DirEntry* entry(fs::InodeNumber directory, const std::string& name) {
        fs::DiskInode& dir = m_builder->inode(directory);
        for (uint64_t index = 0; index * fs::kBlockSize < dir.size; ++index) {
            uint8_t* data = m_builder->block(m_builder->block_of(directory, index));
            for (uint32_t offset = 0; offset < fs::kBlockSize;) {
                auto* record = reinterpret_cast<fs::DirEntry*>(data + offset);
                if (record->inode && std::string(record->name, record->name_length) == name)
                    return record;
                offset += record->record_length;
            }
        }
        ADD_FAILURE() << "no entry " << name;
        return nullptr;
    }

    void set_bit(fs::BlockNumber bitmap_start, uint64_t index, bool value) {
        uint8_t& byte =
            m_builder->block(bitmap_start + index / fs::kBitsPerBlock)[(index % fs::kBitsPerBlock) / 8];
        uint8_t mask = uint8_t(1u << (index % 8));
        byte = value ? byte | mask : byte & ~mask;
    }
    void set_block_bit(uint64_t block, bool value) {
        set_bit(m_builder->superblock().block_bitmap_start, block, value);
    }
    void set_inode_bit(uint64_t inode, bool value) {
        set_bit(m_builder->superblock().inode_bitmap_start, inode, value);
    }

    // Writes a committed log transaction putting `contents` at home block `home`.
    void commit_to_log(fs::BlockNumber home, const std::vector<uint8_t>& contents, uint32_t sequence = 7) {
        uint32_t log_start = m_builder->superblock().log_start;
        std::memcpy(m_builder->block(log_start + 1), contents.data(), fs::kBlockSize);
        auto* header = reinterpret_cast<fs::LogHeader*>(m_builder->block(log_start));
        header->count = 1;
        header->sequence = sequence;
        header->blocks[0] = home;
        header->checksum = fs::log_header_checksum(*header);
    }

    fs::BlockNumber inode_table_block(fs::InodeNumber inode) const {
        return m_builder->superblock().inode_table_start + inode / fs::kInodesPerBlock;
    }

    std::vector<uint8_t> m_image;
    std::unique_ptr<mkfs::ImageBuilder> m_builder;
    fs::InodeNumber m_a = 0, m_f = 0, m_sub = 0, m_g = 0, m_h = 0;
};

// Expects the report to hold a problem containing every one of `fragments`.
#define EXPECT_PROBLEM(report, ...)                                                                     \
    do {                                                                                                \
        const fsck::Report& report_ = (report);                                                         \
        std::vector<std::string> fragments_ = {__VA_ARGS__};                                            \
        bool found_ = false;                                                                            \
        for (const std::string& problem_ : report_.problems) {                                          \
            bool all_ = true;                                                                           \
            for (const std::string& fragment_ : fragments_)                                             \
                all_ = all_ && problem_.find(fragment_) != std::string::npos;                           \
            found_ = found_ || all_;                                                                    \
        }                                                                                               \
        EXPECT_TRUE(found_) << "no problem mentions all of the expected words in:\n" << report_.text(); \
    } while (0)

TEST_F(FsckTest, BuiltImageIsCleanAndSaysSo) {
    fsck::Report report = check();
    EXPECT_TRUE(report.clean());
    EXPECT_NE(report.text().find("clean"), std::string::npos);
}

TEST_F(FsckTest, BadMagicIsRefused) {
    reinterpret_cast<fs::Superblock*>(m_builder->block(fs::kSuperblockBlock))->magic ^= 1;
    EXPECT_PROBLEM(check(), "superblock", "magic");
}

TEST_F(FsckTest, SuperblockChecksumMismatchIsRefused) {
    reinterpret_cast<fs::Superblock*>(m_builder->block(fs::kSuperblockBlock))->inode_count += 32;
    EXPECT_PROBLEM(check(), "superblock", "checksum");
}

// validate_superblock() computes the layout in 32 bits, so an inode count near 2^32 wraps
// the inode table's size to 0 blocks and yet agrees with itself on a disk large enough for
// the inode bitmap (512 MiB); the checker must refuse it rather than read an inode table of
// four billion entries. The disk is an anonymous mapping, so its untouched pages cost nothing.
TEST(FsckSuperblock, InodeCountThatWrapsTheLayoutIsRefused) {
    uint32_t block_count = 140000;
    uint32_t inode_count = 0xffffffe1;  // (inode_count + 31) / 32 wraps to 0 in 32 bits.
    uint32_t log_blocks = 2;
    size_t size = size_t(block_count) * fs::kBlockSize;
    void* mapping =
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ASSERT_NE(mapping, MAP_FAILED);
    auto* image = static_cast<uint8_t*>(mapping);
    fs::Layout layout = fs::compute_layout(block_count, inode_count, log_blocks);
    EXPECT_EQ(layout.inode_table_blocks, 0u);
    fs::Superblock superblock{fs::kMagic,
                              fs::kVersion,
                              fs::kBlockSize,
                              block_count,
                              inode_count,
                              layout.log_start,
                              log_blocks,
                              layout.inode_bitmap_start,
                              layout.inode_bitmap_blocks,
                              layout.inode_table_start,
                              layout.inode_table_blocks,
                              layout.block_bitmap_start,
                              layout.block_bitmap_blocks,
                              layout.data_start,
                              fs::kRootInode,
                              0};
    superblock.checksum = fs::superblock_checksum(superblock);
    std::memcpy(image + fs::kBlockSize, &superblock, sizeof(superblock));
    fsck::Report report = fsck::check_image(image, size);
    EXPECT_PROBLEM(report, "superblock", "do not fit");
    ::munmap(mapping, size);
}

TEST_F(FsckTest, ImageTooSmallForSuperblockIsRefused) {
    fsck::Report report = fsck::check_image(m_image.data(), 100);
    EXPECT_PROBLEM(report, "too small");
    EXPECT_PROBLEM(fsck::check_image(nullptr, 0), "too small");
}

TEST_F(FsckTest, TruncatedImageIsRefused) {
    EXPECT_PROBLEM(fsck::check_image(m_image.data(), m_image.size() / 2), "larger than the device");
}

TEST_F(FsckTest, BlockInUseButMarkedFreeIsReported) {
    fs::BlockNumber block = m_builder->inode(m_f).direct[1];
    set_block_bit(block, false);
    EXPECT_PROBLEM(check(), "block " + std::to_string(block), "inode " + std::to_string(m_f), "marked free");
}

TEST_F(FsckTest, LeakedBlockIsReported) {
    fs::BlockNumber block = m_builder->superblock().block_count - 5;
    set_block_bit(block, true);
    EXPECT_PROBLEM(check(), "block " + std::to_string(block), "leaked");
}

TEST_F(FsckTest, MetadataBlockMarkedFreeIsReported) {
    fs::BlockNumber block = m_builder->superblock().inode_table_start;
    set_block_bit(block, false);
    EXPECT_PROBLEM(check(), "metadata block " + std::to_string(block), "free");
}

TEST_F(FsckTest, BlockUsedByTwoFilesIsReported) {
    fs::BlockNumber shared = m_builder->inode(m_f).direct[0];
    m_builder->inode(m_h).direct[0] = shared;
    EXPECT_PROBLEM(check(), "block " + std::to_string(shared), "used twice", "inode " + std::to_string(m_h));
}

TEST_F(FsckTest, BlockUsedTwiceInOneFileIsReported) {
    fs::DiskInode& file = m_builder->inode(m_f);
    file.direct[2] = file.direct[0];
    EXPECT_PROBLEM(check(), "block " + std::to_string(file.direct[0]),
                   "used twice by inode " + std::to_string(m_f));
}

TEST_F(FsckTest, BlockPointerOutsideDataAreaIsReported) {
    m_builder->inode(m_g).direct[4] = 3;  // Inside the log.
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_g), "file block 4", "outside the data area");
    m_builder->inode(m_g).indirect = 0xffffff00;
    EXPECT_PROBLEM(check(), "indirect block", "outside the data area");
}

TEST_F(FsckTest, WrongLinkCountIsReported) {
    m_builder->inode(m_h).link_count = 1;
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_h), "link count 1", "2 directory entries");
}

TEST_F(FsckTest, DirectoryLinkCountCountsChildrensDotDot) {
    m_builder->inode(m_a).link_count = 2;  // Forgetting sub's "..".
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_a), "link count 2", "3 directory entries");
}

TEST_F(FsckTest, BadRecordLengthIsReported) {
    entry(m_a, ".")->record_length = 6;
    EXPECT_PROBLEM(check(), "directory inode " + std::to_string(m_a), "bad record length 6");
}

TEST_F(FsckTest, RecordLengthsNotSummingToBlockAreReported) {
    fs::DirEntry* last = entry(fs::kRootInode, "h");  // The last record of the root's block.
    last->record_length += 4;
    EXPECT_PROBLEM(check(), "bad record length");
}

TEST_F(FsckTest, RecordTooShortForItsNameIsReported) {
    fs::DirEntry* dot = entry(m_a, ".");
    dot->name_length = 200;
    EXPECT_PROBLEM(check(), "cannot hold a name of 200 bytes");
}

TEST_F(FsckTest, MissingDotIsReported) {
    entry(m_a, ".")->name[0] = 'x';
    EXPECT_PROBLEM(check(), "directory inode " + std::to_string(m_a), "does not start with \".\"");
}

TEST_F(FsckTest, DotDotNamingTheWrongParentIsReported) {
    entry(m_sub, "..")->inode = fs::kRootInode;
    EXPECT_PROBLEM(check(), "directory inode " + std::to_string(m_sub), "\"..\"", "instead of the parent");
}

TEST_F(FsckTest, RootDotDotMustNameTheRoot) {
    entry(fs::kRootInode, "..")->inode = m_a;
    EXPECT_PROBLEM(check(), "directory inode 1", "\"..\"", "instead of the parent, inode 1");
}

TEST_F(FsckTest, EntryPointingToFreeInodeIsReported) {
    // Free /g's inode as if unlink forgot its directory entry.
    m_builder->inode(m_g).type = fs::InodeType::Free;
    set_inode_bit(m_g, false);
    fsck::Report report = check();
    EXPECT_PROBLEM(report, "entry \"g\"", "inode " + std::to_string(m_g), "free");
}

TEST_F(FsckTest, InodeWithTypeButClearBitmapIsReported) {
    set_inode_bit(m_h, false);
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_h), "not marked in use");
}

TEST_F(FsckTest, InodeMarkedInUseWithoutTypeIsReported) {
    set_inode_bit(100, true);
    EXPECT_PROBLEM(check(), "inode 100", "no type");
}

TEST_F(FsckTest, InvalidInodeTypeIsReported) {
    m_builder->inode(m_h).type = fs::InodeType(9);
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_h), "invalid type 9");
}

TEST_F(FsckTest, EntryTypeMismatchIsReported) {
    entry(fs::kRootInode, "g")->type = fs::DirEntryType::Directory;
    EXPECT_PROBLEM(check(), "entry \"g\"", "entry type 1", "is a file");
}

TEST_F(FsckTest, DuplicateNameIsReported) {
    entry(m_a, "h2")->name[1] = '\0';
    entry(m_a, std::string("h\0", 2))->name[1] = 'x';  // Rename "h2" to "hx" ...
    fs::DirEntry* renamed = entry(m_a, "hx");
    renamed->name_length = 1;  // ... then to "h": unique so far.
    ASSERT_TRUE(check().clean()) << check().text();
    std::memcpy(entry(m_a, "f")->name, "h", 1);  // Now two entries are called "h".
    EXPECT_PROBLEM(check(), "entry \"h\"", "more than once");
}

TEST_F(FsckTest, NameWithSlashIsReported) {
    entry(m_a, "h2")->name[0] = '/';
    EXPECT_PROBLEM(check(), "contains '/' or NUL");
}

TEST_F(FsckTest, SizeShorterThanBlockMapIsReported) {
    m_builder->inode(m_f).size = fs::kBlockSize + 1;  // Two blocks' worth; three are mapped.
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_f), "file block 2", "beyond the end of the file");
}

TEST_F(FsckTest, BlockExactlyAtEndOfFileIsReportedButHolesAreFine) {
    m_builder->inode(m_f).size = 2 * fs::kBlockSize;  // Block 2 starts exactly at end of file.
    EXPECT_PROBLEM(check(), "file block 2", "beyond the end of the file");
    m_builder->inode(m_f).size = 3 * fs::kBlockSize;
    m_builder->inode(m_f).direct[1] = 0;  // A hole in the middle is not a problem by itself.
    fsck::Report report = check();
    EXPECT_PROBLEM(report, "leaked");
    EXPECT_EQ(report.problems.size(), 1u) << report.text();
}

TEST_F(FsckTest, IndirectBlockWhollyBeyondEndOfFileIsReported) {
    m_builder->inode(m_g).size = 12 * fs::kBlockSize;
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_g), "indirect block", "wholly beyond the end");
}

TEST_F(FsckTest, SizeBeyondTheLargestFileIsReported) {
    m_builder->inode(m_h).size = fs::kMaxFileSize + 1;
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_h), "larger than the block map can describe");
}

TEST_F(FsckTest, OrphanInodeIsReported) {
    entry(fs::kRootInode, "g")->inode = 0;  // Unlinked, but the inode was never freed.
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_g), "orphan");
}

TEST_F(FsckTest, DirectoryWithTwoNamesIsReported) {
    fs::DirEntry* alias = entry(fs::kRootInode, "h");
    alias->inode = m_sub;  // /h now names /a/sub too.
    alias->type = fs::DirEntryType::Directory;
    EXPECT_PROBLEM(check(), "directory inode " + std::to_string(m_sub), "already has a name");
}

TEST_F(FsckTest, DirectoryWithHoleIsReported) {
    m_builder->inode(m_a).size = 2 * fs::kBlockSize;
    EXPECT_PROBLEM(check(), "directory inode " + std::to_string(m_a), "holes");
}

TEST_F(FsckTest, RootThatIsNotADirectoryIsReported) {
    m_builder->inode(fs::kRootInode).type = fs::InodeType::File;
    EXPECT_PROBLEM(check(), "root", "not an in-use directory");
}

TEST_F(FsckTest, CommittedLogIsReplayedNotReported) {
    // Break the link count at home, and commit a log transaction that holds the fixed block:
    // the image is consistent once the log is replayed, as mount would.
    fs::BlockNumber table = inode_table_block(m_h);
    std::vector<uint8_t> good(m_builder->block(table), m_builder->block(table) + fs::kBlockSize);
    m_builder->inode(m_h).link_count = 9;
    ASSERT_FALSE(check().clean());
    commit_to_log(table, good, 41);
    fsck::Report report = check();
    EXPECT_TRUE(report.clean()) << report.text();
    ASSERT_EQ(report.notes.size(), 1u);
    EXPECT_NE(report.notes[0].find("replayed"), std::string::npos);
    EXPECT_NE(report.notes[0].find("sequence 41"), std::string::npos);
    // The image itself is untouched: the replay was on a private copy.
    EXPECT_EQ(m_builder->inode(m_h).link_count, 9);
}

TEST_F(FsckTest, ReplayedLogContentsAreChecked) {
    fs::BlockNumber table = inode_table_block(m_h);
    std::vector<uint8_t> bad(m_builder->block(table), m_builder->block(table) + fs::kBlockSize);
    reinterpret_cast<fs::DiskInode*>(bad.data())[m_h % fs::kInodesPerBlock].link_count = 9;
    commit_to_log(table, bad);
    EXPECT_PROBLEM(check(), "inode " + std::to_string(m_h), "link count 9");
}

TEST_F(FsckTest, TornLogHeaderIsNotReplayed) {
    fs::BlockNumber table = inode_table_block(m_h);
    std::vector<uint8_t> bad(m_builder->block(table), m_builder->block(table) + fs::kBlockSize);
    reinterpret_cast<fs::DiskInode*>(bad.data())[m_h % fs::kInodesPerBlock].link_count = 9;
    commit_to_log(table, bad);
    reinterpret_cast<fs::LogHeader*>(m_builder->block(m_builder->superblock().log_start))->checksum ^= 1;
    fsck::Report report = check();
    EXPECT_TRUE(report.clean()) << report.text();
    ASSERT_EQ(report.notes.size(), 1u);
    EXPECT_NE(report.notes[0].find("torn"), std::string::npos);
}

TEST_F(FsckTest, LogNamingABlockInsideTheLogIsReported) {
    commit_to_log(m_builder->superblock().log_start + 3, std::vector<uint8_t>(fs::kBlockSize));
    EXPECT_PROBLEM(check(), "inside the log");
}

TEST_F(FsckTest, LogCountLargerThanTheLogIsReported) {
    auto* header = reinterpret_cast<fs::LogHeader*>(m_builder->block(m_builder->superblock().log_start));
    header->count = 500;
    EXPECT_PROBLEM(check(), "log header claims 500 blocks");
    header->count = 0xffffffff;
    EXPECT_PROBLEM(check(), "log header claims");
}

TEST_F(FsckTest, LogHeaderWithBadMagicIsReported) {
    reinterpret_cast<fs::LogHeader*>(m_builder->block(m_builder->superblock().log_start))->magic = 0;
    EXPECT_PROBLEM(check(), "log header", "bad magic");
}

TEST_F(FsckTest, FloodOfProblemsIsTruncated) {
    // Every data block marked in use: thousands of leaks, but reported as ranges.
    for (uint64_t block = 0; block < m_builder->superblock().block_count; block += 2)
        set_block_bit(block, true);
    fsck::Report report = check();
    EXPECT_FALSE(report.clean());
    EXPECT_LE(report.problems.size(), fsck::kMaxProblems + 1);
}

// Fuzzing: none of these may crash, hang or trip the sanitizers. The outcome itself is not
// asserted beyond "a report came back", except where garbage must be refused.

uint64_t next_random(uint64_t& state) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

TEST(FsckFuzz, RandomGarbageIsRefusedWithoutCrashing) {
    uint64_t state = 12345;
    for (int round = 0; round < 50; ++round) {
        size_t size = next_random(state) % (64 * fs::kBlockSize);
        std::vector<uint8_t> image(size);
        for (uint8_t& byte : image)
            byte = uint8_t(next_random(state));
        fsck::Report report = fsck::check_image(image.data(), image.size());
        EXPECT_FALSE(report.clean());
        EXPECT_FALSE(report.text().empty());
    }
}

// The byte ranges whose contents steer the checker: the superblock, the log header, both
// bitmaps, the inode table, and every directory and indirect block of the fixture.
std::vector<std::pair<uint64_t, uint64_t>> metadata_ranges(mkfs::ImageBuilder& builder,
                                                           const std::vector<fs::InodeNumber>& inodes) {
    const fs::Superblock& superblock = builder.superblock();
    auto blocks = [](uint64_t first, uint64_t count) {
        return std::make_pair(first * fs::kBlockSize, (first + count) * fs::kBlockSize);
    };
    std::vector<std::pair<uint64_t, uint64_t>> ranges = {
        {fs::kSuperblockBlock * fs::kBlockSize,
         fs::kSuperblockBlock * fs::kBlockSize + sizeof(fs::Superblock)},
        {superblock.log_start * uint64_t(fs::kBlockSize),
         superblock.log_start * uint64_t(fs::kBlockSize) + 64},
        blocks(superblock.inode_bitmap_start, superblock.inode_bitmap_blocks),
        blocks(superblock.inode_table_start, superblock.inode_table_blocks),
        blocks(superblock.block_bitmap_start, superblock.block_bitmap_blocks),
    };
    for (fs::InodeNumber inode : inodes) {
        const fs::DiskInode& disk_inode = builder.inode(inode);
        if (disk_inode.type == fs::InodeType::Directory)
            ranges.push_back(blocks(disk_inode.direct[0], 1));
        if (disk_inode.indirect)
            ranges.push_back(blocks(disk_inode.indirect, 1));
    }
    return ranges;
}

TEST_F(FsckTest, GarbageBehindAValidSuperblockNeverCrashes) {
    uint64_t state = 777;
    auto ranges = metadata_ranges(*m_builder, {fs::kRootInode, m_a, m_sub, m_g});
    ranges.erase(ranges.begin());  // Keep the superblock valid, so the rest is walked.
    for (int round = 0; round < 20; ++round) {
        // Noise over all the metadata at one of four densities.
        uint64_t density = 1 + round % 4;
        for (auto [begin, end] : ranges)
            for (uint64_t i = begin; i < end; ++i)
                if (next_random(state) % 4 < density)
                    m_image[i] = uint8_t(next_random(state));
        fsck::Report report = check();
        EXPECT_FALSE(report.clean());
    }
}

TEST_F(FsckTest, BitFlipsInMetadataNeverCrash) {
    uint64_t state = 4242;
    auto ranges = metadata_ranges(*m_builder, {fs::kRootInode, m_a, m_sub, m_g});
    uint64_t total = 0;
    for (auto [begin, end] : ranges)
        total += end - begin;
    uint32_t log_start = m_builder->superblock().log_start;
    auto* header = reinterpret_cast<fs::LogHeader*>(m_builder->block(log_start));
    const fs::LogHeader clean_header = *header;
    int unclean = 0;
    const int rounds = 1500;
    for (int round = 0; round < rounds; ++round) {
        // Flip bits in place and flip them back afterwards: copying the image every round
        // would cost more than checking it.
        std::vector<uint64_t> flipped;
        int flips = 1 + int(next_random(state) % 4);
        for (int i = 0; i < flips; ++i) {
            uint64_t pick = next_random(state) % (total * 8);
            for (auto [begin, end] : ranges) {
                if (pick < (end - begin) * 8) {
                    flipped.push_back(begin * 8 + pick);
                    break;
                }
                pick -= (end - begin) * 8;
            }
        }
        for (uint64_t bit : flipped)
            m_image[bit / 8] ^= uint8_t(1u << (bit % 8));
        if (round % 10 == 0) {
            // Also a "committed" log transaction with random home blocks and a valid checksum.
            header->count = uint32_t(next_random(state) % 40);
            for (uint32_t i = 0; i < header->count; ++i)
                header->blocks[i] = uint32_t(next_random(state) % 2100);
            header->checksum = fs::log_header_checksum(*header);
        }
        fsck::Report report = check();
        unclean += !report.clean();
        EXPECT_FALSE(report.text().empty());
        for (uint64_t bit : flipped)
            m_image[bit / 8] ^= uint8_t(1u << (bit % 8));
        *header = clean_header;
    }
    ASSERT_TRUE(check().clean());
    // Many flips land where nothing is checked (unused fields of free inodes, mtime and
    // reserved fields, padding inside records, bitmap bits past the counts) but a good share
    // land where they must be noticed; a checker that noticed few of them would be blind.
    // (Measured: about a third are reported.)
    EXPECT_GT(unclean, rounds / 4);
}

}  // namespace
