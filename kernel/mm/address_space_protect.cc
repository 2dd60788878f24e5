// AddressSpace::protect (mprotect) and its step for one Vma: see address_space.h.
#include "mm/address_space.h"

#include "lib/assert.h"
#include "mm/vm_object.h"

namespace {

// Whether `part` is one page of private anonymous memory of `vma` whose frame is its
// object's alone: then a write fault would only give the PTE Write back (the fault
// handler's map_private_page, under the same lock), so mprotect may grant it at once and
// spare the fault. The common case of a user-level fault handler that unprotects the page
// it trapped on (Appel and Li's UNPROT). Ranges of more pages keep the fault: one lookup
// per page would cost more than the faults it spares for pages never written. A frame
// still shared after a fork (ref_count above 1), or not yet taken over by this object,
// keeps Write off, for the copy-on-write fault to decide. Every PTE of the Vma maps its
// object's frame at the matching index (AddressSpace::may_have_ptes), and no other Vma
// uses that index of a private object, so the frame looked up is the one the PTE names.
// Returns that frame, or nullptr.
Page* owned_only_frame(const Vma& vma, VirtRange part) {
    VmObject* object = vma.object();
    if (part.size() != vm::kPageSize || !object || object->is_shared() || object->file())
        return nullptr;
    uint64_t index = vma.object_index(part.start);
    Page* page = object->lookup_page(index);
    if (page && page->ref_count.load(std::memory_order_acquire) == 1 && page->owner == object
        && page->index == index)
        return page;
    return nullptr;
}

}  // namespace

ErrorOr<void> AddressSpace::protect(uint64_t start, uint64_t size, Prot prot) {
    ASSERT(vm::is_page_aligned(start) && vm::is_page_aligned(size));
    if (!vm::is_user_range(start, size))
        return Error::from_errno(ENOMEM);
    if (size == 0)
        return {};
    WriteLocker locker(m_lock);
    VirtRange range { start, start + size };
    Vma* first = find_vma_locked(range.start);
    if (first && first->start() <= range.start && range.end <= first->end()) {
        // The range lies in one Vma (a handler flipping the page it trapped on, a
        // collector protecting a run of pages): that one lookup answers the hole check.
        if ((prot & ~first->max_prot()) != Prot::None)
            return Error::from_errno(EACCES);
        Vma* holder = first;
        if (first->prot() != prot && first->start() == range.start && first->end() == range.end) {
            // A whole Vma changed may now match a neighbour (the handler's UNPROT of the
            // page its PROT1 split off). After a clip or a boundary move nothing else can:
            // the Vmas around keep their protections.
            first->set_prot(prot);
            protect_ptes_locked(*first, range);
            holder = merge_whole_locked(*first);
        } else {
            holder = TRY(reprotect_within_locked(*first, range, prot));
            protect_ptes_locked(*holder, range);
        }
        // The Vma that now holds the range is where the next fault or toggle will look
        // (the store a handler's mprotect lets run again): the hint names it, current.
        m_vma_hint = holder;
        m_vma_hint_generation = m_generation;
    } else {
        // All or nothing for a hole (ENOMEM), then for a permission the open mode does not
        // allow (EACCES): both checked, in one pass, before the first clip or change.
        uint64_t covered = range.start;
        bool forbidden = false;
        for (Vma* vma = first; vma && vma->start() <= covered && covered < range.end; vma = m_vmas.next(*vma)) {
            forbidden |= (prot & ~vma->max_prot()) != Prot::None;
            covered = vma->end();
        }
        if (covered < range.end)
            return Error::from_errno(ENOMEM);
        if (forbidden)
            return Error::from_errno(EACCES);
        TRY(clip_at_locked(range.start));
        TRY(clip_at_locked(range.end));
        // Neighbouring Vmas whose PTEs get the same flags share one walk of the page table
        // (protecting many pages that earlier calls split one by one).
        VirtRange run { 0, 0 };
        PteFlags run_flags {};
        Vma* head = find_vma_locked(range.start);
        for (Vma* vma = head; vma && vma->start() < range.end; vma = m_vmas.next(*vma)) {
            auto flags = set_vma_prot_locked(*vma, prot);
            if (!flags)
                continue;
            if (run.end == vma->start() && run_flags == *flags) {
                run.end = vma->end();
                continue;
            }
            if (run.start != run.end)
                MUST(m_page_table->protect(run.start, run.size(), run_flags));
            run = vma->range();
            run_flags = *flags;
        }
        if (run.start != run.end)
            MUST(m_page_table->protect(run.start, run.size(), run_flags));
        merge_range_locked(*head, range.end);
    }
    // A changed PTE was changed by PageTable::protect, which fenced this hart; PROT_NONE
    // drops the entries without a fence, so every hart is flushed then.
    if (has_any(prot, Prot::Read | Prot::Write | Prot::Exec))
        flush_tlb_other_harts(range.start, range.size());
    else
        flush_tlb(range.start, range.size());
    return {};
}

ErrorOr<Vma*> AddressSpace::reprotect_within_locked(Vma& vma, VirtRange range, Prot prot) {
    m_lock.assert_write_locked();
    if (vma.prot() == prot)
        return &vma;  // Nothing to split: only the PTEs are brought in line again.
    // The head or the tail of the Vma, next to a Vma it could merge with once it has the
    // new protection (the page a handler unprotects after its lower neighbour's, a run
    // of pages protected one after another): the boundary moves, with no clip and no merge
    // after it. A file Vma's start and offset never move (mm/vma.h): it clips.
    if (!vma.object() || !vma.object()->file()) {
        if (range.start == vma.start()) {
            Vma* lower = m_vmas.prev(vma);
            if (lower && VmaTreeOps::can_merge_as(*lower, lower->prot(), vma, prot)) {
                VmaTreeOps::move_boundary(m_vmas, *lower, vma, range.end);
                return lower;
            }
        } else if (range.end == vma.end()) {
            Vma* upper = m_vmas.next(vma);
            if (upper && VmaTreeOps::can_merge_as(vma, prot, *upper, upper->prot())) {
                VmaTreeOps::move_boundary(m_vmas, vma, *upper, range.start);
                return upper;
            }
        }
    }
    // The clips, without the lookups of clip_at_locked: the Vma is known.
    Vma* holder = &vma;
    if (range.start != vma.start() && !(holder = split_locked(vma, range.start)))
        return Error::from_errno(ENOMEM);
    if (range.end != holder->end() && !split_locked(*holder, range.end))
        return Error::from_errno(ENOMEM);
    holder->set_prot(prot);
    return holder;
}

void AddressSpace::protect_ptes_locked(Vma& vma, VirtRange part) {
    m_lock.assert_write_locked();
    Prot prot = vma.prot();
    Page* page = owned_only_frame(vma, part);
    if (page && has_any(prot, Prot::Read | Prot::Write | Prot::Exec)) {
        // One page whose frame only this Vma maps (writable, then, if prot allows): its
        // PTE, if any, names the frame, and no reverse map writes it, so the entry is
        // swapped as the fault path installs it, without the page table's lock (fenced
        // here if it was valid; a hart that still caches an invalid entry faults once and
        // lands on the installed one). Where there was no entry, it maps what the next
        // fault would.
        PteFlags flags = pte_flags_for(prot, true);
        if (try_install_leaf_locked(part.start, page_to_phys(page), flags) == PageTable::kNotInstalled)
            MUST(m_page_table->protect(part.start, part.size(), flags));
    } else if (auto flags = pte_flags_after_protect_locked(vma, part)) {
        MUST(m_page_table->protect(part.start, part.size(), *flags));
    }
}

Vma* AddressSpace::split_locked(Vma& vma, uint64_t address) {
    m_lock.assert_write_locked();
    Vma* upper = VmaTreeOps::split(m_vmas, vma, address, kMaxVmaCount, m_spare_vma);
    if (upper) {
        m_spare_vma = nullptr;
        ++m_generation;
    }
    return upper;
}

Vma* AddressSpace::merge_whole_locked(Vma& vma) {
    m_lock.assert_write_locked();
    Vma* holder = &vma;
    Vma* lower = m_vmas.prev(vma);
    Vma* upper = m_vmas.next(vma);
    bool merged = false;
    if (lower && VmaTreeOps::can_merge(*lower, vma)) {
        keep_spare(VmaTreeOps::merge_next(m_vmas, *lower, vma, !m_spare_vma));
        holder = lower;
        merged = true;
    }
    if (upper && VmaTreeOps::can_merge(*holder, *upper)) {
        keep_spare(VmaTreeOps::merge_next(m_vmas, *holder, *upper, !m_spare_vma));
        merged = true;
    }
    if (merged)
        ++m_generation;  // A merged Vma is freed: no hint may name it.
    return holder;
}

Vma* AddressSpace::merge_range_locked(Vma& first, uint64_t end) {
    m_lock.assert_write_locked();
    // Each Vma from the one below `first` to the one starting at `end` is tried against
    // the next: O(1) a pair, so the whole costs what the walk over the range did.
    Vma* vma = m_vmas.prev(first);
    if (!vma || !VmaTreeOps::can_merge(*vma, first))
        vma = &first;
    Vma* holder = vma;  // Where `first` ends up.
    bool merged = false;
    for (Vma* next = m_vmas.next(*vma); next && next->start() <= end; next = m_vmas.next(*vma)) {
        if (VmaTreeOps::can_merge(*vma, *next)) {
            keep_spare(VmaTreeOps::merge_next(m_vmas, *vma, *next, !m_spare_vma));
            merged = true;
        } else {
            vma = next;
        }
    }
    if (merged)
        ++m_generation;  // A merged Vma is freed: no hint may name it.
    return holder;
}

std::optional<PteFlags> AddressSpace::set_vma_prot_locked(Vma& vma, Prot prot) {
    m_lock.assert_write_locked();
    vma.set_prot(prot);
    return pte_flags_after_protect_locked(vma, vma.range());
}

std::optional<PteFlags> AddressSpace::pte_flags_after_protect_locked(Vma& vma, VirtRange part) {
    m_lock.assert_write_locked();
    Prot prot = vma.prot();
    if (!may_have_ptes(vma))
        return std::nullopt;  // No PTE to change (never touched, or a guard).
    if (!has_any(prot, Prot::Read | Prot::Write | Prot::Exec)) {
        // A PTE without R, W and X would be a pointer to a table: drop the entries
        // instead. The frames stay in the object, so PROT_NONE keeps the contents.
        unmap_ptes_locked(part, ShouldFlushTlb::No);
        return std::nullopt;
    }
    // Write is granted again only by a write fault, which is where copy-on-write is
    // decided; a shared object's frames are never copied, so they keep it. A file page
    // regains Write only through a write fault, which dirties it. One page of private
    // anonymous memory whose frame is its own (owned_only_frame) gets it at once.
    bool writable = vma.object() && vma.object()->is_shared() && !vma.object()->tracks_dirty();
    if (!writable && has_any(prot, Prot::Write))
        writable = owned_only_frame(vma, part) != nullptr;
    return pte_flags_for(prot, writable);
}
