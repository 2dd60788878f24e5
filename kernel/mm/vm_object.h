// VmObject: what a Vma maps. A reference-counted owner of frames, indexed by page number
// through a radix tree (sparse: an 8 MiB stack with three touched pages costs three
// entries).
//
//   Vma [start, end) --object, page_offset--> VmObject
//                                              radix tree: page index -> Page*
//                                                  5 -> Page (ref_count 1)
//                                                  6 -> Page (ref_count 2, also in the
//                                                         parent's object after fork)
//
// The kinds, each a class, told apart by two properties fixed at construction:
// is_shared() (every mapper uses the object's own frames) and file() (the page cache
// behind its pages, or nullptr for anonymous memory):
//   - AnonObject (private, no file): demand-zero memory (text, data, heap, stack,
//     mmap(MAP_PRIVATE | MAP_ANONYMOUS)), copy-on-write across fork.
//   - SharedAnonObject (shared, no file): mmap(MAP_SHARED | MAP_ANONYMOUS). Fork hands the
//     child the same object, so every mapper in every process sees the same frames; the
//     frames live until the last Vma referring to the object is gone.
//   - FileObject (shared, file() is itself; mm/file_object.h): an inode's page cache,
//     which MAP_SHARED file mappings map.
//   - PrivateFileObject (private, file() is the file's FileObject;
//     mm/private_file_object.h): a MAP_PRIVATE file mapping: its tree holds the mapping's
//     private copies, copy-on-write across fork like an AnonObject's; every other page is
//     the file's.
// The fault pipeline (mm/fault.cc) picks its step from those two properties.
//
// Copy-on-write is done with per-frame reference counts rather than shadow objects:
// fork gives the child its own private object whose radix tree names the very same Pages,
// each page_ref()'d once more (clone_for_fork). A frame with ref_count > 1 is therefore
// shared by several objects and is never mapped writable; the first write copies it (or
// takes it over when the count has dropped back to 1). See docs/vm.md for why this and not
// shadow chains.
//
// Invariants:
//   - Every Page in the tree holds one reference on behalf of this object (page_ref),
//     dropped by remove_pages() or the destructor; use == Anonymous (File for a
//     FileObject, mm/file_object.h).
//   - A private object (!is_shared()) belongs to exactly one AddressSpace (several of its
//     Vmas may share it after a clip), so that address space's lock guards the tree. A
//     frame whose ref_count is 1 therefore cannot gain a sharer while that lock is held.
//   - A shared object (is_shared()) may be mapped by several address spaces at once; its
//     frames are never copied on write and are only freed when the object dies. Its tree
//     is guarded by its own mutex (rank VmObject), taken inside the address-space lock.
//
// Locking: a private object has no lock of its own (see above); callers hold the owning
// address space's lock for writing. A shared object locks itself in page_for_fault().
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "lib/radix_tree.h"
#include "lib/ref_ptr.h"
#include "mm/page.h"
#include "mm/reclaim.h"
#include "sync/mutex.h"

class FileObject;
class Vma;

class VmObject : public RefCounted<VmObject> {
public:
    virtual ~VmObject();
    VmObject(const VmObject&) = delete;
    VmObject& operator=(const VmObject&) = delete;

    // Where an index lives in the tree (page_place below).
    using PagePlace = RadixTree<Page>::Place;

    // What the object is, fixed by its class at construction. Plain fields rather than
    // virtual calls: the fault pipeline asks on every fault.
    enum class Sharing : uint8_t { Private, Shared, SharedTrackingDirty };

    // Whether the object's frames are shared by every Vma that maps it, in any address
    // space (MAP_SHARED): stores go to the object's own frame, fork shares the object, and
    // munmap drops only page-table entries, never frames.
    bool is_shared() const { return m_sharing != Sharing::Private; }

    // The page cache behind the object's pages: a FileObject's is itself, a
    // PrivateFileObject's is the file it maps; nullptr for anonymous memory, whose absent
    // pages are zero-filled.
    FileObject* file() const { return m_file; }

    // The frame that backs `index`, brought in if absent (anonymous memory zero-fills it;
    // a shared anonymous object under its own lock). The caller holds the address-space
    // lock for writing. ENOMEM. A file object reads the file here, and answers ENXIO
    // beyond the end of file.
    virtual ErrorOr<Page*> page_for_fault(uint64_t index);

    // Demand-zero, the one place a zeroed frame is allocated and inserted: a zeroed frame
    // for `index`, owned by this object, put at `place`, which page_place(index) found
    // empty with the tree unchanged since. nullptr if no frame could be had (ENOMEM). May
    // wait for reclaim. Inline: it is every zero-fill fault's body.
    [[gnu::always_inline]] Page* zero_fill_at(PagePlace place, uint64_t index) {
        Page* page = reclaim::allocate_user_page(ZeroFill::Yes, PageUse::Anonymous);
        if (!page) [[unlikely]]
            return nullptr;
        page->owner = this;
        page->index = index;
        if (insert_page_at(place, index, page).is_error()) [[unlikely]] {
            free_page(page);
            return nullptr;
        }
        return page;
    }

    // Whether stores into the object's frames must be recorded for write-back (a file's
    // page cache): the fault pipeline then maps a page writable only on a write fault,
    // which sets the page's kPageDirty flag, since Sv39 here has no hardware dirty bits.
    bool tracks_dirty() const { return m_sharing == Sharing::SharedTrackingDirty; }

    // fork: what the child's Vma maps for the object's indices [first, first + count). A
    // shared object is itself (the child maps the same frames); a private one is a new
    // object of its kind naming the same frames, each page_ref()'d (copy-on-write). ENOMEM
    // leaves nothing behind.
    virtual ErrorOr<RefPtr<VmObject>> clone_for_fork(uint64_t first, uint64_t count) const;

    // A Vma started or stopped referring to the object (construction, clip, destruction).
    // A file object keeps its inode alive while any Vma maps it; others need nothing.
    // Called with the owning address space's lock held.
    // A file object also links the Vma into its reverse map (mm/file_object.h).
    virtual void mapping_added(Vma&) {}
    virtual void mapping_removed(Vma&) {}
    // mprotect merged `upper` into `lower` (VmaTreeOps::merge_next; both map the object,
    // and lower now covers upper's range); upper is removed next. A file object gives
    // lower the older of the two truncation marks, under the lock that guards them, so
    // that a truncation under way still deals with upper's pages. Called with the owning
    // address space's lock held.
    virtual void mappings_merged(Vma&, const Vma&) {}

    // The frame at `index`, or nullptr if none is resident.
    Page* lookup_page(uint64_t index) const { return m_pages.lookup(index); }

    // The fault path's access to the tree, one walk per fault: page_place(index) finds
    // where index lives and page_at(place) is its frame or nullptr; insert_page_at and
    // swap_page_at act there without walking again, provided the tree has not changed
    // since page_place() (the caller holds the lock that keeps it so). insert_page_at
    // takes over one reference the caller holds (EEXIST if the index is taken, ENOMEM if
    // the tree cannot grow; the caller keeps its reference then).
    PagePlace page_place(uint64_t index) const { return m_pages.place(index); }
    static Page* page_at(PagePlace place) { return RadixTree<Page>::at(place); }
    ErrorOr<void> insert_page_at(PagePlace place, uint64_t index, Page* page) {
        return m_pages.insert_at(place, index, page);
    }
    // Copy-on-write's swap: puts `page` (taking over the caller's reference) where a frame
    // is, and returns that frame with the object's reference, for the caller to drop.
    Page* swap_page_at(PagePlace place, Page* page) {
        Page* old = RadixTree<Page>::replace_at(place, page);
        ASSERT(page && old);
        return old;
    }

    // pages[i] = the frame at first + i, or nullptr, for i < count; returns how many are
    // resident. One tree walk per 64 indices (RadixTree::lookup_range): fault-around's.
    size_t lookup_pages(uint64_t first, size_t count, Page** pages) const {
        return m_pages.lookup_range(first, count, pages);
    }

    // Drops the frames at indices [first, first + count) (absent ones are skipped).
    void remove_pages(uint64_t first, uint64_t count);

    size_t resident_page_count() const { return m_pages.size(); }

    template<typename Callback>
    void for_each_page(Callback callback) const { m_pages.for_each(callback); }

protected:
    explicit VmObject(Sharing sharing, FileObject* file = nullptr)
        : m_sharing(sharing)
        , m_file(file)
    {
    }

    // clone_for_fork's half for private objects: gives `clone` (new, empty) the frames of
    // [first, first + count), each page_ref()'d. The tree is copied a whole 64-slot node at
    // a time (RadixTree::try_clone_from), so the cost is one allocation per 64 resident
    // pages plus one atomic increment per page. ENOMEM takes no reference.
    ErrorOr<void> share_pages_with(VmObject& clone, uint64_t first, uint64_t count) const;

    RadixTree<Page> m_pages;

private:
    const Sharing m_sharing;
    FileObject* const m_file;
};

class AnonObject final : public VmObject {
public:
    static ErrorOr<RefPtr<AnonObject>> try_create();

    // fork: a new AnonObject naming the same frames (share_pages_with).
    ErrorOr<RefPtr<VmObject>> clone_for_fork(uint64_t first, uint64_t count) const override;

private:
    AnonObject()
        : VmObject(Sharing::Private)
    {
    }
};

class SharedAnonObject final : public VmObject {
public:
    static ErrorOr<RefPtr<SharedAnonObject>> try_create();

    ErrorOr<Page*> page_for_fault(uint64_t index) override;

private:
    SharedAnonObject()
        : VmObject(Sharing::Shared)
    {
    }

    // Two address spaces may fault the same index at once; this serializes the
    // lookup-or-insert so that both end up with one frame.
    Mutex m_lock { "shared anon object", LockRank::VmObject };
};
