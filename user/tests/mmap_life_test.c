/* mmap_life_test: the behaviour of docs/mmap.md on the life of file mappings that
 * mmap_anon_test.c, mmap_file_test.c and the other user programs leave unpinned, one test
 * per behaviour (the section of docs/mmap.md is in each group's comment): the write-back
 * points not covered elsewhere (MAP_FIXED replacement, a kill, exec: §3, §6, §13), the
 * page cache winning over write-back (§6), fork over untouched file pages and munmap per
 * process (§13, §9), private pages frozen at their first write (§7), msync on every kind
 * of file mapping (§11), the lifetime of an unlinked file's blocks (§14), file references
 * that balance (§15), file mappings' offset and range errors (§2), MAP_POPULATE (§4),
 * mprotect limited by the open mode (§10), MADV_DONTNEED on shared file pages (§12) and
 * the per-process mapping limit (§15). End of file and truncation are mmap_spec_test's.
 * The table at the end of docs/mmap.md names the test of every behaviour.
 *
 * Each test runs in a child (TEST_IN_CHILD). Processes that must die of an access, or be
 * killed, are the test's own children, and their wait status is checked for the signal.
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   mmap_life_test                 run every test
 *   mmap_life_test NAME...         run the tests whose names contain one of the NAMEs
 *   mmap_life_test --exec-probe    the new image of exec_writes_back_shared_stores_and_
 *                                  drops_the_mapping (not run by hand) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "file_helpers.h"
#include "harness.h"

/* --- docs/mmap.md §6, §3, §13: write-back on MAP_FIXED replacement, kill and exec --- */

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

/* Run as "mmap_life_test --exec-probe" by exec_writes_back_shared_stores_and_drops_the_
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
        char* argv[] = {"mmap_life_test", "--exec-probe", NULL};
        execv("/bin/mmap_life_test", argv);
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

/* --- §6: the page cache is authoritative: write-back never undoes write() --- */

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

/* --- §13 fork, §9 munmap per process --- */

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

/* --- §7: MAP_PRIVATE --- */

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

/* --- §11: msync --- */

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

/* --- §14 unlink: a mapped file's blocks are its own until the last mapping goes --- */

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

/* --- §15: file references balance --- */

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

/* --- §2: file mappings' offset and range errors (M4, M7, M8) --- */

static int file_mapping_offset_and_range_errors(void)
{
    int fd = make_file("mst_file_errors", PG);
    CHECK(fd >= 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fd, 100), EINVAL);                  /* M4 */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, PG + 1), EINVAL);              /* M4 */
    CHECK_ERRNO(mmap(0, (size_t)-PG + 1, PROT_READ, MAP_SHARED, fd, 0), ENOMEM);       /* M7 */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fd, -(off_t)PG), EOVERFLOW);        /* M8 */
    CHECK_ERRNO(mmap(0, 2 * PG, PROT_READ, MAP_SHARED, fd, 0x7ffffffffffff000l), EOVERFLOW); /* M8 */
    unlink("mst_file_errors");
    return 0;
}

/* --- §4: MAP_POPULATE changes nothing --- */

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

/* --- §10: the open mode limits mprotect even after close --- */

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

/* --- §12: DONTNEED leaves a shared file page as it is --- */

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

/* --- §15, M17, U3, P5: the per-process mapping limit --- */

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
    CHECK(errno == ENOMEM); /* M17 */
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
