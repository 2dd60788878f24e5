/* usertests, processes: fork, exit and wait, exec and its failures, kill, and the limit on
 * the number of processes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "usertests.h"

/* --- processes --- */

int fork_exit_wait_report_each_status(void)
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

int fork_stress_many_generations(void)
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

int getpid_and_getppid_agree_across_fork(void)
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

int waitpid_wnohang_returns_zero_while_child_runs(void)
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

int exec_passes_arguments(void)
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

int exec_failure_leaves_caller_intact(void)
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

int exec_with_too_many_or_too_long_arguments_is_e2big(void)
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

int exec_of_truncated_or_corrupt_elf_is_enoexec(void)
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

int kill_ends_a_running_child_with_sigkill(void)
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

int kill_of_init_is_refused(void)
{
    /* pid 1 is init: killing it would take the system down, so the kernel refuses and
       nobody dies. */
    CHECK(kill(1, SIGKILL) == -1 && errno == EPERM);
    CHECK(kill(1, 0) == 0); /* It exists. */
    return 0;
}

int kill_wakes_a_child_blocked_on_a_pipe(void)
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

int too_many_processes_fail_with_eagain(void)
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
