// ImageBuilder: adds directories, files and links to a formatted in-memory disk image.
//
// Host-only. mkfs uses it to copy a host directory tree into a new image (populate.h), and
// the host tests use it to build images with particular shapes (files crossing the
// indirect and double-indirect boundaries, hard links, deep trees) before corrupting or
// checking them.
//
// It keeps the image consistent after every successful call: bitmaps, link counts, sizes and
// directory entries always agree, so fsck::check_image finds nothing wrong in between. It
// writes the home locations directly and leaves the log empty; there is no crash to survive
// while mkfs runs. A failed call (out of blocks or inodes, or a bad name) says why in *error
// and leaves the image consistent: a write that ran out of space keeps the blocks it
// completed, and the size covers exactly them.
//
// Allocation searches the bitmaps from a cursor that remembers where the last search ended,
// so populating an image is linear in its size. Directory lookup is a linear scan of the
// directory's entries, as in ext2.
//
// The image must outlive the builder and must not be resized while it is in use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/format.h"

namespace mkfs {

class ImageBuilder {
public:
    // Attaches to an image that format_image() made (or any image whose superblock is
    // valid). Returns null and says why in *error if the superblock is not.
    static std::unique_ptr<ImageBuilder> open(std::vector<uint8_t>& image, std::string* error);

    const fs::Superblock& superblock() const { return m_superblock; }

    // Creates an empty directory `name` in `parent`, with "." and ".." and the link counts
    // they imply. Returns its inode number.
    std::optional<fs::InodeNumber> make_directory(fs::InodeNumber parent, std::string_view name,
                                                  std::string* error);

    // Creates an empty regular file `name` in `parent`. Returns its inode number.
    std::optional<fs::InodeNumber> create_file(fs::InodeNumber parent, std::string_view name,
                                               std::string* error);

    // Adds another name for the regular file `target` in `parent` (a hard link).
    bool link(fs::InodeNumber parent, std::string_view name, fs::InodeNumber target, std::string* error);

    // Writes `length` bytes at `offset` into regular file `inode`, allocating blocks as
    // needed, and grows the size to cover them. Blocks before `offset` that were never
    // written stay holes.
    bool write_file(fs::InodeNumber inode, uint64_t offset, const uint8_t* data, size_t length,
                    std::string* error);

    // The inode named `name` in directory `directory`, if any.
    std::optional<fs::InodeNumber> lookup(fs::InodeNumber directory, std::string_view name) const;

    // Direct access to the on-disk structures, for tests that corrupt them on purpose.
    // `inode` must be below inode_count and `block` below block_count.
    fs::DiskInode& inode(fs::InodeNumber inode);
    uint8_t* block(fs::BlockNumber block);

    // The block holding byte `index * kBlockSize` of `inode`, or 0 for a hole.
    fs::BlockNumber block_of(fs::InodeNumber inode, uint64_t index);

private:
    enum class Allocate { No, Yes };

    explicit ImageBuilder(std::vector<uint8_t>& image, const fs::Superblock& superblock)
        : m_image(image), m_superblock(superblock) {}

    std::optional<fs::InodeNumber> allocate_inode(fs::InodeType type, std::string* error);
    std::optional<fs::BlockNumber> allocate_block(std::string* error);
    void release_block(fs::BlockNumber block);
    // The slot in the inode or an indirect block that maps file block `index`; with
    // Allocate::Yes, missing indirect blocks are allocated on the way. Null when the slot's
    // indirect block is missing (Allocate::No) or could not be allocated (*error says why).
    fs::BlockNumber* map_slot(fs::DiskInode& inode, uint64_t index, Allocate allocate, std::string* error);
    bool add_entry(fs::InodeNumber directory, std::string_view name, fs::InodeNumber target,
                   fs::DirEntryType type, std::string* error);
    bool check_new_name(fs::InodeNumber parent, std::string_view name, std::string* error) const;

    std::vector<uint8_t>& m_image;
    fs::Superblock m_superblock;
    uint64_t m_inode_cursor = 0;
    uint64_t m_block_cursor = 0;
};

}  // namespace mkfs
