/* mmap_spec_test: the end-of-file and truncation behaviour of docs/mmap.md that
 * mmap_anon_test.c, mmap_file_test.c and the other user programs leave unpinned, one test
 * per behaviour (the section of docs/mmap.md is in each group's comment): truncation and
 * growth of a file seen by every process that maps it (§14, §5: end of file judged at
 * fault time), private copies beyond a new end of file (§14), mappings beyond the end of
 * file and of an offset (§2, §4), offsets kept by splits (§9), system calls whose buffers
 * lie beyond the end of file, in read-only mappings or in a mapping of the same file (§5,
 * §14), and stores to read-only file mappings (§5). The life of mappings (write-back
 * points, fork, MAP_PRIVATE, msync, unlink, resources, errors, limits) is
 * mmap_life_test's. The table at the end of docs/mmap.md names the test of every
 * behaviour.
 *
 * Each test runs in a child (TEST_IN_CHILD). Processes that must die of an access are
 * the test's own children, and their wait status is checked for the signal. A "mapper" is
 * a child that maps a file, touches its pages (so it holds page-table entries for them),
 * reports ready and then waits for the parent, which changes the file, before it runs
 * its check: so the check sees what another process did to a mapping it already had.
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   mmap_spec_test            run every test
 *   mmap_spec_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_helpers.h"
#include "harness.h"

/* --- Mappers: other processes that already map the file --- */

struct Mapper {
    int pid;
    int go; /* Write end of the pipe the mapper waits on. */
};

/* What a mapper does once the parent lets it go: returns its exit status (0 = as docs/mmap.md
 * says), or dies of an access. */
typedef int (*MapperCheck)(volatile char* mapping);

/* Starts a mapper: a child that maps the first `length` bytes of the file `name` RW with
 * `sharing` (MAP_SHARED or MAP_PRIVATE) through a descriptor of its own, touches every
 * page of the mapping that lies within the file (storing into it if `store`: a private
 * mapping then holds its own copy of each), reports ready, waits for finish_mapper, runs
 * `check` and exits with its result. Returns once the mapper is ready; 0, or -1 on
 * failure. */
static int start_mapper_with(const char* name, size_t length, int sharing, int store, MapperCheck check,
                             struct Mapper* mapper)
{
    int ready[2], go[2];
    if (pipe(ready) != 0 || pipe(go) != 0)
        return -1;
    int pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        int fd = open(name, O_RDWR);
        struct stat st;
        volatile char* p = fd < 0 ? NULL : map_fd(length, RW, sharing, fd, 0);
        if (p == NULL || fstat(fd, &st) != 0)
            _exit(100);
        for (size_t offset = 0; offset < length && offset < (size_t)st.st_size; offset += PG) {
            if (store)
                p[offset] = p[offset];
            else
                (void)p[offset];
        }
        char token = 'r';
        if (write(ready[1], &token, 1) != 1 || read(go[0], &token, 1) != 1)
            _exit(101);
        _exit(check(p));
    }
    close(ready[1]);
    close(go[0]);
    mapper->pid = pid;
    mapper->go = go[1];
    char token;
    int ok = pid > 0 && read(ready[0], &token, 1) == 1;
    close(ready[0]);
    return ok ? 0 : -1;
}

/* start_mapper_with for a MAP_SHARED mapping. */
static int start_mapper(const char* name, size_t length, int store, MapperCheck check, struct Mapper* mapper)
{
    return start_mapper_with(name, length, MAP_SHARED, store, check, mapper);
}

/* Lets the mapper run its check and waits for it; returns its wait status, or -1. */
static int finish_mapper(struct Mapper* mapper)
{
    char token = 'g';
    write(mapper->go, &token, 1);
    close(mapper->go);
    int status = 0;
    if (waitpid(mapper->pid, &status, 0) != mapper->pid)
        return -1;
    return status;
}

static int read_page_2(volatile char* p)
{
    (void)p[2 * PG + 7];
    return 0;
}

static int store_to_page_1(volatile char* p)
{
    p[PG + 1] = 'x';
    return 0;
}

static int page_0_intact_and_its_tail_from_100_zero(volatile char* p)
{
    for (size_t i = 0; i < 100; i++)
        if (p[i] != PATTERN(i))
            return 1;
    return bytes_are_zero(p + 100, PG - 100) ? 0 : 2;
}

static int pages_0_and_1_zero_from_100(volatile char* p)
{
    if (p[99] != PATTERN(99))
        return 1;
    return bytes_are_zero(p + 100, 2 * PG - 100) ? 0 : 2;
}

static int store_g_to_page_1(volatile char* p)
{
    p[PG + 5] = 'G';
    return p[PG + 5] == 'G' ? 0 : 1;
}

static int msync_and_munmap_three_pages(volatile char* p)
{
    if (msync((void*)p, 3 * PG, MS_SYNC) != 0)
        return 1;
    return munmap((void*)p, 3 * PG) == 0 ? 0 : 2;
}

static int page_1_shows_hello(volatile char* p)
{
    if (memcmp((const char*)p + PG, "hello", 5) != 0)
        return 1;
    return bytes_are_zero(p + PG + 5, PG - 5) ? 0 : 2;
}

/* --- docs/mmap.md §14 ftruncate, §5: the end of file is judged at fault time, everywhere --- */

static int shrink_makes_pages_beyond_the_new_end_sigbus_in_every_mapping_process(void)
{
    int fd = make_file("mst_shrink", 3 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(3 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(p[2 * PG] == PATTERN(2 * PG) && p[PG] == PATTERN(PG));
    struct Mapper reader, writer;
    CHECK(start_mapper("mst_shrink", 3 * PG, 0, read_page_2, &reader) == 0);
    CHECK(start_mapper("mst_shrink", 3 * PG, 1, store_to_page_1, &writer) == 0);
    CHECK(ftruncate(fd, PG) == 0);
    int status = finish_mapper(&reader);
    CHECK(KILLED_BY(status, SIGBUS)); /* A read of a page it had mapped before the shrink. */
    status = finish_mapper(&writer);
    CHECK(KILLED_BY(status, SIGBUS)); /* A store to a page it had dirtied before. */
    CHECK(access_kills_with(p + 2 * PG, 0, SIGBUS));
    CHECK(access_kills_with(p + PG + 1, 1, SIGBUS));
    CHECK(p[5] == PATTERN(5)); /* The page before the new end stays. */
    CHECK(file_size("mst_shrink") == (long)PG);
    unlink("mst_shrink");
    return 0;
}

static int shrink_inside_a_page_zeroes_its_tail_in_every_mapping(void)
{
    int fd = make_file("mst_partial", 2 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[PG - 1] = 'T'; /* Dirty the bytes the shrink discards. */
    struct Mapper mapper;
    CHECK(start_mapper("mst_partial", 2 * PG, 1, page_0_intact_and_its_tail_from_100_zero, &mapper) == 0);
    CHECK(ftruncate(fd, 100) == 0);
    int status = finish_mapper(&mapper);
    CHECK(EXITED_OK(status));
    CHECK(page_0_intact_and_its_tail_from_100_zero(p) == 0);
    CHECK(access_kills_with(p + PG, 0, SIGBUS));
    CHECK(file_size("mst_partial") == 100);
    unlink("mst_partial");
    return 0;
}

static int shrink_then_grow_reads_zeros_in_mapping_and_file(void)
{
    int fd = make_file("mst_down_up", 2 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[PG + 9] = 'D'; /* Dirty data in the range that is discarded. */
    struct Mapper mapper;
    CHECK(start_mapper("mst_down_up", 2 * PG, 1, pages_0_and_1_zero_from_100, &mapper) == 0);
    CHECK(ftruncate(fd, 100) == 0);
    CHECK(ftruncate(fd, 2 * PG) == 0);
    int status = finish_mapper(&mapper);
    CHECK(EXITED_OK(status));
    CHECK(pages_0_and_1_zero_from_100(p) == 0);
    CHECK(file_bytes_are_zero("mst_down_up", 100, 2 * PG));
    /* And from the disk: the discarded data never resurrects. */
    CHECK(munmap((void*)p, 2 * PG) == 0);
    close(fd);
    drop_cache("mst_down_up");
    CHECK(file_bytes_are_zero("mst_down_up", 100, 2 * PG));
    unlink("mst_down_up");
    return 0;
}

static int grow_makes_sigbus_pages_accessible_and_stores_reach_the_file(void)
{
    int fd = make_file("mst_grow", 100);
    CHECK(fd >= 0);
    volatile char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(p[0] == PATTERN(0));
    CHECK(access_kills_with(p + PG, 0, SIGBUS));
    struct Mapper mapper;
    CHECK(start_mapper("mst_grow", 2 * PG, 0, store_g_to_page_1, &mapper) == 0);
    CHECK(ftruncate(fd, 2 * PG) == 0);
    int status = finish_mapper(&mapper);
    CHECK(EXITED_OK(status));
    CHECK(p[PG + 5] == 'G' && p[PG + 4] == 0);
    CHECK(byte_in_file("mst_grow", PG + 5) == 'G');
    p[PG + 6] = 'H';
    CHECK(munmap((void*)p, 2 * PG) == 0);
    close(fd);
    drop_cache("mst_grow");
    CHECK(byte_in_file("mst_grow", PG + 5) == 'G' && byte_in_file("mst_grow", PG + 6) == 'H');
    unlink("mst_grow");
    return 0;
}

static int write_back_after_a_shrink_never_extends_the_file(void)
{
    int fd = make_file("mst_no_extend", 3 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(3 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    for (size_t i = 0; i < 3; i++)
        p[i * PG + 10] = 'D';
    struct Mapper mapper; /* Dirties every page too, and writes back after the shrink. */
    CHECK(start_mapper("mst_no_extend", 3 * PG, 1, msync_and_munmap_three_pages, &mapper) == 0);
    CHECK(ftruncate(fd, 100) == 0);
    int status = finish_mapper(&mapper);
    CHECK(EXITED_OK(status));
    CHECK(msync((void*)p, 3 * PG, MS_SYNC) == 0);
    CHECK(file_size("mst_no_extend") == 100);
    CHECK(munmap((void*)p, 3 * PG) == 0);
    close(fd);
    drop_cache("mst_no_extend");
    CHECK(file_size("mst_no_extend") == 100);
    CHECK(byte_in_file("mst_no_extend", 10) == 'D');
    /* Growing again shows zeros where the discarded dirty pages were. */
    fd = open("mst_no_extend", O_RDWR);
    CHECK(fd >= 0 && ftruncate(fd, 3 * PG) == 0);
    close(fd);
    CHECK(file_bytes_are_zero("mst_no_extend", 100, 3 * PG));
    unlink("mst_no_extend");
    return 0;
}

static int write_that_extends_the_file_is_visible_in_an_existing_mapping(void)
{
    int fd = make_file("mst_write_grow", 100);
    CHECK(fd >= 0);
    volatile char* p = map_fd(2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(access_kills_with(p + PG, 0, SIGBUS));
    struct Mapper mapper;
    CHECK(start_mapper("mst_write_grow", 2 * PG, 0, page_1_shows_hello, &mapper) == 0);
    CHECK(lseek(fd, PG, SEEK_SET) == (off_t)PG && write(fd, "hello", 5) == 5);
    int status = finish_mapper(&mapper);
    CHECK(EXITED_OK(status));
    CHECK(memcmp((const char*)p + PG, "hello", 5) == 0);
    CHECK(bytes_are_zero(p + 100, PG - 100)); /* The hole the write left reads zero. */
    unlink("mst_write_grow");
    return 0;
}

/* --- §14, §16: private copies beyond a new end of file go too (as on Linux) --- */

static int read_page_1(volatile char* p)
{
    (void)p[PG + 7];
    return 0;
}

/* A private page the process has written holds its own copy; a shrink below it still makes
 * it a bus error, for a read and for a store, in the process that shrank the file and in
 * another process holding its own copies. */
static int shrink_makes_written_private_pages_beyond_the_new_end_sigbus(void)
{
    int fd = make_file("mst_priv_shrink", 3 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(3 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    for (size_t i = 0; i < 3; i++)
        p[i * PG + 1] = 'P';
    struct Mapper mapper; /* Stores into every page: its own private copies. */
    CHECK(start_mapper_with("mst_priv_shrink", 3 * PG, MAP_PRIVATE, 1, read_page_1, &mapper) == 0);
    CHECK(ftruncate(fd, PG) == 0);
    int status = finish_mapper(&mapper);
    CHECK(KILLED_BY(status, SIGBUS));
    CHECK(access_kills_with(p + PG + 1, 0, SIGBUS));
    CHECK(access_kills_with(p + 2 * PG + 1, 1, SIGBUS));
    CHECK(p[1] == 'P' && p[2] == PATTERN(2)); /* The page before the new end keeps its copy. */
    CHECK(byte_in_file("mst_priv_shrink", 1) == PATTERN(1));
    unlink("mst_priv_shrink");
    return 0;
}

/* The page holding the new end of file keeps the private copy, bytes beyond the end
 * included (as on Linux); only whole pages beyond the end go. */
static int shrink_inside_a_written_private_page_keeps_its_copy(void)
{
    int fd = make_file("mst_priv_partial", 2 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(2 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    p[50] = 'W';
    p[3000] = 'X';
    p[PG + 7] = 'Y';
    CHECK(ftruncate(fd, 100) == 0);
    CHECK(p[50] == 'W' && p[3000] == 'X' && p[99] == PATTERN(99));
    CHECK(access_kills_with(p + PG + 7, 0, SIGBUS));
    CHECK(file_size("mst_priv_partial") == 100);
    unlink("mst_priv_partial");
    return 0;
}

/* Growing the file again after the shrink: the pages beyond the old end read the file
 * (zeros), not the private copies from before the shrink. */
static int shrink_then_grow_shows_the_file_zeros_not_old_private_copies(void)
{
    int fd = make_file("mst_priv_down_up", 3 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(3 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    for (size_t i = 0; i < 3; i++)
        p[i * PG + 1] = 'P';
    CHECK(ftruncate(fd, 100) == 0);
    CHECK(ftruncate(fd, 3 * PG) == 0);
    CHECK(p[1] == 'P' && p[99] == PATTERN(99));
    CHECK(bytes_are_zero(p + PG, 2 * PG));
    /* A store there makes a new copy of the file's page again. */
    p[2 * PG + 3] = 'N';
    CHECK(p[2 * PG + 3] == 'N' && p[2 * PG + 4] == 0);
    CHECK(file_bytes_are_zero("mst_priv_down_up", 100, 3 * PG));
    unlink("mst_priv_down_up");
    return 0;
}

static int read_page_2_of_a_private_copy(volatile char* p)
{
    (void)p[2 * PG + 1];
    return 0;
}

/* A fork child holds the parent's private copies copy-on-write (each frame referenced by
 * both). A shrink drops them on both sides, and the frames go back to the allocator while
 * the child still lives: no reference is left behind. */
static int shrink_drops_private_copies_shared_with_a_fork_child_and_frees_them(void)
{
    enum { kPages = 32 };
    long baseline = (long)counters().free_frames;
    int fd = make_file("mst_priv_fork", (kPages + 1) * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd((kPages + 1) * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    for (size_t i = 1; i <= kPages; i++)
        p[i * PG + 1] = 'P'; /* A cached page of the file and a private copy of it each. */
    int ready[2], go[2];
    CHECK(pipe(ready) == 0 && pipe(go) == 0);
    int pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(go[1]); /* So that a failing parent's exit lets it go. */
        char token = 'r';
        if (write(ready[1], &token, 1) != 1 || read(go[0], &token, 1) != 1)
            _exit(101);
        _exit(read_page_2_of_a_private_copy(p));
    }
    CHECK(pid > 0);
    close(ready[1]);
    close(go[0]);
    char token;
    CHECK(read(ready[0], &token, 1) == 1);
    long before = (long)counters().free_frames;
    CHECK(ftruncate(fd, PG) == 0);
    long after = (long)counters().free_frames;
    /* kPages cached pages and kPages private copies, each copy's last reference held by
     * one of two processes; without the copies only half of it comes back. */
    CHECK(after - before >= kPages + kPages / 2);
    CHECK(write(go[1], &token, 1) == 1);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(KILLED_BY(status, SIGBUS));
    CHECK(access_kills_with(p + 2 * PG + 1, 0, SIGBUS));
    CHECK(munmap((void*)p, (kPages + 1) * PG) == 0);
    close(fd);
    unlink("mst_priv_fork");
    /* Everything back: the file, its pages, the copies (allow for the kernel heap). */
    CHECK((long)counters().free_frames >= baseline - 8);
    return 0;
}

/* --- §2 (not errors), §4 --- */

static int mapping_beyond_the_end_or_of_an_empty_file_succeeds_and_access_gives_sigbus(void)
{
    int fd = make_file("mst_empty", 0);
    CHECK(fd >= 0);
    char* empty = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(empty != NULL);
    CHECK(access_kills_with(empty, 0, SIGBUS));
    close(fd);
    fd = make_file("mst_short", PG);
    CHECK(fd >= 0);
    char* beyond = map_fd(2 * PG, PROT_READ, MAP_PRIVATE, fd, 4 * PG);
    CHECK(beyond != NULL);
    CHECK(access_kills_with(beyond + PG, 0, SIGBUS));
    CHECK(file_size("mst_empty") == 0 && file_size("mst_short") == (long)PG);
    unlink("mst_empty");
    unlink("mst_short");
    return 0;
}

static int end_of_file_tail_reads_zero_even_when_the_disk_block_held_more(void)
{
    int fd = make_file("mst_stale", 2 * PG);
    CHECK(fd >= 0);
    CHECK(fsync(fd) == 0);
    CHECK(ftruncate(fd, 100) == 0);
    close(fd);
    drop_cache("mst_stale"); /* The page now comes from the block that held 4096 bytes. */
    fd = open("mst_stale", O_RDONLY);
    CHECK(fd >= 0);
    char* p = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(p[99] == PATTERN(99));
    CHECK(bytes_are_zero(p + 100, PG - 100));
    int writable = open("mst_stale", O_RDWR);
    CHECK(writable >= 0 && ftruncate(writable, PG) == 0); /* Growing shows zeros too. */
    CHECK(file_bytes_are_zero("mst_stale", 100, PG));
    unlink("mst_stale");
    return 0;
}

static int file_mapping_at_an_offset_holds_the_file_bytes_from_there(void)
{
    int fd = make_file("mst_offset", 4 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 2 * PG);
    CHECK(p != NULL);
    for (size_t i = 0; i < 2 * PG; i += 331)
        CHECK(p[i] == PATTERN(2 * PG + i));
    p[PG + 3] = 'O';
    CHECK(byte_in_file("mst_offset", 3 * PG + 3) == 'O');
    CHECK(byte_in_file("mst_offset", PG + 3) == PATTERN(PG + 3));
    unlink("mst_offset");
    return 0;
}

/* --- §9: splitting a file mapping keeps each piece's offset --- */

static int munmap_of_the_head_and_a_hole_keeps_the_offsets_of_the_rest(void)
{
    int fd = make_file("mst_split", 5 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(5 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(munmap(p, PG) == 0);          /* The head. */
    CHECK(munmap(p + 3 * PG, PG) == 0); /* A hole: pieces [1, 3) and [4, 5). */
    CHECK(p[PG] == PATTERN(PG) && p[2 * PG + 1] == PATTERN(2 * PG + 1));
    CHECK(p[4 * PG + 2] == PATTERN(4 * PG + 2));
    p[PG + 1] = 'H';
    p[2 * PG + 2] = 'M';
    p[4 * PG + 3] = 'T';
    CHECK(access_kills_with(p, 0, SIGSEGV));
    CHECK(access_kills_with(p + 3 * PG, 1, SIGSEGV));
    CHECK(munmap(p + PG, 4 * PG) == 0);
    close(fd);
    drop_cache("mst_split");
    CHECK(byte_in_file("mst_split", PG + 1) == 'H');
    CHECK(byte_in_file("mst_split", 2 * PG + 2) == 'M');
    CHECK(byte_in_file("mst_split", 4 * PG + 3) == 'T');
    CHECK(byte_in_file("mst_split", 3 * PG) == PATTERN(3 * PG));
    unlink("mst_split");
    return 0;
}

/* --- §5, §14: system calls with buffers in file mappings --- */

static int read_and_write_with_a_buffer_beyond_end_of_file_give_efault_and_do_not_kill(void)
{
    int fd = make_file("mst_efault", 100);
    int other = make_file("mst_efault_other", 64);
    CHECK(fd >= 0 && other >= 0);
    char* shared = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    char* private_pages = map_fd(2 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(shared != NULL && private_pages != NULL);
    CHECK_ERRNO(write(other, shared + PG, 10), EFAULT);
    CHECK(lseek(other, 0, SEEK_SET) == 0); /* So that read() has bytes to store. */
    CHECK_ERRNO(read(other, shared + PG + 8, 10), EFAULT);
    CHECK_ERRNO(write(other, private_pages + PG, 10), EFAULT);
    CHECK(lseek(other, 0, SEEK_SET) == 0);
    CHECK_ERRNO(read(other, private_pages + PG, 10), EFAULT);
    CHECK(file_size("mst_efault") == 100 && file_size("mst_efault_other") == 64);
    CHECK(shared[0] == PATTERN(0)); /* Still alive, and the mappings still work. */
    unlink("mst_efault");
    unlink("mst_efault_other");
    return 0;
}

static int read_into_a_read_only_file_mapping_gives_efault_and_stores_nothing(void)
{
    int fd = make_file("mst_ro_buffer", PG);
    int other = make_file("mst_ro_other", 64);
    CHECK(fd >= 0 && other >= 0);
    char* p = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    char* untouched = map_fd(PG, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL && untouched != NULL);
    CHECK(p[0] == PATTERN(0));
    CHECK(lseek(other, 0, SEEK_SET) == 0);
    CHECK_ERRNO(read(other, p + 1, 10), EFAULT);
    CHECK(lseek(other, 0, SEEK_SET) == 0);
    CHECK_ERRNO(read(other, untouched + 1, 10), EFAULT);
    CHECK(p[1] == PATTERN(1) && untouched[1] == PATTERN(1));
    CHECK(byte_in_file("mst_ro_buffer", 1) == PATTERN(1));
    unlink("mst_ro_buffer");
    unlink("mst_ro_other");
    return 0;
}

static int read_into_a_private_file_mapping_copies_the_page_and_leaves_the_file(void)
{
    int fd = make_file("mst_private_buffer", PG);
    int other = open("mst_private_other", O_RDWR | O_CREAT);
    CHECK(fd >= 0 && other >= 0);
    CHECK(write(other, "READ", 4) == 4 && lseek(other, 0, SEEK_SET) == 0);
    char* p = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
    char* shared = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL && shared != NULL);
    CHECK(read(other, p + 10, 4) == 4); /* Into an untouched private page. */
    CHECK(memcmp(p + 10, "READ", 4) == 0);
    CHECK(shared[10] == PATTERN(10));
    CHECK(byte_in_file("mst_private_buffer", 10) == PATTERN(10));
    unlink("mst_private_buffer");
    unlink("mst_private_other");
    return 0;
}

static int read_and_write_between_a_file_and_its_own_mapping(void)
{
    int fd = make_file("mst_self", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    /* read() from page 1 of the file into (untouched) page 0 of its own mapping. */
    CHECK(lseek(fd, PG, SEEK_SET) == (off_t)PG && read(fd, p, 100) == 100);
    for (size_t i = 0; i < 100; i++)
        CHECK(p[i] == PATTERN(PG + i));
    /* write() from (untouched) page 1 of the mapping to the start of the file. */
    char* q = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(q != NULL);
    CHECK(lseek(fd, 200, SEEK_SET) == 200 && write(fd, q + PG + 300, 50) == 50);
    for (size_t i = 0; i < 50; i++)
        CHECK(byte_in_file("mst_self", 200 + i) == PATTERN(PG + 300 + i));
    unlink("mst_self");
    return 0;
}

/* --- §5: a store to a read-only file mapping kills, and materialises nothing --- */

static int store_to_a_read_only_file_mapping_kills_and_changes_nothing(void)
{
    int fd = make_file("mst_ro_store", PG);
    CHECK(fd >= 0);
    char* touched = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    char* untouched = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    char* private_pages = map_fd(PG, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(touched != NULL && untouched != NULL && private_pages != NULL);
    CHECK(touched[3] == PATTERN(3));
    CHECK(access_kills_with(touched + 3, 1, SIGSEGV));
    CHECK(access_kills_with(untouched + 3, 1, SIGSEGV));
    CHECK(access_kills_with(private_pages + 3, 1, SIGSEGV));
    CHECK(touched[3] == PATTERN(3) && private_pages[3] == PATTERN(3));
    CHECK(byte_in_file("mst_ro_store", 3) == PATTERN(3));
    unlink("mst_ro_store");
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(shrink_makes_pages_beyond_the_new_end_sigbus_in_every_mapping_process),
    TEST(shrink_inside_a_page_zeroes_its_tail_in_every_mapping),
    TEST(shrink_then_grow_reads_zeros_in_mapping_and_file),
    TEST(grow_makes_sigbus_pages_accessible_and_stores_reach_the_file),
    TEST(write_back_after_a_shrink_never_extends_the_file),
    TEST(write_that_extends_the_file_is_visible_in_an_existing_mapping),
    TEST(shrink_makes_written_private_pages_beyond_the_new_end_sigbus),
    TEST(shrink_inside_a_written_private_page_keeps_its_copy),
    TEST(shrink_then_grow_shows_the_file_zeros_not_old_private_copies),
    TEST(shrink_drops_private_copies_shared_with_a_fork_child_and_frees_them),
    TEST(mapping_beyond_the_end_or_of_an_empty_file_succeeds_and_access_gives_sigbus),
    TEST(end_of_file_tail_reads_zero_even_when_the_disk_block_held_more),
    TEST(file_mapping_at_an_offset_holds_the_file_bytes_from_there),
    TEST(munmap_of_the_head_and_a_hole_keeps_the_offsets_of_the_rest),
    TEST(read_and_write_with_a_buffer_beyond_end_of_file_give_efault_and_do_not_kill),
    TEST(read_into_a_read_only_file_mapping_gives_efault_and_stores_nothing),
    TEST(read_into_a_private_file_mapping_copies_the_page_and_leaves_the_file),
    TEST(read_and_write_between_a_file_and_its_own_mapping),
    TEST(store_to_a_read_only_file_mapping_kills_and_changes_nothing),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
