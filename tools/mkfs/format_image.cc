// Lays out an empty file system: see format_image.h.
#include "format_image.h"

#include <algorithm>
#include <cstring>

namespace mkfs {

namespace {

void set_error(std::string* error, const std::string& message) {
    if (error)
        *error = message;
}

void set_bit(uint8_t* bitmap, uint64_t index) {
    bitmap[index / 8] |= uint8_t(1u << (index % 8));
}

uint8_t* block_at(std::vector<uint8_t>& image, uint64_t block) {
    return image.data() + block * fs::kBlockSize;
}

}  // namespace

uint32_t default_inode_count(uint32_t block_count) {
    uint64_t inodes = uint64_t(block_count) * fs::kBlockSize / (16 * 1024);
    return uint32_t(std::clamp<uint64_t>(inodes, 64, 1u << 20));
}

uint32_t default_log_blocks(uint32_t block_count) {
    return std::clamp<uint32_t>(block_count / 16, kMinLogBlocks, kMaxLogBlocks);
}

bool format_image(std::vector<uint8_t>& image, uint32_t block_count, uint32_t inode_count,
                  uint32_t log_blocks, std::string* error) {
    image.clear();
    if (inode_count < 2) {
        set_error(error, "at least 2 inodes are needed (inode 0 is reserved, inode 1 is the root)");
        return false;
    }
    if (log_blocks < kMinLogBlocks || log_blocks > kMaxLogBlocks) {
        set_error(error, "the log must have between " + std::to_string(kMinLogBlocks) + " and " +
                             std::to_string(kMaxLogBlocks) + " blocks");
        return false;
    }
    // compute_layout() works in 32 bits; redo the sum in 64 bits so that a huge inode
    // count is refused here rather than wrapping around into a plausible layout.
    uint64_t metadata_blocks = 2 + uint64_t(log_blocks) +
                               (uint64_t(inode_count) + fs::kBitsPerBlock - 1) / fs::kBitsPerBlock +
                               (uint64_t(inode_count) + fs::kInodesPerBlock - 1) / fs::kInodesPerBlock +
                               (uint64_t(block_count) + fs::kBitsPerBlock - 1) / fs::kBitsPerBlock;
    // One data block more for the root directory.
    if (metadata_blocks + 1 > block_count) {
        set_error(error, "a disk of " + std::to_string(block_count) + " blocks has no room for " +
                             std::to_string(inode_count) + " inodes and a log of " +
                             std::to_string(log_blocks) + " blocks (the metadata alone takes " +
                             std::to_string(metadata_blocks) + " blocks)");
        return false;
    }

    fs::Layout layout = fs::compute_layout(block_count, inode_count, log_blocks);
    fs::Superblock superblock{};
    superblock.magic = fs::kMagic;
    superblock.version = fs::kVersion;
    superblock.block_size = fs::kBlockSize;
    superblock.block_count = block_count;
    superblock.inode_count = inode_count;
    superblock.log_start = layout.log_start;
    superblock.log_blocks = log_blocks;
    superblock.inode_bitmap_start = layout.inode_bitmap_start;
    superblock.inode_bitmap_blocks = layout.inode_bitmap_blocks;
    superblock.inode_table_start = layout.inode_table_start;
    superblock.inode_table_blocks = layout.inode_table_blocks;
    superblock.block_bitmap_start = layout.block_bitmap_start;
    superblock.block_bitmap_blocks = layout.block_bitmap_blocks;
    superblock.data_start = layout.data_start;
    superblock.root_inode = fs::kRootInode;
    superblock.checksum = fs::superblock_checksum(superblock);
    if (const char* problem = fs::validate_superblock(superblock, block_count)) {
        // The checks above should make this unreachable; keep mkfs honest regardless.
        set_error(error, std::string("internal error, the superblock would be invalid: ") + problem);
        return false;
    }

    image.assign(uint64_t(block_count) * fs::kBlockSize, 0);
    std::memcpy(block_at(image, fs::kSuperblockBlock), &superblock, sizeof(superblock));

    fs::LogHeader log_header{};
    log_header.magic = fs::kLogMagic;
    log_header.count = 0;
    log_header.sequence = 0;
    log_header.checksum = fs::log_header_checksum(log_header);
    std::memcpy(block_at(image, layout.log_start), &log_header, sizeof(log_header));

    // Inode 0 is reserved and inode 1 is the root; both are in use.
    uint8_t* inode_bitmap = block_at(image, layout.inode_bitmap_start);
    set_bit(inode_bitmap, 0);
    set_bit(inode_bitmap, fs::kRootInode);

    // Every block before data_start is metadata, and the first data block is the root's.
    fs::BlockNumber root_block = layout.data_start;
    uint8_t* block_bitmap = block_at(image, layout.block_bitmap_start);
    for (uint64_t block = 0; block <= root_block; ++block)
        set_bit(block_bitmap, block);

    fs::DiskInode root{};
    root.type = fs::InodeType::Directory;
    root.link_count = 2;  // Its "." and its "..".
    root.size = fs::kBlockSize;
    root.direct[0] = root_block;
    std::memcpy(block_at(image, layout.inode_table_start) + fs::kRootInode * sizeof(fs::DiskInode), &root,
                sizeof(root));

    uint8_t* directory = block_at(image, root_block);
    fs::DirEntry dot{fs::kRootInode, uint16_t(fs::dir_entry_size(1)), 1, fs::DirEntryType::Directory};
    std::memcpy(directory, &dot, sizeof(dot));
    directory[sizeof(fs::DirEntry)] = '.';
    uint32_t dotdot_offset = dot.record_length;
    fs::DirEntry dotdot{fs::kRootInode, uint16_t(fs::kBlockSize - dotdot_offset), 2,
                        fs::DirEntryType::Directory};
    std::memcpy(directory + dotdot_offset, &dotdot, sizeof(dotdot));
    std::memcpy(directory + dotdot_offset + sizeof(fs::DirEntry), "..", 2);
    return true;
}

}  // namespace mkfs
