/* mmap_spec_test: the MUSTs of ../shared/spec/mmap-semantics.md that mmap_anon_test.c,
 * mmap_file_test.c and the other user programs leave unpinned, one test per behaviour (the
 * section is in each test's comment): truncation and growth of a file seen by every process
 * that maps it (§11, §2: end of file judged at fault time), system calls whose buffers lie
 * beyond the end of file, in read-only mappings or in a mapping of the same file (§2, §11),
 * the write-back points not yet covered (MAP_FIXED replacement, exec, a kill, §4), offsets
 * kept by splits (§1.3, §7), fork over untouched file pages (§11), private pages frozen at
 * their first write (§5), msync on every kind of file mapping (§9), and the lifetime of an
 * unlinked file's blocks (§11). docs/mmap-musts.md maps every MUST to its test.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "file_helpers.h"
#include "harness.h"

/* --- Mappers: other processes that already map the file --- */

struct Mapper {
    int pid;
    int go; /* Write end of the pipe the mapper waits on. */
};

/* What a mapper does once the parent lets it go: returns its exit status (0 = as the spec
 * says), or dies of an access. */
typedef int (*MapperCheck)(volatile char* mapping);

/* Starts a mapper: a child that maps the first `length` bytes of the file `name`
 * MAP_SHARED and RW through a descriptor of its own, touches every page of the mapping
 * that lies within the file (storing into it if `store`), reports ready, waits for
 * finish_mapper, runs `check` and exits with its result. Returns once the mapper is
 * ready; 0, or -1 on failure. */
static int start_mapper(const char* name, size_t length, int store, MapperCheck check,
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
        volatile char* p = fd < 0 ? NULL : map_fd(length, RW, MAP_SHARED, fd, 0);
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

/* --- §11 ftruncate, §2: the end of file is judged at fault time, in every process --- */

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

/* --- §1.1 (not errors), §1.5, §1.3 --- */

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

/* --- §7: splitting a file mapping keeps each piece's offset --- */

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

/* --- §2, §11: system calls with buffers in file mappings --- */

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

/* --- §2: a store to a read-only file mapping kills, and materialises nothing --- */

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

/* --- §4, §1.2: write-back on MAP_FIXED replacement, kill and exec --- */

static int map_fixed_over_a_shared_file_mapping_writes_it_back_and_reads_zero(void)
{
    int fd = make_file("mst_fixed", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[PG + 4] = 'F';
    close(fd);
    char* q = mmap(p, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p);
    CHECK(bytes_are_zero(q, 2 * PG)); /* No stale file data in the new mapping. */
    q[PG + 4] = 'A';
    drop_cache("mst_fixed");
    CHECK(byte_in_file("mst_fixed", PG + 4) == 'F');
    unlink("mst_fixed");
    return 0;
}

static int anonymous_mapping_where_a_file_mapping_was_reads_zero(void)
{
    int fd = make_file("mst_stale_pte", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL && p[0] == PATTERN(0));
    CHECK(munmap(p, PG) == 0);
    char* q = mmap(p, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == p);
    CHECK(bytes_are_zero(q, PG));
    unlink("mst_stale_pte");
    return 0;
}

static int killed_process_writes_back_its_shared_stores(void)
{
    int fd = make_file("mst_killed", 2 * PG);
    CHECK(fd >= 0);
    /* Killed by its own bad access. */
    int pid = fork();
    if (pid == 0) {
        volatile char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
        if (p == NULL)
            _exit(1);
        volatile char* gone = map_fd(PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (gone == NULL || munmap((void*)gone, PG) != 0)
            _exit(1);
        p[7] = 'S';
        *gone = 0;
        _exit(2);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && KILLED_BY(status, SIGSEGV));
    /* Killed by kill() while it waits. */
    int ready[2], never[2];
    CHECK(pipe(ready) == 0 && pipe(never) == 0);
    pid = fork();
    if (pid == 0) {
        volatile char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
        if (p == NULL)
            _exit(1);
        p[PG + 7] = 'K';
        close(fd); /* The mapping alone holds the file. */
        char token = 'r';
        write(ready[1], &token, 1);
        read(never[0], &token, 1);
        _exit(2);
    }
    char token;
    CHECK(pid > 0 && read(ready[0], &token, 1) == 1);
    CHECK(kill(pid, SIGKILL) == 0);
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
    close(fd);
    drop_cache("mst_killed");
    CHECK(byte_in_file("mst_killed", 7) == 'S');
    CHECK(byte_in_file("mst_killed", PG + 7) == 'K');
    unlink("mst_killed");
    return 0;
}

/* Where the exec tests map the file, and where the new program looks: in the mmap area,
 * away from anything the loader places. */
#define EXEC_PROBE_ADDRESS 0x3000000000ul

/* Run as "mmap_spec_test --exec-probe" by exec_writes_back_shared_stores_and_drops_the_
 * mapping, in the new image: nothing may be mapped at the probe address (a file page
 * re-created there would be the old mapping's), and the old image's store must be in the
 * file before this image exits. */
static int exec_probe(void)
{
    char* p = mmap((void*)EXEC_PROBE_ADDRESS, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);
    if (p != (char*)EXEC_PROBE_ADDRESS || p[7] != 0)
        return 1;
    drop_cache("mst_exec");
    return byte_in_file("mst_exec", 7) == 'X' ? 0 : 2;
}

static int exec_writes_back_shared_stores_and_drops_the_mapping(void)
{
    int fd = make_file("mst_exec", PG);
    CHECK(fd >= 0);
    int pid = fork();
    if (pid == 0) {
        char* p = mmap((void*)EXEC_PROBE_ADDRESS, PG, RW, MAP_SHARED | MAP_FIXED, fd, 0);
        if (p != (char*)EXEC_PROBE_ADDRESS)
            _exit(3);
        p[7] = 'X';
        close(fd);
        char* argv[] = {"mmap_spec_test", "--exec-probe", NULL};
        execv("/bin/mmap_spec_test", argv);
        _exit(4);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(EXITED_OK(status));
    unlink("mst_exec");
    return 0;
}

static int failed_exec_keeps_file_mappings_intact(void)
{
    int fd = make_file("mst_exec_fails", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_SHARED, fd, 0);
    char* private_pages = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL && private_pages != NULL);
    p[1] = 'B';
    private_pages[2] = 'P';
    char* argv[] = {"nothing", NULL};
    CHECK_ERRNO(execv("/no/such/program", argv), ENOENT);
    CHECK(p[1] == 'B' && private_pages[2] == 'P' && private_pages[1] == 'B');
    p[3] = 'A';
    CHECK(byte_in_file("mst_exec_fails", 3) == 'A' && byte_in_file("mst_exec_fails", 2) == PATTERN(2));
    unlink("mst_exec_fails");
    return 0;
}

/* --- §4: the page cache is authoritative: write-back never undoes write() --- */

static int write_back_never_overwrites_newer_write_data(void)
{
    int fd = make_file("mst_clean", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(p[PG + 10] == PATTERN(PG + 10)); /* Page 1 only read: clean. */
    p[0] = 'S';                              /* Page 0 dirty. */
    CHECK(lseek(fd, 10, SEEK_SET) == 10 && write(fd, "W", 1) == 1);
    CHECK(lseek(fd, PG + 10, SEEK_SET) == (off_t)(PG + 10) && write(fd, "V", 1) == 1);
    CHECK(munmap(p, 2 * PG) == 0);
    close(fd);
    drop_cache("mst_clean");
    CHECK(byte_in_file("mst_clean", 0) == 'S');
    CHECK(byte_in_file("mst_clean", 10) == 'W');
    CHECK(byte_in_file("mst_clean", PG + 10) == 'V');
    unlink("mst_clean");
    return 0;
}

/* --- §11 fork, §7 munmap per process --- */

static int child_faults_in_file_pages_the_parent_never_touched(void)
{
    int fd = make_file("mst_fork_untouched", 3 * PG);
    CHECK(fd >= 0);
    volatile char* shared = map_fd(3 * PG, RW, MAP_SHARED, fd, 0);
    volatile char* private_pages = map_fd(3 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(shared != NULL && private_pages != NULL);
    int pid = fork();
    if (pid == 0) {
        if (shared[2 * PG + 1] != PATTERN(2 * PG + 1) || private_pages[PG] != PATTERN(PG))
            _exit(1);
        shared[PG] = 'c';
        private_pages[2 * PG] = 'p';
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && EXITED_OK(status));
    CHECK(shared[PG] == 'c');
    CHECK(private_pages[2 * PG] == PATTERN(2 * PG));
    CHECK(byte_in_file("mst_fork_untouched", PG) == 'c');
    CHECK(byte_in_file("mst_fork_untouched", 2 * PG) == PATTERN(2 * PG));
    unlink("mst_fork_untouched");
    return 0;
}

static int munmap_in_the_child_leaves_the_parent_file_mapping(void)
{
    int fd = make_file("mst_fork_munmap", 2 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[0] = 'P';
    int pid = fork();
    if (pid == 0) {
        if (munmap((void*)p, 2 * PG) != 0)
            _exit(1);
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && EXITED_OK(status));
    CHECK(p[0] == 'P' && p[PG + 1] == PATTERN(PG + 1));
    p[PG + 2] = 'Q';
    CHECK(byte_in_file("mst_fork_munmap", PG + 2) == 'Q');
    unlink("mst_fork_munmap");
    return 0;
}

/* --- §5: MAP_PRIVATE --- */

static int private_page_once_written_no_longer_shows_file_changes(void)
{
    int fd = make_file("mst_frozen", PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
    volatile char* shared = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL && shared != NULL);
    p[0] = 'X';
    CHECK(lseek(fd, 1, SEEK_SET) == 1 && write(fd, "W", 1) == 1);
    shared[2] = 'S';
    CHECK(p[0] == 'X' && p[1] == PATTERN(1) && p[2] == PATTERN(2));
    CHECK(shared[0] == PATTERN(0) && shared[1] == 'W');
    unlink("mst_frozen");
    return 0;
}

static int munmap_discards_private_changes_and_a_new_mapping_shows_the_file(void)
{
    int fd = make_file("mst_discard", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    memset(p, 'Z', PG);
    CHECK(munmap(p, PG) == 0);
    p = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    for (size_t i = 0; i < PG; i += 97)
        CHECK(p[i] == PATTERN(i));
    unlink("mst_discard");
    return 0;
}

/* --- §9: msync --- */

static int msync_invalidate_keeps_stores_and_shows_write_data(void)
{
    int fd = make_file("mst_invalidate", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[5] = 'M';
    CHECK(lseek(fd, 6, SEEK_SET) == 6 && write(fd, "W", 1) == 1);
    CHECK(msync(p, PG, MS_INVALIDATE) == 0);
    CHECK(msync(p, PG, MS_SYNC | MS_INVALIDATE) == 0);
    CHECK(p[5] == 'M' && p[6] == 'W');
    p[7] = 'N'; /* Still tracked after the invalidation. */
    CHECK(msync(p, PG, MS_ASYNC | MS_INVALIDATE) == 0);
    CHECK(munmap(p, PG) == 0);
    close(fd);
    drop_cache("mst_invalidate");
    CHECK(byte_in_file("mst_invalidate", 5) == 'M' && byte_in_file("mst_invalidate", 6) == 'W');
    CHECK(byte_in_file("mst_invalidate", 7) == 'N');
    unlink("mst_invalidate");
    return 0;
}

static int msync_of_private_and_read_only_file_mappings_succeeds_and_writes_nothing(void)
{
    int fd = make_file("mst_msync_kinds", PG);
    CHECK(fd >= 0);
    char* private_pages = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
    char* read_only = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(private_pages != NULL && read_only != NULL);
    private_pages[0] = 'P';
    CHECK(read_only[0] == PATTERN(0));
    for (int flags = MS_ASYNC; flags <= MS_SYNC; flags <<= 1) {
        CHECK(msync(private_pages, PG, flags) == 0);
        CHECK(msync(read_only, PG, flags) == 0);
    }
    CHECK(private_pages[0] == 'P' && read_only[0] == PATTERN(0));
    close(fd);
    drop_cache("mst_msync_kinds");
    CHECK(byte_in_file("mst_msync_kinds", 0) == PATTERN(0));
    unlink("mst_msync_kinds");
    return 0;
}

/* --- §11 unlink: a mapped file's blocks are its own until the last mapping goes --- */

static int blocks_of_an_unlinked_mapped_file_are_not_reused_while_mapped(void)
{
    enum { kPages = 8 };
    int fd = make_file("mst_unlinked", kPages * PG);
    CHECK(fd >= 0);
    CHECK(fsync(fd) == 0);
    close(fd);
    drop_cache("mst_unlinked"); /* So the mapping's pages come from the disk. */
    fd = open("mst_unlinked", O_RDONLY);
    CHECK(fd >= 0);
    char* p = map_fd(kPages * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    close(fd);
    CHECK(unlink("mst_unlinked") == 0);
    /* A new file, as large, written and synced while the old one is only mapped. */
    int other = open("mst_newcomer", O_RDWR | O_CREAT);
    CHECK(other >= 0);
    char chunk[512];
    memset(chunk, 'Z', sizeof(chunk));
    for (size_t done = 0; done < 2 * kPages * PG; done += sizeof(chunk))
        CHECK(write(other, chunk, sizeof(chunk)) == (long)sizeof(chunk));
    CHECK(fsync(other) == 0);
    close(other);
    drop_cache("mst_newcomer");
    for (size_t i = 0; i < kPages * PG; i += 113)
        CHECK(p[i] == PATTERN(i));
    CHECK(munmap(p, kPages * PG) == 0);
    unlink("mst_newcomer");
    return 0;
}

/* --- §12: file references balance --- */

static long free_frames(void)
{
    struct atlas_vmstat stats;
    memset(&stats, 0, sizeof(stats));
    return syscall(SYS_vmstat, &stats) == 0 ? (long)stats.free_frames : -1;
}

/* One cycle: a new one-page file, mapped (shared or private), touched, its descriptor
 * closed, unmapped and unlinked. Once all of that is done nothing may hold the inode, so
 * its cached page and the inode itself must go. Returns 0 or -1. */
static int map_unmap_cycle(int i)
{
    int fd = make_file("mst_cycle", PG);
    if (fd < 0)
        return -1;
    char* p = map_fd(PG, RW, (i & 1) ? MAP_SHARED : MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == NULL)
        return -1;
    p[i % 64] = 'c';
    if (munmap(p, PG) != 0 || unlink("mst_cycle") != 0)
        return -1;
    return 0;
}

static int thousand_file_map_unmap_cycles_leak_no_file_reference(void)
{
    enum { kCycles = 1000 };
    for (int i = 0; i < 50; i++) /* Warm-up: heap slabs, the directory's block. */
        CHECK(map_unmap_cycle(i) == 0);
    long before = free_frames();
    CHECK(before > 0);
    for (int i = 0; i < kCycles; i++)
        CHECK(map_unmap_cycle(i) == 0);
    /* A reference leaked per cycle would keep each unlinked inode and its cached page
     * (and the private copy), a thousand frames or more; allow for slab growth. */
    long after = free_frames();
    CHECK(after > before - kCycles / 4);
    return 0;
}

/* --- §1.1: file mappings' offset and range errors (E4, E10, E14) --- */

static int file_mapping_offset_and_range_errors(void)
{
    int fd = make_file("mst_file_errors", PG);
    CHECK(fd >= 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fd, 100), EINVAL);                  /* E4 */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, PG + 1), EINVAL);              /* E4 */
    CHECK_ERRNO(mmap(0, (size_t)-PG + 1, PROT_READ, MAP_SHARED, fd, 0), ENOMEM);       /* E10 */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fd, -(off_t)PG), EOVERFLOW);        /* E14 */
    CHECK_ERRNO(mmap(0, 2 * PG, PROT_READ, MAP_SHARED, fd, 0x7ffffffffffff000l), EOVERFLOW); /* E14 */
    unlink("mst_file_errors");
    return 0;
}

/* --- §1.4: MAP_POPULATE changes no semantics --- */

static int map_populate_changes_nothing(void)
{
    int fd = make_file("mst_populate", 100);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED | MAP_POPULATE, fd, 0);
    char* anonymous = mmap(0, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    CHECK(p != NULL && anonymous != MAP_FAILED);
    CHECK(bytes_are_zero(anonymous, 2 * PG));
    CHECK(p[99] == PATTERN(99) && bytes_are_zero(p + 100, PG - 100));
    CHECK(access_kills_with(p + PG, 0, SIGBUS)); /* Still judged at fault time... */
    CHECK(lseek(fd, PG, SEEK_SET) == (off_t)PG && write(fd, "pop", 3) == 3);
    CHECK(memcmp(p + PG, "pop", 3) == 0); /* ...so growth shows. */
    p[50] = 'S';
    CHECK(byte_in_file("mst_populate", 50) == 'S');
    unlink("mst_populate");
    return 0;
}

/* --- §8: the open mode limits mprotect even after close --- */

static int mprotect_write_stays_eacces_after_the_read_only_descriptor_is_closed(void)
{
    int fd = make_file("mst_mprotect_closed", PG);
    CHECK(fd >= 0);
    close(fd);
    fd = open("mst_mprotect_closed", O_RDONLY);
    CHECK(fd >= 0);
    char* p = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    close(fd);
    int writable = open("mst_mprotect_closed", O_RDWR); /* Another descriptor changes nothing. */
    CHECK(writable >= 0);
    CHECK_ERRNO(mprotect(p, PG, RW), EACCES);
    CHECK(access_kills_with(p, 1, SIGSEGV));
    CHECK(p[0] == PATTERN(0));
    unlink("mst_mprotect_closed");
    return 0;
}

/* --- §10: DONTNEED leaves a shared file page as it is --- */

static int dontneed_keeps_shared_file_pages(void)
{
    int fd = make_file("mst_dontneed_shared", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[3] = 'K';
    p[PG + 3] = 'L';
    CHECK(madvise(p, 2 * PG, MADV_DONTNEED) == 0);
    CHECK(p[3] == 'K' && p[PG + 3] == 'L');
    CHECK(byte_in_file("mst_dontneed_shared", 3) == 'K');
    p[4] = 'M'; /* Stores after the advice still reach the file. */
    CHECK(munmap(p, 2 * PG) == 0);
    close(fd);
    drop_cache("mst_dontneed_shared");
    CHECK(byte_in_file("mst_dontneed_shared", 3) == 'K' && byte_in_file("mst_dontneed_shared", 4) == 'M');
    CHECK(byte_in_file("mst_dontneed_shared", PG + 3) == 'L');
    unlink("mst_dontneed_shared");
    return 0;
}

/* --- §12, E13, §7, §8: the per-process mapping limit --- */

static int mapping_limit_gives_enomem_from_mmap_munmap_and_mprotect(void)
{
    char* three = mmap(0, 3 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(three != MAP_FAILED);
    three[PG] = 'k';
    /* Single pages of alternating protection never merge: each is one more mapping. */
    long count = 0;
    for (;;) {
        void* p = mmap(0, PG, (count & 1) ? PROT_READ : RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            break;
        count++;
        CHECK(count <= 1000000);
    }
    CHECK(errno == ENOMEM); /* E13 */
    /* Punching a hole or protecting the middle needs one mapping more than the limit. */
    CHECK_ERRNO(munmap(three + PG, PG), ENOMEM);
    CHECK_ERRNO(mprotect(three + PG, PG, PROT_READ), ENOMEM);
    CHECK(three[PG] == 'k');
    three[PG] = 'l'; /* Still writable: the failed mprotect changed nothing. */
    /* Unmapping a whole mapping frees a slot. */
    CHECK(munmap(three, 3 * PG) == 0);
    char* again = mmap(0, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(again != MAP_FAILED);
    again[0] = 1;
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(shrink_makes_pages_beyond_the_new_end_sigbus_in_every_mapping_process),
    TEST(shrink_inside_a_page_zeroes_its_tail_in_every_mapping),
    TEST(shrink_then_grow_reads_zeros_in_mapping_and_file),
    TEST(grow_makes_sigbus_pages_accessible_and_stores_reach_the_file),
    TEST(write_back_after_a_shrink_never_extends_the_file),
    TEST(write_that_extends_the_file_is_visible_in_an_existing_mapping),
    TEST(mapping_beyond_the_end_or_of_an_empty_file_succeeds_and_access_gives_sigbus),
    TEST(end_of_file_tail_reads_zero_even_when_the_disk_block_held_more),
    TEST(file_mapping_at_an_offset_holds_the_file_bytes_from_there),
    TEST(munmap_of_the_head_and_a_hole_keeps_the_offsets_of_the_rest),
    TEST(read_and_write_with_a_buffer_beyond_end_of_file_give_efault_and_do_not_kill),
    TEST(read_into_a_read_only_file_mapping_gives_efault_and_stores_nothing),
    TEST(read_into_a_private_file_mapping_copies_the_page_and_leaves_the_file),
    TEST(read_and_write_between_a_file_and_its_own_mapping),
    TEST(store_to_a_read_only_file_mapping_kills_and_changes_nothing),
    TEST(map_fixed_over_a_shared_file_mapping_writes_it_back_and_reads_zero),
    TEST(anonymous_mapping_where_a_file_mapping_was_reads_zero),
    TEST(killed_process_writes_back_its_shared_stores),
    TEST(exec_writes_back_shared_stores_and_drops_the_mapping),
    TEST(failed_exec_keeps_file_mappings_intact),
    TEST(write_back_never_overwrites_newer_write_data),
    TEST(child_faults_in_file_pages_the_parent_never_touched),
    TEST(munmap_in_the_child_leaves_the_parent_file_mapping),
    TEST(private_page_once_written_no_longer_shows_file_changes),
    TEST(munmap_discards_private_changes_and_a_new_mapping_shows_the_file),
    TEST(msync_invalidate_keeps_stores_and_shows_write_data),
    TEST(msync_of_private_and_read_only_file_mappings_succeeds_and_writes_nothing),
    TEST(blocks_of_an_unlinked_mapped_file_are_not_reused_while_mapped),
    TEST(thousand_file_map_unmap_cycles_leak_no_file_reference),
    TEST(file_mapping_offset_and_range_errors),
    TEST(map_populate_changes_nothing),
    TEST(mprotect_write_stays_eacces_after_the_read_only_descriptor_is_closed),
    TEST(dontneed_keeps_shared_file_pages),
    TEST(mapping_limit_gives_enomem_from_mmap_munmap_and_mprotect),
};

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--exec-probe") == 0)
        return exec_probe();
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
