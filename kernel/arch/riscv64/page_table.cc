// The Sv39 walker: see page_table.h.
#include "arch/riscv64/page_table.h"

#include <atomic>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "lib/assert.h"
#include "lib/kprintf.h"
#include "lib/plain_store.h"
#include "mm/kernel_page_table.h"
#include "mm/physical_allocator.h"

using namespace sv39;

namespace {

constexpr size_t kFirstKernelRootEntry = kEntriesPerTable / 2;

Pte* table_at(uint64_t phys) { return static_cast<Pte*>(phys_to_virt(phys)); }

ErrorOr<uint64_t> allocate_table()
{
    Page* page = TRY(allocate_page(ZeroFill::Yes, PageUse::PageTable));
    return page_to_phys(page);
}

void free_table(uint64_t phys)
{
    Page* page = page_from_phys(phys);
    ASSERT(page && page->use == PageUse::PageTable);
    free_page(page);
}

// Frees the table at `phys` (at `level`) and every table below it.
void free_table_tree(uint64_t phys, unsigned level)
{
    if (level > 0) {
        Pte* table = table_at(phys);
        for (size_t i = 0; i < kEntriesPerTable; ++i) {
            if (pte_is_table(table[i]))
                free_table_tree(pte_phys(table[i]), level - 1);
        }
    }
    free_table(phys);
}

// Bytes from `vaddr` to the next boundary of a `level` leaf.
uint64_t distance_to_boundary(uint64_t vaddr, unsigned level)
{
    uint64_t span = level_size(level);
    return span - (vaddr & (span - 1));
}

// for_each_leaf_locked's changes. Each gets every large leaf in the range and every entry
// of the level-0 tables in it, holes included, and says whether it changed the entry.
bool clear_leaf(Pte* entry)
{
    if (!pte_is_valid(*entry))
        return false;
    // Relaxed: a cleared entry publishes nothing, and the flush that follows orders it.
    klib::store_relaxed(*entry, Pte(0));
    return true;
}

} // namespace

ErrorOr<OwnPtr<PageTable>> PageTable::try_create(KernelHalf kernel_half)
{
    uint64_t root_phys = TRY(allocate_table());
    auto* table = new (std::nothrow) PageTable(root_phys);
    if (!table) {
        free_table(root_phys);
        return Error::from_errno(ENOMEM);
    }
    if (kernel_half == KernelHalf::SharedWithKernel) {
        // The kernel's root entries never change after boot (kernel_page_table.h), so a
        // copy taken now stays exact for the life of this table.
        const PageTable& kernel = kernel_page_table();
        for (size_t i = kFirstKernelRootEntry; i < kEntriesPerTable; ++i)
            table->root()[i] = kernel.root_entry(i);
    }
    return adopt_own(table);
}

PageTable::~PageTable()
{
    Pte* entries = root();
    for (size_t i = 0; i < kFirstKernelRootEntry; ++i) {
        if (pte_is_table(entries[i]))
            free_table_tree(pte_phys(entries[i]), kRootLevel - 1);
    }
    free_table(m_root_phys);
}

Pte* PageTable::root() const { return table_at(m_root_phys); }

Pte PageTable::root_entry(size_t index) const
{
    ASSERT(index < kEntriesPerTable);
    return __atomic_load_n(&root()[index], __ATOMIC_RELAXED);
}

void PageTable::flush_local(uint64_t vaddr) const
{
    // Kernel-half changes are visible through every address space, and a user-half change
    // to a table that is not active costs one needless fence: cheaper than deciding.
    local_flush_tlb_page(vaddr);
}

Pte PageTable::link_new_table_locked(Pte* entry) const
{
    m_lock.assert_locked();
    auto table_phys = allocate_table();
    if (table_phys.is_error())
        return 0;
    // Release: an unlocked walk that sees the link sees the table's zeroes too.
    Pte link = make_pte(table_phys.value(), PteFlags::Valid);
    klib::store_release(*entry, link);
    return link;
}

// Inline in each caller (all in this file), the loop unrolled: a call, or a shift count
// computed per level, would cost more than the descent itself.
template<PageTable::CreateTables create>
[[gnu::always_inline]] inline PageTable::Walk PageTable::walk(uint64_t vaddr, unsigned stop_level) const
{
    Pte* table = root();
#pragma GCC unroll 2
    for (unsigned level = kRootLevel; level > stop_level; --level) {
        Pte* entry = &table[table_index(vaddr, level)];
        Pte pte = __atomic_load_n(entry, __ATOMIC_RELAXED);
        if (!pte_is_table(pte)) {
            if (create == CreateTables::No || pte_is_leaf(pte))
                return { entry, level };  // A leaf above stop_level, or a hole.
            pte = link_new_table_locked(entry);
            if (pte == 0)
                return { nullptr, level };
        }
        table = table_at(pte_phys(pte));
    }
    return { &table[table_index(vaddr, stop_level)], stop_level };
}

PageTable::Walk PageTable::find_leaf_locked(uint64_t vaddr) const
{
    m_lock.assert_locked();
    Walk found = walk<CreateTables::No>(vaddr, 0);
    if (!pte_is_leaf(*found.entry))
        found.entry = nullptr;
    return found;
}

PageTable::LeafTable PageTable::leaf_table_unlocked(uint64_t vaddr) const
{
    ASSERT(is_canonical(vaddr));
    Walk found = walk<CreateTables::No>(vaddr, 0);
    if (found.level != 0)
        return {};
    return { found.entry - table_index(vaddr, 0), vaddr >> kLeafTableShift };
}

ErrorOr<void> PageTable::split_leaf_locked(Pte* entry, unsigned level)
{
    m_lock.assert_locked();
    ASSERT(level > 0 && pte_is_leaf(*entry));
    uint64_t table_phys = TRY(allocate_table());
    Pte* table = table_at(table_phys);
    uint64_t base = pte_phys(*entry);
    PteFlags flags = pte_flags(*entry);
    uint64_t child_size = level_size(level - 1);
    for (size_t i = 0; i < kEntriesPerTable; ++i)
        table[i] = make_pte(base + i * child_size, flags);
    // One store replaces the leaf, so a concurrent hardware walk sees either the old
    // large leaf or the new table, and both translate every address identically.
    klib::store_release(*entry, make_pte(table_phys, PteFlags::Valid));
    return {};
}

ErrorOr<void> PageTable::map(uint64_t vaddr, uint64_t paddr, uint64_t size, PteFlags flags, LargePages large_pages)
{
    ASSERT(is_aligned(vaddr, kPageSize) && is_aligned(paddr, kPageSize) && is_aligned(size, kPageSize));
    ASSERT(is_canonical(vaddr) && is_canonical(vaddr + size - 1));
    ASSERT(has_any(flags, kPermissionFlags));
    // W without R is a reserved encoding.
    ASSERT(!has_any(flags, PteFlags::Write) || has_any(flags, PteFlags::Read));
    unsigned max_level = large_pages == LargePages::Allowed ? kRootLevel : 0;

    SpinlockLocker guard(m_lock);
    uint64_t done = 0;
    while (done < size) {
        uint64_t va = vaddr + done;
        unsigned level = best_leaf_level(va, paddr + done, size - done, max_level);
        Walk slot = walk<CreateTables::Yes>(va, level);
        int error = 0;
        if (!slot.entry)
            error = ENOMEM;
        else if (slot.level != level || pte_is_valid(*slot.entry))
            error = EEXIST;  // A large leaf above `level`, or a leaf or table at it.
        if (error) {
            // Undo what this call mapped: whole leaves only, so no split and no failure.
            if (done > 0) {
                auto undone = for_each_leaf_locked(vaddr, done, Flush::ChangedRange, clear_leaf);
                ASSERT(!undone.is_error());
            }
            return Error::from_errno(error);
        }
        klib::store_release(*slot.entry, leaf_pte(paddr + done, flags));
        flush_local(va);
        done += level_size(level);
    }
    return {};
}

template<typename Change>
ErrorOr<size_t> PageTable::for_each_leaf_locked(uint64_t vaddr, uint64_t size, Flush flush, Change change)
{
    m_lock.assert_locked();
    size_t changed = 0;
    uint64_t first_changed = ~uint64_t(0);  // The lowest and highest address changed (ChangedRange).
    uint64_t last_changed = 0;
    auto note_change = [&](uint64_t at) {
        ++changed;
        if (at < first_changed)
            first_changed = at;
        last_changed = at;  // The walk goes up, so the last change is the highest.
    };
    ErrorOr<void> status {};
    uint64_t va = vaddr;
    uint64_t remaining = size;
    while (remaining > 0) {
        // Down to va's entry: a hole, a large leaf, or an entry of a level-0 table.
        auto [entry, level] = walk<CreateTables::No>(va, 0);
        if (level == 0) {
            // The rest of this level-0 table that the range covers, in one sweep.
            uint64_t span = distance_to_boundary(va, 1);
            if (span > remaining)
                span = remaining;
            for (size_t i = 0, count = span / kPageSize; i < count; ++i) {
                if (change(&entry[i]))
                    note_change(va + i * kPageSize);
            }
            va += span;
            remaining -= span;
            continue;
        }
        uint64_t step = distance_to_boundary(va, level);
        if (pte_is_leaf(*entry)) {
            if (step != level_size(level) || remaining < step) {
                // The range covers only part of this large leaf: split it and look again.
                status = split_leaf_locked(entry, level);
                if (status.is_error())
                    break;
                continue;
            }
            if (change(entry))
                note_change(va);
        }
        if (step >= remaining)
            break;
        va += step;
        remaining -= step;
    }
    // One flush for the whole operation, after the last store: the pages from the lowest
    // change to the highest one by one if they are few (a large leaf is flushed through
    // its first address, which lies on that page grid), else everything.
    if (changed > 0) {
        if (flush == Flush::AllAtEnd)
            local_flush_tlb_all();
        else
            local_flush_tlb_range(first_changed, last_changed - first_changed + kPageSize);
    }
    if (status.is_error())
        return status.release_error();
    return changed;
}

ErrorOr<void> PageTable::unmap(uint64_t vaddr, uint64_t size)
{
    ASSERT(is_aligned(vaddr, kPageSize) && is_aligned(size, kPageSize));
    SpinlockLocker guard(m_lock);
    TRY(for_each_leaf_locked(vaddr, size, Flush::ChangedRange, clear_leaf));
    return {};
}

ErrorOr<void> PageTable::protect(uint64_t vaddr, uint64_t size, PteFlags flags)
{
    ASSERT(is_aligned(vaddr, kPageSize) && is_aligned(size, kPageSize));
    ASSERT(has_any(flags, kPermissionFlags));
    ASSERT(!has_any(flags, PteFlags::Write) || has_any(flags, PteFlags::Read));
    constexpr PteFlags kChangeable = kPermissionFlags | PteFlags::User | PteFlags::Global;
    PteFlags new_bits = flags & kChangeable;
    SpinlockLocker guard(m_lock);
    TRY(for_each_leaf_locked(vaddr, size, Flush::ChangedRange, [new_bits](Pte* entry) {
        Pte pte = *entry;
        if (!pte_is_valid(pte))
            return false;
        klib::store_release(*entry, (pte & ~uint64_t(kChangeable)) | uint64_t(new_bits));
        return true;
    }));
    return {};
}

ErrorOr<size_t> PageTable::write_protect(uint64_t vaddr, uint64_t size)
{
    ASSERT(is_aligned(vaddr, kPageSize) && is_aligned(size, kPageSize));
    SpinlockLocker guard(m_lock);
    // Clearing a bit publishes nothing new, so relaxed stores and one fence at the end
    // suffice: no hart may keep a writable translation past that flush (other harts are
    // the caller's). A valid entry of a level-0 table is always a leaf, and Write never
    // comes without Read, so Valid and Write together mean a writable leaf.
    return for_each_leaf_locked(vaddr, size, Flush::AllAtEnd, [](Pte* entry) {
        constexpr Pte kWritable = uint64_t(PteFlags::Valid | PteFlags::Write);
        Pte pte = *entry;
        if ((pte & kWritable) != kWritable)
            return false;
        klib::store_relaxed(*entry, pte & ~uint64_t(PteFlags::Write));
        return true;
    });
}

std::optional<Translation> PageTable::translate(uint64_t vaddr) const
{
    if (!is_canonical(vaddr))
        return std::nullopt;
    SpinlockLocker guard(m_lock);
    auto [leaf, level] = find_leaf_locked(vaddr);
    if (!leaf)
        return std::nullopt;
    uint64_t offset = vaddr & (level_size(level) - 1);
    return Translation { pte_phys(*leaf) + offset, pte_flags(*leaf), level };
}

ErrorOr<Pte> PageTable::install_leaf(uint64_t vaddr, uint64_t paddr, PteFlags flags)
{
    ASSERT(is_aligned(vaddr, kPageSize) && is_aligned(paddr, kPageSize) && is_canonical(vaddr));
    ASSERT(has_any(flags, kPermissionFlags));
    ASSERT(!has_any(flags, PteFlags::Write) || has_any(flags, PteFlags::Read));
    Pte pte = leaf_pte(paddr, flags);
    SpinlockLocker guard(m_lock);
    Walk slot = walk<CreateTables::Yes>(vaddr, 0);
    if (!slot.entry)
        return Error::from_errno(ENOMEM);
    if (slot.level != 0)
        return Error::from_errno(EEXIST);  // A large leaf covers `vaddr`.
    Pte old = *slot.entry;
    klib::store_release(*slot.entry, pte);
    flush_local(vaddr);
    return old;
}

size_t PageTable::install_leaves_if_absent(uint64_t vaddr, const uint64_t* paddrs, size_t count, PteFlags flags)
{
    if (count == 0)
        return 0;
    ASSERT(is_aligned(vaddr, kPageSize) && is_canonical(vaddr));
    ASSERT(table_index(vaddr, 0) + count <= kEntriesPerTable);
    ASSERT(has_any(flags, kPermissionFlags));
    ASSERT(!has_any(flags, PteFlags::Write) || has_any(flags, PteFlags::Read));
    Pte bits = leaf_pte(0, flags);
    SpinlockLocker guard(m_lock);
    auto [entries, level] = walk<CreateTables::No>(vaddr, 0);
    if (level != 0)
        return 0;  // No level-0 table (a hole above it, or a large leaf).
    // One release fence for every entry below (rather than one per entry: under QEMU with
    // several harts each fence is a host memory barrier): what the frames hold is ordered
    // before any of their entries.
    std::atomic_thread_fence(std::memory_order_release);
    size_t mapped = 0;
    for (size_t i = 0; i < count; ++i) {
        if (paddrs[i] == 0 || pte_is_valid(entries[i]))
            continue;
        klib::store_relaxed(entries[i], make_pte(paddrs[i], PteFlags::None) | bits);
        ++mapped;
    }
    return mapped;
}

bool PageTable::unmap_if_maps(uint64_t vaddr, uint64_t paddr)
{
    if (!is_canonical(vaddr))
        return false;
    SpinlockLocker guard(m_lock);
    auto [leaf, level] = find_leaf_locked(vaddr);
    if (!leaf || level != 0 || pte_phys(*leaf) != paddr)
        return false;
    klib::store_release(*leaf, Pte(0));
    flush_local(vaddr);
    return true;
}

bool PageTable::clear_accessed_if_maps(uint64_t vaddr, uint64_t paddr)
{
    if (!is_canonical(vaddr))
        return false;
    SpinlockLocker guard(m_lock);
    auto [leaf, level] = find_leaf_locked(vaddr);
    if (!leaf || level != 0 || pte_phys(*leaf) != paddr)
        return false;
    constexpr Pte kAccessed = Pte(PteFlags::Accessed);
    // Read first, so that an entry not used since the last look is not written at all.
    if (!(__atomic_load_n(leaf, __ATOMIC_RELAXED) & kAccessed))
        return false;
    // An atomic AND: the hardware may set A or D in this entry at the same time.
    return __atomic_fetch_and(leaf, ~kAccessed, __ATOMIC_RELAXED) & kAccessed;
}

ErrorOr<void> PageTable::populate_root_entries(size_t first, size_t last)
{
    ASSERT(first <= last && last < kEntriesPerTable);
    SpinlockLocker guard(m_lock);
    for (size_t i = first; i <= last; ++i) {
        if (pte_is_valid(root()[i]))
            continue;
        uint64_t phys = TRY(allocate_table());
        klib::store_release(root()[i], make_pte(phys, PteFlags::Valid));
    }
    return {};
}

namespace {

// Accumulates leaves into runs that are contiguous in both address spaces.
struct DumpRun {
    uint64_t vstart { 0 };
    uint64_t pstart { 0 };
    uint64_t size { 0 };
    PteFlags flags { PteFlags::None };

    void flush()
    {
        if (size == 0)
            return;
        auto bit = [&](PteFlags f, char c) { return has_any(flags, f) ? c : '-'; };
        kprintf("  %p..%p -> %p %c%c%c%c%c\n", reinterpret_cast<void*>(vstart),
                reinterpret_cast<void*>(vstart + size), reinterpret_cast<void*>(pstart), bit(PteFlags::Read, 'r'),
                bit(PteFlags::Write, 'w'), bit(PteFlags::Execute, 'x'), bit(PteFlags::User, 'u'),
                bit(PteFlags::Global, 'g'));
        size = 0;
    }

    void add(uint64_t vaddr, uint64_t paddr, uint64_t bytes, PteFlags leaf_flags)
    {
        if (size && vstart + size == vaddr && pstart + size == paddr && flags == leaf_flags) {
            size += bytes;
            return;
        }
        flush();
        vstart = vaddr;
        pstart = paddr;
        size = bytes;
        flags = leaf_flags;
    }
};

void dump_table(const Pte* table, unsigned level, uint64_t base, DumpRun& run)
{
    for (size_t i = 0; i < kEntriesPerTable; ++i) {
        uint64_t vaddr = level == kRootLevel ? root_entry_base(i) : base + i * level_size(level);
        if (pte_is_leaf(table[i]))
            run.add(vaddr, pte_phys(table[i]), level_size(level), pte_flags(table[i]));
        else if (pte_is_table(table[i]) && level > 0)
            dump_table(table_at(pte_phys(table[i])), level - 1, vaddr, run);
    }
}

} // namespace

void PageTable::dump() const
{
    SpinlockLocker guard(m_lock);
    kprintf("page table at %p:\n", reinterpret_cast<void*>(m_root_phys));
    DumpRun run;
    dump_table(root(), kRootLevel, 0, run);
    run.flush();
}
