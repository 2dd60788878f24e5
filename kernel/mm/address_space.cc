// AddressSpace: see address_space.h.
#include "mm/address_space.h"

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/sbi.h"
#include "lib/assert.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "lib/string.h"

using klib::memcpy;
using klib::memset;
#include "mm/fault.h"
#include "mm/file_object.h"
#include "mm/kernel_page_table.h"
#include "mm/physical_allocator.h"
#include "mm/private_file_object.h"
#include "mm/user_memory.h"
#include "sync/interrupt_disabler.h"

namespace {

// The address space whose table each hart has in satp (nullptr: the kernel page table).
// Written only by that hart, with interrupts disabled.
AddressSpace* s_active_on_cpu[kMaxCpus];

bool is_valid_user_mapping_range(uint64_t start, uint64_t size) {
    return size != 0 && vm::is_page_aligned(start) && vm::is_page_aligned(size) && start >= kUserLowestAddress &&
           vm::is_user_range(start, size);
}

// A MAP_SHARED file mapping (its object is the file's page cache, which tracks dirty
// pages): the one kind whose stores reach the file. A MAP_PRIVATE one keeps its stores in
// its PrivateFileObject and has nothing to write back.
bool is_file_mapping(const Vma& vma) { return vma.object() && vma.object()->tracks_dirty(); }

}  // namespace

PteFlags AddressSpace::pte_flags_for(Prot prot, bool writable) {
    PteFlags flags = PteFlags::User;
    if (has_any(prot, Prot::Read))
        flags |= PteFlags::Read;
    if (writable && has_any(prot, Prot::Write))
        flags |= PteFlags::Write | PteFlags::Read;  // W without R is reserved in Sv39.
    if (has_any(prot, Prot::Exec))
        flags |= PteFlags::Execute;
    return flags;
}

// Whether the page table may hold PTEs of `vma`. Every user PTE maps a frame that the
// Vma's object holds at the matching index (or, for a private file mapping, the file's
// frame there), so a Vma without an object (a guard, or private anonymous memory never
// touched) or over a private anonymous object holding no frame at all has none.
bool AddressSpace::may_have_ptes(const Vma& vma) {
    const VmObject* object = vma.object();
    if (!object)
        return false;
    return object->is_shared() || object->file() || object->resident_page_count() != 0;
}

ErrorOr<OwnPtr<AddressSpace>> AddressSpace::try_create() {
    auto page_table = TRY(PageTable::try_create(KernelHalf::SharedWithKernel));
    auto* space = new (std::nothrow) AddressSpace(std::move(page_table));
    if (!space)
        return Error::from_errno(ENOMEM);
    return OwnPtr<AddressSpace>(space);
}

AddressSpace::AddressSpace(OwnPtr<PageTable> page_table)
    : m_page_table(std::move(page_table))
    , m_lock("address space", LockRank::AddressSpace)
{
}

AddressSpace::~AddressSpace() {
    // The process code points its thread elsewhere first (address_space_switch_current);
    // mm does not know threads, so it only checks.
    ASSERT(current_address_space() != this);
    {
        InterruptDisabler disabler;
        if (s_active_on_cpu[this_cpu()->index] == this)
            address_space_switch_on_this_cpu(nullptr);
    }
    ASSERT(m_active_cpus.load(std::memory_order_acquire) == 0);
    // exit and exec: the stores through file mappings reach the file. No hart runs this
    // table any more, so the pages need no write protection first. Nobody else can reach
    // the space, so its lock is free; it is taken for write_back_file_locked's contract.
    {
        WriteLocker locker(m_lock);
        for (Vma& vma : m_vmas) {
            if (is_file_mapping(vma) && vma.had_writable_pte())
                write_back_file_locked(vma, vma.range(), ShouldFlushTlb::No);
        }
    }
    // No hart can reach the table any more, so the PTEs need no unmapping: the PageTable
    // destructor frees the user-half tables, and each Vma's object drops its frames.
    while (Vma* vma = m_vmas.first()) {
        m_vmas.erase(*vma);
        delete vma;
    }
    if (m_spare_vma)
        ::operator delete(m_spare_vma);
    // A truncation may have pinned this space before its Vmas left the reverse maps; none
    // can pin it now. Its page table and lock must outlive the last such truncation.
    SpinlockLocker locker(m_pin_lock);
    m_unpinned.wait_until(m_pin_lock, [this] { return m_pins.load(std::memory_order_acquire) == 0; });
}

// Inline into its two callers here: on the fault path (a row of one-page mappings) a call
// would cost a fifth of the lookup.
[[gnu::always_inline]] inline Vma* AddressSpace::vma_hint_neighbour(uint64_t vaddr) const {
    // The hint (a range check instead of a descent while the tree is unchanged) missed,
    // or is stale. While it is current, try its neighbour on the side of `vaddr` (usually
    // a step or two away in the tree): a walk through neighbouring mappings, one fault
    // each, is common (mmap places mappings next to each other).
    if (m_vma_hint_generation != m_generation || !m_vma_hint)
        return nullptr;
    Vma* neighbour = vaddr < m_vma_hint->start() ? m_vmas.prev(*m_vma_hint) : m_vmas.next(*m_vma_hint);
    return neighbour && neighbour->start() <= vaddr && vaddr < neighbour->end() ? neighbour : nullptr;
}

Vma* AddressSpace::find_vma_slow_locked(uint64_t vaddr) {
    m_lock.assert_write_locked();
    Vma* vma = vma_hint_neighbour(vaddr);
    if (!vma) {
        vma = VmaTreeOps::find(m_vmas, vaddr);
        if (!vma)
            return nullptr;
    }
    m_vma_hint = vma;
    m_vma_hint_generation = m_generation;
    return vma;
}

Vma* AddressSpace::find_vma_read_locked(uint64_t vaddr) const {
    m_lock.assert_locked();
    if (Vma* hit = vma_hint_hit(vaddr))
        return hit;
    if (Vma* neighbour = vma_hint_neighbour(vaddr))
        return neighbour;
    return VmaTreeOps::find(m_vmas, vaddr);
}

bool AddressSpace::refill_leaf_table_hint_locked(uint64_t page_va) {
    m_lock.assert_write_locked();
    PageTable::LeafTable table = m_page_table->leaf_table_unlocked(page_va);
    if (!table.entries)
        return false;
    m_leaf_table_hint = table;
    return true;
}

ErrorOr<Vma*> AddressSpace::insert_vma_locked(VirtRange range, Prot prot, VmaKind kind, RefPtr<VmObject> object,
                                              uint64_t page_offset, Prot max_prot,
                                              const VmaTreeOps::FreeSlot* slot) {
    m_lock.assert_write_locked();
    // A slot from the gap search is free by construction and says where the Vma links in.
    if (!slot && VmaTreeOps::overlaps(m_vmas, range))
        return Error::from_errno(EEXIST);
    if (m_vmas.size() >= kMaxVmaCount)
        return Error::from_errno(ENOMEM);
    auto* vma =
        new (std::nothrow) Vma(range, prot, kind, std::move(object), page_offset, max_prot, this);
    if (!vma)
        return Error::from_errno(ENOMEM);
    if (slot) {
        ASSERT(slot->start == range.start);
        m_vmas.insert_at(*vma, slot->parent, slot->as_left);
    } else {
        bool inserted = m_vmas.insert(*vma);
        ASSERT(inserted);
    }
    ++m_generation;
    return vma;
}

ErrorOr<void> AddressSpace::map_anonymous(uint64_t start, uint64_t size, Prot prot, VmaKind kind) {
    if (!is_valid_user_mapping_range(start, size))
        return Error::from_errno(EINVAL);
    WriteLocker locker(m_lock);
    // No object yet: the first fault makes it (mm/fault.cc).
    TRY(insert_vma_locked({ start, start + size }, prot, kind, nullptr, 0));
    return {};
}

ErrorOr<uint64_t> AddressSpace::map_stack() {
    TRY(map_anonymous(kUserStackBottom - kUserStackGuardSize, kUserStackGuardSize, Prot::None, VmaKind::Guard));
    TRY(map_anonymous(kUserStackBottom, kUserStackSize, Prot::Read | Prot::Write, VmaKind::Stack));
    return kUserStackTop;
}

void AddressSpace::unmap_ptes_locked(VirtRange range, ShouldFlushTlb flush) {
    m_lock.assert_write_locked();
    // Interrupts stay off from the unmap, which fences this hart, to the flush of the
    // others, so that the hart the flush leaves out is the one that fenced.
    InterruptDisabler disabler;
    // User mappings are 4 KiB leaves, so unmap never has to split a large leaf.
    MUST(m_page_table->unmap(range.start, range.size()));
    if (flush == ShouldFlushTlb::Yes)
        flush_tlb_except(this_cpu(), range.start, range.size());
}

ErrorOr<void> AddressSpace::clip_at_locked(uint64_t address) {
    m_lock.assert_write_locked();
    // Both halves keep the PTEs they had: a clip changes no translation, only bookkeeping.
    if (TRY(VmaTreeOps::clip_at(m_vmas, address, kMaxVmaCount)))
        ++m_generation;
    return {};
}

void AddressSpace::remove_vma_locked(Vma& vma, ShouldFlushTlb flush) {
    m_lock.assert_write_locked();
    // munmap and MAP_FIXED: what was stored through a file mapping reaches the file
    // before the mapping goes (nothing was, if no PTE of it was ever writable).
    if (is_file_mapping(vma) && vma.had_writable_pte())
        write_back_file_locked(vma, vma.range(), flush);
    // A PTE only ever maps a frame the Vma's object holds (or the file's, for a private
    // file mapping), so a Vma over a private anonymous object holding no frame at all (the
    // common mmap that is never touched, or a guard Vma without object) has no PTE to drop
    // and nothing to flush.
    if (may_have_ptes(vma))
        unmap_ptes_locked(vma.range(), flush);
    // A private object's frames in this range belong to this Vma alone (clipped siblings
    // use other indices), so they go now (the private copies of a MAP_PRIVATE file mapping
    // too: they never reach the file); a shared object keeps its frames for the other
    // mappers and frees them when the last Vma drops the object.
    if (VmObject* object = vma.object(); object && !object->is_shared() && object->resident_page_count() != 0)
        object->remove_pages(vma.page_offset(), vma.range().page_count());
    m_vmas.erase(vma);
    ++m_generation;
    delete &vma;
}

ErrorOr<void> AddressSpace::unmap(uint64_t start, uint64_t size) {
    if (size == 0 || !vm::is_page_aligned(start) || !vm::is_page_aligned(size) || !vm::is_user_range(start, size))
        return Error::from_errno(EINVAL);
    WriteLocker locker(m_lock);
    return unmap_range_locked({ start, start + size });
}

ErrorOr<void> AddressSpace::unmap_range_locked(VirtRange range) {
    m_lock.assert_write_locked();
    // The common case first: the range is exactly one Vma (munmap of what one mmap made),
    // found with one descent; nothing to clip.
    if (Vma* vma = m_vmas.find(range.start); vma && vma->end() == range.end) {
        remove_vma_locked(*vma, ShouldFlushTlb::Yes);
        return {};
    }
    // Clipping both ends first leaves only whole Vmas inside the range: a head, a tail, a
    // hole in the middle and a span over several mappings are all this one loop.
    TRY(clip_at_locked(range.start));
    TRY(clip_at_locked(range.end));
    Vma* vma = m_vmas.lower_bound(range.start);
    while (vma && vma->start() < range.end) {
        Vma* next = m_vmas.next(*vma);
        remove_vma_locked(*vma, ShouldFlushTlb::Yes);
        vma = next;
    }
    return {};
}

ErrorOr<uint64_t> AddressSpace::map_anonymous_region(uint64_t address, uint64_t size, Prot prot,
                                                     MapPlacement placement, MapSharing sharing) {
    if (size == 0 || !vm::is_page_aligned(size) || size > kUserSpaceEnd)
        return Error::from_errno(ENOMEM);
    // A shared object exists before anything is unmapped, so that running out of memory
    // here leaves a MAP_FIXED target intact. A private one is made by the first fault
    // (mm/vma.h): an mmap never touched allocates no object at all.
    RefPtr<VmObject> object;
    if (sharing == MapSharing::Shared)
        object = TRY(SharedAnonObject::try_create());
    return map_region(address, size, prot, placement, VmaKind::Anonymous, std::move(object), 0,
                      Prot::Read | Prot::Write | Prot::Exec);
}

ErrorOr<uint64_t> AddressSpace::map_file_region(uint64_t address, uint64_t size, Prot prot, MapPlacement placement,
                                                RefPtr<FileObject> file, uint64_t page_offset, Prot max_prot,
                                                MapSharing sharing) {
    if (size == 0 || !vm::is_page_aligned(size) || size > kUserSpaceEnd)
        return Error::from_errno(ENOMEM);
    // Like the object of a shared anonymous mapping, a private mapping's object exists
    // before anything is unmapped, so that running out of memory leaves a MAP_FIXED target
    // intact.
    RefPtr<VmObject> object;
    if (sharing == MapSharing::Private)
        object = TRY(PrivateFileObject::try_create(std::move(file)));
    else
        object = std::move(file);
    return map_region(address, size, prot, placement, VmaKind::File, std::move(object), page_offset,
                      max_prot);
}

ErrorOr<uint64_t> AddressSpace::map_region(uint64_t address, uint64_t size, Prot prot, MapPlacement placement,
                                           VmaKind kind, RefPtr<VmObject> object, uint64_t page_offset,
                                           Prot max_prot) {
    WriteLocker locker(m_lock);
    uint64_t start = 0;
    if (placement == MapPlacement::Anywhere) {
        // A hint is taken, rounded up to a page, when the whole range there is legal and
        // free; it never displaces anything.
        uint64_t hint = vm::round_up(address);
        if (address != 0 && hint >= kUserLowestAddress && vm::is_user_range(hint, size) &&
            !VmaTreeOps::overlaps(m_vmas, { hint, hint + size })) {
            start = hint;
        } else {
            // One descent finds the range and the empty link the new Vma takes.
            auto slot = VmaTreeOps::find_free_slot(m_vmas, size, { kUserMmapBase, kUserMmapTop });
            if (!slot)
                return Error::from_errno(ENOMEM);
            TRY(insert_vma_locked({ slot->start, slot->start + size }, prot, kind, std::move(object), page_offset,
                                  max_prot, &*slot));
            return slot->start;
        }
    } else {
        ASSERT(vm::is_page_aligned(address));
        if (!vm::is_user_range(address, size))
            return Error::from_errno(ENOMEM);
        if (address < kUserLowestAddress)
            return Error::from_errno(EPERM);
        start = address;
        VirtRange range { start, start + size };
        if (placement == MapPlacement::FixedNoReplace && VmaTreeOps::overlaps(m_vmas, range))
            return Error::from_errno(EEXIST);
        if (placement == MapPlacement::Fixed)
            TRY(unmap_range_locked(range));
    }
    TRY(insert_vma_locked({ start, start + size }, prot, kind, std::move(object), page_offset, max_prot));
    return start;
}

void AddressSpace::write_back_file_locked(Vma& vma, VirtRange part, ShouldFlushTlb flush) {
    m_lock.assert_write_locked();
    // A MAP_SHARED file mapping (is_file_mapping): its object is the file's page cache.
    FileObject& file = *vma.object()->file();
    struct Probe {
        AddressSpace* space;
        Vma* vma;
        bool protected_any;
    } probe { this, &vma, false };
    uint64_t first = vma.object_index(part.start);
    uint64_t end = first + part.page_count();
    // A page this space maps writable may have been stored to since its dirty flag was
    // last cleaned (by a write-back from another process): count it dirty, and take Write
    // away so that the next store faults and dirties it again.
    file.mark_dirty_where(first, end, [](void* context, uint64_t index) {
        auto& probe = *static_cast<Probe*>(context);
        uint64_t va = probe.vma->start() + (index - probe.vma->page_offset()) * vm::kPageSize;
        auto existing = probe.space->m_page_table->translate(va);
        if (!existing || !has_any(existing->flags, PteFlags::Write))
            return false;
        MUST(probe.space->m_page_table->protect(va, vm::kPageSize, pte_flags_for(probe.vma->prot(), false)));
        probe.protected_any = true;
        return true;
    }, &probe);
    // Every hart must have dropped the writable translations before the page is cleaned.
    if (probe.protected_any && flush == ShouldFlushTlb::Yes)
        flush_tlb(part.start, part.size());
    if (auto written = file.write_back_range(first, end); written.is_error())
        kprintf("address space %p: write-back of a file mapping failed (%d)\n", this, written.error().code());
}

ErrorOr<void> AddressSpace::sync_range(uint64_t start, uint64_t size) {
    if (!vm::is_user_range(start, size))
        return Error::from_errno(ENOMEM);
    WriteLocker locker(m_lock);
    VirtRange range { start, start + size };
    if (!VmaTreeOps::covers(m_vmas, range))
        return Error::from_errno(ENOMEM);
    for (Vma* vma = find_vma_locked(range.start); vma && vma->start() < range.end; vma = m_vmas.next(*vma)) {
        if (is_file_mapping(*vma))
            write_back_file_locked(*vma, vma->range().intersect(range), ShouldFlushTlb::Yes);
    }
    return {};
}

ErrorOr<void> AddressSpace::check_mapped(uint64_t start, uint64_t size) {
    if (!vm::is_user_range(start, size))
        return Error::from_errno(ENOMEM);
    ReadLocker locker(m_lock);
    if (!VmaTreeOps::covers(m_vmas, { start, start + size }))
        return Error::from_errno(ENOMEM);
    return {};
}

ErrorOr<void> AddressSpace::discard(uint64_t start, uint64_t size) {
    if (!vm::is_user_range(start, size))
        return Error::from_errno(ENOMEM);
    WriteLocker locker(m_lock);
    VirtRange range { start, start + size };
    if (!VmaTreeOps::covers(m_vmas, range))
        return Error::from_errno(ENOMEM);
    // No clip needed: each Vma loses the pages of its part of the range and stays whole.
    // Every hart must have forgotten the translations before a frame goes back to the
    // allocator (as remove_vma_locked does), or a stale TLB entry would reach a frame that
    // someone else may already own: first the PTEs and the flush, then the frames.
    for (Vma* vma = find_vma_locked(range.start); vma && vma->start() < range.end; vma = m_vmas.next(*vma))
        unmap_ptes_locked(vma->range().intersect(range), ShouldFlushTlb::No);
    flush_tlb(range.start, range.size());
    for (Vma* vma = find_vma_locked(range.start); vma && vma->start() < range.end; vma = m_vmas.next(*vma)) {
        VirtRange part = vma->range().intersect(range);
        // A private object loses its frames (a MAP_PRIVATE file page its private copy, so
        // that it reads the file again); a shared one keeps them.
        if (VmObject* object = vma->object(); object && !object->is_shared())
            object->remove_pages(vma->object_index(part.start), part.page_count());
    }
    return {};
}

ErrorOr<void> AddressSpace::write_initial(uint64_t vaddr, const void* data, size_t length) {
    if (!vm::is_user_range(vaddr, length))
        return Error::from_errno(EFAULT);
    const auto* source = static_cast<const uint8_t*>(data);
    while (length > 0) {
        uint64_t page_va = vm::round_down(vaddr);
        size_t in_page = std::min<size_t>(length, page_va + vm::kPageSize - vaddr);
        Page* page = TRY(fault_in_for_kernel_write(*this, page_va));
        memcpy(static_cast<uint8_t*>(page_to_virt(page)) + (vaddr - page_va), source, in_page);
        source += in_page;
        vaddr += in_page;
        length -= in_page;
    }
    return {};
}

ErrorOr<void> AddressSpace::read_initial(uint64_t vaddr, void* data, size_t length) {
    if (!vm::is_user_range(vaddr, length))
        return Error::from_errno(EFAULT);
    ReadLocker locker(m_lock);
    auto* destination = static_cast<uint8_t*>(data);
    while (length > 0) {
        uint64_t page_va = vm::round_down(vaddr);
        size_t in_page = std::min<size_t>(length, page_va + vm::kPageSize - vaddr);
        Vma* vma = find_vma_read_locked(page_va);
        if (!vma || vma->kind() == VmaKind::Guard)
            return Error::from_errno(EFAULT);
        uint64_t index = vma->object_index(page_va);
        // No object yet: never touched, all zeros. A private file mapping's page without
        // a private copy is the file's.
        VmObject* object = vma->object();
        Page* page = object ? object->lookup_page(index) : nullptr;
        if (!page && object && object->file())
            page = object->file()->lookup_page(index);
        if (page)
            memcpy(destination, static_cast<uint8_t*>(page_to_virt(page)) + (vaddr - page_va), in_page);
        else
            memset(destination, 0, in_page);
        destination += in_page;
        vaddr += in_page;
        length -= in_page;
    }
    return {};
}

ErrorOr<OwnPtr<AddressSpace>> AddressSpace::clone_for_fork() {
    auto child = TRY(AddressSpace::try_create());
    WriteLocker locker(m_lock);
    // The child is not shared with anyone yet, so its lock is free and is taken without
    // waiting (a second lock of rank AddressSpace, which only a lock that cannot wait may
    // be), for insert_vma_locked's contract.
    bool child_locked = child->m_lock.try_lock_write();
    ASSERT(child_locked);
    WriteLocker child_locker(child->m_lock, WriteLocker::Adopt::Taken);
    for (Vma& vma : m_vmas) {
        // A shared object is the child's too; a private one (anonymous, or a MAP_PRIVATE
        // file mapping's private copies over the same file) is cloned, its frames shared
        // copy-on-write (VmObject::clone_for_fork). A Vma still waiting for its object
        // (never touched) gives the child one waiting too.
        RefPtr<VmObject> object;
        if (vma.object())
            object = TRY(vma.object()->clone_for_fork(vma.page_offset(), vma.range().page_count()));
        bool has_private_frames = object && !object->is_shared();
        TRY(child->insert_vma_locked(vma.range(), vma.prot(), vma.kind(), std::move(object), vma.page_offset(),
                                     vma.max_prot()));
        if (has_private_frames && has_any(vma.prot(), Prot::Write) && may_have_ptes(vma)) {
            // Every frame of the Vma is now shared: no writable PTE may remain, here or in
            // any TLB, until a write fault has given this side its own copy. Clearing Write
            // is all it takes (a PTE never has more than the Vma's permissions), done in one
            // sweep per leaf table; every hart's TLB is flushed once, below, for all Vmas.
            // User leaves are all 4 KiB, so no split can fail.
            MUST(m_page_table->write_protect(vma.start(), vma.range().size()));
        }
    }
    flush_tlb(0, kUserSpaceEnd);
    child->m_heap_start = m_heap_start;
    child->m_heap_break = m_heap_break;
    return child;
}

void AddressSpace::set_heap(uint64_t start) {
    ASSERT(vm::is_page_aligned(start));
    WriteLocker locker(m_lock);
    m_heap_start = start;
    m_heap_break = start;
}

ErrorOr<uint64_t> AddressSpace::set_heap_break(uint64_t new_break) {
    WriteLocker locker(m_lock);
    uint64_t old_break = m_heap_break;
    if (new_break < m_heap_start || new_break > kUserHeapLimit)
        return Error::from_errno(ENOMEM);
    uint64_t old_end = vm::round_up(old_break);
    uint64_t new_end = vm::round_up(new_break);

    if (new_end > old_end) {
        // Growth never displaces a mapping (docs/mmap.md §3: sbrk never runs into a Vma).
        if (VmaTreeOps::overlaps(m_vmas, { old_end, new_end }))
            return Error::from_errno(ENOMEM);
        // Normally the Heap Vma ends at the break and simply grows. After mprotect, munmap
        // or MAP_FIXED there may be no such Vma, or one with other permissions or a shared
        // object: the new pages then get a Heap Vma of their own.
        Vma* top = old_end > m_heap_start ? find_vma_locked(old_end - 1) : nullptr;
        if (top && top->kind() == VmaKind::Heap && top->end() == old_end && top->prot() == (Prot::Read | Prot::Write) &&
            (top->awaits_object() || (top->object() && !top->object()->is_shared()))) {
            top->m_range.end = new_end;
            m_vmas.update_path(*top);
            ++m_generation;
        } else {
            TRY(insert_vma_locked({ old_end, new_end }, Prot::Read | Prot::Write, VmaKind::Heap, nullptr, 0));
        }
    } else if (new_end < old_end) {
        // Shrinking is munmap of the pages above the new break, whatever Vmas they are in.
        TRY(unmap_range_locked({ new_end, old_end }));
    }
    m_heap_break = new_break;
    return old_break;
}

void AddressSpace::activate() {
    InterruptDisabler disabler;
    address_space_switch_on_this_cpu(this);
}

void AddressSpace::deactivate_on_this_cpu() {
    m_active_cpus.fetch_and(~(1u << this_cpu()->index), std::memory_order_acq_rel);
}

void AddressSpace::unmap_frame(uint64_t page_va, uint64_t phys) {
    // As in unmap_ptes_locked: unmap_if_maps fenced this hart, which stays this hart.
    InterruptDisabler disabler;
    if (m_page_table->unmap_if_maps(page_va, phys))
        flush_tlb_except(this_cpu(), page_va, vm::kPageSize);
}

bool AddressSpace::clear_accessed_frame(uint64_t page_va, uint64_t phys, StaleTlbs& stale) {
    if (!m_page_table->clear_accessed_if_maps(page_va, phys))
        return false;
    // Read after the clear: a hart that activates the space later flushes its TLB as it
    // loads satp, so it can hold only the cleared entry.
    stale.add(m_active_cpus.load(std::memory_order_acquire));
    return true;
}

void StaleTlbs::flush() {
    if (m_harts == 0)
        return;
    InterruptDisabler disabler;
    Cpu* self = this_cpu();
    for (unsigned i = 0; i < cpu_count(); ++i) {
        if (!(m_harts & (1u << i)))
            continue;
        Cpu& cpu = cpu_by_index(i);
        if (&cpu == self)
            local_flush_tlb_all();
        else
            cpu.tlb_flush_at_tick.store(true, std::memory_order_release);  // Orders the cleared PTEs before it.
    }
    m_harts = 0;
}

void AddressSpace::pin() { m_pins.fetch_add(1, std::memory_order_acq_rel); }

void AddressSpace::unpin() {
    // Woken under m_pin_lock: once it is released, this thread touches the space no more,
    // and the destructor may free it.
    SpinlockLocker locker(m_pin_lock);
    if (m_pins.fetch_sub(1, std::memory_order_acq_rel) == 1)
        m_unpinned.wake_all();
}

void AddressSpace::discard_private_copies_from_locked(Vma& vma, uint64_t first_index) {
    m_lock.assert_write_locked();
    ASSERT(vma.space() == this);
    VmObject* copies = vma.object();
    ASSERT(copies && !copies->is_shared() && copies->file());
    uint64_t first = first_index > vma.page_offset() ? first_index : vma.page_offset();
    uint64_t end = vma.page_offset() + vma.range().page_count();
    if (first >= end || copies->resident_page_count() == 0)
        return;
    // As for munmap: every hart forgets the translations before a frame can go back to
    // the allocator. The range's other PTEs (file frames mapped read-only) may go too:
    // PTEs are a cache, and the file's pages there are gone already.
    VirtRange part { vma.start() + (first - vma.page_offset()) * vm::kPageSize, vma.end() };
    unmap_ptes_locked(part, ShouldFlushTlb::Yes);
    copies->remove_pages(first, end - first);
}

void AddressSpace::flush_tlb_other_harts(uint64_t start, uint64_t size) {
    uint32_t active = m_active_cpus.load(std::memory_order_acquire);
    if ((active & ~(1u << this_cpu()->index)) != 0)
        flush_tlb(start, size);
}

void AddressSpace::flush_tlb(uint64_t start, uint64_t size) { flush_tlb_except(nullptr, start, size); }

void AddressSpace::flush_tlb_except(const Cpu* fenced, uint64_t start, uint64_t size) {
    uint32_t active = m_active_cpus.load(std::memory_order_acquire);
    if (active == 0)
        return;
    bool whole = size > kTlbPageFlushLimit * vm::kPageSize;
    InterruptDisabler disabler;
    Cpu* self = this_cpu();
    for (unsigned i = 0; i < cpu_count(); ++i) {
        if (!(active & (1u << i)))
            continue;
        Cpu& cpu = cpu_by_index(i);
        if (&cpu == fenced)
            continue;
        if (&cpu == self) {
            local_flush_tlb_range(start, size);
        } else {
            // Hart ids need not fit one mask, so each hart gets its own call.
            sbi::remote_sfence_vma(1, cpu.hart_id, whole ? 0 : start, whole ? ~0ull : size);
        }
    }
}

size_t AddressSpace::snapshot_vmas(uint64_t from, VmaInfo* out, size_t max, size_t& total) {
    ReadLocker locker(m_lock);
    total = m_vmas.size();
    size_t copied = 0;
    for (Vma* vma = VmaTreeOps::first_ending_above(m_vmas, from); vma && copied < max; vma = m_vmas.next(*vma)) {
        out[copied++] = VmaInfo {
            .start = vma->start(),
            .end = vma->end(),
            .page_offset = vma->page_offset(),
            .prot = vma->prot(),
            .kind = vma->kind(),
            .shared = vma->object() && vma->object()->is_shared(),
        };
    }
    return copied;
}

size_t AddressSpace::vma_count() {
    ReadLocker locker(m_lock);
    return m_vmas.size();
}

size_t AddressSpace::resident_page_count() {
    ReadLocker locker(m_lock);
    size_t count = 0;
    VmObject* previous = nullptr;
    for (Vma& vma : m_vmas) {
        // Vmas made by a clip share one object; count it once.
        if (vma.object() && vma.object() != previous)
            count += vma.object()->resident_page_count();
        previous = vma.object();
    }
    return count;
}

void AddressSpace::dump() {
    ReadLocker locker(m_lock);
    kprintf("address space %p: %zu vmas, heap [%p, %p), generation %lu\n", this, m_vmas.size(),
            reinterpret_cast<void*>(m_heap_start), reinterpret_cast<void*>(m_heap_break), m_generation);
    for (Vma& vma : m_vmas) {
        kprintf("  %p-%p %c%c%c %-5s object %p offset %lu resident %zu\n", reinterpret_cast<void*>(vma.start()),
                reinterpret_cast<void*>(vma.end()), has_any(vma.prot(), Prot::Read) ? 'r' : '-',
                has_any(vma.prot(), Prot::Write) ? 'w' : '-', has_any(vma.prot(), Prot::Exec) ? 'x' : '-',
                vma_kind_name(vma.kind()), vma.object(), vma.page_offset(),
                vma.object() ? vma.object()->resident_page_count() : 0);
    }
}

void AddressSpace::validate() {
    ReadLocker locker(m_lock);
    if (!m_vmas.validate())
        panic("address space %p: Vma tree invalid", this);
    uint64_t previous_end = 0;
    for (Vma& vma : m_vmas) {
        if (vma.start() >= vma.end() || !vma.range().is_page_aligned() || vma.end() > kUserSpaceEnd ||
            vma.start() < previous_end)
            panic("address space %p: bad Vma [%p, %p)", this, reinterpret_cast<void*>(vma.start()),
                  reinterpret_cast<void*>(vma.end()));
        previous_end = vma.end();
    }
}

void address_space_switch_on_this_cpu(AddressSpace* space) {
    ASSERT(!interrupts_enabled());
    Cpu* cpu = this_cpu();
    AddressSpace*& active = s_active_on_cpu[cpu->index];
    if (active == space)
        return;
    if (active)
        active->deactivate_on_this_cpu();
    if (space) {
        space->m_active_cpus.fetch_or(1u << cpu->index, std::memory_order_acq_rel);
        // The fence after the satp write drops every translation of the previous table
        // (no ASIDs); the one before orders the page-table stores that preceded it.
        local_flush_tlb_all();
        csr::write_satp(space->page_table().satp());
        local_flush_tlb_all();
    } else {
        kernel_page_table_activate();
    }
    active = space;
}

ErrorOr<void> AddressSpace::prefetch(uint64_t start, uint64_t size) {
    // The reads happen with the address-space lock released: only the objects and their
    // index ranges are collected under it, a bounded number at a time.
    constexpr size_t kBatch = 8;
    struct Part {
        RefPtr<FileObject> file;
        uint64_t first;
        uint64_t end;
    };
    uint64_t cursor = start;
    uint64_t limit = start + size;
    while (cursor < limit) {
        Part parts[kBatch];
        size_t count = 0;
        {
            ReadLocker locker(m_lock);
            if (!VmaTreeOps::covers(m_vmas, { cursor, limit }))
                return Error::from_errno(ENOMEM);
            for (Vma* vma = VmaTreeOps::find(m_vmas, cursor); vma && vma->start() < limit && count < kBatch;
                 vma = m_vmas.next(*vma)) {
                VirtRange part { cursor > vma->start() ? cursor : vma->start(), limit < vma->end() ? limit : vma->end() };
                cursor = part.end;
                FileObject* file = vma->object() ? vma->object()->file() : nullptr;
                if (!file)
                    continue;  // Anonymous memory has nothing to read.
                parts[count++] = Part { RefPtr<FileObject>(file),
                                        vma->object_index(part.start), vma->object_index(part.start) + part.page_count() };
            }
        }
        for (size_t i = 0; i < count; ++i)
            parts[i].file->prefetch(parts[i].first, parts[i].end);
    }
    return {};
}
