// PageTable: one Sv39 translation tree (a root frame and the tables below it), and the one
// walker under every map, unmap, protect and translate in the kernel.
//
//   satp -> root (level 2) --> level-1 table --> level-0 table --> 4 KiB frame
//                 |                 `--> 2 MiB leaf
//                 `--> 1 GiB leaf
//
// The address split and the entry format are in arch/riscv64/sv39.h.
//
// Rules the walker keeps:
//   - Every leaf it writes has A and D set, so nothing depends on the hardware updating
//     them (many implementations fault instead).
//   - Mapping never replaces a valid entry: mapping over an existing mapping is EEXIST.
//     (install_leaf, the fault pipeline's one-page install, replaces on purpose and says
//     what it replaced.)
//   - Unmapping or protecting part of a large leaf first splits it into a table of
//     next-smaller leaves with the same flags (which can fail with ENOMEM).
//   - Intermediate tables are allocated on demand (zero-filled, PageUse::PageTable) and
//     kept until the PageTable is destroyed, even if they become empty.
//   - The destructor frees the tables reachable from root entries 0..255 (the user half)
//     and the root. The tables under root entries 256..511 belong to the kernel page table
//     and are shared by every address space (mm/kernel_page_table.h): never freed.
//   - The frames that leaves point to are not the page table's: unmapping never frees them.
//
// TLB: map, unmap and protect flush the changed addresses from this hart's TLB when the
// table is the active one. Other harts are the caller's business (a remote sfence.vma),
// because only the caller knows which harts may be using the table.
//
// Locking: each PageTable has its own Spinlock of rank LockRank::PageTable; only the page
// allocator's lock (PhysicalMemory) is taken inside it. All public functions take
// it themselves; callers hold no page-table lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/sv39.h"
#include "lib/assert.h"
#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "sync/spinlock.h"

using sv39::PteFlags;

// Whether map() may use 2 MiB and 1 GiB leaves where the addresses line up.
enum class LargePages : uint8_t { Forbidden, Allowed };

// What a new page table holds in its kernel half (root entries 256..511).
enum class KernelHalf : uint8_t {
    Empty,            // Nothing: for the kernel page table itself, and for tests.
    SharedWithKernel, // Copies of the kernel page table's root entries 256..511.
};

struct Translation {
    uint64_t phys;   // The physical address `vaddr` translates to (offset included).
    PteFlags flags;  // The leaf's flags.
    unsigned level;  // The leaf's level: 0 (4 KiB), 1 (2 MiB), 2 (1 GiB).
};

class PageTable {
public:
    // Allocates a zeroed root frame (and copies the kernel half if asked). ENOMEM if no frame.
    static ErrorOr<OwnPtr<PageTable>> try_create(KernelHalf kernel_half);

    ~PageTable();
    PageTable(const PageTable&) = delete;
    PageTable& operator=(const PageTable&) = delete;

    uint64_t root_phys() const { return m_root_phys; }
    uint64_t satp() const { return sv39::make_satp(m_root_phys); }

    // Maps [vaddr, vaddr + size) to [paddr, paddr + size) with `flags` (some of R W X U G;
    // V, A and D are added). All three numbers must be page-aligned and the range
    // canonical. With LargePages::Allowed, 2 MiB and 1 GiB leaves are used wherever both
    // addresses are aligned to them. On failure (EEXIST, ENOMEM) nothing stays mapped.
    ErrorOr<void> map(uint64_t vaddr, uint64_t paddr, uint64_t size, PteFlags flags,
                      LargePages large_pages = LargePages::Forbidden);

    // Removes every mapping in [vaddr, vaddr + size); holes are skipped. ENOMEM only if a
    // large leaf straddling an end had to be split and no frame was left; the part before
    // the failure is then unmapped.
    ErrorOr<void> unmap(uint64_t vaddr, uint64_t size);

    // Replaces the permission bits (R W X U G) of every mapping in [vaddr, vaddr + size);
    // holes are skipped. Same failure rule as unmap().
    ErrorOr<void> protect(uint64_t vaddr, uint64_t size, PteFlags flags);

    // Removes Write from every leaf in [vaddr, vaddr + size), leaving its other bits alone,
    // and returns how many leaves lost it; holes and read-only leaves are skipped. fork's
    // pass over a parent's private memory: each level-0 table is swept in one loop rather
    // than each page walked from the root, and this hart's TLB is flushed once, whole, at
    // the end (if anything changed) rather than page by page. A large leaf straddling an
    // end is split first, as protect() does; ENOMEM then, with the part before protected.
    ErrorOr<size_t> write_protect(uint64_t vaddr, uint64_t size);

    // Removes the 4 KiB leaf of `vaddr` (page-aligned) if it maps the frame at `paddr`, and
    // says whether it did. The reverse map's primitive: the page cache takes a frame out of
    // page tables whose address spaces it does not lock, so it checks what the entry
    // names under this table's lock instead.
    bool unmap_if_maps(uint64_t vaddr, uint64_t paddr);

    // Points the 4 KiB leaf of `vaddr` (page-aligned, canonical) at the frame `paddr` with
    // `flags` (as for map()), whether or not a leaf was there, in one walk under one lock
    // round trip, allocating missing tables. Returns the entry it replaced (0 if it was
    // invalid), so that the caller can tell whether other harts may cache the old
    // translation; this hart's TLB entry is flushed either way. ENOMEM; EEXIST if a large
    // leaf covers `vaddr`. The fault pipeline's one-page install.
    ErrorOr<sv39::Pte> install_leaf(uint64_t vaddr, uint64_t paddr, PteFlags flags);

    // install_leaf without the table's lock, for the fault path's common case: walks down
    // with plain loads and, if the level-0 table exists, swaps the new entry in with one
    // compare-and-swap against the entry it read, and flushes this hart as install_leaf
    // does. Returns the entry replaced, or kNotInstalled (nothing changed) if a table on
    // the path is missing, a large leaf covers `vaddr`, or the entry changed between the
    // load and the swap; the caller then falls back to install_leaf. (A sentinel rather
    // than an optional, which would come back through memory: this is every fault's call.)
    //
    // Why no lock is needed for the walk: tables are linked only under m_lock and never
    // unlinked or freed while the PageTable lives, and every path that links one runs
    // under the owning address space's lock, which the caller holds; so the tables read
    // cannot change. Why the caller must still be careful about the entry: writers under
    // m_lock that read an entry, decide, then store (unmap_if_maps) could overwrite the
    // swap's result in between. The caller must therefore hold a lock that every such
    // writer of this entry holds too: for a page of a file mapping, the file object's lock
    // (the reverse map writes file PTEs only under it); for anonymous memory, which no
    // reverse map reaches, the address-space lock is enough.
    //
    // The walk is skipped when `vaddr` lies in the same 2 MiB as the previous call's: the
    // level-0 table found then is remembered (m_leaf_hint), which is safe for the same
    // reason the walk is (a linked table stays linked, at the same place, for good).
    // Inline, with the walk out of line (walk_to_leaf_table_unlocked): a hit of the hint is
    // every fault's install.
    static constexpr sv39::Pte kNotInstalled = ~sv39::Pte(0);  // Reserved bits set: no real entry.
    sv39::Pte try_install_leaf_unlocked(uint64_t vaddr, uint64_t paddr, PteFlags flags);

    // The leaf entry map() writes for `paddr` and `flags`.
    static sv39::Pte leaf_pte(uint64_t paddr, PteFlags flags)
    {
        using namespace sv39;
        PteFlags leaf_flags = (flags & (kPermissionFlags | PteFlags::User | PteFlags::Global)) | PteFlags::Valid
            | PteFlags::Accessed | PteFlags::Dirty;
        return make_pte(paddr, leaf_flags);
    }

    // Fault-around's batch: for each i < count, maps the page at `vaddr + i * 4096` to
    // `paddrs[i]` with `flags` if paddrs[i] is not 0 and no leaf maps that page yet; valid
    // entries are left alone. The pages must lie in one level-0 table (one 2 MiB-aligned
    // block), which is walked to once; if that table does not exist nothing is mapped.
    // Nothing was valid before, so no TLB needs a flush. Returns how many it mapped.
    size_t install_leaves_if_absent(uint64_t vaddr, const uint64_t* paddrs, size_t count, PteFlags flags);

    // The translation of one address, or nullopt if it is not mapped.
    std::optional<Translation> translate(uint64_t vaddr) const;

    // Makes sure root entries [first, last] each point to a table (allocating empty ones),
    // so that later mappings below them never change the root. For the kernel half.
    ErrorOr<void> populate_root_entries(size_t first, size_t last);

    // The raw root entry `index`, for sharing the kernel half and for tests.
    sv39::Pte root_entry(size_t index) const;

    // Prints every leaf, merging runs that are contiguous in both spaces with equal flags.
    void dump() const;

private:
    enum class CreateTables : uint8_t { No, Yes };

    explicit PageTable(uint64_t root_phys)
        : m_root_phys(root_phys)
    {
    }

    sv39::Pte* root() const;

    // The entry for `vaddr` at `level`, descending from the root. Missing tables are
    // allocated with CreateTables::Yes (else nullptr is returned); a large leaf above
    // `level` is split. Expects m_lock held.
    ErrorOr<sv39::Pte*> entry_at_level_locked(uint64_t vaddr, unsigned level, CreateTables create);

    // The leaf mapping `vaddr` and its level, or nullptr and the level at which the walk
    // found an invalid entry. Expects m_lock held (or the table otherwise quiescent).
    sv39::Pte* find_leaf_locked(uint64_t vaddr, unsigned& level) const;

    // Turns the large leaf `*entry` at `level` into a table of `level - 1` leaves.
    ErrorOr<void> split_leaf_locked(sv39::Pte* entry, unsigned level);

    // Applies `change` to every leaf in the range, splitting leaves that straddle its ends.
    template<typename Change>
    ErrorOr<void> for_each_leaf_locked(uint64_t vaddr, uint64_t size, Change change);

    void flush_local(uint64_t vaddr) const;

    // The level-0 table try_install_leaf_unlocked last walked to and the 2 MiB region it
    // maps, in one word so that racing callers never pair one's region with another's
    // table: the table's frame number above kLeafHintRegionBits bits of region number.
    static constexpr unsigned kLeafHintRegionBits = 20;
    static constexpr uint64_t kNoLeafHint = ~uint64_t(0);  // Its region field matches none.
    static constexpr unsigned kRegionShift = sv39::kPageShift + sv39::kIndexBits;  // 2 MiB.
    static constexpr uint64_t leaf_hint_region(uint64_t vaddr)
    {
        return (vaddr >> kRegionShift) & ((uint64_t(1) << (sv39::kVirtualAddressBits - kRegionShift)) - 1);
    }
    static_assert(sv39::kVirtualAddressBits - kRegionShift < kLeafHintRegionBits);

    // try_install_leaf_unlocked's walk when the hint misses: the level-0 table for `vaddr`
    // (remembered in the hint), or nullptr if a table on the way is missing.
    sv39::Pte* walk_to_leaf_table_unlocked(uint64_t vaddr);

    uint64_t m_root_phys;
    mutable Spinlock m_lock { "page table", LockRank::PageTable };
    std::atomic<uint64_t> m_leaf_hint { kNoLeafHint };
};

inline sv39::Pte PageTable::try_install_leaf_unlocked(uint64_t vaddr, uint64_t paddr, PteFlags flags)
{
    using namespace sv39;
    ASSERT(((vaddr | paddr) & (::kPageSize - 1)) == 0 && is_canonical(vaddr));
    ASSERT(has_any(flags, kPermissionFlags));
    ASSERT(!has_any(flags, PteFlags::Write) || has_any(flags, PteFlags::Read));
    uint64_t hint = m_leaf_hint.load(std::memory_order_relaxed);
    Pte* table;
    if ((hint & ((uint64_t(1) << kLeafHintRegionBits) - 1)) == leaf_hint_region(vaddr)) [[likely]] {
        table = static_cast<Pte*>(phys_to_virt((hint >> kLeafHintRegionBits) << sv39::kPageShift));
    } else {
        table = walk_to_leaf_table_unlocked(vaddr);
        if (!table) [[unlikely]]
            return kNotInstalled;
    }
    Pte* entry = &table[table_index(vaddr, 0)];
    Pte old = __atomic_load_n(entry, __ATOMIC_RELAXED);
    if (!__atomic_compare_exchange_n(entry, &old, leaf_pte(paddr, flags), false, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED)) [[unlikely]]
        return kNotInstalled;
    // This hart's TLB, as flush_local() does.
    local_flush_tlb_page(vaddr);
    return old;
}
