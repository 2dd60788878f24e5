// BitmapAllocator: hands out and takes back numbered things recorded in an on-disk bitmap:
// data blocks (the block bitmap) and inodes (the inode bitmap).
//
// Allocation searches from a rotating cursor (the bit after the last one handed out), a
// bitmap word at a time, wrapping around once; so a run of allocations does not rescan the
// full prefix each time, and files written one after another get consecutive blocks. Every
// change goes through the caller's Transaction, so it commits atomically with whatever
// points at the bit. A free count, computed at mount, answers ENOSPC without any search.
//
// Deferred frees (FreePolicy::AfterCommit, used for blocks): a block freed by a transaction
// must not be handed out again before that transaction commits. File data is written to a
// newly allocated block directly, before its own transaction commits; if the block were
// still the indirect block or the fsynced data of a file whose truncation has not committed
// yet, a crash would bring that file back with the new owner's bytes in it. So free() only
// records the bit in a pending set (and adds the bitmap block to the transaction, which
// reserves its log slot); the bit is cleared, and counted free, in prepare_commit(), when
// the log is about to write that very transaction. Inodes are metadata only, so they are
// freed at once (FreePolicy::Immediately).
//
// Invariants (guarded by m_lock):
//   - m_free_count is the number of clear bits in [m_first_usable, m_bit_count) on disk
//     plus in the cache, not counting pending frees.
//   - A bit in a pending set is set in the bitmap; bits below m_first_usable (metadata
//     blocks, inode 0) are never handed out or freed.
//
// Locking: m_lock is a Mutex without a rank, taken after inode locks and the log's begin,
// and before bitmap buffer locks. Its calls may sleep (buffer reads).
#pragma once

#include <cstdint>

#include "fs/block_cache.h"
#include "fs/log.h"
#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "sync/mutex.h"

namespace fs {

enum class FreePolicy : uint8_t { Immediately, AfterCommit };

class BitmapAllocator final : public CommitListener {
public:
    // An allocator over `bit_count` bits kept in bitmap blocks from `bitmap_start`, handing
    // out numbers in [first_usable, bit_count). `name` appears in messages ("block", "inode").
    static ErrorOr<OwnPtr<BitmapAllocator>> create(const char* name, BlockCache& cache, BlockNumber bitmap_start,
                                                   uint32_t bit_count, uint32_t first_usable, FreePolicy policy);
    BitmapAllocator(const char* name, BlockCache& cache, BlockNumber bitmap_start, uint32_t bit_count,
                    uint32_t first_usable, FreePolicy policy);
    ~BitmapAllocator();

    // Counts the free bits. Call once at mount, after log recovery.
    ErrorOr<void> load();

    // Allocates one number. ENOSPC when none is free.
    ErrorOr<uint32_t> allocate(Transaction& transaction);

    // Allocates `count` numbers into `numbers`, all or none (ENOSPC, and no change).
    ErrorOr<void> allocate_many(Transaction& transaction, uint32_t count, uint32_t* numbers);

    // Frees a number that is allocated. EIO (with a message) if it is not: the caller found
    // it in a corrupted structure, and freeing it twice would hand it out twice.
    ErrorOr<void> free(Transaction& transaction, uint32_t number);

    // Whether `number` is allocated (for checks and tests). Reads the bitmap.
    ErrorOr<bool> is_allocated(uint32_t number);

    uint32_t free_count();

    // The most bitmap blocks that changing `count` bits can touch: what an operation must
    // reserve in the log for them.
    uint32_t bitmap_blocks_bound(uint64_t count) const
    {
        return count < m_bitmap_blocks ? uint32_t(count) : m_bitmap_blocks;
    }

    ErrorOr<void> prepare_commit() override;

private:
    ErrorOr<uint32_t> allocate_locked(Transaction& transaction) REQUIRES(m_lock);
    ErrorOr<void> clear_locked(Transaction& transaction, uint32_t number) REQUIRES(m_lock);

    const char* m_name;
    BlockCache& m_cache;
    BlockNumber m_bitmap_start;
    uint32_t m_bitmap_blocks;
    uint32_t m_bit_count;
    uint32_t m_first_usable;
    FreePolicy m_policy;

    Mutex m_lock { "bitmap allocator" };
    uint32_t m_cursor GUARDED_BY(m_lock);
    uint32_t m_free_count GUARDED_BY(m_lock) { 0 };
    // AfterCommit only: for each bitmap block, null or a block-sized bitmap of its pending
    // frees; and the list of bitmap blocks that have one.
    uint64_t** m_pending GUARDED_BY(m_lock) { nullptr };
    uint32_t* m_pending_list GUARDED_BY(m_lock) { nullptr };
    uint32_t m_pending_list_count GUARDED_BY(m_lock) { 0 };
};

}  // namespace fs
