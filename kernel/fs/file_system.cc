// Mount, unmount, and the namespace operations of FileSystem; see file_system.h. File data
// (read, write, truncate, fsync, read_page, write_page) is in file_data.cc.
#include "fs/file_system.h"

#include "fs/block_memory.h"
#include "fs/path.h"
#include "lib/bitmap.h"
#include "lib/kprintf.h"
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
    // Unused inodes (kept for their page caches) are the table's to drop, not users.
    m_inode_table->evict_unused(SIZE_MAX);
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

// The type of a referenced inode, read under its lock held alone (a type does not change
// while the inode is referenced; inode.h).
static InodeType type_of(Inode& inode)
{
    MutexLocker locker(inode.lock());
    return inode.type();
}

// Whether `where.name` may become a new entry of `directory` (whose lock the caller holds):
// ENOENT if the directory was removed, EEXIST if the name exists, and ENOENT for "name/" when
// the new entry will not be a directory (Linux's answer: the slash asked for a directory).
static ErrorOr<void> check_new_entry_locked(Inode& directory, const ParentAndName& where, bool makes_directory)
    REQUIRES(directory.lock())
{
    directory.lock().assert_locked();
    if (directory.disk().link_count == 0)
        return Error::from_errno(ENOENT);
    auto existing = directory_lookup(directory, where.name);
    if (!existing.is_error())
        return Error::from_errno(EEXIST);
    if (existing.error().code() != ENOENT)
        return existing.release_error();
    if (where.trailing_slash && !makes_directory)
        return Error::from_errno(ENOENT);
    return {};
}

static bool names_no_new_entry(const ParentAndName& where)
{
    return where.only_slashes || where.name.is_dot() || where.name.is_dot_dot();
}

ErrorOr<RefPtr<Inode>> FileSystem::create(Inode& start, const char* path, InodeType type, uint16_t major,
                                          uint16_t minor)
{
    ParentAndName where = TRY(resolve_parent(*this, start, path));
    if (names_no_new_entry(where))
        return Error::from_errno(EEXIST);  // "/", "." and "..": a directory that exists.
    if (where.trailing_slash && type == InodeType::File)
        return Error::from_errno(EISDIR);  // open("name/", O_CREAT), as Linux answers it.
    TRY(check_name(where.name));
    Inode& parent = *where.parent;

    RefPtr<Inode> inode;
    ErrorOr<void> result;
    {
        auto transaction = TRY(m_log->begin(kNamespaceReservation));
        MutexLocker parent_locker(parent.lock());
        TRY(check_new_entry_locked(parent, where, type == InodeType::Directory));
        if (type == InodeType::Directory && parent.disk().link_count == 0xffff)
            return Error::from_errno(EMLINK);

        InodeNumber number = TRY(m_inode_allocator->allocate(transaction));
        auto fresh = m_inode_table->get_new(number);
        if (fresh.is_error()) {
            (void)m_inode_allocator->free(transaction, number);
            return fresh.release_error();
        }
        inode = fresh.release_value();
        // Nobody else can reach the new inode yet; it is the parent's child all the same.
        auto locker = lock_second_inode(parent, *inode);
        DiskInode& disk = inode->disk();
        disk.type = type;
        disk.link_count = type == InodeType::Directory ? 2 : 1;
        disk.major = major;
        disk.minor = minor;
        result = inode->write_back(transaction);
        if (!result.is_error() && type == InodeType::Directory)
            result = directory_initialize(transaction, *inode, parent.number());
        if (!result.is_error())
            result = directory_add(transaction, parent, where.name, number, dir_entry_type_for(type));
        if (!result.is_error() && type == InodeType::Directory) {
            ++parent.disk().link_count;
            result = parent.write_back(transaction);
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

ErrorOr<void> FileSystem::link(Inode& start, const char* existing_path, const char* new_path)
{
    RefPtr<Inode> target = TRY(resolve_path(*this, start, existing_path));
    ParentAndName where = TRY(resolve_parent(*this, start, new_path));
    if (names_no_new_entry(where))
        return Error::from_errno(EEXIST);
    TRY(check_name(where.name));
    Inode& parent = *where.parent;

    if (type_of(*target) == InodeType::Directory) {
        // A directory never gets a second name. This is decided before any transaction and
        // without ever taking the target's lock: the target may be the new parent itself
        // (link(".", "x")) or one of its ancestors (link("d", "d/s/x")). Errors about the
        // new name come first, as in Linux.
        MutexLocker parent_locker(parent.lock());
        TRY(check_new_entry_locked(parent, where, false));
        return Error::from_errno(EPERM);
    }

    auto transaction = TRY(m_log->begin(kNamespaceReservation));
    MutexLocker parent_locker(parent.lock());
    TRY(check_new_entry_locked(parent, where, false));
    // A non-directory: the pair rule takes the directory first.
    auto target_locker = lock_second_inode(parent, *target);
    if (target->disk().link_count == 0)
        return Error::from_errno(ENOENT);  // Unlinked since it was looked up.
    if (target->disk().link_count == 0xffff)
        return Error::from_errno(EMLINK);
    TRY(directory_add(transaction, parent, where.name, target->number(), dir_entry_type_for(target->type())));
    ++target->disk().link_count;
    TRY(target->write_back(transaction));
    target_locker.unlock();
    parent_locker.unlock();
    return transaction.end();
}

ErrorOr<bool> FileSystem::remove_name(Inode& parent, Name name, Inode& victim)
{
    if (&victim == &parent) {
        kprintf("fs: directory %u has an entry naming itself\n", parent.number());
        return Error::from_errno(EIO);
    }
    auto transaction = TRY(m_log->begin(kNamespaceReservation));
    MutexLocker parent_locker(parent.lock());
    InodeNumber number = TRY(directory_lookup(parent, name));
    if (number != victim.number())
        return false;  // Removed and made again since the caller looked it up.
    auto victim_locker = lock_second_inode(parent, victim);
    bool directory = victim.is_directory();
    if (directory) {
        // Two directories are locked together only as parent and child: confirm it.
        InodeNumber dot_dot = TRY(directory_lookup(victim, Name { "..", 2 }));
        if (dot_dot != parent.number()) {
            kprintf("fs: directory %u is named in %u but its \"..\" is %u\n", victim.number(), parent.number(),
                    dot_dot);
            return Error::from_errno(EIO);
        }
        if (!TRY(directory_is_empty(victim)))
            return Error::from_errno(ENOTEMPTY);
    }
    TRY(directory_remove(transaction, parent, name));
    if (directory) {
        // Its "." and its entry in the parent are gone; its ".." no longer counts for the
        // parent. From now on nothing can be looked up in it (path.h).
        victim.disk().link_count = 0;
        TRY(victim.write_back(transaction));
        --parent.disk().link_count;
        TRY(parent.write_back(transaction));
    } else {
        --victim.disk().link_count;
        TRY(victim.write_back(transaction));
    }
    victim_locker.unlock();
    parent_locker.unlock();
    TRY(transaction.end());
    return true;
}

ErrorOr<void> FileSystem::unlink(Inode& start, const char* path)
{
    ParentAndName where = TRY(resolve_parent(*this, start, path));
    if (names_no_new_entry(where))
        return Error::from_errno(EISDIR);
    // Declared outside the loop so that the last reference, which may free the inode in
    // transactions of its own, is dropped after remove_name's transaction has ended.
    RefPtr<Inode> victim;
    for (;;) {
        victim = TRY(lookup_child(*this, *where.parent, where.name));
        // Checked before any lock is paired with the parent's.
        if (type_of(*victim) == InodeType::Directory)
            return Error::from_errno(EISDIR);
        if (where.trailing_slash)
            return Error::from_errno(ENOTDIR);
        if (TRY(remove_name(*where.parent, where.name, *victim)))
            break;
    }
    victim = nullptr;
    return {};
}

ErrorOr<void> FileSystem::remove_directory(Inode& start, const char* path)
{
    ParentAndName where = TRY(resolve_parent(*this, start, path));
    if (where.only_slashes)
        return Error::from_errno(EBUSY);  // rmdir("/"), as POSIX systems answer it.
    if (where.name.is_dot())
        return Error::from_errno(EINVAL);
    if (where.name.is_dot_dot())
        return Error::from_errno(ENOTEMPTY);
    RefPtr<Inode> victim;
    for (;;) {
        victim = TRY(lookup_child(*this, *where.parent, where.name));
        if (victim->number() == kRootInode)
            return Error::from_errno(EBUSY);
        if (type_of(*victim) != InodeType::Directory)
            return Error::from_errno(ENOTDIR);
        if (TRY(remove_name(*where.parent, where.name, *victim)))
            break;
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
