// Inode: the in-memory form of one file, directory or device node.
//
// There is at most one Inode per inode number at a time, kept in the file system's
// InodeTable (inode_table.h); everyone who uses the file holds a RefPtr<Inode> to it. The
// Inode caches the DiskInode (read when it enters the table) and owns the file's block map:
// which disk block holds file block i (direct, indirect, double-indirect; format.h), with
// allocation on write and freeing on truncation (block_map.cc).
//
// Life cycle (file_system.cc and inode_table.cc):
//
//   get(number) ──> in table, references > 0 ──last unref──┬─ links > 0 and pages cached:
//        ^                                                  │  unused, on the table's LRU
//        └──────────── looked up again: revived ────────────┤  (its cache kept) until the
//                                                           │  shrinker evicts it
//                                                           ├─ links > 0, nothing cached:
//                                                           │  removed and forgotten
//                                                           └─ links = 0: removed; blocks
//                                                              freed in bounded transactions,
//                                                              then the inode itself (its bit)
//
// So an unlinked file that is still open keeps its inode and blocks until its last
// reference goes (unlink while open), and an unlinked inode never waits on the LRU. If the
// system stops before that, the disk holds an orphan (in use, link count 0); mount finds
// and frees orphans (file_system.cc).
//
// Invariants:
//   - m_disk is the inode's current contents; every change is written back to its
//     inode-table buffer (write_back) inside the transaction that makes it, except a size
//     raised by the page cache's write() (grow_cached_size), which reaches the log with the
//     next write_back (m_size_unlogged meanwhile): the range it adds is holes until
//     write-back allocates and writes its blocks, so logging it early shows zeros.
//   - Every block pointer in m_disk and in its indirect blocks is 0 or a block in
//     [data_start, block_count) whose bit is set; no file block at or beyond
//     ceil(size / kBlockSize) is mapped. Pointers read from disk are checked before use, and
//     a bad one is reported as EIO, never trusted.
//
// The page cache: a regular file that read(), write(), a mapping or exec has touched has one
// page cache (mm/file_object.h) attached through InodePageCache; the inode holds one
// reference to it. The cache outlives the inode's last reference: an unused inode with
// cached pages stays in the table (inode_table.h), and the cache goes only when the inode
// is evicted (InodePageCache::evict_if_unused) or freed (inode_released). The file-system
// code itself never creates one (the host tests attach a stand-in).
//
// Locking: m_lock (a Mutex of rank Inode) guards m_disk, the block map and m_page_cache,
// and is held across the I/O of reads and writes. A thread holds at most two inode locks,
// the second taken with lock_second_inode() under the inode pair rule of sync/lock_order.h
// (a directory before the inodes it names; never an inode with itself). The type never
// changes while the inode is referenced (it is set before the inode is named anywhere and
// cleared only after its last reference went), so a holder may read is_directory() without
// the lock. Functions below that touch m_disk say "expects the lock"; callers take it after
// Log::begin(), never before. The reference count is managed by the InodeTable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "fs/format.h"
#include "fs/log.h"
#include "lib/assert.h"
#include "lib/error_or.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "sync/mutex.h"

namespace fs {

class FileSystem;
class InodeTable;

// A block of a file, and whether it was allocated just now (so holds nothing yet).
struct MappedBlock {
    BlockNumber block;
    bool fresh;
};

// What the VM attaches to an inode: its page cache. Implemented by FileObject
// (mm/file_object.h); declared here so that the file system can reach it without knowing
// the VM.
class InodePageCache {
public:
    // Reads through the cache, as FileSystem::read does from the disk, so that
    // kernel-internal readers (exec) see data not yet written back.
    virtual ErrorOr<size_t> read(uint64_t offset, void* buffer, size_t length) = 0;
    // The inode's last reference has gone and it is out of the inode table: write back
    // dirty pages if `keep_data` (the file still has links), drop every page, and drop the
    // inode's reference to the cache. Called with no lock held.
    virtual void inode_released(bool keep_data) = 0;
    // The inode's last reference is about to go, and the inode may then stay unused with its
    // cache: writes the dirty pages back if the file still has links, as inode_released()
    // would, so that an unused inode's cache is clean. A failure is reported on the console
    // and leaves the pages dirty (page reclaim tries again). Called with no lock held.
    virtual void write_back_before_unused() = 0;
    // Pages cached now: a snapshot, read without any lock (the table reads it to decide
    // whether an unused inode is worth keeping).
    virtual size_t cached_page_count() const = 0;
    // The inode is unused and being evicted (nobody can reach it but page reclaim): if no
    // page is dirty, busy or in use, and the cache's lock is free, drops every page and the
    // inode's reference to the cache and returns how many pages it freed; otherwise changes
    // nothing and returns nullopt. Never sleeps (no I/O, no waiting for a lock).
    virtual std::optional<size_t> evict_if_unused() = 0;

protected:
    ~InodePageCache() = default;
};

class Inode {
public:
    InodeNumber number() const { return m_number; }
    FileSystem& file_system() const { return m_fs; }
    Mutex& lock() const RETURN_CAPABILITY(m_lock) { return m_lock; }

    // The cached disk inode. Expects the lock.
    DiskInode& disk() { return m_disk; }
    const DiskInode& disk() const { return m_disk; }
    InodeType type() const { return m_disk.type; }
    bool is_directory() const { return m_disk.type == InodeType::Directory; }
    bool is_file() const { return m_disk.type == InodeType::File; }
    uint64_t size() const { return m_disk.size; }

    // Copies m_disk into its inode-table block and adds that to the transaction, which
    // logs the size too (size_unlogged() is false afterwards). Expects the lock.
    ErrorOr<void> write_back(Transaction& transaction);

    // Whether the size was raised in memory only (FileSystem::grow_cached_size, for the
    // page cache's write-back caching) and not written to a transaction since. Expects the
    // lock.
    bool size_unlogged() const { return m_size_unlogged; }
    void set_size_unlogged() { m_size_unlogged = true; }

    // --- The block map (block_map.cc). All expect the lock. ---

    // The disk block holding file block `index`, or 0 for a hole. EIO on a bad pointer,
    // EFBIG beyond the largest file.
    ErrorOr<BlockNumber> block_for(uint64_t index);

    // The disk block for file block `index`, allocating it and any indirect blocks on the
    // way (all or nothing: ENOSPC leaves the map unchanged). A fresh block's contents are
    // undefined on disk; the caller writes all of it.
    ErrorOr<MappedBlock> block_for_writing(Transaction& transaction, uint64_t index);

    // One bounded step of truncation towards `new_size` (< size()): frees at most
    // `max_blocks` data blocks from the end of the file, and the indirect blocks that become
    // empty, and sets the size to what is left (new_size once nothing beyond it remains).
    // Repeat, each time in a new transaction, while size() > new_size.
    ErrorOr<void> shrink_step(Transaction& transaction, uint64_t new_size, uint32_t max_blocks);

    // The log blocks a transaction must reserve to map `count` file blocks from `first`
    // with block_for_writing (the inode, indirect blocks, bitmap blocks).
    uint32_t write_reservation(uint64_t first, uint32_t count) const;
    // The same for one shrink_step of `max_blocks`.
    uint32_t shrink_reservation(uint32_t max_blocks) const;

    // How many data blocks the file maps (holes excluded), walking only present indirect
    // blocks.
    ErrorOr<uint64_t> count_mapped_blocks();

    // The attached page cache, or nullptr. Expects the lock.
    InodePageCache* page_cache() const { return m_page_cache; }
    // Attaches `cache`, which must not be replaced while attached. Expects the lock. (A
    // release store: the table's release() peeks at it without the lock.)
    void set_page_cache(InodePageCache* cache) { __atomic_store_n(&m_page_cache, cache, __ATOMIC_RELEASE); }

    // RefPtr<Inode> support; the InodeTable does the bookkeeping.
    void ref() const;
    void unref() const;
    uint32_t ref_count() const { return __atomic_load_n(&m_ref_count, __ATOMIC_RELAXED); }

    Inode(FileSystem& fs, InodeNumber number)
        : m_fs(fs)
        , m_number(number)
    {
    }

private:
    friend class InodeTable;
    friend struct InodeTreeTraits;

    ErrorOr<void> free_range(Transaction& transaction, uint64_t first, uint64_t end);
    // One past the last mapped file block below `end`, or 0 if there is none (skips holes
    // an indirect block at a time).
    ErrorOr<uint64_t> end_of_mapped_blocks(uint64_t end);

    FileSystem& m_fs;
    InodeNumber m_number;
    mutable Mutex m_lock { "inode", LockRank::Inode };
    DiskInode m_disk {};             // Guarded by m_lock.
    bool m_loaded { false };         // Guarded by m_lock.
    bool m_size_unlogged { false };  // Guarded by m_lock.
    InodePageCache* m_page_cache { nullptr };  // Guarded by m_lock; holds one reference.
    // Atomic; changes from 1 to 0 (last unref) and from 0 to 1 (a revival) only under the
    // table's lock.
    mutable uint32_t m_ref_count { 1 };
    TreeNode m_tree_node;            // Guarded by the table's lock.
    // Where an inode with no references stands (inode_table.h). Guarded by the table's lock.
    enum class Unused : uint8_t { No, OnLru, Evicting };
    Unused m_unused { Unused::No };
    ListNode m_lru_node;             // On the table's LRU while m_unused == OnLru.
};

// Locks `second` while the caller holds `first`'s lock, under the inode pair rule
// (sync/lock_order.h), and returns the guard of `second`. Asserts what can be checked without
// reading the disk: the two differ, and `first` is a directory, or both are non-directories
// taken by increasing number. When both are directories the caller must know `first` to be
// the parent, and confirm it by the child's ".." once both are held (rmdir does).
inline NestedMutexLocker lock_second_inode(Inode& first, Inode& second)
{
    ASSERT(&first != &second);
    ASSERT(first.is_directory() || (!second.is_directory() && first.number() < second.number()));
    return NestedMutexLocker(second.lock(), first.lock());
}

struct InodeTreeTraits {
    static InodeNumber key(const Inode& inode) { return inode.m_number; }
};

}  // namespace fs
