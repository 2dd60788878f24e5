// The fault pipeline: see fault.h, whose header comment is the map of this file.
#include "mm/fault.h"

#include <atomic>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/per_hart_counter.h"
#include "arch/riscv64/sv39.h"
#include "lib/assert.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/file_object.h"
#include "mm/physical_allocator.h"
#include "mm/reclaim.h"

namespace {

// The counters of fault.h, one per kind of resolved fault (their sum is every resolved
// fault). Per hart: every fault bumps one, on every hart at once.
PerHartCounter s_zero_fills;
PerHartCounter s_copies;
PerHartCounter s_other_faults;
PerHartCounter s_major_faults;

}  // namespace

// Everything here runs under the address space's lock held for writing, which is what
// keeps the checks of ref_count meaningful: a frame held once (by this space's private
// object) cannot gain a sharer while we hold the lock, because only a fork of this space
// could add one. A class only to be AddressSpace's friend (its TLB bookkeeping).
class FaultHandler {
public:
    enum class Permissions : uint8_t { Check, Ignore };

    struct Outcome {
        FaultResult result;
        Page* page;  // The frame now mapped, when Resolved.
    };

    // The dispatcher (fault.h, steps 2-3): the lookup, then the step for the kind of fault.
    // Expects the space's lock held for writing. Inline into its two callers: a user fault
    // pays no call for it.
    [[gnu::always_inline]] static Outcome resolve_locked(AddressSpace& space,
                                                         uint64_t vaddr, Access access,
                                                         Permissions permissions) {
        space.lock().assert_write_locked();
        uint64_t page_va = vm::round_down(vaddr);
        Vma* vma = nullptr;
        VmObject* object = nullptr;
        FaultResult found = lookup_locked(space, page_va, access, permissions, vma, object);
        if (found != FaultResult::Resolved) [[unlikely]]
            return failed(found);
        FaultContext ctx { space, *vma, *object, page_va, vma->object_index(page_va),
                           access };
        if (object->is_shared()) [[unlikely]] {
            FileObject* file = object->file();
            if (!file)
                return shared_anon_fault(ctx);
            return access == Access::Write ? file_write_fault(ctx, *file) : file_read_fault(ctx, *file);
        }
        // A private object's tree cannot change under us (we hold its address space's
        // lock): one walk finds the page or the place for it, which the step then uses.
        VmObject::PagePlace place = object->page_place(ctx.index);
        Page* page = VmObject::page_at(place);
        if (!page) {
            if (FileObject* file = object->file()) [[unlikely]]
                return access == Access::Write ? private_copy_fault(ctx, *file, place)
                                               : file_read_fault(ctx, *file);
            return zero_fill_fault(ctx, place);
        }
        if (access == Access::Write && page->ref_count.load(std::memory_order_acquire) > 1)
            return copy_on_write_fault(ctx, place, page);
        return map_private_page(ctx, page);
    }

private:
    // The lookup (fault.h, step 2): the Vma containing `page_va` and its object, into
    // `vma` and `object`, or why the fault cannot be resolved (Resolved: it can go on).
    // Private anonymous memory gets its object here, on its first fault (mm/vma.h).
    [[gnu::always_inline]] static FaultResult lookup_locked(AddressSpace& space,
                                                            uint64_t page_va, Access access,
                                                            Permissions permissions, Vma*& vma,
                                                            VmObject*& object) {
        space.lock().assert_write_locked();
        vma = space.find_vma_locked(page_va);
        if (!vma) [[unlikely]]
            return FaultResult::NoMapping;
        if (permissions == Permissions::Check && !allows(vma->prot(), access)) [[unlikely]]
            return vma->kind() == VmaKind::Guard ? FaultResult::GuardPage : FaultResult::Forbidden;
        object = vma->object();
        if (!object) [[unlikely]] {
            // A guard Vma never has an object (and allows nothing, unless mprotect gave it
            // a protection): asked here, off the common path.
            if (vma->kind() == VmaKind::Guard)
                return FaultResult::GuardPage;
            object = attach_anon_object(*vma);
            if (!object)
                return FaultResult::OutOfMemory;
        }
        return FaultResult::Resolved;
    }

    // What every step is given: the fault, as the lookup found it. A step the compiler
    // inlines into the dispatcher takes it by reference; one that stays a call takes it by
    // value, so that the dispatcher's own context never has its address taken and lives in
    // registers (a copy is made only on the path that calls such a step).
    struct FaultContext {
        AddressSpace& space;
        Vma& vma;
        VmObject& object; // vma's.
        uint64_t page_va;
        uint64_t index;   // page_va's index in object.
        Access access;
    };

    // Every step's first line: the address-space lock is held for writing, by this fault.
    static void expect_space_locked(const FaultContext& ctx) {
        ctx.space.lock().assert_write_locked();
    }

    static Outcome failed(FaultResult result) { return { result, nullptr }; }

    // Beyond the end of file (ENXIO) or a disk error is a bus error, as on Linux.
    static Outcome file_error(const Error& error) {
        return failed(error.code() == ENOMEM ? FaultResult::OutOfMemory : FaultResult::BusError);
    }

    // A resolved fault of the kind `counter` counts.
    static Outcome resolved(Page* page, PerHartCounter& counter) {
        counter.add();
        return { FaultResult::Resolved, page };
    }

    // The first fault of a private anonymous Vma that has no object yet (mm/vma.h): gives
    // it a new AnonObject. nullptr: no memory.
    [[gnu::noinline]] static VmObject* attach_anon_object(Vma& vma) {
        auto object = AnonObject::try_create();
        if (object.is_error())
            return nullptr;
        vma.attach_object(object.release_value());
        return vma.object();
    }

    // ---- The steps, one per kind of fault (fault.h, step 3). ----

    // Private anonymous memory, first touch (whatever the access): a zeroed frame, which
    // is this object's alone, mapped with the Vma's permissions.
    [[gnu::always_inline]] static Outcome zero_fill_fault(const FaultContext& ctx,
                                                          VmObject::PagePlace place) {
        expect_space_locked(ctx);
        Page* page = ctx.object.zero_fill_at(place, ctx.index);
        if (!page) [[unlikely]]
            return failed(FaultResult::OutOfMemory);
        if (!install_pte_locked(ctx, page, leaf_flags(ctx.vma.prot(), true), false, PteWriters::Excluded))
            [[unlikely]]
            return failed(FaultResult::OutOfMemory);
        return resolved(page, s_zero_fills);
    }

    // A write to a private frame shared with another object (a fork relative): this
    // object gets its own copy, which replaces the frame in its tree at `place`. (If every
    // sharer has copied already, the count is 1 and map_private_page takes the frame over.)
    [[gnu::always_inline]] static Outcome copy_on_write_fault(const FaultContext& ctx,
                                                              VmObject::PagePlace place, Page* shared) {
        expect_space_locked(ctx);
        Page* copy = reclaim::allocate_user_page(ZeroFill::CallerOverwrites, PageUse::Anonymous);
        if (!copy) [[unlikely]]
            return failed(FaultResult::OutOfMemory);
        klib::page_copy(page_to_virt(copy), page_to_virt(shared));
        copy->owner = &ctx.object;
        copy->index = ctx.index;
        page_unref(ctx.object.swap_page_at(place, copy));
        PteFlags flags = leaf_flags(ctx.vma.prot(), true);
        if (!install_pte_locked(ctx, copy, flags, true, private_writers(ctx))) [[unlikely]]
            return failed(FaultResult::OutOfMemory);
        return resolved(copy, s_copies);
    }

    // A read of a private frame, or a write to one whose other sharers have all copied
    // it: mapped, writable only if this object is its last holder (which then owns it).
    static Outcome map_private_page(FaultContext ctx, Page* page) {
        expect_space_locked(ctx);
        bool exclusive = page->ref_count.load(std::memory_order_acquire) == 1;
        if (exclusive) {
            page->owner = &ctx.object;
            page->index = ctx.index;
        }
        PteFlags flags = leaf_flags(ctx.vma.prot(), exclusive);
        if (!install_pte_locked(ctx, page, flags, false, private_writers(ctx)))
            return failed(FaultResult::OutOfMemory);
        return resolved(page, s_other_faults);
    }

    // MAP_SHARED anonymous memory: every mapper uses the object's frame itself; there is
    // no copy-on-write to decide. The object locks itself to look up or zero-fill the
    // page.
    static Outcome shared_anon_fault(FaultContext ctx) {
        expect_space_locked(ctx);
        auto resident = ctx.object.page_for_fault(ctx.index);
        if (resident.is_error())
            return failed(FaultResult::OutOfMemory);
        Page* page = resident.value();
        if (!install_pte_locked(ctx, page, leaf_flags(ctx.vma.prot(), true), false, PteWriters::Excluded))
            return failed(FaultResult::OutOfMemory);
        return resolved(page, s_other_faults);
    }

    // A read (or execute) of a file page: through a MAP_SHARED mapping, or through a
    // MAP_PRIVATE one that has no copy of the page. The file's cached frame is mapped
    // read-only, even in a writable Vma: a store must fault, to dirty a shared page
    // (file_write_fault) or to copy a private one (private_copy_fault), so that stores
    // through other mappings or write() stay visible to a private mapping until it writes
    // the page. A cached page is found and mapped under the file's page-tree lock held for
    // reading alone (map_cached_page), so that faults on one file from many address spaces
    // go side by side; a page absent or being filled is asked of the file under its lock
    // (file_read_fault_slow), which may read the disk. The read lock keeps the page in the
    // tree until the PTE is in place, so that truncation and reclaim, which take a page
    // out of the tree (under the write lock) before they take it out of every page table,
    // never miss the PTE.
    // Inline: it is the minor fault's whole path.
    [[gnu::always_inline]] static Outcome file_read_fault(const FaultContext& ctx, FileObject& file) {
        expect_space_locked(ctx);
        {
            ReadLocker pages(file.pages_lock());
            if (Page* page = file.cached_page_for_fault(ctx.index)) [[likely]]
                return map_cached_page(ctx, file, page);
        }
        return file_read_fault_slow(ctx, file);
    }

    // file_read_fault's miss: the page from the file, waiting for a fill or reading the
    // disk (a major fault), under the file's lock; then mapped as a cached page is, under
    // the page-tree lock too (taken inside the file's, as every writer of the tree does).
    [[gnu::noinline]] static Outcome file_read_fault_slow(FaultContext ctx, FileObject& file) {
        expect_space_locked(ctx);
        MutexLocker locker(file.lock());
        auto resident = file.page_for_fault_locked(locker, ctx.index);
        if (resident.is_error())
            return file_error(resident.error());
        ReadLocker pages(file.pages_lock());
        return map_cached_page(ctx, file, resident.value());
    }

    // file_read_fault's mapping of `page`, found in the file's tree, which the caller
    // holds still with the page-tree lock held for reading (fault_around_locked asserts
    // it): the PTE, read-only, then fault-around. The PTE is swapped in without the page
    // table's lock (PteWriters::Excluded): the only other writers of it, the reverse
    // map's walkers under the file's lock, either act on this very frame (reclaim's
    // accessed bit, an atomic AND; write-back's unmap, after which a read-only entry may
    // come back: no store can dirty the page through it) or, to take the page out of the
    // cache, wait for the page-tree lock this fault holds.
    [[gnu::always_inline]] static Outcome map_cached_page(const FaultContext& ctx, FileObject& file, Page* page) {
        expect_space_locked(ctx);
        PteFlags flags = leaf_flags(ctx.vma.prot(), false);
        if (!install_pte_locked(ctx, page, flags, false, PteWriters::Excluded))
            return failed(FaultResult::OutOfMemory);
        fault_around_locked(ctx, file, flags);
        return resolved(page, s_other_faults);
    }

    // A write to a page of a MAP_SHARED file mapping: the cached frame is marked dirty
    // first, then mapped writable. That is the dirty tracking write-back relies on (no
    // hardware dirty bits are trusted); write-back write-protects the page again before it
    // cleans it. The file's lock is held from the lookup until the PTE is in place: the
    // dirty flag and the writable PTE must not fall between write-back's unmap and its
    // cleaning of the flag (which the page-tree lock does not exclude).
    static Outcome file_write_fault(FaultContext ctx, FileObject& file) {
        expect_space_locked(ctx);
        MutexLocker locker(file.lock());
        auto resident = file.page_for_fault_locked(locker, ctx.index);
        if (resident.is_error())
            return file_error(resident.error());
        Page* page = resident.value();
        page->set_flag(kPageDirty);
        ctx.vma.note_writable_pte();  // munmap's write-back looks for it.
        if (!install_pte_locked(ctx, page, leaf_flags(ctx.vma.prot(), true), false, PteWriters::Excluded))
            return failed(FaultResult::OutOfMemory);
        return resolved(page, s_other_faults);
    }

    // The first write to a page of a MAP_PRIVATE file mapping: the file's frame is copied
    // into a new frame, which goes into the mapping's PrivateFileObject (ctx.object, at
    // `place`, which the dispatcher found empty) and from then on holds this mapping's
    // contents of the page. The PTE may still name the file's frame (after a read):
    // frame_changed makes every hart forget that translation before the copy is used.
    static Outcome private_copy_fault(FaultContext ctx, FileObject& file, VmObject::PagePlace place) {
        expect_space_locked(ctx);
        // Allocated before the file's lock is taken: the allocation may wait for reclaim,
        // which needs that lock.
        Page* copy = reclaim::allocate_user_page(ZeroFill::CallerOverwrites, PageUse::Anonymous);
        if (!copy)
            return failed(FaultResult::OutOfMemory);
        {
            MutexLocker locker(file.lock());
            auto resident = file.page_for_fault_locked(locker, ctx.index);
            if (resident.is_error()) {
                free_page(copy);
                return file_error(resident.error());
            }
            klib::page_copy(page_to_virt(copy), page_to_virt(resident.value()));
        }
        copy->owner = &ctx.object;
        copy->index = ctx.index;
        // The address-space lock, held throughout, kept the tree as it was when `place`
        // was found.
        if (ctx.object.insert_page_at(place, ctx.index, copy).is_error()) {
            page_unref(copy);
            return failed(FaultResult::OutOfMemory);
        }
        if (!install_pte_locked(ctx, copy, leaf_flags(ctx.vma.prot(), true), true, PteWriters::MayRace))
            return failed(FaultResult::OutOfMemory);
        return resolved(copy, s_copies);
    }

    // ---- Permissions and the PTE (fault.h, step 4). ----

    // Whether `prot` allows `access`: Access's Read, Write and Execute (0, 1, 2) number
    // Prot's bits.
    static_assert(uint8_t(Prot::Read) == 1u << uint8_t(Access::Read)
                  && uint8_t(Prot::Write) == 1u << uint8_t(Access::Write)
                  && uint8_t(Prot::Exec) == 1u << uint8_t(Access::Execute));
    static bool allows(Prot prot, Access access) { return (uint8_t(prot) >> uint8_t(access)) & 1; }

    // The permissions a PTE may carry: the Vma's, minus Write unless `writable` (a frame
    // still shared, a clean file page). Prot's Read, Write and Exec bits, shifted left by
    // one, are the PTE's R, W and X; Write brings Read along (W without R is reserved in
    // Sv39).
    static_assert(uint64_t(Prot::Read) << 1 == uint64_t(PteFlags::Read)
                  && uint64_t(Prot::Write) << 1 == uint64_t(PteFlags::Write)
                  && uint64_t(Prot::Exec) << 1 == uint64_t(PteFlags::Execute));
    static PteFlags leaf_flags(Prot prot, bool writable) {
        uint64_t bits = uint64_t(prot) << 1;
        uint64_t write = writable ? bits & uint64_t(PteFlags::Write) : 0;
        bits = (bits & ~uint64_t(PteFlags::Write)) | write | (write >> 1);
        return PteFlags(bits | uint64_t(PteFlags::User));
    }

    // Who else may write the PTE of a page being installed. Excluded: no other writer can
    // undo the install (for a file page, the caller holds the file object's lock, under
    // which the reverse map writes, or the page-tree read lock, which keeps the page from
    // leaving the cache: see map_cached_page; for memory of a Vma that no reverse map
    // reaches, the address-space lock does), so the entry is swapped in without the page
    // table's spinlock when its level-0 table exists (PageTable::try_install_leaf_unlocked).
    // MayRace: a page of a file mapping installed without the file's lock (a private
    // copy): the reverse map may be removing the file's frame from this very entry, so the
    // table's lock serializes the two.
    enum class PteWriters : uint8_t { Excluded, MayRace };
    static PteWriters private_writers(const FaultContext& ctx) {
        return ctx.object.file() ? PteWriters::MayRace : PteWriters::Excluded;
    }

    // Points the PTE of ctx.page_va at `page` with `flags`, replacing whatever was there,
    // and flushes the old translation from every hart that may cache it. One walk of the
    // page table; the remote flush only when the old entry named another frame (or
    // `frame_changed` says the object's frame was replaced) or allowed more than the new
    // one (a stale entry that allows less, on another hart, at worst faults once more and
    // lands back here). False: no memory for a page-table page.
    // Inline: the unlocked swap into an empty entry is every fault's common case.
    [[gnu::always_inline]] static bool install_pte_locked(const FaultContext& ctx, Page* page, PteFlags flags,
                                                          bool frame_changed, PteWriters writers) {
        expect_space_locked(ctx);
        uint64_t phys = page_to_phys(page);
        if (writers == PteWriters::Excluded) [[likely]] {
            sv39::Pte swapped = ctx.space.try_install_leaf_locked(ctx.page_va, phys, flags);
            if (swapped != PageTable::kNotInstalled) [[likely]] {
                flush_replaced_locked(ctx, phys, flags, frame_changed, swapped);
                return true;
            }
        }
        return install_pte_with_table_lock(ctx, phys, flags, frame_changed);
    }

    // install_pte_locked's general path, under the page table's spinlock (install_leaf).
    [[gnu::noinline]] static bool install_pte_with_table_lock(FaultContext ctx, uint64_t phys, PteFlags flags,
                                                              bool frame_changed) {
        expect_space_locked(ctx);
        PageTable& table = ctx.space.page_table();
        auto installed = table.install_leaf(ctx.page_va, phys, flags);
        if (installed.is_error()) {
            if (installed.error().code() != EEXIST)
                return false;
            // A large leaf covers the page (never made for user memory today): the
            // general path splits it.
            if (table.unmap(ctx.page_va, vm::kPageSize).is_error()
                || table.map(ctx.page_va, phys, vm::kPageSize, flags).is_error())
                return false;
            ctx.space.flush_tlb(ctx.page_va, vm::kPageSize);
            return true;
        }
        flush_replaced_locked(ctx, phys, flags, frame_changed, installed.value());
        return true;
    }

    // After `old` was replaced by a leaf mapping `phys` with `flags`: flushes the page
    // from every hart that may cache `old`, when that matters (see install_pte_locked).
    [[gnu::always_inline]] static void flush_replaced_locked(const FaultContext& ctx, uint64_t phys,
                                                             PteFlags flags, bool frame_changed,
                                                             sv39::Pte old) {
        expect_space_locked(ctx);
        // Nothing was mapped: no TLB holds a translation. A hart may hold the invalid entry
        // (RISC-V allows caching it); it faults on the page once more, spuriously, and that
        // fault replaces a valid entry, which fences it (fault.h, step 4).
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
        uint32_t active = ctx.space.m_active_cpus.load(std::memory_order_acquire);
        uint32_t others = active & ~(1u << this_cpu()->index);
        if (others != 0)
            ctx.space.flush_tlb(ctx.page_va, vm::kPageSize);
    }

    // ---- Fault-around (fault.h, step 5). ----

    // After a read fault on a file page was mapped: maps read-only, with `flags`, the
    // other pages of the aligned window of kFaultAroundPages around the page that are
    // already cached and not busy, within the Vma, and (for a private mapping) without a
    // private copy; pages already mapped are left as they are. Never writable: a store
    // must fault, so that a shared page is dirtied and a private one copied. Expects the
    // file's page-tree lock held for reading (the reverse map relies on file PTEs being
    // installed only while the tree is held still) and the address-space lock (which
    // guards the private copies). Not counted as faults.
    // Cached pages lie within the file (truncation removes those wholly beyond its end),
    // so no size check is needed. One walk of the page table for the whole window: the
    // window is 64 KiB-aligned, so it lies in one level-0 table.
    static constexpr uint64_t kFaultAroundPages = 16;

    // The window is clipped here, so that a fault whose window is its own page (a one-page
    // mapping) does not pay for map_window_locked's frame of three arrays.
    static void fault_around_locked(FaultContext ctx, FileObject& file, PteFlags flags) {
        expect_space_locked(ctx);
        file.pages_lock().assert_locked();
        constexpr uint64_t kWindowBytes = kFaultAroundPages * vm::kPageSize;
        uint64_t start = ctx.page_va & ~(kWindowBytes - 1);
        uint64_t end = start + kWindowBytes;
        if (start < ctx.vma.start())
            start = ctx.vma.start();
        if (end > ctx.vma.end())
            end = ctx.vma.end();
        if (end - start <= vm::kPageSize)
            return;  // The faulting page is the whole window.
        map_window_locked(ctx, file, flags, start, end);
    }

    [[gnu::noinline]] static void map_window_locked(const FaultContext& ctx, FileObject& file, PteFlags flags,
                                                    uint64_t start, uint64_t end) {
        expect_space_locked(ctx);
        file.pages_lock().assert_locked();
        uint64_t phys[kFaultAroundPages];
        Page* pages[kFaultAroundPages];
        Page* private_pages[kFaultAroundPages];
        size_t count = (end - start) / vm::kPageSize;
        uint64_t first_index = ctx.vma.object_index(start);
        // The window's cached pages (and private copies) in one pass over each tree's leaf.
        if (file.lookup_pages(first_index, count, pages) <= 1)
            return;  // Only the faulting page (or nothing) is cached.
        // A private mapping's object holds its copies; a shared one's is the file itself.
        bool any_private = !ctx.object.is_shared()
                           && ctx.object.lookup_pages(first_index, count, private_pages) > 0;
        size_t faulting = (ctx.page_va - start) / vm::kPageSize;
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
        if (!any)
            return;
        // Pairs with fill_run_locked's release fence: a neighbour whose fill has just ended
        // (found not busy above, without m_lock) shows the fill's bytes once mapped.
        std::atomic_thread_fence(std::memory_order_acquire);
        ctx.space.page_table().install_leaves_if_absent(start, phys, count, flags);
    }
};

FaultResult handle_page_fault(AddressSpace& space, uint64_t vaddr, Access access) {
    if (vaddr >= kUserSpaceEnd)
        return FaultResult::Segfault;
    WriteLocker locker(space.lock());
    auto permissions = FaultHandler::Permissions::Check;
    return FaultHandler::resolve_locked(space, vaddr, access, permissions).result;
}

ErrorOr<Page*> fault_in_for_kernel_write(AddressSpace& space, uint64_t page_va) {
    if (page_va >= kUserSpaceEnd)
        return Error::from_errno(EFAULT);
    WriteLocker locker(space.lock());
    auto outcome = FaultHandler::resolve_locked(space, page_va, Access::Write,
                                                FaultHandler::Permissions::Ignore);
    switch (outcome.result) {
    case FaultResult::Resolved: return outcome.page;
    case FaultResult::OutOfMemory: return Error::from_errno(ENOMEM);
    default: return Error::from_errno(EFAULT);
    }
}

const char* describe_fault(uint64_t vaddr, Access access, FaultResult result) {
    switch (result) {
    case FaultResult::Resolved: return "resolved";
    case FaultResult::Segfault:
        return vaddr >= kUserSpaceEnd ? "kernel or non-canonical address" : "segmentation fault";
    case FaultResult::NoMapping:
        return vaddr < vm::kPageSize ? "null pointer dereference" : "unmapped address";
    case FaultResult::GuardPage: return "stack guard page (stack overflow)";
    case FaultResult::Forbidden:
        switch (access) {
        case Access::Read: return "read of unreadable memory";
        case Access::Write: return "write to read-only memory";
        case Access::Execute: return "execute of non-executable memory";
        }
        return "bad access";
    case FaultResult::BusError: return "bus error";
    case FaultResult::OutOfMemory: return "out of memory";
    }
    return "bad access";
}

FaultCounters fault_counters() {
    uint64_t major = s_major_faults.value();
    uint64_t zero_fills = s_zero_fills.value();
    uint64_t copies = s_copies.value();
    uint64_t resolved = zero_fills + copies + s_other_faults.value();
    // A major fault is counted when its I/O is done, before the fault resolves, so for a
    // moment (or for good, if the PTE then cannot be installed) it may not yet be in
    // `resolved`: clamp rather than wrap.
    return FaultCounters {
        .minor_faults = resolved > major ? resolved - major : 0,
        .major_faults = major,
        .cow_copies = copies,
        .zero_fills = zero_fills,
    };
}

void count_major_fault() { s_major_faults.add(); }

const char* fault_result_name(FaultResult result) {
    switch (result) {
    case FaultResult::Resolved: return "resolved";
    case FaultResult::Segfault: return "segfault";
    case FaultResult::NoMapping: return "segfault (no mapping)";
    case FaultResult::GuardPage: return "segfault (guard page)";
    case FaultResult::Forbidden: return "segfault (protection)";
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
