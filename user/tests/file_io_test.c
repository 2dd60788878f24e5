/* file_io_test: read() and write() copy straight between the page cache and user memory,
 * and pread, pwrite, readv and writev (docs/storage.md, "read() and write()").
 *
 * The direct copy: a buffer mapped MAP_SHARED from the very file being read or written
 * works (the copy faults on the file's own pages with no lock of the file held), so does
 * an untouched anonymous buffer (faulted in by the copy); a PROT_NONE buffer is EFAULT with
 * nothing consumed; a write whose source faults part way writes exactly the bytes that
 * arrived, in the cache and on the disk (checked again after the cached pages are dropped),
 * the rest of their page keeping its old bytes. Positioned and vectored calls: offsets,
 * errnos, O_APPEND, a bad segment in the middle. Races on two harts: reads against
 * truncation see only the file's bytes or zeros, and a write against truncation never
 * brings truncated bytes back.
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   file_io_test            run every test
 *   file_io_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define PG 4096ul

/* The byte at `offset` of the pattern files: never the same for two offsets a page apart. */
static unsigned char pattern_byte(size_t offset) { return (unsigned char)(offset * 7 + offset / PG + 1); }

/* The byte at `offset` of what the tests write over it: never equal to the pattern's. */
static unsigned char new_byte(size_t offset) { return (unsigned char)(pattern_byte(offset) ^ 0x5a); }

/* Makes `path` hold `length` pattern bytes and opens it read-write at offset 0; -1 on
 * failure. */
static int pattern_file(const char* path, size_t length)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0)
        return -1;
    static unsigned char chunk[PG];
    for (size_t done = 0; done < length; done += PG) {
        size_t piece = length - done < PG ? length - done : PG;
        for (size_t i = 0; i < piece; ++i)
            chunk[i] = pattern_byte(done + i);
        if (write(fd, chunk, piece) != (long)piece)
            return -1;
    }
    return lseek(fd, 0, SEEK_SET) == 0 ? fd : -1;
}

static int is_pattern(const unsigned char* bytes, size_t offset, size_t length)
{
    for (size_t i = 0; i < length; ++i)
        if (bytes[i] != pattern_byte(offset + i))
            return 0;
    return 1;
}

static int is_new(const unsigned char* bytes, size_t offset, size_t length)
{
    for (size_t i = 0; i < length; ++i)
        if (bytes[i] != new_byte(offset + i))
            return 0;
    return 1;
}

static int is_zero(const unsigned char* bytes, size_t length)
{
    for (size_t i = 0; i < length; ++i)
        if (bytes[i] != 0)
            return 0;
    return 1;
}

static long offset_of(int fd) { return (long)lseek(fd, 0, SEEK_CUR); }

static long size_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

/* Two pages, the first read-write, the second PROT_NONE: a buffer that ends `n` bytes
   before the second page faults after exactly n bytes. NULL on failure. */
static unsigned char* page_then_hole(void)
{
    void* p = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (mprotect((char*)p + PG, PG, PROT_NONE) != 0)
        return NULL;
    return (unsigned char*)p;
}

/* Reads [offset, offset + length) of `fd` from the disk, not the cache: the file's cached
 * pages are written back and dropped first. Returns 0 on success. */
static int read_from_disk(int fd, unsigned char* out, size_t length, size_t offset)
{
    if (fsync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
        return -1;
    return pread(fd, out, length, (off_t)offset) == (long)length ? 0 : -1;
}

static unsigned char s_back[16 * PG];

/* --- the direct copy and the buffers it copies to or from --- */

static int read_into_a_map_shared_buffer_of_the_same_file_works(void)
{
    int fd = pattern_file("fio_map_read", 8 * PG);
    CHECK(fd >= 0);
    /* Pages 4..7 of the file, mapped and not yet touched: read() of pages 0..3 into them
       faults each in through the file's own page cache during the copy. */
    unsigned char* map = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4 * PG);
    CHECK(map != MAP_FAILED);
    CHECK(read(fd, map + 100, 4 * PG - 100) == (long)(4 * PG - 100));
    CHECK(offset_of(fd) == (long)(4 * PG - 100));
    CHECK(is_pattern(map + 100, 0, 4 * PG - 100));
    /* The stores went into the file's pages: read() sees them. */
    CHECK(pread(fd, s_back, 4 * PG, 4 * PG) == (long)(4 * PG));
    CHECK(is_pattern(s_back, 4 * PG, 100) && is_pattern(s_back + 100, 0, 4 * PG - 100));
    /* Reading a page into its own mapping leaves it as it is. */
    CHECK(pread(fd, map, PG, 4 * PG) == (long)PG);
    CHECK(is_pattern(map, 4 * PG, 100) && is_pattern(map + 100, 0, PG - 100));
    CHECK(munmap(map, 4 * PG) == 0);
    close(fd);
    unlink("fio_map_read");
    return 0;
}

static int write_from_a_map_shared_buffer_of_the_same_file_works(void)
{
    int fd = pattern_file("fio_map_write", 8 * PG);
    CHECK(fd >= 0);
    unsigned char* map = mmap(0, 8 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    /* Pages 0..3 (untouched) written over pages 3..6: the source's last page is the
       destination's first, and every source page faults in during the copy. */
    CHECK(pwrite(fd, map + 10, 4 * PG, 3 * PG + 10) == (long)(4 * PG));
    CHECK(pread(fd, s_back, 8 * PG, 0) == (long)(8 * PG));
    CHECK(is_pattern(s_back, 0, 3 * PG + 10));
    /* The copy runs from the first byte to the last, so the source's first 3 pages arrive
       as they were (its last page was partly overwritten by then: not checked). */
    CHECK(is_pattern(s_back + 3 * PG + 10, 10, 3 * PG - 10));
    CHECK(is_pattern(s_back + 7 * PG + 10, 7 * PG + 10, PG - 10));
    CHECK(map[7 * PG + 20] == pattern_byte(7 * PG + 20));
    CHECK(munmap(map, 8 * PG) == 0);
    /* And it is on the disk too. */
    CHECK(read_from_disk(fd, s_back, PG, 5 * PG) == 0);
    CHECK(is_pattern(s_back, 2 * PG, PG));
    close(fd);
    unlink("fio_map_write");
    return 0;
}

static int read_into_an_untouched_anonymous_mapping_faults_it_in(void)
{
    int fd = pattern_file("fio_anon", 6 * PG);
    CHECK(fd >= 0);
    unsigned char* buffer = mmap(0, 6 * PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    CHECK(buffer != MAP_FAILED);
    CHECK(read(fd, buffer, 3 * PG) == (long)(3 * PG));
    CHECK(is_pattern(buffer, 0, 3 * PG));
    /* Unaligned (the byte-at-a-time copy), into pages not touched yet either. */
    CHECK(read(fd, buffer + 3 * PG + 1, 3 * PG - 1) == (long)(3 * PG - 1));
    CHECK(is_pattern(buffer + 3 * PG + 1, 3 * PG, 3 * PG - 1));
    close(fd);
    unlink("fio_anon");
    return 0;
}

static int read_into_prot_none_is_efault_and_consumes_nothing(void)
{
    int fd = pattern_file("fio_none", 3 * PG);
    CHECK(fd >= 0);
    unsigned char* buffer = mmap(0, 2 * PG, PROT_NONE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    CHECK(buffer != MAP_FAILED);
    CHECK(lseek(fd, 5, SEEK_SET) == 5);
    CHECK_ERRNO(read(fd, buffer, 2 * PG), EFAULT);
    CHECK(offset_of(fd) == 5);
    struct iovec segments[1] = { { buffer, PG } };
    CHECK_ERRNO(readv(fd, segments, 1), EFAULT);
    CHECK_ERRNO(pread(fd, buffer, PG, 0), EFAULT);
    CHECK(offset_of(fd) == 5);
    /* A buffer ending in the PROT_NONE page gets exactly what fits before it. */
    unsigned char* half = page_then_hole();
    CHECK(half != NULL);
    CHECK(read(fd, half + PG - 300, PG) == 300);
    CHECK(is_pattern(half + PG - 300, 5, 300) && offset_of(fd) == 305);
    close(fd);
    unlink("fio_none");
    return 0;
}

/* Fills the valid page of a page_then_hole() buffer with new bytes for file offset
   `offset` onwards, where buffer[PG - valid] is the first byte written. */
static void fill_new(unsigned char* buffer, size_t valid, size_t offset)
{
    for (size_t i = 0; i < valid; ++i)
        buffer[PG - valid + i] = new_byte(offset + i);
}

static int write_faulting_halfway_stores_exactly_the_bytes_that_arrived(void)
{
    int fd = pattern_file("fio_half", 4 * PG);
    CHECK(fd >= 0);
    unsigned char* buffer = page_then_hole();
    CHECK(buffer != NULL);
    /* Into cached pages, from the middle of page 0: 1000 bytes arrive. */
    fill_new(buffer, 1000, 100);
    CHECK(pwrite(fd, buffer + PG - 1000, 3 * PG, 100) == 1000);
    CHECK(size_of(fd) == (long)(4 * PG));
    CHECK(pread(fd, s_back, 4 * PG, 0) == (long)(4 * PG));
    CHECK(is_pattern(s_back, 0, 100) && is_new(s_back + 100, 100, 1000) &&
          is_pattern(s_back + 1100, 1100, 4 * PG - 1100));
    /* Into a page that is not cached and that the write covers whole: the rest of the page
       keeps the file's bytes (they come from the disk). */
    CHECK(fsync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    fill_new(buffer, 1500, 2 * PG);
    CHECK(pwrite(fd, buffer + PG - 1500, 2 * PG, 2 * PG) == 1500);
    CHECK(pread(fd, s_back, PG, 2 * PG) == (long)PG);
    CHECK(is_new(s_back, 2 * PG, 1500) && is_pattern(s_back + 1500, 2 * PG + 1500, PG - 1500));
    /* The same bytes are on the disk. */
    CHECK(read_from_disk(fd, s_back, 4 * PG, 0) == 0);
    CHECK(is_pattern(s_back, 0, 100) && is_new(s_back + 100, 100, 1000) &&
          is_pattern(s_back + 1100, 1100, 2 * PG - 1100));
    CHECK(is_new(s_back + 2 * PG, 2 * PG, 1500) && is_pattern(s_back + 2 * PG + 1500, 2 * PG + 1500, 2 * PG - 1500));
    close(fd);
    unlink("fio_half");
    return 0;
}

static int write_faulting_halfway_past_the_end_grows_the_file_by_what_arrived(void)
{
    int fd = pattern_file("fio_grow", PG + 500);
    CHECK(fd >= 0);
    unsigned char* buffer = page_then_hole();
    CHECK(buffer != NULL);
    /* A gap of 300 bytes after the end, then 700 bytes that arrive of 2 pages asked. */
    fill_new(buffer, 700, PG + 800);
    CHECK(pwrite(fd, buffer + PG - 700, 2 * PG, PG + 800) == 700);
    CHECK(size_of(fd) == (long)(PG + 1500));
    CHECK(pread(fd, s_back, 4 * PG, 0) == (long)(PG + 1500));
    CHECK(is_pattern(s_back, 0, PG + 500) && is_zero(s_back + PG + 500, 300) && is_new(s_back + PG + 800, PG + 800, 700));
    /* A write that takes nothing changes nothing. */
    CHECK_ERRNO(pwrite(fd, buffer + PG, 100, 3 * PG), EFAULT);
    CHECK(size_of(fd) == (long)(PG + 1500));
    /* The disk agrees, and the page's bytes past the end never show up later. */
    CHECK(read_from_disk(fd, s_back, PG + 1500, 0) == 0);
    CHECK(is_pattern(s_back, 0, PG + 500) && is_zero(s_back + PG + 500, 300) && is_new(s_back + PG + 800, PG + 800, 700));
    CHECK(ftruncate(fd, 3 * PG) == 0);
    CHECK(pread(fd, s_back, PG, 2 * PG) == (long)PG && is_zero(s_back, PG));
    CHECK(pread(fd, s_back, PG, PG) == (long)PG && is_zero(s_back + 1500, PG - 1500));
    close(fd);
    unlink("fio_grow");
    return 0;
}

/* --- pread, pwrite --- */

static int pread_and_pwrite_use_their_offset_and_leave_the_files(void)
{
    int fd = pattern_file("fio_pos", 3 * PG);
    CHECK(fd >= 0);
    CHECK(lseek(fd, 77, SEEK_SET) == 77);
    unsigned char bytes[200];
    CHECK(pread(fd, bytes, sizeof(bytes), PG + 3) == (long)sizeof(bytes));
    CHECK(is_pattern(bytes, PG + 3, sizeof(bytes)));
    CHECK(offset_of(fd) == 77);
    for (size_t i = 0; i < sizeof(bytes); ++i)
        bytes[i] = new_byte(2 * PG + i);
    CHECK(pwrite(fd, bytes, sizeof(bytes), 2 * PG) == (long)sizeof(bytes));
    CHECK(offset_of(fd) == 77);
    CHECK(pread(fd, s_back, PG, 2 * PG) == (long)PG);
    CHECK(is_new(s_back, 2 * PG, 200) && is_pattern(s_back + 200, 2 * PG + 200, PG - 200));
    /* At and past the end: 0; a short read at the end. */
    CHECK(pread(fd, bytes, sizeof(bytes), 3 * PG) == 0);
    CHECK(pread(fd, bytes, sizeof(bytes), 100 * PG) == 0);
    CHECK(pread(fd, bytes, sizeof(bytes), 3 * PG - 50) == 50);
    /* pwrite past the end leaves a hole of zeros. */
    CHECK(pwrite(fd, bytes, 10, 5 * PG) == 10);
    CHECK(size_of(fd) == (long)(5 * PG + 10));
    CHECK(pread(fd, s_back, 2 * PG, 3 * PG) == (long)(2 * PG) && is_zero(s_back, 2 * PG));
    CHECK(offset_of(fd) == 77);
    close(fd);
    unlink("fio_pos");
    return 0;
}

static int pread_and_pwrite_errnos(void)
{
    int fd = pattern_file("fio_errno", PG);
    CHECK(fd >= 0);
    unsigned char byte = 0;
    CHECK_ERRNO(pread(fd, &byte, 1, -1), EINVAL);
    CHECK_ERRNO(pwrite(fd, &byte, 1, -PG), EINVAL);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK_ERRNO(pread(fds[0], &byte, 1, 0), ESPIPE);
    CHECK_ERRNO(pwrite(fds[1], &byte, 1, 0), ESPIPE);
    CHECK_ERRNO(pread(0, &byte, 1, 0), ESPIPE);   /* The console. */
    CHECK_ERRNO(pwrite(1, &byte, 1, 0), ESPIPE);
    CHECK_ERRNO(pread(99, &byte, 1, 0), EBADF);
    CHECK_ERRNO(pread(fds[1], &byte, 1, -1), EINVAL);  /* The offset is checked first. */
    int read_only = open("fio_errno", O_RDONLY);
    CHECK(read_only >= 0);
    CHECK_ERRNO(pwrite(read_only, &byte, 1, 0), EBADF);
    CHECK_ERRNO(pread(fd, NULL, 1, 0), EFAULT);
    int directory = open(".", O_RDONLY);
    CHECK(directory >= 0);
    CHECK_ERRNO(pread(directory, &byte, 1, 0), EISDIR);
    close(directory);
    close(read_only);
    close(fds[0]);
    close(fds[1]);
    close(fd);
    unlink("fio_errno");
    return 0;
}

static int pwrite_on_an_append_file_appends_as_on_linux(void)
{
    int fd = pattern_file("fio_append", 1000);
    CHECK(fd >= 0);
    close(fd);
    fd = open("fio_append", O_RDWR | O_APPEND);
    CHECK(fd >= 0);
    unsigned char bytes[50];
    memset(bytes, 0xee, sizeof(bytes));
    CHECK(pwrite(fd, bytes, sizeof(bytes), 10) == (long)sizeof(bytes));
    CHECK(size_of(fd) == 1050);
    CHECK(offset_of(fd) == 0);
    CHECK(pread(fd, s_back, 1050, 0) == 1050);
    CHECK(is_pattern(s_back, 0, 1000) && s_back[1000] == 0xee && s_back[1049] == 0xee);
    /* write() appends too, and moves the offset to the new end. */
    CHECK(write(fd, bytes, 10) == 10 && offset_of(fd) == 1060);
    close(fd);
    unlink("fio_append");
    return 0;
}

/* --- readv, writev --- */

static int writev_and_readv_move_every_segment_in_order(void)
{
    int fd = open("fio_vec", O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0);
    static unsigned char a[3000], c[2 * PG + 5];
    unsigned char b[1];
    for (size_t i = 0; i < sizeof(a); ++i)
        a[i] = pattern_byte(i);
    b[0] = pattern_byte(sizeof(a));
    for (size_t i = 0; i < sizeof(c); ++i)
        c[i] = pattern_byte(sizeof(a) + 1 + i);
    struct iovec out[4] = { { a, sizeof(a) }, { NULL, 0 }, { b, 1 }, { c, sizeof(c) } };
    long total = (long)(sizeof(a) + 1 + sizeof(c));
    CHECK(writev(fd, out, 4) == total);
    CHECK(offset_of(fd) == total && size_of(fd) == total);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    static unsigned char x[100], y[5000], z[2 * PG];
    struct iovec in[3] = { { x, sizeof(x) }, { y, sizeof(y) }, { z, sizeof(z) } };
    /* Short at the end of file, in the last segment. */
    CHECK(readv(fd, in, 3) == total);
    CHECK(is_pattern(x, 0, sizeof(x)) && is_pattern(y, sizeof(x), sizeof(y)) &&
          is_pattern(z, sizeof(x) + sizeof(y), (size_t)total - sizeof(x) - sizeof(y)));
    CHECK(readv(fd, in, 3) == 0);
    CHECK(readv(fd, in, 0) == 0);
    /* On a pipe too. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    struct iovec small[2] = { { a, 10 }, { b, 1 } };
    CHECK(writev(fds[1], small, 2) == 11);
    unsigned char got[11];
    struct iovec split[2] = { { got, 4 }, { got + 4, 7 } };
    CHECK(readv(fds[0], split, 2) == 11 && is_pattern(got, 0, 10) && got[10] == b[0]);
    close(fds[0]);
    close(fds[1]);
    close(fd);
    unlink("fio_vec");
    return 0;
}

static int writev_and_readv_of_one_segment_move_all_of_it(void)
{
    int fd = open("fio_vec1", O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0);
    static unsigned char out[PG + 100], in[PG + 100];
    for (size_t i = 0; i < sizeof(out); ++i)
        out[i] = pattern_byte(i);
    struct iovec one_out = { out, sizeof(out) };
    CHECK(writev(fd, &one_out, 1) == (long)sizeof(out));
    CHECK(size_of(fd) == (long)sizeof(out));
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    struct iovec one_in = { in, sizeof(in) };
    CHECK(readv(fd, &one_in, 1) == (long)sizeof(in) && is_pattern(in, 0, sizeof(in)));
    /* A pipe, too. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    struct iovec few = { out, 10 };
    CHECK(writev(fds[1], &few, 1) == 10);
    unsigned char got[10];
    struct iovec into = { got, sizeof(got) };
    CHECK(readv(fds[0], &into, 1) == 10 && is_pattern(got, 0, 10));
    close(fds[0]);
    close(fds[1]);
    close(fd);
    unlink("fio_vec1");
    return 0;
}

static int readv_and_writev_stop_at_a_bad_segment_in_the_middle(void)
{
    int fd = pattern_file("fio_vbad", 4 * PG);
    CHECK(fd >= 0);
    unsigned char* none = mmap(0, PG, PROT_NONE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    CHECK(none != MAP_FAILED);
    static unsigned char first[1000], last[1000];
    struct iovec in[3] = { { first, sizeof(first) }, { none, PG }, { last, sizeof(last) } };
    CHECK(readv(fd, in, 3) == (long)sizeof(first));
    CHECK(is_pattern(first, 0, sizeof(first)) && offset_of(fd) == (long)sizeof(first));
    /* writev: the first segment is written, nothing after the bad one. */
    for (size_t i = 0; i < sizeof(first); ++i)
        first[i] = new_byte(PG + i);
    memset(last, 0, sizeof(last));
    struct iovec out[3] = { { first, sizeof(first) }, { none, PG }, { last, sizeof(last) } };
    CHECK(lseek(fd, PG, SEEK_SET) == (long)PG);
    CHECK(writev(fd, out, 3) == (long)sizeof(first));
    CHECK(offset_of(fd) == (long)(PG + sizeof(first)));
    CHECK(pread(fd, s_back, 2 * PG, PG) == (long)(2 * PG));
    CHECK(is_new(s_back, PG, sizeof(first)) && is_pattern(s_back + sizeof(first), PG + sizeof(first), 2 * PG - sizeof(first)));
    /* A bad first segment: EFAULT, nothing consumed. */
    struct iovec bad_first[2] = { { none, 10 }, { first, 10 } };
    CHECK_ERRNO(readv(fd, bad_first, 2), EFAULT);
    CHECK(offset_of(fd) == (long)(PG + sizeof(first)));
    close(fd);
    unlink("fio_vbad");
    return 0;
}

static int readv_and_writev_errnos(void)
{
    int fd = pattern_file("fio_verr", PG);
    CHECK(fd >= 0);
    unsigned char byte;
    struct iovec one = { &byte, 1 };
    CHECK_ERRNO(readv(fd, &one, -1), EINVAL);
    CHECK_ERRNO(readv(fd, &one, IOV_MAX + 1), EINVAL);
    CHECK_ERRNO(writev(fd, &one, IOV_MAX + 1), EINVAL);
    struct iovec huge[2] = { { &byte, (size_t)SSIZE_MAX }, { &byte, 1 } };
    CHECK_ERRNO(readv(fd, huge, 2), EINVAL);
    struct iovec too_long = { &byte, (size_t)SSIZE_MAX + 1 };
    CHECK_ERRNO(writev(fd, &too_long, 1), EINVAL);
    CHECK_ERRNO(readv(fd, NULL, 1), EFAULT);
    CHECK_ERRNO(readv(fd, (struct iovec*)8, 2), EFAULT);
    struct iovec kernel = { (void*)0xffffffc000000000ul, 1 };
    CHECK_ERRNO(writev(fd, &kernel, 1), EFAULT);
    CHECK_ERRNO(readv(77, &one, 1), EBADF);
    int read_only = open("fio_verr", O_RDONLY);
    CHECK(read_only >= 0);
    CHECK_ERRNO(writev(read_only, &one, 1), EBADF);
    /* IOV_MAX segments are fine (1024 one-byte reads in one call). */
    static struct iovec many[IOV_MAX];
    static unsigned char bytes[IOV_MAX];
    for (int i = 0; i < IOV_MAX; ++i)
        many[i] = (struct iovec){ &bytes[i], 1 };
    CHECK(readv(read_only, many, IOV_MAX) == IOV_MAX && is_pattern(bytes, 0, IOV_MAX));
    CHECK(offset_of(fd) == 0);
    close(read_only);
    close(fd);
    unlink("fio_verr");
    return 0;
}

/* --- races on two harts --- */

static int read_racing_truncation_sees_only_the_files_bytes_or_zeros(void)
{
    int fd = pattern_file("fio_rtrunc", 8 * PG);
    CHECK(fd >= 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        /* Shrinks the file (to nothing, and into the middle of a page) and grows it back
           with the pattern, over and over. */
        static unsigned char chunk[8 * PG];
        for (size_t i = 0; i < sizeof(chunk); ++i)
            chunk[i] = pattern_byte(i);
        for (int round = 0; round < 150; ++round) {
            if (ftruncate(fd, round % 2 ? 0 : (off_t)(3 * PG + 123)) != 0)
                _exit(2);
            if (pwrite(fd, chunk, sizeof(chunk), 0) != (long)sizeof(chunk))
                _exit(3);
        }
        _exit(0);
    }
    int bad = 0;
    long reads = 0;
    for (;;) {
        int status;
        pid_t done = waitpid(child, &status, WNOHANG);
        long got = pread(fd, s_back, 8 * PG, 0);
        if (got < 0 || got > (long)(8 * PG))
            bad = 1;
        for (long i = 0; i < got && !bad; ++i)
            if (s_back[i] != pattern_byte((size_t)i) && s_back[i] != 0)
                bad = 1;
        ++reads;
        if (done == child) {
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            break;
        }
        CHECK(done == 0);
    }
    CHECK(!bad && reads > 0);
    CHECK(pread(fd, s_back, 8 * PG, 0) == (long)(8 * PG) && is_pattern(s_back, 0, 8 * PG));
    close(fd);
    unlink("fio_rtrunc");
    return 0;
}

static int write_racing_truncation_never_brings_truncated_bytes_back(void)
{
    int fd = pattern_file("fio_wtrunc", 4 * PG);
    CHECK(fd >= 0);
    /* The middle half of page 3: a page a write has looked up holds old bytes around the
       new ones, which must not reach the file once a truncation has dropped them. */
    static unsigned char data[PG / 2];
    for (size_t i = 0; i < PG / 2; ++i)
        data[i] = new_byte(3 * PG + PG / 4 + i);
    for (int round = 0; round < 60; ++round) {
        /* The file holds the pattern, all cached; then one process shrinks it to 100 bytes
           while the other writes into its last page. */
        CHECK(ftruncate(fd, 0) == 0);
        static unsigned char chunk[4 * PG];
        for (size_t i = 0; i < sizeof(chunk); ++i)
            chunk[i] = pattern_byte(i);
        CHECK(pwrite(fd, chunk, sizeof(chunk), 0) == (long)sizeof(chunk));
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0)
            _exit(ftruncate(fd, 100) == 0 ? 0 : 1);
        CHECK(pwrite(fd, data, PG / 2, 3 * PG + PG / 4) == (long)(PG / 2));
        int status;
        CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        long size = size_of(fd);
        long written_end = (long)(3 * PG + 3 * PG / 4);
        /* Either order is right; bytes of the old pattern past 100 never come back. */
        CHECK(size == 100 || size == written_end);
        CHECK(pread(fd, s_back, 4 * PG, 0) == size);
        CHECK(is_pattern(s_back, 0, 100));
        if (size == written_end) {
            CHECK(is_zero(s_back + 100, 3 * PG + PG / 4 - 100));
            CHECK(is_new(s_back + 3 * PG + PG / 4, 3 * PG + PG / 4, PG / 2));
            /* And on the disk. */
            CHECK(read_from_disk(fd, s_back, (size_t)size, 0) == 0);
            CHECK(is_pattern(s_back, 0, 100) && is_zero(s_back + 100, 3 * PG + PG / 4 - 100));
        }
    }
    close(fd);
    unlink("fio_wtrunc");
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(read_into_a_map_shared_buffer_of_the_same_file_works),
    TEST(write_from_a_map_shared_buffer_of_the_same_file_works),
    TEST(read_into_an_untouched_anonymous_mapping_faults_it_in),
    TEST(read_into_prot_none_is_efault_and_consumes_nothing),
    TEST(write_faulting_halfway_stores_exactly_the_bytes_that_arrived),
    TEST(write_faulting_halfway_past_the_end_grows_the_file_by_what_arrived),
    TEST(pread_and_pwrite_use_their_offset_and_leave_the_files),
    TEST(pread_and_pwrite_errnos),
    TEST(pwrite_on_an_append_file_appends_as_on_linux),
    TEST(writev_and_readv_move_every_segment_in_order),
    TEST(writev_and_readv_of_one_segment_move_all_of_it),
    TEST(readv_and_writev_stop_at_a_bad_segment_in_the_middle),
    TEST(readv_and_writev_errnos),
    TEST(read_racing_truncation_sees_only_the_files_bytes_or_zeros),
    TEST(write_racing_truncation_never_brings_truncated_bytes_back),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
