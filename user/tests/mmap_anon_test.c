/* mmap_anon_test: anonymous mappings as a program sees them, one test per behaviour of
 * docs/mmap.md that applies to anonymous memory (the section is in each group's comment;
 * the errors are labelled as there). File mappings are tested in mmap_file_test.c. Each test runs in a child
 * (the harness's TEST_IN_CHILD), so a crash in one cannot take the others down; a test
 * passes if its child exits 0. Accesses that must kill run in a grandchild whose wait
 * status is checked for SIGSEGV.
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   mmap_anon_test            run every test
 *   mmap_anon_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "harness.h"

#define PG 4096ul
#define RW (PROT_READ | PROT_WRITE)
#define ANON_PRIVATE (MAP_ANONYMOUS | MAP_PRIVATE)
#define ANON_SHARED (MAP_ANONYMOUS | MAP_SHARED)

static long free_frames(void)
{
    struct atlas_vmstat stats;
    if (syscall(SYS_vmstat, &stats) < 0)
        return -1;
    return (long)stats.free_frames;
}

static char* map(size_t length, int prot, int flags)
{
    void* p = mmap(0, length, prot, flags, -1, 0);
    return p == MAP_FAILED ? NULL : (char*)p;
}

/* The access a grandchild makes; it must die of it. */
enum Access { kRead, kWrite };

/* Whether touching `address` with `access` in a child kills the child with SIGSEGV. */
static int access_kills(volatile char* address, enum Access access)
{
    int pid = fork();
    if (pid == 0) {
        if (access == kRead)
            (void)*address;
        else
            *address = 1;
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static int all_bytes_are(const char* p, size_t length, char value)
{
    for (size_t i = 0; i < length; i++)
        if (p[i] != value)
            return 0;
    return 1;
}

/* --- docs/mmap.md §4, §5: contents, granularity, protections --- */

static int private_mapping_is_zero_filled_to_the_end_of_its_last_page(void)
{
    char* p = map(2 * PG + 100, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK(((uintptr_t)p & (PG - 1)) == 0);
    CHECK(all_bytes_are(p, 3 * PG, 0));
    p[3 * PG - 1] = 7; /* The bytes past `length` in the last page are usable too. */
    CHECK(p[3 * PG - 1] == 7);
    CHECK(munmap(p, 2 * PG + 100) == 0);
    return 0;
}

static int shared_mapping_is_zero_filled(void)
{
    char* p = map(4 * PG, RW, ANON_SHARED);
    CHECK(p != NULL);
    CHECK(all_bytes_are(p, 4 * PG, 0));
    memset(p, 'x', 4 * PG);
    CHECK(all_bytes_are(p, 4 * PG, 'x'));
    return 0;
}

static int write_only_mapping_is_readable_and_writable(void)
{
    char* p = map(PG, PROT_WRITE, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK(p[5] == 0);
    p[5] = 9;
    CHECK(p[5] == 9);
    return 0;
}

static int prot_none_read_and_write_kill(void)
{
    char* p = map(PG, PROT_NONE, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK(access_kills(p, kRead));
    CHECK(access_kills(p + 100, kWrite));
    return 0;
}

static int write_to_read_only_mapping_kills_and_reading_works(void)
{
    char* p = map(PG, PROT_READ, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK(p[0] == 0);
    CHECK(access_kills(p, kWrite));
    return 0;
}

static int two_shared_mappings_never_alias(void)
{
    char* a = map(PG, RW, ANON_SHARED);
    char* b = map(PG, RW, ANON_SHARED);
    CHECK(a != NULL && b != NULL && a != b);
    a[0] = 'a';
    CHECK(b[0] == 0);
    return 0;
}

/* --- §9: munmap --- */

static int munmap_head_leaves_the_rest(void)
{
    char* p = map(4 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 'h', 4 * PG);
    CHECK(munmap(p, PG) == 0);
    CHECK(access_kills(p, kRead));
    CHECK(all_bytes_are(p + PG, 3 * PG, 'h'));
    return 0;
}

static int munmap_tail_with_unaligned_length_leaves_the_rest(void)
{
    char* p = map(4 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 't', 4 * PG);
    CHECK(munmap(p + 2 * PG, PG + 1) == 0); /* Rounded up: pages 2 and 3. */
    CHECK(access_kills(p + 2 * PG, kRead));
    CHECK(access_kills(p + 4 * PG - 1, kRead));
    CHECK(all_bytes_are(p, 2 * PG, 't'));
    return 0;
}

static int munmap_hole_in_the_middle_splits_the_mapping(void)
{
    char* p = map(5 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    for (int i = 0; i < 5; i++)
        p[i * PG] = (char)('0' + i);
    CHECK(munmap(p + 2 * PG, PG) == 0);
    CHECK(access_kills(p + 2 * PG, kRead));
    CHECK(p[0] == '0' && p[PG] == '1' && p[3 * PG] == '3' && p[4 * PG] == '4');
    /* Both halves stay independent mappings: each can go on its own. */
    CHECK(munmap(p + 3 * PG, 2 * PG) == 0);
    CHECK(p[PG] == '1');
    CHECK(munmap(p, 2 * PG) == 0);
    return 0;
}

static int munmap_spanning_several_mappings_and_gaps_removes_them_all(void)
{
    char* base = map(8 * PG, RW, ANON_PRIVATE);
    CHECK(base != NULL);
    CHECK(munmap(base, 8 * PG) == 0);
    /* Three mappings with gaps between them, at fixed places in the freed range. */
    for (int i = 0; i < 3; i++) {
        char* p = mmap(base + (size_t)i * 3 * PG, 2 * PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0);
        CHECK(p == base + (size_t)i * 3 * PG);
        p[0] = 1;
    }
    CHECK(munmap(base + PG, 6 * PG) == 0); /* Tail of the 1st, gap, 2nd, gap, head of the 3rd. */
    CHECK(base[0] == 1);
    CHECK(access_kills(base + PG, kRead));
    CHECK(access_kills(base + 3 * PG, kRead));
    CHECK(access_kills(base + 6 * PG, kRead));
    CHECK(base[7 * PG] == 0);
    return 0;
}

static int munmap_over_nothing_succeeds(void)
{
    char* p = map(2 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK(munmap(p, 2 * PG) == 0);
    CHECK(munmap(p, 2 * PG) == 0);
    CHECK(munmap(NULL, PG) == 0);
    return 0;
}

static int access_after_munmap_kills(void)
{
    char* p = map(PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    p[0] = 5;
    CHECK(munmap(p, PG) == 0);
    CHECK(access_kills(p, kRead));
    CHECK(access_kills(p, kWrite));
    return 0;
}

static int munmap_errors(void)
{
    char* p = map(PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK_ERRNO(munmap(p + 1, PG), EINVAL);
    CHECK_ERRNO(munmap(p, 0), EINVAL);
    CHECK_ERRNO(munmap(p, (size_t)-PG + 1), EINVAL);
    CHECK_ERRNO(munmap((void*)0xffffffffffff000ul, PG), EINVAL);
    p[0] = 1; /* Still mapped after the failures. */
    return 0;
}

/* --- §10: mprotect --- */

static int mprotect_to_read_only_makes_stores_to_a_touched_page_fault(void)
{
    char* p = map(PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    p[0] = 42;
    CHECK(mprotect(p, PG, PROT_READ) == 0);
    CHECK(p[0] == 42);
    CHECK(access_kills(p, kWrite));
    return 0;
}

static int mprotect_read_only_to_read_write_allows_stores(void)
{
    char* p = map(2 * PG, PROT_READ, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK(p[0] == 0); /* Touched read-only first. */
    CHECK(mprotect(p, 2 * PG, RW) == 0);
    p[0] = 1;
    p[PG] = 2;
    CHECK(p[0] == 1 && p[PG] == 2);
    return 0;
}

static int mprotect_none_and_back_keeps_contents(void)
{
    char* p = map(3 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 'k', 3 * PG);
    CHECK(mprotect(p, 3 * PG, PROT_NONE) == 0);
    CHECK(access_kills(p + PG, kRead));
    CHECK(mprotect(p, 3 * PG, RW) == 0);
    CHECK(all_bytes_are(p, 3 * PG, 'k'));
    return 0;
}

static int mprotect_of_the_middle_splits_into_three(void)
{
    char* p = map(3 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 'm', 3 * PG);
    CHECK(mprotect(p + PG, PG, PROT_READ) == 0);
    p[0] = 'a';
    p[2 * PG] = 'c';
    CHECK(p[PG] == 'm');
    CHECK(access_kills(p + PG, kWrite));
    /* The pieces stay separately unmappable. */
    CHECK(munmap(p + PG, PG) == 0);
    CHECK(p[0] == 'a' && p[2 * PG] == 'c');
    return 0;
}

static unsigned long resolved_faults(void)
{
    struct atlas_vmstat stats;
    if (syscall(SYS_vmstat, &stats) < 0)
        return 0;
    return (unsigned long)(stats.minor_faults + stats.major_faults);
}

/* A one-page mprotect that gives Write back to a frame only this mapping holds makes it
 * writable at once: the next store takes no fault (Appel and Li's UNPROT). */
static int mprotect_writable_of_an_owned_page_spares_the_store_its_fault(void)
{
    char* p = map(3 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 'o', 3 * PG);
    CHECK(mprotect(p + PG, PG, PROT_READ) == 0);
    CHECK(mprotect(p + PG, PG, RW) == 0);
    unsigned long before = resolved_faults();
    p[PG] = 'w';
    CHECK(resolved_faults() == before);
    CHECK(p[0] == 'o' && p[PG] == 'w' && p[2 * PG] == 'o');
    return 0;
}

/* The same mprotect on a frame still shared with a forked child leaves Write to the
 * copy-on-write fault: the parent's store never reaches the child's page. */
static int mprotect_writable_of_a_page_shared_with_a_child_still_copies_on_write(void)
{
    char* p = map(PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    p[0] = 'p';
    int to_child[2], to_parent[2];
    CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char go;
        if (read(to_child[0], &go, 1) != 1)
            _exit(3);
        char seen = p[0];
        if (write(to_parent[1], &seen, 1) != 1)
            _exit(4);
        _exit(seen == 'p' ? 0 : 1);
    }
    CHECK(mprotect(p, PG, PROT_READ) == 0);
    CHECK(mprotect(p, PG, RW) == 0);
    p[0] = 'q';
    CHECK(write(to_child[1], "g", 1) == 1);
    char seen = 0;
    CHECK(read(to_parent[0], &seen, 1) == 1);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(seen == 'p' && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[0] == 'q');
    return 0;
}

static int mprotect_errors(void)
{
    char* p = map(2 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK_ERRNO(mprotect(p + 1, PG, PROT_READ), EINVAL);
    CHECK_ERRNO(mprotect(p, PG, 0x40), EINVAL);
    CHECK(mprotect(p, 0, PROT_READ) == 0);
    CHECK(mprotect((void*)0x1000, 0, PROT_NONE) == 0);
    CHECK(munmap(p + PG, PG) == 0);
    CHECK_ERRNO(mprotect(p, 2 * PG, PROT_READ), ENOMEM); /* Second page unmapped. */
    p[0] = 1; /* Nothing changed by the failure. */
    CHECK_ERRNO(mprotect(0, PG, PROT_READ), ENOMEM);
    CHECK_ERRNO(mprotect(p, (size_t)-PG, PROT_READ), ENOMEM);
    return 0;
}

/* --- §3: placement --- */

static int map_fixed_replaces_the_pages_it_covers(void)
{
    char* p = map(4 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 'o', 4 * PG);
    char* q = mmap(p + PG, 2 * PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0);
    CHECK(q == p + PG);
    CHECK(all_bytes_are(p + PG, 2 * PG, 0));
    CHECK(p[0] == 'o' && p[3 * PG] == 'o');
    return 0;
}

static int map_fixed_noreplace_over_a_mapping_gives_eexist_and_keeps_it(void)
{
    char* p = map(2 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 'n', 2 * PG);
    CHECK_ERRNO(mmap(p + PG, 2 * PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    CHECK_ERRNO(mmap(p - PG, 2 * PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE | MAP_FIXED, -1, 0), EEXIST);
    CHECK(all_bytes_are(p, 2 * PG, 'n'));
    return 0;
}

static int hint_over_a_mapping_does_not_clobber_it(void)
{
    char* p = map(2 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    memset(p, 'c', 2 * PG);
    char* q = mmap(p + 10, 2 * PG, RW, ANON_PRIVATE, -1, 0);
    CHECK(q != MAP_FAILED && q != NULL);
    CHECK(q + 2 * PG <= p || q >= p + 2 * PG);
    CHECK(all_bytes_are(p, 2 * PG, 'c'));
    CHECK(all_bytes_are(q, 2 * PG, 0));
    return 0;
}

static int chosen_addresses_are_never_zero_and_never_overlap(void)
{
    char* previous[64];
    for (int i = 0; i < 64; i++) {
        previous[i] = map((size_t)(i % 5 + 1) * PG, RW, ANON_PRIVATE);
        CHECK(previous[i] != NULL);
        previous[i][0] = (char)i;
    }
    for (int i = 0; i < 64; i++)
        CHECK(previous[i][0] == (char)i);
    return 0;
}

/* --- §2: mmap's errors (one per case, labelled M1.. as there) --- */

static int mmap_errors(void)
{
    char* p = map(PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    CHECK_ERRNO(mmap(0, 0, RW, ANON_PRIVATE, -1, 0), EINVAL);                                   /* M1 */
    CHECK_ERRNO(mmap(0, PG, RW, MAP_ANONYMOUS, -1, 0), EINVAL);                                 /* M2 */
    CHECK_ERRNO(mmap(0, PG, RW, MAP_ANONYMOUS | MAP_SHARED | MAP_PRIVATE, -1, 0), EINVAL);      /* M3 */
    CHECK_ERRNO(mmap(0, PG, RW, ANON_PRIVATE, -1, 100), EINVAL);                                /* M4 */
    CHECK_ERRNO(mmap(p + 1, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), EINVAL);                  /* M5 */
    CHECK_ERRNO(mmap(p + 1, PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0), EINVAL);        /* M5 */
    CHECK_ERRNO(mmap(0, PG, RW, MAP_PRIVATE, -1, 0), EBADF);                                    /* M9 */
    CHECK_ERRNO(mmap(0, PG, RW, MAP_PRIVATE, 99, 0), EBADF);                                    /* M9 */
    /* M11: a readable descriptor of something that cannot be mapped (a pipe's read end; not
       the console on descriptor 1, which a caller such as leak_test may have replaced). */
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, pipe_fds[0], 0), ENODEV);                    /* M11 */
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK_ERRNO(mmap(0, (size_t)-PG + 1, RW, ANON_PRIVATE, -1, 0), ENOMEM);                     /* M7 */
    CHECK_ERRNO(mmap(0, 300ul << 30, RW, ANON_PRIVATE, -1, 0), ENOMEM);                         /* M7 */
    CHECK_ERRNO(mmap(0, 130ul << 30, RW, ANON_PRIVATE, -1, 0), ENOMEM);                         /* M16 */
    CHECK_ERRNO(mmap((void*)(0x4000000000ul - PG), 2 * PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0),
                ENOMEM);                                                                        /* M13 */
    CHECK_ERRNO(mmap((void*)0xffffffc000000000ul, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), ENOMEM); /* M13 */
    CHECK_ERRNO(mmap(0, PG, RW, ANON_PRIVATE, -1, -PG), EOVERFLOW);                             /* M8 */
    CHECK_ERRNO(mmap(0, 2 * PG, RW, ANON_PRIVATE, -1, 0x7ffffffffffff000l), EOVERFLOW);         /* M8 */
    CHECK_ERRNO(mmap(p, PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);            /* M15 */
    CHECK_ERRNO(mmap(0, PG, 0x80, ANON_PRIVATE, -1, 0), EINVAL);                                /* bad prot */
    /* Not errors: an aligned non-zero offset, and an unaligned hint. */
    char* q = mmap(0, PG, RW, ANON_PRIVATE, -1, 8 * PG);
    CHECK(q != MAP_FAILED && q[0] == 0);
    q = mmap((void*)0x12345, PG, RW, ANON_PRIVATE, -1, 0);
    CHECK(q != MAP_FAILED && ((uintptr_t)q & (PG - 1)) == 0);
    p[0] = 1;
    return 0;
}

/* --- §7, §8, §13: fork --- */

static int shared_mapping_is_shared_with_the_child_both_ways_and_survives_its_exit(void)
{
    volatile int* shared = (volatile int*)map(2 * PG, RW, ANON_SHARED);
    CHECK(shared != NULL);
    shared[0] = 1; /* Before the fork. */
    int to_child[2], to_parent[2];
    CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char byte;
        int ok = shared[0] == 1;
        shared[1] = 2;              /* The parent must see this... */
        shared[1024] = 3;           /* ...on a page the parent never touched, too. */
        write(to_parent[1], "x", 1);
        read(to_child[0], &byte, 1);
        ok = ok && shared[2] == 4;  /* And the child sees the parent's store. */
        munmap((void*)shared, 2 * PG); /* The child's unmap and exit free nothing shared. */
        _exit(ok ? 0 : 1);
    }
    char byte;
    CHECK(read(to_parent[0], &byte, 1) == 1);
    CHECK(shared[1] == 2 && shared[1024] == 3);
    shared[2] = 4;
    CHECK(write(to_child[1], "y", 1) == 1);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(shared[0] == 1 && shared[1] == 2 && shared[2] == 4 && shared[1024] == 3);
    return 0;
}

static int private_mapping_is_copy_on_write_across_fork(void)
{
    char* p = map(2 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    p[0] = 'P';
    int to_child[2];
    CHECK(pipe(to_child) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char byte;
        read(to_child[0], &byte, 1);
        int ok = p[0] == 'P' && p[PG] == 0; /* The fork-time snapshot, not the parent's later store. */
        p[0] = 'C';
        _exit(ok && p[0] == 'C' ? 0 : 1);
    }
    p[PG] = 'Q'; /* After the fork: the child must not see it. */
    CHECK(write(to_child[1], "g", 1) == 1);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[0] == 'P' && p[PG] == 'Q');
    return 0;
}

/* --- §12: madvise; §11: msync --- */

static int madvise_dontneed_zeroes_private_pages_and_keeps_shared_ones(void)
{
    char* private_pages = map(3 * PG, RW, ANON_PRIVATE);
    char* shared_pages = map(2 * PG, RW, ANON_SHARED);
    CHECK(private_pages != NULL && shared_pages != NULL);
    memset(private_pages, 'd', 3 * PG);
    memset(shared_pages, 's', 2 * PG);
    CHECK(madvise(private_pages + PG, PG, MADV_DONTNEED) == 0);
    CHECK(private_pages[0] == 'd' && private_pages[2 * PG] == 'd');
    CHECK(all_bytes_are(private_pages + PG, PG, 0));
    CHECK(madvise(shared_pages, 2 * PG, MADV_DONTNEED) == 0);
    CHECK(all_bytes_are(shared_pages, 2 * PG, 's'));
    /* PROT_NONE is no obstacle. */
    CHECK(mprotect(private_pages, PG, PROT_NONE) == 0);
    CHECK(madvise(private_pages, PG, MADV_DONTNEED) == 0);
    CHECK(mprotect(private_pages, PG, RW) == 0);
    CHECK(private_pages[0] == 0);
    return 0;
}

static int madvise_hints_are_accepted_and_errors_reported(void)
{
    char* p = map(2 * PG, RW, ANON_PRIVATE);
    CHECK(p != NULL);
    p[0] = 'w';
    CHECK(madvise(p, 2 * PG, MADV_NORMAL) == 0);
    CHECK(madvise(p, 2 * PG, MADV_RANDOM) == 0);
    CHECK(madvise(p, 2 * PG, MADV_SEQUENTIAL) == 0);
    CHECK(madvise(p, 2 * PG, MADV_WILLNEED) == 0);
    CHECK(p[0] == 'w');
    CHECK_ERRNO(madvise(p + 1, PG, MADV_NORMAL), EINVAL);
    CHECK_ERRNO(madvise(p, PG, 77), EINVAL);
    CHECK(madvise(p, 0, MADV_DONTNEED) == 0);
    CHECK_ERRNO(madvise(p, (size_t)-1, MADV_NORMAL), EINVAL);
    CHECK(munmap(p + PG, PG) == 0);
    CHECK_ERRNO(madvise(p, 2 * PG, MADV_DONTNEED), ENOMEM);
    CHECK(p[0] == 'w'); /* The failed DONTNEED dropped nothing. */
    return 0;
}

static int msync_succeeds_on_anonymous_memory_and_reports_errors(void)
{
    char* p = map(2 * PG, RW, ANON_SHARED);
    char* q = map(PG, RW, ANON_PRIVATE);
    CHECK(p != NULL && q != NULL);
    p[0] = 1;
    CHECK(msync(p, 2 * PG, MS_SYNC) == 0);
    CHECK(msync(p, 100, MS_ASYNC) == 0);
    CHECK(msync(q, PG, MS_INVALIDATE) == 0);
    CHECK(msync(q, PG, 0) == 0);
    CHECK_ERRNO(msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_ERRNO(msync(p, PG, 8), EINVAL);
    CHECK_ERRNO(msync(p + 1, PG, MS_SYNC), EINVAL);
    CHECK(munmap(p + PG, PG) == 0);
    CHECK_ERRNO(msync(p, 2 * PG, MS_SYNC), ENOMEM);
    CHECK(msync(p + PG, 0, MS_SYNC) == 0); /* Length 0 at an unmapped address. */
    CHECK(p[0] == 1);
    return 0;
}

/* --- §3: the heap --- */

static int sbrk_refuses_to_grow_into_a_mapping(void)
{
    uintptr_t brk = (uintptr_t)sbrk(0);
    uintptr_t above = (brk + 16 * PG + PG - 1) & ~(PG - 1);
    char* wall = mmap((void*)above, PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(wall == (char*)above);
    wall[0] = 'w';
    CHECK_ERRNO(sbrk(32 * PG), ENOMEM);
    CHECK((uintptr_t)sbrk(0) == brk);
    char* grown = sbrk(4 * PG); /* Growth short of the mapping still works. */
    CHECK(grown != (char*)-1);
    grown[0] = 1;
    CHECK(wall[0] == 'w');
    CHECK(sbrk(-4 * (long)PG) != (void*)-1);
    return 0;
}

/* --- §5, §14: the kernel touching user memory --- */

static int read_and_write_use_untouched_mappings_and_fail_on_prot_none(void)
{
    char* source = map(2 * PG, RW, ANON_PRIVATE);       /* Never touched: zeros. */
    char* destination = map(2 * PG, RW, ANON_SHARED);   /* Never touched either. */
    char* none = map(PG, PROT_NONE, ANON_PRIVATE);
    CHECK(source != NULL && destination != NULL && none != NULL);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], source + PG - 50, 100) == 100); /* Crosses a page boundary. */
    CHECK(write(fds[1], "hello", 5) == 5);
    CHECK(read(fds[0], destination + PG - 50, 105) == 105);
    CHECK(all_bytes_are(destination + PG - 50, 100, 0));
    CHECK(memcmp(destination + PG + 50, "hello", 5) == 0);
    CHECK_ERRNO(write(fds[1], none, 10), EFAULT);
    CHECK(write(fds[1], "abc", 3) == 3);
    CHECK_ERRNO(read(fds[0], none, 3), EFAULT);
    return 0; /* Still alive. */
}

/* --- §15, scale: many mappings --- */

static int ten_thousand_mappings_then_unmapping_them_all_returns_every_frame(void)
{
    enum { kCount = 10000 };
    static char* pages[kCount];
    /* A warm-up round, so that page tables and kernel-heap slabs the first round needs
     * for the address range exist before the baseline is taken. */
    for (int round = 0; round < 2; round++) {
        long before = free_frames();
        CHECK(before > 0);
        for (int i = 0; i < kCount; i++) {
            pages[i] = map(PG, RW, (i % 4 == 0) ? ANON_SHARED : ANON_PRIVATE);
            CHECK(pages[i] != NULL);
            pages[i][0] = (char)i;
        }
        CHECK(free_frames() <= before - kCount);
        for (int i = 0; i < kCount; i++)
            CHECK(pages[i][0] == (char)i);
        for (int i = 0; i < kCount; i++)
            CHECK(munmap(pages[i], PG) == 0);
        if (round == 1)
            CHECK(free_frames() == before);
    }
    return 0;
}

static int hundred_thousand_untouched_mappings_work(void)
{
    /* Alternating protections keep neighbours from ever looking mergeable; an O(n) search
     * or insert would make this quadratic (5e9 steps) and time out. */
    enum { kCount = 100000 };
    char* first = NULL;
    char* last = NULL;
    for (int i = 0; i < kCount; i++) {
        char* p = map(PG, (i & 1) ? PROT_READ : RW, ANON_PRIVATE);
        CHECK(p != NULL);
        if (i == 0)
            first = p;
        last = p;
    }
    first[0] = 1;
    CHECK(last[0] == 0);
    /* mmap+munmap pairs at 100,000 mappings. */
    for (int i = 0; i < 1000; i++) {
        char* p = map(PG, RW, ANON_PRIVATE);
        CHECK(p != NULL);
        CHECK(munmap(p, PG) == 0);
    }
    return 0; /* exit tears all of them down. */
}

/* --- §13: exec --- */

/* Where exec_drops_every_mapping maps a page before exec, and where the new program then
   looks: inside the mmap area, away from anything the loader places. */
#define EXEC_PROBE_ADDRESS 0x3000000000ul

/* Run as "mmap_anon_test --exec-probe" by exec_drops_every_mapping: succeeds only if nothing
   is mapped at the probe address in this new image (MAP_FIXED_NOREPLACE refuses to map
   over anything) and a fresh page there reads zero, not the old program's data. */
static int exec_probe(void)
{
    char* p = mmap((void*)EXEC_PROBE_ADDRESS, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);
    return p == (char*)EXEC_PROBE_ADDRESS && p[0] == 0 ? 0 : 1;
}

static int exec_drops_every_mapping(void)
{
    char* p = mmap((void*)EXEC_PROBE_ADDRESS, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(p == (char*)EXEC_PROBE_ADDRESS);
    p[0] = 'X';
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char* argv[] = {"mmap_anon_test", "--exec-probe", NULL};
        execv("/bin/mmap_anon_test", argv);
        _exit(2);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[0] == 'X'); /* The exec in the child left the parent's mapping alone. */
    CHECK(munmap(p, PG) == 0);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(private_mapping_is_zero_filled_to_the_end_of_its_last_page),
    TEST(shared_mapping_is_zero_filled),
    TEST(write_only_mapping_is_readable_and_writable),
    TEST(prot_none_read_and_write_kill),
    TEST(write_to_read_only_mapping_kills_and_reading_works),
    TEST(two_shared_mappings_never_alias),
    TEST(munmap_head_leaves_the_rest),
    TEST(munmap_tail_with_unaligned_length_leaves_the_rest),
    TEST(munmap_hole_in_the_middle_splits_the_mapping),
    TEST(munmap_spanning_several_mappings_and_gaps_removes_them_all),
    TEST(munmap_over_nothing_succeeds),
    TEST(access_after_munmap_kills),
    TEST(munmap_errors),
    TEST(mprotect_to_read_only_makes_stores_to_a_touched_page_fault),
    TEST(mprotect_read_only_to_read_write_allows_stores),
    TEST(mprotect_none_and_back_keeps_contents),
    TEST(mprotect_of_the_middle_splits_into_three),
    TEST(mprotect_writable_of_an_owned_page_spares_the_store_its_fault),
    TEST(mprotect_writable_of_a_page_shared_with_a_child_still_copies_on_write),
    TEST(mprotect_errors),
    TEST(map_fixed_replaces_the_pages_it_covers),
    TEST(map_fixed_noreplace_over_a_mapping_gives_eexist_and_keeps_it),
    TEST(hint_over_a_mapping_does_not_clobber_it),
    TEST(chosen_addresses_are_never_zero_and_never_overlap),
    TEST(mmap_errors),
    TEST(shared_mapping_is_shared_with_the_child_both_ways_and_survives_its_exit),
    TEST(private_mapping_is_copy_on_write_across_fork),
    TEST(madvise_dontneed_zeroes_private_pages_and_keeps_shared_ones),
    TEST(madvise_hints_are_accepted_and_errors_reported),
    TEST(msync_succeeds_on_anonymous_memory_and_reports_errors),
    TEST(sbrk_refuses_to_grow_into_a_mapping),
    TEST(read_and_write_use_untouched_mappings_and_fail_on_prot_none),
    TEST(ten_thousand_mappings_then_unmapping_them_all_returns_every_frame),
    TEST(hundred_thousand_untouched_mappings_work),
    TEST(exec_drops_every_mapping),
};

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--exec-probe") == 0)
        return exec_probe();
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
