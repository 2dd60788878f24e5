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
// Two kinds so far:
//   - AnonObject: private, demand-zero memory (text, data, heap, stack,
//     mmap(MAP_PRIVATE | MAP_ANONYMOUS)), copy-on-write across fork.
//   - SharedAnonObject: mmap(MAP_SHARED | MAP_ANONYMOUS). Fork hands the child the same
//     object, so every mapper in every process sees the same frames; the frames live until
//     the last Vma referring to the object is gone.
// FileObject (mm/file_object.h) is an inode's page cache, a shared object whose
// page_for_fault() reads the file. The fault pipeline asks the object for a page through
// page_for_fault() and only cares whether the object is shared (is_shared()).
//
// Copy-on-write is done with per-frame reference counts rather than shadow objects:
// fork gives the child its own AnonObject whose radix tree names the very same Pages, each
// page_ref()'d once more. A frame with ref_count > 1 is therefore shared by several
// objects and is never mapped writable; the first write copies it (or takes it over when
// the count has dropped back to 1). See docs/vm.md for why this and not shadow chains.
//
// Invariants:
//   - Every Page in the tree holds one reference on behalf of this object (page_ref),
//     dropped by remove_page() or the destructor; use == Anonymous.
//   - An AnonObject belongs to exactly one AddressSpace (several of its Vmas may share it
//     after a clip), so that address space's lock guards the tree. A frame whose
//     ref_count is 1 therefore cannot gain a sharer while that lock is held.
//
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
#include "sync/mutex.h"

class Vma;

class VmObject : public RefCounted<VmObject> {
public:
    virtual ~VmObject();
    VmObject(const VmObject&) = delete;
    VmObject& operator=(const VmObject&) = delete;

    // What the object is, fixed by its class at construction. Plain fields rather than
    // virtual calls: the fault pipeline asks on every fault.
    enum class Sharing : uint8_t { Private, Shared, SharedTrackingDirty };

    // Whether the object's frames are shared by every Vma that maps it, in any address
    // space (MAP_SHARED): stores go to the object's own frame, fork shares the object, and
    // munmap drops only page-table entries, never frames.
    bool is_shared() const { return m_sharing != Sharing::Private; }

    // The frame that backs `index`, brought in if absent (a private or shared anonymous
    // object zero-fills it). The caller holds the address-space lock for writing. ENOMEM.
    // A file object reads the file here, and answers ENXIO beyond the end of file.
    virtual ErrorOr<Page*> page_for_fault(uint64_t index);

    // Demand-zero: allocates a zeroed frame for `index`, which must be absent, and inserts
    // it (page_for_fault's second half). ENOMEM. The fault pipeline calls it directly for
    // a private object, whose tree it has just looked in under the address-space lock;
    // a shared object must be locked by the caller (its page_for_fault does that).
    ErrorOr<Page*> zero_fill_page(uint64_t index);

    // Whether stores into the object's frames must be recorded for write-back (a file's
    // page cache): the fault pipeline then maps a page writable only on a write fault,
    // which sets the page's kPageDirty flag, since Sv39 here has no hardware dirty bits.
    bool tracks_dirty() const { return m_sharing == Sharing::SharedTrackingDirty; }

    // A Vma started or stopped referring to the object (construction, clip, destruction).
    // A file object keeps its inode alive while any Vma maps it; others need nothing.
    // Called with the owning address space's lock held.
    // A file object also links the Vma into its reverse map (mm/file_object.h).
    virtual void mapping_added(Vma&) {}
    virtual void mapping_removed(Vma&) {}

    // The frame at `index`, or nullptr if none is resident.
    Page* lookup_page(uint64_t index) const { return m_pages.lookup(index); }

    // lookup_page, insert_page and replace_page sharing one walk of the tree (the fault
    // path's): page_place(index) finds where index lives and page_at(place) is its frame or
    // nullptr; insert_page_at and swap_page_at act there without walking again, provided
    // the tree has not changed since page_place() (the caller holds the lock that keeps it
    // so).
    using PagePlace = RadixTree<Page>::Place;
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

    // Adds `page` at `index`, taking over one reference the caller holds. EEXIST if the
    // index is taken, ENOMEM if the tree cannot grow; the caller keeps its reference then.
    ErrorOr<void> insert_page(uint64_t index, Page* page);

    // Replaces the frame at `index` (which must exist) with `page`, taking over the
    // caller's reference to `page` and dropping the object's reference to the old one.
    // Cannot fail: the radix-tree slot already exists.
    void replace_page(uint64_t index, Page* page);

    // Drops the frames at indices [first, first + count) (absent ones are skipped).
    void remove_pages(uint64_t first, uint64_t count);

    size_t resident_page_count() const { return m_pages.size(); }

    template<typename Callback>
    void for_each_page(Callback callback) const { m_pages.for_each(callback); }

protected:
    explicit VmObject(Sharing sharing)
        : m_sharing(sharing)
    {
    }

    RadixTree<Page> m_pages;

private:
    const Sharing m_sharing;
};

class AnonObject final : public VmObject {
public:
    static ErrorOr<RefPtr<AnonObject>> try_create();

    // A new object naming the same frames as this one at indices [first, first + count),
    // each page_ref()'d: the copy-on-write half of fork. The radix tree is copied a whole
    // 64-slot node at a time (RadixTree::try_clone_from), so the cost is one allocation per
    // 64 resident pages plus one atomic increment per page. ENOMEM leaves nothing behind:
    // no reference is taken until the copy is complete.
    ErrorOr<RefPtr<AnonObject>> try_clone_shared(uint64_t first, uint64_t count) const;

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
