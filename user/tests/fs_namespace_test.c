/* fs_namespace_test: the file-system namespace calls at their edges, end to end, with the
 * exact errno Linux 6.x gives: link of a directory however it is named (".", "d/.", "/",
 * "..", an ancestor of the new name), "file/." and "file/..", trailing slashes,
 * open(O_CREAT | O_DIRECTORY), working directories that are removed (with their parent),
 * getdents record lengths, and link racing rmdir on the same two directories in three
 * processes (a deadlock there once stopped the file system for good; a watchdog turns it
 * into a failure). Each test runs in a child, in a directory of its own.
 *
 *   fs_namespace_test            run every test
 *   fs_namespace_test NAME...    run the tests whose names contain one of the NAMEs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Makes /NAME (fresh) and enters it; 0 on success. */
static int enter_scratch(const char* name)
{
    char path[64];
    snprintf(path, sizeof(path), "/%s", name);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return -1;
    return chdir(path);
}

static int make_file(const char* path)
{
    int fd = open(path, O_CREAT | O_WRONLY, 0666);
    if (fd < 0)
        return -1;
    return close(fd);
}

static int exists(const char* path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int link_of_a_directory_is_eperm(void)
{
    CHECK(enter_scratch("ns_link") == 0);
    CHECK(mkdir("d", 0777) == 0);
    CHECK(mkdir("d/s", 0777) == 0);
    /* Each of these once panicked the kernel ("mutex 'inode' locked recursively") or locked
       a child before its parent. */
    CHECK_ERRNO(link(".", "x"), EPERM);
    CHECK_ERRNO(link("d", "d/x"), EPERM);
    CHECK_ERRNO(link("d/.", "d/y"), EPERM);
    CHECK_ERRNO(link("/", "/ns_link_x"), EPERM);
    CHECK_ERRNO(link("d", "d/s/x"), EPERM);
    CHECK(chdir("d") == 0);
    CHECK_ERRNO(link("..", "../x"), EPERM);
    CHECK(chdir("..") == 0);
    /* The new name's errors come first. */
    CHECK_ERRNO(link("d", "d/s"), EEXIST);
    CHECK_ERRNO(link("d", "d/.."), EEXIST);
    CHECK(!exists("x") && !exists("d/x") && !exists("d/y") && !exists("/ns_link_x") && !exists("d/s/x"));
    struct stat st;
    CHECK(stat("d", &st) == 0 && st.st_nlink == 3);
    return 0;
}

static int dot_names_inside_a_file_are_enotdir(void)
{
    CHECK(enter_scratch("ns_dots") == 0);
    CHECK(make_file("f") == 0);
    static const char* const kPaths[] = { "f/.", "f/..", "f/x", "f/./" };
    for (size_t i = 0; i < sizeof(kPaths) / sizeof(kPaths[0]); ++i) {
        const char* path = kPaths[i];
        CHECK_ERRNO(unlink(path), ENOTDIR);
        CHECK_ERRNO(mkdir(path, 0777), ENOTDIR);
        CHECK_ERRNO(rmdir(path), ENOTDIR);
        CHECK_ERRNO(link("f", path), ENOTDIR);
        CHECK_ERRNO(open(path, O_CREAT | O_WRONLY, 0666), ENOTDIR);
        CHECK_ERRNO(chdir(path), ENOTDIR);
    }
    struct stat st;
    CHECK(stat("f", &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1);
    return 0;
}

static int dot_and_dot_dot_give_linux_errors(void)
{
    CHECK(enter_scratch("ns_dotdot") == 0);
    CHECK(mkdir("d", 0777) == 0);
    CHECK(make_file("d/f") == 0);
    CHECK_ERRNO(rmdir("d/."), EINVAL);
    CHECK_ERRNO(rmdir("d/.."), ENOTEMPTY);
    CHECK_ERRNO(rmdir("/"), EBUSY);
    CHECK_ERRNO(unlink("."), EISDIR);
    CHECK_ERRNO(unlink("d/.."), EISDIR);
    CHECK_ERRNO(unlink("d"), EISDIR);
    CHECK_ERRNO(mkdir(".", 0777), EEXIST);
    CHECK_ERRNO(mkdir("d/..", 0777), EEXIST);
    CHECK_ERRNO(open(".", O_CREAT | O_RDONLY, 0666), EISDIR);
    CHECK_ERRNO(open(".", O_CREAT | O_EXCL | O_RDONLY, 0666), EEXIST);
    CHECK_ERRNO(rmdir("d/f"), ENOTDIR);
    CHECK(exists("d/f"));
    return 0;
}

static int trailing_slash_names_a_directory(void)
{
    CHECK(enter_scratch("ns_slash") == 0);
    CHECK(make_file("a") == 0);
    CHECK(make_file("f") == 0);
    /* open("n/", O_CREAT) used to make a regular file "n". */
    CHECK_ERRNO(open("n/", O_CREAT | O_WRONLY, 0666), EISDIR);
    CHECK_ERRNO(open("f/", O_CREAT | O_WRONLY, 0666), EISDIR);
    CHECK(!exists("n"));
    /* link("a", "b/") used to make "b". */
    CHECK_ERRNO(link("a", "b/"), ENOENT);
    CHECK_ERRNO(link("a", "f/"), EEXIST);
    CHECK_ERRNO(link("a/", "b"), ENOTDIR);
    CHECK(!exists("b"));
    CHECK_ERRNO(mknod("dev/", S_IFCHR | 0666, 0), ENOENT);
    /* unlink("f/") used to remove the regular file. */
    CHECK_ERRNO(unlink("f/"), ENOTDIR);
    CHECK_ERRNO(unlink("missing/"), ENOENT);
    CHECK(exists("f"));
    CHECK_ERRNO(open("f/", O_RDONLY), ENOTDIR);
    /* mkdir and rmdir take a trailing slash. */
    CHECK(mkdir("d/", 0777) == 0);
    CHECK_ERRNO(mkdir("d//", 0777), EEXIST);
    CHECK_ERRNO(unlink("d/"), EISDIR);
    CHECK(chdir("d/") == 0 && chdir("../") == 0);
    CHECK(rmdir("d//") == 0);
    CHECK(!exists("d"));
    return 0;
}

static int create_with_o_directory_is_einval_and_makes_nothing(void)
{
    CHECK(enter_scratch("ns_odir") == 0);
    CHECK_ERRNO(open("new", O_CREAT | O_DIRECTORY | O_RDONLY, 0666), EINVAL);
    CHECK(!exists("new"));
    CHECK_ERRNO(open(".", O_CREAT | O_DIRECTORY | O_RDONLY, 0666), EINVAL);
    CHECK(make_file("f") == 0);
    CHECK_ERRNO(open("f", O_CREAT | O_DIRECTORY | O_RDONLY, 0666), EINVAL);
    /* O_DIRECTORY alone still opens directories and refuses files. */
    int fd = open(".", O_DIRECTORY | O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(open("f", O_DIRECTORY | O_RDONLY), ENOTDIR);
    return 0;
}

/* chdir(".."), lookups and creation inside a working directory that was removed with its
   parent: ENOENT (chdir("..") was EIO, "inode N is referenced but is free", and once the
   number was reused it led into the new directory). */
static int removed_working_directory_leads_nowhere(void)
{
    CHECK(enter_scratch("ns_dead") == 0);
    CHECK(mkdir("a", 0777) == 0);
    CHECK(mkdir("a/b", 0777) == 0);
    struct stat st;
    CHECK(chdir("a/b") == 0);
    CHECK(rmdir("/ns_dead/a/b") == 0);
    CHECK(rmdir("/ns_dead/a") == 0);
    CHECK_ERRNO(chdir(".."), ENOENT);
    CHECK_ERRNO(stat("..", &st), ENOENT);
    CHECK_ERRNO(stat("x", &st), ENOENT);
    CHECK_ERRNO(open("x", O_CREAT | O_WRONLY, 0666), ENOENT);
    CHECK_ERRNO(mkdir("x", 0777), ENOENT);
    CHECK_ERRNO(link("/ns_dead", "x"), ENOENT);
    CHECK(stat(".", &st) == 0 && st.st_nlink == 0);
    /* Listing it is ENOENT, as on Linux. */
    int fd = open(".", O_RDONLY);
    CHECK(fd >= 0);
    char buffer[256];
    CHECK_ERRNO(getdents(fd, buffer, sizeof(buffer)), ENOENT);
    close(fd);
    /* It stays that way while new directories are made (the host tests reuse the old
       parent's inode number; a 16384-inode disk hands numbers out round robin). */
    for (int i = 0; i < 8; ++i) {
        char name[32];
        snprintf(name, sizeof(name), "/ns_dead/c%d", i);
        CHECK(mkdir(name, 0777) == 0);
    }
    CHECK_ERRNO(chdir(".."), ENOENT);
    CHECK_ERRNO(stat("../c0", &st), ENOENT);
    CHECK(chdir("/ns_dead") == 0);
    return 0;
}

/* getdents sizes records as Linux: 19 header bytes, the name and its NUL, rounded up to 8.
   A buffer of 24 bytes holds "." (it was EINVAL when records were 8 bytes longer). */
static int getdents_records_are_as_short_as_linux(void)
{
    CHECK(enter_scratch("ns_dents") == 0);
    CHECK(make_file("abcd") == 0);          /* 19 + 5 = 24 */
    CHECK(make_file("abcde") == 0);         /* 19 + 6 = 25 -> 32 */
    CHECK(make_file("abcdefghijkl") == 0);  /* 19 + 13 = 32 */
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    _Alignas(8) char small[24];
    long got = getdents(fd, small, sizeof(small));
    CHECK(got == 24);
    struct dirent_header {
        unsigned long ino;
        long off;
        unsigned short reclen;
        unsigned char type;
        char name[];
    };
    struct dirent_header* entry = (struct dirent_header*)small;
    CHECK(entry->reclen == 24 && strcmp(entry->name, ".") == 0);
    _Alignas(8) char buffer[512];
    int seen = 0;
    for (;;) {
        got = getdents(fd, buffer, sizeof(buffer));
        CHECK(got >= 0);
        if (got == 0)
            break;
        for (long at = 0; at < got;) {
            entry = (struct dirent_header*)(buffer + at);
            size_t expected = (19 + strlen(entry->name) + 1 + 7) & ~(size_t)7;
            CHECK(entry->reclen == expected);
            if (strcmp(entry->name, "abcd") == 0 || strcmp(entry->name, "abcde") == 0
                || strcmp(entry->name, "abcdefghijkl") == 0)
                ++seen;
            at += entry->reclen;
        }
    }
    CHECK(seen == 3);
    close(fd);
    /* Too small for the next record is still EINVAL. */
    fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    CHECK_ERRNO(getdents(fd, small, 23), EINVAL);
    close(fd);
    return 0;
}

/* --- link racing rmdir --- */

enum { kRaceRounds = 300, kRaceSeconds = 120 };

/* The racers: each exits 0 if every call gave an expected result. */
static void race_linker(void)
{
    for (int i = 0; i < kRaceRounds; ++i) {
        /* link locked d/s, then d: the order rmdir takes reversed. */
        if (link("d", "d/s/x") == 0 || (errno != EPERM && errno != ENOENT))
            _exit(1);
    }
    _exit(0);
}

static void race_remover(void)
{
    for (int i = 0; i < kRaceRounds; ++i) {
        if (mkdir("d/s", 0777) != 0 && errno != EEXIST)
            _exit(2);
        if (rmdir("d/s") != 0 && errno != ENOENT && errno != ENOTEMPTY)
            _exit(3);
    }
    _exit(0);
}

static void race_file_linker(void)
{
    for (int i = 0; i < kRaceRounds; ++i) {
        if (link("d/f", "d/s/y") != 0 && errno != ENOENT && errno != EEXIST)
            _exit(4);
        if (unlink("d/s/y") != 0 && errno != ENOENT)
            _exit(5);
    }
    _exit(0);
}

static int link_racing_rmdir_never_deadlocks(void)
{
    CHECK(enter_scratch("ns_race") == 0);
    CHECK(mkdir("d", 0777) == 0);
    CHECK(make_file("d/f") == 0);
    void (*racers[3])(void) = { race_linker, race_remover, race_file_linker };
    pid_t pids[3];
    for (int i = 0; i < 3; ++i) {
        pids[i] = fork();
        CHECK(pids[i] >= 0);
        if (pids[i] == 0)
            racers[i]();
    }
    long deadline = uptime_ticks() + kRaceSeconds * ATLAS_TICKS_PER_SECOND;
    int running = 3;
    int bad = 0;
    while (running > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            --running;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                bad = WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
            continue;
        }
        if (uptime_ticks() > deadline) {
            /* Report before touching the file system again: a deadlock holds the log. */
            snprintf(failure, sizeof(failure), "%d racers still running after %d s: deadlock", running,
                     (int)kRaceSeconds);
            return 1;
        }
        usleep(20000);
    }
    if (bad) {
        snprintf(failure, sizeof(failure), "a racer saw an unexpected result (exit %d)", bad);
        return 1;
    }
    struct stat st;
    CHECK(stat("d/f", &st) == 0);
    CHECK(st.st_nlink == 1 || (st.st_nlink == 2 && exists("d/s/y")));
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(link_of_a_directory_is_eperm),
    TEST(dot_names_inside_a_file_are_enotdir),
    TEST(dot_and_dot_dot_give_linux_errors),
    TEST(trailing_slash_names_a_directory),
    TEST(create_with_o_directory_is_einval_and_makes_nothing),
    TEST(removed_working_directory_leads_nowhere),
    TEST(getdents_records_are_as_short_as_linux),
    TEST(link_racing_rmdir_never_deadlocks),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
