/* mmap_file_test: MAP_SHARED file mappings over the page cache as a program sees them, one
 * test per behaviour of docs/mmap.md (mmap's file errors, sharing with read() and write()
 * and between mappers, write-back on msync, munmap and exit, the end of file, the file's
 * lifetime, the open mode's limit on mprotect) and of MAP_PRIVATE file mappings (§7:
 * private copies on write, fork, DONTNEED, the end of file). Each test runs in a child, so a
 * crash in one cannot take the others down; a test passes if its child exits 0.
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   mmap_file_test            run every test
 *   mmap_file_test NAME...    run the tests whose names contain one of the NAMEs */
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

/* --- docs/mmap.md §2: mmap's file errors (M9-M12) --- */

static int file_mapping_errors(void)
{
    int fd = make_file("mft_errors", PG);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0), EBADF);          /* M9: closed */
    int write_only = open("mft_errors", O_WRONLY);
    CHECK(write_only >= 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, write_only, 0), EACCES);  /* M10 */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_PRIVATE, write_only, 0), EACCES); /* M10 */
    close(write_only);
    int read_only = open("mft_errors", O_RDONLY);
    CHECK(read_only >= 0);
    CHECK_ERRNO(mmap(0, PG, RW, MAP_SHARED, read_only, 0), EACCES);          /* M12 */
    char* p = map_fd(PG, PROT_READ, MAP_SHARED, read_only, 0);              /* not an error */
    CHECK(p != NULL && p[0] == 'a');
    close(read_only);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fds[0], 0), ENODEV);      /* M11: pipe */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fds[1], 0), EACCES);      /* M10: write end */
    int directory = open(".", O_RDONLY);
    CHECK(directory >= 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, directory, 0), ENODEV);   /* M11: directory */
    unlink("mft_errors");
    return 0;
}

/* --- §6: MAP_SHARED is the file --- */

static int shared_store_is_visible_to_read_at_once(void)
{
    int fd = make_file("mft_store", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(p[0] == 'a' && p[PG + 1] == (char)('a' + (PG + 1) % 26));
    p[PG + 5] = 'Z';
    CHECK(byte_in_file("mft_store", PG + 5) == 'Z');
    unlink("mft_store");
    return 0;
}

static int write_is_visible_through_the_mapping(void)
{
    int fd = make_file("mft_write", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(p[10] == 'a' + 10);
    CHECK(lseek(fd, 10, SEEK_SET) == 10 && write(fd, "XY", 2) == 2);
    CHECK(p[10] == 'X' && p[11] == 'Y');
    unlink("mft_write");
    return 0;
}

static int two_mappings_of_one_file_alias(void)
{
    int fd = make_file("mft_alias", 3 * PG);
    CHECK(fd >= 0);
    char* whole = map_fd(3 * PG, RW, MAP_SHARED, fd, 0);
    char* second_page = map_fd(PG, RW, MAP_SHARED, fd, PG);
    CHECK(whole != NULL && second_page != NULL && whole != second_page);
    whole[PG + 7] = '!';
    CHECK(second_page[7] == '!');
    second_page[100] = '?';
    CHECK(whole[PG + 100] == '?');
    unlink("mft_alias");
    return 0;
}

static int parent_and_child_share_pages(void)
{
    int fd = make_file("mft_fork", PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[0] = 'P';
    int pid = fork();
    if (pid == 0) {
        if (p[0] != 'P')
            _exit(1);
        p[1] = 'C';
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[1] == 'C');
    CHECK(byte_in_file("mft_fork", 1) == 'C');
    unlink("mft_fork");
    return 0;
}

/* --- §6, §9, §11, §13: write-back --- */

/* The file's bytes on the disk are only reachable after its cached pages are gone, which
 * happens when the last reference to the inode goes: so each write-back test checks the
 * file through a fresh open after every descriptor and mapping is gone, and the store must
 * survive that. */
static int munmap_writes_back(void)
{
    int fd = make_file("mft_munmap", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    close(fd);
    p[3] = 'M';
    CHECK(munmap(p, PG) == 0);
    CHECK(byte_in_file("mft_munmap", 3) == 'M');
    unlink("mft_munmap");
    return 0;
}

/* munmap skips the write-back of a mapping no PTE of which was ever writable (nothing was
 * stored through it), but one that was stored through and then made read-only, and
 * clipped, still writes its stores back at munmap: the disk write is counted before munmap
 * returns. */
static int munmap_writes_back_a_mapping_made_read_only_after_its_stores(void)
{
    int fd = make_file("mft_munmap_ro", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[PG + 5] = 'R';
    CHECK(mprotect(p, 2 * PG, PROT_READ) == 0);
    CHECK(munmap(p, PG) == 0); /* A clip: the upper half, which holds the store, stays. */
    /* The descriptor stays open: the inode stays in use, so the write counted is munmap's
     * (the last user of an inode writes its dirty pages back too). */
    unsigned long written = counters().pages_written_back;
    CHECK(munmap(p + PG, PG) == 0);
    CHECK(counters().pages_written_back > written);
    close(fd);
    CHECK(byte_in_file("mft_munmap_ro", PG + 5) == 'R');
    unlink("mft_munmap_ro");
    return 0;
}

static int exit_writes_back(void)
{
    int fd = make_file("mft_exit", 2 * PG);
    CHECK(fd >= 0);
    int pid = fork();
    if (pid == 0) {
        char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
        if (!p)
            _exit(1);
        p[PG + 9] = 'E';
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char c = 0;
    CHECK(lseek(fd, PG + 9, SEEK_SET) == (off_t)(PG + 9) && read(fd, &c, 1) == 1 && c == 'E');
    close(fd);
    CHECK(byte_in_file("mft_exit", PG + 9) == 'E');
    unlink("mft_exit");
    return 0;
}

static int msync_writes_back_and_later_stores_are_kept(void)
{
    int fd = make_file("mft_msync", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    p[0] = '1';
    CHECK(msync(p, PG, MS_SYNC) == 0);
    CHECK(byte_in_file("mft_msync", 0) == '1');
    /* After the write-back the page is clean and write-protected: the next store must
     * fault, dirty it again and reach the file too. */
    p[1] = '2';
    CHECK(msync(p, PG, MS_ASYNC) == 0);
    close(fd);
    CHECK(munmap(p, PG) == 0);
    CHECK(byte_in_file("mft_msync", 0) == '1' && byte_in_file("mft_msync", 1) == '2');
    unlink("mft_msync");
    return 0;
}

/* --- §4, §5: the end of file --- */

static int page_beyond_end_of_file_kills_with_sigbus(void)
{
    int fd = make_file("mft_sigbus", 100);
    CHECK(fd >= 0);
    char* p = map_fd(3 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    CHECK(p[99] == 'a' + 99 % 26);
    CHECK(access_kills_with(p + PG, 0, SIGBUS));
    CHECK(access_kills_with(p + 2 * PG + 5, 1, SIGBUS));
    unlink("mft_sigbus");
    return 0;
}

static int end_of_file_tail_reads_zero_and_never_reaches_the_file(void)
{
    int fd = make_file("mft_tail", 100);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    for (size_t i = 100; i < PG; i++)
        CHECK(p[i] == 0);
    p[100] = 'T';
    p[PG - 1] = 'T';
    CHECK(msync(p, PG, MS_SYNC) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 100);
    char buffer[8];
    CHECK(lseek(fd, 96, SEEK_SET) == 96 && read(fd, buffer, sizeof(buffer)) == 4);
    unlink("mft_tail");
    return 0;
}

/* --- §14: lifetime --- */

static int mapping_survives_close_and_unlink(void)
{
    int fd = make_file("mft_unlinked", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    close(fd);
    CHECK(unlink("mft_unlinked") == 0);
    CHECK(p[PG + 2] == 'a' + (PG + 2) % 26);
    p[PG + 3] = 'U';
    CHECK(p[PG + 3] == 'U');
    CHECK(munmap(p, 2 * PG) == 0);
    return 0;
}

/* --- §14: system calls on untouched mappings --- */

static int read_and_write_with_a_buffer_in_an_untouched_mapping(void)
{
    int fd = make_file("mft_buffers", 2 * PG);
    CHECK(fd >= 0);
    int other = make_file("mft_other", 64);
    CHECK(other >= 0);
    char* p = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    /* read() stores into the untouched first page of the mapping, so into the file. */
    CHECK(lseek(other, 0, SEEK_SET) == 0 && read(other, p, 64) == 64);
    CHECK(byte_in_file("mft_buffers", 0) == 'a' && p[0] == 'a');
    CHECK(lseek(other, 0, SEEK_SET) == 0 && read(other, p + 5, 1) == 1 && p[5] == 'a');
    CHECK(byte_in_file("mft_buffers", 5) == 'a');
    /* write() reads from the untouched second page. */
    CHECK(lseek(other, 0, SEEK_SET) == 0 && write(other, p + PG, 4) == 4);
    CHECK(byte_in_file("mft_other", 0) == 'a' + PG % 26);
    unlink("mft_buffers");
    unlink("mft_other");
    return 0;
}

/* --- §10: mprotect within the open mode --- */

static int mprotect_write_on_shared_read_only_descriptor_gives_eacces(void)
{
    int fd = make_file("mft_mprotect", PG);
    CHECK(fd >= 0);
    close(fd);
    int read_only = open("mft_mprotect", O_RDONLY);
    CHECK(read_only >= 0);
    char* p = map_fd(PG, PROT_READ, MAP_SHARED, read_only, 0);
    CHECK(p != NULL);
    CHECK_ERRNO(mprotect(p, PG, RW), EACCES);
    CHECK(mprotect(p, PG, PROT_NONE) == 0);
    CHECK(mprotect(p, PG, PROT_READ) == 0 && p[0] == 'a');
    CHECK(access_kills_with(p, 1, SIGSEGV));
    int read_write = open("mft_mprotect", O_RDWR);
    char* q = map_fd(PG, PROT_READ, MAP_SHARED, read_write, 0);
    CHECK(q != NULL);
    CHECK(mprotect(q, PG, RW) == 0);
    q[0] = 'W';
    CHECK(p[0] == 'W');
    unlink("mft_mprotect");
    return 0;
}

/* --- §7: MAP_PRIVATE file mappings --- */

static int private_stores_stay_out_of_the_file_and_other_mappings(void)
{
    int fd = make_file("mft_private", 2 * PG);
    CHECK(fd >= 0);
    char* p = map_fd(2 * PG, RW, MAP_PRIVATE, fd, 0);
    char* q = map_fd(2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL && q != NULL);
    CHECK(p[0] == 'a' && p[PG] == 'a' + PG % 26);
    p[0] = 'X';
    CHECK(p[0] == 'X');
    CHECK(q[0] == 'a');
    char c = 0;
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, &c, 1) == 1 && c == 'a');
    /* A page the private mapping has not written: POSIX leaves open whether a later store
     * through the shared mapping shows through it (Atlas shows it: the page is still the
     * file's cached frame), so either byte is accepted; the file must get the store. */
    q[PG + 1] = 'S';
    CHECK(p[PG + 1] == 'S' || p[PG + 1] == 'a' + (PG + 1) % 26);
    /* Unmapping discards the private copy; the file never sees it. */
    CHECK(munmap(p, 2 * PG) == 0);
    CHECK(munmap(q, 2 * PG) == 0);
    close(fd);
    CHECK(byte_in_file("mft_private", 0) == 'a');
    CHECK(byte_in_file("mft_private", PG + 1) == 'S');
    unlink("mft_private");
    return 0;
}

static int private_stores_never_reach_the_file_after_exit(void)
{
    int fd = make_file("mft_private_exit", PG);
    CHECK(fd >= 0);
    int pid = fork();
    if (pid == 0) {
        char* p = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
        if (!p)
            _exit(1);
        p[7] = 'E';
        _exit(p[7] == 'E' ? 0 : 2);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fd);
    CHECK(byte_in_file("mft_private_exit", 7) == 'a' + 7);
    unlink("mft_private_exit");
    return 0;
}

static int private_mapping_of_read_only_descriptor_can_be_written(void)
{
    int fd = make_file("mft_private_ro", PG);
    CHECK(fd >= 0);
    close(fd);
    int read_only = open("mft_private_ro", O_RDONLY);
    CHECK(read_only >= 0);
    char* p = map_fd(PG, RW, MAP_PRIVATE, read_only, 0);
    CHECK(p != NULL);
    p[2] = 'W';
    CHECK(p[2] == 'W');
    /* mprotect may grant Write to a private mapping of a read-only descriptor too. */
    char* r = map_fd(PG, PROT_READ, MAP_PRIVATE, read_only, 0);
    CHECK(r != NULL && r[2] == 'c');
    CHECK(mprotect(r, PG, RW) == 0);
    r[2] = 'R';
    CHECK(r[2] == 'R' && p[2] == 'W');
    close(read_only);
    CHECK(munmap(p, PG) == 0 && munmap(r, PG) == 0);
    CHECK(byte_in_file("mft_private_ro", 2) == 'c');
    unlink("mft_private_ro");
    return 0;
}

static int private_pages_are_copy_on_write_across_fork(void)
{
    int fd = make_file("mft_private_fork", 2 * PG);
    CHECK(fd >= 0);
    volatile char* p = map_fd(2 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    p[0] = 'P';
    int go[2];
    CHECK(pipe(go) == 0);
    int pid = fork();
    if (pid == 0) {
        char token;
        close(go[1]);
        if (read(go[0], &token, 1) != 1)
            _exit(1);
        /* The parent's pre-fork store is inherited, its post-fork store is not. */
        if (p[0] != 'P' || p[2] != 'c' || p[PG] != 'a' + PG % 26)
            _exit(2);
        p[1] = 'C';
        p[PG + 1] = 'C';
        _exit(p[1] == 'C' ? 0 : 3);
    }
    close(go[0]);
    p[2] = 'Q';
    CHECK(write(go[1], "g", 1) == 1);
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(p[0] == 'P' && p[1] == 'b' && p[2] == 'Q' && p[PG + 1] == 'a' + (PG + 1) % 26);
    close(fd);
    CHECK(byte_in_file("mft_private_fork", 1) == 'b' && byte_in_file("mft_private_fork", PG + 1) == 'a' + (PG + 1) % 26);
    unlink("mft_private_fork");
    return 0;
}

static int dontneed_reverts_a_private_page_to_the_file(void)
{
    int fd = make_file("mft_private_dontneed", PG);
    CHECK(fd >= 0);
    char* p = map_fd(PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    p[5] = 'D';
    CHECK(p[5] == 'D');
    CHECK(madvise(p, PG, MADV_DONTNEED) == 0);
    CHECK(p[5] == 'f');
    unlink("mft_private_dontneed");
    return 0;
}

static int private_page_beyond_end_of_file_kills_with_sigbus(void)
{
    int fd = make_file("mft_private_sigbus", 100);
    CHECK(fd >= 0);
    char* p = map_fd(3 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != NULL);
    CHECK(p[99] == 'a' + 99 % 26 && p[100] == 0);
    CHECK(access_kills_with(p + PG, 0, SIGBUS));
    CHECK(access_kills_with(p + 2 * PG + 5, 1, SIGBUS));
    unlink("mft_private_sigbus");
    return 0;
}


static int fadvise_dontneed_drops_mapped_pages_and_they_come_back_from_the_disk(void)
{
    int fd = make_file("mft_dontneed", 8 * PG);
    CHECK(fd >= 0);
    CHECK(fsync(fd) == 0);
    char* p = map_fd(8 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    for (unsigned long i = 0; i < 8; i++)
        CHECK(p[i * PG + 1] == 'a' + (i * PG + 1) % 26);  /* All eight cached and mapped. */
    p[3 * PG] = 'X';  /* Dirty: must reach the disk before the page goes. */
    struct atlas_vmstat before = counters();
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    struct atlas_vmstat dropped = counters();
    CHECK(dropped.cached_pages + 8 <= before.cached_pages);
    /* The next touches read the disk again (major faults) and see the same bytes. */
    CHECK(p[3 * PG] == 'X');
    CHECK(p[5 * PG + 1] == 'a' + (5 * PG + 1) % 26);
    struct atlas_vmstat after = counters();
    CHECK(after.major_faults > dropped.major_faults);
    CHECK(after.disk_read_requests > dropped.disk_read_requests);
    CHECK(byte_in_file("mft_dontneed", 3 * PG) == 'X');
    CHECK(posix_fadvise(fd, 0, 0, 99) == EINVAL);
    CHECK(posix_fadvise(-1, 0, 0, POSIX_FADV_DONTNEED) == EBADF);
    munmap(p, 8 * PG);
    close(fd);
    unlink("mft_dontneed");
    return 0;
}

static int madvise_willneed_reads_the_range_ahead_so_touches_are_minor_faults(void)
{
    int fd = make_file("mft_willneed", 64 * PG);
    CHECK(fd >= 0);
    CHECK(fsync(fd) == 0);
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    char* p = map_fd(64 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    struct atlas_vmstat before = counters();
    CHECK(madvise(p, 64 * PG, MADV_WILLNEED) == 0);
    struct atlas_vmstat advised = counters();
    CHECK(advised.cached_pages >= before.cached_pages + 64);
    /* 64 pages of adjacent blocks: a handful of large requests, not one per page. */
    CHECK(advised.disk_read_requests - before.disk_read_requests <= 8);
    for (unsigned long i = 0; i < 64; i++)
        CHECK(p[i * PG + 7] == 'a' + (i * PG + 7) % 26);
    struct atlas_vmstat touched = counters();
    CHECK(touched.major_faults == advised.major_faults);
    CHECK(touched.disk_read_requests == advised.disk_read_requests);
    munmap(p, 64 * PG);
    close(fd);
    unlink("mft_willneed");
    return 0;
}

static int sequential_faults_read_ahead_in_growing_requests(void)
{
    int fd = make_file("mft_stream", 256 * PG);
    CHECK(fd >= 0);
    CHECK(fsync(fd) == 0);
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    char* p = map_fd(256 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    struct atlas_vmstat before = counters();
    unsigned long sum = 0;
    for (unsigned long i = 0; i < 256; i++)
        sum += (unsigned char)p[i * PG];
    CHECK(sum > 0);
    struct atlas_vmstat after = counters();
    unsigned long requests = after.disk_read_requests - before.disk_read_requests;
    unsigned long bytes = after.disk_read_bytes - before.disk_read_bytes;
    CHECK(after.readahead_pages - before.readahead_pages >= 200);
    CHECK(requests > 0 && requests <= 16);   /* 1 MiB in requests of up to 128 KiB. */
    CHECK(bytes >= 256 * PG);
    CHECK(after.major_faults - before.major_faults <= 16);
    munmap(p, 256 * PG);
    close(fd);
    unlink("mft_stream");
    return 0;
}

static int read_fault_maps_cached_neighbours_so_they_take_no_fault(void)
{
    int fd = make_file("mft_around", 32 * PG);
    CHECK(fd >= 0);
    static char buffer[32 * PG];
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buffer, sizeof(buffer)) == (long)sizeof(buffer));
    char* p = map_fd(32 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    /* The window is the 64 KiB-aligned block of 16 pages holding the fault, clipped to the
     * mapping: w is the first whole window inside the 32-page mapping. */
    unsigned long first = (((unsigned long)p + 16 * PG - 1) & ~(16 * PG - 1)) - (unsigned long)p;
    char* w = p + first;
    CHECK(first % PG == 0 && first + 16 * PG <= 32 * PG);
    unsigned long base = first;  /* w's offset in the file. */
    struct atlas_vmstat before = counters();
    CHECK(w[0] == 'a' + base % 26);  /* One fault: it maps the cached neighbours too. */
    struct atlas_vmstat faulted = counters();
    CHECK(faulted.minor_faults + faulted.major_faults == before.minor_faults + before.major_faults + 1);
    for (unsigned long i = 1; i < 16; i++)
        CHECK(w[i * PG + 3] == 'a' + (base + i * PG + 3) % 26);
    struct atlas_vmstat around = counters();
    CHECK(around.minor_faults == faulted.minor_faults && around.major_faults == faulted.major_faults);
    /* Neighbours are mapped read-only: the first store still faults, and dirties the page. */
    w[5 * PG] = 'W';
    struct atlas_vmstat stored = counters();
    CHECK(stored.minor_faults == around.minor_faults + 1);
    CHECK(munmap(p, 32 * PG) == 0);
    CHECK(byte_in_file("mft_around", (off_t)(base + 5 * PG)) == 'W');
    close(fd);
    unlink("mft_around");
    return 0;
}

static int random_faults_read_no_more_than_they_touch(void)
{
    int fd = make_file("mft_random", 512 * PG);
    CHECK(fd >= 0);
    CHECK(fsync(fd) == 0);
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    char* p = map_fd(512 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != NULL);
    struct atlas_vmstat before = counters();
    /* Strided, never sequential: readahead must stay at one page per miss. */
    for (unsigned long i = 1; i < 512; i += 37)
        CHECK(p[i * PG] == 'a' + (i * PG) % 26);
    struct atlas_vmstat after = counters();
    CHECK(after.readahead_pages == before.readahead_pages);
    munmap(p, 512 * PG);
    close(fd);
    unlink("mft_random");
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(file_mapping_errors),
    TEST(shared_store_is_visible_to_read_at_once),
    TEST(write_is_visible_through_the_mapping),
    TEST(two_mappings_of_one_file_alias),
    TEST(parent_and_child_share_pages),
    TEST(munmap_writes_back),
    TEST(munmap_writes_back_a_mapping_made_read_only_after_its_stores),
    TEST(exit_writes_back),
    TEST(msync_writes_back_and_later_stores_are_kept),
    TEST(page_beyond_end_of_file_kills_with_sigbus),
    TEST(end_of_file_tail_reads_zero_and_never_reaches_the_file),
    TEST(mapping_survives_close_and_unlink),
    TEST(read_and_write_with_a_buffer_in_an_untouched_mapping),
    TEST(mprotect_write_on_shared_read_only_descriptor_gives_eacces),
    TEST(private_stores_stay_out_of_the_file_and_other_mappings),
    TEST(private_stores_never_reach_the_file_after_exit),
    TEST(private_mapping_of_read_only_descriptor_can_be_written),
    TEST(private_pages_are_copy_on_write_across_fork),
    TEST(dontneed_reverts_a_private_page_to_the_file),
    TEST(private_page_beyond_end_of_file_kills_with_sigbus),
    TEST(fadvise_dontneed_drops_mapped_pages_and_they_come_back_from_the_disk),
    TEST(madvise_willneed_reads_the_range_ahead_so_touches_are_minor_faults),
    TEST(sequential_faults_read_ahead_in_growing_requests),
    TEST(read_fault_maps_cached_neighbours_so_they_take_no_fault),
    TEST(random_faults_read_no_more_than_they_touch),
};
int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
