// File data: read, write, truncate, fsync, and the VM's read_page/write_page. See
// file_system.h for the rules (transactions per chunk, ordered mode, zeroing on growth).
#include "fs/block_memory.h"
#include "fs/file_system.h"
#include "lib/string.h"

namespace fs {

// log_size() changes one block: the inode's.
constexpr uint32_t kLogSizeReservation = 1;

// One page-aligned block buffer for the length of a call: block I/O needs memory that is
// physically contiguous, which the caller's buffer need not be.
class ScratchBlock {
public:
    ScratchBlock() = default;
    ~ScratchBlock() { free_block_memory(m_memory); }
    ScratchBlock(const ScratchBlock&) = delete;
    ScratchBlock& operator=(const ScratchBlock&) = delete;

    ErrorOr<void> allocate()
    {
        m_memory = TRY(allocate_block_memory());
        return {};
    }
    uint8_t* data() { return static_cast<uint8_t*>(m_memory); }

private:
    void* m_memory { nullptr };
};

// Inodes whose data read() and write() handle: regular files.
static ErrorOr<void> check_data_inode(const Inode& inode)
{
    if (inode.is_directory())
        return Error::from_errno(EISDIR);
    if (!inode.is_file())
        return Error::from_errno(EINVAL);
    return {};
}

ErrorOr<size_t> FileSystem::read(Inode& inode, uint64_t offset, void* buffer, size_t length)
{
    // A file with a page cache is read through it: the cache may hold data that has not
    // reached the disk yet.
    InodePageCache* cache;
    {
        MutexLocker locker(inode.lock());
        cache = inode.page_cache();
    }
    if (cache)
        return cache->read(offset, buffer, length);
    ScratchBlock scratch;
    TRY(scratch.allocate());
    auto* destination = static_cast<uint8_t*>(buffer);
    MutexLocker locker(inode.lock());
    TRY(check_data_inode(inode));
    uint64_t size = inode.size();
    if (offset >= size)
        return size_t(0);
    if (length > size - offset)
        length = size_t(size - offset);
    size_t done = 0;
    while (done < length) {
        uint64_t position = offset + done;
        uint32_t within = uint32_t(position % kBlockSize);
        size_t count = length - done < kBlockSize - within ? length - done : kBlockSize - within;
        BlockNumber block = TRY(inode.block_for(position / kBlockSize));
        if (block == 0) {
            klib::memset(destination + done, 0, count);
        } else {
            TRY(m_device.read_blocks(block, 1, scratch.data()));
            klib::memcpy(destination + done, scratch.data() + within, count);
        }
        done += count;
    }
    return done;
}

// Zeroes the part of the last block beyond the end of file on disk, before the file grows
// over it: write_page writes whole blocks, so those bytes may hold anything. Expects the
// inode lock.
ErrorOr<void> FileSystem::zero_tail(Inode& inode, uint8_t* scratch)
{
    uint32_t within = uint32_t(inode.size() % kBlockSize);
    if (within == 0)
        return {};
    BlockNumber block = TRY(inode.block_for(inode.size() / kBlockSize));
    if (block == 0)
        return {};
    TRY(m_device.read_blocks(block, 1, scratch));
    klib::memset(scratch + within, 0, kBlockSize - within);
    return m_device.write_blocks(block, 1, scratch);
}

ErrorOr<size_t> FileSystem::write(Inode& inode, uint64_t offset, const void* buffer, size_t length)
{
    if (length == 0)
        return size_t(0);
    if (offset >= kMaxFileSize)
        return Error::from_errno(EFBIG);
    if (length > kMaxFileSize - offset)
        length = size_t(kMaxFileSize - offset);
    ScratchBlock scratch;
    TRY(scratch.allocate());
    auto* source = static_cast<const uint8_t*>(buffer);
    uint64_t last = (offset + length - 1) / kBlockSize;

    size_t done = 0;
    while (done < length) {
        uint64_t first = (offset + done) / kBlockSize;
        uint32_t count = last - first + 1 < m_write_chunk_blocks ? uint32_t(last - first + 1) : m_write_chunk_blocks;
        auto transaction = m_log->begin(inode.write_reservation(first, count));
        if (transaction.is_error())
            return done > 0 ? ErrorOr<size_t>(done) : ErrorOr<size_t>(transaction.release_error());
        MutexLocker locker(inode.lock());
        TRY(check_data_inode(inode));

        ErrorOr<void> failure;
        size_t chunk_done = 0;
        if (offset + done > inode.size())
            failure = zero_tail(inode, scratch.data());
        for (uint32_t i = 0; i < count && !failure.is_error(); ++i) {
            uint64_t position = offset + done + chunk_done;
            uint32_t within = uint32_t(position % kBlockSize);
            size_t remaining = length - done - chunk_done;
            size_t piece = remaining < kBlockSize - within ? remaining : kBlockSize - within;
            auto mapped = inode.block_for_writing(transaction.value(), position / kBlockSize);
            if (mapped.is_error()) {
                failure = mapped.release_error();
                break;
            }
            BlockNumber block = mapped.value().block;
            if (piece < kBlockSize) {
                if (mapped.value().fresh)
                    klib::memset(scratch.data(), 0, kBlockSize);
                else
                    failure = m_device.read_blocks(block, 1, scratch.data());
            }
            if (failure.is_error())
                break;
            klib::memcpy(scratch.data() + within, source + done + chunk_done, piece);
            // Ordered mode: the data is on its block before this transaction can commit.
            failure = m_device.write_blocks(block, 1, scratch.data());
            if (failure.is_error())
                break;
            chunk_done += piece;
        }
        if (chunk_done > 0 && offset + done + chunk_done > inode.size()) {
            inode.disk().size = offset + done + chunk_done;
            auto written = inode.write_back(transaction.value());
            if (written.is_error() && !failure.is_error())
                failure = written;
        }
        locker.unlock();
        auto ended = transaction.value().end();
        done += chunk_done;
        if (failure.is_error())
            return done > 0 ? ErrorOr<size_t>(done) : ErrorOr<size_t>(failure.release_error());
        if (ended.is_error())
            return ended.release_error();
    }
    return done;
}

ErrorOr<void> FileSystem::truncate(Inode& inode, uint64_t size)
{
    if (size > kMaxFileSize)
        return Error::from_errno(EFBIG);
    ScratchBlock scratch;
    TRY(scratch.allocate());
    for (;;) {
        auto transaction = TRY(m_log->begin(inode.shrink_reservation(m_truncate_step_blocks)));
        MutexLocker locker(inode.lock());
        TRY(check_data_inode(inode));
        if (size == inode.size())
            break;
        if (size > inode.size()) {
            // Growing only moves the end: the new range is a hole, which reads as zeros.
            TRY(zero_tail(inode, scratch.data()));
            inode.disk().size = size;
            TRY(inode.write_back(transaction));
            break;
        }
        TRY(inode.shrink_step(transaction, size, m_truncate_step_blocks));
        locker.unlock();
        TRY(transaction.end());
    }
    return {};
}

ErrorOr<void> FileSystem::grow_cached_size(Inode& inode, uint64_t size)
{
    if (size > kMaxFileSize)
        return Error::from_errno(EFBIG);
    ScratchBlock scratch;
    bool tail;
    {
        MutexLocker locker(inode.lock());
        TRY(check_data_inode(inode));
        if (size <= inode.size())
            return {};
        tail = inode.size() % kBlockSize != 0;
        if (!tail) {
            inode.disk().size = size;
            inode.set_size_unlogged();
            return {};
        }
    }
    // The old last block's tail: zeroed on the disk (through a block buffer allocated with
    // no lock held) before the larger size can reach the log.
    TRY(scratch.allocate());
    MutexLocker locker(inode.lock());
    if (size <= inode.size())
        return {};
    TRY(zero_tail(inode, scratch.data()));
    inode.disk().size = size;
    inode.set_size_unlogged();
    return {};
}

ErrorOr<void> FileSystem::log_size(Inode& inode)
{
    {
        MutexLocker locker(inode.lock());
        if (!inode.size_unlogged())
            return {};
    }
    auto transaction = TRY(m_log->begin(kLogSizeReservation));
    MutexLocker locker(inode.lock());
    ErrorOr<void> written;
    if (inode.size_unlogged())
        written = inode.write_back(transaction);
    locker.unlock();
    auto ended = transaction.end();
    TRY(std::move(written));
    return ended;
}

ErrorOr<void> FileSystem::fsync(Inode& inode)
{
    // A size the page cache raised in memory is logged first. Metadata: every operation
    // commits when it is the last one running, so waiting for the running transaction
    // covers this inode's changes. Data written by write_page outside any transaction is
    // made durable by the device flush.
    TRY(log_size(inode));
    return commit_and_flush();
}

ErrorOr<void> FileSystem::commit_and_flush()
{
    TRY(m_log->commit_now());
    return m_device.flush();
}

ErrorOr<void> FileSystem::read_page(Inode& inode, uint64_t page_index, void* frame)
{
    auto* bytes = static_cast<uint8_t*>(frame);
    MutexLocker locker(inode.lock());
    if (inode.is_directory())
        return Error::from_errno(EISDIR);
    uint64_t size = inode.size();
    if (page_index >= (size + kBlockSize - 1) / kBlockSize) {
        klib::memset(bytes, 0, kBlockSize);
        return {};
    }
    BlockNumber block = TRY(inode.block_for(page_index));
    if (block == 0) {
        klib::memset(bytes, 0, kBlockSize);
        return {};
    }
    TRY(m_device.read_blocks(block, 1, bytes));
    uint64_t valid = size - page_index * kBlockSize;
    if (valid < kBlockSize)
        klib::memset(bytes + valid, 0, kBlockSize - valid);
    return {};
}

ErrorOr<void> FileSystem::read_pages(Inode& inode, uint64_t first_index, uint32_t count, void* const* frames)
{
    MutexLocker locker(inode.lock());
    if (inode.is_directory())
        return Error::from_errno(EISDIR);
    uint64_t size = inode.size();
    uint64_t pages_in_file = (size + kBlockSize - 1) / kBlockSize;
    // Runs of pages whose blocks follow each other on the disk are one read_frames() call
    // (one large request); holes and pages beyond the end of file read as zeros.
    uint32_t run_start = 0;
    uint32_t run_length = 0;
    BlockNumber run_block = 0;
    for (uint32_t i = 0; i <= count; ++i) {
        BlockNumber block = 0;
        if (i < count && first_index + i < pages_in_file)
            block = TRY(inode.block_for(first_index + i));
        if (run_length > 0 && (block == 0 || block != run_block + run_length)) {
            TRY(m_device.read_frames(run_block, run_length, frames + run_start));
            run_length = 0;
        }
        if (i == count)
            break;
        if (block == 0) {
            klib::memset(frames[i], 0, kBlockSize);
            continue;
        }
        if (run_length == 0) {
            run_start = i;
            run_block = block;
        }
        ++run_length;
    }
    // The part of the last page beyond the end of file reads as zeros.
    if (first_index < pages_in_file && first_index + count >= pages_in_file && size % kBlockSize != 0) {
        auto* last = static_cast<uint8_t*>(frames[pages_in_file - 1 - first_index]);
        klib::memset(last + size % kBlockSize, 0, kBlockSize - size % kBlockSize);
    }
    return {};
}

ErrorOr<void> FileSystem::write_page(Inode& inode, uint64_t page_index, const void* frame, size_t valid_bytes)
{
    if (valid_bytes == 0 || valid_bytes > kBlockSize)
        return Error::from_errno(EINVAL);
    return write_pages(inode, page_index, &frame, 1);
}

uint32_t FileSystem::write_mapped_frames(Inode& inode, Transaction& transaction, uint64_t index, uint32_t count,
                                         const void* const* frames, ErrorOr<void>& failure)
{
    // Runs of pages whose blocks follow each other on the disk go out as one request.
    // Ordered mode: the data is on its blocks before the transaction can commit.
    uint32_t done = 0;
    BlockNumber run_block = 0;
    uint32_t run_length = 0;
    for (uint32_t i = 0; i <= count && !failure.is_error(); ++i) {
        BlockNumber block = 0;
        if (i < count) {
            auto mapped = inode.block_for_writing(transaction, index + i);
            if (mapped.is_error())
                failure = mapped.release_error();  // The run so far still goes out.
            else
                block = mapped.value().block;
        }
        if (run_length > 0 && (block == 0 || block != run_block + run_length)) {
            auto written = m_device.write_frames(run_block, run_length, frames + done);
            if (written.is_error()) {
                failure = written;
                break;
            }
            done += run_length;
            run_length = 0;
        }
        if (block == 0)
            continue;
        if (run_length == 0)
            run_block = block;
        ++run_length;
    }
    return done;
}

ErrorOr<void> FileSystem::write_pages(Inode& inode, uint64_t first_index, const void* const* frames, uint32_t count)
{
    for (uint32_t failing = m_failing_write_pages.load(std::memory_order_relaxed); failing > 0;) {
        if (m_failing_write_pages.compare_exchange_weak(failing, failing - 1))
            return Error::from_errno(EIO);
    }
    uint32_t done = 0;
    while (done < count) {
        // Pages whose blocks exist are written as they are, under the inode lock only, a run
        // of adjacent blocks per request.
        {
            MutexLocker locker(inode.lock());
            if (inode.is_directory())
                return Error::from_errno(EISDIR);
            BlockNumber run_block = 0;
            uint32_t run = 0;
            bool ended = false;
            for (; done < count; ++done) {
                uint64_t index = first_index + done;
                if (index * kBlockSize >= inode.size()) {
                    ended = true;  // Truncated away meanwhile: nothing to write from here on.
                    break;
                }
                BlockNumber block = TRY(inode.block_for(index));
                if (block == 0)
                    break;
                if (run > 0 && block != run_block + run) {
                    TRY(m_device.write_frames(run_block, run, frames + done - run));
                    run = 0;
                }
                if (run == 0)
                    run_block = block;
                ++run;
            }
            if (run > 0)
                TRY(m_device.write_frames(run_block, run, frames + done - run));
            if (ended)
                return {};
        }
        if (done == count)
            return {};
        // Holes: their blocks are allocated in one transaction (ordered mode: each block is
        // written before the transaction that points at it commits), as many as a chunk
        // of write() may take, so that writing back a run of pages costs one commit.
        uint32_t chunk = count - done < m_write_chunk_blocks ? count - done : m_write_chunk_blocks;
        auto transaction = TRY(m_log->begin(inode.write_reservation(first_index + done, chunk)));
        MutexLocker locker(inode.lock());
        uint64_t pages_in_file = (inode.size() + kBlockSize - 1) / kBlockSize;
        if (first_index + done + chunk > pages_in_file)
            chunk = first_index + done < pages_in_file ? uint32_t(pages_in_file - first_index - done) : 0;
        ErrorOr<void> failure;
        uint32_t written = write_mapped_frames(inode, transaction, first_index + done, chunk, frames + done, failure);
        locker.unlock();
        auto ended = transaction.end();
        TRY(std::move(failure));
        TRY(std::move(ended));
        if (written < chunk || chunk == 0)
            return {};  // Only if truncated meanwhile (chunk 0); a failure returned above.
        done += written;
    }
    return {};
}

}  // namespace fs
