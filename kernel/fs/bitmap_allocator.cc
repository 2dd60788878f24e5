// Block and inode allocation from on-disk bitmaps; see bitmap_allocator.h.
#include "fs/bitmap_allocator.h"

#include <bit>
#include <new>

#include "fs/block_memory.h"
#include "lib/bitmap.h"
#include "lib/kprintf.h"

namespace fs {

static constexpr uint32_t kWordsPerBlock = kBlockSize / sizeof(uint64_t);

BitmapAllocator::BitmapAllocator(const char* name, BlockCache& cache, BlockNumber bitmap_start, uint32_t bit_count,
                                 uint32_t first_usable, FreePolicy policy)
    : m_name(name)
    , m_cache(cache)
    , m_bitmap_start(bitmap_start)
    , m_bitmap_blocks(blocks_for_bits(bit_count))
    , m_bit_count(bit_count)
    , m_first_usable(first_usable)
    , m_policy(policy)
    , m_cursor(first_usable)
{
}

ErrorOr<OwnPtr<BitmapAllocator>> BitmapAllocator::create(const char* name, BlockCache& cache,
                                                         BlockNumber bitmap_start, uint32_t bit_count,
                                                         uint32_t first_usable, FreePolicy policy)
{
    ASSERT(first_usable < bit_count);
    auto allocator = TRY(try_make<BitmapAllocator>(name, cache, bitmap_start, bit_count, first_usable, policy));
    if (policy == FreePolicy::AfterCommit) {
        MutexLocker locker(allocator->m_lock);  // Free: nobody else has the allocator yet.
        uint32_t blocks = allocator->m_bitmap_blocks;
        allocator->m_pending = new (std::nothrow) uint64_t*[blocks] {};
        allocator->m_pending_list = new (std::nothrow) uint32_t[blocks];
        if (!allocator->m_pending || !allocator->m_pending_list)
            return Error::from_errno(ENOMEM);
    }
    return allocator;
}

BitmapAllocator::~BitmapAllocator()
{
    // Pending frees exist only inside a running transaction, and unmount waits for those.
    ASSERT(m_pending_list_count == 0);
    delete[] m_pending;
    delete[] m_pending_list;
}

ErrorOr<void> BitmapAllocator::load()
{
    MutexLocker locker(m_lock);
    uint32_t free_count = 0;
    for (uint32_t index = 0; index < m_bitmap_blocks; ++index) {
        uint32_t first = index * kBitsPerBlock;
        uint32_t end = first + kBitsPerBlock < m_bit_count ? first + kBitsPerBlock : m_bit_count;
        uint32_t from = m_first_usable > first ? m_first_usable : first;
        if (from >= end)
            continue;
        auto buffer = TRY(m_cache.get(m_bitmap_start + index));
        Bitmap bitmap(buffer.as<uint64_t>(), end - first);
        free_count += uint32_t((end - from) - bitmap.count_set(from - first, end - from));
    }
    m_free_count = free_count;
    return {};
}

uint32_t BitmapAllocator::free_count()
{
    MutexLocker locker(m_lock);
    return m_free_count;
}

ErrorOr<uint32_t> BitmapAllocator::allocate(Transaction& transaction)
{
    MutexLocker locker(m_lock);
    return allocate_locked(transaction);
}

ErrorOr<void> BitmapAllocator::allocate_many(Transaction& transaction, uint32_t count, uint32_t* numbers)
{
    MutexLocker locker(m_lock);
    if (m_free_count < count)
        return Error::from_errno(ENOSPC);
    for (uint32_t i = 0; i < count; ++i) {
        auto number = allocate_locked(transaction);
        if (number.is_error()) {
            // Only a bitmap that disagrees with its free count gets here; undo, so that the
            // caller sees all or nothing.
            while (i > 0)
                (void)clear_locked(transaction, numbers[--i]);
            return number.release_error();
        }
        numbers[i] = number.value();
    }
    return {};
}

// Expects m_lock held. Searches [cursor, end), then [first_usable, cursor).
ErrorOr<uint32_t> BitmapAllocator::allocate_locked(Transaction& transaction)
{
    m_lock.assert_locked();
    if (m_free_count == 0)
        return Error::from_errno(ENOSPC);
    uint32_t start = m_cursor < m_first_usable || m_cursor >= m_bit_count ? m_first_usable : m_cursor;
    for (int pass = 0; pass < 2; ++pass) {
        uint32_t bit = pass == 0 ? start : m_first_usable;
        uint32_t limit = pass == 0 ? m_bit_count : start;
        while (bit < limit) {
            uint32_t index = bit / kBitsPerBlock;
            uint32_t first = index * kBitsPerBlock;
            uint32_t end = first + kBitsPerBlock < limit ? first + kBitsPerBlock : limit;
            auto buffer = TRY(m_cache.get(m_bitmap_start + index));
            Bitmap bitmap(buffer.as<uint64_t>(), end - first);
            auto found = bitmap.find_first_clear(bit - first);
            if (found) {
                bitmap.set(*found);
                transaction.add(buffer);
                --m_free_count;
                uint32_t number = first + uint32_t(*found);
                m_cursor = number + 1;
                return number;
            }
            bit = end;
        }
    }
    kprintf("fs: %s bitmap is full although %u %ss should be free\n", m_name, m_free_count, m_name);
    m_free_count = 0;
    return Error::from_errno(ENOSPC);
}

// Expects m_lock held: clears an allocated bit at once (inodes; undoing an allocation).
ErrorOr<void> BitmapAllocator::clear_locked(Transaction& transaction, uint32_t number)
{
    m_lock.assert_locked();
    uint32_t index = number / kBitsPerBlock;
    auto buffer = TRY(m_cache.get(m_bitmap_start + index));
    Bitmap bitmap(buffer.as<uint64_t>(), kBitsPerBlock);
    bitmap.clear(number % kBitsPerBlock);
    transaction.add(buffer);
    ++m_free_count;
    return {};
}

ErrorOr<void> BitmapAllocator::free(Transaction& transaction, uint32_t number)
{
    if (number < m_first_usable || number >= m_bit_count) {
        kprintf("fs: freeing %s %u, which is outside the allocatable range\n", m_name, number);
        return Error::from_errno(EIO);
    }
    MutexLocker locker(m_lock);
    uint32_t index = number / kBitsPerBlock;
    uint32_t bit = number % kBitsPerBlock;
    auto buffer = TRY(m_cache.get(m_bitmap_start + index));
    Bitmap bitmap(buffer.as<uint64_t>(), kBitsPerBlock);
    if (!bitmap.get(bit)) {
        kprintf("fs: freeing %s %u, which is already free\n", m_name, number);
        return Error::from_errno(EIO);
    }
    if (m_policy == FreePolicy::Immediately) {
        bitmap.clear(bit);
        transaction.add(buffer);
        ++m_free_count;
        return {};
    }

    if (!m_pending[index]) {
        m_pending[index] = static_cast<uint64_t*>(TRY(allocate_block_memory()));
        m_pending_list[m_pending_list_count++] = index;
    }
    Bitmap pending(m_pending[index], kBitsPerBlock);
    if (pending.get(bit)) {
        kprintf("fs: freeing %s %u twice in one transaction\n", m_name, number);
        return Error::from_errno(EIO);
    }
    pending.set(bit);
    // The bit itself is cleared at commit; adding the buffer now reserves its log slot.
    transaction.add(buffer);
    return {};
}

ErrorOr<bool> BitmapAllocator::is_allocated(uint32_t number)
{
    ASSERT(number < m_bit_count);
    MutexLocker locker(m_lock);
    auto buffer = TRY(m_cache.get(m_bitmap_start + number / kBitsPerBlock));
    Bitmap bitmap(buffer.as<uint64_t>(), kBitsPerBlock);
    return bitmap.get(number % kBitsPerBlock);
}

ErrorOr<void> BitmapAllocator::prepare_commit()
{
    MutexLocker locker(m_lock);
    ErrorOr<void> result;
    for (uint32_t i = 0; i < m_pending_list_count; ++i) {
        uint32_t index = m_pending_list[i];
        uint64_t* pending = m_pending[index];
        auto buffer = m_cache.get(m_bitmap_start + index);
        // The bitmap block is pinned by this transaction, so this is a cache hit; a failure
        // here would mean it was not, and the frees are then simply lost (blocks leak).
        if (buffer.is_error()) {
            result = buffer.release_error();
        } else {
            auto* words = buffer.value().as<uint64_t>();
            for (uint32_t word = 0; word < kWordsPerBlock; ++word) {
                m_free_count += uint32_t(std::popcount(pending[word]));
                words[word] &= ~pending[word];
            }
        }
        free_block_memory(pending);
        m_pending[index] = nullptr;
    }
    m_pending_list_count = 0;
    return result;
}

}  // namespace fs
