/* usertests: the behaviour of processes, files and memory as a program sees it through
 * system calls, in the spirit of xv6's usertests. Each test runs in a child process, so a
 * crash or a hang in one cannot take the others down; a test passes if its child exits 0.
 * Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   usertests            run every test
 *   usertests NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"

#define KERNEL_ADDRESS ((void*)0xffffffc000000000ul)
#define NONCANONICAL_ADDRESS ((void*)0x0000800000000000ul)
#define UNMAPPED_USER_ADDRESS ((void*)0x10ul)
#define STACK_BOTTOM 0x3fff7f0000ul /* kUserStackTop - 8 MiB (kernel/mm/address_space.h) */

static char failure[256];

#define CHECK(condition)                                                                     \
    do {                                                                                     \
        if (!(condition)) {                                                                  \
            snprintf(failure, sizeof(failure), "line %d: %s (errno %d)", __LINE__, #condition, \
                     errno);                                                                 \
            return 1;                                                                        \
        }                                                                                    \
    } while (0)

static long free_frames(void)
{
    struct atlas_vmstat stats;
    if (syscall(SYS_vmstat, &stats) < 0)
        return -1;
    return (long)stats.free_frames;
}

/* The free-frame count once the kernel has finished freeing what earlier tests left behind
   (the reaper frees the kernel stacks of exited threads in the background, on any hart, and
   may lag on a loaded machine): it waits until four reads a tick apart agree, for at most
   two seconds. Tests that measure frames take their baseline from here, so that background
   frees cannot blur what they count. */
static long settled_free_frames(void)
{
    long previous = free_frames();
    int stable = 0;
    for (int i = 0; i < 200 && stable < 3; i++) {
        usleep(10000); /* One timer tick. */
        long now = free_frames();
        stable = now == previous ? stable + 1 : 0;
        previous = now;
    }
    return previous;
}

/* Runs `body` in a child and returns the child's wait status. */
static int status_of_child(void (*body)(void))
{
    int pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

/* --- processes --- */

static int fork_exit_wait_report_each_status(void)
{
    enum { kChildren = 40 };
    int pids[kChildren];
    for (int i = 0; i < kChildren; i++) {
        pids[i] = fork();
        CHECK(pids[i] >= 0);
        if (pids[i] == 0)
            _exit(i);
    }
    for (int i = 0; i < kChildren; i++) {
        int status;
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == i);
    }
    int status;
    CHECK(wait(&status) == -1 && errno == ECHILD);
    return 0;
}

static int fork_stress_many_generations(void)
{
    for (int round = 0; round < 300; round++) {
        int pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            int grandchild = fork();
            if (grandchild == 0)
                _exit(3);
            int status;
            _exit(waitpid(grandchild, &status, 0) == grandchild && WEXITSTATUS(status) == 3 ? 5 : 1);
        }
        int status;
        CHECK(wait(&status) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5);
    }
    return 0;
}

static int getpid_and_getppid_agree_across_fork(void)
{
    int parent = getpid();
    int fds[2];
    CHECK(pipe(fds) == 0);
    int pid = fork();
    if (pid == 0) {
        int seen[2] = {getpid(), getppid()};
        write(fds[1], seen, sizeof(seen));
        _exit(0);
    }
    int seen[2];
    CHECK(read(fds[0], seen, sizeof(seen)) == sizeof(seen));
    CHECK(seen[0] == pid && seen[1] == parent);
    CHECK(wait(NULL) == pid);
    return 0;
}

static int waitpid_wnohang_returns_zero_while_child_runs(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    int pid = fork();
    if (pid == 0) {
        char c;
        close(fds[1]);
        read(fds[0], &c, 1);
        _exit(9);
    }
    close(fds[0]);
    int status;
    CHECK(waitpid(pid, &status, WNOHANG) == 0);
    close(fds[1]);
    CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 9);
    return 0;
}

static int exec_passes_arguments(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    int pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        char* argv[] = {"echo", "hello", "exec world", NULL};
        execv("/bin/echo", argv);
        _exit(99);
    }
    close(fds[1]);
    char buffer[64] = {0};
    int total = 0, n;
    while ((n = read(fds[0], buffer + total, sizeof(buffer) - 1 - total)) > 0)
        total += n;
    close(fds[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strcmp(buffer, "hello exec world\n") == 0);
    return 0;
}

static int exec_failure_leaves_caller_intact(void)
{
    volatile int canary = 1234;
    char* argv[] = {"x", NULL};
    CHECK(execv("/no/such/program", argv) == -1 && errno == ENOENT);
    int fd = open("notelf", O_CREAT | O_WRONLY | O_TRUNC, 0666);
    CHECK(fd >= 0);
    CHECK(write(fd, "#!/bin/sh\necho no\n", 18) == 18);
    close(fd);
    CHECK(execv("notelf", argv) == -1 && errno == ENOEXEC);
    CHECK(execv("/", argv) == -1 && errno == EACCES);
    CHECK(unlink("notelf") == 0);
    CHECK(canary == 1234);
    return 0;
}

/* Runs /bin/usertests with `argv` (which selects no test, so it prints a summary and exits
 * 0) in a child whose output goes into a pipe, and returns the child's wait status. */
static int status_of_exec_with(char** argv)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    int pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv("/bin/usertests", argv);
        _exit(100 + errno);
    }
    close(fds[1]);
    char sink[128];
    while (pid > 0 && read(fds[0], sink, sizeof(sink)) > 0) {
    }
    close(fds[0]);
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static int exec_with_too_many_or_too_long_arguments_is_e2big(void)
{
    volatile int canary = 4321;
    static char* argv[ATLAS_MAX_ARGS + 2];
    for (int i = 0; i < ATLAS_MAX_ARGS + 1; i++)
        argv[i] = i == 0 ? "usertests" : "no-such-test";
    argv[ATLAS_MAX_ARGS + 1] = NULL;
    /* One entry over the limit fails; exactly at the limit the program runs. */
    CHECK(execv("/bin/usertests", argv) == -1 && errno == E2BIG);
    argv[ATLAS_MAX_ARGS] = NULL;
    int status = status_of_exec_with(argv);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* The strings' bytes, NULs included, may not exceed ATLAS_MAX_ARG_BYTES in total:
     * one string that is too long, and two that are too long only together. */
    char* text = malloc(ATLAS_MAX_ARG_BYTES + 1);
    CHECK(text != NULL);
    memset(text, 'z', ATLAS_MAX_ARG_BYTES);
    text[ATLAS_MAX_ARG_BYTES] = '\0';
    char* one_long[] = {text, NULL};
    CHECK(execv("/bin/usertests", one_long) == -1 && errno == E2BIG);
    size_t half = ATLAS_MAX_ARG_BYTES / 2;
    /* `half` and `half - 1` bytes, each with its NUL: one byte over the limit. */
    text[half] = '\0';
    char* two_halves[] = {text, text + half + 1, NULL};
    CHECK(execv("/bin/usertests", two_halves) == -1 && errno == E2BIG);
    char* fits[] = {"usertests", text + 1, NULL};  /* 10 + half bytes: well within. */
    status = status_of_exec_with(fits);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* The caller is untouched: its memory, heap and descriptors still work. */
    CHECK(canary == 4321);
    CHECK(text[0] == 'z' && text[half - 1] == 'z' && text[half] == '\0');
    free(text);
    CHECK(getpid() > 0);
    return 0;
}

/* Writes the first `length` bytes of `source` (or all of it, if shorter) to `path`. */
static int write_prefix(const char* path, const char* source, size_t length)
{
    int out = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    if (out < 0)
        return -1;
    int in = source ? open(source, O_RDONLY) : -1;
    char buffer[512];
    size_t done = 0;
    while (in >= 0 && done < length) {
        size_t want = length - done < sizeof(buffer) ? length - done : sizeof(buffer);
        int n = read(in, buffer, want);
        if (n <= 0 || write(out, buffer, n) != n)
            break;
        done += n;
    }
    if (in >= 0)
        close(in);
    close(out);
    return (int)done;
}

/* Where the file bytes of an ELF64 executable's last loadable segment end (debug sections
 * may follow, which exec never reads), or 0 if the headers cannot be read. */
static size_t end_of_loaded_bytes(const char* path)
{
    unsigned char header[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    size_t end = 0;
    if (read(fd, header, sizeof(header)) == (int)sizeof(header)) {
        uint64_t table;
        uint16_t entry_size, count;
        memcpy(&table, header + 32, sizeof(table));      /* e_phoff */
        memcpy(&entry_size, header + 54, sizeof(entry_size));  /* e_phentsize */
        memcpy(&count, header + 56, sizeof(count));      /* e_phnum */
        for (uint16_t i = 0; i < count && entry_size == 56; i++) {
            unsigned char entry[56];
            uint32_t type;
            uint64_t offset, file_size;
            if (lseek(fd, (off_t)(table + (uint64_t)i * entry_size), SEEK_SET) < 0
                || read(fd, entry, sizeof(entry)) != (int)sizeof(entry))
                break;
            memcpy(&type, entry, sizeof(type));
            memcpy(&offset, entry + 8, sizeof(offset));
            memcpy(&file_size, entry + 32, sizeof(file_size));
            if (type == 1 /* PT_LOAD */ && offset + file_size > end)
                end = offset + file_size;
        }
    }
    close(fd);
    return end;
}

static int exec_of_truncated_or_corrupt_elf_is_enoexec(void)
{
    volatile int canary = 8765;
    size_t loaded = end_of_loaded_bytes("/bin/echo");
    CHECK(loaded > 4096);
    char* argv[] = {"echo", "unreachable", NULL};
    /* Empty; ELF header cut short; header without its program headers; program headers
     * without the segments they describe; segments cut in the middle and by one byte. */
    size_t lengths[] = {0, 40, 64, 1024, loaded / 2, loaded - 1};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        CHECK(write_prefix("truncated", "/bin/echo", lengths[i]) == (int)lengths[i]);
        errno = 0;
        CHECK(execv("truncated", argv) == -1 && errno == ENOEXEC);
    }
    /* The ELF magic followed by nonsense. */
    int fd = open("truncated", O_CREAT | O_WRONLY | O_TRUNC, 0755);
    CHECK(fd >= 0);
    char header[4096];
    memset(header, 0xff, sizeof(header));
    memcpy(header, "\177ELF", 4);
    CHECK(write(fd, header, sizeof(header)) == (int)sizeof(header));
    close(fd);
    CHECK(execv("truncated", argv) == -1 && errno == ENOEXEC);
    CHECK(unlink("truncated") == 0);

    /* The caller carries on: its memory is intact and it can still fork and exec. */
    CHECK(canary == 8765);
    char* fine[] = {"usertests", "no-such-test", NULL};
    int status = status_of_exec_with(fine);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

static void spin_forever(void)
{
    for (;;)
        getpid();
}

static int kill_ends_a_running_child_with_sigkill(void)
{
    int pid = fork();
    if (pid == 0)
        spin_forever();
    sleep(0);
    CHECK(kill(pid, SIGKILL) == 0);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(kill(pid, SIGKILL) == -1 && errno == ESRCH);
    return 0;
}

static int kill_wakes_a_child_blocked_on_a_pipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    int pid = fork();
    if (pid == 0) {
        char c;
        read(fds[0], &c, 1); /* Blocks: the parent keeps the write end and never writes. */
        _exit(0);
    }
    usleep(50000);
    CHECK(kill(pid, SIGKILL) == 0);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status));
    close(fds[0]);
    close(fds[1]);
    return 0;
}

static int too_many_processes_fail_with_eagain(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    int count = 0, error = 0;
    for (;;) {
        int pid = fork();
        if (pid == 0) {
            char c;
            close(fds[1]);
            read(fds[0], &c, 1); /* Wait for the parent to close the write end. */
            _exit(0);
        }
        if (pid < 0) {
            error = errno;
            break;
        }
        if (++count > 100000)
            break;
    }
    close(fds[1]);
    close(fds[0]);
    int reaped = 0;
    while (wait(NULL) > 0)
        reaped++;
    CHECK(error == EAGAIN || error == ENOMEM);
    CHECK(count > 10 && reaped == count);
    /* The system still forks afterwards. */
    int pid = fork();
    if (pid == 0)
        _exit(0);
    CHECK(pid > 0 && wait(NULL) == pid);
    return 0;
}

/* --- pipes --- */

static int pipe_carries_a_large_stream_intact(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    enum { kBytes = 200 * 1000 };
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char chunk[1000];
        for (int sent = 0; sent < kBytes; sent += sizeof(chunk)) {
            for (int i = 0; i < (int)sizeof(chunk); i++)
                chunk[i] = (char)((sent + i) * 7);
            if (write(fds[1], chunk, sizeof(chunk)) != sizeof(chunk))
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    char buffer[777];
    int received = 0, n;
    while ((n = read(fds[0], buffer, sizeof(buffer))) > 0) {
        for (int i = 0; i < n; i++)
            CHECK(buffer[i] == (char)((received + i) * 7));
        received += n;
    }
    snprintf(failure, sizeof(failure), "last read %d, received %d of %d", n, received, kBytes);
    if (n != 0 || received != kBytes)
        return 1;
    close(fds[0]);
    int status;
    CHECK(wait(&status) == pid && WEXITSTATUS(status) == 0);
    return 0;
}

static int pipe_write_without_readers_is_epipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    close(fds[0]);
    CHECK(write(fds[1], "x", 1) == -1 && errno == EPIPE);
    close(fds[1]);
    CHECK(close(fds[1]) == -1 && errno == EBADF);
    return 0;
}

/* --- files --- */

static int files_write_read_seek_and_stat(void)
{
    int fd = open("f1", O_CREAT | O_RDWR | O_TRUNC, 0666);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello world", 11) == 11);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode));
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    char buffer[16] = {0};
    CHECK(read(fd, buffer, sizeof(buffer)) == 5 && memcmp(buffer, "world", 5) == 0);
    CHECK(read(fd, buffer, sizeof(buffer)) == 0);
    CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
    CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
    CHECK(fsync(fd) == 0);
    close(fd);
    CHECK(stat("f1", &st) == 0 && st.st_size == 5);
    CHECK(unlink("f1") == 0);
    CHECK(stat("f1", &st) == -1 && errno == ENOENT);
    return 0;
}

static int open_flags_behave_as_posix_says(void)
{
    int fd = open("f2", O_CREAT | O_EXCL | O_WRONLY, 0666);
    CHECK(fd >= 0);
    CHECK(write(fd, "abc", 3) == 3);
    close(fd);
    CHECK(open("f2", O_CREAT | O_EXCL | O_WRONLY, 0666) == -1 && errno == EEXIST);
    fd = open("f2", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "def", 3) == 3);
    close(fd);
    struct stat st;
    CHECK(stat("f2", &st) == 0 && st.st_size == 6);
    fd = open("f2", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    CHECK(read(fd, &st, 1) == -1 && errno == EBADF);
    close(fd);
    CHECK(stat("f2", &st) == 0 && st.st_size == 0);
    CHECK(open("missing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open("/", O_WRONLY) == -1 && errno == EISDIR);
    CHECK(open("f2/x", O_RDONLY) == -1 && errno == ENOTDIR);
    char long_name[300];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    CHECK(open(long_name, O_CREAT | O_RDWR, 0666) == -1 && errno == ENAMETOOLONG);
    CHECK(unlink("f2") == 0);
    return 0;
}

static int directories_links_and_chdir(void)
{
    CHECK(mkdir("dd", 0777) == 0);
    CHECK(mkdir("dd", 0777) == -1 && errno == EEXIST);
    int fd = open("dd/file", O_CREAT | O_WRONLY, 0666);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1);
    close(fd);
    CHECK(link("dd/file", "dd/other") == 0);
    struct stat st;
    CHECK(stat("dd/other", &st) == 0 && st.st_nlink == 2);
    CHECK(rmdir("dd") == -1 && errno == ENOTEMPTY);
    CHECK(unlink("dd") == -1 && errno == EISDIR);
    CHECK(chdir("dd") == 0);
    CHECK(stat("other", &st) == 0 && st.st_size == 1);
    CHECK(chdir("other") == -1 && errno == ENOTDIR);
    CHECK(chdir("..") == 0);
    CHECK(unlink("dd/file") == 0 && unlink("dd/other") == 0);
    CHECK(rmdir("dd") == 0);
    CHECK(stat("dd", &st) == -1 && errno == ENOENT);
    return 0;
}

static int unlinked_open_file_stays_readable(void)
{
    int fd = open("f3", O_CREAT | O_RDWR, 0666);
    CHECK(fd >= 0 && write(fd, "keep", 4) == 4);
    CHECK(unlink("f3") == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char buffer[4];
    CHECK(read(fd, buffer, 4) == 4 && memcmp(buffer, "keep", 4) == 0);
    close(fd);
    return 0;
}

static int descriptors_run_out_with_emfile_and_dup_shares_offset(void)
{
    int fds[80], count = 0, already_open = 0;
    struct stat st;
    for (int fd = 0; fd < 64; fd++)
        already_open += fstat(fd, &st) == 0;
    for (;;) {
        int fd = open("/", O_RDONLY);
        if (fd < 0) {
            CHECK(errno == EMFILE);
            break;
        }
        fds[count++] = fd;
        CHECK(count < 80);
    }
    CHECK(count + already_open == 64);
    for (int i = 0; i < count; i++)
        close(fds[i]);
    int fd = open("f4", O_CREAT | O_RDWR | O_TRUNC, 0666);
    CHECK(fd >= 0);
    int copy = dup(fd);
    CHECK(copy > fd);
    CHECK(write(fd, "ab", 2) == 2 && write(copy, "cd", 2) == 2);
    CHECK(lseek(fd, 0, SEEK_CUR) == 4);
    CHECK(dup2(fd, 40) == 40);
    CHECK(dup2(fd, 64) == -1 && errno == EBADF);
    close(fd);
    close(copy);
    close(40);
    CHECK(close(40) == -1 && errno == EBADF);
    CHECK(unlink("f4") == 0);
    return 0;
}

/* --- memory --- */

static int sbrk_grows_lazily_and_shrink_frees(void)
{
    long before = settled_free_frames();
    CHECK(before > 0);
    char* start = sbrk(4 << 20);
    CHECK(start != (char*)-1);
    long after_grow = free_frames();
    CHECK(before - after_grow < 16); /* Nothing is allocated until touched. */
    for (int i = 0; i < (4 << 20); i += 4096)
        start[i] = (char)i;
    long touched = free_frames();
    /* 1024 pages were touched; the free count is global, and other harts may free a few
       frames meanwhile (stacks of exited threads), so allow some slack. */
    CHECK(after_grow - touched >= 960);
    for (int i = 0; i < (4 << 20); i += 4096)
        CHECK(start[i] == (char)i);
    CHECK(sbrk(-(4 << 20)) != (char*)-1);
    long after_shrink = free_frames();
    CHECK(after_shrink - touched >= 960);
    CHECK(sbrk(0) == start);
    return 0;
}

static void touch_after_shrink(void)
{
    char* start = sbrk(8192);
    start[0] = 1;
    sbrk(-8192);
    start[0] = 2; /* Freed: must be killed. */
    _exit(0);
}

static int heap_access_after_shrink_kills(void)
{
    int status = status_of_child(touch_after_shrink);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    return 0;
}

static int bad_pointers_give_efault(void)
{
    void* bad[] = {KERNEL_ADDRESS, NONCANONICAL_ADDRESS, UNMAPPED_USER_ADDRESS};
    int fd = open("f5", O_CREAT | O_RDWR | O_TRUNC, 0666);
    CHECK(fd >= 0 && write(fd, "data", 4) == 4);
    for (int i = 0; i < 3; i++) {
        void* p = bad[i];
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CHECK(read(fd, p, 4) == -1 && errno == EFAULT);
        CHECK(write(fd, p, 4) == -1 && errno == EFAULT);
        CHECK(open(p, O_RDONLY) == -1 && errno == EFAULT);
        CHECK(pipe(p) == -1 && errno == EFAULT);
        CHECK(fstat(fd, p) == -1 && errno == EFAULT);
        CHECK(stat(p, (struct stat*)&fd) == -1 && errno == EFAULT);
        CHECK(stat("f5", p) == -1 && errno == EFAULT);
        CHECK(unlink(p) == -1 && errno == EFAULT);
        CHECK(link(p, "x") == -1 && errno == EFAULT);
        CHECK(link("f5", p) == -1 && errno == EFAULT);
        CHECK(mkdir(p, 0777) == -1 && errno == EFAULT);
        CHECK(rmdir(p) == -1 && errno == EFAULT);
        CHECK(chdir(p) == -1 && errno == EFAULT);
        CHECK(mknod(p, 0, 0) == -1 && errno == EFAULT);
        CHECK(execv(p, NULL) == -1 && errno == EFAULT);
        CHECK(execv("/bin/echo", p) == -1 && errno == EFAULT);
        char* argv[] = {"echo", p, NULL};
        CHECK(execv("/bin/echo", argv) == -1 && errno == EFAULT);
        CHECK(syscall(SYS_getdents, open("/", O_RDONLY), p, 1024) == -1 && errno == EFAULT);
        CHECK(syscall(SYS_vmstat, p) == -1 && errno == EFAULT);
        /* wait with a bad status pointer fails without losing the child. */
        int pid = fork();
        if (pid == 0)
            _exit(4);
        CHECK(waitpid(pid, p, 0) == -1 && errno == EFAULT);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 4);
    }
    for (int extra = 3; extra < 64; extra++)
        if (extra != fd)
            close(extra);
    close(fd);
    CHECK(unlink("f5") == 0);
    return 0;
}

static void read_kernel_memory(void)
{
    volatile char* p = KERNEL_ADDRESS;
    char c = *p;
    (void)c;
}

static void write_own_text(void)
{
    *(volatile int*)(void*)&write_own_text = 0;
}

static void write_below_stack_guard(void)
{
    *(volatile char*)(STACK_BOTTOM - 100) = 1;
}

/* Recurses until the stack runs into its guard page; the depth check only hides the
 * recursion from the compiler. */
static int recurse_deeply(int depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth < 1000000)
        return recurse_deeply(depth + 1) + frame[0];
    return 0;
}

static void recurse_forever(void)
{
    recurse_deeply(0);
}

static int bad_accesses_kill_the_process_only(void)
{
    int status = status_of_child(read_kernel_memory);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    status = status_of_child(write_own_text);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    status = status_of_child(write_below_stack_guard);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    status = status_of_child(recurse_forever);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    return 0;
}

static void eat_all_memory(void)
{
    for (;;) {
        char* p = sbrk(1 << 20);
        if (p == (char*)-1)
            _exit(2); /* Refusing the heap is an acceptable answer too. */
        for (int i = 0; i < (1 << 20); i += 4096)
            p[i] = 1;
    }
}

static int running_out_of_memory_kills_the_process_not_the_kernel(void)
{
    long before = free_frames();
    int status = status_of_child(eat_all_memory);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) && WEXITSTATUS(status) == 2));
    long after = free_frames();
    CHECK(before - after < 64); /* The child's frames came back. */
    return 0;
}

/* --- copy-on-write --- */

static char cow_data[64 * 4096];

static int fork_gives_each_side_its_own_writes(void)
{
    memset(cow_data, 'p', sizeof(cow_data));
    int fds[2];
    CHECK(pipe(fds) == 0);
    int pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < sizeof(cow_data); i += 4096)
            cow_data[i] = 'c';
        char go;
        read(fds[0], &go, 1); /* The parent has written its own bytes by now. */
        for (size_t i = 0; i < sizeof(cow_data); i += 4096)
            if (cow_data[i] != 'c' || cow_data[i + 1] != 'p')
                _exit(1);
        _exit(0);
    }
    for (size_t i = 1; i < sizeof(cow_data); i += 4096)
        cow_data[i + 1] = 'P';
    CHECK(write(fds[1], "g", 1) == 1);
    int status;
    CHECK(wait(&status) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (size_t i = 0; i < sizeof(cow_data); i += 4096)
        CHECK(cow_data[i] == 'p' && cow_data[i + 2] == 'P');
    return 0;
}

static int fork_shares_frames_until_written(void)
{
    enum { kPages = 512 };
    char* heap = sbrk(kPages * 4096);
    CHECK(heap != (char*)-1);
    for (int i = 0; i < kPages; i++)
        heap[i * 4096] = (char)i;
    int fds[2];
    CHECK(pipe(fds) == 0);
    long before_fork = settled_free_frames();
    int pid = fork();
    if (pid == 0) {
        long after_fork = free_frames();
        /* Page tables, a kernel stack and the few pages fork's return touches, not 512. */
        if (before_fork - after_fork > 64)
            _exit(10);
        for (int i = 0; i < kPages; i++)
            heap[i * 4096] = (char)(i + 1);
        long after_write = free_frames();
        if (after_fork - after_write < kPages - 8)
            _exit(11);
        _exit(0);
    }
    int status;
    CHECK(wait(&status) == pid);
    CHECK(WIFEXITED(status));
    snprintf(failure, sizeof(failure), "child exit %d", WEXITSTATUS(status));
    if (WEXITSTATUS(status) != 0)
        return 1;
    for (int i = 0; i < kPages; i++)
        CHECK(heap[i * 4096] == (char)i);
    CHECK(sbrk(-kPages * 4096) != (char*)-1);
    return 0;
}

struct Test {
    const char* name;
    int (*run)(void);
};

#define TEST(f) {#f, f}
static const struct Test kTests[] = {
    TEST(fork_exit_wait_report_each_status),
    TEST(fork_stress_many_generations),
    TEST(getpid_and_getppid_agree_across_fork),
    TEST(waitpid_wnohang_returns_zero_while_child_runs),
    TEST(exec_passes_arguments),
    TEST(exec_failure_leaves_caller_intact),
    TEST(exec_with_too_many_or_too_long_arguments_is_e2big),
    TEST(exec_of_truncated_or_corrupt_elf_is_enoexec),
    TEST(kill_ends_a_running_child_with_sigkill),
    TEST(kill_wakes_a_child_blocked_on_a_pipe),
    TEST(too_many_processes_fail_with_eagain),
    TEST(pipe_carries_a_large_stream_intact),
    TEST(pipe_write_without_readers_is_epipe),
    TEST(files_write_read_seek_and_stat),
    TEST(open_flags_behave_as_posix_says),
    TEST(directories_links_and_chdir),
    TEST(unlinked_open_file_stays_readable),
    TEST(descriptors_run_out_with_emfile_and_dup_shares_offset),
    TEST(sbrk_grows_lazily_and_shrink_frees),
    TEST(heap_access_after_shrink_kills),
    TEST(bad_pointers_give_efault),
    TEST(bad_accesses_kill_the_process_only),
    TEST(running_out_of_memory_kills_the_process_not_the_kernel),
    TEST(fork_gives_each_side_its_own_writes),
    TEST(fork_shares_frames_until_written),
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
