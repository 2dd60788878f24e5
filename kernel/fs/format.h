// The on-disk format of Atlas's file system, shared by the kernel, tools/mkfs and tools/fsck.
// Nothing else defines a disk structure; all three include this header.
//
// The disk is an array of 4 KiB blocks (one block per page, so the page cache maps file
// blocks 1:1). All integers are little-endian, like the machine; block and inode numbers
// are 32-bit, so a file system holds up to 16 TiB and 2^32 - 1 inodes.
//
//   block 0                         unused (room for a boot loader)
//   block 1                         superblock
//   [log_start, +log_blocks)        write-ahead log: one header block, then the logged blocks
//   [inode_bitmap_start, +n)        inode bitmap, bit i set = inode i in use
//   [inode_table_start, +n)         inode table, kInodesPerBlock inodes per block
//   [block_bitmap_start, +n)        block bitmap, bit b set = block b in use (metadata included)
//   [data_start, block_count)       data blocks: file contents, directories, indirect blocks
//
// Inode 0 is never used (0 means "no inode" in directory entries); bits for inode 0 and for
// every block before data_start are set in their bitmaps. The root directory is inode 1.
//
// A file's blocks, by index i within the file:
//
//   i < 12                  direct[i]
//   i < 12 + 1024           the indirect block's entry i - 12
//   i < 12 + 1024 + 1024^2  the double-indirect block's entry (i - 1036) / 1024, whose block's
//                           entry (i - 1036) % 1024
//
// A block number of 0 is a hole: it reads as zeros and has no block allocated. That makes
// the largest file (12 + 1024 + 1024^2) * 4 KiB, a little over 4 GiB.
//
// Directories hold variable-length entries (DirEntry), packed in blocks: each entry's
// record_length covers it and any slack after it, entries never cross a block boundary, and
// the record lengths of a block add up to exactly kBlockSize. An entry with inode 0 is free
// space. Every directory holds "." and ".." as its first two entries.
//
// The log makes metadata changes atomic (see fs/log.h for the protocol): LogHeader in the
// log's first block lists the home block numbers of the blocks that follow it. A header with
// count > 0 and a valid checksum is a committed transaction that mount replays.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fs {

constexpr uint32_t kBlockSize = 4096;
constexpr uint32_t kBlockShift = 12;
constexpr uint32_t kMagic = 0x53465441;  // "ATFS" read as little-endian bytes.
constexpr uint32_t kVersion = 1;

using BlockNumber = uint32_t;
using InodeNumber = uint32_t;

constexpr BlockNumber kSuperblockBlock = 1;
constexpr InodeNumber kRootInode = 1;

struct Superblock {
    uint32_t magic;
    uint32_t version;
    uint32_t block_size;  // Always kBlockSize; kept so that a foreign image is recognised.
    uint32_t block_count;
    uint32_t inode_count;
    uint32_t log_start;
    uint32_t log_blocks;  // Including the header block.
    uint32_t inode_bitmap_start;
    uint32_t inode_bitmap_blocks;
    uint32_t inode_table_start;
    uint32_t inode_table_blocks;
    uint32_t block_bitmap_start;
    uint32_t block_bitmap_blocks;
    uint32_t data_start;
    uint32_t root_inode;
    uint32_t checksum;  // superblock_checksum() of all the fields above.
};
static_assert(sizeof(Superblock) == 64);

enum class InodeType : uint16_t {
    Free = 0,
    Directory = 1,
    File = 2,
    Device = 3,
};

constexpr uint32_t kDirectBlocks = 12;
constexpr uint32_t kPointersPerBlock = kBlockSize / sizeof(BlockNumber);  // 1024
constexpr uint64_t kMaxFileBlocks =
    kDirectBlocks + kPointersPerBlock + uint64_t(kPointersPerBlock) * kPointersPerBlock;
constexpr uint64_t kMaxFileSize = kMaxFileBlocks * kBlockSize;

struct DiskInode {
    InodeType type;
    uint16_t link_count;  // Directory entries naming this inode (a directory's "." counts).
    uint16_t major;       // For devices.
    uint16_t minor;
    uint32_t reserved0;
    uint32_t reserved1;
    uint64_t size;        // In bytes.
    uint64_t mtime_ns;    // Last modification, nanoseconds since boot or the epoch; may be 0.
    BlockNumber direct[kDirectBlocks];
    BlockNumber indirect;
    BlockNumber double_indirect;
    uint32_t reserved2[10];
};
static_assert(sizeof(DiskInode) == 128);
constexpr uint32_t kInodesPerBlock = kBlockSize / sizeof(DiskInode);  // 32

constexpr uint32_t kMaxNameLength = 255;

// Mirrors InodeType in directory entries, so that listing a directory needs no inode reads.
enum class DirEntryType : uint8_t {
    Unknown = 0,
    Directory = 1,
    File = 2,
    Device = 3,
};

// The entry type that mirrors an inode's type; Unknown for a free or invalid type.
constexpr DirEntryType dir_entry_type_for(InodeType type) {
    switch (type) {
        case InodeType::Directory:
            return DirEntryType::Directory;
        case InodeType::File:
            return DirEntryType::File;
        case InodeType::Device:
            return DirEntryType::Device;
        default:
            return DirEntryType::Unknown;
    }
}

struct DirEntry {
    InodeNumber inode;       // 0: free space.
    uint16_t record_length;  // Multiple of kDirEntryAlignment, at least dir_entry_size(name_length).
    uint8_t name_length;     // 1..255; the name is not NUL-terminated.
    DirEntryType type;
    char name[];             // name_length bytes.
};
static_assert(sizeof(DirEntry) == 8);
constexpr uint32_t kDirEntryAlignment = 4;

// The smallest record that holds a name of this length.
constexpr uint32_t dir_entry_size(uint32_t name_length) {
    return (uint32_t(sizeof(DirEntry)) + name_length + kDirEntryAlignment - 1) & ~(kDirEntryAlignment - 1);
}

constexpr uint32_t kLogMagic = 0x474f4c41;  // "ALOG"
// Home block numbers that fit in the header block after its fixed fields.
constexpr uint32_t kLogHeaderCapacity = (kBlockSize - 16) / sizeof(BlockNumber);

struct LogHeader {
    uint32_t magic;
    uint32_t count;     // Blocks in the committed transaction; 0 = nothing to replay.
    uint32_t sequence;  // Incremented by every commit, for debugging and for fsck's report.
    uint32_t checksum;  // log_header_checksum(): a torn header write is never replayed.
    BlockNumber blocks[kLogHeaderCapacity];
};
static_assert(sizeof(LogHeader) == kBlockSize);

// Bits per bitmap block.
constexpr uint32_t kBitsPerBlock = kBlockSize * 8;

// Where everything goes on a disk of `block_count` blocks with `inode_count` inodes and a
// log of `log_blocks` blocks (header included). mkfs writes it; mount and fsck recompute it
// from the superblock's counts and require the superblock to agree.
struct Layout {
    uint32_t log_start;
    uint32_t inode_bitmap_start;
    uint32_t inode_bitmap_blocks;
    uint32_t inode_table_start;
    uint32_t inode_table_blocks;
    uint32_t block_bitmap_start;
    uint32_t block_bitmap_blocks;
    uint32_t data_start;
};

constexpr uint32_t blocks_for_bits(uint64_t bits) { return uint32_t((bits + kBitsPerBlock - 1) / kBitsPerBlock); }

constexpr Layout compute_layout(uint32_t block_count, uint32_t inode_count, uint32_t log_blocks) {
    Layout layout {};
    layout.log_start = kSuperblockBlock + 1;
    layout.inode_bitmap_start = layout.log_start + log_blocks;
    layout.inode_bitmap_blocks = blocks_for_bits(inode_count);
    layout.inode_table_start = layout.inode_bitmap_start + layout.inode_bitmap_blocks;
    layout.inode_table_blocks = (inode_count + kInodesPerBlock - 1) / kInodesPerBlock;
    layout.block_bitmap_start = layout.inode_table_start + layout.inode_table_blocks;
    layout.block_bitmap_blocks = blocks_for_bits(block_count);
    layout.data_start = layout.block_bitmap_start + layout.block_bitmap_blocks;
    return layout;
}

// FNV-1a over the bytes, a cheap check against torn writes and foreign data (not against
// malice: there is no adversary between the kernel and its disk).
constexpr uint32_t checksum_bytes(const uint8_t* bytes, size_t length, uint32_t hash = 2166136261u) {
    for (size_t i = 0; i < length; ++i) {
        hash ^= bytes[i];
        hash *= 16777619u;
    }
    return hash;
}

inline uint32_t superblock_checksum(const Superblock& superblock) {
    return checksum_bytes(reinterpret_cast<const uint8_t*>(&superblock), offsetof(Superblock, checksum));
}

inline uint32_t log_header_checksum(const LogHeader& header) {
    uint32_t hash = checksum_bytes(reinterpret_cast<const uint8_t*>(&header), offsetof(LogHeader, checksum));
    return checksum_bytes(reinterpret_cast<const uint8_t*>(header.blocks), header.count * sizeof(BlockNumber), hash);
}

// Checks a superblock read from a device of `device_blocks` blocks: magic, version, block
// size, checksum, and that the regions are where compute_layout() puts them and fit on the
// device. Returns nullptr if it is sound, or a sentence saying what is wrong, so that mount
// can refuse a corrupted or foreign disk with a message instead of trusting it.
const char* validate_superblock(const Superblock& superblock, uint64_t device_blocks);

}  // namespace fs
