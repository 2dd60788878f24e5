// format_image: lays an empty Atlas file system into an in-memory disk image.
//
// Host-only (tools/mkfs and the host tests). The result follows kernel/fs/format.h exactly:
// block 0 unused, the superblock with its checksum, an empty log (a valid header with
// count 0), the inode bitmap with inodes 0 and 1 marked, an inode table holding only the
// root directory (inode 1, one block with "." and ".." both naming itself, link count 2),
// and a block bitmap with every block before data_start and the root's block marked.
// Bitmap bits past the inode or block count are left clear; nothing reads them.
//
// A freshly formatted image passes fsck::check_image with no problems.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fs/format.h"

namespace mkfs {

// The smallest and largest logs the format allows (the header block included).
constexpr uint32_t kMinLogBlocks = 2;
constexpr uint32_t kMaxLogBlocks = fs::kLogHeaderCapacity + 1;

// Replaces `image` with block_count * kBlockSize bytes holding an empty file system.
// Returns false and says why in *error (if error is non-null) when the parameters cannot
// make a valid file system: too few inodes, a log size out of range, or no room left for the
// root directory's block. The image is left empty then.
bool format_image(std::vector<uint8_t>& image, uint32_t block_count, uint32_t inode_count,
                  uint32_t log_blocks, std::string* error);

// The inode count mkfs uses when none is given: one inode per 16 KiB of disk, at least 64
// and at most 1 Mi (a million files is more than a teaching kernel needs, and the table
// then takes 128 MiB).
uint32_t default_inode_count(uint32_t block_count);

// The log size mkfs uses when none is given: the largest the header can describe
// (kMaxLogBlocks, just under 4 MiB), but never more than 1/16 of a small disk.
uint32_t default_log_blocks(uint32_t block_count);

}  // namespace mkfs
