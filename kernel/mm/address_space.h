// AddressSpace: one process's user memory: a Sv39 page table whose kernel half is shared
// with every other address space, and an ordered tree of Vmas (mm/vma.h) that says what
// each user address may hold.
//
//   AddressSpace
//     m_lock (RwLock, rank AddressSpace)
//     m_page_table ---> root: entries 0..255 private (user half), 256..511 = the kernel's
//     m_vmas (AVL by start) ---> Vma ---> VmObject (radix tree of Pages)
//     m_heap_start, m_heap_break
//     m_active_cpus: harts whose satp holds this table right now
//
// The page table is a cache of the Vmas and their objects: every valid user PTE maps a
// frame that the Vma's object holds at the matching index, with at most the Vma's
// permissions, and never Write while the frame is shared (ref_count > 1). Anything may be
// missing from it; the fault pipeline (mm/fault.h) fills it in on the next access. That
// rule is what lets fork, sbrk-shrink and teardown simply drop PTEs.
//
// Invariants:
//   - Vmas never overlap, are page-aligned and lie in [0, kUserSpaceEnd).
//   - The heap is [m_heap_start, page_round_up(m_heap_break)), normally one Heap Vma
//     covering exactly that (absent while it is empty); mprotect may split it into several
//     Heap Vmas, and munmap or MAP_FIXED may have punched holes into it. sbrk grows the Vma
//     that ends at the break (or maps a new Heap Vma there) and shrinks by unmapping.
//     m_heap_start <= m_heap_break <= kUserHeapLimit.
//   - m_generation increases with every Vma inserted, removed, clipped or merged (not
//     when only a protection changes or mprotect moves a boundary: no Vma is freed then).
//   - The Vma lookup hint (m_vma_hint, m_vma_hint_generation) is trusted only while
//     m_vma_hint_generation == m_generation, i.e. while no Vma was inserted, removed or
//     clipped since it was taken (a removed Vma is freed, so an older hint may dangle);
//     even then find_vma_locked checks that the hinted Vma contains the address.
//   - The leaf-table hint (m_leaf_table_hint) is a level-0 table of m_page_table and the
//     2 MiB block it maps, or empty; the page table keeps every table it links until it is
//     destroyed, with this space, so the hint never goes stale.
//
// TLB: there are no ASIDs (satp's ASID is 0); switching satp flushes the whole local TLB,
// so only harts in m_active_cpus can cache this table's user entries. Every operation that
// removes a permission or a mapping flushes the range on those harts (local sfence.vma and
// SBI remote fences) before it returns.
//
// Locking: m_lock guards the Vma tree, the heap fields, the two hints and the objects of
// this address space; every public function takes it itself (for writing: one thread per
// process, so there is nothing to gain from readers yet; the _locked ones, which
// truncation and the fault path call, expect it) and may sleep: call with no spinlock
// held. A few read-only paths take it for reading (check_mapped, prefetch, snapshot_vmas
// and read_initial), and read_initial looks Vmas up, so several threads may do so at
// once. The two hints are therefore plain fields that only
// the holder of the write lock writes: readers look up with find_vma_read_locked, which
// never moves the Vma hint, and the leaf-table hint serves only the fault path, which
// holds the write lock.
// Lock order: AddressSpace, then the page table's spinlock, then PhysicalMemory.
//
// Process glue (proc/'s side; mm/ knows no Thread): a Process owns its AddressSpace
// (OwnPtr); its thread points at it through Thread::set_address_space(); the scheduler
// activates the incoming thread's address space (or the kernel page table for kernel
// threads) on every switch. Before destroying an address space that the current thread
// runs in, the process code calls address_space_switch_current(nullptr); the destructor
// asserts that it did.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "arch/riscv64/page_table.h"
#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "mm/vma.h"
#include "mm/vm_range.h"
#include "sync/rw_lock.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

// The fixed parts of the user layout (docs/vm.md):
//   - the stack's top (the initial sp is below the argument strings laid out there),
//   - its reserved size (pages come on first touch) and the guard page below it.
constexpr uint64_t kUserStackTop = 0x0000003fffff0000ull;
constexpr uint64_t kUserStackSize = 8ull * 1024 * 1024;
constexpr uint64_t kUserStackGuardSize = 4096;
constexpr uint64_t kUserStackBottom = kUserStackTop - kUserStackSize;
// The lowest address a Vma may start at: page 0 stays unmapped so that NULL faults.
constexpr uint64_t kUserLowestAddress = 0x1000;
// The mmap area: where mmap places mappings it chooses the address of, top-down from just
// below the stack guard. Its floor is the heap's maximum reach, so a chosen address can
// never be one that sbrk will later want; MAP_FIXED and hints may still land anywhere
// above page 0, and sbrk then fails with ENOMEM instead of growing into them.
constexpr uint64_t kUserMmapBase = 0x0000002000000000ull;  // 128 GiB: half of user space.
constexpr uint64_t kUserMmapTop = kUserStackBottom - kUserStackGuardSize;
// The heap's break may not pass this (and the heap may not grow into any Vma below it).
constexpr uint64_t kUserHeapLimit = kUserMmapBase;
// The most Vmas one address space may hold. Not a table: a bound on the kernel heap one
// process can pin (each Vma and its object cost about 200 bytes, so this is ~50 MiB). A
// mmap, munmap or mprotect that would need more answers ENOMEM (docs/mmap.md: M17, U3, P5).
constexpr size_t kMaxVmaCount = 262144;

// Where mmap puts a mapping: at a free range it chooses (the address argument, if
// non-zero, is a hint it takes when the whole range there is free), exactly at the address
// replacing what was there (MAP_FIXED), or exactly there but only if nothing is
// (MAP_FIXED_NOREPLACE).
enum class MapPlacement : uint8_t { Anywhere, Fixed, FixedNoReplace };
// MAP_PRIVATE (copy-on-write across fork) or MAP_SHARED (one set of frames for every mapper).
enum class MapSharing : uint8_t { Private, Shared };

enum class ShouldFlushTlb : uint8_t { No, Yes };

// A copy of one Vma's description, taken under the lock (procmaps).
struct VmaInfo {
    uint64_t start;
    uint64_t end;
    uint64_t page_offset;  // In pages, in the Vma's object.
    Prot prot;
    VmaKind kind;
    bool shared;           // MAP_SHARED (a shared object); else private.
};

class FileObject;

// The harts whose TLBs may still hold user entries whose accessed bit was cleared
// (AddressSpace::clear_accessed_frame, page reclaim's look for use). A hart that caches
// such an entry goes on using it without setting A again, so reclaim would take the page
// for unused; but the clock looks at a page again only after a whole round of its queues,
// so the flush can wait: it is collected over a batch of pages, and each other hart named
// flushes its whole TLB at its next timer tick (at most 1/kTimerHz later), with no
// interrupt sent and nobody waiting (Cpu::tlb_flush_at_tick).
class StaleTlbs {
public:
    void add(uint32_t harts) { m_harts |= harts; }
    bool empty() const { return m_harts == 0; }
    // Flushes this hart's whole TLB now if it is named, asks the other named harts to
    // flush theirs at their next tick, and forgets them all.
    void flush();

private:
    uint32_t m_harts { 0 };  // Bit i: the hart of cpu_by_index(i).
};

class AddressSpace {
public:
    // An empty address space (no Vmas) whose page table shares the kernel half. ENOMEM.
    static ErrorOr<OwnPtr<AddressSpace>> try_create();

    // Frees every frame this address space alone holds (shared ones lose a reference),
    // every Vma and every user page-table page. Must not be active on another hart; if it
    // is active on this one, the kernel page table is activated first.
    ~AddressSpace();

    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    // Maps [start, start + size) (page-aligned, inside user space, above page 0) as
    // demand-zero private memory with `prot`. EINVAL for a bad range, EEXIST if it
    // overlaps a Vma, ENOMEM. No frame is allocated here: pages come on first touch.
    ErrorOr<void> map_anonymous(uint64_t start, uint64_t size, Prot prot, VmaKind kind);

    // exec: maps the user stack [kUserStackBottom, kUserStackTop) read-write (lazily) and
    // the guard Vma under it. Returns the stack's top.
    ErrorOr<uint64_t> map_stack();

    // mmap(MAP_ANONYMOUS): maps `size` bytes (page-aligned, non-zero) of demand-zero memory
    // with `prot` and returns the start. `address` is page-aligned for the fixed
    // placements and a hint (rounded up) otherwise. Errors: ENOMEM (no free range, range
    // outside user space, too many Vmas, no memory), EPERM (fixed below
    // kUserLowestAddress, which keeps page 0 unmapped), EEXIST (FixedNoReplace over a
    // mapping, which is left alone). Fixed removes what was there as munmap would; if the
    // new mapping then fails, the old one may already be gone (as on Linux).
    ErrorOr<uint64_t> map_anonymous_region(uint64_t address, uint64_t size, Prot prot, MapPlacement placement,
                                           MapSharing sharing);

    // mmap of a regular file: like map_anonymous_region, but the Vma maps `file` (the
    // inode's page cache) from page `page_offset`, and mprotect may never grant more than
    // `max_prot` (for MAP_SHARED, what the descriptor's open mode allows). Private: the Vma
    // maps a new PrivateFileObject over `file`, which will hold the pages it writes
    // (mm/private_file_object.h).
    ErrorOr<uint64_t> map_file_region(uint64_t address, uint64_t size, Prot prot, MapPlacement placement,
                                      RefPtr<FileObject> file, uint64_t page_offset, Prot max_prot,
                                      MapSharing sharing);

    // msync: writes back the pages stored to through the file mappings of
    // [start, start + size) (page-aligned), write-protecting them first so that later
    // stores dirty them again. ENOMEM if a page is unmapped. Write errors are logged and
    // recorded on the file for its next fsync or close (the pages are clean all the same).
    ErrorOr<void> sync_range(uint64_t start, uint64_t size);

    // Removes every mapping in [start, start + size) (page-aligned), clipping Vmas that
    // straddle the ends, freeing private frames no longer referenced and flushing TLBs
    // (frames of shared objects live on in the object). Holes, or nothing mapped at all,
    // are fine. EINVAL for a bad range; ENOMEM only if a clip needed memory or the Vma
    // limit (the mappings may be clipped then, but nothing is unmapped).
    ErrorOr<void> unmap(uint64_t start, uint64_t size);

    // mprotect: gives every page of [start, start + size) (page-aligned) the protection
    // `prot`, splitting Vmas at the range's ends through the clip helper (or moving the
    // boundary with a neighbour that has `prot` already), merging the changed Vmas with
    // their neighbours where they can be one again (VmaTreeOps::can_merge), and updates the
    // present PTEs on every hart that may cache them. ENOMEM (nothing changed) if any page
    // of the range is unmapped; ENOMEM from a clip. Contents are kept, PROT_NONE included.
    ErrorOr<void> protect(uint64_t start, uint64_t size, Prot prot);

    // Whether every page of [start, start + size) (page-aligned) is mapped: ENOMEM if not
    // (msync and madvise's range check).
    ErrorOr<void> check_mapped(uint64_t start, uint64_t size);

    // madvise(MADV_DONTNEED): drops the PTEs of [start, start + size) (page-aligned) and the
    // private frames behind them, so private anonymous pages read as zero on the next touch
    // and MAP_PRIVATE file pages read the file again; frames of shared objects stay (the
    // next touch maps them again). ENOMEM if a page is unmapped.
    ErrorOr<void> discard(uint64_t start, uint64_t size);

    // madvise(MADV_WILLNEED): starts reading the file pages that the file mappings of
    // [start, start + size) (page-aligned) will need. ENOMEM if a page is unmapped.
    ErrorOr<void> prefetch(uint64_t start, uint64_t size);

    // Copies `length` bytes from kernel memory to `vaddr`, bringing pages in as needed
    // and ignoring the Vmas' protections (exec uses it to load segments into read-only
    // text and to lay out argv on the stack). EFAULT if part of the range has no Vma.
    ErrorOr<void> write_initial(uint64_t vaddr, const void* data, size_t length);

    // Copies `length` bytes at `vaddr` into kernel memory, ignoring protections; pages
    // never touched read as zeros (nothing is allocated for them). EFAULT outside Vmas.
    // For tests and debugging; the syscall path uses copy_from_user.
    ErrorOr<void> read_initial(uint64_t vaddr, void* data, size_t length);

    // fork: a new address space with the same Vmas, whose objects name the same frames
    // (copy-on-write). This address space's writable PTEs are write-protected and the TLBs
    // of the harts running it flushed, so that its next write faults too. ENOMEM leaves
    // this address space unchanged apart from write protection (harmless: faults restore it).
    ErrorOr<OwnPtr<AddressSpace>> clone_for_fork();

    // exec: the heap begins, empty, at `start` (page-aligned, normally the page after the
    // highest ELF segment). Must be called before the first set_heap_break().
    void set_heap(uint64_t start);

    uint64_t heap_start() const { return m_heap_start; }
    uint64_t heap_break() const { return m_heap_break; }

    // sbrk: moves the break to `new_break` and returns the previous break. Growing extends
    // the Heap Vma (frames come on first touch); shrinking frees the frames of whole pages
    // above the new break and unmaps them. ENOMEM if the heap would go below its start,
    // meet another Vma or pass kUserHeapLimit.
    ErrorOr<uint64_t> set_heap_break(uint64_t new_break);

    // Loads satp with this address space's page table on the calling hart and flushes the
    // local TLB (if it was not already active here). Call with interrupts disabled, or via
    // address_space_switch_current().
    void activate();

    // Drops this hart from m_active_cpus (the hart is about to load another satp).
    void deactivate_on_this_cpu();

    // Flushes [start, start + size) from the TLB of every hart this address space is
    // active on (the local one included).
    void flush_tlb(uint64_t start, uint64_t size);

    // The same after this hart fenced its own TLB for the range (a PageTable change does):
    // nothing unless another hart has the space active. A thread that moved meanwhile
    // finds the range flushed on its new hart by that hart's switch of satp, and a
    // this_cpu() read stale errs towards flushing (as the fault path's install does).
    void flush_tlb_other_harts(uint64_t start, uint64_t size);

    // flush_tlb() but for the hart `fenced`, which has just fenced its own TLB for the
    // range (a PageTable change does), or none. The caller keeps interrupts off from that
    // change to this call, so that `fenced` is still the hart it runs on.
    void flush_tlb_except(const Cpu* fenced, uint64_t start, uint64_t size);

    // The reverse map's half (mm/file_object.h): if the PTE of `page_va` maps the frame at
    // `phys`, removes it and flushes it from every hart that may cache it. Needs no m_lock:
    // the caller holds the lock of the object owning the frame, which keeps faults from
    // mapping it meanwhile, and a Vma on that object's list keeps this space alive.
    void unmap_frame(uint64_t page_va, uint64_t phys);

    // The reverse map's look for use (page reclaim), with unmap_frame's locking: if the PTE
    // of `page_va` maps the frame at `phys` and its accessed bit is set, clears the bit,
    // adds the harts that may cache the entry to `stale` (to be flushed by the caller) and
    // returns true.
    bool clear_accessed_frame(uint64_t page_va, uint64_t phys, StaleTlbs& stale);

    // Truncation's hold on an address space whose lock it is about to take
    // (FileObject::truncate): a file object finds a Vma of this space on its reverse map
    // under its own lock, which keeps the space alive, pins the space, drops its own lock
    // (it may not wait for an address-space lock while holding it: the lock order) and
    // then locks the space. The destructor, once its Vmas have left every reverse map (so
    // that no new pin can come), waits until every pin is gone.
    void pin();
    void unpin();

    // Truncation of the file that the MAP_PRIVATE file mapping `vma` (which must be in
    // this space) maps: drops the private copies its PrivateFileObject holds at index
    // `first_index` and beyond, after taking them out of the page table and out of
    // every TLB, so that the next access there faults and reads the file (a bus error
    // while the file does not reach the page). A copy shared with a fork relative loses
    // this side's reference only. Expects m_lock held for writing.
    void discard_private_copies_from_locked(Vma& vma, uint64_t first_index);

    PageTable& page_table() { return *m_page_table; }
    RwLock& lock() { return m_lock; }

    // The Vma containing `vaddr`, or nullptr. O(log n); O(1) when it is the Vma the last
    // lookup under the write lock found, or usually when it is that Vma's neighbour, and
    // the tree has not changed since (the fault path's common cases: the next page of the
    // same Vma, the next of a row of mappings). Expects m_lock held for writing: it moves
    // the hint to what it found (asserted, one load and a compare). Inline: the hint's hit (a range check) is every fault's lookup;
    // the rest is find_vma_slow_locked's.
    Vma* find_vma_locked(uint64_t vaddr) {
        m_lock.assert_write_locked();
        if (Vma* hit = vma_hint_hit(vaddr)) [[likely]]
            return hit;
        return find_vma_slow_locked(vaddr);
    }

    // find_vma_locked for a holder of the read lock: uses the hint the same way but never
    // moves it, since other readers may be reading it meanwhile. Expects m_lock held, for
    // reading or writing (asserted, as far as a reader can be told, when the tree is
    // searched).
    Vma* find_vma_read_locked(uint64_t vaddr) const;

    // The fault path's install of the PTE of `page_va` (PageTable::try_install_leaf_unlocked,
    // whose rule about the entry's other writers the caller keeps): the level-0 table comes
    // from m_leaf_table_hint when `page_va` lies in the 2 MiB block of the previous install,
    // else from a walk (refill_leaf_table_hint_locked), which remembers it. Returns the entry
    // replaced, or PageTable::kNotInstalled if the level-0 table is missing, a large leaf
    // covers `page_va` or the swap lost a race (the caller falls back to
    // PageTable::install_leaf). Expects m_lock held for writing (asserted). Inline: a hit
    // of the hint is every fault's install.
    sv39::Pte try_install_leaf_locked(uint64_t page_va, uint64_t phys, PteFlags flags) {
        m_lock.assert_write_locked();
        if (!m_leaf_table_hint.maps(page_va)) [[unlikely]] {
            if (!refill_leaf_table_hint_locked(page_va))
                return PageTable::kNotInstalled;
        }
        return PageTable::try_install_leaf_unlocked(m_leaf_table_hint, page_va, phys, flags);
    }

    // procmaps: copies the description of at most `max` Vmas, the first ones that end above
    // `from`, in address order, into `out`, and returns how many it copied; `total` gets
    // the number of Vmas. Takes the lock for reading, so that callers copy to user memory
    // (which may fault on this very space) only after it is released.
    size_t snapshot_vmas(uint64_t from, VmaInfo* out, size_t max, size_t& total);

    // Statistics and debugging.
    size_t vma_count();
    size_t resident_page_count();  // Frames held by this address space's objects.
    uint64_t generation() const { return m_generation; }
    void dump();

    // Checks the tree (order, balance, augmentation, no overlaps); panics on failure.
    void validate();

private:
    explicit AddressSpace(OwnPtr<PageTable> page_table);

    // Inserts a new Vma; EEXIST on overlap, ENOMEM. Expects m_lock held for writing. With
    // a slot from VmaTreeOps::find_free_slot (whose start must be range.start), the range
    // is known free and the Vma is linked where the search ended, without another descent.
    ErrorOr<Vma*> insert_vma_locked(VirtRange range, Prot prot, VmaKind kind, RefPtr<VmObject> object,
                                    uint64_t page_offset, Prot max_prot = Prot::Read | Prot::Write | Prot::Exec,
                                    const VmaTreeOps::FreeSlot* slot = nullptr);

    // mmap's placement and insertion (the shared body of the map_*_region functions).
    ErrorOr<uint64_t> map_region(uint64_t address, uint64_t size, Prot prot, MapPlacement placement, VmaKind kind,
                                 RefPtr<VmObject> object, uint64_t page_offset, Prot max_prot);

    // Writes back the dirty pages of the file mapping `vma` in `part`, after marking dirty
    // and write-protecting those this space maps writable (flushing the TLBs if asked).
    // Errors are logged, and recorded on the file for its next fsync or close.
    void write_back_file_locked(Vma& vma, VirtRange part, ShouldFlushTlb flush);

    // The clip helper (VmaTreeOps::clip_at): makes sure no Vma straddles `address`,
    // splitting the one that does into two (the upper half shares the object at the
    // matching offset). ENOMEM. Expects m_lock held for writing.
    ErrorOr<void> clip_at_locked(uint64_t address);

    // The leaf permissions for a Vma's protection, with Write dropped when asked.
    static PteFlags pte_flags_for(Prot prot, bool writable);
    // Whether the page table may hold PTEs of `vma` (none for a guard, or for private
    // anonymous memory never touched; address_space.cc says why).
    static bool may_have_ptes(const Vma& vma);

    // mprotect's change of one Vma (address_space_protect.cc): sets its protection, drops its PTEs for PROT_NONE, and
    // returns the flags its present PTEs must get (nullopt: none to change; the caller
    // changes them and flushes the TLBs). Expects m_lock held for writing.
    std::optional<PteFlags> set_vma_prot_locked(Vma& vma, Prot prot);
    // The same for `part` of `vma`, whose protection is already set.
    std::optional<PteFlags> pte_flags_after_protect_locked(Vma& vma, VirtRange part);

    // mprotect of `range`, which lies in `vma` but is not all of it (or is, and `vma` has
    // `prot` already), to `prot` (allowed by its max_prot): returns the Vma that then holds the range with that protection: `vma`
    // itself (if it already has `prot`), the neighbour the range moved to
    // (VmaTreeOps::move_boundary) or the middle piece of a clip. PTEs untouched. ENOMEM
    // from a clip.
    ErrorOr<Vma*> reprotect_within_locked(Vma& vma, VirtRange range, Prot prot);

    // Brings the PTEs of `part` of `vma` in line with its protection (the single-Vma
    // mprotect): one page whose frame is the Vma's alone is mapped at once, others are
    // rewritten or, for PROT_NONE, dropped. The caller flushes the other harts.
    void protect_ptes_locked(Vma& vma, VirtRange part);

    // mprotect's merge: merges each Vma from the one below `first` up to the one starting at
    // `end` with the next wherever VmaTreeOps::can_merge allows, so that what a protection
    // split comes together again when the protections agree. Bumps m_generation if a Vma
    // went. Returns the Vma that holds `first`'s range now. O(log n + the Vmas in the range).
    Vma* merge_range_locked(Vma& first, uint64_t end);
    // The same for one whole Vma whose protection changed: tries the Vma below it and the
    // Vma above it, no loop. Returns the Vma that holds its range now.
    Vma* merge_whole_locked(Vma& vma);
    // The memory of a Vma a merge freed (VmaTreeOps::merge_next with keep_storage), kept
    // for the next split: a page toggled back and forth splits and merges every time.
    void keep_spare(void* storage) {
        if (storage)
            m_spare_vma = storage;
    }

    // The clip of a Vma already found (VmaTreeOps::split), made in m_spare_vma if there is
    // one. Returns the upper half, or nullptr for ENOMEM.
    Vma* split_locked(Vma& vma, uint64_t address);

    // munmap's body: clips at both ends of `range` and removes every Vma inside it.
    ErrorOr<void> unmap_range_locked(VirtRange range);

    // Unlinks and deletes `vma`, dropping its PTEs and the frames only it held.
    void remove_vma_locked(Vma& vma, ShouldFlushTlb flush);

    // Unmaps [range) from the page table (and flushes); the objects are untouched.
    void unmap_ptes_locked(VirtRange range, ShouldFlushTlb flush);

    friend class FaultHandler;
    friend void address_space_switch_on_this_cpu(AddressSpace* space);

    OwnPtr<PageTable> m_page_table;
    RwLock m_lock;
    VmaTree m_vmas;              // Guarded by m_lock.
    // The hinted Vma if the hint is current and holds `vaddr`, else nullptr.
    Vma* vma_hint_hit(uint64_t vaddr) const {
        if (m_vma_hint_generation != m_generation)
            return nullptr;
        Vma* hint = m_vma_hint;
        return hint && hint->start() <= vaddr && vaddr < hint->end() ? hint : nullptr;
    }
    // When the hint misses: its neighbour on the side of `vaddr` if the hint is current and
    // that neighbour holds `vaddr`, else nullptr.
    Vma* vma_hint_neighbour(uint64_t vaddr) const;
    // find_vma_locked() when the hint misses: the hint's neighbour, else the tree's answer;
    // the hint moves to what it found.
    Vma* find_vma_slow_locked(uint64_t vaddr);

    // try_install_leaf_locked() when the hint misses: points m_leaf_table_hint at the
    // level-0 table of `page_va` and returns true, or returns false (the hint unchanged) if
    // there is none. Asserts m_lock held for writing.
    bool refill_leaf_table_hint_locked(uint64_t page_va);

    uint64_t m_generation { 0 }; // Guarded by m_lock.
    // The last Vma a lookup under the write lock found, valid while its generation is
    // m_generation. Guarded by m_lock: read by its holders, readers included; written only
    // by the holder of the write lock (find_vma_slow_locked), so never while anyone else
    // reads it.
    Vma* m_vma_hint { nullptr };
    uint64_t m_vma_hint_generation { ~0ull };
    // The level-0 table of the last try_install_leaf_locked. Guarded by m_lock held for
    // writing (the only way to reach it).
    PageTable::LeafTable m_leaf_table_hint;
    // The memory of the last Vma a merge removed (destroyed, not freed), for the next split:
    // a page whose protection toggles splits and merges its Vma every time. Freed with the
    // space. Guarded by m_lock.
    void* m_spare_vma { nullptr };
    uint64_t m_heap_start { 0 }; // Guarded by m_lock.
    uint64_t m_heap_break { 0 }; // Guarded by m_lock.
    // Bit i: the hart with Cpu index i has this table in satp. Changed by that hart only.
    std::atomic<uint32_t> m_active_cpus { 0 };
    // Truncations holding this space (pin()); the destructor sleeps on m_unpinned until
    // none does. Changed under m_pin_lock (only unpin() needs it: to wake the destructor).
    std::atomic<uint32_t> m_pins { 0 };
    Spinlock m_pin_lock { "address space pins", LockRank::None };
    WaitQueue m_unpinned { "address space pins" };
};

// Makes `space` (nullptr: none, i.e. a kernel thread) the current thread's address space
// and activates it (or the kernel page table) on this hart, with interrupts disabled for
// the switch. exec and exit use it; the scheduler does the same on every switch. The thread
// code defines it (proc/thread_services.cc), since it keeps the current thread's space.
void address_space_switch_current(AddressSpace* space);

// The scheduler's half: activates `space` (or the kernel page table if nullptr) on this
// hart, deactivating whatever was active. Expects interrupts disabled.
void address_space_switch_on_this_cpu(AddressSpace* space);
