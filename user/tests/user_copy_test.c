/* user_copy_test: system calls that copy to or from user memory consume exactly what they
 * report. A read() whose buffer faults part way returns the bytes that arrived and moves
 * the offset (or takes pipe bytes, or passes directory records) by just those; one that
 * copies nothing fails with EFAULT and consumes nothing; a write() whose source faults part
 * way writes exactly what it reports. Also: waitpid(WNOHANG) that reaps nothing leaves the
 * status alone, and fsync on a pipe or the console is EINVAL (docs/processes.md).
 * Descriptors 0 and 1 must be the console (as for the first process and atlas-run).
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   user_copy_test            run every test
 *   user_copy_test NAME...    run the tests whose names contain one of the NAMEs */
#include <dirent.h>
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

#include "harness.h"

#define PG 4096ul

/* The byte at `offset` of the pattern files: never the same for two offsets a page apart. */
static unsigned char pattern_byte(size_t offset) { return (unsigned char)(offset * 7 + offset / PG); }

/* Makes `path` with `length` pattern bytes and opens it for reading; -1 on failure. */
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
    if (lseek(fd, 0, SEEK_SET) != 0)
        return -1;
    return fd;
}

static int is_pattern(const unsigned char* bytes, size_t offset, size_t length)
{
    for (size_t i = 0; i < length; ++i)
        if (bytes[i] != pattern_byte(offset + i))
            return 0;
    return 1;
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

static long offset_of(int fd) { return (long)lseek(fd, 0, SEEK_CUR); }

/* --- read() from a file --- */

static int file_read_faulting_after_a_page_returns_it_and_the_next_read_goes_on(void)
{
    int fd = pattern_file("uc_read1", 3 * PG);
    unsigned char* buffer = page_then_hole();
    CHECK(fd >= 0 && buffer != NULL);
    CHECK(read(fd, buffer, 2 * PG) == (long)PG);
    CHECK(is_pattern(buffer, 0, PG));
    CHECK(offset_of(fd) == (long)PG);
    static unsigned char next[2 * PG];
    CHECK(read(fd, next, 2 * PG) == (long)(2 * PG));
    CHECK(is_pattern(next, PG, 2 * PG));
    close(fd);
    unlink("uc_read1");
    return 0;
}

static int file_read_faulting_mid_page_counts_every_byte_that_arrived(void)
{
    int fd = pattern_file("uc_read2", 3 * PG);
    unsigned char* buffer = page_then_hole();
    CHECK(fd >= 0 && buffer != NULL);
    CHECK(lseek(fd, 100, SEEK_SET) == 100);
    /* 1000 bytes of room before the hole, a request that spans chunks. */
    CHECK(read(fd, buffer + PG - 1000, 2 * PG) == 1000);
    CHECK(is_pattern(buffer + PG - 1000, 100, 1000));
    CHECK(offset_of(fd) == 1100);
    unsigned char next[16];
    CHECK(read(fd, next, sizeof(next)) == (long)sizeof(next));
    CHECK(is_pattern(next, 1100, sizeof(next)));
    close(fd);
    unlink("uc_read2");
    return 0;
}

static int file_read_that_copies_nothing_is_efault_and_leaves_the_offset(void)
{
    int fd = pattern_file("uc_read3", 2 * PG);
    unsigned char* buffer = page_then_hole();
    CHECK(fd >= 0 && buffer != NULL);
    CHECK(lseek(fd, 10, SEEK_SET) == 10);
    CHECK_ERRNO(read(fd, buffer + PG, 100), EFAULT);
    CHECK(offset_of(fd) == 10);
    CHECK_ERRNO(read(fd, NULL, 100), EFAULT);
    CHECK_ERRNO(read(fd, (void*)8, 100), EFAULT);
    CHECK(offset_of(fd) == 10);
    unsigned char next[8];
    CHECK(read(fd, next, sizeof(next)) == (long)sizeof(next));
    CHECK(is_pattern(next, 10, sizeof(next)));
    close(fd);
    unlink("uc_read3");
    return 0;
}

/* --- write() to a file --- */

static int file_write_from_a_half_bad_buffer_writes_exactly_what_it_reports(void)
{
    unsigned char* buffer = page_then_hole();
    CHECK(buffer != NULL);
    for (size_t i = 0; i < PG; ++i)
        buffer[i] = pattern_byte(i);
    int fd = open("uc_write1", O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, buffer + 96, 2 * PG) == (long)(PG - 96));
    CHECK(offset_of(fd) == (long)(PG - 96));
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == (long)(PG - 96));
    /* A write that takes nothing is EFAULT and leaves size and offset. */
    CHECK_ERRNO(write(fd, buffer + PG, 10), EFAULT);
    CHECK_ERRNO(write(fd, NULL, 10), EFAULT);
    CHECK(fstat(fd, &st) == 0 && st.st_size == (long)(PG - 96));
    CHECK(offset_of(fd) == (long)(PG - 96));
    static unsigned char back[PG];
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(read(fd, back, PG) == (long)(PG - 96));
    CHECK(is_pattern(back, 96, PG - 96));
    close(fd);
    unlink("uc_write1");
    return 0;
}

/* --- pipes --- */

static int pipe_read_into_prot_none_keeps_every_byte_in_the_pipe(void)
{
    unsigned char* buffer = page_then_hole();
    int fds[2];
    CHECK(buffer != NULL && pipe(fds) == 0);
    CHECK(write(fds[1], "0123456789", 10) == 10);
    CHECK_ERRNO(read(fds[0], buffer + PG, 10), EFAULT);
    struct stat st;
    CHECK(fstat(fds[0], &st) == 0 && st.st_size == 10);
    close(fds[1]);
    char back[16];
    CHECK(read(fds[0], back, sizeof(back)) == 10);
    CHECK(memcmp(back, "0123456789", 10) == 0);
    return 0;
}

static int pipe_read_faulting_part_way_takes_only_what_arrived(void)
{
    unsigned char* buffer = page_then_hole();
    int fds[2];
    CHECK(buffer != NULL && pipe(fds) == 0);
    CHECK(write(fds[1], "0123456789", 10) == 10);
    CHECK(read(fds[0], buffer + PG - 4, 10) == 4);
    CHECK(memcmp(buffer + PG - 4, "0123", 4) == 0);
    close(fds[1]);
    char back[16];
    CHECK(read(fds[0], back, sizeof(back)) == 6);
    CHECK(memcmp(back, "456789", 6) == 0);
    return 0;
}

static int pipe_read_into_null_is_efault_and_takes_nothing(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], "abc", 3) == 3);
    close(fds[1]); /* So that a pipe emptied by mistake answers 0 instead of blocking. */
    CHECK_ERRNO(read(fds[0], NULL, 3), EFAULT);
    CHECK_ERRNO(read(fds[0], (void*)100, 3), EFAULT);
    char back[4];
    CHECK(read(fds[0], back, sizeof(back)) == 3);
    CHECK(memcmp(back, "abc", 3) == 0);
    return 0;
}

/* Waits up to two seconds for child `pid`; kills it if it has not exited by then. Returns
   its exit code, or -1 if it had to be killed or did not exit normally. */
static int exit_code_within_two_seconds(int pid)
{
    int status = 0;
    int waited = 0;
    for (int i = 0; i < 200 && waited == 0; ++i) {
        waited = waitpid(pid, &status, WNOHANG);
        if (waited == 0)
            usleep(10000);
    }
    if (waited == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    return waited == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In a child: read(fd, NULL, 3) must fail with EFAULT, and at once. */
static int null_read_fails_at_once(int fd)
{
    int pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        errno = 0;
        long got = read(fd, NULL, 3);
        _exit(got == -1 && errno == EFAULT ? 0 : 1);
    }
    return exit_code_within_two_seconds(pid) == 0;
}

static int pipe_read_into_null_fails_at_once_on_an_empty_pipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    /* The check comes before the wait for bytes: with the write end open, this would
       otherwise block. */
    CHECK(null_read_fails_at_once(fds[0]));
    return 0;
}

static int pipe_write_from_a_half_bad_buffer_puts_in_exactly_what_it_reports(void)
{
    unsigned char* buffer = page_then_hole();
    int fds[2];
    CHECK(buffer != NULL && pipe(fds) == 0);
    memcpy(buffer + PG - 6, "uvwxyz", 6);
    CHECK(write(fds[1], buffer + PG - 6, 100) == 6);
    CHECK_ERRNO(write(fds[1], buffer + PG, 100), EFAULT);
    close(fds[1]);
    char back[128];
    CHECK(read(fds[0], back, sizeof(back)) == 6);
    CHECK(memcmp(back, "uvwxyz", 6) == 0);
    CHECK(read(fds[0], back, sizeof(back)) == 0);
    return 0;
}

/* Two writers and two readers share one pipe; every byte arrives exactly once (the read
   and write claims keep a reader's bytes from another reader, a writer's room from another
   writer). */
static int pipe_shared_by_two_readers_and_two_writers_delivers_every_byte_once(void)
{
    enum { kPerWriter = 40000, kPiece = 1000 };
    int data[2];
    int results[2];
    CHECK(pipe(data) == 0 && pipe(results) == 0);
    for (int r = 0; r < 2; ++r) {
        int pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            close(data[1]);
            long totals[2] = { 0, 0 }; /* Bytes, and the sum of their values. */
            unsigned char buffer[37 + 64 * r];
            long got;
            while ((got = read(data[0], buffer, sizeof(buffer))) > 0) {
                totals[0] += got;
                for (long i = 0; i < got; ++i)
                    totals[1] += buffer[i];
            }
            _exit(write(results[1], totals, sizeof(totals)) == sizeof(totals) ? 0 : 1);
        }
    }
    for (int w = 0; w < 2; ++w) {
        int pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            close(data[0]);
            unsigned char piece[kPiece];
            for (int i = 0; i < kPiece; ++i)
                piece[i] = (unsigned char)(i % 251 + w);
            for (int sent = 0; sent < kPerWriter; sent += kPiece)
                if (write(data[1], piece, kPiece) != kPiece)
                    _exit(1);
            _exit(0);
        }
    }
    close(data[0]);
    close(data[1]);
    long expected_sum = 0;
    for (int w = 0; w < 2; ++w)
        for (int i = 0; i < kPiece; ++i)
            expected_sum += (long)(i % 251 + w) * (kPerWriter / kPiece);
    long bytes = 0;
    long sum = 0;
    for (int r = 0; r < 2; ++r) {
        long totals[2];
        CHECK(read(results[0], totals, sizeof(totals)) == sizeof(totals));
        bytes += totals[0];
        sum += totals[1];
    }
    for (int i = 0; i < 4; ++i) {
        int status = 0;
        CHECK(wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(bytes == 2 * kPerWriter);
    CHECK(sum == expected_sum);
    return 0;
}

/* --- getdents --- */

/* The names of the records in `bytes` (`length` of them), joined by '/' into `out`. */
static void record_names(const unsigned char* bytes, long length, char* out, size_t capacity)
{
    out[0] = '\0';
    for (long at = 0; at < length;) {
        const struct dirent* record = (const struct dirent*)(bytes + at);
        size_t used = strlen(out);
        snprintf(out + used, capacity - used, "%s/", record->d_name);
        at += record->d_reclen;
    }
}

static int getdents_faulting_after_the_first_record_passes_only_that_record(void)
{
    CHECK(mkdir("uc_dir", 0777) == 0);
    const char* names[] = { "uc_dir/alpha", "uc_dir/beta", "uc_dir/gamma" };
    for (int i = 0; i < 3; ++i) {
        int fd = open(names[i], O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0);
        close(fd);
    }
    int dir = open("uc_dir", O_RDONLY);
    CHECK(dir >= 0);
    static unsigned char all[PG];
    long total = getdents(dir, all, sizeof(all));
    CHECK(total > 0);
    CHECK(getdents(dir, all + total, sizeof(all) - (size_t)total) == 0);
    static char expected[512];
    record_names(all, total, expected, sizeof(expected));
    unsigned short first = ((const struct dirent*)all)->d_reclen;
    CHECK(first < total);

    /* A buffer with room for the first record only, then a PROT_NONE page. */
    CHECK(lseek(dir, 0, SEEK_SET) == 0);
    unsigned char* buffer = page_then_hole();
    CHECK(buffer != NULL);
    CHECK_ERRNO(getdents(dir, buffer + PG, PG), EFAULT);
    CHECK(getdents(dir, buffer + PG - first, PG) == first);
    static unsigned char rest[PG];
    memcpy(rest, buffer + PG - first, first);
    long more = getdents(dir, rest + first, sizeof(rest) - first);
    CHECK(more == total - first);
    static char seen[512];
    record_names(rest, total, seen, sizeof(seen));
    CHECK(strcmp(seen, expected) == 0);
    close(dir);
    for (int i = 0; i < 3; ++i)
        CHECK(unlink(names[i]) == 0);
    CHECK(rmdir("uc_dir") == 0);
    return 0;
}

/* --- waitpid --- */

static int waitpid_wnohang_with_no_exited_child_leaves_status_alone(void)
{
    int gate[2];
    CHECK(pipe(gate) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char byte;
        close(gate[1]);
        (void)read(gate[0], &byte, 1); /* Until the parent closes its end. */
        _exit(7);
    }
    close(gate[0]);
    int status = 12345;
    CHECK(waitpid(pid, &status, WNOHANG) == 0);
    CHECK(status == 12345);
    unsigned char* buffer = page_then_hole();
    CHECK(buffer != NULL);
    CHECK(waitpid(pid, (int*)(buffer + PG), WNOHANG) == 0);
    CHECK(waitpid(pid, NULL, WNOHANG) == 0);
    close(gate[1]);
    /* A bad pointer for a child that has exited: EFAULT, and the child stays to be reaped. */
    CHECK_ERRNO(waitpid(pid, (int*)(buffer + PG), 0), EFAULT);
    status = 0;
    CHECK(waitpid(pid, &status, WNOHANG) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    return 0;
}

/* --- fsync --- */

static int fsync_on_a_pipe_is_einval(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK_ERRNO(fsync(fds[0]), EINVAL);
    CHECK_ERRNO(fsync(fds[1]), EINVAL);
    return 0;
}

/* --- the console (descriptors 0 to 2 of the first process, which every test inherits) ---
   A read that copies part of a line needs typed input, which a test run does not have;
   what needs none is tested here. */

static int console_is_on_descriptors_0_and_1(void)
{
    struct stat st;
    CHECK(fstat(0, &st) == 0 && S_ISCHR(st.st_mode));
    CHECK(fstat(1, &st) == 0 && S_ISCHR(st.st_mode));
    return 0;
}

static int fsync_on_the_console_is_einval(void)
{
    CHECK_ERRNO(fsync(1), EINVAL);
    return 0;
}

static int console_read_into_null_fails_at_once(void)
{
    CHECK(null_read_fails_at_once(0));
    return 0;
}

static int console_write_from_a_half_bad_buffer_writes_exactly_what_it_reports(void)
{
    unsigned char* buffer = page_then_hole();
    CHECK(buffer != NULL);
    buffer[PG - 1] = '\n';
    CHECK(write(1, buffer + PG - 1, 100) == 1);
    CHECK_ERRNO(write(1, buffer + PG, 100), EFAULT);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(file_read_faulting_after_a_page_returns_it_and_the_next_read_goes_on),
    TEST(file_read_faulting_mid_page_counts_every_byte_that_arrived),
    TEST(file_read_that_copies_nothing_is_efault_and_leaves_the_offset),
    TEST(file_write_from_a_half_bad_buffer_writes_exactly_what_it_reports),
    TEST(pipe_read_into_prot_none_keeps_every_byte_in_the_pipe),
    TEST(pipe_read_faulting_part_way_takes_only_what_arrived),
    TEST(pipe_read_into_null_is_efault_and_takes_nothing),
    TEST(pipe_read_into_null_fails_at_once_on_an_empty_pipe),
    TEST(pipe_write_from_a_half_bad_buffer_puts_in_exactly_what_it_reports),
    TEST(pipe_shared_by_two_readers_and_two_writers_delivers_every_byte_once),
    TEST(getdents_faulting_after_the_first_record_passes_only_that_record),
    TEST(waitpid_wnohang_with_no_exited_child_leaves_status_alone),
    TEST(fsync_on_a_pipe_is_einval),
    TEST(console_is_on_descriptors_0_and_1),
    TEST(fsync_on_the_console_is_einval),
    TEST(console_read_into_null_fails_at_once),
    TEST(console_write_from_a_half_bad_buffer_writes_exactly_what_it_reports),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
