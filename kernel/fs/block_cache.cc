// The metadata block cache; see block_cache.h.
#include "fs/block_cache.h"

#include <new>

#include "fs/block_memory.h"
#include "lib/kprintf.h"
#include "lib/string.h"

namespace fs {

BufferHandle& BufferHandle::operator=(BufferHandle&& other)
{
    if (this != &other) {
        release();
        m_cache = other.m_cache;
        m_buffer = other.m_buffer;
        other.m_buffer = nullptr;
    }
    return *this;
}

void BufferHandle::release()
{
    if (!m_buffer)
        return;
    Buffer* buffer = m_buffer;
    m_buffer = nullptr;
    m_cache->release(*buffer);
}

size_t BlockCache::capacity_for_memory(size_t free_blocks)
{
    size_t capacity = free_blocks / 16;
    return capacity < kMinimumCapacity ? kMinimumCapacity : capacity;
}

ErrorOr<OwnPtr<BlockCache>> BlockCache::create(BlockDevice& device, size_t capacity)
{
    return try_make<BlockCache>(device, capacity < kMinimumCapacity ? kMinimumCapacity : capacity);
}

BlockCache::~BlockCache()
{
    size_t remaining = drop_unused();
    // Every handle must be gone and the log must have unpinned everything by now; a buffer
    // left over is a leaked reference, which would otherwise become a use-after-free.
    ASSERT(remaining == 0);
}

void BlockCache::destroy(Buffer* buffer)
{
    free_block_memory(buffer->m_data);
    delete buffer;
}

ErrorOr<BufferHandle> BlockCache::get(BlockNumber block, BlockContents contents)
{
    if (block >= m_device.block_count()) {
        // Callers validate block numbers read from disk; this is the last line of defence
        // against a corrupted pointer reaching the device.
        kprintf("fs: block cache: block %u is beyond the device (%lu blocks)\n", block,
                static_cast<unsigned long>(m_device.block_count()));
        return Error::from_errno(EIO);
    }

    Buffer* buffer = nullptr;
    Buffer* spare = nullptr;  // Allocated without the lock, in case no buffer can be recycled.
    for (;;) {
        SpinlockLocker locker(m_lock);
        buffer = m_tree.find(block);
        if (buffer) {
            if (buffer->m_lru_node.is_linked())
                m_lru.remove(*buffer);
            ++buffer->m_ref_count;
            ++m_statistics.hits;
            break;
        }
        if (m_buffer_count >= m_capacity && !m_lru.empty()) {
            // Recycle the least recently used buffer. Nobody references it, so nobody holds
            // its lock, and its contents are on disk (it is not pinned).
            buffer = m_lru.pop_front();
            m_tree.erase(*buffer);
            ++m_statistics.evictions;
        } else if (spare) {
            buffer = spare;
            spare = nullptr;
            ++m_buffer_count;
        }
        if (buffer) {
            buffer->m_block = block;
            buffer->m_valid = false;
            buffer->m_ref_count = 1;
            bool inserted = m_tree.insert(*buffer);
            ASSERT(inserted);
            ++m_statistics.misses;
            break;
        }
        locker.unlock();

        spare = new (std::nothrow) Buffer;
        if (!spare)
            return Error::from_errno(ENOMEM);
        auto memory = allocate_block_memory();
        if (memory.is_error()) {
            delete spare;
            return memory.release_error();
        }
        spare->m_data = memory.release_value();
    }
    if (spare)
        destroy(spare);  // Another thread cached the block while this one allocated.

    buffer->m_lock.lock();
    BufferHandle handle(*this, *buffer);
    if (!buffer->m_valid) {
        if (contents == BlockContents::Read)
            TRY(m_device.read_blocks(block, 1, buffer->m_data));
        else
            klib::memset(buffer->m_data, 0, kBlockSize);
        buffer->m_valid = true;
    }
    return handle;
}

// Expects m_lock held and the buffer neither referenced nor pinned: it becomes the most
// recently used of the recyclable buffers.
void BlockCache::make_unused_locked(Buffer& buffer)
{
    m_lock.assert_locked();
    m_lru.push_back(buffer);
}

void BlockCache::release(Buffer& buffer)
{
    buffer.m_lock.unlock();
    Buffer* doomed = nullptr;
    {
        SpinlockLocker locker(m_lock);
        ASSERT(buffer.m_ref_count > 0);
        if (--buffer.m_ref_count == 0 && buffer.m_pin_count == 0) {
            if (m_buffer_count > m_capacity) {
                // The cache grew past its target while everything was busy; shrink back.
                m_tree.erase(buffer);
                --m_buffer_count;
                doomed = &buffer;
            } else {
                make_unused_locked(buffer);
            }
        }
    }
    if (doomed)
        destroy(doomed);
}

void BlockCache::pin(Buffer& buffer)
{
    SpinlockLocker locker(m_lock);
    ASSERT(buffer.m_ref_count > 0);
    ++buffer.m_pin_count;
}

void BlockCache::unpin(Buffer& buffer)
{
    SpinlockLocker locker(m_lock);
    ASSERT(buffer.m_pin_count > 0);
    if (--buffer.m_pin_count == 0 && buffer.m_ref_count == 0)
        make_unused_locked(buffer);
}

size_t BlockCache::drop_unused()
{
    shrink(SIZE_MAX);
    SpinlockLocker locker(m_lock);
    return m_buffer_count;
}

size_t BlockCache::shrink(size_t count)
{
    size_t freed = 0;
    while (freed < count) {
        Buffer* buffer;
        {
            SpinlockLocker locker(m_lock);
            buffer = m_lru.pop_front();
            if (!buffer)
                break;
            m_tree.erase(*buffer);
            --m_buffer_count;
        }
        destroy(buffer);
        ++freed;
    }
    return freed;
}

BlockCache::Statistics BlockCache::statistics()
{
    SpinlockLocker locker(m_lock);
    Statistics statistics = m_statistics;
    statistics.buffers = m_buffer_count;
    statistics.unused = m_lru.size();
    return statistics;
}

}  // namespace fs
