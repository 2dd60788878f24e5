// Self-tests of the clock's look for use (mm/reclaim.h): a mapped page whose PTE was used
// since the last look (its accessed bit set) is activated, not evicted, and the look clears
// the bit; an unused one is evicted out of its page table; the dirty state of a MAP_SHARED
// page survives the look; and a fault on a present page whose accessed bit is clear (what
// a core that traps instead of setting A raises) sets the bit again without I/O. Each test
// works on its own one-page file in an address space that no hart runs.
#include "arch/riscv64/page_table.h"
#include "fs/file_system.h"
#include "fs/root_file_system.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/fault.h"
#include "mm/file_object.h"
#include "mm/physical_allocator.h"
#include "mm/scoped_frame.h"

using namespace sv39;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBase = 0x400000;

// A one-page file, cached and mapped MAP_SHARED read-write at kBase of its own address
// space, and the page's first read fault taken (so its PTE is there, with A set).
struct MappedPage {
    fs::FileSystem* fs { nullptr };
    const char* path { nullptr };
    RefPtr<fs::Inode> inode;
    RefPtr<FileObject> cache;
    OwnPtr<AddressSpace> space;

    bool create(const char* name) {
        fs = root_file_system();
        path = name;
        if (!fs)
            return false;
        auto file = fs->create_file(*fs->root(), name);
        if (file.is_error())
            return false;
        inode = file.release_value();
        auto object = FileObject::for_inode(*inode);
        if (object.is_error())
            return false;
        cache = object.release_value();
        ScopedFrame buffer;
        if (!buffer.ok())
            return false;
        klib::memset(buffer.data(), 0x5a, kPage);
        if (cache->write(0, buffer.data(), kPage).is_error())
            return false;
        auto created = AddressSpace::try_create();
        if (created.is_error())
            return false;
        space = created.release_value();
        auto start = space->map_file_region(kBase, kPage, Prot::Read | Prot::Write, MapPlacement::Fixed, cache, 0,
                                            Prot::Read | Prot::Write, MapSharing::Shared);
        return !start.is_error() && handle_page_fault(*space, kBase, Access::Read) == FaultResult::Resolved;
    }

    Page* page() { return cache->lookup_page(0); }
    std::optional<Translation> pte() { return space->page_table().translate(kBase); }

    ~MappedPage() {
        space = nullptr;  // Unmaps (writing back) before the file goes.
        cache = nullptr;
        inode = nullptr;
        if (fs && path)
            (void)fs->unlink(*fs->root(), path);
    }
};

}  // namespace

KTEST(Reclaim, MappedPageUsedSinceTheLastLookIsActivatedAndItsAccessedBitCleared) {
    MappedPage file;
    KASSERT(file.create("/ktest-reclaim-used"));
    Page* page = file.page();
    KASSERT(page);
    page->clear_flag(kPageReferenced);  // Only the PTE says it was used.
    KASSERT(file.pte() && has_any(file.pte()->flags, PteFlags::Accessed));
    StaleTlbs stale;
    KEXPECT(file.cache->try_evict(0, page, true, true, stale) == EvictOutcome::Activated);
    KEXPECT(stale.empty());  // No hart runs the space: no TLB can hold the entry.
    KEXPECT_EQ(page, file.page());
    KEXPECT(page->has_flag(kPageActive));
    auto pte = file.pte();
    KASSERT(pte);
    KEXPECT_EQ(page_to_phys(page), pte->phys);
    KEXPECT(!has_any(pte->flags, PteFlags::Accessed));
    // On the active queue it is no candidate of the inactive hand.
    KEXPECT(file.cache->try_evict(0, page, true, true, stale) == EvictOutcome::Kept);
}

KTEST(Reclaim, MappedPageUnusedSinceTheLastLookIsEvictedFromItsPageTable) {
    MappedPage file;
    KASSERT(file.create("/ktest-reclaim-unused"));
    Page* page = file.page();
    KASSERT(page && !page->has_flag(kPageActive));
    StaleTlbs stale;
    KEXPECT(file.space->clear_accessed_frame(kBase, page_to_phys(page), stale));
    KEXPECT(!file.space->clear_accessed_frame(kBase, page_to_phys(page), stale));  // Already clear.
    page->clear_flag(kPageReferenced);
    KEXPECT(file.cache->try_evict(0, page, true, true, stale) == EvictOutcome::Evicted);
    KEXPECT(!file.pte());
    KEXPECT(file.cache->lookup_page(0) == nullptr);
}

KTEST(Reclaim, ClearingTheAccessedBitKeepsADirtySharedPageDirtyAndWritable) {
    MappedPage file;
    KASSERT(file.create("/ktest-reclaim-dirty"));
    KASSERT(handle_page_fault(*file.space, kBase, Access::Write) == FaultResult::Resolved);
    Page* page = file.page();
    KASSERT(page && page->has_flag(kPageDirty));
    StaleTlbs stale;
    KEXPECT(file.space->clear_accessed_frame(kBase, page_to_phys(page), stale));
    auto pte = file.pte();
    KASSERT(pte);
    KEXPECT(has_all(pte->flags, PteFlags::Write | PteFlags::Dirty));
    KEXPECT(!has_any(pte->flags, PteFlags::Accessed));
    KEXPECT(page->has_flag(kPageDirty));
    // Found unused, it is written back before it goes (direct reclaim, which writes nothing
    // back, leaves it).
    page->clear_flag(kPageReferenced);
    KEXPECT(file.cache->try_evict(0, page, false, true, stale) == EvictOutcome::Kept);
    KEXPECT(file.cache->lookup_page(0) == page && page->has_flag(kPageDirty));
}

KTEST(Reclaim, FaultOnAPresentPageWithTheAccessedBitClearSetsItWithoutIo) {
    MappedPage file;
    KASSERT(file.create("/ktest-reclaim-svade"));
    Page* page = file.page();
    KASSERT(page);
    StaleTlbs stale;
    KASSERT(file.space->clear_accessed_frame(kBase, page_to_phys(page), stale));
    // What a core that traps on A = 0 instead of setting it (Svade) raises on the next load.
    uint64_t major = fault_counters().major_faults;
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*file.space, kBase, Access::Read));
    KEXPECT_EQ(major, fault_counters().major_faults);
    auto pte = file.pte();
    KASSERT(pte);
    KEXPECT_EQ(page_to_phys(page), pte->phys);
    KEXPECT(has_any(pte->flags, PteFlags::Accessed));
}
