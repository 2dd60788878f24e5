// Mount, unmount, and the namespace operations of FileSystem; see file_system.h. File data
// (read, write, truncate, fsync, read_page, write_page) is in file_data.cc.
#include "fs/file_system.h"

#include "drivers/console.h"
#include "fs/block_memory.h"
#include "fs/path.h"
#include "lib/bitmap.h"
#include "lib/string.h"

namespace fs {

static Error refuse(const char* why)
{
    kprintf("fs: mount refused: %s\n", why);
    return Error::from_errno(EINVAL);
}

ErrorOr<OwnPtr<FileSystem>> FileSystem::mount(BlockDevice& device, MountOptions options)
{
    auto fs = TRY(try_make<FileSystem>(device));
    TRY(fs->load(options));
    return fs;
}

ErrorOr<void> FileSystem::load(MountOptions options)
{
    if (m_device.block_count() <= kSuperblockBlock)
        return refuse("the device is too small to hold a superblock");
    void* memory = TRY(allocate_block_memory());
    auto read = m_device.read_blocks(kSuperblockBlock, 1, memory);
    klib::memcpy(&m_superblock, memory, sizeof(m_superblock));
    free_block_memory(memory);
    TRY(read);

    if (const char* problem = validate_superblock(m_superblock, m_device.block_count()))
        return refuse(problem);
    if (m_superblock.log_blocks - 1 < Log::kMinimumCapacity)
        return refuse("the log is too small for the largest operation");

    size_t capacity = options.cache_capacity ? options.cache_capacity
                                             : BlockCache::capacity_for_memory(available_block_memory());
    m_cache = TRY(BlockCache::create(m_device, capacity));
    m_log = TRY(Log::create(*m_cache, m_superblock));
    TRY(m_log->recover());

    m_block_allocator = TRY(BitmapAllocator::create("block", *m_cache, m_superblock.block_bitmap_start,
                                                    m_superblock.block_count, m_superblock.data_start,
                                                    FreePolicy::AfterCommit));
    m_inode_allocator = TRY(BitmapAllocator::create("inode", *m_cache, m_superblock.inode_bitmap_start,
                                                    m_superblock.inode_count, kRootInode + 1,
                                                    FreePolicy::Immediately));
    TRY(m_block_allocator->load());
    TRY(m_inode_allocator->load());
    m_log->set_commit_listener(m_block_allocator.ptr());
    m_inode_table = TRY(try_make<InodeTable>(*this, m_superblock.inode_count));

    auto root = m_inode_table->get(kRootInode);
    if (root.is_error())
        return refuse("the root inode is unreadable or free");
    m_root = root.release_value();
    {
        MutexLocker locker(m_root->lock());
        if (!m_root->is_directory())
            return refuse("the root inode is not a directory");
    }

    // Size write and truncation transactions so that two fit in the log at once. A write
    // chunk's reservation is largest where it straddles indirect blocks.
    uint32_t half = m_log->capacity() / 2;
    m_write_chunk_blocks = 1024;
    while (m_write_chunk_blocks > 1
           && m_root->write_reservation(kDirectBlocks + kPointersPerBlock - 1, m_write_chunk_blocks) > half)
        m_write_chunk_blocks /= 2;
    m_truncate_step_blocks = 4096;
    while (m_truncate_step_blocks > 1 && m_root->shrink_reservation(m_truncate_step_blocks) > half)
        m_truncate_step_blocks /= 2;
    TRY(free_orphans());
    return {};
}

// Frees every inode that is in use with no links: a file unlinked while open whose last
// reference never went because the system stopped. Reads the inode bitmap and only the
// inode-table blocks of inodes in use.
ErrorOr<void> FileSystem::free_orphans()
{
    uint32_t count = m_superblock.inode_count;
    for (uint32_t first = 0; first < count; first += kBitsPerBlock) {
        uint32_t bits = count - first < kBitsPerBlock ? count - first : kBitsPerBlock;
        for (uint32_t bit = 0; bit < bits;) {
            InodeNumber number;
            {
                auto bitmap_block = TRY(m_cache->get(m_superblock.inode_bitmap_start + first / kBitsPerBlock));
                Bitmap bitmap(bitmap_block.as<uint64_t>(), bits);
                auto next = bitmap.find_first_set(bit);
                if (!next)
                    break;
                bit = uint32_t(*next) + 1;
                number = first + uint32_t(*next);
            }
            if (number <= kRootInode)
                continue;
            DiskInode disk;
            {
                auto table = TRY(m_cache->get(m_superblock.inode_table_start + number / kInodesPerBlock));
                klib::memcpy(&disk, table.data() + (number % kInodesPerBlock) * sizeof(DiskInode), sizeof(disk));
            }
            if (disk.type == InodeType::Free || disk.link_count != 0)
                continue;
            kprintf("fs: freeing orphan inode %u (%lu bytes)\n", number, static_cast<unsigned long>(disk.size));
            // Dropping the only reference frees it (InodeTable::release).
            TRY(m_inode_table->get(number, InodeExpectation::Any));
        }
    }
    return {};
}

FileSystem::~FileSystem()
{
    m_root = nullptr;
    m_inode_table = nullptr;
    if (m_log)
        m_log->set_commit_listener(nullptr);
    m_block_allocator = nullptr;
    m_inode_allocator = nullptr;
    m_log = nullptr;
    m_cache = nullptr;
}

ErrorOr<void> FileSystem::unmount()
{
    if (m_inode_table->size() > 1 || m_root->ref_count() > 1)
        return Error::from_errno(EBUSY);
    TRY(m_log->commit_now());
    return m_device.flush();
}

FileSystemUsage FileSystem::usage()
{
    return FileSystemUsage { m_block_allocator->free_count(), m_inode_allocator->free_count(),
                             m_log->commit_count() };
}

InodeInfo FileSystem::stat(Inode& inode)
{
    MutexLocker locker(inode.lock());
    const DiskInode& disk = inode.disk();
    InodeInfo info { inode.number(), disk.type, disk.link_count, disk.major, disk.minor, disk.size, 0, disk.mtime_ns };
    auto blocks = inode.count_mapped_blocks();
    info.blocks = blocks.is_error() ? 0 : blocks.value();
    return info;
}

ErrorOr<RefPtr<Inode>> FileSystem::lookup(Inode& start, const char* path) { return resolve_path(*this, start, path); }

ErrorOr<RefPtr<Inode>> FileSystem::create_file(Inode& start, const char* path)
{
    return create(start, path, InodeType::File, 0, 0);
}

ErrorOr<RefPtr<Inode>> FileSystem::make_directory(Inode& start, const char* path)
{
    return create(start, path, InodeType::Directory, 0, 0);
}

ErrorOr<RefPtr<Inode>> FileSystem::make_device(Inode& start, const char* path, uint16_t major, uint16_t minor)
{
    return create(start, path, InodeType::Device, major, minor);
}

ErrorOr<RefPtr<Inode>> FileSystem::create(Inode& start, const char* path, InodeType type, uint16_t major,
                                          uint16_t minor)
{
    auto [parent, name] = TRY(resolve_parent(*this, start, path));
    if (name.is_dot() || name.is_dot_dot())
        return Error::from_errno(EEXIST);
    TRY(check_name(name));

    RefPtr<Inode> inode;
    ErrorOr<void> result;
    {
        auto transaction = TRY(m_log->begin(kNamespaceReservation));
        MutexLocker parent_locker(parent->lock());
        if (!parent->is_directory())
            return Error::from_errno(ENOTDIR);
        if (parent->disk().link_count == 0)
            return Error::from_errno(ENOENT);  // The directory was removed meanwhile.
        auto existing = directory_lookup(*parent, name);
        if (!existing.is_error())
            return Error::from_errno(EEXIST);
        if (existing.error().code() != ENOENT)
            return existing.release_error();
        if (type == InodeType::Directory && parent->disk().link_count == 0xffff)
            return Error::from_errno(EMLINK);

        InodeNumber number = TRY(m_inode_allocator->allocate(transaction));
        auto fresh = m_inode_table->get_new(number);
        if (fresh.is_error()) {
            (void)m_inode_allocator->free(transaction, number);
            return fresh.release_error();
        }
        inode = fresh.release_value();
        MutexLocker locker(inode->lock());
        DiskInode& disk = inode->disk();
        disk.type = type;
        disk.link_count = type == InodeType::Directory ? 2 : 1;
        disk.major = major;
        disk.minor = minor;
        result = inode->write_back(transaction);
        if (!result.is_error() && type == InodeType::Directory)
            result = directory_initialize(transaction, *inode, parent->number());
        if (!result.is_error())
            result = directory_add(transaction, *parent, name, number, dir_entry_type_for(type));
        if (!result.is_error() && type == InodeType::Directory) {
            ++parent->disk().link_count;
            result = parent->write_back(transaction);
        }
        if (result.is_error()) {
            // Undo in the same transaction: free what the new inode got and the inode
            // itself, so the transaction commits a file system without it.
            uint64_t blocks = (disk.size + kBlockSize - 1) / kBlockSize;
            if (blocks > 0)
                (void)inode->shrink_step(transaction, 0, uint32_t(blocks));
            disk = DiskInode {};
            (void)inode->write_back(transaction);
            (void)m_inode_allocator->free(transaction, number);
        }
    }
    TRY(result);
    return inode;
}

}  // namespace fs

namespace fs {

ErrorOr<void> FileSystem::link(Inode& start, const char* existing_path, const char* new_path)
{
    RefPtr<Inode> target = TRY(resolve_path(*this, start, existing_path));
    auto [parent, name] = TRY(resolve_parent(*this, start, new_path));
    if (name.is_dot() || name.is_dot_dot())
        return Error::from_errno(EEXIST);
    TRY(check_name(name));

    auto transaction = TRY(m_log->begin(kNamespaceReservation));
    MutexLocker parent_locker(parent->lock());
    if (!parent->is_directory())
        return Error::from_errno(ENOTDIR);
    if (parent->disk().link_count == 0)
        return Error::from_errno(ENOENT);
    auto existing = directory_lookup(*parent, name);
    if (!existing.is_error())
        return Error::from_errno(EEXIST);
    if (existing.error().code() != ENOENT)
        return existing.release_error();
    // The target is not a directory, so it is not the parent, and parent-then-child is the
    // lock order.
    MutexLocker target_locker(target->lock());
    if (target->is_directory())
        return Error::from_errno(EPERM);
    if (target->disk().link_count == 0)
        return Error::from_errno(ENOENT);  // Unlinked since it was looked up.
    if (target->disk().link_count == 0xffff)
        return Error::from_errno(EMLINK);
    TRY(directory_add(transaction, *parent, name, target->number(), dir_entry_type_for(target->type())));
    ++target->disk().link_count;
    TRY(target->write_back(transaction));
    return transaction.end();
}

ErrorOr<void> FileSystem::unlink(Inode& start, const char* path)
{
    auto [parent, name] = TRY(resolve_parent(*this, start, path));
    if (name.is_dot() || name.is_dot_dot())
        return Error::from_errno(EISDIR);
    // Declared before the transaction so that the last reference, which may free the
    // inode in transactions of its own, is dropped after this one has ended.
    RefPtr<Inode> victim;
    {
        auto transaction = TRY(m_log->begin(kNamespaceReservation));
        MutexLocker parent_locker(parent->lock());
        if (!parent->is_directory())
            return Error::from_errno(ENOTDIR);
        InodeNumber number = TRY(directory_lookup(*parent, name));
        victim = TRY(m_inode_table->get(number));
        MutexLocker victim_locker(victim->lock());
        if (victim->is_directory())
            return Error::from_errno(EISDIR);
        TRY(directory_remove(transaction, *parent, name));
        --victim->disk().link_count;
        TRY(victim->write_back(transaction));
        victim_locker.unlock();
        parent_locker.unlock();
        TRY(transaction.end());
    }
    victim = nullptr;
    return {};
}

ErrorOr<void> FileSystem::remove_directory(Inode& start, const char* path)
{
    auto [parent, name] = TRY(resolve_parent(*this, start, path));
    if (name.is_dot() && path[0] == '/' && parent == m_root && klib::strlen(path) == 1)
        return Error::from_errno(EBUSY);  // rmdir("/"), as POSIX systems answer it.
    if (name.is_dot())
        return Error::from_errno(EINVAL);
    if (name.is_dot_dot())
        return Error::from_errno(ENOTEMPTY);
    RefPtr<Inode> victim;
    {
        auto transaction = TRY(m_log->begin(kNamespaceReservation));
        MutexLocker parent_locker(parent->lock());
        if (!parent->is_directory())
            return Error::from_errno(ENOTDIR);
        InodeNumber number = TRY(directory_lookup(*parent, name));
        if (number == kRootInode)
            return Error::from_errno(EBUSY);
        victim = TRY(m_inode_table->get(number));
        MutexLocker victim_locker(victim->lock());
        if (!victim->is_directory())
            return Error::from_errno(ENOTDIR);
        if (!TRY(directory_is_empty(*victim)))
            return Error::from_errno(ENOTEMPTY);
        TRY(directory_remove(transaction, *parent, name));
        // Its "." and its entry in the parent are gone; its ".." no longer counts for the
        // parent.
        victim->disk().link_count = 0;
        TRY(victim->write_back(transaction));
        --parent->disk().link_count;
        TRY(parent->write_back(transaction));
        victim_locker.unlock();
        parent_locker.unlock();
        TRY(transaction.end());
    }
    victim = nullptr;
    return {};
}

void FileSystem::free_inode_storage(Inode& inode)
{
    for (;;) {
        auto transaction = m_log->begin(inode.shrink_reservation(m_truncate_step_blocks));
        if (transaction.is_error()) {
            kprintf("fs: cannot free inode %u: %s\n", inode.number(), transaction.error().name());
            return;
        }
        MutexLocker locker(inode.lock());
        ErrorOr<void> result;
        bool done = inode.size() == 0;
        if (done) {
            inode.disk() = DiskInode {};
            result = inode.write_back(transaction.value());
            if (!result.is_error())
                result = m_inode_allocator->free(transaction.value(), inode.number());
        } else {
            result = inode.shrink_step(transaction.value(), 0, m_truncate_step_blocks);
        }
        locker.unlock();
        auto ended = transaction.value().end();
        if (result.is_error() || ended.is_error()) {
            kprintf("fs: freeing inode %u failed; it leaks until fsck\n", inode.number());
            return;
        }
        if (done)
            return;
    }
}

}  // namespace fs
