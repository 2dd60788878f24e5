// The write-ahead log; see log.h for the protocol.
#include "fs/log.h"

#include <new>

#include "fs/block_memory.h"
#include "lib/kprintf.h"
#include "lib/string.h"

namespace fs {

Transaction::~Transaction()
{
    if (!m_log)
        return;
    auto result = end();
    if (result.is_error())
        kprintf("fs: log: commit at the end of an operation failed: %s\n", result.error().name());
}

void Transaction::add(BufferHandle& buffer)
{
    ASSERT(m_log);
    m_log->add(*this, buffer);
}

ErrorOr<void> Transaction::end()
{
    ASSERT(m_log);
    Log* log = m_log;
    m_log = nullptr;
    return log->end(*this);
}

Log::Log(BlockCache& cache, const Superblock& superblock)
    : m_cache(cache)
    , m_device(cache.device())
    , m_header_block(superblock.log_start)
    , m_capacity(superblock.log_blocks - 1)
    , m_block_count(superblock.block_count)
    , m_first_loggable(superblock.log_start + superblock.log_blocks)
{
}

ErrorOr<OwnPtr<Log>> Log::create(BlockCache& cache, const Superblock& superblock)
{
    ASSERT(superblock.log_blocks >= 2 && superblock.log_blocks - 1 <= kLogHeaderCapacity);
    auto log = TRY(try_make<Log>(cache, superblock));
    log->m_header_memory = TRY(allocate_block_memory());
    log->m_blocks = new (std::nothrow) Buffer*[log->m_capacity];
    if (!log->m_blocks)
        return Error::from_errno(ENOMEM);
    return log;
}

Log::~Log()
{
    ASSERT(m_outstanding == 0 && m_count == 0);
    free_block_memory(m_header_memory);
    delete[] m_blocks;
}

uint64_t Log::commit_count()
{
    SpinlockLocker locker(m_lock);
    return m_commits;
}

ErrorOr<void> Log::recover()
{
    auto* header = static_cast<LogHeader*>(m_header_memory);
    TRY(m_device.read_blocks(m_header_block, 1, header));
    if (header->magic == kLogMagic)
        m_sequence = header->sequence;
    if (header->count == 0)
        return {};
    if (header->magic != kLogMagic || header->count > m_capacity
        || header->checksum != log_header_checksum(*header)) {
        // The commit point was never reached completely: the header is torn (or was never
        // written). Nothing of that transaction reached a home location, so drop it.
        kprintf("fs: log: ignoring an incomplete log header (count %u)\n", header->count);
        return write_header(0);
    }
    for (uint32_t i = 0; i < header->count; ++i) {
        BlockNumber home = header->blocks[i];
        if (home < m_first_loggable || home >= m_block_count) {
            kprintf("fs: log: committed transaction names block %u, outside the file system's metadata\n",
                    home);
            return Error::from_errno(EINVAL);
        }
    }

    void* scratch = TRY(allocate_block_memory());
    ErrorOr<void> result;
    uint32_t count = header->count;
    for (uint32_t i = 0; i < count && !result.is_error(); ++i) {
        result = m_device.read_blocks(m_header_block + 1 + i, 1, scratch);
        if (!result.is_error())
            result = m_device.write_blocks(header->blocks[i], 1, scratch);
    }
    free_block_memory(scratch);
    TRY(result);
    TRY(m_device.flush());
    kprintf("fs: log: replayed a committed transaction of %u blocks (sequence %u)\n", count, header->sequence);
    return write_header(0);
}

// Writes the header block for a transaction of `count` blocks (whose home numbers are
// already in the header for count > 0), then flushes.
ErrorOr<void> Log::write_header(uint32_t count)
{
    auto* header = static_cast<LogHeader*>(m_header_memory);
    if (count == 0)
        klib::memset(header, 0, kBlockSize);
    header->magic = kLogMagic;
    header->count = count;
    header->sequence = m_sequence;
    header->checksum = log_header_checksum(*header);
    TRY(m_device.write_blocks(m_header_block, 1, header));
    return m_device.flush();
}

ErrorOr<Transaction> Log::begin(uint32_t max_blocks)
{
    ASSERT(max_blocks <= m_capacity);
    SpinlockLocker locker(m_lock);
    // The condition runs with m_lock held (wait_until's contract), which the analysis
    // cannot see through the call: it is left out of it.
    m_waiters.wait_until(m_lock, [&]() NO_THREAD_SAFETY_ANALYSIS {
        return m_failed || (!m_committing && !m_commit_requested && m_count + m_reserved + max_blocks <= m_capacity);
    });
    if (m_failed)
        return Error::from_errno(EIO);
    m_reserved += max_blocks;
    ++m_outstanding;
    return Transaction(*this, max_blocks);
}

void Log::add(Transaction& transaction, BufferHandle& handle)
{
    Buffer& buffer = handle.buffer();
    ASSERT(buffer.block() >= m_first_loggable);
    SpinlockLocker locker(m_lock);
    if (buffer.m_in_transaction)
        return;
    // The operation's bound is what keeps the log from overflowing; exceeding it is a bug in
    // the bound, not a condition to recover from.
    ASSERT(transaction.m_used < transaction.m_reserved);
    ++transaction.m_used;
    --m_reserved;
    buffer.m_in_transaction = true;
    m_blocks[m_count++] = &buffer;
    m_cache.pin(buffer);
}

ErrorOr<void> Log::end(Transaction& transaction)
{
    SpinlockLocker locker(m_lock);
    ASSERT(m_outstanding > 0);
    m_reserved -= transaction.m_reserved - transaction.m_used;
    if (--m_outstanding > 0) {
        // Room may have been returned to the log.
        m_waiters.wake_all();
        return {};
    }

    uint64_t committing = m_open_transaction++;
    ErrorOr<void> result;
    if (m_count > 0 && m_failed) {
        // Nothing will ever be written again; let the cache have its buffers back.
        locker.unlock();
        forget_blocks();
        locker.lock();
    } else if (m_count > 0) {
        m_committing = true;
        locker.unlock();
        result = commit();
        locker.lock();
        m_committing = false;
        ++m_commits;
        if (result.is_error()) {
            kprintf("fs: log: commit failed (%s); the file system is read-only from now on\n", result.error().name());
            m_failed = true;
        }
    }
    m_committed_transaction = committing;
    m_commit_requested = false;
    m_waiters.wake_all();
    return result;
}

// Runs with no operation outstanding and m_committing set, so the transaction's buffers
// cannot change under it; readers may hold their locks, which is harmless. (So m_count is
// read without m_lock, which clang's analysis cannot know: it is left out of it.)
ErrorOr<void> Log::commit() NO_THREAD_SAFETY_ANALYSIS
{
    ErrorOr<void> result;
    if (m_listener)
        result = m_listener->prepare_commit();
    uint32_t count = m_count;
    auto* header = static_cast<LogHeader*>(m_header_memory);
    for (uint32_t i = 0; i < count && !result.is_error(); ++i)
        result = m_device.write_blocks(m_header_block + 1 + i, 1, m_blocks[i]->m_data);
    if (!result.is_error())
        result = m_device.flush();
    if (!result.is_error()) {
        klib::memset(header, 0, kBlockSize);
        for (uint32_t i = 0; i < count; ++i)
            header->blocks[i] = m_blocks[i]->block();
        ++m_sequence;
        result = write_header(count);  // The commit point.
    }
    for (uint32_t i = 0; i < count && !result.is_error(); ++i)
        result = m_device.write_blocks(m_blocks[i]->block(), 1, m_blocks[i]->m_data);
    if (!result.is_error())
        result = m_device.flush();
    if (!result.is_error())
        result = write_header(0);
    forget_blocks();
    return result;
}

// Unpins the transaction's buffers: their contents are installed (or, after a failure, the
// file system has stopped writing and they will never be).
void Log::forget_blocks()
{
    SpinlockLocker locker(m_lock);
    for (uint32_t i = 0; i < m_count; ++i) {
        m_blocks[i]->m_in_transaction = false;
        m_cache.unpin(*m_blocks[i]);
    }
    m_count = 0;
}

ErrorOr<void> Log::commit_now()
{
    SpinlockLocker locker(m_lock);
    if (m_failed)
        return Error::from_errno(EIO);
    if (m_outstanding == 0 && !m_committing)
        return {};
    uint64_t target = m_outstanding > 0 ? m_open_transaction : m_open_transaction - 1;
    if (m_outstanding > 0)
        m_commit_requested = true;
    m_waiters.wait_until(m_lock, [&]() NO_THREAD_SAFETY_ANALYSIS {  // Runs with m_lock held.
        return m_failed || m_committed_transaction >= target;
    });
    if (m_failed)
        return Error::from_errno(EIO);
    return {};
}

}  // namespace fs
