// PageTable: one Sv39 translation tree (a root frame and the tables below it), and the
// walker under every map, unmap, protect, install and translate in the kernel.
//
//   satp -> root (level 2) --> level-1 table --> level-0 table --> 4 KiB frame
//                 |                 `--> 2 MiB leaf
//                 `--> 1 GiB leaf
//
// The address split and the entry format are in arch/riscv64/sv39.h.
//
// The walk: every operation reaches its entries through one function,
// walk<create>(vaddr, stop_level), the only loop over the levels. It descends from the
// root towards `vaddr` and stops at the entry of level `stop_level`, or earlier at the
// first entry that is not a table (a leaf or a hole), and returns that entry and its
// level. With CreateTables::Yes it fills a hole above `stop_level` with a new table and
// goes on, so that only a leaf stops it early. What each operation asks of it:
//   map             walk<Yes>(va, leaf level) per leaf; stopped above it: a large leaf, EEXIST
//   install_leaf    walk<Yes>(va, 0); stopped above level 0: a large leaf, EEXIST
//   unmap, protect, write_protect: for_each_leaf_locked, the range walker: walk<No>(va, 0)
//                   once per level-0 table, large leaf or hole, then a sweep along each
//                   level-0 table (so fork's write_protect costs a walk per 512 pages)
//   translate, unmap_if_maps, clear_accessed_if_maps, install_leaves_if_absent:
//                   walk<No>(va, 0) once
//   leaf_table_unlocked (and so try_install_leaf_unlocked): walk<No>(va, 0) without the lock
// The tree-wide passes (the destructor, dump) visit every table rather than descend to an
// address, and do not use it.
//
// Rules the walker keeps:
//   - Every leaf it writes has A and D set, so nothing depends on the hardware updating
//     them (many implementations fault instead). Only clear_accessed_if_maps clears A
//     afterwards (page reclaim's look for use); D is never cleared.
//   - Mapping never replaces a valid entry: mapping over an existing mapping is EEXIST.
//     (install_leaf, the fault pipeline's one-page install, replaces on purpose and says
//     what it replaced.)
//   - Unmapping or protecting part of a large leaf first splits it into a table of
//     next-smaller leaves with the same flags (which can fail with ENOMEM).
//   - Intermediate tables are allocated on demand (zero-filled, PageUse::PageTable) and
//     kept until the PageTable is destroyed, even if they become empty. So a table, once
//     linked, stays linked at the same place: what makes the unlocked walk and the
//     caller-held LeafTable hints below safe.
//   - The destructor frees the tables reachable from root entries 0..255 (the user half)
//     and the root. The tables under root entries 256..511 belong to the kernel page table
//     and are shared by every address space (mm/kernel_page_table.h): never freed.
//   - The frames that leaves point to are not the page table's: unmapping never frees them.
//
// TLB: map, install_leaf and unmap_if_maps flush the changed address from this hart's TLB;
// unmap and protect flush once per call, after the last change (the changed pages one by
// one up to kTlbPageFlushLimit of them, else the whole TLB: csr.h's local_flush_tlb_range);
// write_protect flushes it whole, once; try_install_leaf_unlocked flushes only when it
// replaced a valid entry; install_leaves_if_absent fills only holes and flushes nothing;
// and clear_accessed_if_maps flushes nothing (its caller batches). Other harts are the
// caller's business (a remote sfence.vma), because only the caller knows which harts may
// be using the table.
//
// Invalid to valid without a fence: the RISC-V privileged specification lets a hart cache
// invalid entries, but it allows the fence after an invalid leaf is made valid (or a leaf
// gains permissions) to be done lazily: if the hart faults on the address because it still
// held the old entry, a fence for that address then is enough. The fault path relies on
// this for user pages (the fault that installs a page is the hot path, and on QEMU 7.2
// every sfence.vma empties the whole software TLB): try_install_leaf_unlocked fences only
// when it replaced a valid entry, and such a spurious fault finds the entry it installed
// valid, installs it again and so fences (mm/fault.h, step 4). Kernel mappings
// (map) are always fenced: the kernel does not retry its own faults.
//
// Locking: each PageTable has its own Spinlock of rank LockRank::PageTable; only the page
// allocator's lock (PhysicalMemory) is taken inside it. All public functions but the
// `_unlocked` ones take it themselves (callers hold no page-table lock); the private
// `_locked` ones assert it, and so does walk() when it may link a table. The `_unlocked`
// ones rely on a lock of the caller's instead, as try_install_leaf_unlocked explains. The
// page table keeps no state but the tree: the fault path's hint (the last level-0 table
// it installed into) is a LeafTable that the address space keeps beside the lock that
// guards it (AddressSpace::try_install_leaf_locked).
#pragma once

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

    // Clears the accessed bit (A) of the 4 KiB leaf of `vaddr` (page-aligned) if it maps
    // the frame at `paddr`, and says whether A was set: whether the page was used through
    // this entry since the bit was last cleared (or since the entry was written, which sets
    // it). Page reclaim's look for use, through the reverse map as unmap_if_maps. Atomic
    // against the hardware setting A or D meanwhile. Flushes no TLB: a hart that caches
    // the entry goes on using it without setting A again, until its TLB forgets it; the
    // caller flushes (in batches).
    bool clear_accessed_if_maps(uint64_t vaddr, uint64_t paddr);

    // Points the 4 KiB leaf of `vaddr` (page-aligned, canonical) at the frame `paddr` with
    // `flags` (as for map()), whether or not a leaf was there, in one walk under one lock
    // round trip, allocating missing tables. Returns the entry it replaced (0 if it was
    // invalid), so that the caller can tell whether other harts may cache the old
    // translation; this hart's TLB entry is flushed either way. ENOMEM; EEXIST if a large
    // leaf covers `vaddr`. The fault pipeline's one-page install.
    ErrorOr<sv39::Pte> install_leaf(uint64_t vaddr, uint64_t paddr, PteFlags flags);

    // A level-0 table and the 2 MiB block of addresses it maps: what the fault path keeps
    // between faults (AddressSpace's leaf-table hint) to skip the walk for the next page of
    // the same block. Valid for as long as the PageTable lives (tables stay linked, at the
    // same place, until it is destroyed). The empty one (entries nullptr) maps nothing:
    // ~0 >> 21 is no address's block.
    static constexpr unsigned kLeafTableShift = sv39::kPageShift + sv39::kIndexBits;  // 2 MiB.
    struct LeafTable {
        sv39::Pte* entries { nullptr };  // The table's 512 entries.
        uint64_t block { ~uint64_t(0) }; // vaddr >> kLeafTableShift of the addresses it maps.

        bool maps(uint64_t vaddr) const { return (vaddr >> kLeafTableShift) == block; }
    };

    // The level-0 table that maps `vaddr`, or the empty LeafTable if a table on the way is
    // missing or a large leaf covers `vaddr`. Creates and splits nothing. Without the
    // table's lock: see try_install_leaf_unlocked for why the walk needs none.
    LeafTable leaf_table_unlocked(uint64_t vaddr) const;

    // install_leaf without the table's lock, for the fault path's common case: if the
    // level-0 table of `vaddr` exists, swaps the new entry in with one compare-and-swap
    // against the entry it read, and flushes this hart as install_leaf does. Returns the
    // entry replaced, or kNotInstalled (nothing changed) if a table on the path is missing,
    // a large leaf covers `vaddr`, or the entry changed between the load and the swap; the
    // caller then falls back to install_leaf. (A sentinel rather than an optional, which
    // would come back through memory: this is every fault's call.) This one walks from the
    // root (leaf_table_unlocked); the fault path calls the second form through
    // AddressSpace::try_install_leaf_locked, with the level-0 table it remembered.
    //
    // Why no lock is needed for the walk: tables are linked only under m_lock and never
    // unlinked or freed while the PageTable lives, and every path that links one into a
    // user address space runs under the owning address space's lock, which the fault
    // path holds; so the tables read cannot change. Why the caller must still be careful
    // about the entry: writers under m_lock that read an entry, decide, then store
    // (unmap_if_maps, install_leaf) could overwrite the swap's result in between. The
    // caller must therefore hold a lock that every such writer of this entry holds too:
    // for a page of a file mapping, the file object's lock (the reverse map writes file
    // PTEs only under it); for anonymous memory, which no reverse map reaches, the
    // address-space lock is enough. Installs that race only each other are safe: each
    // swap hands back what it replaced, and nothing is replaced twice.
    static constexpr sv39::Pte kNotInstalled = ~sv39::Pte(0);  // Reserved bits set: no real entry.
    sv39::Pte try_install_leaf_unlocked(uint64_t vaddr, uint64_t paddr, PteFlags flags)
    {
        LeafTable table = leaf_table_unlocked(vaddr);
        if (!table.entries)
            return kNotInstalled;
        return try_install_leaf_unlocked(table, vaddr, paddr, flags);
    }
    // The same swap into `table`, which must map `vaddr` (a LeafTable this PageTable gave).
    // Inline: with the hint's table, this is every fault's install.
    static sv39::Pte try_install_leaf_unlocked(const LeafTable& table, uint64_t vaddr, uint64_t paddr,
                                               PteFlags flags);

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

    // Where walk() stopped: `entry` is the entry for the address at `level`. nullptr only
    // with CreateTables::Yes, when a table was needed and no frame was left (ENOMEM).
    struct Walk {
        sv39::Pte* entry;
        unsigned level;
    };

    // The one descent (see the top of this file): from the root towards `vaddr`, down to
    // its entry at `stop_level`, stopping early at a leaf, or at a hole unless `create`
    // says to link a new table there. Tables are read with relaxed atomic loads and linked
    // with release stores, so an unlocked walk sees either a hole or a zeroed table.
    // CreateTables::Yes expects m_lock held (link_new_table_locked asserts it);
    // CreateTables::No is also the unlocked walk of leaf_table_unlocked. Splits nothing:
    // callers that cut a large leaf split it (split_leaf_locked) and walk again. A
    // template so that each form is inlined into its callers (all in page_table.cc).
    template<CreateTables create>
    Walk walk(uint64_t vaddr, unsigned stop_level) const;

    // walk()'s allocation: links a new zeroed table into the hole `*entry` and returns the
    // new entry, or 0 if no frame was left. Expects m_lock held.
    sv39::Pte link_new_table_locked(sv39::Pte* entry) const;

    // The leaf mapping `vaddr` and its level (walk down to level 0), or a null entry if
    // `vaddr` lies in a hole. Expects m_lock held.
    Walk find_leaf_locked(uint64_t vaddr) const;

    // Turns the large leaf `*entry` at `level` into a table of `level - 1` leaves with its
    // flags. ENOMEM. Expects m_lock held.
    ErrorOr<void> split_leaf_locked(sv39::Pte* entry, unsigned level);

    // The range walker under unmap, protect and write_protect: offers `change` every large
    // leaf in [vaddr, vaddr + size) and every entry of the level-0 tables there (holes
    // included; `change` says whether it changed the entry), walking from the root once
    // per level-0 table, large leaf or hole and sweeping along each level-0 table. A large
    // leaf that straddles an end of the range is split first. Flushes this hart's TLB once,
    // after the last change, if anything changed: the pages from the lowest changed address
    // to the highest (Flush::ChangedRange; whole above kTlbPageFlushLimit pages, see
    // local_flush_tlb_range) or whole (Flush::AllAtEnd). Returns how many entries changed;
    // ENOMEM if a split failed, with the part of the range before it changed (and flushed).
    // Expects m_lock held.
    enum class Flush : uint8_t { ChangedRange, AllAtEnd };
    template<typename Change>
    ErrorOr<size_t> for_each_leaf_locked(uint64_t vaddr, uint64_t size, Flush flush, Change change);

    void flush_local(uint64_t vaddr) const;

    uint64_t m_root_phys;
    mutable Spinlock m_lock { "page table", LockRank::PageTable };
};

inline sv39::Pte PageTable::try_install_leaf_unlocked(const LeafTable& table, uint64_t vaddr, uint64_t paddr,
                                                      PteFlags flags)
{
    using namespace sv39;
    ASSERT(((vaddr | paddr) & (::kPageSize - 1)) == 0 && table.maps(vaddr));
    ASSERT(has_any(flags, kPermissionFlags));
    ASSERT(!has_any(flags, PteFlags::Write) || has_any(flags, PteFlags::Read));
    Pte* entry = &table.entries[table_index(vaddr, 0)];
    Pte old = __atomic_load_n(entry, __ATOMIC_RELAXED);
    if (!__atomic_compare_exchange_n(entry, &old, leaf_pte(paddr, flags), false, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED)) [[unlikely]]
        return kNotInstalled;
    // This hart's TLB, as flush_local() does, but only if a translation was replaced: an
    // invalid entry made valid needs no fence (see "TLB" at the top of this file).
    if (pte_is_valid(old))
        local_flush_tlb_page(vaddr);
    return old;
}
