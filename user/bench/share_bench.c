/* share_bench: two processes map one file MAP_SHARED and read all of it; the frames that
 * holds must be one copy of the file, not two.
 *
 *   share_bench [MIB]      default: 16 MiB
 *
 * The file starts uncached. The parent forks a child, and both wait on each other through
 * pipes so that only one of them runs at a time. Then the parent opens the file, maps it
 * whole and reads every page (checking the contents), then the child does the same, each
 * keeping its mapping. vmstat's free_frames before and after both have done so gives the
 * frames used, which includes each process's page tables for the mapping (about one frame
 * per 512 pages each) but nothing else of size.
 *
 *   BENCH share_frames_used N frames      free frames gone while both map and have read it
 *   BENCH share_second_mapper N frames    of those, gone when the second process read it
 *   BENCH share_cached_pages N pages      growth of the page cache (vmstat cached_pages)
 *   BENCH share_file_pages N pages        one copy: the file's size in pages
 *
 * tools/bench judges frames_used against one copy plus 2% (page tables, the cache's own
 * index) and the second mapper's frames against its page tables alone. Frames do not
 * depend on timing, so this needs no -icount, but tools/bench runs it like the others.
 *
 * On Linux (BENCH_LINUX, bench.h) both processes map, read and check the file the same
 * way, and the figures come from /proc instead of vmstat: free frames from /proc/zoneinfo
 * (each zone's free pages plus those its per-CPU lists hold), cached pages from Cached in
 * /proc/meminfo. Linux allocates its own metadata meanwhile (slab, the cache's index), so
 * its frame figures are good to a few frames; tools/bench shows them beside Atlas's and
 * judges only Atlas's. */
#include <sys/mman.h>
#include <sys/wait.h>

#include "bench.h"

static const char* const kFile = BENCH_DIR "/share_bench.dat";

/* Maps the file and reads the first byte of every page; the mapping stays. */
static void map_and_read(size_t bytes, const char* who)
{
    int fd = open(kFile, O_RDONLY);
    if (fd < 0)
        bench_fail("share_bench: %s: open: %s", who, strerror(errno));
    const volatile unsigned char* map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        bench_fail("share_bench: %s: mmap: %s", who, strerror(errno));
    close(fd);
    for (size_t offset = 0; offset < bytes; offset += kBenchPageSize)
        if (map[offset] != bench_pattern_byte(offset) || map[offset + 4095] != bench_pattern_byte(offset + 4095))
            bench_fail("share_bench: %s: byte %lu of the file reads wrong", who, (unsigned long)offset);
}

#ifdef BENCH_LINUX
/* What share_bench reads of Linux's memory counters, in pages. */
struct meminfo {
    uint64_t free_frames;
    uint64_t cached_pages;
};

/* The sum of the numbers after `key` (with its colon) at the start of a line of `path`,
 * leading blanks skipped; *found counts the lines. */
static uint64_t sum_lines(const char* path, const char* key, int* found)
{
    FILE* file = fopen(path, "r");
    if (file == NULL)
        bench_fail("share_bench: %s: %s", path, strerror(errno));
    char line[256];
    uint64_t sum = 0;
    size_t length = strlen(key);
    while (fgets(line, sizeof(line), file) != NULL) {
        const char* text = line;
        while (*text == ' ')
            text++;
        if (strncmp(text, key, length) == 0 && (text[length] == ':' || text[length] == ' ')) {
            sum += strtoull(text + length + 1, NULL, 10);
            ++*found;
        }
    }
    fclose(file);
    return sum;
}

/* Free frames: every zone's free pages (nr_free_pages in /proc/zoneinfo) plus the pages
 * its per-CPU lists hold ("count:" of each pageset), which Linux keeps free but outside
 * the zone's count; cached pages: Cached of /proc/meminfo, in KiB there. */
static void read_meminfo(struct meminfo* info)
{
    int zones = 0, pagesets = 0, cached = 0;
    info->free_frames = sum_lines("/proc/zoneinfo", "nr_free_pages", &zones) +
                        sum_lines("/proc/zoneinfo", "count", &pagesets);
    info->cached_pages = sum_lines("/proc/meminfo", "Cached", &cached) / (kBenchPageSize / 1024);
    if (zones == 0 || pagesets == 0 || cached != 1)
        bench_fail("share_bench: no free-page or cache counts in /proc/zoneinfo and /proc/meminfo");
}
#endif

static void send(int fd)
{
    if (write(fd, "x", 1) != 1)
        bench_fail("share_bench: pipe write: %s", strerror(errno));
}

static void receive(int fd)
{
    char byte;
    if (read(fd, &byte, 1) != 1)
        bench_fail("share_bench: pipe read: the other process is gone");
}

int main(int argc, char** argv)
{
    long mib = bench_argument(argc, argv, 1, 16, "share_bench [MIB]");
    size_t bytes = (size_t)mib << 20;
    bench_make_file(kFile, bytes);

    int to_child[2], to_parent[2];
    if (pipe(to_child) < 0 || pipe(to_parent) < 0)
        bench_fail("share_bench: pipe: %s", strerror(errno));
    int pid = fork();
    if (pid < 0)
        bench_fail("share_bench: fork: %s", strerror(errno));
    if (pid == 0) {
        receive(to_child[0]);  /* The parent has read the file. */
        map_and_read(bytes, "child");
        send(to_parent[1]);
        receive(to_child[0]);  /* The parent has measured: exit, unmapping. */
        _exit(0);
    }

#ifdef BENCH_LINUX
    struct meminfo start, one, both;
    read_meminfo(&start);
    map_and_read(bytes, "parent");
    read_meminfo(&one);
    send(to_child[1]);
    receive(to_parent[0]);
    read_meminfo(&both);
#else
    struct atlas_vmstat start, one, both;
    bench_vmstat(&start);
    map_and_read(bytes, "parent");
    bench_vmstat(&one);
    send(to_child[1]);
    receive(to_parent[0]);
    bench_vmstat(&both);
#endif
    send(to_child[1]);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_fail("share_bench: the child failed");
    unlink(kFile);

    /* Frames only go here (on Atlas nothing is freed meanwhile), so the differences are >= 0
     * there; on Linux a negative one (pages freed elsewhere meanwhile) reads as 0. */
    uint64_t used = start.free_frames > both.free_frames ? start.free_frames - both.free_frames : 0;
    uint64_t second = one.free_frames > both.free_frames ? one.free_frames - both.free_frames : 0;
    uint64_t cached = both.cached_pages > start.cached_pages ? both.cached_pages - start.cached_pages : 0;
    printf("two mappers of a %ld MiB file (%lu pages): %lu frames used, %lu of them by the second mapper, "
           "%lu pages cached\n",
           mib, (unsigned long)(bytes / kBenchPageSize), (unsigned long)used, (unsigned long)second,
           (unsigned long)cached);
    bench_report("share_frames_used", used, "frames");
    bench_report("share_second_mapper", second, "frames");
    bench_report("share_cached_pages", cached, "pages");
    bench_report("share_file_pages", bytes / kBenchPageSize, "pages");
    return 0;
}
