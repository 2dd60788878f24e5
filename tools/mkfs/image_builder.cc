// Builds file-system contents in an in-memory image: see image_builder.h.
#include "image_builder.h"

#include <algorithm>
#include <cstring>

namespace mkfs {

namespace {

void set_error(std::string* error, const std::string& message) {
    if (error)
        *error = message;
}

bool bit_is_set(const uint8_t* bitmap, uint64_t index) {
    return (bitmap[index / 8] >> (index % 8)) & 1;
}
void set_bit(uint8_t* bitmap, uint64_t index) {
    bitmap[index / 8] |= uint8_t(1u << (index % 8));
}

void write_entry(uint8_t* at, fs::InodeNumber inode, uint32_t record_length, std::string_view name,
                 fs::DirEntryType type) {
    fs::DirEntry entry{};
    entry.inode = inode;
    entry.record_length = uint16_t(record_length);
    entry.name_length = uint8_t(name.size());
    entry.type = type;
    std::memcpy(at, &entry, sizeof(entry));
    std::memcpy(at + sizeof(fs::DirEntry), name.data(), name.size());
}

}  // namespace

std::unique_ptr<ImageBuilder> ImageBuilder::open(std::vector<uint8_t>& image, std::string* error) {
    fs::Superblock superblock{};
    if (image.size() < 2 * fs::kBlockSize) {
        set_error(error, "the image is too small to hold a superblock");
        return nullptr;
    }
    std::memcpy(&superblock, image.data() + fs::kSuperblockBlock * fs::kBlockSize, sizeof(superblock));
    if (const char* problem = fs::validate_superblock(superblock, image.size() / fs::kBlockSize)) {
        set_error(error, problem);
        return nullptr;
    }
    return std::unique_ptr<ImageBuilder>(new ImageBuilder(image, superblock));
}

fs::DiskInode& ImageBuilder::inode(fs::InodeNumber number) {
    uint64_t offset =
        uint64_t(m_superblock.inode_table_start) * fs::kBlockSize + uint64_t(number) * sizeof(fs::DiskInode);
    return *reinterpret_cast<fs::DiskInode*>(m_image.data() + offset);
}

uint8_t* ImageBuilder::block(fs::BlockNumber number) {
    return m_image.data() + uint64_t(number) * fs::kBlockSize;
}

std::optional<fs::InodeNumber> ImageBuilder::allocate_inode(fs::InodeType type, std::string* error) {
    uint8_t* bitmap = block(m_superblock.inode_bitmap_start);
    uint64_t count = m_superblock.inode_count;
    for (uint64_t step = 0; step < count; ++step) {
        uint64_t candidate = (m_inode_cursor + step) % count;
        if (bit_is_set(bitmap, candidate))
            continue;
        set_bit(bitmap, candidate);
        m_inode_cursor = candidate + 1;
        fs::DiskInode& fresh = inode(fs::InodeNumber(candidate));
        fresh = fs::DiskInode{};
        fresh.type = type;
        return fs::InodeNumber(candidate);
    }
    set_error(error, "out of inodes (the image has " + std::to_string(count) + ")");
    return std::nullopt;
}

std::optional<fs::BlockNumber> ImageBuilder::allocate_block(std::string* error) {
    uint8_t* bitmap = block(m_superblock.block_bitmap_start);
    uint64_t first = m_superblock.data_start;
    uint64_t span = m_superblock.block_count - first;
    uint64_t start = std::max(m_block_cursor, first) - first;
    for (uint64_t step = 0; step < span; ++step) {
        uint64_t candidate = first + (start + step) % span;
        if (bit_is_set(bitmap, candidate))
            continue;
        set_bit(bitmap, candidate);
        m_block_cursor = candidate + 1;
        std::memset(block(fs::BlockNumber(candidate)), 0, fs::kBlockSize);
        return fs::BlockNumber(candidate);
    }
    set_error(error, "out of data blocks (the image has " + std::to_string(span) + ")");
    return std::nullopt;
}

void ImageBuilder::release_block(fs::BlockNumber number) {
    block(m_superblock.block_bitmap_start)[number / 8] &= uint8_t(~(1u << (number % 8)));
}

fs::BlockNumber* ImageBuilder::map_slot(fs::DiskInode& file, uint64_t index, Allocate allocate,
                                        std::string* error) {
    if (index < fs::kDirectBlocks)
        return &file.direct[index];
    index -= fs::kDirectBlocks;

    // Indirect blocks allocated by this call, undone if a later step fails, so that a
    // failure never leaves an empty indirect block beyond the end of the file.
    fs::BlockNumber* fresh_slots[2] = {};
    int fresh_count = 0;
    auto undo = [&] {
        for (int i = fresh_count - 1; i >= 0; --i) {
            release_block(*fresh_slots[i]);
            *fresh_slots[i] = 0;
        }
    };
    // Follows (allocating if asked) the indirect block that `slot` names and returns its
    // entry `entry`.
    auto step = [&](fs::BlockNumber* slot, uint64_t entry) -> fs::BlockNumber* {
        if (*slot == 0) {
            if (allocate == Allocate::No)
                return nullptr;
            std::optional<fs::BlockNumber> fresh = allocate_block(error);
            if (!fresh)
                return nullptr;
            *slot = *fresh;
            fresh_slots[fresh_count++] = slot;
        }
        return reinterpret_cast<fs::BlockNumber*>(block(*slot)) + entry;
    };

    if (index < fs::kPointersPerBlock)
        return step(&file.indirect, index);
    index -= fs::kPointersPerBlock;
    if (index >= uint64_t(fs::kPointersPerBlock) * fs::kPointersPerBlock) {
        set_error(error, "file too large for the block map");
        return nullptr;
    }
    fs::BlockNumber* middle = step(&file.double_indirect, index / fs::kPointersPerBlock);
    if (!middle)
        return nullptr;
    fs::BlockNumber* slot = step(middle, index % fs::kPointersPerBlock);
    if (!slot)
        undo();
    return slot;
}

fs::BlockNumber ImageBuilder::block_of(fs::InodeNumber number, uint64_t index) {
    fs::BlockNumber* slot = map_slot(inode(number), index, Allocate::No, nullptr);
    return slot ? *slot : 0;
}

std::optional<fs::InodeNumber> ImageBuilder::lookup(fs::InodeNumber directory, std::string_view name) const {
    auto* self = const_cast<ImageBuilder*>(this);  // Lookup reads only; map_slot is shared with writers.
    const fs::DiskInode& dir = self->inode(directory);
    for (uint64_t index = 0; index * fs::kBlockSize < dir.size; ++index) {
        fs::BlockNumber number = self->block_of(directory, index);
        if (number == 0)
            continue;
        const uint8_t* data = self->block(number);
        for (uint32_t offset = 0; offset + sizeof(fs::DirEntry) <= fs::kBlockSize;) {
            fs::DirEntry entry;
            std::memcpy(&entry, data + offset, sizeof(entry));
            if (entry.record_length == 0)
                break;
            if (entry.inode != 0 && entry.name_length == name.size() &&
                std::memcmp(data + offset + sizeof(fs::DirEntry), name.data(), name.size()) == 0)
                return entry.inode;
            offset += entry.record_length;
        }
    }
    return std::nullopt;
}

bool ImageBuilder::check_new_name(fs::InodeNumber parent, std::string_view name, std::string* error) const {
    if (name.empty() || name.size() > fs::kMaxNameLength) {
        set_error(error, "name length must be 1 to 255 bytes: \"" + std::string(name) + "\"");
        return false;
    }
    if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
        set_error(error, "name contains '/' or NUL: \"" + std::string(name) + "\"");
        return false;
    }
    if (name == "." || name == "..") {
        set_error(error, "\".\" and \"..\" are reserved names");
        return false;
    }
    if (lookup(parent, name)) {
        set_error(error, "\"" + std::string(name) + "\" already exists");
        return false;
    }
    return true;
}

bool ImageBuilder::add_entry(fs::InodeNumber directory, std::string_view name, fs::InodeNumber target,
                             fs::DirEntryType type, std::string* error) {
    uint32_t needed = fs::dir_entry_size(uint32_t(name.size()));
    uint64_t size = inode(directory).size;
    for (uint64_t index = 0; index * fs::kBlockSize < size; ++index) {
        fs::BlockNumber number = block_of(directory, index);
        if (number == 0)
            continue;
        uint8_t* data = block(number);
        for (uint32_t offset = 0; offset + sizeof(fs::DirEntry) <= fs::kBlockSize;) {
            fs::DirEntry entry;
            std::memcpy(&entry, data + offset, sizeof(entry));
            if (entry.record_length == 0)
                break;
            uint32_t used = entry.inode == 0 ? 0 : fs::dir_entry_size(entry.name_length);
            if (entry.record_length >= used + needed) {
                if (used == 0) {
                    // A free record: take it whole.
                    write_entry(data + offset, target, entry.record_length, name, type);
                } else {
                    // Split the slack after a used entry.
                    write_entry(data + offset + used, target, entry.record_length - used, name, type);
                    entry.record_length = uint16_t(used);
                    std::memcpy(data + offset, &entry, sizeof(entry));
                }
                return true;
            }
            offset += entry.record_length;
        }
    }
    // No room: append a block holding just this entry.
    uint64_t index = size / fs::kBlockSize;
    std::optional<fs::BlockNumber> fresh = allocate_block(error);
    if (!fresh)
        return false;
    fs::BlockNumber* slot = map_slot(inode(directory), index, Allocate::Yes, error);
    if (!slot) {
        release_block(*fresh);
        return false;
    }
    *slot = *fresh;
    write_entry(block(*fresh), target, fs::kBlockSize, name, type);
    inode(directory).size = (index + 1) * fs::kBlockSize;
    return true;
}

std::optional<fs::InodeNumber> ImageBuilder::make_directory(fs::InodeNumber parent, std::string_view name,
                                                            std::string* error) {
    if (!check_new_name(parent, name, error))
        return std::nullopt;
    std::optional<fs::BlockNumber> data = allocate_block(error);
    if (!data)
        return std::nullopt;
    std::optional<fs::InodeNumber> child = allocate_inode(fs::InodeType::Directory, error);
    if (!child) {
        release_block(*data);
        return std::nullopt;
    }
    // Only add_entry can still fail; if it does, both allocations are given back.
    uint8_t* directory = block(*data);
    uint32_t dot_length = fs::dir_entry_size(1);
    write_entry(directory, *child, dot_length, ".", fs::DirEntryType::Directory);
    write_entry(directory + dot_length, parent, fs::kBlockSize - dot_length, "..",
                fs::DirEntryType::Directory);
    fs::DiskInode& fresh = inode(*child);
    fresh.direct[0] = *data;
    fresh.size = fs::kBlockSize;
    fresh.link_count = 2;  // The parent's entry and its own ".".
    if (!add_entry(parent, name, *child, fs::DirEntryType::Directory, error)) {
        block(m_superblock.inode_bitmap_start)[*child / 8] &= uint8_t(~(1u << (*child % 8)));
        release_block(*data);
        fresh = fs::DiskInode{};
        return std::nullopt;
    }
    inode(parent).link_count++;  // The child's "..".
    return child;
}

std::optional<fs::InodeNumber> ImageBuilder::create_file(fs::InodeNumber parent, std::string_view name,
                                                         std::string* error) {
    if (!check_new_name(parent, name, error))
        return std::nullopt;
    std::optional<fs::InodeNumber> child = allocate_inode(fs::InodeType::File, error);
    if (!child)
        return std::nullopt;
    if (!add_entry(parent, name, *child, fs::DirEntryType::File, error)) {
        block(m_superblock.inode_bitmap_start)[*child / 8] &= uint8_t(~(1u << (*child % 8)));
        inode(*child) = fs::DiskInode{};
        return std::nullopt;
    }
    inode(*child).link_count = 1;
    return child;
}

bool ImageBuilder::link(fs::InodeNumber parent, std::string_view name, fs::InodeNumber target,
                        std::string* error) {
    if (inode(target).type != fs::InodeType::File) {
        set_error(error, "only regular files can be hard-linked");
        return false;
    }
    if (!check_new_name(parent, name, error))
        return false;
    if (!add_entry(parent, name, target, fs::dir_entry_type_for(inode(target).type), error))
        return false;
    inode(target).link_count++;
    return true;
}

bool ImageBuilder::write_file(fs::InodeNumber number, uint64_t offset, const uint8_t* data, size_t length,
                              std::string* error) {
    if (inode(number).type != fs::InodeType::File) {
        set_error(error, "inode " + std::to_string(number) + " is not a regular file");
        return false;
    }
    if (offset + length > fs::kMaxFileSize || offset + length < offset) {
        set_error(error, "file too large for the block map");
        return false;
    }
    size_t done = 0;
    while (done < length) {
        uint64_t position = offset + done;
        uint64_t index = position / fs::kBlockSize;
        uint32_t within = uint32_t(position % fs::kBlockSize);
        size_t chunk = std::min<size_t>(length - done, fs::kBlockSize - within);
        fs::BlockNumber existing = block_of(number, index);
        if (existing == 0) {
            // Take the data block before any indirect block, so that running out of space
            // never leaves an empty indirect block beyond the end of the file.
            std::optional<fs::BlockNumber> fresh = allocate_block(error);
            if (!fresh)
                return false;
            fs::BlockNumber* slot = map_slot(inode(number), index, Allocate::Yes, error);
            if (!slot) {
                release_block(*fresh);
                return false;
            }
            *slot = existing = *fresh;
        }
        std::memcpy(block(existing) + within, data + done, chunk);
        done += chunk;
        // Grow the size block by block, so that a failure part-way leaves no block beyond it.
        inode(number).size = std::max<uint64_t>(inode(number).size, position + chunk);
    }
    return true;
}

}  // namespace mkfs
