/* vmstat: prints the memory system's counters, one "name value" pair a line, from the
 * vmstat system call (struct atlas_vmstat in kernel/syscall/abi.h). Counters of events
 * count since boot; the others are the state right now, the kernel's caches included.
 * Last come the lock statistics: for each class of kernel lock, lock_CLASS_contended
 * (acquisitions that had to wait) and lock_CLASS_wait_ticks (their waits, 10 MHz ticks).
 *
 *   vmstat                  print the counters
 *   vmstat --drop-caches    first give back every cache the kernel can rebuild (the
 *                           drop_caches system call), then print the counters */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"

/* The lock statistics: per class, the waits and their total time in ticks (10 MHz). */
static void print_lock_statistics(const struct atlas_vmstat *stats)
{
    static const char *const lock_names[ATLAS_LOCK_CLASSES] = {
        [ATLAS_LOCK_ADDRESS_SPACE] = "address_space",
        [ATLAS_LOCK_FILE_WRITERS] = "file_writers",
        [ATLAS_LOCK_VM_OBJECT] = "vm_object",
        [ATLAS_LOCK_FILE_PAGES] = "file_pages",
        [ATLAS_LOCK_INODE] = "inode",
        [ATLAS_LOCK_PAGE_QUEUE] = "page_queue",
        [ATLAS_LOCK_PAGE_TABLE] = "page_table",
        [ATLAS_LOCK_PHYSICAL_MEMORY] = "physical_memory",
        [ATLAS_LOCK_KERNEL_HEAP] = "kernel_heap",
        [ATLAS_LOCK_SLEEPING_LOCK_STATE] = "sleeping_lock_state",
        [ATLAS_LOCK_WAIT_QUEUE] = "wait_queue",
        [ATLAS_LOCK_SCHEDULER] = "scheduler",
        [ATLAS_LOCK_OTHER] = "other",
    };
    for (int i = 0; i < ATLAS_LOCK_CLASSES; i++) {
        char name[64];
        snprintf(name, sizeof(name), "lock_%s_contended", lock_names[i]);
        printf("%-22s %lu\n", name, (unsigned long)stats->locks[i].contended);
        snprintf(name, sizeof(name), "lock_%s_wait_ticks", lock_names[i]);
        printf("%-22s %lu\n", name, (unsigned long)stats->locks[i].wait_ticks);
    }
}

int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--drop-caches") != 0)) {
        fprintf(stderr, "usage: vmstat [--drop-caches]\n");
        return 1;
    }
    if (argc == 2 && syscall(SYS_drop_caches) < 0) {
        fprintf(stderr, "vmstat: drop_caches: %s\n", strerror(errno));
        return 1;
    }
    struct atlas_vmstat stats;
    memset(&stats, 0, sizeof(stats));
    if (syscall(SYS_vmstat, &stats) < 0) {
        fprintf(stderr, "vmstat: %s\n", strerror(errno));
        return 1;
    }
    const struct {
        const char *name;
        unsigned long value;
    } rows[] = {
        { "page_size", stats.page_size },
        { "total_frames", stats.total_frames },
        { "free_frames", stats.free_frames },
        { "processes", stats.processes },
        { "process_limit", stats.process_limit },
        { "kernel_heap_bytes", stats.kernel_heap_bytes },
        { "page_cache_hits", stats.page_cache_hits },
        { "page_cache_misses", stats.page_cache_misses },
        { "pages_written_back", stats.pages_written_back },
        { "pages_reclaimed", stats.pages_reclaimed },
        { "cached_pages", stats.cached_pages },
        { "disk_read_requests", stats.disk_read_requests },
        { "disk_read_bytes", stats.disk_read_bytes },
        { "readahead_pages", stats.readahead_pages },
        { "idle_instret", stats.idle_instret },
        { "minor_faults", stats.minor_faults },
        { "major_faults", stats.major_faults },
        { "cow_copies", stats.cow_copies },
        { "zero_fill_faults", stats.zero_fill_faults },
        { "block_cache_buffers", stats.block_cache_buffers },
        { "block_cache_unused", stats.block_cache_unused },
        { "block_cache_capacity", stats.block_cache_capacity },
        { "cached_inodes", stats.cached_inodes },
        { "heap_slab_frames", stats.heap_slab_frames },
        { "heap_large_frames", stats.heap_large_frames },
        { "heap_cached_objects", stats.heap_cached_objects },
        { "heap_cached_bytes", stats.heap_cached_bytes },
        { "heap_spare_slabs", stats.heap_spare_slabs },
        { "frame_cache_frames", stats.frame_cache_frames },
        { "kernel_stacks", stats.kernel_stacks },
        { "kernel_stacks_pending", stats.kernel_stacks_pending },
        { "shrunk_frames", stats.shrunk_frames },
        { "unused_inodes", stats.unused_inodes },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        printf("%-22s %lu\n", rows[i].name, rows[i].value);
    print_lock_statistics(&stats);
    return 0;
}
