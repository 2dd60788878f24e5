// BlockCache: the file system's cache of metadata blocks (superblock, bitmaps, inode table,
// directory and indirect blocks). File data does not pass through it: it goes straight
// between the device and the page (ordered mode, read_page/write_page).
//
// Each cached block is a Buffer: one block-aligned 4 KiB buffer (fs/block_memory.h), the
// block number, and a sleeping lock that whoever reads or changes the contents holds. A
// BufferHandle is the RAII way to use one: BlockCache::get() returns the buffer referenced
// and locked, with valid contents; destroying the handle unlocks and drops the reference.
//
//   lookup tree (by block number) ──> Buffer ──> 4 KiB frame
//                                      │
//   LRU list of unused buffers <───────┘  (reference count 0 and not pinned)
//
// Invariants (all guarded by m_lock unless stated):
//   - At most one Buffer per block number is in the lookup tree, so two threads never
//     cache the same block twice.
//   - A Buffer is on the LRU list exactly when nobody references it and the log does not
//     pin it; only such buffers are recycled for another block, least recently used first.
//   - A buffer that the log pins (a block changed by an uncommitted or uninstalled
//     transaction) is never evicted: its contents exist nowhere else yet.
//   - Buffer::m_valid (guarded by the buffer's own lock) says the contents are the block's.
//     A read that failed leaves it false, so the next get() tries again.
//
// Capacity: capacity_for_memory() derives it from free memory at mount (1/16 of the free
// frames, at least kMinimumCapacity). It is a target, not a wall: when every buffer is
// referenced or pinned, the cache grows past it rather than fail, and shrinks back as
// buffers become unused. The log bounds the pinned ones and the callers the referenced ones.
// Below the capacity the cache also gives memory back on request: shrink() frees unused
// buffers, least recently used first (in the kernel, page reclaim asks through a shrinker,
// mm/shrinker.h, which the root file system registers), and the cache grows again on
// demand. An unused buffer is clean (it is not pinned), so nothing is written.
//
// Locking: m_lock is a spinlock (rank BlockCache) taken for the tree and list operations
// only, never across I/O or a buffer lock. A buffer's lock is a Mutex without a rank (an
// operation holds several at once, in no fixed order among themselves, but only ever takes
// a buffer lock last, after inode and allocator locks), held across the read that fills it.
#pragma once

#include <cstdint>

#include "fs/block_device.h"
#include "fs/format.h"
#include "lib/error_or.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "lib/own_ptr.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

namespace fs {

class BlockCache;
class Log;

// Whether get() must read the block from the device, or the caller is about to overwrite
// all of it (a block just allocated) so the old contents do not matter.
enum class BlockContents : uint8_t { Read, Overwrite };

class Buffer {
public:
    BlockNumber block() const { return m_block; }
    uint8_t* data() { return static_cast<uint8_t*>(m_data); }
    const uint8_t* data() const { return static_cast<const uint8_t*>(m_data); }

private:
    friend class BlockCache;
    friend class Log;
    friend struct BufferTreeTraits;

    BlockNumber m_block { 0 };
    void* m_data { nullptr };
    Mutex m_lock { "buffer" };
    bool m_valid GUARDED_BY(m_lock) { false };
    uint32_t m_ref_count { 0 };    // Guarded by the cache's m_lock.
    uint32_t m_pin_count { 0 };    // Guarded by the cache's m_lock.
    bool m_in_transaction { false };  // Guarded by the log's lock.
    TreeNode m_tree_node;
    ListNode m_lru_node;
};

struct BufferTreeTraits {
    static BlockNumber key(const Buffer& buffer) { return buffer.m_block; }
};

// A referenced and locked buffer. Move-only; destroying it unlocks and releases.
class BufferHandle {
public:
    BufferHandle() = default;
    BufferHandle(BlockCache& cache, Buffer& buffer)
        : m_cache(&cache)
        , m_buffer(&buffer)
    {
    }
    BufferHandle(BufferHandle&& other)
        : m_cache(other.m_cache)
        , m_buffer(other.m_buffer)
    {
        other.m_buffer = nullptr;
    }
    BufferHandle& operator=(BufferHandle&& other);
    BufferHandle(const BufferHandle&) = delete;
    BufferHandle& operator=(const BufferHandle&) = delete;
    ~BufferHandle() { release(); }

    // Unlocks and drops the reference early.
    void release();

    Buffer& buffer() { return *m_buffer; }
    BlockNumber block() const { return m_buffer->block(); }
    uint8_t* data() { return m_buffer->data(); }
    const uint8_t* data() const { return m_buffer->data(); }
    template<typename T>
    T* as(size_t offset = 0)
    {
        return reinterpret_cast<T*>(m_buffer->data() + offset);
    }

private:
    BlockCache* m_cache { nullptr };
    Buffer* m_buffer { nullptr };
};

class BlockCache {
public:
    static constexpr size_t kMinimumCapacity = 64;

    // The capacity to use when `free_blocks` block buffers' worth of memory is free.
    static size_t capacity_for_memory(size_t free_blocks);

    // A cache over `device` keeping about `capacity` buffers. Allocates nothing yet.
    static ErrorOr<OwnPtr<BlockCache>> create(BlockDevice& device, size_t capacity);

    BlockCache(BlockDevice& device, size_t capacity)
        : m_device(device)
        , m_capacity(capacity)
    {
    }
    ~BlockCache();

    // The buffer of `block`, referenced and locked, holding the block's contents (or, with
    // BlockContents::Overwrite and a block not cached yet, zeros for the caller to fill).
    // Sleeps for the buffer lock and the read. Fails with EIO (read error) or ENOMEM. The
    // caller must not already hold this block's buffer.
    // (The buffer's lock passes from get() to the handle and back to release(), an ownership
    // transfer clang's thread-safety analysis cannot follow: both are left out of it.)
    ErrorOr<BufferHandle> get(BlockNumber block, BlockContents contents = BlockContents::Read)
        NO_THREAD_SAFETY_ANALYSIS;

    // Pinning, for the log: a pinned buffer stays cached until unpinned. The caller holds a
    // reference (a handle) when pinning.
    void pin(Buffer& buffer);
    void unpin(Buffer& buffer);

    // Forgets every unreferenced, unpinned buffer (for tests, unmount and drop_caches).
    // Returns how many buffers remain (referenced or pinned).
    size_t drop_unused();

    // Frees up to `count` unreferenced, unpinned buffers, least recently used first (for
    // page reclaim, through a shrinker). Returns how many it freed: each was one frame.
    size_t shrink(size_t count);

    BlockDevice& device() { return m_device; }
    size_t capacity() const { return m_capacity; }

    struct Statistics {
        uint64_t hits;
        uint64_t misses;
        uint64_t evictions;
        size_t buffers;  // Buffers that exist now (one block-memory frame each).
        size_t unused;   // Of which unreferenced and unpinned: what shrink() can free.
    };
    Statistics statistics();

private:
    friend class BufferHandle;
    void release(Buffer& buffer) NO_THREAD_SAFETY_ANALYSIS;
    void make_unused_locked(Buffer& buffer) REQUIRES(m_lock);
    void destroy(Buffer* buffer);

    BlockDevice& m_device;
    size_t m_capacity;
    Spinlock m_lock { "block cache", LockRank::BlockCache };
    IntrusiveTree<Buffer, &Buffer::m_tree_node, BufferTreeTraits> m_tree GUARDED_BY(m_lock);
    IntrusiveList<Buffer, &Buffer::m_lru_node> m_lru GUARDED_BY(m_lock);  // Front = oldest.
    size_t m_buffer_count GUARDED_BY(m_lock) { 0 };
    Statistics m_statistics GUARDED_BY(m_lock) {};
};

}  // namespace fs
