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
 * way, but no figure is printed: the frames come from Atlas's vmstat. */
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

#ifndef BENCH_LINUX
    struct atlas_vmstat start, one, both;
    bench_vmstat(&start);
#endif
    map_and_read(bytes, "parent");
#ifndef BENCH_LINUX
    bench_vmstat(&one);
#endif
    send(to_child[1]);
    receive(to_parent[0]);
#ifndef BENCH_LINUX
    bench_vmstat(&both);
#endif
    send(to_child[1]);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_fail("share_bench: the child failed");
    unlink(kFile);
#ifdef BENCH_LINUX
    printf("two mappers of a %ld MiB file read it whole and saw the right contents "
           "(frames are not counted on Linux)\n", mib);
    return 0;
#else

    /* Frames only go here (nothing is freed meanwhile), so the differences are >= 0. */
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
#endif
}
