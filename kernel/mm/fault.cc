// The fault pipeline: see fault.h.
#include "mm/fault.h"

#include <atomic>
#include <optional>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/sv39.h"
#include "lib/assert.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/file_object.h"
#include "mm/physical_allocator.h"
#include "mm/reclaim.h"

namespace {

// The counters of fault.h. Relaxed: they order nothing, and a reader only wants totals.
std::atomic<uint64_t> s_resolved_faults { 0 };
std::atomic<uint64_t> s_major_faults { 0 };
std::atomic<uint64_t> s_cow_copies { 0 };
std::atomic<uint64_t> s_zero_fills { 0 };

void bump(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

// Everything here runs under the address space's lock, which is what keeps the checks of
// ref_count meaningful: a frame held once (by this space's object) cannot gain a sharer
// while we hold the lock, because only a fork of this space could add one.
class FaultHandler {
public:
    enum class Permissions : uint8_t { Check, Ignore };

    struct Outcome {
        FaultResult result;
        Page* page;
    };

    // Inline into its two callers: a user fault pays no call (and no spills) for it.
    [[gnu::always_inline]] static Outcome resolve_locked(AddressSpace& space, uint64_t vaddr, Access access,
                                                         Permissions permissions) {
        if (vaddr >= kUserSpaceEnd)
            return { FaultResult::Segfault, nullptr };
        uint64_t page_va = vm::round_down(vaddr);
        Vma* vma = space.find_vma_locked(page_va);
        if (!vma || vma->kind() == VmaKind::Guard)
            return { FaultResult::Segfault, nullptr };
        if (permissions == Permissions::Check && !allows(vma->prot(), access))
            return { FaultResult::Segfault, nullptr };
        // Private anonymous memory gets its object on its first fault (mm/vma.h).
        if (vma->awaits_object() && space.attach_anon_object_locked(*vma).is_error())
            return { FaultResult::OutOfMemory, nullptr };

        uint64_t index = vma->object_index(page_va);
        VmObject& object = *vma->object();
        // What happens next depends only on whether the object is shared and on the file
        // behind it (two plain fields).
        if (object.is_shared()) {
            if (FileObject* file = object.file())
                return resolve_shared_file_locked(space, *vma, *file, page_va, index, access);
            // MAP_SHARED anonymous memory: every mapper uses the object's frame itself;
            // there is no copy-on-write to decide. The object locks itself to look up or
            // zero-fill the page.
            auto resident = object.page_for_fault(index);
            if (resident.is_error())
                return { FaultResult::OutOfMemory, nullptr };
            Page* page = resident.value();
            if (install_pte_locked(space, page_va, page_to_phys(page), leaf_flags(vma->prot(), true), false,
                                   PteWriters::Excluded)
                    .is_error())
                return { FaultResult::OutOfMemory, nullptr };
            bump(s_resolved_faults);
            return { FaultResult::Resolved, page };
        }
        // A private object's tree cannot change under us (we hold its address space's
        // lock): one walk finds the page or the place for it, and an absent page is
        // zero-filled there (without the virtual page_for_fault and further walks).
        VmObject::PagePlace place = object.page_place(index);
        Page* page = VmObject::page_at(place);
        // A frame this fault zero-fills or copies is the object's alone; one it finds may
        // be shared with a fork relative.
        bool exclusive = true;
        bool replaced = false;
        if (!page) {
            // MAP_PRIVATE file mapping: a page it has not written is the file's.
            if (FileObject* file = object.file())
                return resolve_from_file_locked(space, *vma, object, *file, place, page_va, index, access);
            page = object.zero_fill_at(place, index);
            if (!page) [[unlikely]]
                return { FaultResult::OutOfMemory, nullptr };
            bump(s_zero_fills);
        } else if (access == Access::Write && page->ref_count.load(std::memory_order_acquire) > 1) {
            // Copy-on-write: the frame is shared with another object (a fork relative);
            // give this object its own copy. If every sharer has copied already, the
            // count is 1 and the frame is simply taken over below.
            Page* copy = reclaim::allocate_user_page(ZeroFill::CallerOverwrites, PageUse::Anonymous);
            if (!copy) [[unlikely]]
                return { FaultResult::OutOfMemory, nullptr };
            klib::page_copy(page_to_virt(copy), page_to_virt(page));
            copy->owner = &object;
            copy->index = index;
            page_unref(object.swap_page_at(place, copy));
            page = copy;
            replaced = true;
            bump(s_cow_copies);
        } else {
            // A read, or a write to a frame whose other sharers have all copied it: this
            // object takes it over when it is the last holder.
            exclusive = page->ref_count.load(std::memory_order_acquire) == 1;
            if (exclusive) {
                page->owner = &object;
                page->index = index;
            }
        }
        PteFlags flags = leaf_flags(vma->prot(), exclusive);
        // A private copy sits in a file mapping, whose entries the file's reverse map
        // writes without our lock; plain anonymous memory is ours alone.
        PteWriters writers = object.file() ? PteWriters::MayRace : PteWriters::Excluded;
        if (install_pte_locked(space, page_va, page_to_phys(page), flags, replaced, writers).is_error())
            return { FaultResult::OutOfMemory, nullptr };
        bump(s_resolved_faults);
        return { FaultResult::Resolved, page };
    }

private:
    // Beyond the end of file (ENXIO) or a disk error is a bus error, as on Linux.
    static Outcome file_error(const Error& error) {
        return { error.code() == ENOMEM ? FaultResult::OutOfMemory : FaultResult::BusError, nullptr };
    }

    // MAP_SHARED file mapping: every mapper uses the cached frame itself. A page becomes
    // writable only on a write fault, which marks it dirty first: that is the dirty
    // tracking write-back relies on (no hardware dirty bits are trusted), and write-back
    // write-protects the page again before it cleans it. The object's lock is held until
    // the PTE is in place, so that truncation and reclaim, which take pages out of every
    // page table under that lock, never miss this one.
    //
    // Inline into resolve_locked, like it: this is the minor fault's whole path.
    [[gnu::always_inline]] static Outcome resolve_shared_file_locked(AddressSpace& space, Vma& vma, FileObject& file,
                                                                     uint64_t page_va, uint64_t index,
                                                                     Access access) {
        MutexLocker locker(file.lock());
        auto resident = file.page_for_fault_locked(locker, index);
        if (resident.is_error())
            return file_error(resident.error());
        Page* page = resident.value();
        bool writable = access == Access::Write;
        if (writable)
            page->set_flag(kPageDirty);
        PteFlags flags = leaf_flags(vma.prot(), writable);
        if (install_pte_locked(space, page_va, page_to_phys(page), flags, false, PteWriters::Excluded).is_error())
            return { FaultResult::OutOfMemory, nullptr };
        if (!writable)
            fault_around_locked(space, vma, file, nullptr, page_va, flags);
        bump(s_resolved_faults);
        return { FaultResult::Resolved, page };
    }

    // A page of a MAP_PRIVATE file mapping with no private copy yet. A read maps the
    // file's cached frame read-only, so that stores through other mappings or write()
    // stay visible until this mapping writes the page; the first write copies the frame
    // into the mapping's PrivateFileObject (`copies`, at `place`, which the caller found
    // empty), which from then on holds this mapping's contents of the page.
    static Outcome resolve_from_file_locked(AddressSpace& space, Vma& vma, VmObject& copies, FileObject& file,
                                            VmObject::PagePlace place, uint64_t page_va, uint64_t index,
                                            Access access) {
        Page* copy = nullptr;
        if (access == Access::Write) {
            // Allocated before the file's lock is taken: the allocation may wait for
            // reclaim, which needs that lock.
            copy = reclaim::allocate_user_page(ZeroFill::CallerOverwrites, PageUse::Anonymous);
            if (!copy)
                return { FaultResult::OutOfMemory, nullptr };
        }
        MutexLocker locker(file.lock());
        auto resident = file.page_for_fault_locked(locker, index);
        if (resident.is_error()) {
            if (copy)
                free_page(copy);
            return file_error(resident.error());
        }
        Page* file_page = resident.value();
        if (!copy) {
            PteFlags flags = leaf_flags(vma.prot(), false);
            if (install_pte_locked(space, page_va, page_to_phys(file_page), flags, false, PteWriters::Excluded)
                    .is_error())
                return { FaultResult::OutOfMemory, nullptr };
            fault_around_locked(space, vma, file, &copies, page_va, flags);
            bump(s_resolved_faults);
            return { FaultResult::Resolved, file_page };
        }
        klib::page_copy(page_to_virt(copy), page_to_virt(file_page));
        locker.unlock();
        copy->owner = &copies;
        copy->index = index;
        // The address-space lock, held throughout, kept the tree as it was when `place`
        // was found.
        if (copies.insert_page_at(place, index, copy).is_error()) {
            page_unref(copy);
            return { FaultResult::OutOfMemory, nullptr };
        }
        bump(s_cow_copies);
        // The PTE may still name the file's frame (after a read): frame_changed makes
        // every hart forget that translation before the private copy is used.
        if (install_pte_locked(space, page_va, page_to_phys(copy), leaf_flags(vma.prot(), true), true,
                               PteWriters::MayRace)
                .is_error())
            return { FaultResult::OutOfMemory, nullptr };
        bump(s_resolved_faults);
        return { FaultResult::Resolved, copy };
    }

    static bool allows(Prot prot, Access access) {
        switch (access) {
        case Access::Read: return has_any(prot, Prot::Read);
        case Access::Write: return has_any(prot, Prot::Write);
        case Access::Execute: return has_any(prot, Prot::Exec);
        }
        return false;
    }

    // The permissions a PTE may carry: the Vma's, minus Write while the frame is shared.
    static PteFlags leaf_flags(Prot prot, bool exclusive) {
        PteFlags flags = PteFlags::User;
        if (has_any(prot, Prot::Read))
            flags |= PteFlags::Read;
        if (exclusive && has_any(prot, Prot::Write))
            flags |= PteFlags::Write | PteFlags::Read;  // W without R is reserved in Sv39.
        if (has_any(prot, Prot::Exec))
            flags |= PteFlags::Execute;
        return flags;
    }

    // Points the PTE of `page_va` at `phys` with `flags`, replacing whatever was there, and
    // flushes the old translation from every hart that may cache it. One walk of the page
    // table (PageTable::install_leaf); the remote flush only when the old entry named
    // another frame or allowed more than the new one (a stale entry that allows less, on
    // another hart, at worst faults once more and lands back here).
    //
    // With PteWriters::Excluded the caller holds the lock every other writer of this PTE
    // needs (the file object's lock for a file page, which the reverse map writes under;
    // for memory of a Vma that no reverse map reaches, the address-space lock), so the
    // entry is swapped in without the page table's spinlock when its level-0 table exists
    // (PageTable::try_install_leaf_unlocked). MayRace: a page of a file mapping installed
    // without the file's lock (a MAP_PRIVATE copy): the reverse map may be removing the
    // file's frame from this very entry, so the table's lock serializes the two.
    enum class PteWriters : uint8_t { Excluded, MayRace };

    // Inline: the unlocked swap into an empty entry is every fault's common case, and the
    // call and the ErrorOr it returns cost more than the rest of it.
    [[gnu::always_inline]] static ErrorOr<void> install_pte_locked(AddressSpace& space, uint64_t page_va,
                                                                   uint64_t phys, PteFlags flags, bool frame_changed,
                                                                   PteWriters writers) {
        if (writers == PteWriters::Excluded) [[likely]] {
            sv39::Pte swapped = space.page_table().try_install_leaf_unlocked(page_va, phys, flags);
            if (swapped != PageTable::kNotInstalled) [[likely]] {
                flush_replaced_locked(space, page_va, phys, flags, frame_changed, swapped);
                return {};
            }
        }
        return install_pte_with_table_lock(space, page_va, phys, flags, frame_changed);
    }

    // install_pte_locked's general path, under the page table's spinlock (install_leaf).
    [[gnu::noinline]] static ErrorOr<void> install_pte_with_table_lock(AddressSpace& space, uint64_t page_va,
                                                                       uint64_t phys, PteFlags flags,
                                                                       bool frame_changed) {
        PageTable& table = space.page_table();
        auto installed = table.install_leaf(page_va, phys, flags);
        if (installed.is_error()) {
            if (installed.error().code() != EEXIST)
                return installed.release_error();
            // A large leaf covers the page (never made for user memory today): the
            // general path splits it.
            TRY(table.unmap(page_va, vm::kPageSize));
            TRY(table.map(page_va, phys, vm::kPageSize, flags));
            space.flush_tlb(page_va, vm::kPageSize);
            return {};
        }
        flush_replaced_locked(space, page_va, phys, flags, frame_changed, installed.value());
        return {};
    }

    // After `old` was replaced by a leaf mapping `phys` with `flags`: flushes `page_va`
    // from every hart that may cache `old`, when that matters (see install_pte_locked).
    static void flush_replaced_locked(AddressSpace& space, uint64_t page_va, uint64_t phys, PteFlags flags,
                                      bool frame_changed, sv39::Pte old) {
        // Nothing was mapped: no TLB holds a translation (invalid entries are not cached),
        // and the install fenced this hart.
        if (!sv39::pte_is_valid(old)) [[likely]]
            return;
        constexpr uint64_t kPermissions = uint64_t(PteFlags::Read | PteFlags::Write | PteFlags::Execute
                                                   | PteFlags::User);
        bool lost_permissions = (old & kPermissions & ~uint64_t(flags)) != 0;
        if (!frame_changed && sv39::pte_phys(old) == phys && !lost_permissions)
            return;
        // The install fenced the hart it ran on. If no other hart has the space active,
        // that was the only TLB that could hold `old` (a hart that activates the space
        // later, or this thread's next hart if it moved, flushes its whole TLB on the
        // switch of satp), and flush_tlb would only fence this hart again. Read with
        // interrupts on, this_cpu() may already be stale; that errs towards flushing.
        uint32_t others = space.m_active_cpus.load(std::memory_order_acquire) & ~(1u << this_cpu()->index);
        if (others != 0)
            space.flush_tlb(page_va, vm::kPageSize);
    }

    // Fault-around, after a read fault on a file page was mapped (shared, or private
    // without a private copy there): maps read-only, with `flags`, the other pages of the
    // aligned window of kFaultAroundPages around `page_va` that are already cached and not
    // busy, within the Vma, and (for a private mapping) without a private copy; pages
    // already mapped are left as they are. Never writable: a store must fault, so that a
    // shared page is dirtied and a private one copied. Expects the file's lock (the
    // reverse map relies on file PTEs being installed only under it) and the
    // address-space lock (which guards the private copies). Not counted as faults. Cached pages
    // lie within the file (truncation removes those wholly beyond its end), so no size
    // check is needed. One walk of the page table for the whole window: the window is
    // 64 KiB-aligned, so it lies in one level-0 table.
    static constexpr uint64_t kFaultAroundPages = 16;

    // The window is clipped here, inline, so that a fault whose window is its own page
    // (a one-page mapping) does not pay for map_window_locked's frame of three arrays.
    static void fault_around_locked(AddressSpace& space, Vma& vma, FileObject& file, VmObject* copies,
                                    uint64_t page_va, PteFlags flags) {
        constexpr uint64_t kWindowBytes = kFaultAroundPages * vm::kPageSize;
        uint64_t start = page_va & ~(kWindowBytes - 1);
        uint64_t end = start + kWindowBytes;
        if (start < vma.start())
            start = vma.start();
        if (end > vma.end())
            end = vma.end();
        if (end - start <= vm::kPageSize)
            return;  // The faulting page is the whole window.
        map_window_locked(space, vma, file, copies, page_va, flags, start, end);
    }

    [[gnu::noinline]] static void map_window_locked(AddressSpace& space, Vma& vma, FileObject& file,
                                                    VmObject* copies, uint64_t page_va, PteFlags flags,
                                                    uint64_t start, uint64_t end) {
        uint64_t phys[kFaultAroundPages];
        Page* pages[kFaultAroundPages];
        Page* private_pages[kFaultAroundPages];
        size_t count = (end - start) / vm::kPageSize;
        uint64_t first_index = vma.object_index(start);
        // The window's cached pages (and private copies) in one pass over the tree's leaf.
        if (file.lookup_pages(first_index, count, pages) <= 1)
            return;  // Only the faulting page (or nothing) is cached.
        bool any_private = copies && copies->lookup_pages(first_index, count, private_pages) > 0;
        size_t faulting = (page_va - start) / vm::kPageSize;
        bool any = false;
        for (size_t i = 0; i < count; ++i) {
            phys[i] = 0;
            Page* page = pages[i];
            if (!page || i == faulting || page->has_flag(kPageBusy))
                continue;
            if (any_private && private_pages[i])
                continue;
            if (!page->has_flag(kPageReferenced))
                page->set_flag(kPageReferenced);
            phys[i] = page_to_phys(page);
            any = true;
        }
        if (any)
            space.page_table().install_leaves_if_absent(start, phys, count, flags);
    }
};

FaultResult handle_page_fault(AddressSpace& space, uint64_t vaddr, Access access, FaultOrigin) {
    if (vaddr >= kUserSpaceEnd)
        return FaultResult::Segfault;
    WriteLocker locker(space.lock());
    return FaultHandler::resolve_locked(space, vaddr, access, FaultHandler::Permissions::Check).result;
}

ErrorOr<Page*> fault_in_for_kernel_write(AddressSpace& space, uint64_t page_va) {
    WriteLocker locker(space.lock());
    auto outcome = FaultHandler::resolve_locked(space, page_va, Access::Write, FaultHandler::Permissions::Ignore);
    switch (outcome.result) {
    case FaultResult::Resolved: return outcome.page;
    case FaultResult::OutOfMemory: return Error::from_errno(ENOMEM);
    default: return Error::from_errno(EFAULT);
    }
}

const char* describe_fault(AddressSpace& space, uint64_t vaddr, Access access, FaultResult result) {
    if (result == FaultResult::OutOfMemory)
        return "out of memory";
    if (result == FaultResult::BusError)
        return "bus error";
    if (vaddr >= kUserSpaceEnd)
        return "kernel or non-canonical address";
    ReadLocker locker(space.lock());
    Vma* vma = space.find_vma_locked(vaddr);
    if (!vma)
        return vaddr < vm::kPageSize ? "null pointer dereference" : "unmapped address";
    if (vma->kind() == VmaKind::Guard)
        return "stack guard page (stack overflow)";
    switch (access) {
    case Access::Read: return "read of unreadable memory";
    case Access::Write: return "write to read-only memory";
    case Access::Execute: return "execute of non-executable memory";
    }
    return "bad access";
}

FaultCounters fault_counters() {
    uint64_t major = s_major_faults.load(std::memory_order_relaxed);
    uint64_t resolved = s_resolved_faults.load(std::memory_order_relaxed);
    // A major fault is counted when its I/O is done, before the fault resolves, so for a
    // moment (or for good, if the PTE then cannot be installed) it may not yet be in
    // `resolved`: clamp rather than wrap.
    return FaultCounters {
        .minor_faults = resolved > major ? resolved - major : 0,
        .major_faults = major,
        .cow_copies = s_cow_copies.load(std::memory_order_relaxed),
        .zero_fills = s_zero_fills.load(std::memory_order_relaxed),
    };
}

void count_major_fault() { bump(s_major_faults); }

const char* fault_result_name(FaultResult result) {
    switch (result) {
    case FaultResult::Resolved: return "resolved";
    case FaultResult::Segfault: return "segfault";
    case FaultResult::BusError: return "bus error";
    case FaultResult::OutOfMemory: return "out of memory";
    }
    return "?";
}

const char* access_name(Access access) {
    switch (access) {
    case Access::Read: return "read";
    case Access::Write: return "write";
    case Access::Execute: return "execute";
    }
    return "?";
}
