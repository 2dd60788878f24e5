/* vmstat: prints the memory system's counters, one "name value" pair a line, from the
 * vmstat system call (struct atlas_vmstat in kernel/syscall/abi.h). Counters of events
 * count since boot; the others are the state right now. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"

int main(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: vmstat\n");
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
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        printf("%-20s %lu\n", rows[i].name, rows[i].value);
    return 0;
}
