// FileObject's write-back: the dirty pages of a file's cache go to the disk in clusters
// (write_back_locked), their dirty count and recorded errors, and who calls it: fsync
// (sync), the flusher (write_back_queued), a throttled writer, and the inode's last
// reference. See file_object.h and docs/vm.md, "The life of a cached page".
#include "mm/file_object.h"

#include <atomic>
#include <new>

#include "arch/riscv64/layout.h"
#include "fs/file_system.h"
#include "lib/assert.h"
#include "lib/kprintf.h"
#include "mm/flusher.h"
#include "mm/physical_allocator.h"
#include "mm/reclaim.h"

std::atomic<uint64_t> file_object_detail::g_written_back { 0 };

namespace {

// The frames of one write_pages call of write-back.
template<uint32_t Capacity>
struct WriteBackCluster {
    static constexpr uint32_t kCapacity = Capacity;
    const void* frames[Capacity];
};

// Large clusters for long ranges (a commit per 240 pages rather than per 64), from the
// heap's largest size class (4 KiB, no mapping to make); a short range, or no memory for
// one (reclaim writes back when memory is short), uses a small one on the stack.
using LargeCluster = WriteBackCluster<240>;
using SmallCluster = WriteBackCluster<64>;
static_assert(sizeof(LargeCluster) <= 4096);

}  // namespace

ErrorOr<void> FileObject::write_back_locked(uint64_t first, uint64_t end) {
    m_lock.assert_locked();
    if (end - first > SmallCluster::kCapacity) {
        if (auto* large = new (std::nothrow) LargeCluster) {
            auto written = write_back_clustered_locked(first, end, large->frames, LargeCluster::kCapacity);
            delete large;
            return written;
        }
    }
    SmallCluster small;
    return write_back_clustered_locked(first, end, small.frames, SmallCluster::kCapacity);
}

ErrorOr<void> FileObject::write_back_clustered_locked(uint64_t first, uint64_t end, const void** frames,
                                                      uint32_t capacity) {
    m_lock.assert_locked();
    // Runs of consecutive dirty pages go to the file system together, so that the blocks
    // of a run of holes are allocated in one transaction.
    uint64_t pages_in_file = (file_size() + kPageSize - 1) / kPageSize;
    uint64_t index = first;
    int failure = 0;
    for (;;) {
        uint32_t count = 0;
        uint64_t run_start = 0;
        while (auto entry = m_pages.find_next(index)) {
            if (entry->index >= end || entry->index >= pages_in_file)
                break;
            if (count > 0 && entry->index != run_start + count)
                break;  // Not adjacent: the run ends here (this page starts the next one).
            index = entry->index + 1;
            Page* page = entry->value;
            if (!page->has_flag(kPageDirty)) {
                if (count > 0)
                    break;
                continue;
            }
            // Out of every page table before it is cleaned: a store through a PTE that
            // stayed writable would never dirty the page again, and reclaim would then drop
            // it. The next store faults and dirties it anew.
            unmap_everywhere_locked(entry->index, page);
            page->clear_flag(kPageDirty);
            uncount_dirty(*page);
            if (count == 0)
                run_start = entry->index;
            frames[count] = page_to_virt(page);
            if (++count == capacity)
                break;
        }
        if (count == 0)
            break;
        auto written = m_inode->file_system().write_pages(*m_inode, run_start, frames, count);
        if (written.is_error()) {
            // The run stays clean (as on Linux): a page that may never reach the disk (a
            // dead device, a full disk) neither stays counted, throttling every writer,
            // nor pins its frame, nor is retried forever. Its bytes are lost to the disk,
            // so the failure is recorded for the next fsync or close, whoever wrote back.
            // The runs after it are still written.
            record_write_error_locked(written.error());
            if (failure == 0)
                failure = written.error().code();
        } else {
            file_object_detail::g_written_back.fetch_add(count, std::memory_order_relaxed);
        }
        index = run_start + count;
    }
    if (failure != 0)
        return Error::from_errno(failure);
    return {};
}

void FileObject::mark_written_locked(Page& page) {
    page.set_flag(kPageDirty);
    if (!page.has_flag(kPageDirtyCounted)) {
        page.set_flag(kPageDirtyCounted);
        flusher::page_dirtied();
    }
}

void FileObject::uncount_dirty(Page& page) {
    if (page.test_and_clear_flag(kPageDirtyCounted))
        flusher::page_cleaned();
}

void FileObject::record_write_error_locked(const Error& error) {
    m_lock.assert_locked();
    if (m_write_error == 0)
        m_write_error = error.code();
}

ErrorOr<void> FileObject::take_write_error() {
    MutexLocker locker(m_lock);
    int code = m_write_error;
    m_write_error = 0;
    if (code != 0)
        return Error::from_errno(code);
    return {};
}

ErrorOr<void> FileObject::sync() {
    MutexLocker locker(m_lock);
    if (!m_inode)
        return Error::from_errno(EIO);
    auto written = write_back_locked(0, ~uint64_t(0));
    // Reported now, so forgotten: this caller sees the failure (its own or an earlier one).
    int recorded = m_write_error;
    m_write_error = 0;
    TRY(std::move(written));
    locker.unlock();
    TRY(m_inode->file_system().fsync(*m_inode));
    if (recorded != 0)
        return Error::from_errno(recorded);
    return {};
}

ErrorOr<void> FileObject::write_back_queued() {
    MutexLocker locker(m_lock);
    if (!m_inode)
        return {};
    auto written = write_back_locked(0, ~uint64_t(0));
    if (!written.is_error())
        written = m_inode->file_system().log_size(*m_inode);
    if (written.is_error())
        record_write_error_locked(written.error());
    return written;
}

ErrorOr<void> FileObject::throttle_writer() {
    m_truncate_lock.assert_locked();
    flusher::count_throttled();
    MutexLocker locker(m_lock);
    if (!m_inode)
        return Error::from_errno(EIO);
    return write_back_locked(0, ~uint64_t(0));
}

void FileObject::inode_released(bool keep_data) {
    {
        MutexLocker locker(m_lock);
        if (keep_data) {
            // The pages, then a size write() raised in memory: the inode leaves the table,
            // and the next one read from the disk must know it.
            auto written = write_back_locked(0, ~uint64_t(0));
            if (!written.is_error())
                written = m_inode->file_system().log_size(*m_inode);
            if (written.is_error())
                kprintf("page cache: inode %u: write-back failed (%d); data lost\n", m_inode->number(),
                        written.error().code());
        }
        remove_range_locked(0, ~uint64_t(0));
        m_inode = nullptr;
    }
    // The inode's reference, taken over in for_inode().
    unref();
}

void FileObject::write_back_before_unused() {
    MutexLocker locker(m_lock);
    // A file neither written nor mapped since the flag was cleared has no dirty page: no
    // need to look at every cached page (a last close of a large cached file would cost a
    // walk of its whole tree).
    if (!m_inode || !m_may_have_dirty_pages)
        return;
    {
        MutexLocker inode_locker(m_inode->lock());
        if (m_inode->disk().link_count == 0)
            return;  // Its blocks are about to be freed: nothing to keep.
    }
    // The pages, then a size write() raised in memory (an eviction, which never writes,
    // must find it logged: the inode is read anew from the disk afterwards).
    auto written = write_back_locked(0, ~uint64_t(0));
    if (!written.is_error())
        written = m_inode->file_system().log_size(*m_inode);
    if (written.is_error()) {
        kprintf("page cache: inode %u: write-back at the last close failed (%d); those bytes are lost\n",
                m_inode->number(), written.error().code());
        record_write_error_locked(written.error());
        return;
    }
    // Clean now, and nothing maps it to dirty it again.
    if (m_vmas.empty())
        m_may_have_dirty_pages = false;
}

