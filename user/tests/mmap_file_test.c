/* mmap_file_test: MAP_SHARED file mappings over the page cache as a program sees them, one
 * test per behaviour of ../shared/spec/mmap-semantics.md that this slice implements (mmap's
 * file errors, sharing with read() and write() and between mappers, write-back on msync,
 * munmap and exit, the end of file, the file's lifetime, the open mode's limit on
 * mprotect). MAP_PRIVATE file mappings are the next slice. Each test runs in a child, so a
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

#define PG 4096ul
#define RW (PROT_READ | PROT_WRITE)

static char failure[256];

#define CHECK(condition)                                                                     \
    do {                                                                                     \
        if (!(condition)) {                                                                  \
            snprintf(failure, sizeof(failure), "line %d: %s (errno %d)", __LINE__, #condition, \
                     errno);                                                                 \
            return 1;                                                                        \
        }                                                                                    \
    } while (0)

/* An errno check: `call` must fail with -1 (or MAP_FAILED) and set errno to `code`. */
#define CHECK_ERRNO(call, code)                       \
    do {                                              \
        errno = 0;                                    \
        CHECK((long)(call) == -1 && errno == (code)); \
    } while (0)

/* A fresh file named `name` holding `size` bytes: byte i is 'a' + i % 26. Returns an
 * O_RDWR descriptor, or -1. */
static int make_file(const char* name, size_t size)
{
    unlink(name);
    int fd = open(name, O_RDWR | O_CREAT);
    if (fd < 0)
        return -1;
    char chunk[512];
    size_t done = 0;
    while (done < size) {
        size_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);
        for (size_t i = 0; i < n; i++)
            chunk[i] = (char)('a' + (done + i) % 26);
        if (write(fd, chunk, n) != (long)n) {
            close(fd);
            return -1;
        }
        done += n;
    }
    return fd;
}

/* The byte at `offset` of the file `name`, read with read() through a new descriptor; -1 on
 * error. */
static int byte_in_file(const char* name, off_t offset)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0)
        return -1;
    unsigned char c = 0;
    int result = -1;
    if (lseek(fd, offset, SEEK_SET) == offset && read(fd, &c, 1) == 1)
        result = c;
    close(fd);
    return result;
}

static char* map_fd(size_t length, int prot, int flags, int fd, off_t offset)
{
    void* p = mmap(0, length, prot, flags, fd, offset);
    return p == MAP_FAILED ? NULL : (char*)p;
}

/* Whether touching `address` (a read, or a store if `store`) in a child kills it with
 * `signal`. */
static int access_kills_with(volatile char* address, int store, int signal)
{
    int pid = fork();
    if (pid == 0) {
        if (store)
            *address = 1;
        else
            (void)*address;
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFSIGNALED(status) && WTERMSIG(status) == signal;
}

/* --- §1.1: mmap's file errors (E6-E9) --- */

static int file_mapping_errors(void)
{
    int fd = make_file("mft_errors", PG);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0), EBADF);          /* E6: closed */
    int write_only = open("mft_errors", O_WRONLY);
    CHECK(write_only >= 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, write_only, 0), EACCES);  /* E7 */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_PRIVATE, write_only, 0), EACCES); /* E7 */
    close(write_only);
    int read_only = open("mft_errors", O_RDONLY);
    CHECK(read_only >= 0);
    CHECK_ERRNO(mmap(0, PG, RW, MAP_SHARED, read_only, 0), EACCES);          /* E8 */
    char* p = map_fd(PG, PROT_READ, MAP_SHARED, read_only, 0);              /* not an error */
    CHECK(p != NULL && p[0] == 'a');
    close(read_only);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fds[0], 0), ENODEV);      /* E9: pipe */
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, fds[1], 0), EACCES);      /* E7: write end */
    int directory = open(".", O_RDONLY);
    CHECK(directory >= 0);
    CHECK_ERRNO(mmap(0, PG, PROT_READ, MAP_SHARED, directory, 0), ENODEV);   /* E9: directory */
    unlink("mft_errors");
    return 0;
}

/* --- §4: MAP_SHARED is the file --- */

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

/* --- §7: write-back --- */

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

/* --- §9: the end of file --- */

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

/* --- §11: lifetime --- */

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

/* --- §2: system calls on untouched mappings --- */

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

/* --- §3: mprotect within the open mode --- */

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

struct Test {
    const char* name;
    int (*run)(void);
};

#define TEST(function) { #function, function }

static const struct Test kTests[] = {
    TEST(file_mapping_errors),
    TEST(shared_store_is_visible_to_read_at_once),
    TEST(write_is_visible_through_the_mapping),
    TEST(two_mappings_of_one_file_alias),
    TEST(parent_and_child_share_pages),
    TEST(munmap_writes_back),
    TEST(exit_writes_back),
    TEST(msync_writes_back_and_later_stores_are_kept),
    TEST(page_beyond_end_of_file_kills_with_sigbus),
    TEST(end_of_file_tail_reads_zero_and_never_reaches_the_file),
    TEST(mapping_survives_close_and_unlink),
    TEST(read_and_write_with_a_buffer_in_an_untouched_mapping),
    TEST(mprotect_write_on_shared_read_only_descriptor_gives_eacces),
};
static int selected(const char* name, int argc, char** argv)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i]))
            return 1;
    return 0;
}

int main(int argc, char** argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof(kTests) / sizeof(kTests[0]); i++) {
        const struct Test* test = &kTests[i];
        if (!selected(test->name, argc, argv))
            continue;
        int fds[2];
        if (pipe(fds) != 0) {
            printf("FAIL %s: pipe: %s\n", test->name, strerror(errno));
            failed++;
            continue;
        }
        int pid = fork();
        if (pid == 0) {
            close(fds[0]);
            failure[0] = '\0';
            int result = test->run();
            if (result != 0)
                write(fds[1], failure, strlen(failure));
            _exit(result);
        }
        close(fds[1]);
        char reason[256] = {0};
        int got = 0, n;
        while (pid > 0 && (n = read(fds[0], reason + got, sizeof(reason) - 1 - got)) > 0)
            got += n;
        close(fds[0]);
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid) {
            printf("FAIL %s: could not run it\n", test->name);
            failed++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("PASS %s\n", test->name);
            passed++;
        } else if (WIFSIGNALED(status)) {
            printf("FAIL %s: killed by signal %d\n", test->name, WTERMSIG(status));
            failed++;
        } else {
            printf("FAIL %s: %s\n", test->name, reason[0] ? reason : "failed");
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
