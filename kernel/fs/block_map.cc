// The block map of an inode: file block index -> disk block, through the direct pointers,
// the indirect block and the double-indirect block (format.h). Also Inode::write_back.
//
//   index:  0 .. 11          direct[index]
//           12 .. 1035       indirect -> [index - 12]
//           1036 .. max      double_indirect -> [(index - 1036) / 1024] -> [(index - 1036) % 1024]
//
// Indirect blocks are metadata: they live in the block cache and change inside the
// caller's transaction. Data blocks are only allocated and freed here; their contents are
// the caller's business.
#include "fs/file_system.h"
#include "fs/inode.h"
#include "lib/kprintf.h"
#include "lib/string.h"

namespace fs {

static constexpr uint64_t kSingleStart = kDirectBlocks;
static constexpr uint64_t kDoubleStart = kDirectBlocks + kPointersPerBlock;

ErrorOr<void> Inode::write_back(Transaction& transaction)
{
    m_lock.assert_locked();
    const Superblock& superblock = m_fs.superblock();
    auto buffer = TRY(m_fs.cache().get(superblock.inode_table_start + m_number / kInodesPerBlock));
    klib::memcpy(buffer.data() + (m_number % kInodesPerBlock) * sizeof(DiskInode), &m_disk, sizeof(DiskInode));
    transaction.add(buffer);
    m_size_unlogged = false;
    return {};
}

// A pointer read from an inode or an indirect block: 0, or a data-region block.
static ErrorOr<BlockNumber> checked(FileSystem& fs, const Inode& inode, BlockNumber block)
{
    if (block != 0 && (block < fs.superblock().data_start || block >= fs.superblock().block_count)) {
        kprintf("fs: inode %u points at block %u, outside the data region\n", inode.number(), block);
        return Error::from_errno(EIO);
    }
    return block;
}

ErrorOr<BlockNumber> Inode::block_for(uint64_t index)
{
    m_lock.assert_locked();
    if (index < kSingleStart)
        return checked(m_fs, *this, m_disk.direct[index]);
    if (index >= kMaxFileBlocks)
        return Error::from_errno(EFBIG);
    BlockNumber table;
    uint64_t entry;
    if (index < kDoubleStart) {
        table = TRY(checked(m_fs, *this, m_disk.indirect));
        entry = index - kSingleStart;
    } else {
        BlockNumber outer = TRY(checked(m_fs, *this, m_disk.double_indirect));
        if (outer == 0)
            return BlockNumber(0);
        auto buffer = TRY(m_fs.cache().get(outer));
        table = TRY(checked(m_fs, *this, buffer.as<BlockNumber>()[(index - kDoubleStart) / kPointersPerBlock]));
        entry = (index - kDoubleStart) % kPointersPerBlock;
    }
    if (table == 0)
        return BlockNumber(0);
    auto buffer = TRY(m_fs.cache().get(table));
    return checked(m_fs, *this, buffer.as<BlockNumber>()[entry]);
}

// Makes a freshly allocated indirect block all zeros (all holes), in the transaction.
static ErrorOr<void> initialize_table(FileSystem& fs, Transaction& transaction, BlockNumber block)
{
    auto buffer = TRY(fs.cache().get(block, BlockContents::Overwrite));
    klib::memset(buffer.data(), 0, kBlockSize);
    transaction.add(buffer);
    return {};
}

ErrorOr<MappedBlock> Inode::block_for_writing(Transaction& transaction, uint64_t index)
{
    m_lock.assert_locked();
    if (index >= kMaxFileBlocks)
        return Error::from_errno(EFBIG);
    BlockNumber existing = TRY(block_for(index));
    if (existing != 0)
        return MappedBlock { existing, false };

    // Count what is missing on the way down, allocate all of it at once (so ENOSPC changes
    // nothing), then link it in from the top.
    BlockNumber outer = 0;  // The double-indirect block, when index is in its range.
    BlockNumber table = 0;  // The indirect block that holds index's entry, if any.
    uint32_t missing = 1;
    if (index >= kDoubleStart) {
        outer = m_disk.double_indirect;
        if (outer == 0) {
            missing += 2;
        } else {
            auto buffer = TRY(m_fs.cache().get(outer));
            table = buffer.as<BlockNumber>()[(index - kDoubleStart) / kPointersPerBlock];
            if (table == 0)
                missing += 1;
        }
    } else if (index >= kSingleStart) {
        table = m_disk.indirect;
        if (table == 0)
            missing += 1;
    }
    BlockNumber fresh[3];
    TRY(m_fs.block_allocator().allocate_many(transaction, missing, fresh));
    uint32_t next = 0;

    if (index < kSingleStart) {
        // Only the data block itself, linked below.
    } else if (index < kDoubleStart) {
        if (table == 0) {
            table = fresh[next++];
            TRY(initialize_table(m_fs, transaction, table));
            m_disk.indirect = table;
        }
    } else {
        if (outer == 0) {
            outer = fresh[next++];
            TRY(initialize_table(m_fs, transaction, outer));
            m_disk.double_indirect = outer;
        }
        if (table == 0) {
            table = fresh[next++];
            TRY(initialize_table(m_fs, transaction, table));
            auto buffer = TRY(m_fs.cache().get(outer));
            buffer.as<BlockNumber>()[(index - kDoubleStart) / kPointersPerBlock] = table;
            transaction.add(buffer);
        }
    }
    BlockNumber data = fresh[next++];
    ASSERT(next == missing);
    if (index < kSingleStart) {
        m_disk.direct[index] = data;
    } else {
        uint64_t entry = index < kDoubleStart ? index - kSingleStart : (index - kDoubleStart) % kPointersPerBlock;
        auto buffer = TRY(m_fs.cache().get(table));
        buffer.as<BlockNumber>()[entry] = data;
        transaction.add(buffer);
    }
    TRY(write_back(transaction));
    return MappedBlock { data, true };
}

uint32_t Inode::write_reservation(uint64_t first, uint32_t count) const
{
    uint64_t end = first + count;
    uint32_t tables = 0;
    if (first < kDoubleStart && end > kSingleStart)
        tables += 1;
    if (end > kDoubleStart) {
        uint64_t low = first > kDoubleStart ? first : kDoubleStart;
        tables += 1 + uint32_t((end - 1 - kDoubleStart) / kPointersPerBlock - (low - kDoubleStart) / kPointersPerBlock + 1);
    }
    return 1 + tables + m_fs.block_allocator().bitmap_blocks_bound(uint64_t(count) + tables);
}

uint32_t Inode::shrink_reservation(uint32_t max_blocks) const
{
    // The inode, the double-indirect block, the indirect blocks a run of max_blocks can
    // reach into (the single one, and up to max_blocks / 1024 + 2 under the double one),
    // and the bitmap blocks of everything freed.
    uint32_t tables = 2 + max_blocks / kPointersPerBlock + 2;
    return 1 + tables + m_fs.block_allocator().bitmap_blocks_bound(uint64_t(max_blocks) + tables);
}

static bool all_zero(const BlockNumber* entries)
{
    for (uint32_t i = 0; i < kPointersPerBlock; ++i) {
        if (entries[i] != 0)
            return false;
    }
    return true;
}

// Frees the data blocks of entries [from, to) of the indirect block `table` and clears them.
// Sets *emptied when the whole block is then zero (the caller frees it and its pointer).
static ErrorOr<void> free_entries(FileSystem& fs, Transaction& transaction, const Inode& inode,
                                  BlockNumber table, uint64_t from, uint64_t to, bool* emptied)
{
    auto buffer = TRY(fs.cache().get(table));
    auto* entries = buffer.as<BlockNumber>();
    bool changed = false;
    for (uint64_t i = from; i < to; ++i) {
        BlockNumber block = TRY(checked(fs, inode, entries[i]));
        if (block == 0)
            continue;
        TRY(fs.block_allocator().free(transaction, block));
        entries[i] = 0;
        changed = true;
    }
    *emptied = all_zero(entries);
    // A block about to be freed whole need not be logged; one that stays must be.
    if (changed && !*emptied)
        transaction.add(buffer);
    return {};
}

// Frees every mapped block in [first, end) and the indirect blocks left empty. Expects the
// lock; does not change the size or write the inode back.
ErrorOr<void> Inode::free_range(Transaction& transaction, uint64_t first, uint64_t end)
{
    BitmapAllocator& allocator = m_fs.block_allocator();
    for (uint64_t i = first; i < end && i < kSingleStart; ++i) {
        BlockNumber block = TRY(checked(m_fs, *this, m_disk.direct[i]));
        if (block != 0) {
            TRY(allocator.free(transaction, block));
            m_disk.direct[i] = 0;
        }
    }
    if (end > kSingleStart && first < kDoubleStart) {
        BlockNumber table = TRY(checked(m_fs, *this, m_disk.indirect));
        if (table != 0) {
            uint64_t from = first > kSingleStart ? first - kSingleStart : 0;
            uint64_t to = (end < kDoubleStart ? end : kDoubleStart) - kSingleStart;
            bool emptied = false;
            TRY(free_entries(m_fs, transaction, *this, table, from, to, &emptied));
            if (emptied) {
                TRY(allocator.free(transaction, table));
                m_disk.indirect = 0;
            }
        }
    }
    if (end > kDoubleStart) {
        BlockNumber outer = TRY(checked(m_fs, *this, m_disk.double_indirect));
        if (outer == 0)
            return {};
        auto buffer = TRY(m_fs.cache().get(outer));
        auto* tables = buffer.as<BlockNumber>();
        uint64_t low = first > kDoubleStart ? first - kDoubleStart : 0;
        uint64_t high = end - kDoubleStart;
        bool changed = false;
        for (uint64_t group = low / kPointersPerBlock; group * kPointersPerBlock < high; ++group) {
            BlockNumber table = TRY(checked(m_fs, *this, tables[group]));
            if (table == 0)
                continue;
            uint64_t group_start = group * kPointersPerBlock;
            uint64_t from = low > group_start ? low - group_start : 0;
            uint64_t to = high - group_start < kPointersPerBlock ? high - group_start : kPointersPerBlock;
            bool emptied = false;
            TRY(free_entries(m_fs, transaction, *this, table, from, to, &emptied));
            if (emptied) {
                TRY(allocator.free(transaction, table));
                tables[group] = 0;
                changed = true;
            }
        }
        if (all_zero(tables)) {
            TRY(allocator.free(transaction, outer));
            m_disk.double_indirect = 0;
        } else if (changed) {
            transaction.add(buffer);
        }
    }
    return {};
}

ErrorOr<uint64_t> Inode::end_of_mapped_blocks(uint64_t end)
{
    if (end > kMaxFileBlocks)
        end = kMaxFileBlocks;
    if (end > kDoubleStart) {
        BlockNumber outer = TRY(checked(m_fs, *this, m_disk.double_indirect));
        if (outer != 0) {
            auto buffer = TRY(m_fs.cache().get(outer));
            auto* tables = buffer.as<BlockNumber>();
            uint64_t last = end - 1 - kDoubleStart;
            for (int64_t group = int64_t(last / kPointersPerBlock); group >= 0; --group) {
                BlockNumber table = TRY(checked(m_fs, *this, tables[group]));
                if (table == 0)
                    continue;
                auto inner = TRY(m_fs.cache().get(table));
                auto* entries = inner.as<BlockNumber>();
                int64_t top = uint64_t(group) == last / kPointersPerBlock ? int64_t(last % kPointersPerBlock)
                                                                          : int64_t(kPointersPerBlock - 1);
                for (int64_t i = top; i >= 0; --i) {
                    if (entries[i] != 0)
                        return kDoubleStart + uint64_t(group) * kPointersPerBlock + uint64_t(i) + 1;
                }
            }
        }
        end = kDoubleStart;
    }
    if (end > kSingleStart) {
        BlockNumber table = TRY(checked(m_fs, *this, m_disk.indirect));
        if (table != 0) {
            auto buffer = TRY(m_fs.cache().get(table));
            auto* entries = buffer.as<BlockNumber>();
            for (int64_t i = int64_t(end - kSingleStart) - 1; i >= 0; --i) {
                if (entries[i] != 0)
                    return kSingleStart + uint64_t(i) + 1;
            }
        }
        end = kSingleStart;
    }
    for (int64_t i = int64_t(end) - 1; i >= 0; --i) {
        if (m_disk.direct[i] != 0)
            return uint64_t(i) + 1;
    }
    return uint64_t(0);
}

static uint64_t count_nonzero(const BlockNumber* entries)
{
    uint64_t count = 0;
    for (uint32_t i = 0; i < kPointersPerBlock; ++i)
        count += entries[i] != 0;
    return count;
}

ErrorOr<uint64_t> Inode::count_mapped_blocks()
{
    m_lock.assert_locked();
    uint64_t count = 0;
    for (uint32_t i = 0; i < kDirectBlocks; ++i)
        count += m_disk.direct[i] != 0;
    BlockNumber table = TRY(checked(m_fs, *this, m_disk.indirect));
    if (table != 0) {
        auto buffer = TRY(m_fs.cache().get(table));
        count += count_nonzero(buffer.as<BlockNumber>());
    }
    BlockNumber outer = TRY(checked(m_fs, *this, m_disk.double_indirect));
    if (outer != 0) {
        auto buffer = TRY(m_fs.cache().get(outer));
        for (uint32_t group = 0; group < kPointersPerBlock; ++group) {
            BlockNumber inner_block = TRY(checked(m_fs, *this, buffer.as<BlockNumber>()[group]));
            if (inner_block == 0)
                continue;
            auto inner = TRY(m_fs.cache().get(inner_block));
            count += count_nonzero(inner.as<BlockNumber>());
        }
    }
    return count;
}

ErrorOr<void> Inode::shrink_step(Transaction& transaction, uint64_t new_size, uint32_t max_blocks)
{
    m_lock.assert_locked();
    ASSERT(new_size <= m_disk.size && max_blocks > 0);
    uint64_t target = (new_size + kBlockSize - 1) / kBlockSize;
    uint64_t end = (m_disk.size + kBlockSize - 1) / kBlockSize;
    uint64_t mapped_end = TRY(end_of_mapped_blocks(end));
    if (mapped_end <= target) {
        m_disk.size = new_size;
        return write_back(transaction);
    }
    uint64_t first = mapped_end - target > max_blocks ? mapped_end - max_blocks : target;
    TRY(free_range(transaction, first, mapped_end));
    // Whatever is left is below `first`, so this size covers it, and the inode is
    // consistent at the end of every step even if the next one never happens.
    m_disk.size = first == target ? new_size : first * kBlockSize;
    return write_back(transaction);
}

}  // namespace fs
