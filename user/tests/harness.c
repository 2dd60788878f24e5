/* harness: the runner that the user test programs share (see harness.h for how a program
 * uses it). */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char failure[256];

/* Whether the test called `name` is to run: every test is when the command line names
   none, otherwise those whose names contain one of the names it gives. */
static int selected(const char* name, int argc, char** argv)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i]))
            return 1;
    return 0;
}

/* Runs `test` in a child, prints its line, and returns 1 if it passed, 0 if it failed. The
   child sends the failure reason through a pipe, since its copy of `failure` dies with
   it. */
static int run_in_child(const struct TestCase* test)
{
    int fds[2];
    if (pipe(fds) != 0) {
        printf("FAIL %s: pipe: %s\n", test->name, strerror(errno));
        return 0;
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
        return 0;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("PASS %s\n", test->name);
        return 1;
    }
    if (WIFSIGNALED(status)) {
        printf("FAIL %s: killed by signal %d\n", test->name, WTERMSIG(status));
        return 0;
    }
    printf("FAIL %s: %s\n", test->name, reason[0] ? reason : "failed");
    return 0;
}

/* Runs `test` in this process, prints its line, and returns 1 if it passed, 0 if it
   failed. */
static int run_in_process(const struct TestCase* test)
{
    failure[0] = '\0';
    if (test->run() == 0) {
        printf("PASS %s\n", test->name);
        return 1;
    }
    printf("FAIL %s: %s\n", test->name, failure[0] ? failure : "failed");
    return 0;
}

int run_tests(const struct TestCase* tests, size_t count, int argc, char** argv,
              enum TestIsolation isolation)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        const struct TestCase* test = &tests[i];
        if (!selected(test->name, argc, argv))
            continue;
        int ok = isolation == TEST_IN_CHILD ? run_in_child(test) : run_in_process(test);
        if (ok)
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
