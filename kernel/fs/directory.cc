// Directory entries; see directory.h.
#include "fs/directory.h"

#include "fs/file_system.h"
#include "lib/kprintf.h"
#include "lib/string.h"

namespace fs {

bool Name::equals(const char* other, size_t other_length) const
{
    return length == other_length && klib::memcmp(characters, other, length) == 0;
}

Name name_from(const char* string) { return Name { string, klib::strlen(string) }; }

ErrorOr<void> check_name(Name name)
{
    if (name.length == 0)
        return Error::from_errno(EINVAL);
    if (name.length > kMaxNameLength)
        return Error::from_errno(ENAMETOOLONG);
    for (size_t i = 0; i < name.length; ++i) {
        if (name.characters[i] == '/' || name.characters[i] == '\0')
            return Error::from_errno(EINVAL);
    }
    return {};
}

static Error corrupted(const Inode& directory, const char* what)
{
    kprintf("fs: directory %u is corrupted: %s\n", directory.number(), what);
    return Error::from_errno(EIO);
}

// The number of blocks of a directory, whose size must be a whole number of blocks.
static ErrorOr<uint64_t> block_count_of(const Inode& directory)
{
    if (!directory.is_directory())
        return Error::from_errno(ENOTDIR);
    if (directory.size() % kBlockSize != 0)
        return corrupted(directory, "size is not a multiple of the block size");
    return directory.size() / kBlockSize;
}

static ErrorOr<BufferHandle> directory_block(Inode& directory, uint64_t index)
{
    BlockNumber block = TRY(directory.block_for(index));
    if (block == 0)
        return corrupted(directory, "hole in a directory");
    return directory.file_system().cache().get(block);
}

// The record at `offset` of a directory block, checked.
static ErrorOr<DirEntry*> record_at(const Inode& directory, BufferHandle& buffer, uint32_t offset)
{
    if (offset + sizeof(DirEntry) > kBlockSize)
        return corrupted(directory, "record runs past its block");
    auto* entry = buffer.as<DirEntry>(offset);
    uint32_t length = entry->record_length;
    if (length < sizeof(DirEntry) || length % kDirEntryAlignment != 0 || offset + length > kBlockSize)
        return corrupted(directory, "bad record length");
    if (entry->inode != 0 && (entry->name_length == 0 || dir_entry_size(entry->name_length) > length))
        return corrupted(directory, "bad name length");
    return entry;
}

ErrorOr<InodeNumber> directory_lookup(Inode& directory, Name name)
{
    uint64_t blocks = TRY(block_count_of(directory));
    for (uint64_t index = 0; index < blocks; ++index) {
        auto buffer = TRY(directory_block(directory, index));
        for (uint32_t offset = 0; offset < kBlockSize;) {
            DirEntry* entry = TRY(record_at(directory, buffer, offset));
            if (entry->inode != 0 && name.equals(entry->name, entry->name_length))
                return entry->inode;
            offset += entry->record_length;
        }
    }
    return Error::from_errno(ENOENT);
}

static void fill_entry(DirEntry* entry, Name name, InodeNumber inode, DirEntryType type, uint32_t record_length)
{
    entry->inode = inode;
    entry->record_length = uint16_t(record_length);
    entry->name_length = uint8_t(name.length);
    entry->type = type;
    klib::memcpy(entry->name, name.characters, name.length);
}

ErrorOr<void> directory_add(Transaction& transaction, Inode& directory, Name name, InodeNumber inode,
                            DirEntryType type)
{
    TRY(check_name(name));
    uint32_t needed = dir_entry_size(uint32_t(name.length));
    uint64_t blocks = TRY(block_count_of(directory));
    for (uint64_t index = 0; index < blocks; ++index) {
        auto buffer = TRY(directory_block(directory, index));
        for (uint32_t offset = 0; offset < kBlockSize;) {
            DirEntry* entry = TRY(record_at(directory, buffer, offset));
            uint32_t length = entry->record_length;
            if (entry->inode == 0 && length >= needed) {
                fill_entry(entry, name, inode, type, length);
                transaction.add(buffer);
                return {};
            }
            uint32_t used = entry->inode == 0 ? 0 : dir_entry_size(entry->name_length);
            if (entry->inode != 0 && length - used >= needed) {
                entry->record_length = uint16_t(used);
                fill_entry(buffer.as<DirEntry>(offset + used), name, inode, type, length - used);
                transaction.add(buffer);
                return {};
            }
            offset += length;
        }
    }

    // No room anywhere: grow by one block holding just this entry.
    MappedBlock mapped = TRY(directory.block_for_writing(transaction, blocks));
    auto buffer = TRY(directory.file_system().cache().get(mapped.block, BlockContents::Overwrite));
    klib::memset(buffer.data(), 0, kBlockSize);
    fill_entry(buffer.as<DirEntry>(), name, inode, type, kBlockSize);
    transaction.add(buffer);
    directory.disk().size += kBlockSize;
    return directory.write_back(transaction);
}

ErrorOr<InodeNumber> directory_remove(Transaction& transaction, Inode& directory, Name name)
{
    uint64_t blocks = TRY(block_count_of(directory));
    for (uint64_t index = 0; index < blocks; ++index) {
        auto buffer = TRY(directory_block(directory, index));
        DirEntry* previous = nullptr;
        for (uint32_t offset = 0; offset < kBlockSize;) {
            DirEntry* entry = TRY(record_at(directory, buffer, offset));
            if (entry->inode != 0 && name.equals(entry->name, entry->name_length)) {
                InodeNumber removed = entry->inode;
                if (previous)
                    previous->record_length = uint16_t(previous->record_length + entry->record_length);
                else
                    entry->inode = 0;
                transaction.add(buffer);
                return removed;
            }
            previous = entry;
            offset += entry->record_length;
        }
    }
    return Error::from_errno(ENOENT);
}

ErrorOr<bool> directory_is_empty(Inode& directory)
{
    uint64_t blocks = TRY(block_count_of(directory));
    for (uint64_t index = 0; index < blocks; ++index) {
        auto buffer = TRY(directory_block(directory, index));
        for (uint32_t offset = 0; offset < kBlockSize;) {
            DirEntry* entry = TRY(record_at(directory, buffer, offset));
            if (entry->inode != 0) {
                Name name { entry->name, entry->name_length };
                if (!name.is_dot() && !name.is_dot_dot())
                    return false;
            }
            offset += entry->record_length;
        }
    }
    return true;
}

ErrorOr<void> directory_initialize(Transaction& transaction, Inode& directory, InodeNumber parent)
{
    ASSERT(directory.is_directory() && directory.size() == 0);
    MappedBlock mapped = TRY(directory.block_for_writing(transaction, 0));
    auto buffer = TRY(directory.file_system().cache().get(mapped.block, BlockContents::Overwrite));
    klib::memset(buffer.data(), 0, kBlockSize);
    uint32_t dot_length = dir_entry_size(1);
    fill_entry(buffer.as<DirEntry>(), Name { ".", 1 }, directory.number(), DirEntryType::Directory, dot_length);
    fill_entry(buffer.as<DirEntry>(dot_length), Name { "..", 2 }, parent, DirEntryType::Directory,
               kBlockSize - dot_length);
    transaction.add(buffer);
    directory.disk().size = kBlockSize;
    return directory.write_back(transaction);
}

ErrorOr<bool> directory_read(Inode& directory, uint64_t* offset, DirectoryEntry* out)
{
    if (directory.disk().link_count == 0)
        return Error::from_errno(ENOENT);  // Removed: not even "." and ".." are listed.
    uint64_t blocks = TRY(block_count_of(directory));
    while (*offset < blocks * kBlockSize) {
        uint64_t index = *offset / kBlockSize;
        auto buffer = TRY(directory_block(directory, index));
        // Walk from the start of the block so that a stale offset still lands on a record.
        for (uint32_t position = 0; position < kBlockSize;) {
            DirEntry* entry = TRY(record_at(directory, buffer, position));
            uint64_t absolute = index * kBlockSize + position;
            position += entry->record_length;
            if (absolute < *offset || entry->inode == 0)
                continue;
            out->inode = entry->inode;
            out->type = entry->type;
            out->name_length = entry->name_length;
            klib::memcpy(out->name, entry->name, entry->name_length);
            out->name[entry->name_length] = '\0';
            *offset = index * kBlockSize + position;
            return true;
        }
        *offset = (index + 1) * kBlockSize;
    }
    return false;
}

}  // namespace fs
