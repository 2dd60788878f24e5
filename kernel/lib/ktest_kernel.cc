// The self-test runner: see ktest.h.
#include "lib/ktest.h"

#include <atomic>

#include "lib/kprintf.h"
#include "lib/string.h"

extern "C" const KTestCase ktest_cases_start[];
extern "C" const KTestCase ktest_cases_end[];

namespace {
// Threads started by a test may report failures too, hence atomic.
std::atomic<unsigned> s_failures_in_current_test;
}

void ktest_fail(const char* file, unsigned line, const char* expression, const char* detail) {
    s_failures_in_current_test.fetch_add(1);
    if (detail)
        kprintf("    %s:%u: expected %s: %s\n", file, line, expression, detail);
    else
        kprintf("    %s:%u: expected %s\n", file, line, expression);
}

void ktest_fail_values(const char* file, unsigned line, const char* expression, uint64_t expected, uint64_t actual) {
    s_failures_in_current_test.fetch_add(1);
    kprintf("    %s:%u: expected %s\n      expected: %lu (0x%lx)\n      actual:   %lu (0x%lx)\n", file, line,
            expression, expected, expected, actual, actual);
}

static bool matches(const KTestCase& test, const char* filter) {
    if (!filter || !*filter)
        return true;
    char full_name[128];
    size_t suite_length = klib::strlcpy(full_name, test.suite, sizeof(full_name));
    if (suite_length + 1 < sizeof(full_name)) {
        full_name[suite_length] = '.';
        klib::strlcpy(full_name + suite_length + 1, test.name, sizeof(full_name) - suite_length - 1);
    }
    size_t filter_length = klib::strlen(filter);
    for (const char* p = full_name; *p; ++p) {
        if (klib::strncmp(p, filter, filter_length) == 0)
            return true;
    }
    return false;
}

unsigned run_kernel_selftests(const char* filter) {
    unsigned passed = 0, failed = 0;
    for (const KTestCase* test = ktest_cases_start; test < ktest_cases_end; ++test) {
        if (!matches(*test, filter))
            continue;
        s_failures_in_current_test.store(0);
        test->run();
        if (s_failures_in_current_test.load() == 0) {
            ++passed;
            kprintf("ktest: PASS %s.%s\n", test->suite, test->name);
        } else {
            ++failed;
            kprintf("ktest: FAIL %s.%s\n", test->suite, test->name);
        }
    }
    kprintf("ktest: %u passed, %u failed\n", passed, failed);
    return failed;
}
