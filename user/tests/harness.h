/* harness: the runner that the user test programs share, so that each program holds only
 * its tests and a table of them. It provides the CHECK macro and the failure buffer it
 * writes, the TestCase table entry, and run_tests(), which picks the tests named on the
 * command line, runs each one (in a child process or in the calling process), prints
 * "PASS name" or "FAIL name: why" per test and "N passed, N failed" at the end, and
 * returns the exit status for main to return.
 *
 * A test is a function that returns 0 if it passed, or 1 with the reason in `failure`
 * (which CHECK writes for it). A program's main is then a single call:
 *
 *     static const struct TestCase kTests[] = { TEST(first_test), TEST(second_test) };
 *
 *     int main(int argc, char** argv)
 *     {
 *         return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv,
 *                          TEST_IN_CHILD);
 *     }
 *
 * Run without arguments, such a program runs every test; given NAMEs, it runs the tests
 * whose names contain one of them. */
#ifndef ATLAS_USER_TESTS_HARNESS_H
#define ATLAS_USER_TESTS_HARNESS_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

/* Why the running test failed. The runner clears it before each test and prints it after
   a test that returned non-zero (sending it from the child to the parent first when the
   test runs in a child). */
extern char failure[256];

/* Fails the test, with the line, the condition and errno as the reason, unless
   `condition` holds. Only for use in a function that returns int. */
#define CHECK(condition)                                                                       \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            snprintf(failure, sizeof(failure), "line %d: %s (errno %d)", __LINE__, #condition, \
                     errno);                                                                   \
            return 1;                                                                          \
        }                                                                                      \
    } while (0)

/* An errno check: `call` must fail with -1 (or MAP_FAILED) and set errno to `code`. */
#define CHECK_ERRNO(call, code)                       \
    do {                                              \
        errno = 0;                                    \
        CHECK((long)(call) == -1 && errno == (code)); \
    } while (0)

/* One entry of a program's table of tests: the name that is printed and matched against
   the command line, and the test itself. */
struct TestCase {
    const char* name;
    int (*run)(void);
};

/* A table entry for the test function `function`, named after it. */
#define TEST(function) {#function, function}

/* Where run_tests() runs each test. */
enum TestIsolation {
    /* In a child process of its own, so that a crash or a hang in one test cannot take the
       others down, and nothing a test changes in its process is seen by the next. The test
       passes if the child exits 0; a child killed by a signal fails with "killed by signal
       N". */
    TEST_IN_CHILD,
    /* In the calling process, one after the other: a test that crashes ends the program. */
    TEST_IN_PROCESS,
};

/* Runs the tests of `tests` (`count` of them) that the command line selects, in table
   order, each as `isolation` says, and prints a line per test and the summary line. Returns
   0 if every test that ran passed and 1 otherwise, for main to return. */
int run_tests(const struct TestCase* tests, size_t count, int argc, char** argv,
              enum TestIsolation isolation);

#endif
