// FileObject: one inode's page cache, and the VmObject that MAP_SHARED file mappings
// map (MAP_PRIVATE ones map a PrivateFileObject over it). read() and write() on a regular
// file go through it, so the bytes a mapping sees and the bytes read() returns are the same
// frames; they copy once, between the frames and user memory. write() copies into the
// cached pages and marks them dirty (write-back caching); they reach the disk later, through
// the flusher thread (mm/flusher.h), fsync, msync, reclaim or the inode's last reference.
// Stores through MAP_SHARED mappings dirty pages too.
//
//   fs::Inode ──m_page_cache (one reference)──> FileObject
//        ^                                        radix tree: file page index -> Page*
//        └──────────── m_inode (raw) ─────────────  0 -> Page (File, owner = object, index 0)
//                                                   3 -> Page (dirty: newer than the disk)
//
// Life cycle: FileObject::for_inode() creates the object on first use and attaches it to
// the inode, which holds one reference. It lives as long as the inode stays in memory, and
// that is longer than the inode's last reference: an unused inode with cached pages waits on
// the inode table's LRU (fs/inode_table.h) with its cache, so that the next open finds the
// pages. The cache goes in one of two ways:
//   - evict_if_unused(): the table evicts the unused inode (the shrinker, under memory
//     pressure or drop_caches); only a cache with every page clean and idle goes, whole,
//     with nothing written;
//   - inode_released(): the inode leaves the table at its last reference (unlinked, or with
//     nothing cached); it writes the dirty pages back (if the file still has links) and
//     drops every page.
// Either way the object lets go of the inode and drops the inode's reference. In between,
// page reclaim (mm/reclaim.h) may evict any page nobody is using, an unused inode's too.
//
// Reverse map: m_vmas lists every Vma that maps the object, so a page can be taken out of
// every page table that maps it (truncation, reclaim, fadvise) by computing its address in
// each Vma and removing the PTE there if it names the page's frame
// (AddressSpace::unmap_frame); reclaim's clock reads and clears the accessed bits of those
// PTEs the same way (AddressSpace::clear_accessed_frame). Faults map a page only while
// holding m_lock or m_pages_lock (for reading) and having found the page in the tree; a
// page leaves the tree under both (remove_page_locked), and its PTEs go after that, so once
// it has left, no PTE can name it again. The list holds the MAP_PRIVATE
// mappings too, whose object is a PrivateFileObject over this one
// (mm/private_file_object.h): they map this object's frames read-only. Their private
// copies are guarded by their address spaces' locks instead: a shrink drops them
// afterwards, visiting each such address space with its lock taken first and m_lock
// second (discard_private_copies).
//
// Invariants:
//   - Every page in the tree has use == File, owner == this, index == its key, holds
//     one reference on behalf of the object, and is on a reclaim queue.
//   - A PTE names a page of this object only while the page is in the tree.
//   - Bytes of a cached page beyond the end of file read as zero once the file grows over
//     them: fills read zeros there, truncation zeroes the tail of the new last page and
//     removes the pages wholly beyond the end, and growth (write, truncate) zeroes what a
//     store through a mapping may have put beyond the old end. Growing the file never
//     exposes stale bytes.
//   - Once a shrink has returned, no MAP_PRIVATE mapping's PrivateFileObject holds a copy
//     of a page wholly beyond the end of file: those go with the file's own pages.
//   - A dirty page (kPageDirty) holds data newer than its disk block; write-back clears
//     the flag before writing, so a store during the write re-dirties it. No page is dirty
//     while m_may_have_dirty_pages is false. A page write() dirtied also has
//     kPageDirtyCounted, which counts it in flusher::dirty_pages() until it is written
//     back or leaves the cache; an object with such pages is on the flusher's queue, or
//     was taken off it for a write-back that has not finished.
//   - m_write_error holds the first write-back failure since the last report (whoever
//     wrote back: the flusher, a throttled writer, reclaim, msync, the last close); the
//     next fsync or close reports it once. A failed write-back leaves its pages clean, so
//     no page stays dirty (or counted) for want of a disk that takes it.
//   - A busy page (kPageBusy) is being filled from the disk with m_lock released; nobody
//     reads or writes its contents until the flag is clear. Waiters sleep on m_busy_queue.
//
// Locking: m_lock (Mutex, rank VmObject) guards the tree, the page contents and dirty
// flags, and is held across write-back, a growth's tail zeroing and truncation I/O. The tree
// changes only under m_lock and m_pages_lock (RwLock, rank FilePages) held for writing,
// so either lock held (m_pages_lock for reading) keeps it still: a read fault on a cached
// page takes only the read lock (cached_page_for_fault), so faults from many address
// spaces on one file go side by side, and never wait for m_lock's I/O. m_lock is dropped
// while a fill is in flight and while read() and write() copy between a referenced frame
// and the caller's buffer (file_object_io.cc). The inode's lock (rank Inode) nests inside
// it. m_busy_lock (a spinlock held alone) orders the busy flag against the waiters' sleep.
// m_truncate_lock (rank FileWriters) is held by a truncation from start to end, around the
// address-space locks it takes, and by a write() from start to end, around its copy (whose
// faults take address-space locks and m_lock).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "arch/riscv64/per_hart_counter.h"
#include "fs/inode.h"
#include "lib/error_or.h"
#include "lib/ref_ptr.h"
#include "lib/intrusive_list.h"
#include "mm/user_memory.h"
#include "mm/vm_object.h"
#include "mm/vma.h"
#include "sync/mutex.h"
#include "sync/rw_lock.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

class StaleTlbs;  // mm/address_space.h

// Counters for vmstat, since boot.
struct PageCacheStatistics {
    uint64_t hits;         // Page lookups that found the page cached.
    uint64_t misses;       // Page lookups that had to bring a page in (fill or zero).
    uint64_t written_back; // Dirty pages written to the disk.
    uint64_t readahead;    // Pages read ahead of a sequential reader.
};

PageCacheStatistics page_cache_statistics();

namespace file_object_detail {
extern PerHartCounter g_hits;  // Pages handed out from the cache (statistics).
extern std::atomic<uint64_t> g_written_back;  // Pages written back (statistics).
}

// Whether eviction may take a page of a file that some Vma maps (reclaim: yes, out of every
// page table, unless the page was used since the clock last looked; drop_caches: no, as a
// mapped file is in use).
enum class EvictMapped : uint8_t { Yes, No };

// What FileObject::try_evict did with a page.
enum class EvictOutcome : uint8_t {
    Evicted,    // Out of the cache, its frame freed.
    Activated,  // Used since the clock's last look: moved to the active queue instead.
    Kept,       // Not evictable now (gone, busy, in use, dirty, its lock taken): left alone.
};

class FileObject final : public VmObject, public fs::InodePageCache {
public:
    // The page cache of `inode` (a regular file: EISDIR/EINVAL otherwise), created and
    // attached on first use. ENOMEM.
    static ErrorOr<RefPtr<FileObject>> for_inode(fs::Inode& inode);

    ~FileObject() override;

    // The object's lock, which the fault pipeline holds from looking a page up until its
    // PTE is in place (a read fault on a cached page holds pages_lock() for reading
    // instead): that is what lets the reverse map take a page out of every page table
    // without locking their address spaces.
    Mutex& lock() { return m_lock; }

    // The page tree's reader-writer lock (see Locking above): a read fault holds it for
    // reading from cached_page_for_fault() until its PTEs are in place.
    RwLock& pages_lock() { return m_pages_lock; }

    // The read fault's lookup, without m_lock: the cached page at `index`, or nullptr if
    // it is absent or busy (being filled), which the caller then asks of
    // page_for_fault_locked() under m_lock. Expects m_pages_lock held for reading: the
    // page stays in the cache (and its frame allocated) until the caller lets go of it.
    // A cached page lies within the file (truncation removes the pages beyond the new end
    // from the tree, under the write lock), and a mapped file's inode is attached (each
    // Vma holds it), so neither needs checking. Inline: it is the minor fault's lookup.
    Page* cached_page_for_fault(uint64_t index) {
        m_pages_lock.assert_locked();
        Page* page = m_pages.lookup(index);
        if (!page || page->has_flag(kPageBusy)) [[unlikely]]
            return nullptr;
        // Pairs with fill_run_locked()'s release fence: the bytes of a fill just finished are
        // visible before the page is mapped.
        std::atomic_thread_fence(std::memory_order_acquire);
        note_hit(*page);
        return page;
    }

    // The cached page at `index`, read from the file if absent (a major fault, counted).
    // Expects m_lock, held by `locker` (dropped and retaken while the page is read); the
    // page stays in the cache, unreferenced, for as long as the caller keeps the lock.
    // ENXIO if the page lies wholly beyond the end of file (the fault is a bus error);
    // EIO if the inode is gone; ENOMEM.
    // Inline: a cached page that is not being filled is every minor fault's answer. It
    // needs no size check (a cached page lies within the file, since truncation removes
    // the pages wholly beyond the new end under m_lock, which we hold) and no reference
    // taken and dropped (the tree's reference keeps the frame while m_lock is held).
    ErrorOr<Page*> page_for_fault_locked(MutexLocker& locker, uint64_t index) {
        m_lock.assert_locked();
        if (m_inode) [[likely]] {
            if (Page* page = m_pages.lookup(index); page && !page->has_flag(kPageBusy)) [[likely]] {
                note_hit(*page);
                return page;
            }
        }
        return page_for_fault_slow_locked(locker, index);
    }
    // The same, taking and releasing the lock itself (tests; not for mapping the page).
    ErrorOr<Page*> page_for_fault(uint64_t index) override;

    // The reverse map: every Vma that maps the file (MAP_SHARED, whose object this is, and
    // MAP_PRIVATE, whose PrivateFileObject passes these calls on) is on m_vmas from
    // construction to destruction. While any Vma maps the object, the
    // object also holds a reference to its inode, so that a mapping keeps the file alive
    // after close() and unlink().
    void mapping_added(Vma& vma) override;
    void mapping_removed(Vma& vma) override;
    // mprotect's merge: `lower` takes the older truncation mark (VmObject::mappings_merged).
    void mappings_merged(Vma& lower, const Vma& upper) override;

    // Page reclaim (mm/reclaim.h): evicts `page` if it is still the page at `index` on the
    // inactive queue, is not being read or used, and is clean (or `write_back` allows
    // writing it back first). It leaves every page table first. `may_block`: wait for the
    // lock rather than give up. With EvictMapped::Yes (the clock), a page used since the
    // last look is activated instead: its kPageReferenced flag, or the accessed bit of a
    // PTE that maps it (read and cleared through the reverse map; the harts that may
    // cache a cleared entry are added to `stale`, for the caller to flush). With
    // EvictMapped::No (drop_caches), a page of a mapped file stays, and use is not asked.
    EvictOutcome try_evict(uint64_t index, Page* page, bool write_back, bool may_block, StaleTlbs& stale,
                           EvictMapped mapped = EvictMapped::Yes);

    // Asked for each cached page of a range being written back: whether the calling
    // address space maps it writable (the probe then write-protects it, so that the next
    // store faults and dirties the page again).
    using WritableProbe = bool (*)(void* context, uint64_t index);
    // Marks dirty every cached page of [first, end) for which `probe` answers true.
    void mark_dirty_where(uint64_t first, uint64_t end, WritableProbe probe, void* context);
    // Writes back the dirty pages of [first, end), clipped at the end of file (msync,
    // munmap, exit). EIO; the pages are clean all the same, the failure recorded for the
    // next fsync or close (write_back_locked).
    ErrorOr<void> write_back_range(uint64_t first, uint64_t end);

    // read() and write() (file_object_io.cc) copy once, straight between the cached frames
    // and `to` or `from` (user memory, through a UserCursor, or a kernel buffer), with no
    // lock of the object held during the copy: a page is looked up (or read from the disk)
    // and referenced under m_lock, which is then dropped for the copy, so a copy that
    // faults on a mapping of this very file can take m_lock in the fault pipeline. The
    // reference keeps the frame, and keeps reclaim off the page.
    //
    // Copies file bytes from `offset` into `to` until it is full or the file ends; returns
    // the count: 0 at or past the end, short at a fault (EFAULT if it faulted before any
    // byte). A page truncated away during the copy still gives the bytes it held when it
    // was looked up (the read happened before the truncation). EIO, ENOMEM before any byte.
    ErrorOr<size_t> read(uint64_t offset, TransferBuffer& to);
    ErrorOr<size_t> read(uint64_t offset, void* buffer, size_t length) override;
    // Where write() puts the bytes: at `offset`, or at the end of file (O_APPEND), found
    // under the writers' lock so that two appenders never write over each other.
    enum class WriteAt : uint8_t { Offset, End };
    // Copies the bytes of `from` into the cached pages from `offset` (set to the end of file
    // first with WriteAt::End), marks them dirty and queues the object for the flusher
    // (write-back caching); a growth raises the size in memory (FileSystem::grow_cached_size,
    // delayed allocation: blocks are allocated at write-back). Returns the count, short when
    // the source faulted part-way (EFAULT before any byte) or the calling process must die
    // (current_process_must_die(), asked between batches). Nothing that was not written is
    // left for a later read to see: a source that faults leaves the rest of its page as it
    // was (old bytes, or zeros beyond the end), and pages beyond the end of file enter the
    // cache only once the size covers them. A page written whole is not read from the disk
    // first. Above flusher::hard_limit() dirty pages, the writer first writes back its own
    // file's dirty pages (throttling); a failure of that write-back is this call's error (or
    // a short count). Writers and truncations of the file take turns (m_truncate_lock, held
    // across the copy). EFBIG at or beyond the largest file; ENOMEM; EIO; ENOSPC (throttled).
    ErrorOr<size_t> write(TransferBuffer& from, uint64_t& offset, WriteAt where = WriteAt::Offset);
    // The same from a kernel buffer at `offset` (self-tests, kernel writers).
    ErrorOr<size_t> write(uint64_t offset, const void* buffer, size_t length);
    // Sets the size on disk, drops the pages wholly beyond it and zeroes the rest of the new
    // last page. A shrink also drops, in every MAP_PRIVATE mapping of the file, the private
    // copies of the pages wholly beyond the new end (discard_private_copies). One
    // truncation of the file at a time.
    ErrorOr<void> truncate(uint64_t size);
    // Writes back every dirty page (clipped at the end of file), then makes the data and
    // metadata durable (FileSystem::fsync). A write-back failure recorded since the last
    // report (m_write_error) is returned, and forgotten, even if this one succeeded.
    ErrorOr<void> sync();
    // The flusher's write-back (mm/flusher.h): every dirty page, then the size
    // (FileSystem::log_size). A failure is recorded for the next fsync or close, and the
    // pages are clean all the same (write_back_locked). Nothing if the inode is gone.
    ErrorOr<void> write_back_queued();
    // close(): the write-back failure recorded since the last report, if any (forgotten
    // once returned).
    ErrorOr<void> take_write_error();
    // Self-tests only: the tree refuses the next `count` fresh pages write() publishes, as
    // it would with no memory for a node, so they are written through (write_through_locked).
    static void fail_next_written_page_inserts_for_test(uint32_t count);

    // The flusher's queue (mm/flusher.h): its node, whether the object is on it, and when it
    // joined. Guarded by the flusher's queue lock.
    ListNode m_dirty_node;
    bool m_queued { false };
    uint64_t m_dirtied_at { 0 };

    void inode_released(bool keep_data) override;
    void write_back_before_unused() override;
    size_t cached_page_count() const override { return m_page_count.load(std::memory_order_relaxed); }
    std::optional<size_t> evict_if_unused() override;

    // madvise(MADV_WILLNEED) and posix_fadvise(POSIX_FADV_WILLNEED): reads the pages of
    // [first, end) that are not cached, in large requests, while memory is free for them.
    void prefetch(uint64_t first, uint64_t end);

    // posix_fadvise(POSIX_FADV_DONTNEED): writes back the dirty pages of [first, end) and
    // drops them all (mapped ones leave their page tables first), so that the next access
    // reads the disk.
    void drop_cached_pages(uint64_t first, uint64_t end);

private:
    // page_for_fault_locked() when the page is absent or busy (or the inode gone).
    ErrorOr<Page*> page_for_fault_slow_locked(MutexLocker& locker, uint64_t index);

    // A page handed out from the cache: referenced for reclaim's clock (written only when
    // it changes, so a hot page's flag word is not dirtied on every hit), and counted.
    static void note_hit(Page& page) {
        note_referenced(page);
        file_object_detail::g_hits.add();
    }
    // note_hit() without the count, for read() and write(), which count a batch at once.
    static void note_referenced(Page& page) {
        if (!page.has_flag(kPageReferenced))
            page.set_flag(kPageReferenced);
    }

    explicit FileObject(fs::Inode& inode)
        : VmObject(Sharing::SharedTrackingDirty, this)
        , m_inode(&inode)
    {
    }

    // --- write() (file_object_io.cc) ---
    // A page of one write batch: the cache's page, referenced, or a fresh zeroed frame of
    // the writer's own (a page beyond the end of file, or one the batch covers whole that
    // was not cached), which enters the cache only once written.
    struct WritePage {
        Page* page;
        bool fresh;
        bool within_file;  // Fresh, and the file reaches it (the batch covers it whole).
        bool whole;        // Fresh, and the batch covers it whole: not zeroed first.
    };
    // One batch of write(): [position, position + length) within kBatchPages pages; pins,
    // copies, grows the size and publishes dirty. Expects m_truncate_lock, not m_lock.
    ErrorOr<size_t> write_batch(TransferBuffer& from, uint64_t position, size_t length);
    // Step 1: a WritePage for each of the `count` pages of [position, position + length)
    // (cached pages referenced, pages within the file not cached read from the disk, fresh
    // frames allocated). Returns the file size. ENOMEM, EIO. Expects m_truncate_lock.
    ErrorOr<uint64_t> pin_for_write(uint64_t position, size_t length, WritePage* pages, uint32_t count);
    // Step 2, with no lock of the object held: copies from `from` into the pages, in
    // order; returns the bytes that arrived.
    size_t copy_into_pinned(TransferBuffer& from, uint64_t position, size_t length, WritePage* pages,
                            uint32_t count);
    // The source faulted part-way into a fresh frame of a page within the file: fills the
    // frame from byte `from_byte` on with the file's bytes from the disk. False if it could
    // not (no memory, EIO).
    bool complete_from_disk(Page* page, uint64_t index, size_t from_byte);
    // Between steps 2 and 3: a page whose cached copy is not the frame this write pinned
    // (it was not cached, or left the cache, and a fault or fill put another copy there
    // during the copy, which a mapping may have stored to and written back since) takes the
    // bytes that arrived, and the write goes on with that copy: so the page dirtied is the
    // cache's, never an older image that would undo those stores. Expects m_lock, and no fill in flight over the batch.
    void adopt_cached_copies_locked(uint64_t position, size_t arrived, WritePage* pages, uint32_t count);
    // A write at `position` beyond the old end `old_size`: zeroes the old last page's bytes
    // from the old end to `position` (or its end), in the cache and in `first_page`, the
    // batch's first page, if that is the same page. Expects m_lock.
    void zero_gap_locked(uint64_t old_size, uint64_t position, uint64_t first, Page* first_page);
    // Step 3, once the size covers `stored` of the `arrived` bytes: the pages holding them
    // are marked dirty, fresh frames (and pages that left the cache meanwhile) among them
    // enter the cache, cached pages holding bytes that were not stored leave it, and every
    // reference is dropped. Expects m_lock, held since adopt_cached_copies_locked.
    void publish_written_locked(uint64_t position, size_t arrived, size_t stored, WritePage* pages, uint32_t count);
    // A fresh page holding stored bytes that the tree could not take (no memory for a
    // node): its bytes go straight to the disk, so the count write() returns stays true; a
    // failure is recorded for the next fsync or close, as a write-back's is. Sets
    // m_may_have_dirty_pages, so that the last close logs a size the write raised within
    // a block the file had (write_pages logs nothing then). Expects m_lock.
    void write_through_locked(uint64_t index, Page* page);

    // Waits until no page in [first_index, end_index) is being filled from the disk.
    // Expects m_lock, held by `locker`; may drop and retake it.
    void wait_for_fills_locked(MutexLocker& locker, uint64_t first_index, uint64_t end_index);

    // The page at `index` with one reference for the caller, read from the file if absent.
    // Expects m_lock, which it may drop and take again while allocating, waiting or
    // filling. `filled_from_disk`, if given, is set when the page had to be read (the lock
    // was dropped then, so the page may have left the cache again by the time it returns).
    // ENXIO if the file no longer reaches `index` after a drop.
    ErrorOr<Page*> get_page_locked(MutexLocker& locker, uint64_t index, bool* filled_from_disk = nullptr);
    // get_page_locked's miss, first half: frames for the readahead window of `index`
    // (allocated with m_lock dropped), inserted busy into the cache as one run that ends at
    // the end of file and at the first page already cached; returns the run's length, the
    // frames in `pages` (room for kMaxReadahead). 0: someone else filled `index` meanwhile (look again). ENOMEM,
    // ENXIO (truncated meanwhile), EIO (the inode is gone). Expects m_lock.
    ErrorOr<uint32_t> insert_missing_run_locked(MutexLocker& locker, uint64_t index, Page** pages);
    // Second half: reads the run from the disk with m_lock dropped, then clears the busy
    // flags and wakes the waiters; on a read error the run leaves the cache again.
    // Expects m_lock.
    ErrorOr<void> fill_run_locked(MutexLocker& locker, uint64_t index, Page* const* pages, uint32_t count);
    // The file grew from `old_size`: the bytes of the old last page beyond it, which a store
    // through a mapping may have set, must read as zeros now that they are file data (the
    // file system zeroes them on the disk). Expects m_lock.
    void zero_beyond_end_locked(uint64_t old_size);
    // Readahead: how many pages to read for a miss at `index` (1 unless the misses are
    // sequential), updating the stream state. Expects m_lock.
    uint32_t readahead_window_locked(uint64_t index);
    // A frame for a page read ahead: only from frames that are free anyway (nullptr below
    // the reclaim watermark), and never waiting.
    static Page* allocate_readahead_page();
    // Calls visit(space, address) for every mapping of the file's page `index` (through
    // m_vmas, the reverse map). Expects m_lock. Defined in file_object.cc, its one user.
    template<typename Visit>
    void for_each_mapping_locked(uint64_t index, Visit visit);
    // Takes the frames of `page` (at `index`) out of every page table that maps it.
    // Expects m_lock.
    void unmap_everywhere_locked(uint64_t index, Page* page);
    // Takes `page` out of every page table, off the reclaim queue and out of the cache,
    // dropping the cache's reference. Expects m_lock.
    void remove_page_locked(uint64_t index, Page* page);
    // Puts `page` (owner and index set) in the tree at `index`, counts it and hands it to
    // reclaim: the one way a page enters the cache, so that m_page_count stays exact.
    // ENOMEM if the tree cannot grow. Expects m_lock.
    ErrorOr<void> insert_page_locked(uint64_t index, Page* page);
    // remove_page_locked() for every cached page in [first, end). Expects m_lock.
    void remove_range_locked(uint64_t first, uint64_t end);
    // A shrink's second half: every MAP_PRIVATE Vma of the object loses its private copies
    // of the pages from `first_index` on (AddressSpace::discard_private_copies_from_locked),
    // one address space at a time, each locked before m_lock (the lock order), with m_lock
    // released in between. Expects m_truncate_lock and not m_lock.
    void discard_private_copies(uint64_t first_index);
    EvictOutcome evict_locked(uint64_t index, Page* page, bool write_back, EvictMapped mapped, StaleTlbs& stale);
    // Whether `page` (at `index`) was used since the clock last asked: tests and clears its
    // kPageReferenced flag and the accessed bit of every PTE that maps it (the reverse
    // map), adding to `stale` the harts that may cache a cleared entry. Expects m_lock.
    bool used_since_last_look_locked(uint64_t index, Page* page, StaleTlbs& stale);
    // Sleeps until `page` (referenced by the caller) is no longer busy. Expects no spinlock.
    void wait_until_not_busy(Page* page);
    // Writes back the dirty pages of [first, end), and leaves none dirty there: a run that
    // fails is clean all the same (its bytes lost to the disk), its failure recorded
    // (record_write_error_locked), and the runs after it are still written. Returns the
    // first failure. Expects m_lock.
    ErrorOr<void> write_back_locked(uint64_t first, uint64_t end);
    // write_back_locked with room for `capacity` pages per write_pages call (`frames`: the
    // caller's array). Expects m_lock.
    ErrorOr<void> write_back_clustered_locked(uint64_t first, uint64_t end, const void** frames, uint32_t capacity);
    // write() dirtied `page`: kPageDirty, and kPageDirtyCounted counted once. Expects m_lock.
    static void mark_written_locked(Page& page);
    // `page` is clean now, or leaves the cache: its count goes. Expects m_lock.
    static void uncount_dirty(Page& page);
    // Records a write-back failure for the next fsync or close (the first one wins).
    // Expects m_lock.
    void record_write_error_locked(const Error& error);
    // A throttled writer (flusher::over_hard_limit): writes back this object's dirty pages
    // before dirtying more. Expects m_truncate_lock.
    ErrorOr<void> throttle_writer();
    uint64_t file_size() const;
    // The size without the inode's lock, for read() and write(): while the cache is
    // attached, a regular file's size changes only through it (write(), truncation)
    // and with m_lock held, so m_lock is enough to read it. Expects m_lock, m_inode set.
    uint64_t size_locked() {
        m_lock.assert_locked();
        return m_inode->size();
    }

    fs::Inode* m_inode;  // Valid while attached: until inode_released() or evict_if_unused().
    // Pages in m_pages (insert_page_locked, remove_page_locked): changed under m_lock, read
    // without it (cached_page_count()).
    std::atomic<size_t> m_page_count { 0 };
    // Whether a page may be dirty: set when a Vma maps the object (stores through a
    // MAP_SHARED mapping dirty pages; mark_dirty_where comes from one too), when write()
    // dirties a page, and when it writes one through (write_through_locked: the size it
    // raised in memory is logged by the last close, like a write-back's); cleared by
    // write_back_before_unused() once everything is written (and the size logged) and
    // nothing maps the object. Anything new that dirties a page must set it. Guarded by
    // m_lock.
    bool m_may_have_dirty_pages { false };
    // The first unreported write-back failure (an errno), 0 if none. Guarded by m_lock.
    int m_write_error { 0 };
    // The Vmas that map the object: the reverse map. Going from none to one takes a
    // reference to the inode, back to none drops it. Guarded by m_lock.
    IntrusiveList<Vma, &Vma::m_object_node> m_vmas;
    // Readahead (readahead_window_locked): a miss at m_next_sequential continues a stream;
    // the window is the number of pages the last miss read. Guarded by m_lock.
    static constexpr uint32_t kInitialReadahead = 4;
    static constexpr uint32_t kMaxReadahead = 32;  // 128 KiB: one virtio request.
    uint64_t m_next_sequential { 0 };
    uint32_t m_readahead_window { 1 };
    Mutex m_lock { "file object", LockRank::VmObject };
    // Held for writing, inside m_lock, around every change of m_pages; for reading by read
    // faults (see Locking above).
    RwLock m_pages_lock { "file object pages", LockRank::FilePages };
    // Serializes truncations and writes: a shrink drops private copies after releasing
    // m_lock, and a later truncation (a growth) must not overtake it; a write() holds it
    // from looking its pages up until they are dirty in the cache (across the user copy, with
    // m_lock dropped), so that no truncation removes or zeroes a page under a write and no
    // two writers interleave. Taken before any address-space lock (a write's copy may fault,
    // which takes one), after an open file's offset lock.
    Mutex m_truncate_lock { "file object writers", LockRank::FileWriters };
    // Numbers the shrinks, for the Vmas' truncation marks. Guarded by m_truncate_lock.
    uint64_t m_truncations { 0 };
    Spinlock m_busy_lock { "file object busy", LockRank::None };
    WaitQueue m_busy_queue { "file object busy" };
};

// Truncation through the page cache when the inode has one, so that cached pages beyond the
// new end go too (open with O_TRUNC uses it).
ErrorOr<void> truncate_through_page_cache(fs::Inode& inode, uint64_t size);
