/* big_file_test: a file larger than RAM, mapped and streamed end to end, which only works
 * if page reclaim (kernel/mm/reclaim.h) evicts clean pages and writes dirty ones back.
 *
 *   big_file_test [MIB] [NAME...]     MIB: the file's size (default 1024)
 *
 * The tests share one file, /big, and run in order: the first writes it through a
 * MAP_SHARED mapping, the next ones read it back through a mapping and through read().
 * Every 64-bit word of page p holds stamp(p, word), so a page that came back from the
 * wrong place, or never reached the disk, is caught wherever it is.
 *
 * tools/run-tests runs it on a 128 MiB machine with a 1 GiB file (a 1280 MiB disk). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "harness.h"

#define PAGE 4096ul
#define WORDS_PER_PAGE (PAGE / sizeof(uint64_t))

static const char* kPath = "/big";
static uint64_t g_file_bytes = 1024ul << 20;
static int g_size_given;  /* A smaller size on the command line: for debugging reclaim. */

static uint64_t stamp(uint64_t page, uint64_t word)
{
    return (page * 0x9e3779b97f4a7c15ull) ^ (word * 0x100000001b3ull) ^ 0xa71a5ull;
}

static struct atlas_vmstat vm(void)
{
    struct atlas_vmstat stats;
    memset(&stats, 0, sizeof(stats));
    syscall(SYS_vmstat, &stats);
    return stats;
}

/* Returns the first page index in [first, end) of `words` whose contents are wrong, or
   `end` if all are right. */
static uint64_t first_bad_page(const uint64_t* words, uint64_t first, uint64_t end)
{
    for (uint64_t page = first; page < end; page++) {
        const uint64_t* p = words + (page - first) * WORDS_PER_PAGE;
        for (uint64_t w = 0; w < WORDS_PER_PAGE; w++) {
            if (p[w] != stamp(page, w))
                return page;
        }
    }
    return end;
}

static int file_larger_than_ram_is_written_end_to_end_through_map_shared(void)
{
    struct atlas_vmstat before = vm();
    if (!g_size_given)
        CHECK(g_file_bytes > before.total_frames * PAGE);  /* Otherwise nothing is proved. */
    unlink(kPath);
    int fd = open(kPath, O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, (off_t)g_file_bytes) == 0);
    uint64_t* map = mmap(0, g_file_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    CHECK(close(fd) == 0);
    uint64_t pages = g_file_bytes / PAGE;
    for (uint64_t page = 0; page < pages; page++) {
        uint64_t* p = map + page * WORDS_PER_PAGE;
        for (uint64_t w = 0; w < WORDS_PER_PAGE; w++)
            p[w] = stamp(page, w);
    }
    CHECK(munmap(map, g_file_bytes) == 0);
    struct atlas_vmstat after = vm();
    /* More pages than RAM went through the cache: reclaim must have written most back. */
    if (pages > before.total_frames)
        CHECK(after.pages_reclaimed - before.pages_reclaimed >= pages - before.total_frames);
    CHECK(after.pages_written_back - before.pages_written_back >= pages);
    return 0;
}

static int file_larger_than_ram_reads_back_through_a_mapping(void)
{
    int fd = open(kPath, O_RDONLY);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && (uint64_t)st.st_size == g_file_bytes);
    const uint64_t* map = mmap(0, g_file_bytes, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    CHECK(close(fd) == 0);
    uint64_t pages = g_file_bytes / PAGE;
    uint64_t bad = first_bad_page(map, 0, pages);
    if (bad != pages)
        snprintf(failure, sizeof(failure), "page %lu reads wrong through the mapping", (unsigned long)bad);
    CHECK(munmap((void*)map, g_file_bytes) == 0);
    return bad == pages ? 0 : 1;
}

static int file_larger_than_ram_reads_back_through_read(void)
{
    int fd = open(kPath, O_RDONLY);
    CHECK(fd >= 0);
    static uint64_t buffer[64 * 1024 / sizeof(uint64_t)];
    uint64_t pages_per_buffer = sizeof(buffer) / PAGE;
    uint64_t pages = g_file_bytes / PAGE;
    for (uint64_t page = 0; page < pages; page += pages_per_buffer) {
        ssize_t got = read(fd, buffer, sizeof(buffer));
        CHECK(got == (ssize_t)sizeof(buffer));
        uint64_t bad = first_bad_page(buffer, page, page + pages_per_buffer);
        if (bad != page + pages_per_buffer) {
            snprintf(failure, sizeof(failure), "page %lu reads wrong through read()", (unsigned long)bad);
            return 1;
        }
    }
    CHECK(read(fd, buffer, sizeof(buffer)) == 0);
    CHECK(close(fd) == 0);
    return 0;
}

static int private_mapping_of_file_larger_than_ram_copies_only_what_it_writes(void)
{
    /* Every page read through a MAP_PRIVATE mapping is the file's cached frame, so reading
       1 GiB needs reclaim just the same; the few pages written become private copies and
       never reach the file. */
    int fd = open(kPath, O_RDONLY);
    CHECK(fd >= 0);
    uint64_t* map = mmap(0, g_file_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(map != MAP_FAILED);
    uint64_t pages = g_file_bytes / PAGE;
    uint64_t step = pages / 16;
    for (uint64_t page = 0; page < pages; page += step)
        map[page * WORDS_PER_PAGE] = 0;
    uint64_t bad = 0;
    for (uint64_t page = 0; page < pages; page++) {
        uint64_t expected = page % step == 0 ? 0 : stamp(page, 0);
        if (map[page * WORDS_PER_PAGE] != expected) {
            bad = page + 1;
            break;
        }
    }
    CHECK(bad == 0);
    CHECK(munmap(map, g_file_bytes) == 0);
    uint64_t word;
    CHECK(lseek(fd, (off_t)(step * PAGE), SEEK_SET) == (off_t)(step * PAGE));
    CHECK(read(fd, &word, sizeof(word)) == sizeof(word));
    CHECK(word == stamp(step, 0));
    CHECK(close(fd) == 0);
    return 0;
}

static int removing_the_big_file_frees_its_blocks_and_pages(void)
{
    CHECK(unlink(kPath) == 0);
    int fd = open(kPath, O_RDONLY);
    CHECK(fd < 0);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(file_larger_than_ram_is_written_end_to_end_through_map_shared),
    TEST(file_larger_than_ram_reads_back_through_a_mapping),
    TEST(file_larger_than_ram_reads_back_through_read),
    TEST(private_mapping_of_file_larger_than_ram_copies_only_what_it_writes),
    TEST(removing_the_big_file_frees_its_blocks_and_pages),
};

int main(int argc, char** argv)
{
    if (argc > 1 && atoi(argv[1]) > 0) {
        g_file_bytes = (uint64_t)atoi(argv[1]) << 20;
        g_size_given = 1;
        argv[1] = argv[0];
        argc--;
        argv++;
    }
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
