// FileObject: an inode's page cache. See file_object.h.
#include "mm/file_object.h"

#include <atomic>
#include <new>

#include "drivers/console.h"
#include "fs/file_system.h"
#include "lib/assert.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/physical_allocator.h"

namespace {

constexpr uint64_t kPageSize = fs::kBlockSize;
static_assert(fs::kBlockSize == 4096, "the page cache maps one block per page");

std::atomic<uint64_t> g_hits { 0 };
std::atomic<uint64_t> g_misses { 0 };
std::atomic<uint64_t> g_written_back { 0 };

}  // namespace

PageCacheStatistics page_cache_statistics() {
    return {
        g_hits.load(std::memory_order_relaxed),
        g_misses.load(std::memory_order_relaxed),
        g_written_back.load(std::memory_order_relaxed),
    };
}

ErrorOr<RefPtr<FileObject>> FileObject::for_inode(fs::Inode& inode) {
    MutexLocker locker(inode.lock());
    if (inode.is_directory())
        return Error::from_errno(EISDIR);
    if (!inode.is_file())
        return Error::from_errno(EINVAL);
    if (auto* existing = inode.page_cache())
        return RefPtr<FileObject>(static_cast<FileObject*>(existing));
    auto* object = new (std::nothrow) FileObject(inode);
    if (!object)
        return Error::from_errno(ENOMEM);
    // The inode keeps the creation reference; the caller gets one more.
    inode.set_page_cache(object);
    return RefPtr<FileObject>(object);
}

uint64_t FileObject::file_size() const {
    MutexLocker locker(m_inode->lock());
    return m_inode->size();
}

void FileObject::wait_until_not_busy(Page* page) {
    SpinlockLocker locker(m_busy_lock);
    m_busy_queue.wait_until(m_busy_lock, [page] { return !page->has_flag(kPageBusy); });
}

void FileObject::clear_busy(Page* page) {
    {
        SpinlockLocker locker(m_busy_lock);
        page->clear_flag(kPageBusy);
    }
    m_busy_queue.wake_all();
}

ErrorOr<Page*> FileObject::get_page_locked(MutexLocker& locker, uint64_t index, Fill fill, bool* filled_from_disk) {
    for (;;) {
        if (Page* page = m_pages.lookup(index)) {
            page_ref(page);
            if (!page->has_flag(kPageBusy)) {
                g_hits.fetch_add(1, std::memory_order_relaxed);
                return page;
            }
            // Another thread is reading it from the disk: wait for that instead of reading
            // it a second time, then look again (the fill may have failed, or a truncation
            // removed it).
            locker.unlock();
            wait_until_not_busy(page);
            page_unref(page);
            locker.lock();
            continue;
        }
        g_misses.fetch_add(1, std::memory_order_relaxed);
        Page* page = TRY(allocate_page(fill == Fill::Zero ? ZeroFill::Yes : ZeroFill::No, PageUse::File));
        page->owner = this;
        page->index = index;
        if (fill == Fill::FromFile)
            page->set_flag(kPageBusy);
        if (auto inserted = m_pages.insert(index, page); inserted.is_error()) {
            page->clear_flag(kPageBusy);
            free_page(page);
            return inserted.release_error();
        }
        page_ref(page);  // The caller's reference; the tree keeps the allocation's.
        if (fill == Fill::Zero)
            return page;

        // The disk read goes straight into the frame, with the object unlocked so that
        // hits on other pages proceed; the busy flag keeps everyone off this one.
        locker.unlock();
        auto result = m_inode->file_system().read_page(*m_inode, index, page_to_virt(page));
        locker.lock();
        if (result.is_error()) {
            // Nobody may use a frame that holds no file data: take it out again.
            if (m_pages.lookup(index) == page) {
                m_pages.erase(index);
                page_unref(page);
            }
            clear_busy(page);
            page_unref(page);
            return result.release_error();
        }
        clear_busy(page);
        if (filled_from_disk)
            *filled_from_disk = true;
        return page;
    }
}

ErrorOr<Page*> FileObject::page_for_fault(uint64_t index) {
    MutexLocker locker(m_lock);
    if (!m_inode)
        return Error::from_errno(EIO);
    // Judged now, not at mmap time: the file may have shrunk or grown since.
    if (index >= (file_size() + kPageSize - 1) / kPageSize)
        return Error::from_errno(ENXIO);
    bool filled_from_disk = false;
    Page* page = TRY(get_page_locked(locker, index, Fill::FromFile, &filled_from_disk));
    if (filled_from_disk)
        count_major_fault();
    // The tree's reference keeps the frame. Page-table entries hold no reference, so a page
    // may leave the tree only while no Vma maps the object (see truncate and
    // inode_released, which runs only once every mapping, and so its inode pin, is gone).
    page_unref(page);
    return page;
}

void FileObject::mapping_added() {
    if (m_mappings.fetch_add(1, std::memory_order_acq_rel) == 0)
        m_inode->ref();
}

void FileObject::mapping_removed() {
    // Read before the decrement: the unref below may release the inode, which detaches it.
    fs::Inode* inode = m_inode;
    if (m_mappings.fetch_sub(1, std::memory_order_acq_rel) == 1)
        inode->unref();
}

void FileObject::mark_dirty_where(uint64_t first, uint64_t end, WritableProbe probe, void* context) {
    MutexLocker locker(m_lock);
    uint64_t index = first;
    while (auto entry = m_pages.find_next(index)) {
        if (entry->index >= end)
            break;
        index = entry->index + 1;
        if (probe(context, entry->index))
            entry->value->set_flag(kPageDirty);
    }
}

ErrorOr<void> FileObject::write_back_range(uint64_t first, uint64_t end) {
    MutexLocker locker(m_lock);
    if (!m_inode)
        return Error::from_errno(EIO);
    return write_back_locked(first, end);
}

ErrorOr<size_t> FileObject::read(uint64_t offset, void* buffer, size_t length) {
    auto* destination = static_cast<uint8_t*>(buffer);
    MutexLocker locker(m_lock);
    uint64_t size = file_size();
    if (offset >= size)
        return size_t(0);
    if (length > size - offset)
        length = size_t(size - offset);
    size_t done = 0;
    while (done < length) {
        uint64_t position = offset + done;
        size_t within = size_t(position % kPageSize);
        size_t count = length - done < kPageSize - within ? length - done : kPageSize - within;
        auto page = get_page_locked(locker, position / kPageSize, Fill::FromFile);
        if (page.is_error())
            return done > 0 ? ErrorOr<size_t>(done) : ErrorOr<size_t>(page.release_error());
        klib::memcpy(destination + done, static_cast<uint8_t*>(page_to_virt(page.value())) + within, count);
        page_unref(page.value());
        done += count;
    }
    return done;
}

void FileObject::wait_for_fills_locked(MutexLocker& locker, uint64_t first_index, uint64_t end_index) {
    // Expects m_lock (held by `locker`); returns with it held and no page in
    // [first_index, end_index) busy. No new fill can start while m_lock is held.
    for (;;) {
        Page* busy = nullptr;
        uint64_t index = first_index;
        while (auto entry = m_pages.find_next(index)) {
            if (entry->index >= end_index)
                break;
            if (entry->value->has_flag(kPageBusy)) {
                busy = entry->value;
                break;
            }
            index = entry->index + 1;
        }
        if (!busy)
            return;
        page_ref(busy);
        locker.unlock();
        wait_until_not_busy(busy);
        page_unref(busy);
        locker.lock();
    }
}

ErrorOr<size_t> FileObject::write(uint64_t offset, const void* buffer, size_t length) {
    if (length == 0)
        return size_t(0);
    MutexLocker locker(m_lock);
    uint64_t first_index = offset / kPageSize;
    uint64_t end_index = length > ~uint64_t(0) - offset ? ~uint64_t(0) : (offset + length + kPageSize - 1) / kPageSize;
    // A fill in flight over the range would finish with the bytes from before this write.
    wait_for_fills_locked(locker, first_index, end_index);

    // Write-through: the file system allocates the blocks now, so a full disk is ENOSPC
    // for this write() and not a lost write-back later; it also orders the data before
    // the metadata that points at it, splits the write into bounded transactions and grows
    // the size. Dirty cached pages come only from stores through mappings.
    // FIXME: delayed allocation (write into the cache, allocate at write-back) needs block
    // reservations so that ENOSPC still reaches the writer; until then, write through.
    size_t written = TRY(m_inode->file_system().write(*m_inode, offset, buffer, length));

    // Cached copies of the written pages must show the new bytes; pages that are not cached
    // stay uncached (the next read fills them from the disk).
    auto* source = static_cast<const uint8_t*>(buffer);
    uint64_t end = offset + written;
    for (uint64_t index = first_index; index * kPageSize < end; ++index) {
        Page* page = m_pages.lookup(index);
        if (!page)
            continue;
        uint64_t from = index * kPageSize > offset ? index * kPageSize : offset;
        uint64_t to = (index + 1) * kPageSize < end ? (index + 1) * kPageSize : end;
        klib::memcpy(static_cast<uint8_t*>(page_to_virt(page)) + (from - index * kPageSize), source + (from - offset),
                     size_t(to - from));
    }
    return written;
}

ErrorOr<void> FileObject::truncate(uint64_t size) {
    if (size > fs::kMaxFileSize)
        return Error::from_errno(EFBIG);
    MutexLocker locker(m_lock);
    uint64_t first_dropped = (size + kPageSize - 1) / kPageSize;
    // No fill may be in flight at or beyond the new last page: it would finish into a page
    // the truncation is about to drop or zero. With m_lock held, no new fill can start.
    wait_for_fills_locked(locker, size / kPageSize, ~uint64_t(0));
    TRY(m_inode->file_system().truncate(*m_inode, size));
    if (m_mappings.load(std::memory_order_acquire) == 0) {
        remove_pages(first_dropped, ~uint64_t(0) - first_dropped);
    } else {
        // Some page table may still point at these frames, and without a reverse map they
        // cannot be unmapped here: keep the frames, zeroed and clean, so nothing ever
        // reaches freed memory and growing the file again still shows zeros. New faults
        // there are bus errors (page_for_fault judges the size).
        uint64_t index = first_dropped;
        while (auto entry = m_pages.find_next(index)) {
            index = entry->index + 1;
            klib::memset(page_to_virt(entry->value), 0, kPageSize);
            entry->value->clear_flag(kPageDirty);
        }
    }
    if (size % kPageSize != 0) {
        if (Page* last = m_pages.lookup(size / kPageSize)) {
            klib::memset(static_cast<uint8_t*>(page_to_virt(last)) + size % kPageSize, 0,
                         kPageSize - size % kPageSize);
        }
    }
    return {};
}

ErrorOr<void> FileObject::write_back_locked(uint64_t first, uint64_t end) {
    uint64_t size = file_size();
    uint64_t index = first;
    while (auto entry = m_pages.find_next(index)) {
        if (entry->index >= end)
            break;
        index = entry->index + 1;
        Page* page = entry->value;
        if (!page->has_flag(kPageDirty))
            continue;
        page->clear_flag(kPageDirty);
        uint64_t start = entry->index * kPageSize;
        if (start >= size)
            continue;  // Beyond the end of file: never written to it.
        size_t valid = size - start < kPageSize ? size_t(size - start) : size_t(kPageSize);
        auto written = m_inode->file_system().write_page(*m_inode, entry->index, page_to_virt(page), valid);
        if (written.is_error()) {
            page->set_flag(kPageDirty);
            return written.release_error();
        }
        g_written_back.fetch_add(1, std::memory_order_relaxed);
    }
    return {};
}

ErrorOr<void> FileObject::sync() {
    MutexLocker locker(m_lock);
    TRY(write_back_locked(0, ~uint64_t(0)));
    locker.unlock();
    return m_inode->file_system().fsync(*m_inode);
}

void FileObject::inode_released(bool keep_data) {
    {
        MutexLocker locker(m_lock);
        if (keep_data) {
            if (auto written = write_back_locked(0, ~uint64_t(0)); written.is_error())
                kprintf("page cache: inode %u: write-back failed (%d); data lost\n", m_inode->number(),
                        written.error().code());
        }
        remove_pages(0, ~uint64_t(0));
        m_inode = nullptr;
    }
    // The inode's reference, taken over in for_inode().
    unref();
}

ErrorOr<void> truncate_through_page_cache(fs::Inode& inode, uint64_t size) {
    fs::InodePageCache* cache;
    {
        MutexLocker locker(inode.lock());
        cache = inode.page_cache();
    }
    if (!cache)
        return inode.file_system().truncate(inode, size);
    return static_cast<FileObject*>(cache)->truncate(size);
}

void FileObject::drop_cached_pages(uint64_t first, uint64_t end) {
    MutexLocker locker(m_lock);
    if (!m_inode)
        return;
    wait_for_fills_locked(locker, first, end);
    if (auto written = write_back_locked(first, end); written.is_error())
        return;  // The dirty pages stay, and so does everything else: nothing is lost.
    // A page some Vma may map stays: its PTEs would otherwise name a freed frame.
    if (m_mappings.load(std::memory_order_acquire) != 0)
        return;
    remove_pages(first, end - first);
}
