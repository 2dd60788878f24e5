// FileObject's read() and write(): one copy between the cached frames and the caller's
// buffer (a UserCursor or kernel memory). See file_object.h for the contract.
//
// Both work on batches of up to kBatchPages pages in three steps:
//
//   1. under m_lock   look the pages up (read them from the disk if needed) and take a
//                     reference to each, so that their frames stay put and reclaim
//                     passes them by;
//   2. no lock        copy between the frames and the buffer (a fault may take m_lock);
//   3. m_lock again   (write only) grow the size (in memory), mark the pages dirty,
//                     publish new pages, queue the file for the flusher; then drop the
//                     references. The disk is not touched (write-back caching), except to
//                     zero the old last block's tail when the file grows past it.
//
// A write() holds m_truncate_lock from its first step to its last, so no truncation
// removes or zeroes a page under it and no second writer changes the same bytes; a
// read() holds nothing across its copy (what it copies was the file's content when the
// page was looked up). Pages a write creates beyond the end of file are private to it
// (not in the cache, where a fault would map them without a size check) until the size
// covers them.
#include <atomic>
#include <new>

#include "arch/riscv64/layout.h"
#include "fs/file_system.h"
#include "lib/string.h"
#include "mm/file_object.h"
#include "mm/flusher.h"
#include "mm/physical_allocator.h"
#include "mm/reclaim.h"
#include "mm/user_memory.h"

namespace {

// Pages per batch: a 64 KiB read() or write() is one batch when it is page-aligned.
constexpr uint32_t kBatchPages = 16;

uint8_t* frame_bytes(Page* page) { return static_cast<uint8_t*>(page_to_virt(page)); }

// FileObject::fail_next_written_page_inserts_for_test.
std::atomic<uint32_t> g_failing_inserts { 0 };

bool insert_fails_for_test() {
    for (uint32_t failing = g_failing_inserts.load(std::memory_order_relaxed); failing > 0;) {
        if (g_failing_inserts.compare_exchange_weak(failing, failing - 1))
            return true;
    }
    return false;
}

}  // namespace

ErrorOr<size_t> FileObject::read(uint64_t offset, void* buffer, size_t length) {
    TransferBuffer to(buffer, length);
    return read(offset, to);
}

ErrorOr<size_t> FileObject::read(uint64_t offset, TransferBuffer& to) {
    size_t done = 0;
    while (to.remaining() > 0) {
        Page* pages[kBatchPages];
        uint32_t count = 0;
        uint64_t size;
        bool hits_counted = true;
        {
            MutexLocker locker(m_lock);
            if (!m_inode)
                return done > 0 ? ErrorOr<size_t>(done) : ErrorOr<size_t>(Error::from_errno(EIO));
            size = size_locked();
            uint64_t position = offset + done;
            if (position >= size)
                break;
            uint64_t end = size - position < to.remaining() ? size : position + to.remaining();
            for (uint64_t index = position / kPageSize; index * kPageSize < end && count < kBatchPages; ++index) {
                Page* page = m_pages.lookup(index);
                if (page && !page->has_flag(kPageBusy)) [[likely]] {
                    page_ref(page);
                    note_referenced(*page);
                    pages[count++] = page;
                    continue;
                }
                // A miss (or a fill in flight) ends the batch: the pages before it are
                // copied first, and the next batch starts with it.
                if (count > 0)
                    break;
                hits_counted = false;  // get_page_locked counts its own.
                bool filled = false;
                auto page_or_error = get_page_locked(locker, index, &filled);
                if (page_or_error.is_error()) {
                    // ENXIO: a truncation got there first; the file ends here now.
                    if (done > 0 || page_or_error.error().code() == ENXIO)
                        return done;
                    return page_or_error.release_error();
                }
                pages[count++] = page_or_error.value();
                // The lock was dropped for the fill, so the size may have changed.
                size = m_inode ? size_locked() : 0;
                break;
            }
        }
        if (hits_counted)
            file_object_detail::g_hits.add(count);
        // The copy, with no lock held: a fault here may need m_lock (a buffer mapped from
        // this file) or the address space's lock.
        uint32_t used = 0;
        bool stopped = false;
        for (; used < count && !stopped; ++used) {
            uint64_t position = offset + done;
            size_t within = size_t(position % kPageSize);
            size_t piece = kPageSize - within;
            if (position >= size) {
                stopped = true;
                break;
            }
            if (piece > size - position)
                piece = size_t(size - position);
            if (piece > to.remaining())
                piece = to.remaining();
            size_t copied = to.copy_out(frame_bytes(pages[used]) + within, piece);
            done += copied;
            stopped = copied < piece;
        }
        for (uint32_t i = 0; i < count; ++i)
            page_unref(pages[i]);
        if (stopped)
            break;
        // As write() does: a process killed meanwhile stops at this batch boundary (it dies
        // on the way out) rather than reading, perhaps from the disk, to the end.
        if (to.remaining() > 0 && current_process_must_die()) [[unlikely]]
            break;
    }
    if (done == 0 && to.faulted())
        return Error::from_errno(EFAULT);
    return done;
}

ErrorOr<size_t> FileObject::write(uint64_t offset, const void* buffer, size_t length) {
    TransferBuffer from(const_cast<void*>(buffer), length);
    return write(from, offset);
}

ErrorOr<size_t> FileObject::write(TransferBuffer& from, uint64_t& offset, WriteAt where) {
    if (from.remaining() == 0)
        return size_t(0);
    MutexLocker writer(m_truncate_lock);
    if (where == WriteAt::End) {
        MutexLocker locker(m_lock);
        if (!m_inode)
            return Error::from_errno(EIO);
        offset = size_locked();
    }
    if (offset >= fs::kMaxFileSize)
        return Error::from_errno(EFBIG);
    size_t written = 0;
    // At least one batch: there are bytes to write, and room for them.
    for (;;) {
        uint64_t position = offset + written;
        size_t length = kBatchPages * kPageSize - size_t(position % kPageSize);
        if (length > from.remaining())
            length = from.remaining();
        if (length > fs::kMaxFileSize - position)
            length = size_t(fs::kMaxFileSize - position);
        // Throttling: above the hard limit, this writer cleans its own pages before it
        // dirties more, so it runs at the disk's pace and dirty memory stays bounded.
        if (flusher::over_hard_limit()) [[unlikely]] {
            if (auto cleaned = throttle_writer(); cleaned.is_error()) {
                if (written > 0)
                    break;
                return cleaned.release_error();
            }
        }
        auto batch = write_batch(from, position, length);
        if (batch.is_error()) {
            if (written > 0)
                break;
            return batch.release_error();
        }
        written += batch.value();
        if (batch.value() < length)
            break;  // The source faulted.
        if (from.remaining() == 0 || offset + written >= fs::kMaxFileSize)
            break;
        // A process killed meanwhile stops at this batch boundary with what it wrote (it
        // dies on the way out), rather than writing (and being throttled) to the end.
        if (current_process_must_die()) [[unlikely]]
            break;
    }
    if (written == 0 && from.faulted())
        return Error::from_errno(EFAULT);
    return written;
}

ErrorOr<size_t> FileObject::write_batch(TransferBuffer& from, uint64_t position, size_t length) {
    m_truncate_lock.assert_locked();
    uint64_t first = position / kPageSize;
    uint32_t count = uint32_t((position + length - 1) / kPageSize - first + 1);
    WritePage pages[kBatchPages];
    uint64_t size = TRY(pin_for_write(position, length, pages, count));
    size_t arrived = copy_into_pinned(from, position, length, pages, count);

    MutexLocker locker(m_lock);
    // A fill still in flight over the batch would finish with the bytes from before this
    // write. Only a page that was not cached and lies within the file (a fresh frame
    // stands in for it here), or one that left the cache during the copy and came back
    // (a pinned page no longer the cached one), can be being filled; pages beyond the end
    // are never filled.
    bool fillable = false;
    for (uint32_t i = 0; i < count; ++i) {
        fillable = fillable || (pages[i].fresh && pages[i].within_file);
        if (!pages[i].fresh && m_inode && m_pages.lookup(first + i) != pages[i].page)
            fillable = true;
    }
    if (fillable)
        wait_for_fills_locked(locker, first, first + count);
    ErrorOr<size_t> stored = size_t(0);
    if (arrived > 0 && m_inode) {
        adopt_cached_copies_locked(position, arrived, pages, count);
        // Growth over a gap: the old last page's bytes beyond the old end (which a store
        // through a mapping may have set) become file data, so they must be zeros.
        if (position > size)
            zero_gap_locked(size, position, first, pages[0].page);
        stored = arrived;
        // Delayed allocation: the size grows in memory now, the blocks come at write-back.
        if (position + arrived > size) {
            if (auto grown = m_inode->file_system().grow_cached_size(*m_inode, position + arrived); grown.is_error())
                stored = grown.release_error();
        }
    }
    publish_written_locked(position, arrived, stored.is_error() ? 0 : stored.value(), pages, count);
    return stored;
}

void FileObject::adopt_cached_copies_locked(uint64_t position, size_t arrived, WritePage* pages, uint32_t count) {
    m_lock.assert_locked();
    uint64_t first = position / kPageSize;
    for (uint32_t i = 0; i < count; ++i) {
        Page* cached = m_pages.lookup(first + i);
        if (!cached || cached == pages[i].page)
            continue;
        uint64_t page_start = (first + i) * kPageSize;
        uint64_t from = position > page_start ? position : page_start;
        uint64_t to = position + arrived < page_start + kPageSize ? position + arrived : page_start + kPageSize;
        if (to > from)
            klib::memcpy(frame_bytes(cached) + (from - page_start), frame_bytes(pages[i].page) + (from - page_start),
                         size_t(to - from));
        page_ref(cached);
        page_unref(pages[i].page);
        pages[i] = { cached, false, false, false };
    }
}

ErrorOr<uint64_t> FileObject::pin_for_write(uint64_t position, size_t length, WritePage* pages, uint32_t count) {
    uint64_t first = position / kPageSize;
    uint64_t end = position + length;
    uint64_t size = 0;
    uint32_t pinned = 0;
    auto unpin = [&] {
        for (uint32_t i = 0; i < pinned; ++i) {
            if (pages[i].page)
                page_unref(pages[i].page);
        }
    };
    {
        MutexLocker locker(m_lock);
        if (!m_inode)
            return Error::from_errno(EIO);
        size = size_locked();  // Only writers change it, and this one holds m_truncate_lock.
        for (; pinned < count; ++pinned) {
            uint64_t index = first + pinned;
            WritePage& slot = pages[pinned];
            slot = { nullptr, false, false, false };
            Page* page = m_pages.lookup(index);
            if (page && !page->has_flag(kPageBusy)) [[likely]] {
                page_ref(page);
                note_hit(*page);
                slot.page = page;
                continue;
            }
            bool whole = index * kPageSize >= position && (index + 1) * kPageSize <= end;
            if (!page && (index * kPageSize >= size || whole)) {
                // Beyond the end (nothing to read), or about to be overwritten whole: a
                // fresh frame, allocated below with m_lock dropped.
                slot.fresh = true;
                slot.within_file = index * kPageSize < size;
                slot.whole = whole;
                continue;
            }
            auto filled = get_page_locked(locker, index);
            if (filled.is_error()) {
                unpin();
                return filled.release_error();
            }
            slot.page = filled.value();
        }
    }
    for (uint32_t i = 0; i < count; ++i) {
        // A page the copy covers whole needs no zeroing (a copy that stops short in it
        // fills the rest: copy_into_pinned).
        ZeroFill fill = pages[i].whole ? ZeroFill::CallerOverwrites : ZeroFill::Yes;
        if (pages[i].fresh && !(pages[i].page = reclaim::allocate_user_page(fill, PageUse::File))) {
            unpin();
            return Error::from_errno(ENOMEM);
        }
    }
    return size;
}

size_t FileObject::copy_into_pinned(TransferBuffer& from, uint64_t position, size_t length, WritePage* pages,
                                    uint32_t count) {
    uint64_t first = position / kPageSize;
    size_t arrived = 0;
    for (uint32_t i = 0; i < count; ++i) {
        size_t within = size_t((position + arrived) % kPageSize);
        size_t piece = kPageSize - within;
        if (piece > length - arrived)
            piece = length - arrived;
        size_t copied = from.copy_in(frame_bytes(pages[i].page) + within, piece);
        arrived += copied;
        if (copied == piece)
            continue;
        // The source faulted part-way into a fresh frame of a page the file reaches: the
        // rest of the page must be the file's own bytes before it can be written whole.
        if (copied > 0 && pages[i].fresh && pages[i].within_file &&
            !complete_from_disk(pages[i].page, first + i, within + copied))
            arrived -= copied;  // Those bytes are not written at all, then.
        // One beyond the end that was not zeroed (the copy was to cover it whole): the
        // rest lies beyond the new end of file, which reads as zeros.
        else if (copied > 0 && pages[i].fresh && !pages[i].within_file && pages[i].whole)
            klib::memset(frame_bytes(pages[i].page) + within + copied, 0, kPageSize - within - copied);
        break;
    }
    return arrived;
}

bool FileObject::complete_from_disk(Page* page, uint64_t index, size_t from_byte) {
    Page* old = reclaim::allocate_user_page(ZeroFill::CallerOverwrites, PageUse::File);
    if (!old)
        return false;
    bool read = !m_inode->file_system().read_page(*m_inode, index, page_to_virt(old)).is_error();
    if (read)
        klib::memcpy(frame_bytes(page) + from_byte, frame_bytes(old) + from_byte, kPageSize - from_byte);
    page_unref(old);
    return read;
}

void FileObject::zero_gap_locked(uint64_t old_size, uint64_t position, uint64_t first, Page* first_page) {
    m_lock.assert_locked();
    if (old_size % kPageSize == 0)
        return;
    uint64_t last = old_size / kPageSize;
    size_t from = size_t(old_size % kPageSize);
    size_t to = position / kPageSize == last ? size_t(position % kPageSize) : kPageSize;
    if (Page* cached = m_pages.lookup(last))
        klib::memset(frame_bytes(cached) + from, 0, to - from);
    if (first == last && first_page)
        klib::memset(frame_bytes(first_page) + from, 0, to - from);
}

void FileObject::fail_next_written_page_inserts_for_test(uint32_t count) { g_failing_inserts.store(count); }

void FileObject::write_through_locked(uint64_t index, Page* page) {
    m_lock.assert_locked();
    // A size this write raised within a block the file had is in memory only: the last
    // close must still log it (write_back_before_unused looks only if this is set).
    m_may_have_dirty_pages = true;
    const void* frame = frame_bytes(page);
    if (auto written = m_inode->file_system().write_pages(*m_inode, index, &frame, 1); written.is_error())
        record_write_error_locked(written.error());
}

void FileObject::publish_written_locked(uint64_t position, size_t arrived, size_t stored, WritePage* pages,
                                        uint32_t count) {
    m_lock.assert_locked();
    uint64_t first = position / kPageSize;
    bool dirtied = false;
    for (uint32_t i = 0; i < count; ++i) {
        uint64_t index = first + i;
        Page* page = pages[i].page;
        uint64_t page_start = index * kPageSize;
        uint64_t from = position > page_start ? position : page_start;
        uint64_t stored_end = position + stored < page_start + kPageSize ? position + stored : page_start + kPageSize;
        uint64_t arrived_end = position + arrived < page_start + kPageSize ? position + arrived : page_start + kPageSize;
        bool holds_stored = stored_end > from;
        // No other copy can have entered the cache since adopt_cached_copies_locked (m_lock
        // has been held since): `cached` is either this write's page or absent.
        Page* cached = m_inode ? m_pages.lookup(index) : nullptr;
        if (cached != page) {
            // A fresh frame, or a cached page that left the cache during the copy (fadvise),
            // enters the cache only holding written bytes, now that the size covers them
            // (the tree then takes over the caller's reference).
            if (holds_stored && !cached && m_inode) {
                page->owner = this;
                page->index = index;
                if (!insert_fails_for_test() && !insert_page_locked(index, page).is_error()) {
                    mark_written_locked(*page);
                    dirtied = true;
                    continue;
                }
                write_through_locked(index, page);
            }
            page_unref(page);
            continue;
        }
        if (holds_stored) {
            mark_written_locked(*page);
            dirtied = true;
        }
        // Bytes copied into a cached page that the size does not cover (the growth failed)
        // must not be read back: the page goes, and the next read refills it from the disk.
        // A dirty page keeps its stores, and these bytes with them.
        if (arrived_end > (holds_stored ? stored_end : from) && !page->has_flag(kPageDirty))
            remove_page_locked(index, page);
        page_unref(page);
    }
    if (dirtied) {
        m_may_have_dirty_pages = true;
        flusher::queue(*this);
    }
}
