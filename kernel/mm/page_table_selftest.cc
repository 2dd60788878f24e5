// Self-tests of the Sv39 walker (arch/riscv64/page_table.cc) and of the kernel page table.
#include <atomic>

#include "arch/riscv64/layout.h"
#include "arch/riscv64/page_table.h"
#include "arch/riscv64/smp.h"
#include "lib/ktest.h"
#include "lib/ref_ptr.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_stack.h"
#include "mm/physical_allocator.h"
#include "proc/thread.h"

using namespace sv39;

namespace {

// User-half addresses for scratch tables: these tables are never activated, so the frames
// their leaves name are never touched.
constexpr uint64_t kScratchVaddr = 0x40000000;      // 1 GiB-aligned.
constexpr uint64_t kScratchPhys = 0x80000000;       // 1 GiB-aligned.
constexpr uint64_t k2MiB = 2ull << 20;
constexpr uint64_t k1GiB = 1ull << 30;

constexpr PteFlags kReadWrite = PteFlags::Read | PteFlags::Write;

int s_data_probe = 1;
const int s_rodata_probe = 2;

constexpr unsigned kUnmapped = 99;

// The level of the leaf mapping `vaddr`, or kUnmapped.
unsigned leaf_level(const PageTable& table, uint64_t vaddr)
{
    auto translation = table.translate(vaddr);
    return translation ? translation->level : kUnmapped;
}

// Where `vaddr` translates to, or ~0 if it is not mapped.
uint64_t phys_of(const PageTable& table, uint64_t vaddr)
{
    auto translation = table.translate(vaddr);
    return translation ? translation->phys : ~0ull;
}

// Maps and unmaps one page at `vaddr`, leaving the level-0 table that holds it (tables are
// kept until the PageTable goes) with every entry invalid.
bool make_empty_level0_table(PageTable& table, uint64_t vaddr)
{
    return !table.map(vaddr, kScratchPhys, kPageSize, kReadWrite).is_error()
        && !table.unmap(vaddr, kPageSize).is_error() && !table.translate(vaddr);
}

// For the racing-installs test: what install `racer * kRacingRounds + round` did.
constexpr size_t kMaxRacers = 9;
constexpr size_t kRacingRounds = 10000;
struct RacingInstall {
    bool installed;          // The swap succeeded...
    Pte replaced;            // ... and replaced this entry.
    uint32_t times_replaced; // How many successful installs handed this one's entry back.
};

// The records, on the kernel heap (too many for the stack), freed however the test ends.
struct RacingInstalls {
    RacingInstall* records {
        static_cast<RacingInstall*>(kmalloc(kMaxRacers * kRacingRounds * sizeof(RacingInstall)))
    };
    ~RacingInstalls() { kfree(records); }
    RacingInstall& operator[](size_t n) { return records[n]; }
};

// The frame install `n` of the race puts in the entry; frame 0 is never used, so that a
// replaced entry naming it would stand out.
constexpr uint64_t racing_frame(size_t n) { return kScratchPhys + (n + 1) * kPageSize; }

} // namespace

KTEST(PageTable, MapTranslateUnmap)
{
    size_t free_before = free_page_count();
    {
        auto created = PageTable::try_create(KernelHalf::Empty);
        KASSERT(!created.is_error());
        PageTable& table = *created.value();

        KEXPECT(!table.map(kScratchVaddr, kScratchPhys, 3 * kPageSize, kReadWrite).is_error());
        for (uint64_t i = 0; i < 3; ++i) {
            auto translation = table.translate(kScratchVaddr + i * kPageSize + 0x123);
            KASSERT(translation);
            KEXPECT_EQ(kScratchPhys + i * kPageSize + 0x123, translation->phys);
            KEXPECT_EQ(0u, translation->level);
            // A and D are always set by the walker; X and U were not asked for.
            KEXPECT(has_all(translation->flags, PteFlags::Valid | kReadWrite | PteFlags::Accessed | PteFlags::Dirty));
            KEXPECT(!has_any(translation->flags, PteFlags::Execute | PteFlags::User));
        }
        KEXPECT(!table.translate(kScratchVaddr + 3 * kPageSize));

        // Mapping over an existing mapping is refused and leaves nothing new behind.
        auto again = table.map(kScratchVaddr + 2 * kPageSize, kScratchPhys, 2 * kPageSize, kReadWrite);
        KASSERT(again.is_error());
        KEXPECT_EQ(EEXIST, again.error().code());
        KEXPECT(!table.translate(kScratchVaddr + 3 * kPageSize));
        KEXPECT_EQ(kScratchPhys + 2 * kPageSize, phys_of(table, kScratchVaddr + 2 * kPageSize));

        KEXPECT(!table.unmap(kScratchVaddr + kPageSize, kPageSize).is_error());
        KEXPECT(table.translate(kScratchVaddr));
        KEXPECT(!table.translate(kScratchVaddr + kPageSize));
        KEXPECT(table.translate(kScratchVaddr + 2 * kPageSize));

        // Unmapping holes is fine.
        KEXPECT(!table.unmap(kScratchVaddr, 64 * kPageSize).is_error());
        KEXPECT(!table.translate(kScratchVaddr));
        KEXPECT(!table.translate(kScratchVaddr + 2 * kPageSize));
    }
    // The destructor freed the root and every intermediate table.
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(PageTable, LargeLeavesAndSplitting)
{
    size_t free_before = free_page_count();
    {
        auto created = PageTable::try_create(KernelHalf::Empty);
        KASSERT(!created.is_error());
        PageTable& table = *created.value();

        // A 1 GiB leaf, then a 2 MiB leaf and 4 KiB leaves where alignment runs out.
        KEXPECT(!table.map(kScratchVaddr, kScratchPhys, k1GiB, kReadWrite, LargePages::Allowed).is_error());
        KEXPECT_EQ(2u, leaf_level(table, kScratchVaddr + 12345));
        uint64_t second = kScratchVaddr + k1GiB;
        KEXPECT(!table.map(second, kScratchPhys, k2MiB + kPageSize, kReadWrite, LargePages::Allowed).is_error());
        KEXPECT_EQ(1u, leaf_level(table, second));
        KEXPECT_EQ(0u, leaf_level(table, second + k2MiB));
        // Forbidden large pages: 4 KiB leaves even where aligned.
        uint64_t third = second + k1GiB;
        KEXPECT(!table.map(third, kScratchPhys, k2MiB, kReadWrite, LargePages::Forbidden).is_error());
        KEXPECT_EQ(0u, leaf_level(table, third));

        // Unmapping one page in the middle of the 2 MiB leaf splits it; the rest stays.
        uint64_t hole = second + 5 * kPageSize;
        KEXPECT(!table.unmap(hole, kPageSize).is_error());
        KEXPECT(!table.translate(hole));
        auto before_hole = table.translate(hole - kPageSize);
        auto after_hole = table.translate(hole + kPageSize);
        KASSERT(before_hole && after_hole);
        KEXPECT_EQ(kScratchPhys + 4 * kPageSize, before_hole->phys);
        KEXPECT_EQ(kScratchPhys + 6 * kPageSize, after_hole->phys);
        KEXPECT_EQ(0u, after_hole->level);
        KEXPECT_EQ(kScratchPhys + k2MiB - kPageSize, phys_of(table, second + k2MiB - kPageSize));

        // Protecting 2 MiB inside the 1 GiB leaf splits it once, to 2 MiB leaves.
        uint64_t window = kScratchVaddr + 4 * k2MiB;
        KEXPECT(!table.protect(window, k2MiB, PteFlags::Read).is_error());
        auto protected_page = table.translate(window + kPageSize);
        KASSERT(protected_page);
        KEXPECT_EQ(1u, protected_page->level);
        KEXPECT(!has_any(protected_page->flags, PteFlags::Write));
        KEXPECT_EQ(kScratchPhys + 4 * k2MiB + kPageSize, protected_page->phys);
        auto neighbour = table.translate(window + k2MiB);
        KASSERT(neighbour);
        KEXPECT(has_any(neighbour->flags, PteFlags::Write));
    }
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(PageTable, TranslateFindsTheLeafAtEachLevelWithTheOffset)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    uint64_t giant = kScratchVaddr;            // A 1 GiB leaf.
    uint64_t large = kScratchVaddr + k1GiB;    // A 2 MiB leaf, then a 4 KiB one.
    uint64_t small = large + k2MiB;
    KEXPECT(!table.map(giant, kScratchPhys, k1GiB, kReadWrite, LargePages::Allowed).is_error());
    KEXPECT(!table.map(large, kScratchPhys, k2MiB + kPageSize, PteFlags::Read, LargePages::Allowed).is_error());

    struct Expected {
        uint64_t vaddr;
        uint64_t phys;
        unsigned level;
    };
    for (Expected expected : { Expected { giant + 0x1234567, kScratchPhys + 0x1234567, 2 },
                               Expected { large + 0x1abcde, kScratchPhys + 0x1abcde, 1 },
                               Expected { small + 0xabc, kScratchPhys + k2MiB + 0xabc, 0 } }) {
        auto translation = table.translate(expected.vaddr);
        KASSERT(translation);
        KEXPECT_EQ(expected.phys, translation->phys);
        KEXPECT_EQ(expected.level, translation->level);
        KEXPECT(has_all(translation->flags, PteFlags::Valid | PteFlags::Read | PteFlags::Accessed | PteFlags::Dirty));
    }

    // A hole at each level: no root entry, no level-1 entry, no level-0 entry.
    KEXPECT(!table.translate(kScratchVaddr + 4 * k1GiB));
    KEXPECT(!table.translate(large + 2 * k2MiB));
    KEXPECT(!table.translate(small + kPageSize));
    // Nor does an address outside Sv39's canonical range translate.
    KEXPECT(!table.translate(uint64_t(1) << 40));
}

KTEST(PageTable, MapOverALargeLeafOrATableIsRefusedAndUndone)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    uint64_t large = kScratchVaddr;
    KEXPECT(!table.map(large, kScratchPhys, k2MiB, kReadWrite, LargePages::Allowed).is_error());

    // 4 KiB inside the 2 MiB leaf: the walk stops at the leaf, above level 0. Nothing
    // changes and no table is made.
    size_t free_before = free_page_count();
    auto inside = table.map(large + 3 * kPageSize, kScratchPhys + k1GiB, kPageSize, PteFlags::Read);
    KASSERT(inside.is_error());
    KEXPECT_EQ(EEXIST, inside.error().code());
    KEXPECT_EQ(free_before, free_page_count());
    KEXPECT_EQ(1u, leaf_level(table, large + 3 * kPageSize));
    KEXPECT_EQ(kScratchPhys + 3 * kPageSize, phys_of(table, large + 3 * kPageSize));

    // A 2 MiB leaf where a level-0 table already is: refused, the 4 KiB leaf kept.
    uint64_t block = kScratchVaddr + k2MiB;
    KEXPECT(!table.map(block + 5 * kPageSize, kScratchPhys, kPageSize, PteFlags::Read).is_error());
    auto over_table = table.map(block, kScratchPhys + k2MiB, k2MiB, kReadWrite, LargePages::Allowed);
    KASSERT(over_table.is_error());
    KEXPECT_EQ(EEXIST, over_table.error().code());
    KEXPECT_EQ(0u, leaf_level(table, block + 5 * kPageSize));
    KEXPECT(!table.translate(block));

    // A run whose third page is taken: the two pages before it are unmapped again.
    auto run = table.map(block + 3 * kPageSize, kScratchPhys, 3 * kPageSize, kReadWrite);
    KASSERT(run.is_error());
    KEXPECT_EQ(EEXIST, run.error().code());
    KEXPECT(!table.translate(block + 3 * kPageSize));
    KEXPECT(!table.translate(block + 4 * kPageSize));
    KEXPECT_EQ(kScratchPhys, phys_of(table, block + 5 * kPageSize));

    // install_leaf refuses the large leaf too, and leaves it whole.
    auto install = table.install_leaf(large + kPageSize, kScratchPhys + k1GiB, PteFlags::Read);
    KASSERT(install.is_error());
    KEXPECT_EQ(EEXIST, install.error().code());
    KEXPECT_EQ(1u, leaf_level(table, large + kPageSize));
}

KTEST(PageTable, ProtectOfOnePageSplitsTheLargeLeavesAboveIt)
{
    size_t free_before = free_page_count();
    {
        auto created = PageTable::try_create(KernelHalf::Empty);
        KASSERT(!created.is_error());
        PageTable& table = *created.value();
        uint64_t large = kScratchVaddr + k1GiB;  // A 2 MiB leaf.
        KEXPECT(!table.map(kScratchVaddr, kScratchPhys, k1GiB, kReadWrite, LargePages::Allowed).is_error());
        KEXPECT(!table.map(large, kScratchPhys, k2MiB, kReadWrite | PteFlags::User, LargePages::Allowed).is_error());

        // One page of the 2 MiB leaf: one new level-0 table; that page alone changes.
        size_t tables_before = free_page_count();
        uint64_t page = large + 9 * kPageSize;
        KEXPECT(!table.protect(page, kPageSize, PteFlags::Read | PteFlags::User).is_error());
        KEXPECT_EQ(tables_before - 1, free_page_count());
        auto cut = table.translate(page);
        KASSERT(cut);
        KEXPECT_EQ(0u, cut->level);
        KEXPECT_EQ(kScratchPhys + 9 * kPageSize, cut->phys);
        KEXPECT(!has_any(cut->flags, PteFlags::Write));
        KEXPECT(has_all(cut->flags, PteFlags::Read | PteFlags::User | PteFlags::Accessed | PteFlags::Dirty));
        for (uint64_t va : { large, page - kPageSize, page + kPageSize, large + k2MiB - kPageSize }) {
            auto kept = table.translate(va);
            KASSERT(kept);
            KEXPECT_EQ(0u, kept->level);
            KEXPECT_EQ(kScratchPhys + (va - large), kept->phys);
            KEXPECT(has_all(kept->flags, kReadWrite | PteFlags::User));
        }

        // One page of the 1 GiB leaf: split to 2 MiB leaves, then the one holding the page
        // to 4 KiB leaves: two new tables. The other 2 MiB leaves stay whole.
        tables_before = free_page_count();
        uint64_t deep = kScratchVaddr + 3 * k2MiB + 4 * kPageSize;
        KEXPECT(!table.protect(deep, kPageSize, PteFlags::Read).is_error());
        KEXPECT_EQ(tables_before - 2, free_page_count());
        auto deep_cut = table.translate(deep);
        KASSERT(deep_cut);
        KEXPECT_EQ(0u, deep_cut->level);
        KEXPECT_EQ(kScratchPhys + (deep - kScratchVaddr), deep_cut->phys);
        KEXPECT(!has_any(deep_cut->flags, PteFlags::Write));
        KEXPECT_EQ(0u, leaf_level(table, deep + kPageSize));
        KEXPECT_EQ(1u, leaf_level(table, deep + k2MiB));
        KEXPECT_EQ(1u, leaf_level(table, kScratchVaddr));
        auto far = table.translate(kScratchVaddr + k1GiB - kPageSize);
        KASSERT(far);
        KEXPECT_EQ(1u, far->level);
        KEXPECT(has_all(far->flags, kReadWrite));
    }
    // The tables the splits made went with the rest.
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(PageTable, LeafTableUnlockedIsTheLevel0TableTranslateReads)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    uint64_t block = kScratchVaddr + k2MiB;
    uint64_t page = block + 17 * kPageSize;
    KEXPECT(!table.map(page, kScratchPhys, kPageSize, kReadWrite).is_error());
    KEXPECT(!table.map(kScratchVaddr, kScratchPhys, k2MiB, kReadWrite, LargePages::Allowed).is_error());

    PageTable::LeafTable leaf = table.leaf_table_unlocked(page);
    KASSERT(leaf.entries);
    KEXPECT_EQ(kScratchPhys, pte_phys(leaf.entries[17]));
    KEXPECT(!pte_is_valid(leaf.entries[16]));
    KEXPECT(leaf.maps(block));
    KEXPECT(leaf.maps(block + k2MiB - 1));
    KEXPECT(!leaf.maps(block + k2MiB));
    KEXPECT(!leaf.maps(block - 1));
    KEXPECT_EQ(leaf.entries, table.leaf_table_unlocked(block + 300 * kPageSize).entries);

    // No level-0 table: nothing under a large leaf, nor in an empty block or gigabyte.
    for (uint64_t vaddr : { kScratchVaddr + kPageSize, block + k2MiB, kScratchVaddr + k1GiB }) {
        PageTable::LeafTable none = table.leaf_table_unlocked(vaddr);
        KEXPECT(!none.entries);
        KEXPECT(!none.maps(vaddr));
    }
    KEXPECT(!PageTable::LeafTable {}.maps(0));
}

KTEST(PageTable, ProtectChangesPermissionsOnly)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    KEXPECT(!table.map(kScratchVaddr, kScratchPhys, 2 * kPageSize, kReadWrite | PteFlags::User).is_error());
    KEXPECT(!table.protect(kScratchVaddr, kPageSize, PteFlags::Read | PteFlags::Execute | PteFlags::User).is_error());
    auto changed = table.translate(kScratchVaddr);
    auto unchanged = table.translate(kScratchVaddr + kPageSize);
    KASSERT(changed && unchanged);
    KEXPECT(has_all(changed->flags, PteFlags::Read | PteFlags::Execute | PteFlags::User | PteFlags::Accessed));
    KEXPECT(!has_any(changed->flags, PteFlags::Write));
    KEXPECT_EQ(kScratchPhys, changed->phys);
    KEXPECT(has_all(unchanged->flags, kReadWrite | PteFlags::User));
}

KTEST(PageTable, WriteProtectClearsOnlyWriteOfTheLeavesInItsRange)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    // Writable pages on both sides of a 2 MiB boundary (two level-0 tables), a read-only
    // executable page among them, and a hole.
    uint64_t boundary = kScratchVaddr + k2MiB;
    uint64_t start = boundary - 4 * kPageSize;
    constexpr PteFlags kUserReadWrite = kReadWrite | PteFlags::User;
    KEXPECT(!table.map(start, kScratchPhys, 3 * kPageSize, kUserReadWrite).is_error());
    KEXPECT(!table.map(boundary - kPageSize, kScratchPhys + 0x10000, kPageSize,
                       PteFlags::Read | PteFlags::Execute | PteFlags::User)
                 .is_error());
    KEXPECT(!table.map(boundary, kScratchPhys + 0x20000, 3 * kPageSize, kUserReadWrite).is_error());
    // boundary + 3 pages is the hole; one more writable page beyond it, outside the range.
    KEXPECT(!table.map(boundary + 4 * kPageSize, kScratchPhys + 0x30000, kPageSize, kUserReadWrite).is_error());

    // [start + 1 page, boundary + 4 pages): two writable pages below the boundary, the
    // executable one, three writable pages above, the hole.
    auto changed = table.write_protect(start + kPageSize, 3 * kPageSize + 4 * kPageSize);
    KASSERT(!changed.is_error());
    KEXPECT_EQ(5u, changed.value());

    auto first = table.translate(start);
    KASSERT(first);
    KEXPECT(has_all(first->flags, kUserReadWrite)); // Below the range: untouched.
    for (uint64_t va : { start + kPageSize, start + 2 * kPageSize, boundary, boundary + 2 * kPageSize }) {
        auto translation = table.translate(va);
        KASSERT(translation);
        KEXPECT(!has_any(translation->flags, PteFlags::Write));
        KEXPECT(has_all(translation->flags, PteFlags::Read | PteFlags::User | PteFlags::Accessed | PteFlags::Dirty));
        KEXPECT(!has_any(translation->flags, PteFlags::Execute));
        KEXPECT_EQ(0u, translation->level);
    }
    KEXPECT_EQ(kScratchPhys + 2 * kPageSize, phys_of(table, start + 2 * kPageSize));
    KEXPECT_EQ(kScratchPhys + 0x22000, phys_of(table, boundary + 2 * kPageSize));
    auto executable = table.translate(boundary - kPageSize);
    KASSERT(executable);
    KEXPECT(has_all(executable->flags, PteFlags::Read | PteFlags::Execute | PteFlags::User));
    KEXPECT(!table.translate(boundary + 3 * kPageSize));
    auto beyond = table.translate(boundary + 4 * kPageSize);
    KASSERT(beyond);
    KEXPECT(has_all(beyond->flags, kUserReadWrite)); // Above the range: untouched.

    // Nothing writable is left in the range, and empty gigabytes are skipped.
    auto again = table.write_protect(start, 4 * kPageSize + 3 * kPageSize);
    KASSERT(!again.is_error());
    KEXPECT_EQ(1u, again.value()); // Only `start` itself was still writable.
    auto empty = table.write_protect(kScratchVaddr + 4 * k1GiB, 16 * k1GiB);
    KASSERT(!empty.is_error());
    KEXPECT_EQ(0u, empty.value());
}

KTEST(PageTable, WriteProtectKeepsWholeLargeLeavesAndSplitsCutOnes)
{
    size_t free_before = free_page_count();
    {
        auto created = PageTable::try_create(KernelHalf::Empty);
        KASSERT(!created.is_error());
        PageTable& table = *created.value();
        KEXPECT(!table.map(kScratchVaddr, kScratchPhys, 2 * k2MiB, kReadWrite, LargePages::Allowed).is_error());
        KEXPECT_EQ(1u, leaf_level(table, kScratchVaddr));

        // The first 2 MiB leaf lies wholly inside the range: it loses Write and stays whole.
        auto whole = table.write_protect(kScratchVaddr, k2MiB);
        KASSERT(!whole.is_error());
        KEXPECT_EQ(1u, whole.value());
        auto large = table.translate(kScratchVaddr + 5 * kPageSize);
        KASSERT(large);
        KEXPECT_EQ(1u, large->level);
        KEXPECT(!has_any(large->flags, PteFlags::Write));
        KEXPECT_EQ(kScratchPhys + 5 * kPageSize, large->phys);

        // One page of the second: the leaf is split, and only that page loses Write.
        uint64_t page = kScratchVaddr + k2MiB + 7 * kPageSize;
        auto cut = table.write_protect(page, kPageSize);
        KASSERT(!cut.is_error());
        KEXPECT_EQ(1u, cut.value());
        auto protected_page = table.translate(page);
        auto neighbour = table.translate(page + kPageSize);
        KASSERT(protected_page && neighbour);
        KEXPECT_EQ(0u, protected_page->level);
        KEXPECT(!has_any(protected_page->flags, PteFlags::Write));
        KEXPECT_EQ(kScratchPhys + k2MiB + 7 * kPageSize, protected_page->phys);
        KEXPECT(has_all(neighbour->flags, kReadWrite));
        KEXPECT_EQ(kScratchPhys + k2MiB + 8 * kPageSize, neighbour->phys);
    }
    // The table made by the split went with the rest.
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(KernelPageTable, ImageSectionsHaveTheirPermissions)
{
    PageTable& table = kernel_page_table();
    KEXPECT_EQ(table.satp(), kernel_satp());

    auto text = table.translate(reinterpret_cast<uint64_t>(&kernel_page_table));
    KASSERT(text);
    KEXPECT(has_all(text->flags, PteFlags::Read | PteFlags::Execute | PteFlags::Global));
    KEXPECT(!has_any(text->flags, PteFlags::Write | PteFlags::User));
    KEXPECT_EQ(kernel_image_phys(reinterpret_cast<const void*>(&kernel_page_table)), text->phys);

    auto rodata = table.translate(reinterpret_cast<uint64_t>(&s_rodata_probe));
    KASSERT(rodata);
    KEXPECT(has_any(rodata->flags, PteFlags::Read));
    KEXPECT(!has_any(rodata->flags, PteFlags::Write | PteFlags::Execute));

    auto data = table.translate(reinterpret_cast<uint64_t>(&s_data_probe));
    KASSERT(data);
    KEXPECT(has_all(data->flags, kReadWrite));
    KEXPECT(!has_any(data->flags, PteFlags::Execute));

    auto symbols = table.translate(reinterpret_cast<uint64_t>(kernel_data_end));
    if (reinterpret_cast<uint64_t>(kernel_data_end) != reinterpret_cast<uint64_t>(kernel_end)) {
        KASSERT(symbols);
        KEXPECT(!has_any(symbols->flags, PteFlags::Write | PteFlags::Execute));
    }

    KEXPECT(!table.translate(reinterpret_cast<uint64_t>(boot_stack_guard)));
    KEXPECT(table.translate(reinterpret_cast<uint64_t>(boot_stack_bottom)));
}

KTEST(KernelPageTable, DirectMapCoversRamWithoutExecute)
{
    auto allocated = allocate_page(ZeroFill::No);
    KASSERT(!allocated.is_error());
    Page* page = allocated.value();
    auto translation = kernel_page_table().translate(reinterpret_cast<uint64_t>(page_to_virt(page)));
    KASSERT(translation);
    KEXPECT_EQ(page_to_phys(page), translation->phys);
    KEXPECT(has_all(translation->flags, kReadWrite | PteFlags::Global));
    KEXPECT(!has_any(translation->flags, PteFlags::Execute | PteFlags::User));
    free_page(page);

    // The kernel image's frames are in the direct map too (large leaves where aligned).
    auto image = kernel_page_table().translate(kDirectMapBase + kernel_image_phys(kernel_start));
    KASSERT(image);
    KEXPECT(!has_any(image->flags, PteFlags::Execute));
}

KTEST(KernelPageTable, KernelHalfRootEntriesAreAllPresent)
{
    PageTable& table = kernel_page_table();
    size_t missing = 0;
    for (size_t i = kEntriesPerTable / 2; i < kEntriesPerTable; ++i) {
        if (!pte_is_valid(table.root_entry(i)))
            ++missing;
    }
    KEXPECT_EQ(0u, missing);

    // A table that shares the kernel half sees a kernel stack mapped after it was made.
    auto created = PageTable::try_create(KernelHalf::SharedWithKernel);
    KASSERT(!created.is_error());
    auto stack = allocate_kernel_stack();
    KASSERT(!stack.is_error());
    auto seen = created.value()->translate(stack.value().bottom);
    KASSERT(seen);
    KEXPECT_EQ(phys_of(kernel_page_table(), stack.value().bottom), seen->phys);
    KEXPECT(!created.value()->translate(stack.value().bottom - kPageSize));
    free_kernel_stack(stack.value());
    KEXPECT(!created.value()->translate(stack.value().bottom));
}

KTEST(PageTable, TryInstallLeafUnlockedChangesNothingWhereATableIsMissing)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();

    // No level-1 table: nothing installed, and no table allocated to make room.
    size_t free_before = free_page_count();
    KEXPECT_EQ(PageTable::kNotInstalled, table.try_install_leaf_unlocked(kScratchVaddr, kScratchPhys, kReadWrite));
    KEXPECT(!table.translate(kScratchVaddr));
    KEXPECT(!pte_is_valid(table.root_entry(table_index(kScratchVaddr, 2))));
    KEXPECT_EQ(free_before, free_page_count());

    // A level-1 table (made for the next 2 MiB block) but no level-0 table for this block.
    KEXPECT(!table.map(kScratchVaddr + k2MiB, kScratchPhys, kPageSize, kReadWrite).is_error());
    free_before = free_page_count();
    uint64_t no_level0 = kScratchVaddr + kPageSize;
    KEXPECT_EQ(PageTable::kNotInstalled, table.try_install_leaf_unlocked(no_level0, kScratchPhys, kReadWrite));
    KEXPECT(!table.translate(no_level0));
    KEXPECT_EQ(free_before, free_page_count());
    KEXPECT_EQ(kScratchPhys, phys_of(table, kScratchVaddr + k2MiB));

    // A 2 MiB leaf covering the page: refused, and the large leaf is neither split nor changed.
    uint64_t large = kScratchVaddr + 2 * k2MiB;
    KEXPECT(!table.map(large, kScratchPhys, k2MiB, kReadWrite, LargePages::Allowed).is_error());
    free_before = free_page_count();
    KEXPECT_EQ(PageTable::kNotInstalled,
               table.try_install_leaf_unlocked(large + 3 * kPageSize, kScratchPhys + k1GiB, PteFlags::Read));
    auto covered = table.translate(large + 3 * kPageSize);
    KASSERT(covered);
    KEXPECT_EQ(1u, covered->level);
    KEXPECT_EQ(kScratchPhys + 3 * kPageSize, covered->phys);
    KEXPECT(has_all(covered->flags, kReadWrite));
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(PageTable, TryInstallLeafUnlockedInstallsAndReplacesWhereTheLevel0TableExists)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    KASSERT(make_empty_level0_table(table, kScratchVaddr));
    uint64_t page = kScratchVaddr + 7 * kPageSize;
    uint64_t neighbour = page + kPageSize;
    KEXPECT(!table.map(neighbour, kScratchPhys + 0x50000, kPageSize, PteFlags::Read).is_error());
    size_t free_before = free_page_count();
    constexpr PteFlags kAccessedDirty = PteFlags::Accessed | PteFlags::Dirty;

    // Into an invalid entry: the entry replaced is 0.
    constexpr uint64_t kFirst = kScratchPhys + 0x10000;
    auto installed = table.try_install_leaf_unlocked(page, kFirst, kReadWrite | PteFlags::User);
    KASSERT(installed != PageTable::kNotInstalled);
    KEXPECT_EQ(0u, installed);
    auto first = table.translate(page + 0x123);
    KASSERT(first);
    KEXPECT_EQ(kFirst + 0x123, first->phys);
    KEXPECT_EQ(0u, first->level);
    KEXPECT(has_all(first->flags, PteFlags::Valid | kReadWrite | PteFlags::User | kAccessedDirty));
    KEXPECT(!has_any(first->flags, PteFlags::Execute));

    // Over a valid leaf: replaced, and the old entry handed back whole.
    constexpr uint64_t kSecond = kScratchPhys + 0x20000;
    auto replaced = table.try_install_leaf_unlocked(page, kSecond, PteFlags::Read | PteFlags::Execute);
    KASSERT(replaced != PageTable::kNotInstalled);
    KEXPECT(pte_is_leaf(replaced));
    KEXPECT_EQ(kFirst, pte_phys(replaced));
    KEXPECT(has_all(pte_flags(replaced), kReadWrite | PteFlags::User | kAccessedDirty));
    auto second = table.translate(page);
    KASSERT(second);
    KEXPECT_EQ(kSecond, second->phys);
    KEXPECT(has_all(second->flags, PteFlags::Read | PteFlags::Execute | kAccessedDirty));
    KEXPECT(!has_any(second->flags, PteFlags::Write | PteFlags::User));

    // The neighbours in the same table are untouched, and no table was allocated.
    KEXPECT_EQ(kScratchPhys + 0x50000, phys_of(table, neighbour));
    KEXPECT(!table.translate(page - kPageSize));
    KEXPECT_EQ(free_before, free_page_count());

    // The reverse map's removal sees what the swap left: the replaced frame is no longer
    // mapped there, the new one is, and once it is removed the next install replaces 0.
    KEXPECT(!table.unmap_if_maps(page, kFirst));
    KEXPECT_EQ(kSecond, phys_of(table, page));
    KEXPECT(table.unmap_if_maps(page, kSecond));
    KEXPECT(!table.translate(page));
    auto after_removal = table.try_install_leaf_unlocked(page, kFirst, PteFlags::Read);
    KASSERT(after_removal != PageTable::kNotInstalled);
    KEXPECT_EQ(0u, after_removal);
    KEXPECT_EQ(kFirst, phys_of(table, page));
}

KTEST(PageTable, TryInstallLeafUnlockedRacingOnOneEntryReplacesEachInstallAtMostOnce)
{
    auto created = PageTable::try_create(KernelHalf::Empty);
    KASSERT(!created.is_error());
    PageTable& table = *created.value();
    KASSERT(make_empty_level0_table(table, kScratchVaddr));
    const size_t racers = online_cpu_count() * 2 + 1 <= kMaxRacers ? online_cpu_count() * 2 + 1 : kMaxRacers;
    const size_t installs = racers * kRacingRounds;
    RacingInstalls record;
    KASSERT(record.records);
    for (size_t n = 0; n < installs; ++n)
        record[n] = RacingInstall { false, 0, 0 };

    // Every racer installs its own frames over the same entry. Each swap that succeeds
    // replaces what the previous successful one put there, so the entries handed back are
    // the invalid one and then each successful install but the last, each exactly once.
    // An install that read an entry and stored over it without the compare-and-swap would
    // hand back an entry another install had also replaced (or lose one entirely).
    //
    // The racers start together (yielding while they wait, so that on one hart the others
    // get to arrive), else each could be done before the next one was even running.
    // They are waited for until reaped, not just joined: the reaper frees their stacks
    // later otherwise, which would upset the free-frame counts of the tests after this one.
    std::atomic<size_t> arrived { 0 };
    std::atomic<size_t> started { racers };
    auto race = [&](size_t racer) {
        arrived.fetch_add(1);
        while (arrived.load() < started.load())
            Thread::yield();
        for (size_t round = 0; round < kRacingRounds; ++round) {
            size_t n = racer * kRacingRounds + round;
            auto old = table.try_install_leaf_unlocked(kScratchVaddr, racing_frame(n), kReadWrite);
            if (old != PageTable::kNotInstalled) {
                record[n].installed = true;
                record[n].replaced = old;
            }
        }
    };
    RefPtr<Thread> threads[kMaxRacers];
    size_t spawned = 0;
    for (; spawned < racers; ++spawned) {
        auto thread = Thread::try_spawn("install racer", [&race, spawned] { race(spawned); });
        if (thread.is_error()) {
            started.store(spawned); // Let the ones already running go.
            break;
        }
        threads[spawned] = thread.release_value();
    }
    for (size_t racer = 0; racer < spawned; ++racer)
        threads[racer]->wait_until_reaped();
    KASSERT(spawned == racers);

    size_t successes = 0;
    size_t invalid_replaced = 0;
    size_t unknown_replaced = 0;
    size_t replaced_twice = 0;
    for (size_t n = 0; n < installs; ++n) {
        if (!record[n].installed)
            continue;
        ++successes;
        Pte old = record[n].replaced;
        if (!pte_is_valid(old)) {
            ++invalid_replaced;
            continue;
        }
        uint64_t frame = (pte_phys(old) - kScratchPhys) / kPageSize;
        if (frame == 0 || frame > installs || !record[frame - 1].installed) {
            ++unknown_replaced;
            continue;
        }
        if (++record[frame - 1].times_replaced > 1)
            ++replaced_twice;
    }
    KEXPECT(successes > 0);
    KEXPECT_EQ(1u, invalid_replaced);
    KEXPECT_EQ(0u, unknown_replaced);
    KEXPECT_EQ(0u, replaced_twice);

    // The entry left holds a successful install that nobody replaced; all the others were.
    auto last = table.translate(kScratchVaddr);
    KASSERT(last);
    uint64_t last_frame = (last->phys - kScratchPhys) / kPageSize;
    KASSERT(last_frame >= 1 && last_frame <= installs);
    KEXPECT(record[last_frame - 1].installed);
    KEXPECT_EQ(0u, record[last_frame - 1].times_replaced);
    size_t never_replaced = 0;
    for (size_t n = 0; n < installs; ++n) {
        if (record[n].installed && record[n].times_replaced == 0)
            ++never_replaced;
    }
    KEXPECT_EQ(1u, never_replaced);
}
