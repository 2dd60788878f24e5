// AddressSpace::protect (mprotect) and its step for one Vma: see address_space.h.
#include "mm/address_space.h"

#include "lib/assert.h"
#include "mm/vm_object.h"

namespace {

// Whether `vma` is one page of private anonymous memory whose frame is its object's alone:
// then a write fault would only give the PTE Write back (the fault handler's
// map_private_page, under the same lock), so mprotect may grant it at once and spare the
// fault. The common case of a user-level fault handler that unprotects the page it
// trapped on (Appel and Li's UNPROT). Ranges of more pages keep the fault: one lookup per
// page would cost more than the faults it spares for pages never written. A frame still
// shared after a fork (ref_count above 1), or not yet taken over by this object, keeps
// Write off, for the copy-on-write fault to decide. Every PTE of the Vma maps its
// object's frame at the matching index (AddressSpace::may_have_ptes), so the frame looked up is
// the one the PTE names.
// Returns that frame, or nullptr.
Page* owned_only_frame(const Vma& vma) {
    VmObject* object = vma.object();
    if (vma.range().size() != vm::kPageSize || !object || object->is_shared() || object->file())
        return nullptr;
    uint64_t index = vma.object_index(vma.start());
    Page* page = object->lookup_page(index);
    if (page && page->ref_count.load(std::memory_order_acquire) == 1 && page->owner == object
        && page->index == index)
        return page;
    return nullptr;
}
bool owns_only_frame(const Vma& vma) { return owned_only_frame(vma) != nullptr; }


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
    if (first && first->start() == range.start && first->end() == range.end) {
        // The range is one whole Vma (a handler flipping the page it trapped on, once the
        // first flip has clipped it): that one lookup answers the hole check and the clips.
        if ((prot & ~first->max_prot()) != Prot::None)
            return Error::from_errno(EACCES);
        Page* page = owned_only_frame(*first);
        if (page && has_any(prot, Prot::Read | Prot::Write | Prot::Exec)) {
            // One page whose frame only this Vma maps (writable, then, if prot allows): its
            // PTE, if any, names the frame, and no reverse map writes it, so the entry is
            // swapped as the fault path installs it, without the page table's lock (fenced
            // here if it was valid; a hart that still caches an invalid entry faults once
            // and lands on the installed one). Where there was no entry, it maps what the
            // next fault would.
            first->set_prot(prot);
            PteFlags flags = pte_flags_for(prot, true);
            if (try_install_leaf_locked(range.start, page_to_phys(page), flags) == PageTable::kNotInstalled)
                MUST(m_page_table->protect(range.start, range.size(), flags));
        } else if (auto flags = set_vma_prot_locked(*first, prot)) {
            MUST(m_page_table->protect(range.start, range.size(), *flags));
        }
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
        for (Vma* vma = find_vma_locked(range.start); vma && vma->start() < range.end; vma = m_vmas.next(*vma)) {
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
    }
    ++m_generation;
    // A changed PTE was changed by PageTable::protect, which fenced this hart; PROT_NONE
    // drops the entries without a fence, so every hart is flushed then.
    if (has_any(prot, Prot::Read | Prot::Write | Prot::Exec))
        flush_tlb_other_harts(range.start, range.size());
    else
        flush_tlb(range.start, range.size());
    return {};
}

std::optional<PteFlags> AddressSpace::set_vma_prot_locked(Vma& vma, Prot prot) {
    m_lock.assert_write_locked();
    vma.set_prot(prot);
    if (!may_have_ptes(vma))
        return std::nullopt;  // No PTE to change (never touched, or a guard).
    if (!has_any(prot, Prot::Read | Prot::Write | Prot::Exec)) {
        // A PTE without R, W and X would be a pointer to a table: drop the entries
        // instead. The frames stay in the object, so PROT_NONE keeps the contents.
        unmap_ptes_locked(vma.range(), ShouldFlushTlb::No);
        return std::nullopt;
    }
    // Write is granted again only by a write fault, which is where copy-on-write is
    // decided; a shared object's frames are never copied, so they keep it. A file page
    // regains Write only through a write fault, which dirties it. One page of private
    // anonymous memory whose frame is its own (owns_only_frame) gets it at once.
    bool writable = vma.object() && vma.object()->is_shared() && !vma.object()->tracks_dirty();
    if (!writable && has_any(prot, Prot::Write))
        writable = owns_only_frame(vma);
    return pte_flags_for(prot, writable);
}
