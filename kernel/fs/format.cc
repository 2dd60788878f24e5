// Superblock validation: see format.h. Host-compilable; shared by mount and fsck.
#include "fs/format.h"

namespace fs {

const char* validate_superblock(const Superblock& superblock, uint64_t device_blocks) {
    if (superblock.magic != kMagic)
        return "not an Atlas file system (bad magic number)";
    if (superblock.version != kVersion)
        return "unsupported file-system version";
    if (superblock.block_size != kBlockSize)
        return "unsupported block size";
    if (superblock.checksum != superblock_checksum(superblock))
        return "superblock checksum mismatch";
    if (superblock.block_count > device_blocks)
        return "file system is larger than the device";
    if (superblock.inode_count < 2)
        return "too few inodes";
    if (superblock.log_blocks < 2 || superblock.log_blocks - 1 > kLogHeaderCapacity)
        return "log size out of range";
    // compute_layout() works in 32 bits: check first, in 64 bits, that every region fits on
    // the disk, so that a huge inode or log count cannot wrap a region's size to nothing.
    uint64_t metadata_blocks = uint64_t(kSuperblockBlock) + 1 + superblock.log_blocks
        + (uint64_t(superblock.inode_count) + kBitsPerBlock - 1) / kBitsPerBlock
        + (uint64_t(superblock.inode_count) + kInodesPerBlock - 1) / kInodesPerBlock
        + (uint64_t(superblock.block_count) + kBitsPerBlock - 1) / kBitsPerBlock;
    if (metadata_blocks >= superblock.block_count)
        return "metadata regions do not fit on the disk";
    Layout layout = compute_layout(superblock.block_count, superblock.inode_count, superblock.log_blocks);
    if (superblock.log_start != layout.log_start || superblock.inode_bitmap_start != layout.inode_bitmap_start
        || superblock.inode_bitmap_blocks != layout.inode_bitmap_blocks
        || superblock.inode_table_start != layout.inode_table_start
        || superblock.inode_table_blocks != layout.inode_table_blocks
        || superblock.block_bitmap_start != layout.block_bitmap_start
        || superblock.block_bitmap_blocks != layout.block_bitmap_blocks
        || superblock.data_start != layout.data_start)
        return "region boundaries disagree with the layout the counts imply";
    if (superblock.root_inode != kRootInode)
        return "unexpected root inode number";
    return nullptr;
}

}  // namespace fs
