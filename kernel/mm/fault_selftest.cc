// Self-tests of the fault pipeline's fast path: the one-walk PTE installs it uses
// (PageTable::install_leaf and install_leaves_if_absent) and fault-around on file
// mappings (cached neighbours mapped read-only by one read fault, within the window and
// the Vma, skipping uncached pages and private copies, and not counted as faults).
#include "arch/riscv64/page_table.h"
#include "fs/file_system.h"
#include "fs/root_file_system.h"
#include "lib/assert.h"
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
// 64 KiB-aligned, so the fault-around window of the first pages starts here.
constexpr uint64_t kBase = 0x400000;
// Never activated tables: the frames their leaves name are never touched.
constexpr uint64_t kScratchVaddr = 0x40000000;
constexpr uint64_t kScratchPhys = 0x80000000;

OwnPtr<AddressSpace> make_space() {
    auto space = AddressSpace::try_create();
    ASSERT(!space.is_error());
    return space.release_value();
}

// Where `vaddr` translates to in `table`, or ~0 if it is not mapped.
uint64_t phys_in(const PageTable& table, uint64_t vaddr) {
    auto translation = table.translate(vaddr);
    return translation ? translation->phys : ~0ull;
}

bool mapped(AddressSpace& space, uint64_t vaddr) { return space.page_table().translate(vaddr).has_value(); }

bool mapped_writable(AddressSpace& space, uint64_t vaddr) {
    auto translation = space.page_table().translate(vaddr);
    return translation && has_any(translation->flags, PteFlags::Write);
}

uint64_t mapped_phys(AddressSpace& space, uint64_t vaddr) {
    auto translation = space.page_table().translate(vaddr);
    return translation ? translation->phys : ~0ull;
}

// A file of `pages` pages, each filled with its index, all cached but `uncached`.
struct CachedFile {
    fs::FileSystem* fs { nullptr };
    const char* path { nullptr };
    RefPtr<fs::Inode> inode;
    RefPtr<FileObject> cache;

    bool create(const char* name, uint64_t pages, uint64_t uncached) {
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
        for (uint64_t page = 0; page < pages; ++page) {
            klib::memset(buffer.data(), int(page + 1), kPage);
            if (cache->write(page * kPage, buffer.data(), kPage).is_error())
                return false;
        }
        // write() leaves the pages dirty (write-back caching): clean, they start as a
        // file's pages usually do.
        if (cache->sync().is_error())
            return false;
        for (uint64_t page = 0; page < pages; ++page) {
            if (cache->read(page * kPage, buffer.data(), kPage).is_error())
                return false;
        }
        // Readahead may have cached it along the way: drop it explicitly.
        cache->drop_cached_pages(uncached, uncached + 1);
        return cache->lookup_page(uncached) == nullptr && cache->lookup_page(0) != nullptr;
    }

    ~CachedFile() {
        cache = nullptr;
        inode = nullptr;
        if (fs && path)
            (void)fs->unlink(*fs->root(), path);
    }
};

}  // namespace

KTEST(FaultPath, InstallLeafReplacesTheEntryAndReturnsTheOldOne) {
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    auto first = table.install_leaf(kScratchVaddr, kScratchPhys, PteFlags::Read | PteFlags::User);
    KASSERT(!first.is_error());
    KEXPECT_EQ(Pte(0), first.value());  // Nothing was there: the tables were made on the way.
    auto translation = table.translate(kScratchVaddr);
    KASSERT(translation);
    KEXPECT_EQ(kScratchPhys, translation->phys);
    KEXPECT(!has_any(translation->flags, PteFlags::Write));

    auto second = table.install_leaf(kScratchVaddr, kScratchPhys + kPage,
                                     PteFlags::Read | PteFlags::Write | PteFlags::User);
    KASSERT(!second.is_error());
    KEXPECT(pte_is_valid(second.value()));
    KEXPECT_EQ(kScratchPhys, pte_phys(second.value()));
    translation = table.translate(kScratchVaddr);
    KASSERT(translation);
    KEXPECT_EQ(kScratchPhys + kPage, translation->phys);
    KEXPECT(has_all(translation->flags, PteFlags::Write | PteFlags::Accessed | PteFlags::Dirty));
    // Its neighbour is untouched.
    KEXPECT(!table.translate(kScratchVaddr + kPage));
}

KTEST(FaultPath, InstallLeavesIfAbsentFillsOnlyTheHoles) {
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    uint64_t phys[4] = { kScratchPhys, kScratchPhys + kPage, 0, kScratchPhys + 3 * kPage };
    // No level-0 table yet: nothing is mapped, nothing allocated.
    KEXPECT_EQ(size_t(0), table.install_leaves_if_absent(kScratchVaddr, phys, 4, PteFlags::Read));
    KEXPECT(!table.translate(kScratchVaddr));

    KASSERT(!table.map(kScratchVaddr + kPage, kScratchPhys + 9 * kPage, kPage, PteFlags::Read | PteFlags::Write)
                 .is_error());
    // Entry 1 is valid (left alone), entry 2 has no frame: two are mapped.
    KEXPECT_EQ(size_t(2), table.install_leaves_if_absent(kScratchVaddr, phys, 4, PteFlags::Read | PteFlags::User));
    KEXPECT_EQ(kScratchPhys, phys_in(table, kScratchVaddr));
    KEXPECT_EQ(kScratchPhys + 9 * kPage, phys_in(table, kScratchVaddr + kPage));
    auto kept = table.translate(kScratchVaddr + kPage);
    KEXPECT(kept && has_any(kept->flags, PteFlags::Write));
    KEXPECT(!table.translate(kScratchVaddr + 2 * kPage));
    auto last = table.translate(kScratchVaddr + 3 * kPage);
    KASSERT(last);
    KEXPECT_EQ(kScratchPhys + 3 * kPage, last->phys);
    KEXPECT(has_all(last->flags, PteFlags::Read | PteFlags::User));
    KEXPECT(!has_any(last->flags, PteFlags::Write));
}

KTEST(FaultPath, ReadFaultMapsCachedNeighboursReadOnlyWithinTheWindowAndTheVma) {
    CachedFile file;
    KASSERT(file.create("/ktest-fault-around", 20, 7));
    auto space = make_space();
    // File pages 1..19 at kBase + 1 page: the first window [kBase, kBase + 16 pages) is
    // clipped by the Vma at its start.
    auto start = space->map_file_region(kBase + kPage, 19 * kPage, Prot::Read | Prot::Write, MapPlacement::Fixed,
                                        file.cache, 1, Prot::Read | Prot::Write, MapSharing::Shared);
    KASSERT(!start.is_error());
    KEXPECT_EQ(kBase + kPage, start.value());

    uint64_t faults_before = fault_counters().minor_faults;
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 2 * kPage, Access::Read));
    KEXPECT_EQ(faults_before + 1, fault_counters().minor_faults);  // Neighbours are not faults.
    for (uint64_t page = 1; page < 16; ++page) {
        uint64_t vaddr = kBase + page * kPage;
        if (page == 7) {
            KEXPECT(!mapped(*space, vaddr));  // Not cached: left for its own fault.
            continue;
        }
        KEXPECT(mapped(*space, vaddr));
        KEXPECT(!mapped_writable(*space, vaddr));  // A store must still fault (dirtying).
        KEXPECT_EQ(page_to_phys(file.cache->lookup_page(page)), mapped_phys(*space, vaddr));
    }
    for (uint64_t page = 16; page < 20; ++page)
        KEXPECT(!mapped(*space, kBase + page * kPage));  // Beyond the window.

    // A store to a page fault-around mapped faults, dirties the page and maps it writable.
    Page* third = file.cache->lookup_page(3);
    KASSERT(third);
    KEXPECT(!third->has_flag(kPageDirty));
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 3 * kPage, Access::Write));
    KEXPECT(third->has_flag(kPageDirty));
    KEXPECT(mapped_writable(*space, kBase + 3 * kPage));
    space = nullptr;  // Unmaps (writing page 3 back) before the file goes.
}

KTEST(FaultPath, FaultAroundInAPrivateMappingSkipsPrivateCopies) {
    CachedFile file;
    KASSERT(file.create("/ktest-fault-around-private", 16, 15));
    auto space = make_space();
    auto start = space->map_file_region(kBase, 16 * kPage, Prot::Read | Prot::Write, MapPlacement::Fixed,
                                        file.cache, 0, Prot::Read | Prot::Write, MapSharing::Private);
    KASSERT(!start.is_error());
    // Page 4 gets a private copy, then loses its PTE (the page table is only a cache):
    // fault-around must not map the file's frame where the mapping has its own page.
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 4 * kPage, Access::Write));
    uint64_t private_phys = mapped_phys(*space, kBase + 4 * kPage);
    KEXPECT(private_phys != page_to_phys(file.cache->lookup_page(4)));
    KASSERT(!space->page_table().unmap(kBase + 4 * kPage, kPage).is_error());

    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase, Access::Read));
    KEXPECT(!mapped(*space, kBase + 4 * kPage));  // Has a private copy: not the file's frame.
    KEXPECT(!mapped(*space, kBase + 15 * kPage)); // Not cached.
    KEXPECT_EQ(page_to_phys(file.cache->lookup_page(5)), mapped_phys(*space, kBase + 5 * kPage));
    KEXPECT(!mapped_writable(*space, kBase + 5 * kPage));
    // The private page faults back in as itself.
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 4 * kPage, Access::Read));
    KEXPECT_EQ(private_phys, mapped_phys(*space, kBase + 4 * kPage));
    // A store to a file page mapped by fault-around copies it.
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 5 * kPage, Access::Write));
    KEXPECT(mapped_phys(*space, kBase + 5 * kPage) != page_to_phys(file.cache->lookup_page(5)));
    space = nullptr;
}
