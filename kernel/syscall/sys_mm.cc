// Memory system calls: sbrk, vmstat, procmaps, mmap, munmap, mprotect, msync and madvise. They check
// arguments (each failure is labelled as in docs/mmap.md: M1..M18 for mmap, U for munmap, P for
// mprotect, S for msync, A for madvise) and call AddressSpace; the memory work is in kernel/mm.
//
// File mappings map the inode's page cache (FileObject): MAP_SHARED stores go to the cached
// frames and reach the file; MAP_PRIVATE stores go to private copies (the mapping's
// PrivateFileObject over the cache).
#include "arch/riscv64/cpu.h"
#include "drivers/virtio_blk.h"
#include "fs/root_file_system.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/fault.h"
#include "mm/file_object.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_stack.h"
#include "mm/physical_allocator.h"
#include "mm/reclaim.h"
#include "mm/shrinker.h"
#include "proc/open_file.h"
#include "proc/process.h"
#include "sync/lock_statistics.h"
#include "syscall/abi.h"
#include "syscall/handlers.h"

ErrorOr<uint64_t> sys_sbrk(int64_t increment) {
    AddressSpace* space = current_process()->address_space();
    uint64_t old_break = space->heap_break();
    if (increment == 0)
        return old_break;
    uint64_t new_break;
    if (increment < 0) {
        uint64_t decrease = 0 - static_cast<uint64_t>(increment);
        if (decrease > old_break)
            return Error::from_errno(ENOMEM);
        new_break = old_break - decrease;
    } else if (__builtin_add_overflow(old_break, static_cast<uint64_t>(increment), &new_break)) {
        return Error::from_errno(ENOMEM);
    }
    return space->set_heap_break(new_break);
}

namespace {

// The ATLAS_LOCK_* class of each lock rank (ATLAS_LOCK_OTHER for the ranks not named).
unsigned lock_class(LockRank rank) {
    switch (rank) {
    case LockRank::AddressSpace: return ATLAS_LOCK_ADDRESS_SPACE;
    case LockRank::FileWriters: return ATLAS_LOCK_FILE_WRITERS;
    case LockRank::VmObject: return ATLAS_LOCK_VM_OBJECT;
    case LockRank::FilePages: return ATLAS_LOCK_FILE_PAGES;
    case LockRank::Inode: return ATLAS_LOCK_INODE;
    case LockRank::PageQueue: return ATLAS_LOCK_PAGE_QUEUE;
    case LockRank::PageTable: return ATLAS_LOCK_PAGE_TABLE;
    case LockRank::PhysicalMemory: return ATLAS_LOCK_PHYSICAL_MEMORY;
    case LockRank::KernelHeap: return ATLAS_LOCK_KERNEL_HEAP;
    case LockRank::SleepingLockState: return ATLAS_LOCK_SLEEPING_LOCK_STATE;
    case LockRank::WaitQueue: return ATLAS_LOCK_WAIT_QUEUE;
    case LockRank::Scheduler: return ATLAS_LOCK_SCHEDULER;
    default: return ATLAS_LOCK_OTHER;
    }
}

void fill_lock_statistics(atlas_vmstat& stats) {
    for (unsigned rank = 0; rank < static_cast<unsigned>(LockRank::Count); ++rank) {
        LockClassStatistics of = lock_statistics::of(static_cast<LockRank>(rank));
        auto& row = stats.locks[lock_class(static_cast<LockRank>(rank))];
        row.contended += of.contended;
        row.wait_ticks += of.wait_ticks;
    }
}

}  // namespace

ErrorOr<void> sys_vmstat(UserPtr<atlas_vmstat> out) {
    atlas_vmstat stats;
    klib::memset(&stats, 0, sizeof(stats));
    stats.page_size = 4096;
    stats.total_frames = total_page_count();
    stats.free_frames = free_page_count();
    stats.processes = Process::count();
    stats.process_limit = Process::process_limit();
    KernelHeapStatistics heap = kernel_heap_statistics();
    stats.kernel_heap_bytes = heap.small_bytes_in_use + heap.large_pages * 4096;
    PageCacheStatistics cache = page_cache_statistics();
    stats.page_cache_hits = cache.hits;
    stats.page_cache_misses = cache.misses;
    stats.pages_written_back = cache.written_back;
    stats.readahead_pages = cache.readahead;
    DiskStatistics disk = disk_statistics();
    stats.disk_read_requests = disk.read_requests;
    stats.disk_read_bytes = disk.read_bytes;
    reclaim::Statistics reclaimed = reclaim::statistics();
    stats.pages_reclaimed = reclaimed.reclaimed;
    stats.cached_pages = reclaimed.cached_pages;
    // VM fault counters
    FaultCounters faults = fault_counters();
    stats.minor_faults = faults.minor_faults;
    stats.major_faults = faults.major_faults;
    stats.cow_copies = faults.cow_copies;
    stats.zero_fill_faults = faults.zero_fills;
    fill_lock_statistics(stats);
    for (unsigned i = 0; i < cpu_count(); i++)
        stats.idle_instret += cpu_by_index(i).idle_instret.load(std::memory_order_relaxed);
    // The caches
    RootFileSystemMemory fs_memory = root_file_system_memory();
    stats.block_cache_buffers = fs_memory.block_cache_buffers;
    stats.block_cache_unused = fs_memory.block_cache_unused;
    stats.block_cache_capacity = fs_memory.block_cache_capacity;
    stats.cached_inodes = fs_memory.inodes;
    stats.heap_slab_frames = heap.slab_pages;
    stats.heap_large_frames = heap.large_pages;
    stats.heap_cached_objects = heap.cached_objects;
    stats.heap_cached_bytes = heap.cached_bytes;
    stats.heap_spare_slabs = heap.spare_slabs;
    stats.frame_cache_frames = cached_frame_count();
    stats.kernel_stacks = kernel_stacks_in_use();
    stats.kernel_stacks_pending = kernel_stacks_pending_flush();
    stats.shrunk_frames = shrunk_frames();
    stats.unused_inodes = fs_memory.unused_inodes;
    return out.write(stats);
}

ErrorOr<void> sys_drop_caches() {
    reclaim::drop_caches();
    return {};
}

namespace {

uint32_t map_kind(VmaKind kind) {
    switch (kind) {
    case VmaKind::Text: return ATLAS_MAP_KIND_TEXT;
    case VmaKind::Data: return ATLAS_MAP_KIND_DATA;
    case VmaKind::Heap: return ATLAS_MAP_KIND_HEAP;
    case VmaKind::Stack: return ATLAS_MAP_KIND_STACK;
    case VmaKind::Guard: return ATLAS_MAP_KIND_GUARD;
    case VmaKind::Anonymous: return ATLAS_MAP_KIND_ANONYMOUS;
    default: return ATLAS_MAP_KIND_FILE;  // The one kind the page cache adds.
    }
}

}  // namespace

ErrorOr<int64_t> sys_procmaps(int pid, UserPtr<atlas_map_entry> buffer, int64_t count) {
    if (count < 0)
        return Error::from_errno(EINVAL);
    RefPtr<Process> process = Process::find_live(pid);
    if (!process)
        return Error::from_errno(ESRCH);
    // Keeps exec and exit from swapping or freeing the address space under us. The
    // address-space lock itself is held only while snapshot_vmas copies a chunk into
    // kernel memory, never while we write to user memory: that write may fault on the
    // caller's own space, which may be the one being listed.
    MutexLocker image_locker(process->image_lock());
    AddressSpace* space = process->address_space();
    if (!space)
        return Error::from_errno(ESRCH);  // Exiting: as good as gone.
    char name[ATLAS_MAP_NAME_MAX];
    klib::strlcpy(name, process->name(), sizeof(name));

    constexpr size_t kChunk = 16;
    VmaInfo chunk[kChunk];
    size_t total = 0;
    space->snapshot_vmas(0, chunk, 0, total);
    size_t wanted = static_cast<uint64_t>(count) < total ? static_cast<size_t>(count) : total;
    size_t written = 0;
    uint64_t cursor = 0;
    while (written < wanted) {
        size_t ignored_total;
        size_t max = wanted - written < kChunk ? wanted - written : kChunk;
        size_t copied = space->snapshot_vmas(cursor, chunk, max, ignored_total);
        if (copied == 0)
            break;  // Cannot happen to a space nobody else changes; harmless if it does.
        for (size_t i = 0; i < copied; ++i) {
            const VmaInfo& info = chunk[i];
            atlas_map_entry entry;
            klib::memset(&entry, 0, sizeof(entry));
            entry.start = info.start;
            entry.end = info.end;
            entry.offset = info.page_offset * vm::kPageSize;
            entry.prot = static_cast<uint32_t>(info.prot);
            entry.flags = info.shared ? ATLAS_MAP_FLAG_SHARED : 0;
            entry.kind = map_kind(info.kind);
            if (info.kind == VmaKind::Text || info.kind == VmaKind::Data)
                klib::memcpy(entry.name, name, sizeof(name));
            TRY(buffer.at(written).write(entry));
            ++written;
        }
        cursor = chunk[copied - 1].end;
    }
    return static_cast<int64_t>(total);
}

namespace {

// The ABI values (Linux asm-generic, as user/include/sys/mman.h spells them).
constexpr uint64_t kMapShared = 0x01;
constexpr uint64_t kMapPrivate = 0x02;
constexpr uint64_t kMapType = 0x0f;
constexpr uint64_t kMapFixed = 0x10;
constexpr uint64_t kMapAnonymous = 0x20;
constexpr uint64_t kMapFixedNoReplace = 0x100000;
constexpr uint64_t kMsAsync = 1;
constexpr uint64_t kMsInvalidate = 2;
constexpr uint64_t kMsSync = 4;
constexpr uint64_t kMadvNormal = 0;
constexpr uint64_t kMadvWillNeed = 3;
constexpr uint64_t kMadvDontNeed = 4;

// RISC-V has no write-only pages (W without R is reserved), so PROT_WRITE brings read.
Prot effective_prot(uint64_t bits) {
    Prot prot = Prot(bits);
    if (has_any(prot, Prot::Write))
        prot |= Prot::Read;
    return prot;
}

AddressSpace& current_space() { return *current_process()->address_space(); }

// mmap of a descriptor, after the checks every mapping shares.
ErrorOr<uint64_t> map_file(uint64_t address, uint64_t size, Prot prot, MapPlacement placement, uint64_t type, int fd,
                           uint64_t offset) {
    RefPtr<OpenFile> file = TRY(current_process()->files().get(fd));  // M9: EBADF.
    if (!file->readable())
        return Error::from_errno(EACCES);  // M10, for any prot and type (a pipe's write end too).
    if (file->kind() != OpenFileKind::Inode)
        return Error::from_errno(ENODEV);  // M11: pipe, console.
    fs::Inode& inode = static_cast<InodeFile&>(*file).inode();
    if (!inode.is_file())
        return Error::from_errno(ENODEV);  // M11: directory.
    // What mprotect may grant later: the open mode bounds Write on a shared mapping only;
    // a private mapping's stores never reach the file, so any readable descriptor will do.
    // MAP_SHARED_VALIDATE (both type bits) validates nothing more here: it is shared.
    bool shared = (type & kMapShared) != 0;
    Prot max_prot = Prot::Read | Prot::Exec;
    if (file->writable() || !shared)
        max_prot |= Prot::Write;
    if ((prot & ~max_prot) != Prot::None)
        return Error::from_errno(EACCES);  // M12.
    RefPtr<FileObject> object = TRY(FileObject::for_inode(inode));
    return current_space().map_file_region(address, size, prot, placement, std::move(object), offset / vm::kPageSize,
                                           max_prot, shared ? MapSharing::Shared : MapSharing::Private);
}

}  // namespace

ErrorOr<uint64_t> sys_mmap(uint64_t address, uint64_t length, uint64_t prot, uint64_t flags, int fd,
                           int64_t offset) {
    uint64_t type = flags & kMapType;
    bool anonymous = (flags & kMapAnonymous) != 0;
    bool fixed = (flags & (kMapFixed | kMapFixedNoReplace)) != 0;
    if (length == 0)
        return Error::from_errno(EINVAL);  // M1
    // M2 (neither) and M3 (both; MAP_SHARED_VALIDATE is only meaningful for files).
    if (type != kMapShared && type != kMapPrivate && !(type == (kMapShared | kMapPrivate) && !anonymous))
        return Error::from_errno(EINVAL);
    if (!vm::is_page_aligned(static_cast<uint64_t>(offset)))
        return Error::from_errno(EINVAL);  // M4
    if (fixed && !vm::is_page_aligned(address))
        return Error::from_errno(EINVAL);  // M5
    if (!vm::is_valid_prot_bits(prot))
        return Error::from_errno(EINVAL);  // M6
    uint64_t size = vm::round_up(length);
    if (size == 0 || size > vm::kUserSpaceEnd)
        return Error::from_errno(ENOMEM);  // M7: the rounding wrapped, or no space is that big.
    uint64_t last_offset;
    if (offset < 0 || __builtin_add_overflow(static_cast<uint64_t>(offset), size, &last_offset) ||
        last_offset > static_cast<uint64_t>(INT64_MAX))
        return Error::from_errno(EOVERFLOW);  // M8
    MapPlacement placement = MapPlacement::Anywhere;
    if (flags & kMapFixedNoReplace)
        placement = MapPlacement::FixedNoReplace;  // It wins over MAP_FIXED, as on Linux.
    else if (flags & kMapFixed)
        placement = MapPlacement::Fixed;
    if (!anonymous)
        return map_file(address, size, effective_prot(prot), placement, type, fd, static_cast<uint64_t>(offset));
    MapSharing sharing = type == kMapShared ? MapSharing::Shared : MapSharing::Private;
    // M13-M18 come from the address space.
    return current_space().map_anonymous_region(address, size, effective_prot(prot), placement, sharing);
}

ErrorOr<void> sys_munmap(uint64_t address, uint64_t length) {
    if (!vm::is_page_aligned(address) || length == 0)
        return Error::from_errno(EINVAL);  // U1
    uint64_t size = vm::round_up(length);
    if (size == 0 || !vm::is_user_range(address, size))
        return Error::from_errno(EINVAL);  // U2
    return current_space().unmap(address, size);  // U3 (a split past the limit)
}

ErrorOr<void> sys_mprotect(uint64_t address, uint64_t length, uint64_t prot) {
    if (!vm::is_page_aligned(address) || !vm::is_valid_prot_bits(prot))
        return Error::from_errno(EINVAL);  // P1
    if (length == 0)
        return {};  // P2
    uint64_t size = vm::round_up(length);
    if (size == 0 || !vm::is_user_range(address, size))
        return Error::from_errno(ENOMEM);  // P3
    return current_space().protect(address, size, effective_prot(prot));  // P3 (a hole), P4, P5
}

ErrorOr<void> sys_msync(uint64_t address, uint64_t length, uint64_t flags) {
    if (!vm::is_page_aligned(address) || (flags & ~(kMsAsync | kMsInvalidate | kMsSync)) != 0 ||
        (flags & (kMsAsync | kMsSync)) == (kMsAsync | kMsSync))
        return Error::from_errno(EINVAL);  // S1
    if (length == 0)
        return {};  // S2
    uint64_t size = vm::round_up(length);
    if (size == 0 || !vm::is_user_range(address, size))
        return Error::from_errno(ENOMEM);  // S3 (a hole too, in sync_range)
    // MS_ASYNC does the same as MS_SYNC: the write-back is cheap enough to do now. Anonymous
    // mappings have nothing to write back; the range must be mapped.
    return current_space().sync_range(address, size);
}

ErrorOr<void> sys_madvise(uint64_t address, uint64_t length, uint64_t advice) {
    if (!vm::is_page_aligned(address) || advice > kMadvDontNeed)
        return Error::from_errno(EINVAL);  // A1
    static_assert(kMadvNormal == 0 && kMadvWillNeed == 3, "NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED are 0..4");
    if (length == 0)
        return {};  // A2
    uint64_t size = vm::round_up(length);
    if (size == 0)
        return Error::from_errno(EINVAL);  // A1: the rounding wrapped.
    if (!vm::is_user_range(address, size))
        return Error::from_errno(ENOMEM);  // A3 (a hole too, below)
    if (advice == kMadvDontNeed)
        return current_space().discard(address, size);
    if (advice == kMadvWillNeed)
        return current_space().prefetch(address, size);
    // NORMAL, RANDOM and SEQUENTIAL change nothing here: readahead follows what the
    // faults do (a growing window for a stream, none for random access) on its own.
    return current_space().check_mapped(address, size);
}

ErrorOr<void> sys_fadvise(int fd, int64_t offset, int64_t length, uint64_t advice) {
    constexpr uint64_t kFadvWillNeed = 3;
    constexpr uint64_t kFadvDontNeed = 4;
    constexpr uint64_t kFadvNoReuse = 5;
    RefPtr<OpenFile> file = TRY(current_process()->files().get(fd));  // EBADF.
    if (file->kind() != OpenFileKind::Inode)
        return Error::from_errno(ESPIPE);  // A pipe or the console, as Linux answers.
    fs::Inode& inode = static_cast<InodeFile&>(*file).inode();
    if (advice > kFadvNoReuse || length < 0 || offset < 0)
        return Error::from_errno(EINVAL);
    if (!inode.is_file() || (advice != kFadvDontNeed && advice != kFadvWillNeed))
        return {};  // The other hints have no effect here; a directory has no page cache.
    // [offset, offset + length) in bytes; length 0 means to the end of the file.
    uint64_t start = static_cast<uint64_t>(offset);
    uint64_t stop = UINT64_MAX;
    if (length != 0 && __builtin_add_overflow(start, static_cast<uint64_t>(length), &stop))
        stop = UINT64_MAX;
    RefPtr<FileObject> object = TRY(FileObject::for_inode(inode));
    if (advice == kFadvWillNeed) {
        // Every page the range touches.
        uint64_t end = stop == UINT64_MAX ? UINT64_MAX : (stop - 1) / vm::kPageSize + 1;
        object->prefetch(start / vm::kPageSize, end);
    } else {
        // Only whole pages go, as on Linux.
        uint64_t first = (start + vm::kPageSize - 1) / vm::kPageSize;
        uint64_t end = stop == UINT64_MAX ? UINT64_MAX : stop / vm::kPageSize;
        if (end > first)
            object->drop_cached_pages(first, end);
    }
    return {};
}
