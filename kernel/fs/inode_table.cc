// The table of in-memory inodes and the inode life cycle; see inode_table.h and inode.h.
#include "fs/inode_table.h"

#include <new>

#include "fs/file_system.h"
#include "lib/kprintf.h"
#include "lib/string.h"

namespace fs {

InodeTable::~InodeTable()
{
    // Every RefPtr<Inode> must be gone before the file system is: an Inode refers to it.
    ASSERT(m_tree.empty());
}

size_t InodeTable::size()
{
    MutexLocker locker(m_lock);
    return m_tree.size();
}

ErrorOr<RefPtr<Inode>> InodeTable::get(InodeNumber number, InodeExpectation expectation)
{
    RefPtr<Inode> inode = TRY(reference(number));
    TRY(load(*inode, expectation));
    return inode;
}

ErrorOr<RefPtr<Inode>> InodeTable::reference(InodeNumber number)
{
    if (number == 0 || number >= m_inode_count) {
        kprintf("fs: inode number %u is out of range (the file system has %u)\n", number, m_inode_count);
        return Error::from_errno(EIO);
    }
    {
        MutexLocker locker(m_lock);
        if (Inode* found = m_tree.find(number)) {
            found->ref();
            return adopt_ref(*found);
        }
    }
    auto* fresh = new (std::nothrow) Inode(m_fs, number);
    if (!fresh)
        return Error::from_errno(ENOMEM);
    MutexLocker locker(m_lock);
    if (Inode* found = m_tree.find(number)) {
        // Another thread brought it in meanwhile.
        found->ref();
        locker.unlock();
        delete fresh;
        return adopt_ref(*found);
    }
    bool inserted = m_tree.insert(*fresh);
    ASSERT(inserted);
    return adopt_ref(*fresh);
}

ErrorOr<void> InodeTable::load(Inode& inode, InodeExpectation expectation)
{
    // Whoever takes the lock first while the inode is not loaded loads it; a failed load
    // leaves it unloaded for the next one to try.
    MutexLocker locker(inode.lock());
    InodeNumber number = inode.number();
    if (!inode.m_loaded) {
        const Superblock& superblock = m_fs.superblock();
        BlockNumber block = superblock.inode_table_start + number / kInodesPerBlock;
        auto buffer = TRY(m_fs.cache().get(block));
        klib::memcpy(&inode.m_disk, buffer.data() + (number % kInodesPerBlock) * sizeof(DiskInode),
                     sizeof(DiskInode));
        inode.m_loaded = true;
    }
    const DiskInode& disk = inode.m_disk;
    bool known_type = disk.type == InodeType::File || disk.type == InodeType::Directory
        || disk.type == InodeType::Device;
    if (expectation == InodeExpectation::InUse && !known_type) {
        kprintf("fs: inode %u is referenced but is free or of unknown type %u\n", number, unsigned(disk.type));
        return Error::from_errno(EIO);
    }
    if (known_type && disk.size > kMaxFileSize) {
        kprintf("fs: inode %u has an impossible size\n", number);
        return Error::from_errno(EIO);
    }
    return {};
}

ErrorOr<RefPtr<Inode>> InodeTable::get_new(InodeNumber number)
{
    ASSERT(number != 0 && number < m_inode_count);
    auto* fresh = new (std::nothrow) Inode(m_fs, number);
    if (!fresh)
        return Error::from_errno(ENOMEM);
    fresh->m_loaded = true;
    MutexLocker locker(m_lock);
    // The number was free in the bitmap, and an inode leaves the table before its bit is
    // cleared, so nobody else can have it.
    bool inserted = m_tree.insert(*fresh);
    ASSERT(inserted);
    return adopt_ref(*fresh);
}

void Inode::ref() const
{
    uint32_t old = __atomic_fetch_add(&m_ref_count, 1, __ATOMIC_RELAXED);
    ASSERT(old > 0);
}

void Inode::unref() const
{
    m_fs.inode_table().release(const_cast<Inode&>(*this));
}

void InodeTable::release(Inode& inode)
{
    {
        MutexLocker locker(m_lock);
        uint32_t old = __atomic_fetch_sub(&inode.m_ref_count, 1, __ATOMIC_ACQ_REL);
        ASSERT(old > 0);
        if (old > 1)
            return;
        m_tree.erase(inode);
    }
    // Nobody else can reach the inode now: it is out of the table, and with a link count of
    // 0 no directory names it. Its cached pages go first: the dirty ones reach the disk
    // while the blocks are still the file's, unless the file is about to be freed.
    if (InodePageCache* cache = inode.m_page_cache) {
        bool keep_data = !inode.m_loaded || inode.m_disk.link_count > 0;
        cache->inode_released(keep_data);
        inode.m_page_cache = nullptr;
    }
    bool needs_freeing = inode.m_loaded && inode.m_disk.link_count == 0
        && inode.m_disk.type != InodeType::Free;
    if (needs_freeing)
        m_fs.free_inode_storage(inode);
    delete &inode;
}

}  // namespace fs
