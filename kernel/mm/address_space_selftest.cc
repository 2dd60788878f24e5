// Self-tests of AddressSpace and the fault pipeline on real page tables: demand-zero
// faults, protections, copy-on-write fork with frame counts, sbrk, clipping, teardown, and
// the two lookup hints (the Vma hint and the leaf-table hint), and the flush of a page
// taken away on every hart that runs the space.
#include <atomic>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/smp.h"
#include "lib/assert.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/fault.h"
#include "mm/kernel_heap.h"
#include "mm/physical_allocator.h"

namespace {

constexpr uint64_t kBase = 0x200000;
constexpr uint64_t kPage = 4096;
constexpr Prot kReadWrite = Prot::Read | Prot::Write;

OwnPtr<AddressSpace> make_space() {
    auto space = AddressSpace::try_create();
    ASSERT(!space.is_error());  // A test machine that cannot make one empty table is broken.
    return space.release_value();
}

uint64_t read_u64(AddressSpace& space, uint64_t vaddr) {
    uint64_t value = ~0ull;
    KEXPECT(!space.read_initial(vaddr, &value, sizeof(value)).is_error());
    return value;
}

void write_u64(AddressSpace& space, uint64_t vaddr, uint64_t value) {
    KEXPECT(!space.write_initial(vaddr, &value, sizeof(value)).is_error());
}

// The frame currently mapped at `vaddr`, or nullptr.
Page* mapped_page(AddressSpace& space, uint64_t vaddr) {
    auto translation = space.page_table().translate(vaddr);
    return translation ? page_from_phys(translation->phys) : nullptr;
}

bool mapped_writable(AddressSpace& space, uint64_t vaddr) {
    auto translation = space.page_table().translate(vaddr);
    return translation && has_any(translation->flags, PteFlags::Write);
}

}  // namespace

KTEST(AddressSpace, FirstTouchBringsInAZeroedPage) {
    auto space = make_space();
    KASSERT(!space->map_anonymous(kBase, 4 * kPage, kReadWrite, VmaKind::Anonymous).is_error());
    KEXPECT_EQ(0u, space->resident_page_count());
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + kPage + 8, Access::Read));
    KEXPECT_EQ(1u, space->resident_page_count());
    KEXPECT_EQ(0u, read_u64(*space, kBase + kPage + 8));
    auto translation = space->page_table().translate(kBase + kPage);
    KASSERT(translation.has_value());
    KEXPECT(has_all(translation->flags, PteFlags::User | PteFlags::Read | PteFlags::Write));
    KEXPECT(!has_any(translation->flags, PteFlags::Execute));
    KEXPECT(!space->page_table().translate(kBase).has_value());
}

KTEST(AddressSpace, FaultsOutsideTheRulesAreSegfaults) {
    auto space = make_space();
    KASSERT(!space->map_anonymous(kBase, kPage, Prot::Read, VmaKind::Data).is_error());
    KASSERT(!space->map_anonymous(kBase + 2 * kPage, kPage, Prot::Read | Prot::Exec, VmaKind::Text).is_error());
    KEXPECT_EQ(FaultResult::Forbidden, handle_page_fault(*space, kBase, Access::Write));
    KEXPECT_EQ(FaultResult::Forbidden, handle_page_fault(*space, kBase, Access::Execute));
    KEXPECT_EQ(FaultResult::NoMapping, handle_page_fault(*space, kBase + kPage, Access::Read));
    KEXPECT_EQ(FaultResult::NoMapping, handle_page_fault(*space, 0, Access::Read));
    KEXPECT_EQ(FaultResult::Segfault, handle_page_fault(*space, kKernelImageBase, Access::Read));
    KEXPECT_EQ(FaultResult::Segfault, handle_page_fault(*space, kUserSpaceEnd, Access::Read));
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 2 * kPage, Access::Execute));
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase, Access::Read));
    KEXPECT(!mapped_writable(*space, kBase));
}

KTEST(AddressSpace, StackGuardPageIsNeverMapped) {
    auto space = make_space();
    auto top = space->map_stack();
    KASSERT(!top.is_error());
    KEXPECT_EQ(kUserStackTop, top.value());
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kUserStackTop - 8, Access::Write));
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kUserStackBottom, Access::Write));
    uint64_t guard = kUserStackBottom - 8;
    FaultResult result = handle_page_fault(*space, guard, Access::Write);
    KEXPECT_EQ(FaultResult::GuardPage, result);
    KEXPECT(!space->page_table().translate(guard).has_value());
    // The kill message names the guard page, from the fault's result alone.
    const char* cause = describe_fault(guard, Access::Write, result);
    KEXPECT(cause[0] == 's' && cause[1] == 't');
    // mmap-style mapping over the guard is refused.
    KEXPECT(space->map_anonymous(kUserStackBottom - kPage, kPage, kReadWrite, VmaKind::Anonymous).is_error());
}

KTEST(AddressSpace, AFailedFaultSaysWhyAndTheKillMessageNeedsNoSecondLookup) {
    auto space = make_space();
    KASSERT(!space->map_anonymous(kBase, kPage, Prot::Read, VmaKind::Data).is_error());
    struct Case {
        uint64_t vaddr;
        Access access;
        FaultResult result;
        const char* cause;
    } cases[] = {
        { kBase, Access::Write, FaultResult::Forbidden, "write to read-only memory" },
        { kBase, Access::Execute, FaultResult::Forbidden, "execute of non-executable memory" },
        { kBase + kPage, Access::Read, FaultResult::NoMapping, "unmapped address" },
        { 8, Access::Read, FaultResult::NoMapping, "null pointer dereference" },
        { kUserSpaceEnd, Access::Read, FaultResult::Segfault, "kernel or non-canonical address" },
    };
    for (const Case& test : cases) {
        FaultResult result = handle_page_fault(*space, test.vaddr, test.access);
        KEXPECT_EQ(test.result, result);
        // Worded from the address, the access and the result alone: no lookup.
        KEXPECT_EQ(0, klib::strcmp(test.cause, describe_fault(test.vaddr, test.access, result)));
    }
}

KTEST(AddressSpace, OverlappingAndMisalignedMappingsAreRefused) {
    auto space = make_space();
    KASSERT(!space->map_anonymous(kBase, 4 * kPage, kReadWrite, VmaKind::Anonymous).is_error());
    KEXPECT_EQ(EEXIST, space->map_anonymous(kBase + 3 * kPage, 2 * kPage, kReadWrite, VmaKind::Anonymous).error().code());
    KEXPECT_EQ(EEXIST, space->map_anonymous(kBase - kPage, 2 * kPage, kReadWrite, VmaKind::Anonymous).error().code());
    KEXPECT_EQ(EINVAL, space->map_anonymous(kBase + 8 * kPage + 1, kPage, kReadWrite, VmaKind::Anonymous).error().code());
    KEXPECT_EQ(EINVAL, space->map_anonymous(0, kPage, kReadWrite, VmaKind::Anonymous).error().code());
    KEXPECT_EQ(EINVAL, space->map_anonymous(kUserSpaceEnd - kPage, 2 * kPage, kReadWrite, VmaKind::Anonymous).error().code());
    KEXPECT(!space->map_anonymous(kBase + 4 * kPage, kPage, kReadWrite, VmaKind::Anonymous).is_error());
    KEXPECT_EQ(2u, space->vma_count());
    space->validate();
}

KTEST(AddressSpace, ForkSharesFramesUntilWritten) {
    constexpr unsigned kPages = 32;
    auto parent = make_space();
    KASSERT(!parent->map_anonymous(kBase, kPages * kPage, kReadWrite, VmaKind::Data).is_error());
    for (unsigned i = 0; i < kPages; ++i)
        write_u64(*parent, kBase + i * kPage, 1000 + i);
    for (unsigned i = 0; i < kPages; ++i)
        KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*parent, kBase + i * kPage, Access::Write));
    KEXPECT(mapped_writable(*parent, kBase));

    size_t free_before_fork = free_page_count();
    auto cloned = parent->clone_for_fork();
    KASSERT(!cloned.is_error());
    auto child = cloned.release_value();
    // Only bookkeeping (page tables, tree nodes) was allocated, not the 32 frames.
    KEXPECT(free_before_fork - free_page_count() < kPages / 2);
    Page* shared = mapped_page(*parent, kBase);
    KASSERT(shared);
    KEXPECT_EQ(2u, shared->ref_count.load());
    KEXPECT(!mapped_writable(*parent, kBase));
    KEXPECT_EQ(kPages, child->resident_page_count());

    // Both sides read the same frame.
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*child, kBase, Access::Read));
    KEXPECT_EQ(shared, mapped_page(*child, kBase));
    KEXPECT(!mapped_writable(*child, kBase));

    // The child's writes copy: one new frame per page written, the parent keeps its data.
    size_t free_before_writes = free_page_count();
    for (unsigned i = 0; i < kPages; ++i)
        write_u64(*child, kBase + i * kPage, 2000 + i);
    KEXPECT(free_before_writes - free_page_count() >= kPages);
    for (unsigned i = 0; i < kPages; ++i) {
        KEXPECT_EQ(1000u + i, read_u64(*parent, kBase + i * kPage));
        KEXPECT_EQ(2000u + i, read_u64(*child, kBase + i * kPage));
    }
    KEXPECT_EQ(1u, shared->ref_count.load());

    // The parent is now the only holder: its write fault takes the frame over, no copy.
    size_t free_before_takeover = free_page_count();
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*parent, kBase, Access::Write));
    KEXPECT_EQ(free_before_takeover, free_page_count());
    KEXPECT_EQ(shared, mapped_page(*parent, kBase));
    KEXPECT(mapped_writable(*parent, kBase));
    KEXPECT_EQ(1000u, read_u64(*parent, kBase));
}

KTEST(AddressSpace, HeapGrowsLazilyAndShrinkFreesFrames) {
    auto space = make_space();
    constexpr uint64_t kHeap = 0x400000;
    space->set_heap(kHeap);
    auto old = space->set_heap_break(kHeap + 10 * kPage + 100);
    KASSERT(!old.is_error());
    KEXPECT_EQ(kHeap, old.value());
    KEXPECT_EQ(kHeap + 10 * kPage + 100, space->heap_break());
    KEXPECT_EQ(0u, space->resident_page_count());
    for (unsigned i = 0; i <= 10; ++i)
        KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kHeap + i * kPage, Access::Write));
    KEXPECT_EQ(FaultResult::NoMapping, handle_page_fault(*space, kHeap + 11 * kPage, Access::Write));
    KEXPECT_EQ(11u, space->resident_page_count());

    size_t free_before = free_page_count();
    KEXPECT(!space->set_heap_break(kHeap + kPage).is_error());
    KEXPECT_EQ(10u, free_page_count() - free_before);
    KEXPECT_EQ(1u, space->resident_page_count());
    KEXPECT(!space->page_table().translate(kHeap + kPage).has_value());
    KEXPECT_EQ(FaultResult::NoMapping, handle_page_fault(*space, kHeap + kPage, Access::Read));

    // Below the start, past the limit, or into another Vma: ENOMEM, nothing changes.
    KEXPECT_EQ(ENOMEM, space->set_heap_break(kHeap - 1).error().code());
    KEXPECT_EQ(ENOMEM, space->set_heap_break(kUserHeapLimit + kPage).error().code());
    KASSERT(!space->map_anonymous(kHeap + 64 * kPage, kPage, kReadWrite, VmaKind::Anonymous).is_error());
    KEXPECT_EQ(ENOMEM, space->set_heap_break(kHeap + 65 * kPage).error().code());
    KEXPECT_EQ(kHeap + kPage, space->heap_break());
    KEXPECT(!space->set_heap_break(kHeap + 64 * kPage).is_error());

    // Back to empty: the heap Vma goes away.
    KEXPECT(!space->set_heap_break(kHeap).is_error());
    KEXPECT_EQ(1u, space->vma_count());
    space->validate();
}

KTEST(AddressSpace, UnmapClipsAVmaInTwo) {
    auto space = make_space();
    KASSERT(!space->map_anonymous(kBase, 8 * kPage, kReadWrite, VmaKind::Anonymous).is_error());
    for (unsigned i = 0; i < 8; ++i)
        write_u64(*space, kBase + i * kPage, 300 + i);
    KEXPECT(!space->unmap(kBase + 3 * kPage, 2 * kPage).is_error());
    KEXPECT_EQ(2u, space->vma_count());
    KEXPECT_EQ(6u, space->resident_page_count());
    KEXPECT_EQ(FaultResult::NoMapping, handle_page_fault(*space, kBase + 3 * kPage, Access::Read));
    KEXPECT_EQ(302u, read_u64(*space, kBase + 2 * kPage));
    KEXPECT_EQ(305u, read_u64(*space, kBase + 5 * kPage));
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 7 * kPage, Access::Read));
    space->validate();
}

// Frames that are neither free nor the kernel heap's. The heap's frames are left out: the
// thread may move to another hart between the rounds, whose heap caches may need a slab
// frame more or fewer (the heap's own self-tests account for them).
static size_t frames_outside_heap_in_use() {
    KernelHeapStatistics heap = kernel_heap_statistics();
    return total_page_count() - free_page_count() - heap.slab_pages - heap.large_pages;
}

KTEST(AddressSpace, TeardownReturnsEveryFrame) {
    // One warm-up round fills the heap's caches, so that the measured round can be exact.
    for (int round = 0; round < 2; ++round) {
        size_t used_before = frames_outside_heap_in_use();
        {
            auto parent = make_space();
            KASSERT(!parent->map_anonymous(kBase, 64 * kPage, kReadWrite, VmaKind::Data).is_error());
            KASSERT(!parent->map_stack().is_error());
            parent->set_heap(0x10000000);
            KASSERT(!parent->set_heap_break(0x10000000 + 16 * kPage).is_error());
            for (unsigned i = 0; i < 64; ++i)
                write_u64(*parent, kBase + i * kPage, i);
            for (unsigned i = 0; i < 16; ++i)
                KEXPECT_EQ(FaultResult::Resolved,
                           handle_page_fault(*parent, 0x10000000 + i * kPage, Access::Write));
            KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*parent, kUserStackTop - 8, Access::Write));
            auto child = parent->clone_for_fork();
            KASSERT(!child.is_error());
            for (unsigned i = 0; i < 32; ++i)
                write_u64(*child.value(), kBase + i * kPage, 7);
        }
        if (round == 1)
            KEXPECT_EQ(used_before, frames_outside_heap_in_use());
    }
}


// The leaf-table hint remembers the level-0 table of the last install: installs that
// alternate between two 2 MiB blocks, and installs into a block with no level-0 table,
// must each land in their own table (or nowhere), and a table made later is found.
KTEST(AddressSpace, TryInstallLeafLockedLandsInTheTableOfEachBlock) {
    constexpr uint64_t kBlock = 2ull << 20;
    constexpr uint64_t kFrame = 0x80000000;  // Never touched: the space is never activated.
    constexpr uint64_t kFirst = 0x40000000;
    constexpr uint64_t kSecond = kFirst + kBlock;
    constexpr uint64_t kTableless = kFirst + 2 * kBlock;
    auto space = make_space();
    PageTable& table = space->page_table();
    // Empty level-0 tables for the first two blocks (tables stay until the space goes).
    for (uint64_t block : { kFirst, kSecond }) {
        KASSERT(!table.map(block, kFrame, kPage, PteFlags::Read).is_error());
        KASSERT(!table.unmap(block, kPage).is_error());
    }
    WriteLocker locker(space->lock());
    for (uint64_t i = 1; i <= 4; ++i) {
        uint64_t block = i % 2 == 1 ? kFirst : kSecond;
        uint64_t frame = kFrame + i * kPage;
        KEXPECT_EQ(0u, space->try_install_leaf_locked(block + i * kPage, frame, PteFlags::Read | PteFlags::User));
        KEXPECT_EQ(PageTable::kNotInstalled,
                   space->try_install_leaf_locked(kTableless + i * kPage, frame, PteFlags::Read));
    }
    for (uint64_t i = 1; i <= 4; ++i) {
        uint64_t block = i % 2 == 1 ? kFirst : kSecond;
        uint64_t other = i % 2 == 1 ? kSecond : kFirst;
        auto translation = table.translate(block + i * kPage);
        KASSERT(translation);
        KEXPECT_EQ(kFrame + i * kPage, translation->phys);
        KEXPECT(!table.translate(other + i * kPage));
        KEXPECT(!table.translate(kTableless + i * kPage));
    }
    // Over a valid entry (the hint hits): the old entry comes back.
    sv39::Pte replaced = space->try_install_leaf_locked(kSecond + 4 * kPage, kFrame, PteFlags::Read);
    KEXPECT(sv39::pte_is_valid(replaced));
    KEXPECT_EQ(kFrame + 4 * kPage, sv39::pte_phys(replaced));
    // Once the locked path has made the third block's table, the next miss finds it.
    KASSERT(!table.install_leaf(kTableless, kFrame, PteFlags::Read).is_error());
    KEXPECT_EQ(0u, space->try_install_leaf_locked(kTableless + kPage, kFrame + kPage, PteFlags::Read));
    auto late = table.translate(kTableless + kPage);
    KASSERT(late);
    KEXPECT_EQ(kFrame + kPage, late->phys);
    KEXPECT(!table.unmap(kFirst, 3 * kBlock).is_error());
}

// The Vma hint is moved by lookups under the write lock only (find_vma_locked); lookups
// under the read lock (find_vma_read_locked) use it and its neighbours without moving it,
// and nobody trusts it once the tree changed.
KTEST(AddressSpace, VmaLookupsAreRightUnderEitherLockAndAfterTheTreeChanges) {
    auto space = make_space();
    for (uint64_t i = 0; i < 3; ++i)
        KASSERT(!space->map_anonymous(kBase + 2 * i * kPage, kPage, kReadWrite, VmaKind::Anonymous).is_error());
    {
        WriteLocker locker(space->lock());
        Vma* middle = space->find_vma_locked(kBase + 2 * kPage + 8);
        KASSERT(middle);
        KEXPECT_EQ(kBase + 2 * kPage, middle->start());
    }
    {
        ReadLocker locker(space->lock());
        for (uint64_t i = 0; i < 3; ++i) {
            Vma* vma = space->find_vma_read_locked(kBase + 2 * i * kPage + 16);
            KASSERT(vma);
            KEXPECT_EQ(kBase + 2 * i * kPage, vma->start());
            KEXPECT(!space->find_vma_read_locked(kBase + (2 * i + 1) * kPage));
        }
    }
    // The hinted Vma goes: a lookup there finds nothing, its neighbours are still found.
    KEXPECT(!space->unmap(kBase + 2 * kPage, kPage).is_error());
    {
        ReadLocker locker(space->lock());
        KEXPECT(!space->find_vma_read_locked(kBase + 2 * kPage));
        Vma* first = space->find_vma_read_locked(kBase);
        KASSERT(first);
        KEXPECT_EQ(kBase, first->start());
    }
    WriteLocker locker(space->lock());
    KEXPECT(!space->find_vma_locked(kBase + 2 * kPage));
    Vma* last = space->find_vma_locked(kBase + 4 * kPage);
    KASSERT(last);
    KEXPECT_EQ(kBase + 4 * kPage, last->start());
}

// mprotect merges what it split once the protections agree again: the Vma count comes
// back, the generation moves whenever a Vma is freed (so the hint, which named the freed
// one, is not trusted), lookups find the merged Vma, and the contents stay.
KTEST(AddressSpace, MprotectMergesWhatItSplitAndInvalidatesTheHint) {
    auto space = make_space();
    KASSERT(!space->map_anonymous(kBase, 8 * kPage, kReadWrite, VmaKind::Anonymous).is_error());
    for (unsigned i = 0; i < 8; ++i)
        write_u64(*space, kBase + i * kPage, 700 + i);
    size_t before = space->vma_count();
    for (unsigned round = 0; round < 100; ++round) {
        KASSERT(!space->protect(kBase + 3 * kPage, kPage, Prot::Read).is_error());
        KEXPECT_EQ(before + 2, space->vma_count());
        {
            // The hint now names the one-page Vma; the merge below frees a Vma.
            WriteLocker locker(space->lock());
            Vma* page = space->find_vma_locked(kBase + 3 * kPage);
            KASSERT(page);
            KEXPECT_EQ(kBase + 4 * kPage, page->end());
        }
        uint64_t generation = space->generation();
        KASSERT(!space->protect(kBase + 3 * kPage, kPage, kReadWrite).is_error());
        KEXPECT(space->generation() != generation);
        KEXPECT_EQ(before, space->vma_count());
    }
    {
        WriteLocker locker(space->lock());
        Vma* whole = space->find_vma_locked(kBase + 5 * kPage);
        KASSERT(whole);
        KEXPECT_EQ(kBase, whole->start());
        KEXPECT_EQ(kBase + 8 * kPage, whole->end());
        KEXPECT_EQ(0u, whole->page_offset());
    }
    // A run protected at once and given back page by page moves boundaries and ends whole.
    KASSERT(!space->protect(kBase, 8 * kPage, Prot::Read).is_error());
    for (unsigned i = 0; i < 8; ++i)
        KASSERT(!space->protect(kBase + i * kPage, kPage, kReadWrite).is_error());
    KEXPECT_EQ(before, space->vma_count());
    for (unsigned i = 0; i < 8; ++i)
        KEXPECT_EQ(700u + i, read_u64(*space, kBase + i * kPage));
    KEXPECT_EQ(FaultResult::Resolved, handle_page_fault(*space, kBase + 7 * kPage, Access::Write));
    // A mapping made apart right above does not join it.
    KASSERT(!space->map_anonymous(kBase + 8 * kPage, 2 * kPage, kReadWrite, VmaKind::Anonymous).is_error());
    write_u64(*space, kBase + 8 * kPage, 1);
    KASSERT(!space->protect(kBase, 10 * kPage, Prot::Read).is_error());
    KASSERT(!space->protect(kBase, 10 * kPage, kReadWrite).is_error());
    KEXPECT_EQ(before + 1, space->vma_count());
    space->validate();
}

// Taking a page away flushes it on every hart running the space, not only on the one that
// does it. All online harts meet in one cross-call (interrupts off, so none can switch
// threads and lose the translation that way): each activates one address space and
// stores through its page, so its TLB holds the writable translation of frame A; once all
// have, the leader (the lowest online hart) takes the page away as the reverse map does
// (unmap_frame: the PTE cleared, then this hart fenced and every other active one sent
// an SBI remote fence) and maps frame B in its place; then every hart stores again. The
// second stores must all land in B: a hart that kept the old translation would write
// into A, which this test owns, so that the stray store hurts nobody.
namespace {

struct TlbMeeting {
    AddressSpace* space;
    uint64_t frame_b;
    std::atomic<uint32_t> arrived;     // Harts that stored through A's translation.
    std::atomic<bool> remapped;        // The leader has put B in place.
    std::atomic<uint32_t> finished;    // Harts done with both stores.
    unsigned harts;                    // Online harts (the meeting's size).
    unsigned leader;                   // Cpu index of the lowest online hart.
};
TlbMeeting s_meeting;

void store_through_user_page(uint64_t value) {
    reinterpret_cast<volatile uint64_t*>(kBase)[this_cpu()->index] = value;
}

void meet_and_store_twice() {
    TlbMeeting& meeting = s_meeting;
    address_space_switch_on_this_cpu(meeting.space);
    // Kernel access to user pages, on for the whole meeting: QEMU empties its TLB when
    // sstatus.SUM changes, which would hide a missing flush.
    csr::set_sstatus(csr::kSstatusSum);
    store_through_user_page(0xa0 + this_cpu()->index);
    meeting.arrived.fetch_add(1);
    if (this_cpu()->index == meeting.leader) {
        while (meeting.arrived.load() < meeting.harts) {
        }
        uint64_t frame_a = meeting.space->page_table().translate(kBase)->phys;
        meeting.space->unmap_frame(kBase, frame_a);
        ASSERT(!meeting.space->page_table().map(kBase, meeting.frame_b, kPage,
                                                PteFlags::User | PteFlags::Read | PteFlags::Write).is_error());
        meeting.remapped.store(true);
    }
    while (!meeting.remapped.load()) {
    }
    store_through_user_page(0xb0 + this_cpu()->index);
    csr::clear_sstatus(csr::kSstatusSum);
    meeting.finished.fetch_add(1);
}

void deactivate_space() { address_space_switch_on_this_cpu(nullptr); }

}  // namespace

KTEST(AddressSpace, TakingAPageAwayFlushesItOnEveryHartRunningTheSpace) {
    auto space = make_space();
    auto frame_a = allocate_page(ZeroFill::Yes);
    auto frame_b = allocate_page(ZeroFill::Yes);
    KASSERT(!frame_a.is_error() && !frame_b.is_error());
    KASSERT(!space->page_table().map(kBase, page_to_phys(frame_a.value()), kPage,
                                     PteFlags::User | PteFlags::Read | PteFlags::Write).is_error());
    s_meeting.space = space.ptr();
    s_meeting.frame_b = page_to_phys(frame_b.value());
    s_meeting.arrived = 0;
    s_meeting.remapped = false;
    s_meeting.finished = 0;
    s_meeting.harts = 0;
    s_meeting.leader = ~0u;
    for (unsigned i = 0; i < cpu_count(); ++i) {
        if (!cpu_by_index(i).online.load())
            continue;
        ++s_meeting.harts;
        if (s_meeting.leader == ~0u)
            s_meeting.leader = i;
    }
    smp_run_on_every_hart(meet_and_store_twice);
    smp_run_on_every_hart(deactivate_space);
    KEXPECT_EQ(s_meeting.harts, s_meeting.finished.load());

    auto* a_words = static_cast<volatile uint64_t*>(page_to_virt(frame_a.value()));
    auto* b_words = static_cast<volatile uint64_t*>(page_to_virt(frame_b.value()));
    for (unsigned i = 0; i < cpu_count(); ++i) {
        if (!cpu_by_index(i).online.load())
            continue;
        KEXPECT_EQ(0xa0ull + i, a_words[i]);  // The first store, and no later one through A,
        KEXPECT_EQ(0xb0ull + i, b_words[i]);  // but the second through B's translation.
    }
    KASSERT(!space->page_table().unmap(kBase, kPage).is_error());
    page_unref(frame_a.value());
    page_unref(frame_b.value());
}
