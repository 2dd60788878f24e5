// InodeTable: the in-memory inodes of one file system, at most one per inode number, and
// the LRU of the unused ones that keep a page cache.
//
// Lookup by number is an AVL tree (O(log n)). The table holds no reference of its own. An
// Inode is in the table while someone holds a RefPtr to it, and also, unreferenced, while it
// is unused but worth keeping: when the last reference goes (Inode::unref) to an inode that
// still has links and has pages in its page cache, the inode stays in the tree and goes to
// the tail of the LRU of unused inodes, its cache intact. A later lookup of its number
// revives it (off the LRU, one reference) with everything cached, so re-reading a closed
// file or exec'ing a program again reads nothing from the disk.
//
//   referenced ──last unref, links > 0, pages cached──> unused, on the LRU (oldest first)
//        ^                                                │            │
//        └───────────── reference(): revived ─────────────┘            │ evict_unused():
//                                                                       v shrinker, drop_caches
//   ──last unref, links = 0 or nothing cached──> removed:     evicting (lookups wait) ──>
//     cache released, storage freed if unlinked, deleted      cache dropped, removed, deleted
//
// The LRU is bounded by memory, not by a count: the table registers nothing itself, but its
// owner (fs/root_file_system_kernel.cc) registers a shrinker (mm/shrinker.h) that calls
// evict_unused() under memory pressure and from drop_caches. An unused inode's pages are
// also ordinary page-cache pages, which page reclaim may evict one by one meanwhile; an
// inode left with no pages still waits on the LRU until the shrinker comes (it costs only
// its heap objects). An unlinked inode never waits on the LRU: its last reference frees it
// at once, pages and blocks (unlink of a closed file goes through a lookup, which revives
// it first). The table has no fixed capacity, so it never has to evict to make room.
//
// When the last reference to an inode goes, the table removes it and, if its link count is
// 0, has the file system free its blocks and the inode itself (FileSystem::free_inode_storage)
// before deleting the object. Dropping the last reference to an unlinked inode therefore
// starts transactions: do it with no transaction open and no inode lock held.
//
// Invariants:
//   - Every Inode in m_tree has a reference count > 0, or is unused: on m_lru (OnLru) or
//     being evicted (Evicting), with a count of 0. Only an inode with links > 0 and a page
//     cache is ever unused.
//   - A count goes from 1 to 0 and from 0 to 1 only under m_lock; an inode that leaves the
//     tree does so in the critical section where its count reached 0 (a removal) or after
//     its eviction dropped its cache (Evicting, so nobody revived it meanwhile). get() never
//     revives a dying inode: a lookup that finds one Evicting waits until it is gone.
//   - An Evicting inode's cache is dropped whole or not at all (InodePageCache::
//     evict_if_unused), with nothing written: so a lookup that brings the inode in anew
//     finds on the disk (the block cache) everything the evicted one knew.
//
// Locking: m_lock is a spinlock of rank InodeTable (sync/lock_order.h): after the inode
// locks, since path.cc's lookups call reference() under a directory's lock, and before
// every other spinlock; nothing else is taken under it (a lookup waiting for an eviction
// sleeps on m_evicted, which releases it). get() takes the new inode's lock (to load it)
// after dropping m_lock. Eviction takes the cache's lock with try_lock only and never
// sleeps, so the shrinker may call it from any allocating thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/format.h"
#include "fs/inode.h"
#include "lib/error_or.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "lib/ref_ptr.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

namespace fs {

class FileSystem;

// What get() expects to find on disk: an inode in use (reached through a directory entry),
// or anything (orphan recovery reads inodes whose state it is about to judge).
enum class InodeExpectation : uint8_t { InUse, Any };

class InodeTable {
public:
    InodeTable(FileSystem& fs, uint32_t inode_count)
        : m_fs(fs)
        , m_inode_count(inode_count)
    {
    }
    ~InodeTable();

    // The inode `number`, loaded. EIO (with a message) if the number is out of range or,
    // with InodeExpectation::InUse, the disk inode is free or malformed; ENOMEM.
    ErrorOr<RefPtr<Inode>> get(InodeNumber number, InodeExpectation expectation = InodeExpectation::InUse);

    // get() in two steps, for a caller that holds the lock of a directory naming the inode:
    // reference() takes no inode lock, so it may be called under the directory's lock, which
    // keeps the entry (and so the inode) from going away before the reference holds it;
    // load() takes the inode's lock, so it is called after the directory's is dropped.
    // reference() revives an unused inode, and sleeps while one is being evicted.
    ErrorOr<RefPtr<Inode>> reference(InodeNumber number);
    ErrorOr<void> load(Inode& inode, InodeExpectation expectation = InodeExpectation::InUse);

    // A new in-memory inode for a number the caller has just allocated: its disk copy is all
    // zeros (type Free) for the caller to fill in and write back. ENOMEM.
    ErrorOr<RefPtr<Inode>> get_new(InodeNumber number);

    // Evicts unused inodes, least recently used first, with their cached pages, until
    // `frames` pages are freed (SIZE_MAX: every unused inode it can) or each unused inode has
    // been looked at once. An inode whose cache cannot go now (a dirty or busy page, its
    // lock held by page reclaim) moves to the LRU's tail. Returns the pages freed. Never
    // sleeps: the shrinker's function.
    size_t evict_unused(size_t frames);

    // Inodes in the table now (unused ones included), and of those the unused ones.
    size_t size();
    size_t unused_count();

private:
    friend class Inode;
    void release(Inode& inode);
    // The inode `number` with one more reference (reviving it if unused), or nullptr if it
    // is not in the table. Waits out an eviction of it. Expects m_lock, held by `locker`.
    Inode* find_and_ref_locked(SpinlockLocker& locker, InodeNumber number) REQUIRES(m_lock);
    // Whether `inode`, whose last reference has just gone, should stay as an unused inode.
    static bool worth_keeping(const Inode& inode);

    FileSystem& m_fs;
    uint32_t m_inode_count;
    Spinlock m_lock { "inode table", LockRank::InodeTable };
    IntrusiveTree<Inode, &Inode::m_tree_node, InodeTreeTraits> m_tree GUARDED_BY(m_lock);
    // The unused inodes, least recently used at the front.
    IntrusiveList<Inode, &Inode::m_lru_node> m_lru GUARDED_BY(m_lock);
    // Lookups waiting for an eviction to finish sleep here (under m_lock).
    WaitQueue m_evicted { "inode eviction" };
};

}  // namespace fs
