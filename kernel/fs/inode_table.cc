// The table of in-memory inodes and the inode life cycle; see inode_table.h and inode.h.
#include "fs/inode_table.h"

#include <cstdint>
#include <new>

#include "fs/file_system.h"
#include "lib/kprintf.h"
#include "lib/string.h"

namespace fs {

InodeTable::~InodeTable()
{
    // Unused inodes are the table's own to drop; every RefPtr<Inode> must be gone before the
    // file system is (an Inode refers to it).
    evict_unused(SIZE_MAX);
    SpinlockLocker locker(m_lock);
    ASSERT(m_tree.empty());
}

size_t InodeTable::size()
{
    SpinlockLocker locker(m_lock);
    return m_tree.size();
}

size_t InodeTable::unused_count()
{
    SpinlockLocker locker(m_lock);
    return m_lru.size();
}

ErrorOr<RefPtr<Inode>> InodeTable::get(InodeNumber number, InodeExpectation expectation)
{
    RefPtr<Inode> inode = TRY(reference(number));
    TRY(load(*inode, expectation));
    return inode;
}

Inode* InodeTable::find_and_ref_locked(SpinlockLocker& locker, InodeNumber number)
{
    m_lock.assert_locked();
    (void)locker;  // Names the lock that the wait below releases and retakes.
    for (;;) {
        Inode* found = m_tree.find(number);
        if (!found)
            return nullptr;
        switch (found->m_unused) {
        case Inode::Unused::No:
            found->ref();
            return found;
        case Inode::Unused::OnLru:
            // Revived, with its page cache: off the LRU, and the caller's is its only reference.
            m_lru.remove(*found);
            found->m_unused = Inode::Unused::No;
            __atomic_store_n(&found->m_ref_count, 1, __ATOMIC_RELAXED);
            return found;
        case Inode::Unused::Evicting:
            // Its cache is being dropped (a short step that never sleeps); once it is out of
            // the tree, the lookup brings the inode in anew from the disk.
            m_evicted.sleep(m_lock);
            continue;
        }
    }
}

ErrorOr<RefPtr<Inode>> InodeTable::reference(InodeNumber number)
{
    if (number == 0 || number >= m_inode_count) {
        kprintf("fs: inode number %u is out of range (the file system has %u)\n", number, m_inode_count);
        return Error::from_errno(EIO);
    }
    {
        SpinlockLocker locker(m_lock);
        if (Inode* found = find_and_ref_locked(locker, number))
            return adopt_ref(*found);
    }
    auto* fresh = new (std::nothrow) Inode(m_fs, number);
    if (!fresh)
        return Error::from_errno(ENOMEM);
    SpinlockLocker locker(m_lock);
    if (Inode* found = find_and_ref_locked(locker, number)) {
        // Another thread brought it in meanwhile.
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
    SpinlockLocker locker(m_lock);
    // The number was free in the bitmap, and an inode leaves the table before its bit is
    // cleared (an unused inode has links, so its bit is set), so nobody else can have it.
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

bool InodeTable::worth_keeping(const Inode& inode)
{
    // Read without the inode's lock: nobody else holds a reference, so nobody can change
    // the link count or attach a cache, and page reclaim only ever lowers the page count.
    return inode.m_loaded && inode.m_disk.type == InodeType::File && inode.m_disk.link_count > 0
        && inode.m_page_cache && inode.m_page_cache->cached_page_count() > 0;
}

void InodeTable::release(Inode& inode)
{
    // Probably the last reference to a file with a cache, which may then stay unused: its
    // dirty pages reach the disk now, as they do when an inode leaves memory. (Should
    // another reference come and go meanwhile, the inode may wait on the LRU with pages
    // dirtied since: page reclaim writes those back, and eviction leaves such a cache be.)
    if (inode.ref_count() == 1) {
        if (InodePageCache* cache = __atomic_load_n(&inode.m_page_cache, __ATOMIC_ACQUIRE))
            cache->write_back_before_unused();
    }
    {
        SpinlockLocker locker(m_lock);
        uint32_t old = __atomic_fetch_sub(&inode.m_ref_count, 1, __ATOMIC_ACQ_REL);
        ASSERT(old > 0);
        if (old > 1)
            return;
        if (worth_keeping(inode)) {
            // Unused, most recently used: its cache waits for the next open, or the shrinker.
            inode.m_unused = Inode::Unused::OnLru;
            m_lru.push_back(inode);
            return;
        }
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

size_t InodeTable::evict_unused(size_t frames)
{
    size_t freed = 0;
    size_t to_look;
    {
        SpinlockLocker locker(m_lock);
        to_look = m_lru.size();
    }
    for (; to_look > 0 && freed < frames; --to_look) {
        Inode* victim;
        {
            SpinlockLocker locker(m_lock);
            victim = m_lru.pop_front();
            if (!victim)
                break;
            // From here on no lookup can revive it: they wait until it is gone (or back).
            victim->m_unused = Inode::Unused::Evicting;
        }
        // Only an inode with a cache is ever unused; nobody but us touches its fields now.
        std::optional<size_t> dropped = victim->m_page_cache->evict_if_unused();
        {
            SpinlockLocker locker(m_lock);
            if (dropped) {
                m_tree.erase(*victim);
            } else {
                // Busy or dirty: page reclaim writes dirty pages back; try it again later.
                victim->m_unused = Inode::Unused::OnLru;
                m_lru.push_back(*victim);
            }
        }
        m_evicted.wake_all();
        if (!dropped)
            continue;
        victim->m_page_cache = nullptr;
        delete victim;
        freed += *dropped;
    }
    return freed;
}

}  // namespace fs
