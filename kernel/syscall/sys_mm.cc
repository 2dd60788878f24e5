// Memory system calls: sbrk and vmstat (mmap and friends come with the mmap issue). They
// check arguments and call AddressSpace; the memory work is in kernel/mm.
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/kernel_heap.h"
#include "mm/physical_allocator.h"
#include "proc/process.h"
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
    return out.write(stats);
}
