// FileObject: an inode's page cache. See file_object.h.
#include "mm/file_object.h"

#include <atomic>
#include <new>

#include "fs/file_system.h"
#include "lib/assert.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/flusher.h"
#include "mm/address_space.h"
#include "mm/physical_allocator.h"
#include "mm/reclaim.h"

namespace {

static_assert(kPageSize == fs::kBlockSize);
static_assert(fs::kBlockSize == 4096, "the page cache maps one block per page");

std::atomic<uint64_t> g_misses { 0 };
std::atomic<uint64_t> g_readahead { 0 };

// Whether `vma`, on a file object's reverse map, is a MAP_PRIVATE mapping, whose object (a
// PrivateFileObject over the file) holds private copies; a MAP_SHARED one maps the file
// object itself.
bool holds_private_copies(const Vma& vma) { return !vma.object()->is_shared(); }

}  // namespace

PerHartCounter file_object_detail::g_hits;
using file_object_detail::g_hits;

PageCacheStatistics page_cache_statistics() {
    return {
        g_hits.value(),
        g_misses.load(std::memory_order_relaxed),
        file_object_detail::g_written_back.load(std::memory_order_relaxed),
        g_readahead.load(std::memory_order_relaxed),
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

ErrorOr<Page*> FileObject::get_page_locked(MutexLocker& locker, uint64_t index, bool* filled_from_disk) {
    m_lock.assert_locked();
    for (;;) {
        if (Page* page = m_pages.lookup(index)) {
            page_ref(page);
            if (!page->has_flag(kPageBusy)) {
                note_hit(*page);
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
        // A miss: read the page, and the pages after it too if the reader is streaming
        // (readahead), in as few disk requests as the blocks allow.
        Page* pages[kMaxReadahead];
        uint32_t count = TRY(insert_missing_run_locked(locker, index, pages));
        if (count == 0)
            continue;  // Filled by someone else while the frames were allocated.
        Page* page = pages[0];
        page_ref(page);  // The caller's reference; the tree keeps the allocation's.
        if (auto filled = fill_run_locked(locker, index, pages, count); filled.is_error()) {
            page_unref(page);
            return filled.release_error();
        }
        if (filled_from_disk)
            *filled_from_disk = true;
        return page;
    }
}

ErrorOr<uint32_t> FileObject::insert_missing_run_locked(MutexLocker& locker, uint64_t index,
                                                        Page** pages) {
    m_lock.assert_locked();
    uint32_t window = readahead_window_locked(index);
    // The allocation may have to reclaim and wait for the reclaim thread, which needs the
    // locks of objects (this one's too): it runs unlocked, and then we look again.
    locker.unlock();
    uint32_t allocated = 0;
    for (; allocated < window; ++allocated) {
        // Only the page asked for may wait for reclaim; readahead takes what is free. No
        // fill: read_pages() writes every byte (file data, zeros for holes and beyond the
        // end), and a frame whose read fails is taken out unused.
        Page* fresh = allocated == 0 ? reclaim::allocate_user_page(ZeroFill::CallerOverwrites, PageUse::File)
                                     : allocate_readahead_page();
        if (!fresh)
            break;
        pages[allocated] = fresh;
    }
    locker.lock();
    if (allocated == 0)
        return Error::from_errno(ENOMEM);
    uint64_t pages_in_file = m_inode ? (file_size() + kPageSize - 1) / kPageSize : 0;
    if (!m_inode || m_pages.lookup(index) || index >= pages_in_file) {
        // Released, filled by someone else, or truncated while we were unlocked.
        for (uint32_t i = 0; i < allocated; ++i)
            free_page(pages[i]);
        if (!m_inode)
            return Error::from_errno(EIO);
        if (m_pages.lookup(index))
            return 0;
        return Error::from_errno(ENXIO);
    }
    // The run ends at the end of file and at the first page already cached.
    uint32_t count = 0;
    while (count < allocated && index + count < pages_in_file && (count == 0 || !m_pages.lookup(index + count))) {
        Page* page = pages[count];
        page->owner = this;
        page->index = index + count;
        page->set_flag(kPageBusy);
        if (insert_page_locked(index + count, page).is_error()) {
            page->clear_flag(kPageBusy);
            break;
        }
        ++count;
    }
    for (uint32_t i = count; i < allocated; ++i)
        free_page(pages[i]);
    if (count == 0)
        return Error::from_errno(ENOMEM);
    g_misses.fetch_add(1, std::memory_order_relaxed);
    g_readahead.fetch_add(count - 1, std::memory_order_relaxed);
    return count;
}

ErrorOr<void> FileObject::fill_run_locked(MutexLocker& locker, uint64_t index, Page* const* pages,
                                          uint32_t count) {
    m_lock.assert_locked();
    // The disk read goes straight into the frames, with the object unlocked so that hits
    // on other pages proceed; the busy flags keep everyone off these (reclaim and
    // truncation included).
    locker.unlock();
    void* frames[kMaxReadahead];
    for (uint32_t i = 0; i < count; ++i)
        frames[i] = page_to_virt(pages[i]);
    auto result = m_inode->file_system().read_pages(*m_inode, index, count, frames);
    locker.lock();
    for (uint32_t i = 0; i < count; ++i) {
        // Nobody may use a frame that holds no file data: take them out again.
        if (result.is_error() && m_pages.lookup(index + i) == pages[i])
            remove_page_locked(index + i, pages[i]);
    }
    {
        SpinlockLocker busy_locker(m_busy_lock);
        // Pairs with the acquire fences of the faults that look without m_lock
        // (cached_page_for_fault, fault-around): one that finds a page not busy sees the
        // bytes the fill (or the zeroing of a failed one's) wrote, not the frame's old ones.
        std::atomic_thread_fence(std::memory_order_release);
        for (uint32_t i = 0; i < count; ++i)
            pages[i]->clear_flag(kPageBusy);
    }
    m_busy_queue.wake_all();
    return result;
}

uint32_t FileObject::readahead_window_locked(uint64_t index) {
    m_lock.assert_locked();
    // Sequential: this miss is where the last read (and its readahead) ended. The window
    // doubles up to kMaxReadahead on every sequential miss and falls back to one page on a
    // jump, so random access reads nothing it did not ask for.
    if (index == m_next_sequential && index != 0)
        m_readahead_window = m_readahead_window * 2 < kMaxReadahead ? m_readahead_window * 2 : kMaxReadahead;
    else
        m_readahead_window = index == 0 ? kInitialReadahead : 1;
    m_next_sequential = index + m_readahead_window;
    return m_readahead_window;
}

Page* FileObject::allocate_readahead_page() {
    // Readahead is a bet: it never eats into the reclaim watermarks or waits for reclaim.
    if (!reclaim::can_allocate_without_reclaim())
        return nullptr;
    return try_allocate_page(ZeroFill::CallerOverwrites, PageUse::File);
}

ErrorOr<Page*> FileObject::page_for_fault_slow_locked(MutexLocker& locker, uint64_t index) {
    m_lock.assert_locked();
    for (;;) {
        if (!m_inode)
            return Error::from_errno(EIO);
        // Judged now, not at mmap time: the file may have shrunk or grown since.
        if (index >= (file_size() + kPageSize - 1) / kPageSize)
            return Error::from_errno(ENXIO);
        bool filled_from_disk = false;
        Page* page = TRY(get_page_locked(locker, index, &filled_from_disk));
        // The tree's reference keeps the frame while m_lock is held; PTEs hold none, which
        // is why pages leave the tree only through remove_page_locked().
        page_unref(page);
        if (!filled_from_disk)
            return page;
        count_major_fault();
        // The lock was dropped for the read: a truncation may have taken the page out.
        if (m_pages.lookup(index) == page)
            return page;
    }
}

ErrorOr<Page*> FileObject::page_for_fault(uint64_t index) {
    MutexLocker locker(m_lock);
    return page_for_fault_locked(locker, index);
}

FileObject::~FileObject() {
    // inode_released() normally emptied the cache; whatever is left leaves the queues.
    MutexLocker locker(m_lock);
    remove_range_locked(0, ~uint64_t(0));
}

void FileObject::mapping_added(Vma& vma) {
    MutexLocker locker(m_lock);
    m_vmas.push_back(vma);
    m_may_have_dirty_pages = true;  // Stores through a MAP_SHARED mapping dirty pages.
    // The first mapping pins the inode. It comes from mmap, whose descriptor holds the
    // inode, so the inode is alive and attached here.
    if (m_vmas.size() == 1)
        m_inode->ref();
}

void FileObject::mapping_removed(Vma& vma) {
    fs::Inode* inode;
    bool last;
    {
        MutexLocker locker(m_lock);
        m_vmas.remove(vma);
        last = m_vmas.empty();
        inode = m_inode;
    }
    // Outside the lock: the last reference releases the inode, whose release takes m_lock
    // (inode_released). A mapping added meanwhile took its own reference first.
    if (last)
        inode->unref();
}

void FileObject::mappings_merged(Vma& lower, const Vma& upper) {
    // A truncation skips the Vmas carrying its mark (discard_private_copies): the merged
    // one carries it only if both did, so that upper's pages are still dealt with.
    MutexLocker locker(m_lock);
    if (upper.truncation_mark() < lower.truncation_mark())
        lower.set_truncation_mark(upper.truncation_mark());
}

template<typename Visit>
void FileObject::for_each_mapping_locked(uint64_t index, Visit visit) {
    m_lock.assert_locked();
    for (Vma& vma : m_vmas) {
        // start and page_offset never change; end may be shrinking under a clip in another
        // address space, or growing under a merge, which is harmless: the other Vma maps
        // the page at the same address (and stays on the list until the merge is done),
        // and the visitors act only on an entry naming the page's own frame.
        AddressSpace* space = vma.space();
        if (!space || index < vma.page_offset())
            continue;
        uint64_t page_in_vma = index - vma.page_offset();
        if (page_in_vma >= (vma.end() - vma.start()) / kPageSize)
            continue;
        visit(*space, vma.start() + page_in_vma * kPageSize);
    }
}

void FileObject::unmap_everywhere_locked(uint64_t index, Page* page) {
    m_lock.assert_locked();
    uint64_t phys = page_to_phys(page);
    for_each_mapping_locked(index, [&](AddressSpace& space, uint64_t vaddr) { space.unmap_frame(vaddr, phys); });
}

ErrorOr<void> FileObject::insert_page_locked(uint64_t index, Page* page) {
    m_lock.assert_locked();
    {
        // Read faults walk the tree under the read lock alone (cached_page_for_fault).
        WriteLocker tree(m_pages_lock);
        TRY(m_pages.insert(index, page));
    }
    m_page_count.fetch_add(1, std::memory_order_relaxed);
    reclaim::page_cached(*page);
    return {};
}

void FileObject::remove_page_locked(uint64_t index, Page* page) {
    m_lock.assert_locked();
    // Out of the tree first, then out of the page tables: a read fault maps a page only
    // while it holds m_pages_lock for reading and has found the page in the tree, so once
    // the erase (under the write lock) is done, every such fault has either installed its
    // PTE already, which the unmap below then finds, or will not find the page at all.
    {
        WriteLocker tree(m_pages_lock);
        m_pages.erase(index);
    }
    unmap_everywhere_locked(index, page);
    reclaim::page_uncached(*page);
    uncount_dirty(*page);
    m_page_count.fetch_sub(1, std::memory_order_relaxed);
    page_unref(page);
}

void FileObject::remove_range_locked(uint64_t first, uint64_t end) {
    m_lock.assert_locked();
    uint64_t index = first;
    while (auto entry = m_pages.find_next(index)) {
        if (entry->index >= end)
            break;
        index = entry->index + 1;
        remove_page_locked(entry->index, entry->value);
        if (index == 0)
            break;  // The last index was removed: nothing lies beyond it.
    }
}

EvictOutcome FileObject::try_evict(uint64_t index, Page* page, bool write_back, bool may_block, StaleTlbs& stale,
                                   EvictMapped mapped) {
    // Direct reclaim never runs under a FileObject lock (reclaim.h), but should it ever,
    // this object is simply not a candidate rather than a recursive lock.
    if (m_lock.is_locked_by_current_thread())
        return EvictOutcome::Kept;
    if (may_block)
        m_lock.lock();
    else if (!m_lock.try_lock())
        return EvictOutcome::Kept;
    EvictOutcome outcome = evict_locked(index, page, write_back, mapped, stale);
    m_lock.unlock();
    return outcome;
}

bool FileObject::used_since_last_look_locked(uint64_t index, Page* page, StaleTlbs& stale) {
    m_lock.assert_locked();
    // Both asked (no short cut): every accessed bit is cleared, so that the next look sees
    // only the use after this one.
    bool used = page->test_and_clear_flag(kPageReferenced);
    uint64_t phys = page_to_phys(page);
    for_each_mapping_locked(index, [&](AddressSpace& space, uint64_t vaddr) {
        if (space.clear_accessed_frame(vaddr, phys, stale))
            used = true;
    });
    return used;
}

EvictOutcome FileObject::evict_locked(uint64_t index, Page* page, bool write_back, EvictMapped mapped,
                                      StaleTlbs& stale) {
    m_lock.assert_locked();
    if (!m_inode || m_pages.lookup(index) != page)
        return EvictOutcome::Kept;  // Gone or replaced since the queue named it.
    if (mapped == EvictMapped::No && !m_vmas.empty())
        return EvictOutcome::Kept;
    // Busy: being filled. A second reference: read() or a fault is using it right now.
    if (page->has_flag(kPageBusy) || page->ref_count.load(std::memory_order_acquire) != 1)
        return EvictOutcome::Kept;
    if (mapped == EvictMapped::Yes) {
        // Another reclaimer activated it since the queue named it: no longer a candidate.
        if (page->has_flag(kPageActive))
            return EvictOutcome::Kept;
        // The clock's second chance (mm/reclaim.h).
        if (used_since_last_look_locked(index, page, stale)) {
            reclaim::page_activate(*page);
            return EvictOutcome::Activated;
        }
    }
    if (page->has_flag(kPageDirty) && !write_back)
        return EvictOutcome::Kept;
    // Out of every page table first: from then on no store can reach the frame, so a
    // page found clean stays clean, and a dirty one is written back in its final state.
    unmap_everywhere_locked(index, page);
    if (page->has_flag(kPageDirty)) {
        // The dirty pages after it go in the same write-back (one transaction for a run of
        // holes): the next candidates from the same stream are then clean and cheap.
        if (auto written = write_back_locked(index, index + 64); written.is_error())
            return EvictOutcome::Kept;  // Clean now (the failure recorded): evicted next time.
    }
    remove_page_locked(index, page);
    return EvictOutcome::Evicted;
}

void FileObject::mark_dirty_where(uint64_t first, uint64_t end, WritableProbe probe, void* context) {
    MutexLocker locker(m_lock);
    m_may_have_dirty_pages = true;
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

void FileObject::wait_for_fills_locked(MutexLocker& locker, uint64_t first_index, uint64_t end_index) {
    m_lock.assert_locked();
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

void FileObject::zero_beyond_end_locked(uint64_t old_size) {
    m_lock.assert_locked();
    if (old_size % kPageSize == 0)
        return;
    if (Page* last = m_pages.lookup(old_size / kPageSize)) {
        klib::memset(static_cast<uint8_t*>(page_to_virt(last)) + old_size % kPageSize, 0,
                     kPageSize - old_size % kPageSize);
    }
}

ErrorOr<void> FileObject::truncate(uint64_t size) {
    if (size > fs::kMaxFileSize)
        return Error::from_errno(EFBIG);
    MutexLocker serial(m_truncate_lock);
    uint64_t first_dropped = (size + kPageSize - 1) / kPageSize;
    bool shrank;
    {
        MutexLocker locker(m_lock);
        // No fill may be in flight at or beyond the new last page: it would finish into a
        // page the truncation is about to drop or zero. With m_lock held, no new fill can
        // start.
        wait_for_fills_locked(locker, size / kPageSize, ~uint64_t(0));
        uint64_t old_size = file_size();
        TRY(m_inode->file_system().truncate(*m_inode, size));
        if (size > old_size)
            zero_beyond_end_locked(old_size);
        // Pages wholly beyond the new end leave every process (a later access is a bus
        // error) and the cache, dirty or not: their data must never come back.
        remove_range_locked(first_dropped, ~uint64_t(0));
        if (size % kPageSize != 0) {
            if (Page* last = m_pages.lookup(size / kPageSize)) {
                klib::memset(static_cast<uint8_t*>(page_to_virt(last)) + size % kPageSize, 0,
                             kPageSize - size % kPageSize);
            }
        }
        // A private copy exists only of a page the file reached when it was made, and each
        // shrink drops those beyond its end: only a shrink past whole pages has any to drop.
        shrank = first_dropped < (old_size + kPageSize - 1) / kPageSize;
    }
    // From here on no new private copy can be made beyond the end: a write fault copies a
    // page only after finding it in the file, under m_lock. One made just before is in its
    // PrivateFileObject by the time its address space's lock is free.
    if (shrank)
        discard_private_copies(first_dropped);
    return {};
}

void FileObject::discard_private_copies(uint64_t first_index) {
    // The private copies of a MAP_PRIVATE mapping beyond the end go too (as on Linux, where
    // truncation unmaps private copy-on-write pages as well): a later access is a bus error
    // like that of a page never written, and a later growth shows the file's zeros there.
    // The partial last page keeps its copy. The private copies of a MAP_PRIVATE Vma (its
    // object is a PrivateFileObject over this one, not this object) are guarded by its
    // address space's lock, which comes before m_lock: so each space is pinned under
    // m_lock (a Vma on the list keeps it alive), m_lock is dropped, the space locked,
    // m_lock taken again, and every Vma of that space dealt with and marked. The list may
    // change meanwhile (a fork adds Vmas whose objects copied the parent's pages), so each
    // round looks again for a Vma this truncation has not marked.
    uint64_t mark = ++m_truncations;
    for (;;) {
        AddressSpace* space = nullptr;
        {
            MutexLocker locker(m_lock);
            for (Vma& vma : m_vmas) {
                if (vma.truncation_mark() == mark)
                    continue;
                // end() may be shrinking under a clip: read again under the space's lock.
                bool reaches = vma.page_offset() + (vma.end() - vma.start()) / kPageSize > first_index;
                if (holds_private_copies(vma) && vma.space() && reaches) {
                    space = vma.space();
                    space->pin();
                    break;
                }
                vma.set_truncation_mark(mark);  // Nothing private beyond the end.
            }
        }
        if (!space)
            return;
        {
            WriteLocker space_locker(space->lock());
            MutexLocker locker(m_lock);
            for (Vma& vma : m_vmas) {
                if (vma.space() != space || vma.truncation_mark() == mark)
                    continue;
                vma.set_truncation_mark(mark);
                if (holds_private_copies(vma))
                    space->discard_private_copies_from_locked(vma, first_index);
            }
        }
        space->unpin();
    }
}

std::optional<size_t> FileObject::evict_if_unused() {
    // The caller (the inode table's eviction, often from an allocating thread) must not
    // sleep: a lock held by page reclaim means "not now".
    if (m_lock.is_locked_by_current_thread() || !m_lock.try_lock())
        return std::nullopt;
    // An unused inode has no mappings (each holds a reference) and no reader: its pages are
    // normally all clean and idle. One that is not (dirtied since its last close, busy,
    // or held by a read that raced the last close) keeps the whole cache.
    ASSERT(m_vmas.empty());
    uint64_t index = 0;
    while (auto entry = m_pages.find_next(index)) {
        Page* page = entry->value;
        if (page->has_flag(kPageBusy) || page->has_flag(kPageDirty)
            || page->ref_count.load(std::memory_order_acquire) != 1) {
            m_lock.unlock();
            return std::nullopt;
        }
        index = entry->index + 1;
        if (index == 0)
            break;
    }
    size_t count = m_page_count.load(std::memory_order_relaxed);
    remove_range_locked(0, ~uint64_t(0));
    m_inode = nullptr;
    m_lock.unlock();
    // The inode's reference, taken over in for_inode().
    unref();
    return count;
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
        return;  // Recorded for the next fsync or close; the cached pages stay.
    remove_range_locked(first, end);
}

void FileObject::prefetch(uint64_t first, uint64_t end) {
    MutexLocker locker(m_lock);
    for (uint64_t index = first; index < end; ++index) {
        if (!m_inode || index >= (file_size() + kPageSize - 1) / kPageSize)
            return;
        if (m_pages.lookup(index))
            continue;
        // Advice, not an order: it never pushes other pages out.
        if (!reclaim::can_allocate_without_reclaim())
            return;
        // Read as a stream at the largest window: one request per kMaxReadahead pages.
        m_next_sequential = index;
        m_readahead_window = kMaxReadahead;
        auto page = get_page_locked(locker, index);
        if (page.is_error())
            return;
        page_unref(page.value());
    }
}
